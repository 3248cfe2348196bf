"""Pre-forked query processes: each holds the dataset, lives in the sandbox, answers one query at a time.

Forking a process per query (as `query` does) costs more than a small query
itself; a worker forked once, after the dataset is opened, shares its memory
with the server and has already taken the network and the disk away from
itself (sandbox.enter) before it reads its first query. A worker past its
time limit is killed, one that ran out of memory or failed in its engine is
ended, and either is replaced at once: the next query never meets a process
that a previous one left in a bad state.

All workers are forked by one long-lived thread, the keeper: Linux sends the
death signal that ties a worker to the server (PR_SET_PDEATHSIG) when the
*thread* that forked it ends, so a worker forked by a request's thread would
die with that request.

An answer with a body (Bulk) crosses the pipe as a small pickled head that
gives the body's size, then the body itself, raw: the server reads the body
in pieces as its client takes them (dispatch.py, loop.py), and while the
client does not, the pipe fills and the worker waits. The server never holds
a whole answer.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import pickle
import queue
import select
import signal
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from ..errors import QueryLimit, QueryTimeout
from ..sparql import Sandbox, decode_answer, decode_message, encode_answer, enter, settle_child

_HEADER = struct.Struct("!Q")
_SKIP = struct.Struct("=Q")
#: Bytes read from a worker's pipe at a time, and what the pipe is asked to hold.
PIECE = 256 * 1024


class Bulk(NamedTuple):
    """What work() returns for an answer with a body: `meta` is pickled, `body` goes down the pipe
    raw after it (Pool.run gives it back whole; serve's loop reads it in pieces)."""

    meta: Any
    body: bytes


class Owed(NamedTuple):
    """The head of a Bulk answer (Pool.finish): its `size` bytes follow in the worker's pipe, and the
    worker stays taken until they are read (then Pool.release) or it is ended (Pool.discard)."""

    meta: Any
    size: int


class Busy(QueryLimit):
    """Every worker stayed busy for as long as a query may run."""


@dataclass
class _Worker:
    pid: int
    to_worker: int
    from_worker: int
    room: int  # bytes its request pipe holds: what may be written to it without waiting
    #: Memory shared with the worker: the number (counted from 1) of a request it should skip.
    skips: mmap.mmap
    sent: int = 0  # requests sent to it so far; the worker counts the requests it reads the same way


class Pool:
    """`size` sandboxed workers, each running work(request) for one request at a time."""

    def __init__(self, work: Callable[[Any], Any], *, size: int, seconds: float, sandbox: Sandbox,
                 on_free: Callable[[], None] | None = None):
        """`on_free`, when given, is called (from the keeper's thread) each time a new worker is ready."""
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.work, self.size, self.seconds, self.sandbox = work, size, seconds, sandbox
        self.on_free = on_free
        self.parent = os.getpid()
        self._free: queue.Queue[_Worker] = queue.Queue()
        self._orders: queue.Queue[bool] = queue.Queue()
        self._workers: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.replaced = 0
        self._keeper = threading.Thread(target=self._keep, name="takedown-kg worker keeper", daemon=True)

    def start(self) -> "Pool":
        """Fork the workers; return once every one of them is forked."""
        self._keeper.start()
        for _ in range(self.size):
            self._orders.put(True)
        while self._free.qsize() < self.size:
            time.sleep(0.01)
        return self

    def run(self, request: Any) -> Any:
        """work(request)'s result from a free worker, or its error; QueryTimeout past the time limit."""
        try:
            worker = self._free.get(timeout=self.seconds)
        except queue.Empty:
            raise Busy(f"all {self.size} query workers stayed busy for {self.seconds:g} s; try again later") from None
        if not self.send(worker, request):
            return self.finish(worker, None)
        deadline, reader = time.monotonic() + self.seconds, Reader()
        while (payload := reader.take()) is None and not reader.closed:
            self._wait(worker, deadline)
            reader.feed(worker.from_worker)
        result = self.finish(worker, payload)
        if not isinstance(result, Owed):
            return result
        body = bytearray(reader.take_raw(result.size))
        while len(body) < result.size:
            self._wait(worker, deadline)
            piece = os.read(worker.from_worker, result.size - len(body))
            if not piece:
                return self.finish(worker, None)
            body += piece
        self.release(worker)
        return Bulk(result.meta, bytes(body))

    def _wait(self, worker: _Worker, deadline: float) -> None:
        """Until the worker's pipe has something to read; past the deadline, end it (QueryTimeout)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([worker.from_worker], [], [], remaining)[0]:
            raise self.timed_out(worker)

    # The same steps one at a time, for a caller that waits on the workers' pipes itself (serve's loop).
    def take(self) -> _Worker | None:
        """A free worker, or None at once."""
        if not self._free.queue:  # the common answer under load, without the queue's lock or raising Empty
            return None
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return None

    def send(self, worker: _Worker, request: Any) -> bool:
        """Hand `request` to a worker taken from the pool; False if it had died (then finish(worker, None))."""
        return self.send_packed(worker, pack(request))

    def send_packed(self, worker: _Worker, data: bytes) -> bool:
        """send() of what pack() made. A worker may be sent a second request while it runs
        the first (it reads it when done) if both fit in its pipe: a write must never wait for a query."""
        try:
            _write_all(worker.to_worker, data)
        except BrokenPipeError:
            return False
        worker.sent += 1
        return True

    def skip(self, worker: _Worker, number: int) -> None:
        """Have the worker answer its `number`th request (counted from 1) at once, unrun, if it has
        not begun it: a request taken back from behind a long query runs elsewhere, and only once."""
        if not worker.skips.closed:  # else it has ended: nothing to skip
            _SKIP.pack_into(worker.skips, 0, number)

    def finish(self, worker: _Worker, payload: bytes | None, *, more: bool = False) -> Any:
        """The worker's answer (the bytes after the header), or its error; None means it died.
        The worker goes back to the pool (stays taken if it has `more` requests to answer),
        or is replaced when the query left it unfit (then alive() says False). A Bulk answer's
        head is Owed: the worker stays taken until its body is read (release) or it is ended."""
        if payload is None:  # the worker died: a crash, or Rust aborting at the memory limit
            status = self._reap(worker)
            self.discard(worker)
            return decode_answer([], self.sandbox, status)
        message = pickle.loads(payload)
        if message[0] == "bulk":
            return Owed(message[1], message[2])
        if message[0] not in ("ok", "error"):  # not an answer, nor an error the worker raised on purpose: unfit
            self.discard(worker)
        elif not more:
            self._free.put(worker)
        return decode_message(message, self.sandbox)

    def release(self, worker: _Worker) -> None:
        """Put back a worker whose Owed body has been read to its end."""
        self._free.put(worker)

    def drop(self, worker: _Worker) -> None:
        """End a free worker that has ended by itself (killed from outside), so no query is sent to it."""
        with self._free.mutex:
            if worker in self._free.queue:
                self._free.queue.remove(worker)
        self.discard(worker)

    def alive(self, worker: _Worker) -> bool:
        """Whether `worker` is still one of the pool's (finish() ends one a query left unfit)."""
        with self._lock:
            return worker.pid in self._workers

    def timed_out(self, worker: _Worker) -> QueryTimeout:
        """End a worker past the time limit (a new one replaces it); the error to answer with."""
        self.discard(worker)
        return QueryTimeout(f"the query ran past its limit of {self.seconds:g} s and was stopped; narrow the query")

    def close(self) -> None:
        """End every worker and the keeper."""
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
        self._orders.put(False)
        for worker in workers:
            self._end(worker)

    def discard(self, worker: _Worker) -> None:
        """End a worker and have the keeper fork its replacement."""
        self._end(worker)
        with self._lock:
            self.replaced += 1
            closed = self._closed
        if not closed:
            self._orders.put(True)

    def _end(self, worker: _Worker) -> None:
        with self._lock:
            known = self._workers.pop(worker.pid, None)
        if known is None:
            return
        for fd in (worker.to_worker, worker.from_worker):
            try:
                os.close(fd)
            except OSError:
                pass
        self._reap(worker, kill=True)
        worker.skips.close()

    @staticmethod
    def _reap(worker: _Worker, *, kill: bool = False) -> int | None:
        try:
            if kill:
                os.kill(worker.pid, signal.SIGKILL)
            return os.waitpid(worker.pid, 0)[1]
        except (ChildProcessError, ProcessLookupError):
            return None

    def _keep(self) -> None:
        while self._orders.get():
            with self._lock:
                if self._closed:
                    return
                worker = self._fork()
                self._workers[worker.pid] = worker
            self._free.put(worker)
            if self.on_free is not None:
                self.on_free()

    def _fork(self) -> _Worker:
        to_read, to_write = os.pipe()
        from_read, from_write = os.pipe()
        skips = mmap.mmap(-1, _SKIP.size)  # anonymous and shared: what the server writes, the worker reads
        pid = os.fork()
        if pid == 0:
            for other in self._workers.values():  # another worker's skips are not this one's business
                other.skips.close()
            _serve(self.work, self.sandbox, self.parent, to_read, from_write, skips)
        os.close(to_read)
        os.close(from_write)
        try:
            room = fcntl.fcntl(to_write, fcntl.F_GETPIPE_SZ)
        except (AttributeError, OSError):
            room = 4096  # what a pipe holds at least
        try:  # a piece of an answer in one read (the kernel holds it: the server's memory does not grow)
            fcntl.fcntl(from_read, fcntl.F_SETPIPE_SZ, PIECE)
        except (AttributeError, OSError):
            pass  # the default (64 KiB on Linux): more, smaller reads
        return _Worker(pid, to_write, from_read, room, skips)


def _serve(work: Callable[[Any], Any], sandbox: Sandbox, parent: int, reader: int, writer: int,
           skips: mmap.mmap) -> None:
    """A worker's life: shed what it inherited, enter the sandbox, answer queries until told to stop."""
    try:
        settle_child()
        # The listening socket and the other workers' pipes are not this worker's business.
        for fd in _open_fds():
            if fd > 2 and fd not in (reader, writer):
                try:
                    os.close(fd)
                except OSError:
                    pass
        enter(sandbox, parent=parent)
        number = 0
        while True:
            request = _read_message(reader)
            if request is None:  # the server closed the pipe: it is stopping
                break
            number += 1
            if _SKIP.unpack_from(skips)[0] == number:
                payload, body = encode_answer(lambda: None), b""  # taken back by the server: run elsewhere
            else:
                payload, body = _answer(work, request)
            _write_all(writer, _HEADER.pack(len(payload)) + payload, body)
            payload = body = b""  # an answer of 100 MB is not kept while the worker waits for the next request
    except BaseException:
        pass
    finally:
        os._exit(0)


def _answer(work: Callable[[Any], Any], request: bytes) -> tuple[bytes, bytes]:
    """The pickled head of work()'s answer, and the body that follows it raw (a Bulk's), or b""."""
    bodies = []

    def run() -> Any:
        result = work(pickle.loads(request))
        if not isinstance(result, Bulk):
            return result
        bodies.append(result.body)
        return "bulk", result.meta, len(result.body)

    payload = encode_answer(run)
    if not bodies:
        return payload, b""
    message = pickle.loads(payload)  # a few bytes: ("ok", ("bulk", meta, size)), or the error its pickling met
    return (pickle.dumps(message[1]), bodies[0]) if message[0] == "ok" else (payload, b"")


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return []


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])


def _write_all(fd: int, *parts: bytes) -> None:
    """Every byte of `parts`, in order, in as few writes as the pipe allows (one for a small answer)."""
    views = [memoryview(part) for part in parts if part]
    while views:
        written = os.writev(fd, views)
        while views and written >= len(views[0]):
            written -= len(views.pop(0))
        if written:
            views[0] = views[0][written:]


def pack(request: Any) -> bytes:
    """A request as it goes down a worker's pipe: its length, then its pickle."""
    data = pickle.dumps(request)
    return _HEADER.pack(len(data)) + data


class Reader:
    """Answers read from a worker's pipe as they arrive, in order: each header gives its length.
    One read may hold the end of an answer and the whole next one (a worker sent two requests).
    A read takes at most PIECE bytes: what a Bulk body brings along with its head is all of it
    the server holds before its client takes it."""

    def __init__(self):
        self.received = bytearray()
        self.closed = False  # the worker's end is closed: it died, or was ended

    def feed(self, fd: int) -> None:
        """Read what is there."""
        chunk = os.read(fd, PIECE)
        if chunk:
            self.received += chunk
        else:
            self.closed = True

    def take(self) -> bytes | None:
        """The next whole answer (the bytes after its header), or None until it has arrived."""
        if len(self.received) < _HEADER.size:
            return None
        end = _HEADER.size + _HEADER.unpack_from(self.received)[0]
        if len(self.received) < end:
            return None
        payload = bytes(self.received[_HEADER.size:end])
        del self.received[:end]
        return payload

    def take_raw(self, size: int) -> bytes | bytearray:
        """Up to `size` bytes of what follows an Owed head (its body), as far as they have arrived."""
        if len(self.received) <= size:  # the common case: all of it is the body, handed over uncopied
            taken, self.received = self.received, bytearray()
            return taken
        taken = bytes(self.received[:size])
        del self.received[:size]
        return taken
