"""Reading Turtle files while remembering where each subject and term is written.

The map lets every later error (a SHACL violation, an unknown term) name the
file and line a curator has to open, not just an IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.util import guess_format

from .errors import InputError
from .vocab import expand

_PREFIX = re.compile(r"^\s*@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", re.MULTILINE)
_SUBJECT = re.compile(r"^(<[^>]+>|[\w-]*:[^\s;,.]*(?:\.[^\s;,.]+)*)")


@dataclass(frozen=True)
class Location:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}"


@dataclass
class SourceMap:
    """Where each IRI is first defined (as a subject) or first written."""

    subjects: dict[URIRef, Location] = field(default_factory=dict)
    mentions: dict[URIRef, Location] = field(default_factory=dict)

    def locate(self, iri) -> Location | None:
        return self.subjects.get(iri) or self.mentions.get(iri)

    def update(self, other: "SourceMap") -> None:
        for key, loc in other.subjects.items():
            self.subjects.setdefault(key, loc)
        for key, loc in other.mentions.items():
            self.mentions.setdefault(key, loc)


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{display_path(path)}: no such file; check the path") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{display_path(path)}: not UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"{display_path(path)}: cannot read ({exc.strerror})") from None


def parse_rdf(path: Path, into: Graph) -> SourceMap:
    """Parse one RDF file into `into`, its format told by its suffix.

    Raises InputError naming the file (and line, where the parser gives one).
    """
    rdf_format = guess_format(str(path))
    if rdf_format is None:
        raise InputError(f"{display_path(path)}: unknown RDF format for suffix {path.suffix!r}; use .ttl, .nt, .jsonld or .rdf")
    text = read_text(path)
    try:
        into.parse(data=text, format=rdf_format, publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        reason = getattr(exc, "_why", str(exc)).strip()
        raise InputError(
            f"{display_path(path)}:{exc.lines + 1}: syntax error: {reason}; fix the statement on that line"
        ) from None
    except Exception as exc:  # each rdflib parser raises its own kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{display_path(path)}: not valid {rdf_format}: {reason}") from None
    return source_map(path, text)


def source_map(path: Path, text: str) -> SourceMap:
    prefixes = {p: ns for p, ns in _PREFIX.findall(text)}
    found = SourceMap()
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
