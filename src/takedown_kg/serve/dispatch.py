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

An answer with a body (workers.Bulk) is handed on as soon as its head has
arrived, with what of the body came along (Streamed); the rest stays in the
worker's pipe (Piped), which the loop reads as the client takes the answer.
From then on the worker is the client's: the query's time limit no longer
applies (the loop cuts off a client that stops reading), a request sent ahead
to it goes back to the queue, and it is free again once the body is read, or
ended and replaced if the client left before. No query starts while the
answers the loop holds for their clients fill its room (room()).
"""

from __future__ import annotations

import os
import time
from collections import deque
from typing import Any, Callable, NamedTuple

from ..errors import TakedownError
from .loop import Bug
from .workers import Busy, Owed, Pool, Reader, _Worker, pack

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
    __slots__ = ("worker", "reader", "sent", "piped")

    def __init__(self, worker: _Worker, first: _Sent):
        self.worker, self.reader, self.sent = worker, Reader(), deque([first])
        self.piped: Piped | None = None  # the body of its answer, while the loop reads it


class Streamed(NamedTuple):
    """A Bulk answer as a request gets it: its meta, the bytes of its body read so far, and the rest
    still in the worker's pipe (None when `first` is all of it)."""

    meta: Any
    first: bytes | bytearray
    rest: "Piped | None"


class Piped:
    """The rest of an answer's body, in a worker's pipe: the loop's source for that answer (loop.Source).

    The loop sets `ready`, called when the pipe has bytes; reads them with read(); pause()s the pipe
    while its client does not take what it holds, resume()s it when it does; and end()s it once:
    whole when every byte was read, else the worker is ended with what it still owes."""

    def __init__(self, dispatcher: "Dispatcher", fd: int, busy: _Busy, left: int):
        self._dispatcher, self.fd, self._busy, self.left = dispatcher, fd, busy, left
        self.ready: Callable[[], None] | None = None
        self.paused = self.ended = False

    def read(self, most: int) -> bytes:
        """At most `most` bytes of the body (b"" if the worker ended before it was all written)."""
        if self.ended:
            return b""
        try:
            piece = os.read(self.fd, min(most, self.left))
        except OSError:
            return b""
        self.left -= len(piece)
        return piece

    def pause(self) -> None:
        if not (self.paused or self.ended):
            self.paused = True
            self._dispatcher.unwatch(self.fd)

    def resume(self) -> None:
        if self.ended:  # cut: nothing will come; the loop reads that now
            if self.ready is not None:
                self.ready()
        elif self.paused:
            self.paused = False
            self._dispatcher.watch_pipe(self.fd)

    def cut(self) -> None:
        """The worker is gone: the loop is told, reads nothing more, and closes its client's connection."""
        if not self.ended:
            self.ended = True
            if self.ready is not None:
                self.ready()

    def end(self, whole: bool) -> None:
        if not self.ended:
            self.ended = True
            self._dispatcher.piped_end(self.fd, self._busy, whole and self.left == 0, resume=self.paused)


class Dispatcher:
    def __init__(self, pool: Pool, watch: Callable[[int, Callable[[], None]], None], unwatch: Callable[[int], None], *,
                 bug: Bug, room: Callable[[], str | None] = lambda: None):
        """`room()`: None while queries may start, else why they wait (the loop holds all it may of
        the answers its clients have not read yet)."""
        self.pool, self.watch, self.unwatch, self.bug, self.room = pool, watch, unwatch, bug, room
        self._waiting: deque[tuple[Any, bytes, Done, float]] = deque()  # request, its pickle, done, since
        self._running: dict[int, _Busy] = {}
        self._watched: dict[int, _Worker] = {}

    def submit(self, request: Any, done: Done) -> None:
        self._waiting.append((request, pack(request), done, time.monotonic()))
        self.start()

    def start(self) -> None:
        """Hand waiting requests to free workers (a worker freed, or forked anew, takes the next one),
        then one ahead to each busy worker that may take one."""
        if self.room() is not None:
            return
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
                self.watch_pipe(fd)
        if not self._waiting:
            return
        now = time.monotonic()
        for busy in self._running.values():
            if not self._waiting:
                return
            if busy.piped is not None or len(busy.sent) > 1:  # its client's, or one waits already
                continue
            head, data = busy.sent[0], self._waiting[0][1]
            if now - head.started >= HOLD or len(head.data) + len(data) > busy.worker.room:
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
            if busy.piped is not None:  # answered: its client's pace, which the loop watches, not the query's
                continue
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
            why = self.room() or f"all {self.pool.size} query workers stayed busy for {limit:g} s"
            done(Busy(f"{why}; try again later"))
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
        if busy is not None and busy.piped is not None:  # the rest of a body being written: never coming
            busy.piped.cut()
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
        if busy.piped is not None:  # the body of its answer: the loop reads it, as its client takes it
            if busy.piped.ready is not None:
                return busy.piped.ready()
            return busy.piped.pause()
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
            result = self._result(lambda: self.pool.finish(busy.worker, payload, more=more))
            if isinstance(result, Owed):
                if self._stream(fd, busy, head, result):
                    break
                continue
            if more:
                busy.sent[0].started = time.monotonic()
            else:
                del self._running[fd]
            if not head.dropped:
                head.done(result)
            if not self.pool.alive(busy.worker):  # ended as unfit after its answer
                self._running.pop(fd, None)
                self._forget(fd)
                self._requeue(busy)
                break
        self.start()

    def _stream(self, fd: int, busy: _Busy, head: _Sent, owed: Owed) -> bool:
        """Hand on a Bulk answer whose head has arrived; True while the rest of its body is still in the
        pipe (the worker is then the client's until the loop ends the Piped)."""
        first = busy.reader.take_raw(owed.size)
        left = owed.size - len(first)
        if left == 0:  # all of it came along: the worker is free (or goes on to what waits behind)
            if busy.sent:
                busy.sent[0].started = time.monotonic()
            else:
                del self._running[fd]
                self.pool.release(busy.worker)
            if not head.dropped:
                head.done(Streamed(owed.meta, first, None))
            return False
        busy.piped = Piped(self, fd, busy, left)
        self._requeue(busy)  # what was sent ahead would wait for a client's pace
        if head.dropped:  # taken back (it ran past HOLD), yet answered: its answer goes to no one
            busy.piped.end(False)
        else:
            head.done(Streamed(owed.meta, first, busy.piped))
        return True

    def watch_pipe(self, fd: int) -> None:
        self.watch(fd, lambda: self._step(fd))

    def piped_end(self, fd: int, busy: _Busy, whole: bool, *, resume: bool) -> None:
        """A Piped's end: the worker goes on (or back to the pool) when its body was read whole,
        else it is ended and replaced (what it still had to write is owed to no one)."""
        busy.piped = None
        if self._running.get(fd) is not busy:  # ended meanwhile (the pool closing)
            return
        if whole:
            if resume:
                self.watch_pipe(fd)
            if busy.sent:  # answers owed to no one (sent ahead, taken back) still come
                busy.sent[0].started = time.monotonic()
            else:
                del self._running[fd]
                self.pool.release(busy.worker)
        else:
            del self._running[fd]
            self._forget(fd)
            self.pool.discard(busy.worker)
        self.start()

    def _forget(self, fd: int) -> None:
        if self._watched.pop(fd, None) is not None:
            self.unwatch(fd)

    @staticmethod
    def _result(finish: Callable[[], Any]) -> Any:
        try:
            return finish()
        except TakedownError as failure:
            return failure

    def _end(self, done: Done | None, finish: Callable[[], Any]) -> None:
        result = self._result(finish)
        if done is not None:
            done(result)
