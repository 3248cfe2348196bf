#!/usr/bin/env bash
# Install takedown-kg, editable, into a virtual environment: .venv beside this
# file. Stock Debian and Ubuntu refuse `pip install` into the system Python
# (PEP 668: "externally-managed-environment"), and a venv works the same on
# every system. Usage: bash setup.sh [EXTRA]   (EXTRA: test)
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-python3}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Error: takedown-kg needs Python 3.11 or later; $python is $("$python" -V 2>&1 || echo missing)" >&2
    exit 2
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian and Ubuntu ship venv's pip bootstrap as a package of its own.
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "Error: $python cannot make a virtual environment; install your system's python3-venv package" >&2
        exit 2
    fi
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${1:+[$1]}"
echo "takedown-kg is installed in .venv; in a new shell, run: . .venv/bin/activate"
