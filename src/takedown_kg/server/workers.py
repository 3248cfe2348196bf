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
"""

from __future__ import annotations

import os
import pickle
import queue
import select
import signal
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import QueryLimit, QueryTimeout
from ..isolation import decode_answer, encode_answer, settle_child
from ..sandbox import Sandbox, enter

_HEADER = struct.Struct("!Q")


class Busy(QueryLimit):
    """Every worker stayed busy for as long as a query may run."""


@dataclass
class _Worker:
    pid: int
    to_worker: int
    from_worker: int


class Pool:
    """`size` sandboxed workers, each running work(request) for one request at a time."""

    def __init__(self, work: Callable[[Any], Any], *, size: int, seconds: float, sandbox: Sandbox):
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.work, self.size, self.seconds, self.sandbox = work, size, seconds, sandbox
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
        healthy = False
        try:
            payload = _exchange(worker, pickle.dumps(request), self.seconds)
            if payload is None:  # the worker died: a crash, or Rust aborting at the memory limit
                status = self._reap(worker)
                return decode_answer([], self.sandbox, status)
            healthy = pickle.loads(payload)[0] in ("ok", "error")
            return decode_answer([payload], self.sandbox, 0)
        finally:
            if healthy:
                self._free.put(worker)
            else:
                self._replace(worker)

    def close(self) -> None:
        """End every worker and the keeper."""
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
        self._orders.put(False)
        for worker in workers:
            self._end(worker)

    def _replace(self, worker: _Worker) -> None:
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

    def _fork(self) -> _Worker:
        to_read, to_write = os.pipe()
        from_read, from_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            _serve(self.work, self.sandbox, self.parent, to_read, from_write)
        os.close(to_read)
        os.close(from_write)
        return _Worker(pid, to_write, from_read)


def _serve(work: Callable[[Any], Any], sandbox: Sandbox, parent: int, reader: int, writer: int) -> None:
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
        while True:
            request = _read_message(reader)
            if request is None:  # the server closed the pipe: it is stopping
                break
            payload = encode_answer(lambda: work(pickle.loads(request)))
            _write_all(writer, _HEADER.pack(len(payload)) + payload)
    except BaseException:
        pass
    finally:
        os._exit(0)


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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _exchange(worker: _Worker, request: bytes, seconds: float) -> bytes | None:
    """Send a request and wait for its answer; None if the worker died. QueryTimeout past `seconds`."""
    deadline = time.monotonic() + seconds
    try:
        _write_all(worker.to_worker, _HEADER.pack(len(request)) + request)
    except BrokenPipeError:
        return None
    wanted, received = None, bytearray()
    while wanted is None or len(received) < wanted:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([worker.from_worker], [], [], remaining)[0]:
            raise QueryTimeout(f"the query ran past its limit of {seconds:g} s and was stopped; narrow the query")
        chunk = os.read(worker.from_worker, 1 << 20)
        if not chunk:
            return None
        received += chunk
        if wanted is None and len(received) >= _HEADER.size:
            wanted = _HEADER.size + _HEADER.unpack(bytes(received[:_HEADER.size]))[0]
    return bytes(received[_HEADER.size:])
