"""Where each IRI is written: the file and line of its first definition or mention.

The map lets every later error (a SHACL violation, an unknown term) name the
file and line a curator has to open, not just an IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from rdflib import URIRef

from ..text import display_path
from ..vocab import expand

_PREFIX = re.compile(r"^\s*@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", re.MULTILINE)


_SUBJECT = re.compile(r"^(<[^>]+>|[\w-]*:[^\s;,.]*(?:\.[^\s;,.]+)*)")


@dataclass(frozen=True)
class Location:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}"


@dataclass
class Locations:
    """Where each IRI is first defined (as a subject) or first written."""

    subjects: dict[URIRef, Location] = field(default_factory=dict)
    mentions: dict[URIRef, Location] = field(default_factory=dict)

    def locate(self, iri) -> Location | None:
        return self.subjects.get(iri) or self.mentions.get(iri)

    def update(self, other: "Locations") -> None:
        for key, loc in other.subjects.items():
            self.subjects.setdefault(key, loc)
        for key, loc in other.mentions.items():
            self.mentions.setdefault(key, loc)


def locations_in(path: Path, text: str, *, base: str = "") -> Locations:
    # A relative namespace (`@prefix : <> .`) stands for the source's own.
    prefixes = {p: urljoin(base, ns) if base else ns for p, ns in _PREFIX.findall(text)}
    found = Locations()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("#", "@")) or not line.strip():
            continue
        head = _SUBJECT.match(line)
        if head:
            iri = expand(head.group(1), prefixes)
            if iri is not None:
                found.subjects.setdefault(iri, Location(path, number))
        for token in re.findall(r"<[^>\s]+>|[\w-]*:[\w.-]*[\w-]", line.split('"')[0] if '"' in line else line):
            iri = expand(token, prefixes)
            if iri is not None:
                found.mentions.setdefault(iri, Location(path, number))
    return found
