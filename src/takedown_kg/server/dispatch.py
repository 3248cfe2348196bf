"""Queries handed to the workers from the HTTP loop itself, with no thread in between.

The loop watches each busy worker's pipe beside the connections: a request
goes to a free worker (or waits its turn), the answer is read as it arrives,
and the loop's clock ends a worker past the time limit. A thread per query
cost as much CPU as the HTTP itself (a queue, a wake-up and the lock of the
interpreter passed back and forth, twice per request). A worker's pipe stays
watched from its first query to its end (watching it anew for each query took
two system calls more per query); an idle worker's pipe becomes readable only
when it ends (killed from outside), and the pool replaces it at once.
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
        self._watched: dict[int, _Worker] = {}

    def submit(self, request: Any, done: Done) -> None:
        self._waiting.append((request, done, time.monotonic()))
        self.start()

    def start(self) -> None:
        """Hand waiting requests to free workers (a worker freed, or forked anew, takes the next one)."""
        while self._waiting and (worker := self.pool.take()) is not None:
            request, done, _ = self._waiting.popleft()
            fd = worker.from_worker
            if not self.pool.send(worker, request):
                self._forget(fd)
                self._end(done, lambda: self.pool.finish(worker, None))
                continue
            self._running[fd] = (worker, Reader(), done, time.monotonic() + self.pool.seconds)
            if fd not in self._watched:
                self._watched[fd] = worker
                self.watch(fd, lambda fd=fd: self._readable(fd))

    def tick(self, now: float) -> float | None:
        """End what ran or waited past the limit; the next moment something may have to end."""
        for fd, (worker, _, done, deadline) in list(self._running.items()):
            if now >= deadline:
                del self._running[fd]
                self._forget(fd)  # before the pool closes it: a new worker's pipe may take its number
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
        if fd not in self._running:  # an idle worker's pipe: it has ended
            worker = self._watched.get(fd)
            self._forget(fd)  # before the pool closes it
            if worker is not None:
                self.pool.drop(worker)
            return self.start()
        worker, reader, done, _ = self._running[fd]
        try:
            finished, payload = reader.feed(fd)
        except OSError:
            finished, payload = True, None
        if finished:
            del self._running[fd]
            if payload is None:  # it died: the pool closes its pipes
                self._forget(fd)
            self._end(done, lambda: self.pool.finish(worker, payload))
            if payload is not None and not self.pool.alive(worker):  # ended as unfit after its answer
                self._forget(fd)
            self.start()

    def _forget(self, fd: int) -> None:
        if self._watched.pop(fd, None) is not None:
            self.unwatch(fd)

    @staticmethod
    def _end(done: Done, finish: Callable[[], Any]) -> None:
        from ..errors import TakedownError

        try:
            result = finish()
        except TakedownError as failure:
            result = failure
        done(result)
