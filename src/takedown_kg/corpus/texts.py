"""Finding a text in the sources' held texts (`takedown-kg locate`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..text import read_text
from .sources import default_data, discover, no_source


@dataclass(frozen=True)
class Place:
    """Where a text occurs in a source's held text: line (from 1) and code-point span."""

    slug: str
    line: int
    start: int
    end: int


def locate(text: str, *, data: list[Path] | None = None, source: str | None = None) -> list[Place]:
    """Every occurrence of `text` in every held text of the corpus (or of one source)."""
    if not text:
        raise UsageError("give the text to find; an empty text occurs everywhere")
    sources, _ = discover(data or default_data())
    if source is not None:
        sources = [s for s in sources if s.slug == source] or no_source(source, sources)
    found = []
    for held in sources:
        for path in held.texts:
            body = read_text(path)
            start = body.find(text)
            while start != -1:
                found.append(Place(held.slug, body.count("\n", 0, start) + 1, start, start + len(text)))
                start = body.find(text, start + 1)
    if not found:
        where = f"the text of {source}" if source else "any held text"
        raise UsageError(f"{text!r} does not occur in {where}; copy it character for character")
    return found
