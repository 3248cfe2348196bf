"""Running a query in a forked child so that a time limit can stop it.

Neither engine can be interrupted from Python once it is deep in a join
(Oxigraph evaluates in Rust), so the query runs in a child process that is
killed when the limit passes. Fork shares the loaded data at no copying cost.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
import warnings
from typing import Any, Callable

from .errors import QueryError, QueryTimeout, TakedownError


def run_with_timeout(work: Callable[[], Any], seconds: float) -> Any:
    """Return work()'s result, or raise QueryTimeout after `seconds`."""
    if not hasattr(os, "fork"):  # no fork on this platform: run without a limit
        return work()
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns when a process with threads forks; the child only
        # evaluates the query and never touches another thread's locks.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # the child: compute, send, and leave without cleanup handlers
        os.close(read_end)
        try:
            payload = pickle.dumps(("ok", work()))
        except TakedownError as error:
            payload = pickle.dumps(("error", type(error).__name__, error.lines))
        except BaseException as error:  # an engine's own error, shown as a query error
            payload = pickle.dumps(("error", "QueryError", [f"the query failed: {error}"]))
        with os.fdopen(write_end, "wb") as stream:
            stream.write(payload)
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + seconds
    chunks = []
    try:
        with os.fdopen(read_end, "rb") as stream:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([stream], [], [], remaining)[0]:
                    os.kill(child, signal.SIGKILL)
                    raise QueryTimeout(f"the query ran past its limit of {seconds:g} s and was stopped; raise --timeout or narrow the query")
                chunk = os.read(stream.fileno(), 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.waitpid(child, 0)
    message = pickle.loads(b"".join(chunks)) if chunks else ("error", "QueryError", ["the query process ended without an answer"])
    if message[0] == "ok":
        return message[1]
    _, kind, lines = message
    error_class = {cls.__name__: cls for cls in _error_classes()}.get(kind, QueryError)
    raise error_class(lines[0], lines=lines)


def _error_classes():
    from . import errors

    return [getattr(errors, name) for name in dir(errors) if isinstance(getattr(errors, name), type)
            and issubclass(getattr(errors, name), TakedownError)]
