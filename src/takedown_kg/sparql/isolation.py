"""Running a query in a forked child, in a sandbox, under a time and a memory limit.

Neither engine can be interrupted from Python once it is deep in a join
(Oxigraph evaluates in Rust), and parsing the data can explode too (an XML
entity bomb), so everything that depends on the user's input (loading the
data, checking the query, evaluating it) runs in a child that is killed when
the time limit passes, that cannot grow past its memory limit, that dies with
its parent, and that cannot reach the network (sandbox.py).
"""

from __future__ import annotations

import faulthandler
import gc
import os
import pickle
import select
import signal
import time
import warnings
from typing import Any, Callable

from .. import errors
from ..errors import QueryError, QueryLimit, QueryRefused, QueryTimeout, TakedownError
from .sandbox import Sandbox, enter

#: The longest time limit accepted: a day.
MAX_SECONDS = 86_400.0
# Messages of a denied connection, from Rust (Oxigraph) or the C library.
_NETWORK_DENIED = ("Permission denied", "os error 13", "Network is unreachable", "os error 101",
                   "Address family not supported", "os error 97")


# Messages of an allocation or a mapping refused by the memory limit.
_OUT_OF_MEMORY = ("failed to map segment", "Cannot allocate memory", "os error 12", "memory allocation of")


def run_isolated(work: Callable[[], Any], *, seconds: float, sandbox: Sandbox = Sandbox()) -> Any:
    """Return work()'s result, computed in a sandboxed child.

    Raises QueryTimeout after `seconds`, QueryLimit past the memory limit, and
    the child's own TakedownError as itself.
    """
    return start_isolated(work, seconds=seconds, sandbox=sandbox).result()


class Isolated:
    """A sandboxed child computing work(): its result() is waited for, or it is cancel()led."""

    def __init__(self, work: Callable[[], Any], seconds: float, sandbox: Sandbox):
        self.work, self.seconds, self.sandbox = work, seconds, sandbox
        self.child: int | None = None
        self.started = time.monotonic()
        if not hasattr(os, "fork"):  # no fork on this platform: run here, without limits
            return
        parent = os.getpid()
        self.read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12 warns when a process with threads forks; the child only
            # evaluates the query and never touches another thread's locks.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.child = fork_frozen()
        if self.child == 0:
            os.close(self.read_end)
            _child(work, sandbox, parent, write_end)
        os.close(write_end)

    def result(self) -> Any:
        if self.child is None:
            return self.work()
        answered = False
        try:
            remaining = self.seconds - (time.monotonic() - self.started)
            chunks = _receive(self.read_end, self.child, remaining, self.seconds)
            answered = True
        finally:
            status = _reap(self.child, answered=answered)
            self.child = None
        return decode_answer(chunks, self.sandbox, status)

    def read_elsewhere(self) -> Any:
        """The answer as result() gives it, read by a process forked after this child began
        (it inherited the pipe); the process that began the child still ends it (cancel)."""
        if self.child is None:
            return self.work()
        remaining = self.seconds - (time.monotonic() - self.started)
        return decode_answer(_receive(self.read_end, self.child, remaining, self.seconds), self.sandbox, None)

    def cancel(self) -> None:
        """Stop the child, if it still runs, and forget its answer."""
        if self.child is not None:
            os.close(self.read_end)
            _reap(self.child, answered=False)
            self.child = None


def fork_frozen() -> int:
    """os.fork(), with what the parent holds kept out of the child's garbage collections: a
    collection touches every object it scans, and each page it touches is then copied into the
    child (50 ms of a one-second query on rdflib went to that)."""
    gc.freeze()
    child = os.fork()
    if child:
        gc.unfreeze()
    return child


def start_isolated(work: Callable[[], Any], *, seconds: float, sandbox: Sandbox = Sandbox()) -> Isolated:
    """work() begun in a sandboxed child; the caller goes on until it asks for the result."""
    return Isolated(work, seconds, sandbox)


def _child(work: Callable[[], Any], sandbox: Sandbox, parent: int, write_end: int) -> None:
    """Compute in the sandbox, send the answer, and leave without cleanup handlers."""
    code = 0
    try:
        settle_child()

        def entered():
            enter(sandbox, parent=parent)
            return work()

        payload = encode_answer(entered)
        with os.fdopen(write_end, "wb") as stream:
            stream.write(payload)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def settle_child() -> None:
    """What every forked query process does first: default signals, no warnings, no stderr."""
    # Ctrl-C in the terminal reaches the child too: let it end it at once.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Warnings would go nowhere (no stderr), and a filter inherited from the
    # parent (tests turn them into errors) must not change the answer.
    warnings.simplefilter("ignore")
    # An engine's own complaints (Rust's allocation failure, a crash dump
    # of a fault handler inherited from the parent) are not for the user.
    if not os.environ.get("TAKEDOWN_KG_DEBUG"):
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)


def encode_answer(work: Callable[[], Any]) -> bytes:
    """work()'s result, or the error it raised, pickled for decode_answer in the parent."""
    try:
        return pickle.dumps(("ok", work()))
    except TakedownError as error:
        return pickle.dumps(("error", type(error).__name__, error.lines))
    except MemoryError:
        return pickle.dumps(("memory",))
    except BaseException as error:  # an engine's own error, shown as a query error
        return pickle.dumps(("failed", str(error).splitlines()[0] if str(error) else type(error).__name__))


def _receive(read_end: int, child: int, seconds: float, limit: float | None = None) -> list[bytes]:
    """The child's answer, read within `seconds`; `limit`, the whole limit, names it in the message."""
    limit = seconds if limit is None else limit
    deadline = time.monotonic() + seconds
    chunks = []
    with os.fdopen(read_end, "rb") as stream:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([stream], [], [], remaining)[0]:
                raise QueryTimeout(
                    f"the query ran past its limit of {limit:g} s and was stopped; raise --timeout or narrow the query"
                )
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                return chunks
            chunks.append(chunk)


def _reap(child: int, *, answered: bool) -> int | None:
    """Make sure the child is gone, whatever ended the wait (an answer, a limit, Ctrl-C).

    Returns its wait status, or None when it had to be killed here.
    """
    try:
        if not answered:  # a limit or an interrupt cut the wait short: stop it now
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            return None
        # It closed the pipe, so it is leaving: wait for its status.
        return os.waitpid(child, 0)[1]
    except (ChildProcessError, ProcessLookupError):
        return None


def decode_answer(chunks: list[bytes], sandbox: Sandbox, status: int | None) -> Any:
    """What a sandboxed child sent (its pickled answer), or the error its silence means."""
    if not chunks:
        # Rust aborts when an allocation fails; that is the memory limit speaking.
        crashed = status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) in (
            signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)
        if crashed and sandbox.memory is not None:
            raise _memory_error(sandbox)
        raise QueryError("the query process ended without an answer; run again with --debug to see why")
    return decode_message(pickle.loads(b"".join(chunks)), sandbox)


def decode_message(message: tuple, sandbox: Sandbox) -> Any:
    """The result an unpickled answer holds, or the error it stands for."""
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "memory":
        raise _memory_error(sandbox)
    if kind == "failed":
        reason = message[1]
        if any(sign in reason for sign in _OUT_OF_MEMORY):
            raise _memory_error(sandbox)
        if any(sign in reason for sign in _NETWORK_DENIED):
            raise QueryRefused(f"the query tried to reach the network or the disk and was stopped ({reason})")
        raise QueryError(f"the query failed: {reason}")
    _, name, lines = message
    error_class = {cls.__name__: cls for cls in _error_classes()}.get(name, QueryError)
    raise error_class(lines[0], lines=lines)


def _memory_error(sandbox: Sandbox) -> QueryLimit:
    megabytes = (sandbox.memory or 0) // (1 << 20)
    return QueryLimit(
        f"the query ran out of its memory limit of {megabytes} MB and was stopped; raise --memory or narrow the query"
    )


def _error_classes():
    return [getattr(errors, name) for name in dir(errors) if isinstance(getattr(errors, name), type)
            and issubclass(getattr(errors, name), TakedownError)]
