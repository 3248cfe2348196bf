"""Reading RDF files: Oxigraph's parsers where they can, rdflib's for the rest, every
error naming the file and line, and nothing fetched or expanded without bound
(JSON-LD contexts by address, XML entity bombs)."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.parser import PythonInputSource
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.util import guess_format

from ..errors import InputError
from ..terms import to_oxigraph
from ..text import display_path, read_text, visible
from .locations import Locations, locations_in


def parse_rdf(path: Path, into: Graph, *, base: str | None = None, rdf_format: str | None = None) -> Locations:
    """Parse one RDF file into `into`, its format told by its suffix unless given.

    `base` resolves relative IRIs (a source's files write `@prefix : <> .` for
    the source's own namespace); by default it is the file's own address.
    Raises InputError naming the file (and line, where the parser gives one).
    """
    rdf_format = rdf_format or guess_format(str(path))
    if rdf_format is None:
        raise InputError(f"{display_path(path)}: unknown RDF format for suffix {path.suffix!r}; use .ttl, .nt, .nq, .trig, .jsonld or .rdf")
    text = read_text(path)
    base = base or path.resolve().as_uri()
    try:
        if rdf_format == "json-ld":
            # Parsed here and handed over as JSON, so rdflib never opens a URL for it.
            document = inline_contexts_only(path, text)
            into.parse(source=PythonInputSource(document, system_id=base), format=rdf_format)
        else:
            if rdf_format in ("xml", "trix"):
                bounded_entities(path, text)
            with warnings.catch_warnings():
                # rdflib's quad parsers ask a Dataset for its deprecated default_context.
                warnings.simplefilter("ignore", DeprecationWarning)
                into.parse(data=text, format=rdf_format, publicID=base)
    except InputError:
        raise
    except BadSyntax as exc:
        reason = getattr(exc, "_why", str(exc)).strip()
        raise InputError(
            f"{display_path(path)}:{exc.lines + 1}: syntax error: {reason}; fix the statement on that line"
        ) from None
    except Exception as exc:  # each rdflib parser raises its own kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{display_path(path)}: not valid {rdf_format}: {reason}") from None
    return locations_in(path, text, base=base)


#: The formats Oxigraph's parsers read here (by rdflib's format names), with whether they hold quads.
_OXIGRAPH_FORMATS = {"turtle": ("TURTLE", False), "nt": ("N_TRIPLES", False),
                     "nquads": ("N_QUADS", True), "trig": ("TRIG", True)}


def read_quads(path: Path, *, graph: URIRef | None = None, base: str | None = None) -> list:
    """The statements of one RDF file as pyoxigraph quads, lexical forms as written.

    Triples go into `graph` (the default graph when None); N-Quads and TriG
    keep their own graphs. Oxigraph parses Turtle, N-Triples, N-Quads and
    TriG (about ten times faster than rdflib); a file it refuses, and every
    other format, goes through parse_rdf, so the same checks apply and a
    syntax error is reported as before, naming the file and line. What
    Oxigraph refused stays refused when rdflib's parser takes it (a lone
    surrogate escape, an IRI with a space), and a term that no RDF term can
    be is refused from every format here, where it is read, so no command
    meets it later.
    """
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    rdf_format = guess_format(str(path))
    into = pyoxigraph.NamedNode(str(graph)) if graph is not None else pyoxigraph.DefaultGraph()
    fast = _OXIGRAPH_FORMATS.get(rdf_format)
    refused = None
    if fast is not None:
        name, keeps_graphs = fast
        text = read_text(path)  # first: it names a missing, special or looping path in one line
        base = base or path.resolve().as_uri()
        try:
            quads = list(pyoxigraph.parse(text, getattr(pyoxigraph.RdfFormat, name), base_iri=base))
        except (SyntaxError, ValueError) as exc:
            refused = exc  # parse_rdf below names the line and the reason in rdflib's words, if rdflib refuses it too
        else:
            if keeps_graphs and graph is None:
                return quads
            return [pyoxigraph.Quad(q.subject, q.predicate, q.object, into) for q in quads]

    if rdf_format in ("nquads", "trig", "trix"):
        dataset = Dataset()
        parse_rdf(path, dataset, base=base, rdf_format=rdf_format)
        _refuse_what_oxigraph_refused(path, refused)
        found = []
        for part in dataset.graphs():
            target = (into if part.identifier == dataset.default_graph.identifier
                      else _term(path, part.identifier))
            found += [pyoxigraph.Quad(*(_term(path, term) for term in triple), target) for triple in part]
        # Sorted as the writers keep what they are given in order, and rdflib's order is its own.
        return sorted(found, key=lambda quad: (str(quad.graph_name), str(quad)))
    parsed = Graph()
    parse_rdf(path, parsed, base=base, rdf_format=rdf_format)
    _refuse_what_oxigraph_refused(path, refused)
    return sorted((pyoxigraph.Quad(*(_term(path, term) for term in triple), into) for triple in parsed), key=str)


_OXIGRAPH_PLACE = re.compile(r"^Parser error at line (\d+) between columns \d+ and \d+: ")


def _refuse_what_oxigraph_refused(path: Path, refused: Exception | None) -> None:
    """Oxigraph's refusal, in the project's words, of a file rdflib's lenient parser took.

    rdflib reads a lone surrogate escape ("\\uD800") or an IRI with a space
    (<http://example.org/a b>) without a word; no RDF term holds them, so the
    file is refused here, where it is read, naming the line Oxigraph gives.
    """
    if refused is None:
        return
    message = str(refused.msg if isinstance(refused, SyntaxError) else refused).strip()
    place = _OXIGRAPH_PLACE.match(message)
    line = place.group(1) if place else getattr(refused, "lineno", None)
    reason = message[place.end():] if place else message
    reason = reason[:1].lower() + reason[1:]
    where = f"{display_path(path)}:{line}" if line else display_path(path)
    raise InputError(f"{where}: syntax error: {reason}; fix the statement on that line")


def _term(path: Path, term):
    """`term` as an Oxigraph term; one that no RDF term can be (a lone surrogate, an IRI with
    a space, which rdflib's JSON-LD and RDF/XML parsers let through) refused naming the file and line."""
    try:
        return to_oxigraph(term)
    except (ValueError, UnicodeEncodeError) as exc:
        reason = str(exc).splitlines()[0]
        if isinstance(exc, UnicodeEncodeError) or any("\ud800" <= c <= "\udfff" for c in str(term)):
            reason = "a lone surrogate (an escape of half a UTF-16 pair), which is no Unicode character"
        shown = f"the IRI <{visible(str(term))}>" if isinstance(term, URIRef) else f"the literal «{visible(str(term))}»"
        line = _line_of(path, str(term))
        where = f"{display_path(path)}:{line}" if line else display_path(path)
        raise InputError(f"{where}: {shown} cannot be an RDF term: {reason[:1].lower() + reason[1:]}; fix the file") from None


def _line_of(path: Path, written: str) -> int | None:
    """The first line of `path` where `written` stands as it is, when it does."""
    if not written or any("\ud800" <= c <= "\udfff" for c in written):
        return None
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if written in line:
            return number
    return None


def inline_contexts_only(path: Path, text: str):
    """The JSON of a JSON-LD file whose every @context is written inline.

    A context given by address (https://..., file://..., a relative path) or
    brought in with @import would be fetched or read from disk by rdflib's
    parser; such a file is refused instead.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{display_path(path)}:{exc.lineno}: not valid JSON: {exc.msg}; fix the file") from None
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending += node
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context" and _names_a_resource(value):
                    raise InputError(
                        f"{display_path(path)}: a JSON-LD @context given by address is never fetched; "
                        "write the context inline in the file"
                    )
                pending.append(value)
    return document


#: The most text an RDF/XML file's entities may expand to: far above any real
#: file's use of entities (namespace abbreviations), far below an entity bomb.
MAX_ENTITY_EXPANSION = 16 << 20
_ENTITY = re.compile(r"""<!ENTITY\s+(%\s+)?([^\s"']+)\s+(?:"([^"]*)"|'([^']*)'|(SYSTEM|PUBLIC))""")


def bounded_entities(path: Path, text: str) -> None:
    """Refuse XML whose entities would expand past MAX_ENTITY_EXPANSION characters.

    XML parsers expand nested entities: 669 bytes of declarations can expand
    to gigabytes (the "billion laughs"). So an entity's value may not refer
    to another entity (no `&` in it at all, character references included),
    parameter and external entities are refused, and the expansion of the
    references in the document is counted before any parser runs. Real files
    use entities only to abbreviate namespaces, which all of this allows.
    """
    doctype = text.find("<!DOCTYPE")
    if doctype == -1:
        return
    shown = display_path(path)
    close = text.find("]>", doctype)
    subset = text[doctype:close if close != -1 else len(text)]
    sizes: dict[str, int] = {}
    for parameter, name, double, single, external in _ENTITY.findall(subset):
        if parameter or external:
            raise InputError(f"{shown}: a parameter or external XML entity ({name}) is refused; expand it in the file")
        value = double or single
        if "&" in value or "%" in value:
            raise InputError(f"{shown}: the XML entity {name} refers to another entity; nested entities are refused "
                             "(they can expand without bound); expand them in the file")
        sizes[name] = len(value)
    if "<!ENTITY" in subset and not sizes:
        raise InputError(f"{shown}: an XML entity declaration it cannot read is refused; expand the entities in the file")
    body = text[close + 2:] if close != -1 else ""
    references = Counter(re.findall(r"&([^;\s&#]+);", body))
    total = len(body) + sum(count * sizes.get(name, 0) for name, count in references.items())
    if total > MAX_ENTITY_EXPANSION:
        raise InputError(
            f"{shown}: its XML entities would expand to {total:,} characters (limit {MAX_ENTITY_EXPANSION:,}); "
            "refused as an entity bomb"
        )


def _names_a_resource(context) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(_names_a_resource(item) for item in context)
    return isinstance(context, dict) and "@import" in context


