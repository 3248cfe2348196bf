"""A lane: a fixed number of threads running, one at a time each, what would stall the HTTP loop.

It makes the exports and the page, once each (the network page takes
seconds); the number of threads is fixed, whatever the number of connections.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

from .loop import Bug, Response, error


class Lane:
    def __init__(self, threads: int, name: str, *, bug: Bug):
        self.name, self.bug = name, bug
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, daemon=True, name=f"takedown-kg {name}")
                         for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], Response], reply: Callable[[Response], None]) -> None:
        self._queue.put((job, reply))

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            job, reply = item
            try:
                response = job()
            except Exception as failure:  # a bug must not cost the lane a thread
                self.bug(f"the {self.name} lane", failure)
                response = error(500, f"the server failed: {type(failure).__name__}")
            reply(response)
