"""Where each IRI is written: the file and line of its first definition or mention.

The map lets every later error (a SHACL violation, an unknown term) name the
file and line a curator has to open, not just an IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

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
    #: The same, in the files of one named graph (a source's, the ontology's) or of one file given
    #: with --data: where a statement in that graph about a node written elsewhere first is written.
    within: dict[object, "Locations"] = field(default_factory=dict)

    def locate(self, iri, within=None) -> Location | None:
        """Where `iri` is written: in the files of `within` (a graph name or a --data file) when given and known."""
        own = self.within.get(within) if within is not None else None
        if own is not None:
            return own.locate(iri)
        return self.subjects.get(iri) or self.mentions.get(iri)

    def update(self, other: "Locations", within=None) -> None:
        """Add `other`'s places where none is known yet; `within` names the graph or file they are in."""
        for key, loc in other.subjects.items():
            self.subjects.setdefault(key, loc)
        for key, loc in other.mentions.items():
            self.mentions.setdefault(key, loc)
        for key, places in other.within.items():
            self.within.setdefault(key, Locations()).update(places)
        if within is not None:
            self.within.setdefault(within, Locations()).update(other)


def locations_in(path: Path, text: str, *, base: str = "") -> Locations:
    # A relative namespace (`@prefix : <> .`) stands for the source's own; an absolute one
    # stands as written (urljoin would drop the empty fragment of <...ontology#>).
    prefixes = {p: urljoin(base, ns) if base and not urlsplit(ns).scheme else ns for p, ns in _PREFIX.findall(text)}
    found = Locations()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("#", "@")) or not line.strip():
            continue
        head = _SUBJECT.match(line)
        if head:
            iri = expand(head.group(1), prefixes)
            if iri is not None:
                found.subjects.setdefault(iri, Location(path, number))
        # Outside the quotes only, where they pair up on the line (the graph of an N-Quads line follows its literal).
        parts = line.split('"')
        outside = " ".join(parts[0::2] if len(parts) % 2 else parts[:1])
        for token in re.findall(r"<[^>\s]+>|[\w-]*:[\w.-]*[\w-]", outside):
            iri = expand(token, prefixes)
            if iri is not None:
                found.mentions.setdefault(iri, Location(path, number))
    return found
