"""Queries handed to the workers from the HTTP loop itself, with no thread in between.

The loop watches each worker's pipe beside the connections: a request goes to
a free worker (or waits its turn), the answer is read as it arrives, and the
loop's clock ends a worker past the time limit. A thread per query cost as
much CPU as the HTTP itself (a queue, a wake-up and the lock of the
interpreter passed back and forth, twice per request). A worker's pipe stays
watched from its first query to its end (watching it anew for each query took
two system calls more per query); an idle worker's pipe becomes readable only
when it ends (killed from outside), and the pool replaces it at once.

When every worker is busy, a waiting request is sent ahead to a worker whose
query began less than HOLD seconds ago (one at most, and only if it fits in
the pipe beside the request the worker may not have read yet: a write must
never wait for a query). The worker reads it as soon as it has written its
answer, instead of sleeping until the loop has read that answer and sent the
next request: at 8 clients 0.1 to 0.18 of a core was otherwise idle. A
request sent ahead to a query that runs past HOLD goes back to the head of
the queue, so it never waits for a long query while another worker frees up;
the worker is told (Pool.skip) to answer its copy unrun, so a runaway query
taken back never holds two workers.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable

from ..errors import TakedownError
from .loop import Bug
from .workers import Busy, Pool, Reader, _Worker, pack

#: What a query ends in: the worker's answer, or the TakedownError it raised.
Done = Callable[[Any], None]


#: Seconds a worker's query may have run for a request to be sent ahead to it, and to stay there.
HOLD = 0.05


class ServerBug(TakedownError):
    """A bug of this server's own ended the request (HTTP 500)."""


class _Sent:
    """A request in a worker's pipe."""

    __slots__ = ("request", "data", "done", "since", "started", "dropped", "number")

    def __init__(self, request: Any, data: bytes, done: Done, since: float, started: float | None, number: int):
        self.request, self.data, self.done, self.since = request, data, done, since
        self.started = started  # when the worker began it; None while it waits behind another
        self.dropped = False  # taken back to the queue: its answer goes to no one
        self.number = number  # which of the worker's requests it is (Pool.skip)


class _Busy:
    __slots__ = ("worker", "reader", "sent")

    def __init__(self, worker: _Worker, first: _Sent):
        self.worker, self.reader, self.sent = worker, Reader(), deque([first])


class Dispatcher:
    def __init__(self, pool: Pool, watch: Callable[[int, Callable[[], None]], None], unwatch: Callable[[int], None], *,
                 bug: Bug):
        self.pool, self.watch, self.unwatch, self.bug = pool, watch, unwatch, bug
        self._waiting: deque[tuple[Any, bytes, Done, float]] = deque()  # request, its pickle, done, since
        self._running: dict[int, _Busy] = {}
        self._watched: dict[int, _Worker] = {}

    def submit(self, request: Any, done: Done) -> None:
        self._waiting.append((request, pack(request), done, time.monotonic()))
        self.start()

    def start(self) -> None:
        """Hand waiting requests to free workers (a worker freed, or forked anew, takes the next one),
        then one ahead to each busy worker that may take one."""
        while self._waiting and (worker := self.pool.take()) is not None:
            request, data, done, since = self._waiting.popleft()
            fd = worker.from_worker
            if not self.pool.send_packed(worker, data):
                self._forget(fd)
                self._end(done, lambda: self.pool.finish(worker, None))
                continue
            self._running[fd] = _Busy(worker, _Sent(request, data, done, since, time.monotonic(), worker.sent))
            if fd not in self._watched:
                self._watched[fd] = worker
                self.watch(fd, lambda fd=fd: self._step(fd))
        if not self._waiting:
            return
        now = time.monotonic()
        for busy in self._running.values():
            if not self._waiting:
                return
            head, data = busy.sent[0], self._waiting[0][1]
            if len(busy.sent) > 1 or now - head.started >= HOLD or len(head.data) + len(data) > busy.worker.room:
                continue
            if self.pool.send_packed(busy.worker, data):  # else it died: its pipe's end will say so
                request, data, done, since = self._waiting.popleft()
                busy.sent.append(_Sent(request, data, done, since, None, busy.worker.sent))

    def tick(self, now: float) -> float | None:
        """End what ran or waited past the limit, take back what waits behind a long query;
        the next moment something may have to end or be taken back."""
        limit = self.pool.seconds
        moments = []
        for fd, busy in list(self._running.items()):
            head = busy.sent[0]
            if now >= head.started + limit:
                del self._running[fd]
                self._forget(fd)  # before the pool closes it: a new worker's pipe may take its number
                failure = self.pool.timed_out(busy.worker)
                busy.sent.popleft()
                self._requeue(busy)
                if not head.dropped:
                    head.done(failure)
                continue
            moments.append(head.started + limit)
            if len(busy.sent) > 1 and not busy.sent[-1].dropped:  # at most one waits behind the head
                if now - head.started >= HOLD:
                    self._requeue(busy)
                else:
                    moments.append(head.started + HOLD)
        while self._waiting and now - self._waiting[0][3] > limit:
            done = self._waiting.popleft()[2]
            done(Busy(f"all {self.pool.size} query workers stayed busy for {limit:g} s; try again later"))
        self.start()
        if self._waiting:
            moments.append(self._waiting[0][3] + limit)
        return min(moments) if moments else None

    def _requeue(self, busy: _Busy) -> None:
        """Put the requests waiting in a worker's pipe, not begun, back at the head of the queue."""
        for sent in reversed([sent for sent in busy.sent if sent.started is None and not sent.dropped]):
            sent.dropped = True
            self.pool.skip(busy.worker, sent.number)  # unless it has begun, its copy is not run
            self._waiting.appendleft((sent.request, sent.data, sent.done, sent.since))

    def _step(self, fd: int) -> None:
        try:
            self._readable(fd)
        except Exception as failure:
            self.bug("a query worker's pipe", failure)
            self._fail(fd, failure)

    def _fail(self, fd: int, failure: Exception) -> None:
        """After a bug in reading a worker's pipe, what it still owes cannot be trusted: the worker is
        replaced, the request it was running ends with a 500, and one sent ahead goes back to the queue."""
        busy = self._running.pop(fd, None)
        worker = busy.worker if busy is not None else self._watched.get(fd)
        self._forget(fd)
        if busy is not None:
            self._requeue(busy)
        if worker is not None and self.pool.alive(worker):
            self.pool.drop(worker)
        for sent in busy.sent if busy is not None else ():
            if not sent.dropped:
                self._end(sent.done, lambda: ServerBug(f"the server failed: {type(failure).__name__}"))
        self.start()

    def _readable(self, fd: int) -> None:
        busy = self._running.get(fd)
        if busy is None:  # an idle worker's pipe: it has ended
            worker = self._watched.get(fd)
            self._forget(fd)  # before the pool closes it
            if worker is not None:
                self.pool.drop(worker)
            return self.start()
        try:
            busy.reader.feed(fd)
        except OSError:
            busy.reader.closed = True
        while busy.sent:  # the answers in the order the requests were sent
            payload = busy.reader.take()
            if payload is None and not busy.reader.closed:
                break
            head = busy.sent.popleft()
            if payload is None:  # it died running `head`: the pool closes its pipes
                del self._running[fd]
                self._forget(fd)
                self._end(None if head.dropped else head.done, lambda: self.pool.finish(busy.worker, None))
                self._requeue(busy)
                break
            more = bool(busy.sent)
            if more:
                busy.sent[0].started = time.monotonic()
            else:
                del self._running[fd]
            self._end(None if head.dropped else head.done, lambda: self.pool.finish(busy.worker, payload, more=more))
            if not self.pool.alive(busy.worker):  # ended as unfit after its answer
                self._running.pop(fd, None)
                self._forget(fd)
                self._requeue(busy)
                break
        self.start()

    def _forget(self, fd: int) -> None:
        if self._watched.pop(fd, None) is not None:
            self.unwatch(fd)

    @staticmethod
    def _end(done: Done | None, finish: Callable[[], Any]) -> None:
        try:
            result = finish()
        except TakedownError as failure:
            result = failure
        if done is not None:
            done(result)
