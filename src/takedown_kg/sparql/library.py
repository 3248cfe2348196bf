"""The named-query library: the .rq files shipped in takedown_kg/queries."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .. import resources
from ..errors import QueryError
from ..vocab import PREFIXES


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str

    @property
    def description(self) -> str:
        """The first comment line: the question the query answers."""
        for line in self.text.splitlines():
            if line.startswith("#"):
                return line.lstrip("# ").strip()
        return ""


def named_queries() -> dict[str, NamedQuery]:
    found = {}
    for path in sorted(resources.queries_dir().glob("*.rq")):
        found[path.stem] = NamedQuery(path.stem, path, path.read_text(encoding="utf-8"))
    return found


def named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "see takedown-kg query --list"
    raise QueryError(f"no named query {name!r}; {hint}")


def prefix_block() -> str:
    """PREFIX lines for the project's prefixes, declared for every query."""
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
