"""Writing files so that a reader never sees a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError
from .sources import display_path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(files: dict[Path, bytes]) -> list[Path]:
    """Write every file to a temporary name, then rename them all into place.

    If anything fails before the renames, no target is touched.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for target, content in files.items():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            except OSError as exc:
                raise InputError(f"{display_path(target)}: cannot write ({exc.strerror}); choose another path") from None
            staged.append((temporary, target))
            # mkstemp creates files readable by the owner only; outputs are for sharing.
            os.chmod(temporary, 0o666 & ~_umask())
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        for temporary, target in staged:
            os.replace(temporary, target)
        staged.clear()
    finally:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
    return list(files)
