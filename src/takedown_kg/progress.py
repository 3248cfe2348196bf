"""Progress of long work on one line of a terminal: nothing at all when stderr is not one.

A build of a thousand sources reads for a minute; a bar says it is moving and how
far it has got. Pipes, files and CI logs get no bar: their readers want the
command's own lines only.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

#: Seconds between two drawings: a redraw per source would cost more than it shows.
REDRAW = 0.1
WIDTH = 24


class Progress:
    """`total` steps of work, drawn as `what [#####.....] done/total` while it runs."""

    def __init__(self, what: str, total: int, *, stream: TextIO | None = None, wanted: bool = True):
        """`wanted`: the caller asked for a bar (the command line does; the Python API does not)."""
        self.stream = stream if stream is not None else sys.stderr
        self.what, self.total, self.done = what, max(total, 1), 0
        self.shown = wanted and _is_terminal(self.stream)
        self._drawn_at = 0.0

    def advance(self, steps: int = 1, *, what: str | None = None) -> None:
        self.done = min(self.done + steps, self.total)
        if what is not None:
            self.what = what
        now = time.monotonic()
        if self.shown and (now - self._drawn_at >= REDRAW or self.done == self.total):
            self._drawn_at = now
            self._draw()

    @contextmanager
    def aside(self) -> Iterator[None]:
        """The bar taken off its line while the block prints lines of its own (on stdout, on the same
        terminal), then drawn again below them: a line printed over the bar would run into it."""
        self.close()
        yield
        if self.shown and self._drawn_at:
            self._draw()

    def close(self) -> None:
        """Take the bar off the line, so the command's own output starts on a clean one."""
        if self.shown and self._drawn_at:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def _draw(self) -> None:
        filled = WIDTH * self.done // self.total
        self.stream.write(f"\r\x1b[2K{self.what} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}")
        self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: no bar
        return False
