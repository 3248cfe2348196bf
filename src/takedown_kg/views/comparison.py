"""What other reports say of each fact of a source: the comparisons query, grouped for people.

The rules that judge two facts (corroborating, disagreeing, different) are
SPARQL, in the named query `comparisons`, so that the queries, this report and
the network page judge alike on every engine. This module only runs that
query with the details a reader needs (outlet, date, address, the report's own
words) and groups its rows by fact.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SDO

from ..corpus import load_project
from ..errors import UsageError
from ..text import counted, display_width, fold, isolated, visible
from ..vocab import TK, label
from .pages import render_page

#: How a pair's status reads from the side of the other report.
RELATIONS = {"corroborating": "confirms", "disagreeing": "disputes", "different": "differs"}
_ORDER = list(RELATIONS.values())

# The facts of every source and what a reader needs to see of each: its
# outlet, the report's date and address, and its value in the report's words.
_DETAILS = """
SELECT ?fact ?id ?label ?source ?outlet ?published ?address ?words WHERE {
    ?fact dcterms:identifier ?id ;
          rdfs:label ?label ;
          tk:citedFrom|tk:statedIn/oa:hasSource ?source .
    FILTER (lang(?label) = "en")
    OPTIONAL { ?source schema:publisher/rdfs:label ?outlet . FILTER (lang(?outlet) = "en") }
    OPTIONAL { ?source schema:datePublished ?published }
    OPTIONAL { ?source schema:url ?address }
    OPTIONAL { ?fact ?measure ?quantity . { ?quantity tk:statedAs ?figureWords } }
    OPTIONAL { ?fact schema:startDate ?date }
    OPTIONAL { ?fact tk:cooperationLevel/rdfs:label ?level . FILTER (lang(?level) = "en") }
    BIND (COALESCE(?figureWords, STR(?date), ?level) AS ?words)
}"""


@dataclass(frozen=True)
class OtherReport:
    """Another report's fact on the same subject, and how it stands to ours."""

    relation: str  # confirms, disputes or differs
    reason: str
    fact: str
    id: str
    source: str
    outlet: str
    published: str
    address: str
    words: str


#: What `--only` keeps: the facts another report disputes, those another report confirms (a fact
#: can be both), and those no other report speaks of.
ONLY = ("disputed", "corroborated", "alone")


@dataclass
class FactComparison:
    fact: str
    id: str
    label: str
    others: list[OtherReport] = field(default_factory=list)

    def count(self, relation: str) -> int:
        """How many other reports (not facts) stand in `relation` to this fact."""
        return len({o.source for o in self.others if o.relation == relation})

    @property
    def kinds(self) -> set[str]:
        """Which of ONLY the fact is: corroborated, disputed, both, or alone; none when the other
        reports only differ from it (figures at other dates, values of another kind)."""
        if not self.others:
            return {"alone"}
        return {kind for kind, relation in (("corroborated", "confirms"), ("disputed", "disputes"))
                if self.count(relation)}

    @property
    def kind(self) -> str:
        """One word for the page's colours: corroborated, disputed, both, alone or differs."""
        kinds = self.kinds
        return "both" if len(kinds) == 2 else next(iter(kinds), "differs")

    @property
    def status(self) -> str:
        parts = []
        if self.count("confirms"):
            parts.append(f"corroborated by {self.count('confirms')}")
        if self.count("disputes"):
            parts.append(f"disputed by {self.count('disputes')}")
        if not parts and self.others:
            parts.append(f"differs from {self.count('differs')}")
        return ", ".join(parts) or "only this source"


#: How the summary names the facts each --only keeps.
_SHOWN = {"disputed": "disputed", "corroborated": "corroborated", "alone": "only this source"}


@dataclass
class Comparison:
    """Every fact of one source with what the other reports say of it; `only` (one of ONLY)
    narrows the facts shown, never the counts."""

    source: str
    slug: str
    outlet: str
    facts: list[FactComparison]
    only: str | None = None

    def shown(self) -> list[FactComparison]:
        return [f for f in self.facts if self.only is None or self.only in f.kinds]

    def summary(self) -> str:
        """"26 facts: 11 corroborated, 1 disputed, 14 only this source": a fact both corroborated
        and disputed counts in both, and is said so."""
        tally = Counter(kind for f in self.facts for kind in f.kinds)
        both = sum(1 for f in self.facts if len(f.kinds) == 2)
        differing = sum(1 for f in self.facts if not f.kinds)
        parts = [f"{tally['corroborated']} corroborated",
                 f"{tally['disputed']} disputed" + (f" ({both} of them both)" if both else "")]
        if differing:
            parts.append(f"{differing} differing only")
        parts.append(f"{tally['alone']} only this source")
        text = f"{counted(len(self.facts), 'fact')}: {', '.join(parts)}"
        if self.only:
            text += f"; shown: {len(self.shown())} {_SHOWN[self.only]}"
        return text

    def as_dict(self) -> dict:
        return {"source": self.source, "slug": self.slug, "outlet": self.outlet, "summary": self.summary(),
                "only": self.only, "facts": [{**asdict(f), "status": f.status, "kind": f.kind} for f in self.shown()]}


def fact_comparisons(graph: Graph, *, store=None) -> dict[str, FactComparison]:
    """Every fact of `graph` (the union of the sources and the curation), keyed by IRI;
    asked of `store` when given (an Oxigraph store already holding `graph`)."""
    # lazy: the query and check stages load only when this runs
    from ..sparql import OxigraphEngine, check, named_query

    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    engine = (OxigraphEngine(store, prefixes=prefixes) if store is not None
              else OxigraphEngine.from_graph(graph, prefixes=prefixes))
    details = engine.run(check(_DETAILS), {})
    facts: dict[str, FactComparison] = {}
    about: dict[str, dict] = {}
    for fact, id_, name, source, outlet, published, address, words in details.rows:
        row = {"fact": str(fact), "id": str(id_), "source": str(source), "outlet": _text(outlet),
               "published": _text(published), "address": _text(address), "words": _text(words)}
        # A fact with two figures or two sentences answers twice: keep the first words.
        about.setdefault(str(fact), row)
        facts.setdefault(str(fact), FactComparison(str(fact), str(id_), str(name)))
    pairs = engine.run(check(named_query("comparisons").text), {})
    names = pairs.variables
    for values in pairs.rows:
        pair = dict(zip(names, values))
        mine, theirs = str(pair["fact"]), str(pair["other"])
        if mine in facts and theirs in about:
            facts[mine].others.append(OtherReport(RELATIONS[str(pair["status"])], str(pair["reason"]), **about[theirs]))
    for compared in facts.values():
        compared.others.sort(key=lambda o: (_ORDER.index(o.relation), o.published or "9999", o.outlet, o.id))
    return facts


def compare(slug: str = "pni", *, data: list[Path] | None = None, base: str | None = None,
            only: str | None = None) -> Comparison:
    """What the other reports say of each fact of the source `slug`; with `only` (one of ONLY),
    the facts shown are those of that kind."""
    # lazy: needed only to suggest a name in an error
    import difflib

    if only is not None and only not in ONLY:
        raise UsageError(f"--only {only!r}: choose one of: {', '.join(ONLY)}")
    loaded = load_project(data=data, base=base)
    graph = loaded.graph
    home = f"{loaded.corpus.base}{slug}/"
    reports = sorted(s for s in graph.subjects(RDF.type, TK.Source) if str(s).startswith(home))
    if not reports:
        slugs = loaded.corpus.slugs()
        close = difflib.get_close_matches(slug, slugs, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"the sources are: {', '.join(slugs)}"
        raise UsageError(f"no source {slug!r}; {hint}")
    report = reports[0]
    facts = [f for f in fact_comparisons(graph).values() if f.fact.startswith(home)]
    facts.sort(key=lambda f: (int(f.id[1:]) if f.id[1:].isdigit() else 0, f.id))
    publisher = graph.value(report, SDO.publisher)
    return Comparison(str(report), slug, label(graph, publisher, "en") if publisher else slug, facts, only)


def _text(term) -> str:
    return "" if term is None else str(term)


# --- the four forms -----------------------------------------------------------

#: The table's header lines: the columns of a fact's line, then those of each other report's.
_FACT_HEADS = ("fact", "status", "what the fact says")
_REPORT_HEADS = ("relation", "other report", "published", "its words")
_TAIL_HEAD = "address (reason)"
#: The narrowest a folded outlet or words column gets.
_NARROWEST = 10


def table(comparison: Comparison, *, width: int | None = None) -> str:
    """For reading in a terminal or on paper: the counts, a header, a line per fact and an
    indented line per other report.

    Without `width` each line is whole, for pipes and grep. With it (a terminal's columns) a
    table wider than that is folded: a fact's words under their column, each report's outlet
    and words in narrowed columns, its address and reason on the lines below (an address
    longer than the width stays whole on its own line, to copy or click).
    """
    facts = comparison.shown()
    others = [o for f in facts for o in f.others]
    id_width = max(display_width(h) for h in [_FACT_HEADS[0], *(f.id for f in facts)])
    status_width = max(display_width(h) for h in [_FACT_HEADS[1], *(f.status for f in facts)])
    cells = [_REPORT_HEADS, *map(_report_cells, others)]
    columns = [max(display_width(row[i]) for row in cells) for i in range(len(_REPORT_HEADS))]
    indent = id_width + 4
    title = f"What other reports say of the facts of {comparison.outlet} ({comparison.slug}): {comparison.summary()}"
    wide = [title, _fact_line(_FACT_HEADS, id_width, status_width),
            " " * indent + _row(_REPORT_HEADS, columns) + "  " + _TAIL_HEAD]
    for fact in facts:
        wide.append(_fact_line((fact.id, fact.status, visible(fact.label)), id_width, status_width))
        wide += [(" " * indent + _row(_report_cells(o), columns) + "  " + _report_tail(o)).rstrip()
                 for o in fact.others]
    if width is None or max(map(display_width, wide)) <= width:
        return "\n".join(wide) + "\n"

    # Folded: the outlet and words columns give up columns, the wider first, down to _NARROWEST.
    room = width - indent - columns[0] - columns[2] - 2 * (len(columns) - 1)
    while columns[1] + columns[3] > room and max(columns[1], columns[3]) > _NARROWEST:
        columns[1 if columns[1] >= columns[3] else 3] -= 1
    label_column = id_width + 2 + status_width + 2
    tail_indent = indent + columns[0] + 2

    def fact_lines(cells) -> list[str]:
        first, *rest = fold(cells[2], max(width - label_column, _NARROWEST))
        return ([_fact_line((*cells[:2], first), id_width, status_width)]
                + [" " * label_column + isolated(line) for line in rest])

    def report_lines(cells, tail: str) -> list[str]:
        return ([(" " * indent + line).rstrip() for line in _grid(cells, columns)]
                + [" " * tail_indent + isolated(line) for line in fold(tail, width - tail_indent) if line])

    lines = fold(title, width) + fact_lines(_FACT_HEADS) + report_lines(_REPORT_HEADS, _TAIL_HEAD)
    for fact in facts:
        lines += fact_lines((fact.id, fact.status, visible(fact.label)))
        for other in fact.others:
            lines += report_lines(_report_cells(other), _report_tail(other))
    return "\n".join(lines) + "\n"


def _report_cells(other: OtherReport) -> tuple[str, ...]:
    return other.relation, visible(other.outlet), other.published or "-", visible(other.words or "-")


def _report_tail(other: OtherReport) -> str:
    return visible(other.address) + ("" if other.relation == "confirms" else f"  ({other.reason})")


def _pad(text: str, width: int) -> str:
    return isolated(text) + " " * (width - display_width(text))


def _fact_line(cells, id_width: int, status_width: int) -> str:
    return f"{_pad(cells[0], id_width)}  {_pad(cells[1], status_width)}  {isolated(cells[2])}".rstrip()


def _row(cells, widths: list[int]) -> str:
    return "  ".join(_pad(cell, w) for cell, w in zip(cells, widths, strict=True))


def _grid(cells, widths: list[int]) -> list[str]:
    """One row of cells, each folded to its column's width: as many lines as its tallest cell."""
    folded = [fold(cell, w, break_words=True) for cell, w in zip(cells, widths, strict=True)]
    return [_row([column[i] if i < len(column) else "" for column in folded], widths).rstrip()
            for i in range(max(map(len, folded)))]


CSV_COLUMNS = ["id", "fact", "label", "status", "relation", "outlet", "published", "words", "address", "reason", "other"]


def csv_text(comparison: Comparison) -> str:
    """One row per fact and other report (a fact no other report speaks of has one row, its status alone)."""
    # lazy: only this output format needs it
    import csv

    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF line ends, as the query command's CSV
    writer.writerow(CSV_COLUMNS)
    for fact in comparison.shown():
        head = [fact.id, fact.fact, fact.label, fact.status]
        if not fact.others:
            writer.writerow(head + [""] * 7)
        for o in fact.others:
            writer.writerow(head + [o.relation, o.outlet, o.published, o.words, o.address, o.reason, o.fact])
    return out.getvalue()


def json_text(comparison: Comparison) -> str:
    return json.dumps(comparison.as_dict(), ensure_ascii=False, indent=2) + "\n"


def html_text(comparison: Comparison) -> str:
    """A self-contained page, as the network page: data as JSON put in with textContent, a CSP that forbids every request."""
    return render_page("compare.html", title=f"What other reports say of the facts of {comparison.outlet}",
                       data=comparison.as_dict())


COMPARE_FORMATS = {"table": table, "csv": csv_text, "json": json_text, "html": html_text}
