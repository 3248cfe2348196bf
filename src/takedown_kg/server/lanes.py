"""Lanes: a fixed number of threads each, running what would stall the HTTP loop.

The `query` lane has one thread per query worker (each thread waits on one
worker's pipe, so a query never waits for a thread, only for a worker); the
`files` lane makes the exports and the page, once each (the network page
takes seconds). The number of threads is fixed, whatever the number of
connections.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

from .loop import Later, Response, error


class Lanes:
    def __init__(self, sizes: dict[str, int]):
        self._queues: dict[str, queue.SimpleQueue] = {name: queue.SimpleQueue() for name in sizes}
        self._threads = [threading.Thread(target=self._serve, args=(self._queues[name],), daemon=True,
                                          name=f"takedown-kg {name} lane")
                         for name, size in sizes.items() for _ in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, later: Later, deliver: Callable[[Response], None]) -> None:
        self._queues[later.lane].put((later.job, deliver))

    def close(self) -> None:
        for name, lane in self._queues.items():
            for thread in self._threads:
                if thread.name == f"takedown-kg {name} lane":
                    lane.put(None)

    @staticmethod
    def _serve(lane: queue.SimpleQueue) -> None:
        while (item := lane.get()) is not None:
            job, deliver = item
            try:
                response = job()
            except Exception as failure:  # a bug must not cost the lane a thread
                response = error(500, f"the server failed: {type(failure).__name__}")
            deliver(response)
