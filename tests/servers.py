"""Servers the tests start and stop: `takedown-kg serve` and the Oxigraph server, each on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from conftest import ROOT, need


class Serving:
    """A running `takedown-kg serve`: its URL, its process, and what it wrote to stderr once stopped."""

    def __init__(self, process: subprocess.Popen, url: str, banner: list[str], *, read_stderr: bool = True):
        self.process, self.url, self.banner = process, url, banner
        self.stderr = ""
        self.returncode = None
        # Read as it comes, as a supervisor would: left unread, the pipe fills (64 KiB, some 700
        # access-log lines) and serve drops the lines that follow until it is read again.
        self.lines: list[bytes] = []
        self._reader: threading.Thread | None = None
        if read_stderr:
            self.read_stderr()

    def read_stderr(self) -> None:
        """Read stderr from now on, line by line, into `lines`."""
        self._reader = threading.Thread(target=lambda: self.lines.extend(iter(self.process.stderr.readline, b"")),
                                        daemon=True)
        self._reader.start()

    def stop(self, signum: int = signal.SIGINT) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            self.returncode = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.returncode = self.process.wait()
        if self._reader is None:
            self.read_stderr()
        self._reader.join(timeout=20)
        self.stderr = b"".join(self.lines).decode("utf-8")
        self.process.stdout.close()
        self.process.stderr.close()


def command() -> list[str]:
    from conftest import cli_command

    return cli_command()


def planted_command(code: str) -> list[str]:
    """The command with `code` run first in its process: a bug planted in serve, to see how it is told."""
    return [sys.executable, "-c", f"{code}\nfrom takedown_kg.cli import run\nrun()"]


@contextmanager
def serving(*args: str, cwd: Path | None = None, planted: str | None = None, read_stderr: bool = True):
    """`takedown-kg serve --port 0 ARGS` until the block ends (then Ctrl-C); `planted`: code run before it;
    `read_stderr=False`: its stderr is left unread (until Serving.read_stderr or the end)."""
    process = subprocess.Popen([*(planted_command(planted) if planted else command()), "serve", "--port", "0", *args],
                               cwd=cwd or ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    banner, running = [], None
    try:
        while True:
            line = process.stdout.readline().decode("utf-8")
            if not line:
                process.wait(timeout=20)
                raise AssertionError(f"serve ended before it served: {process.stderr.read().decode('utf-8')}")
            banner.append(line)
            if line.startswith("  query page  "):
                banner += [process.stdout.readline().decode("utf-8") for _ in range(2)]
                break
        running = Serving(process, line.split()[-1], banner, read_stderr=read_stderr)
        yield running
    finally:
        if running is None:
            process.kill()
            process.wait()
        elif running.returncode is None:
            running.stop()


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"  # .venv/bin, when the venv is not activated
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def oxigraph_server(location: Path, *, union: bool = True):
    """The Oxigraph server (PyPI package `oxigraph`) on a free loopback port; yields its base URL."""
    binary = oxigraph_binary()
    need(binary is not None, "the Oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                                *(["--union-default-graph"] if union else [])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        with _until_stopped(process, f"{url}/query?query=ASK%7B%7D", seconds=30,
                            failure=lambda: f"the Oxigraph server did not start: {process.stderr.read().decode()}"):
            yield url
    finally:
        process.stderr.close()


@contextmanager
def _until_stopped(process: subprocess.Popen, probe: str, *, seconds: float, failure):
    """Wait until `probe` answers (AssertionError with failure() if the server ends or `seconds` pass
    first), run the block, then stop the server."""
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(failure()) from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


VIRTUOSO_INI = """[Database]
DatabaseFile = db/virtuoso.db
ErrorLogFile = db/virtuoso.log
LockFile = db/virtuoso.lck
TransactionFile = db/virtuoso.trx
xa_persistent_file = db/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = db/virtuoso-temp.db
TransactionFile = db/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
Charset = UTF-8
"""


@contextmanager
def virtuoso_server(folder: Path):
    """Virtuoso (Debian's virtuoso-opensource) on free loopback ports with a new database in `folder`;
    yields its base URL. Its Graph Store endpoint with authentication is /sparql-graph-crud-auth
    (HTTP Digest; a new database's administrator is dba, password dba)."""
    binary = shutil.which("virtuoso-t")
    need(binary is not None, "Virtuoso is not installed (apt-get install virtuoso-opensource)")
    (folder / "db").mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(sql=free_port(), http=http_port), encoding="ascii")
    process = subprocess.Popen([binary, "+configfile", "virtuoso.ini", "+foreground"], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}"
    log = folder / "db" / "virtuoso.log"
    # A new database takes 10-30 s on two busy cores.
    with _until_stopped(process, f"{url}/sparql?query=ASK%7B%7D", seconds=180,
                        failure=lambda: f"Virtuoso did not start: {log.read_text()[-2000:] if log.is_file() else ''}"):
        yield url
