"""Queries handed to the workers from the HTTP loop itself, with no thread in between.

The loop watches each busy worker's pipe beside the connections: a request
goes to a free worker (or waits its turn), the answer is read as it arrives,
and the loop's clock ends a worker past the time limit. A thread per query
cost as much CPU as the HTTP itself (a queue, a wake-up and the lock of the
interpreter passed back and forth, twice per request).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable

from .workers import Busy, Pool, Reader, _Worker

#: What a query ends in: the worker's answer, or the TakedownError it raised.
Done = Callable[[Any], None]


class Dispatcher:
    def __init__(self, pool: Pool, watch: Callable[[int, Callable[[], None]], None], unwatch: Callable[[int], None]):
        self.pool, self.watch, self.unwatch = pool, watch, unwatch
        self._waiting: deque[tuple[Any, Done, float]] = deque()
        self._running: dict[int, tuple[_Worker, Reader, Done, float]] = {}

    def submit(self, request: Any, done: Done) -> None:
        self._waiting.append((request, done, time.monotonic()))
        self.start()

    def start(self) -> None:
        """Hand waiting requests to free workers (a worker freed, or forked anew, takes the next one)."""
        while self._waiting and (worker := self.pool.take()) is not None:
            request, done, _ = self._waiting.popleft()
            if not self.pool.send(worker, request):
                self._end(done, lambda: self.pool.finish(worker, None))
                continue
            fd = worker.from_worker
            self._running[fd] = (worker, Reader(), done, time.monotonic() + self.pool.seconds)
            self.watch(fd, lambda fd=fd: self._readable(fd))

    def tick(self, now: float) -> float | None:
        """End what ran or waited past the limit; the next moment something may have to end."""
        for fd, (worker, _, done, deadline) in list(self._running.items()):
            if now >= deadline:
                self._stop(fd)
                done(self.pool.timed_out(worker))
        limit = self.pool.seconds
        while self._waiting and now - self._waiting[0][2] > limit:
            done = self._waiting.popleft()[1]
            done(Busy(f"all {self.pool.size} query workers stayed busy for {limit:g} s; try again later"))
        self.start()
        moments = [deadline for *_, deadline in self._running.values()]
        if self._waiting:
            moments.append(self._waiting[0][2] + limit)
        return min(moments) if moments else None

    def _readable(self, fd: int) -> None:
        worker, reader, done, _ = self._running[fd]
        try:
            finished, payload = reader.feed(fd)
        except OSError:
            finished, payload = True, None
        if finished:
            self._stop(fd)
            self._end(done, lambda: self.pool.finish(worker, payload))
            self.start()

    def _stop(self, fd: int) -> None:
        del self._running[fd]
        self.unwatch(fd)

    @staticmethod
    def _end(done: Done, finish: Callable[[], Any]) -> None:
        from ..errors import TakedownError

        try:
            result = finish()
        except TakedownError as failure:
            result = failure
        done(result)
