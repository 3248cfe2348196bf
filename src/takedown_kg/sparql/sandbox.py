"""Taking the network and the disk away from the process that runs a query.

The second layer behind safety.check: whatever that check misreads, the
forked child that parses the data and evaluates the query has no way out.

- A network namespace of its own (Linux, as root or with user namespaces):
  no interface but a loopback that is down, so every connection fails.
- A seccomp filter that denies creating any socket but a Unix one (Linux,
  x86-64 and arm64, no privilege needed). It stops Oxigraph's HTTP client
  as surely as Python's, because it works on system calls, not on Python.
- Python's own hooks: a URL opener that opens nothing, and an audit hook
  that refuses sockets, URL requests, new processes and `open` of anything
  but the Python installation and the files being queried. (rdflib's engine
  also refuses SERVICE through its CUSTOM_EVALS hook: engines.py.)
- Limits: address space (RLIMIT_AS), and death with the parent
  (PR_SET_PDEATHSIG), so no query outlives the command that asked for it.

Each layer can be switched off on its own, so the tests show each one
holding alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import resource
import signal
import struct
import sys
from dataclasses import dataclass, field

from ..errors import QueryRefused

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2
_AF_UNIX = 1
# (audit architecture, socket, io_uring_setup) per machine: io_uring could
# open a socket without the socket system call.
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}
_PYTHON_EVENTS_REFUSED = ("socket.", "urllib.Request", "subprocess.Popen", "os.system", "os.exec",
                          "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.")


@dataclass(frozen=True)
class Sandbox:
    """Which layers the query's process enters; all of them by default."""

    network_namespace: bool = True
    seccomp: bool = True
    python_hooks: bool = True
    #: Bytes of address space the query may add to what the process has; None for no limit.
    memory: int | None = None
    #: Files the query may read (the data being queried), besides Python's own.
    readable: tuple[str, ...] = field(default=())


def enter(sandbox: Sandbox, *, parent: int) -> list[str]:
    """Enter the sandbox in the current (forked) process; return the layers in force."""
    _die_with_parent(parent)
    in_force = []
    if sandbox.network_namespace and _new_network_namespace():
        in_force.append("network namespace")
    if sandbox.seccomp and _deny_sockets():
        in_force.append("seccomp")
    if sandbox.memory is not None:
        _limit_memory(sandbox.memory)
    if sandbox.python_hooks:
        _python_hooks(sandbox.readable)
        in_force.append("python hooks")
    return in_force


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died before the line above took effect.
    if os.getppid() != parent:
        os._exit(1)


def _new_network_namespace() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    if libc.unshare(_CLONE_NEWNET) == 0:
        return True
    # Without root, a user namespace may still grant the right to make one.
    return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0


def _deny_sockets() -> bool:
    """Install a seccomp filter: socket() of any family but AF_UNIX fails with EACCES."""
    machine = _ARCHITECTURES.get(platform.machine())
    if not sys.platform.startswith("linux") or machine is None:
        return False
    arch, nr_socket, nr_io_uring = machine
    load, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    deny, allow = 0x00050000 | 13, 0x7FFF0000  # SECCOMP_RET_ERRNO | EACCES, SECCOMP_RET_ALLOW
    deny_at, allow_at = 8, 9
    program = [
        (load, 0, 0, 4),                                   # 0: the architecture
        (jeq, 0, deny_at - 2, arch),                       # 1: another (32-bit calls): deny
        (load, 0, 0, 0),                                   # 2: the system call number
        (jge, deny_at - 4, 0, 0x40000000),                 # 3: x32 calls: deny
        (jeq, deny_at - 5, 0, nr_io_uring),                # 4: io_uring_setup: deny
        (jeq, 0, allow_at - 6, nr_socket),                 # 5: not socket(): allow
        (load, 0, 0, 16),                                  # 6: socket()'s family argument
        (jeq, allow_at - 8, deny_at - 8, _AF_UNIX),        # 7: AF_UNIX: allow, else deny
        (ret, 0, 0, deny),                                 # 8
        (ret, 0, 0, allow),                                # 9
    ]
    filters = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(filters)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program), ctypes.addressof(buffer))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


def _limit_memory(extra: int) -> None:
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            current = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        current = 0
    limit = current + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _python_hooks(readable: tuple[str, ...]) -> None:
    # lazy: the HTTP client loads only where a request is made
    import urllib.request

    class Refuse(urllib.request.BaseHandler):
        def default_open(self, request):
            raise QueryRefused(f"{request.full_url} is refused: queries never read files or URLs")

    urllib.request.install_opener(urllib.request.build_opener(Refuse))

    # Python's own files (a lazy import inside an engine opens them), never the
    # working directory that an empty sys.path entry stands for.
    installation = {sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if os.path.isabs(p))}
    if sys.pycache_prefix:  # PYTHONPYCACHEPREFIX: the compiled modules live apart from their sources
        installation.add(sys.pycache_prefix)
    roots = tuple(os.path.realpath(p).rstrip(os.sep) + os.sep for p in installation)
    allowed_files = frozenset(os.path.realpath(p) for p in readable)

    def audit(event: str, args: tuple) -> None:
        if event.startswith(_PYTHON_EVENTS_REFUSED):
            raise QueryRefused(f"{event} is refused: a query runs on the loaded data only")
        if event == "open":
            path, mode = args[0], args[1]
            if isinstance(path, int) or path is None:
                return
            real = os.path.realpath(os.fsdecode(path))
            reading = mode is None or mode.startswith("r") and "+" not in mode
            if reading and (real in allowed_files or real.startswith(roots)):
                return
            raise QueryRefused(f"opening {os.fsdecode(path)!r} is refused: a query reads only the loaded data")

    sys.addaudithook(audit)
