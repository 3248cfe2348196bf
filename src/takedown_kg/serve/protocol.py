"""The SPARQL 1.1 Protocol: what a request asks, and the bytes of its answer.

Parsing a request (its query, graphs and accepted formats) happens in the
server; checking and running the query, and writing the answer, happen in a
sandboxed worker (answer()), so everything the query text decides runs there.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ..errors import NotAcceptable, QueryRefused, TakedownError, UsageError
from ..sparql import RESULT_FORMATS

#: Bytes of a request body, and characters of a query, past which a request is refused unread.
MAX_BODY = 256 * 1024
MAX_QUERY_CHARS = 100_000
#: Parameters of one request (a query string or a form body).
MAX_FIELDS = 1000

#: Results formats of SELECT and ASK: name, media types (the first is sent), as results.py has them for `query` too.
RESULT_TYPES = {name: chosen.media_types for name, chosen in RESULT_FORMATS.items()}
#: The export formats that hold RDF, for CONSTRUCT and DESCRIBE (the network exports are not RDF).
RDF_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads")


@dataclass(frozen=True)
class QueryRequest:
    """One query as a client asked it."""

    text: str
    #: ?NAME=value pairs, values written as in Turtle (for the named queries' ?bind=).
    bindings: tuple[tuple[str, str], ...] = ()
    #: default-graph-uri and named-graph-uri; None when the request names none.
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: The Accept header, read: (media type, quality), best first.
    accept: tuple[tuple[str, float], ...] = ()
    #: ?format=NAME, which wins over Accept (a download link cannot set a header).
    format: str | None = None


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    form: str


def parse_form(body: str) -> dict[str, list[str]]:
    """Parameters of a query string or a form body, keeping repeats (as urllib's parse_qsl
    with blank values kept, whose pure-Python unquoting took a third of a request's time)."""
    fields = [field for field in body.split("&") if field]
    if len(fields) > MAX_FIELDS:
        raise UsageError(f"the request has {len(fields):,} parameters; this endpoint takes at most {MAX_FIELDS:,}")
    found: dict[str, list[str]] = {}
    for field in fields:
        name, _, value = field.partition("=")
        found.setdefault(_unquote(name), []).append(_unquote(value))
    return found


_HEX = {f"{a}{b}".encode(): bytes.fromhex(f"{a}{b}") for a in "0123456789abcdefABCDEF" for b in "0123456789abcdefABCDEF"}


def _unquote(text: str) -> str:
    """Percent-decoding of a form field (+ is a space); bad escapes are kept as they are, bad UTF-8 replaced.

    Every %XX becomes a \\xXX escape (backslashes doubled first, so no other escape
    exists) for the C decoder of escapes: ten times faster than a loop over the
    pieces, which is kept for a bad escape (%zz, a % at the end) that it refuses."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    encoded = text.encode("utf-8")
    try:
        decoded = codecs.escape_decode(encoded.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:
        first, *rest = encoded.split(b"%")
        decoded = first + b"".join([_HEX[part[:2]] + part[2:] if part[:2] in _HEX else b"%" + part for part in rest])
    return decoded.decode("utf-8", "replace")


def query_request(parameters: dict[str, list[str]], *, text: str | None, accept: str | None,
                  graphs: list[str]) -> QueryRequest:
    """The query a request asks for, refused early when it names graphs that are not the corpus's."""
    if "update" in parameters:
        raise QueryRefused("SPARQL Update is refused: this endpoint is read-only")
    if text is None:
        queries = parameters.get("query", [])
        if len(queries) != 1:
            raise UsageError("give one query: ?query=SPARQL, a form field query=, or a body of type application/sparql-query"
                             if not queries else "give one query, not several query= parameters")
        text = queries[0]
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"the query has {len(text):,} characters; this endpoint takes at most {MAX_QUERY_CHARS:,}")
    default, named = parameters.get("default-graph-uri"), parameters.get("named-graph-uri")
    for name, chosen in (("default-graph-uri", default), ("named-graph-uri", named)):
        for graph in chosen or []:
            if graph not in graphs:
                raise QueryRefused(f"{name} <{graph[:80]}> is refused: a query may name only the corpus's own graphs; "
                                   "see GRAPH ?g for their names")
    if default is None and named is None:
        dataset = (None, None)
    else:
        dataset = (tuple(default or ()), tuple(named or ()))
    bindings = []
    for value in parameters.get("bind", []):
        name, sep, term = value.partition("=")
        if not sep or not name:
            raise UsageError(f"bind={value[:80]}: write it as NAME=VALUE, for example bind=fact=pni:compliance-x")
        bindings.append((name.lstrip("?$"), term))
    formats = parameters.get("format", [])
    return QueryRequest(text, tuple(bindings), *dataset, accept=parse_accept(accept), format=formats[-1] if formats else None)


def parse_accept(header: str | None) -> tuple[tuple[str, float], ...]:
    """The media types of an Accept header with their quality, best first (ties keep their order)."""
    found = []
    for part in (header or "").split(",")[:64]:
        media, *parameters = [piece.strip() for piece in part.split(";")]
        if not media:
            continue
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found.append((media.lower(), quality))
    return tuple(sorted(found, key=lambda item: -item[1]))


def choose_format(form: str, accept: tuple[tuple[str, float], ...], name: str | None) -> tuple[str, str]:
    """(format name, media type) for an answer of `form`, by ?format= or by Accept."""
    # lazy: the server's front loads it when first asked, not at start
    from ..export import get_format

    rdf = form in ("CONSTRUCT", "DESCRIBE")
    offered = ([(f, get_format(f).media_type) for f in RDF_FORMATS] if rdf
               else [(f.name, media) for f in RESULT_FORMATS.values() if form == "SELECT" or f.holds_boolean
                     for media in f.media_types])
    what = "CONSTRUCT and DESCRIBE answers" if rdf else f"{form} answers"
    names = sorted({f for f, _ in offered}, key=[f for f, _ in offered].index)
    if name is not None:
        # lazy: the server's front loads it when first asked, not at start
        from ..export import find_format

        wanted = find_format(name).name if rdf and find_format(name) else name.lower()
        for offered_name, media in offered:
            if offered_name == wanted:
                return offered_name, media
        raise NotAcceptable(f"format={name[:40]} cannot hold {what}; choose one of: {', '.join(names)}")
    if not accept:
        return offered[0]
    for media, quality in accept:
        if quality <= 0:
            continue
        if media == "*/*":
            return offered[0]
        for offered_name, offered_media in offered:
            if media == offered_media or media.endswith("/*") and offered_media.startswith(media[:-1]):
                return offered_name, offered_media
    shown = ", ".join(media for media, _ in accept)[:120]
    raise NotAcceptable(f"no accepted type ({shown}) can hold {what}; accept one of: "
                        f"{', '.join(media for _, media in offered)}")


def answer(served_store, prefixes: dict[str, str], request: QueryRequest) -> Answer:
    """Check the query, run it and write its answer: done inside a sandboxed worker.

    SELECT and ASK answers are written by results.write_answer with Oxigraph's
    own writers (no solution becomes a Python object: that took two thirds of a
    worker's time), the bytes `query --format NAME` writes. CONSTRUCT and DESCRIBE
    keep the project's writers, so their prefixes and layout are those of `query`
    and of the exports.
    """
    write_answer, OxigraphEngine, as_result, get_format, check, bind_terms = _tools()
    checked, used = _checked(request.text, check, prefixes)
    name, media = _chosen(checked.form, request.accept, request.format)  # a 406 before any work
    try:
        terms = bind_terms(request.text, dict(request.bindings), prefixes=prefixes) if request.bindings else {}
    except UsageError as failure:
        raise _in_http_words(failure) from None
    dataset = None if request.default_graphs is None else (list(request.default_graphs), list(request.named_graphs))
    found = OxigraphEngine(served_store, prefixes=used, dataset=dataset).execute(checked, terms)
    if name in RESULT_FORMATS:
        body = write_answer(found, name)
    else:
        body = get_format(name).write(as_result(found).graph)  # as `query --format NAME` writes it
    return Answer(body, media, checked.form)


_TOOLS: tuple = ()


def _tools() -> tuple:
    """What answer() needs, imported on its first call (the front never runs it): five import
    statements on every query cost a twentieth of the Python around Oxigraph's query."""
    global _TOOLS
    if not _TOOLS:
        # lazy: the server's front loads it when first asked, not at start
        from ..export import get_format
        from ..sparql import OxigraphEngine, as_result, bind_terms, check, write_answer

        _TOOLS = (write_answer, OxigraphEngine, as_result, get_format, check, bind_terms)
    return _TOOLS


def _in_http_words(failure: UsageError) -> UsageError:
    """A refused binding said as the request wrote it (bind=NAME=VALUE), not as the command line does
    (--bind NAME=VALUE), with the page in place of the command that lists the prefixes."""
    line = failure.lines[0]
    if line.startswith("--bind "):
        line = "bind=" + line[len("--bind "):]
    return UsageError(line.replace("see takedown-kg query --prefixes", "the query page at / lists the prefixes"))


_CHECKED: dict[str, tuple] = {}
_CHOSEN: dict[tuple, tuple[str, str]] = {}


def _checked(text: str, check, prefixes: dict[str, str]) -> tuple:
    """(safety.check(text), the prefixes the text may use), remembered for the last queries a
    worker accepted: clients repeat their queries, and the check reads each one three times."""
    if text not in _CHECKED:
        if len(_CHECKED) >= 256:
            _CHECKED.pop(next(iter(_CHECKED)))
        # a refused or mistaken query raises, and is checked again next time
        _CHECKED[text] = (check(text, prefixes=prefixes), _used(text, prefixes))
    return _CHECKED[text]


def _used(text: str, prefixes: dict[str, str]) -> dict[str, str]:
    """The given prefixes a query needs: those it writes a name with and does not declare itself
    (its own PREFIX wins). Oxigraph reads every prefix it is given on every query, a twentieth of
    its time for this project's 22, and the project's queries declare theirs. Read as safety.check
    reads the text, by every reading of its tokens (codepoint escapes expanded where a reading does);
    a text that one of them cannot read keeps them all."""
    # lazy: the server's front loads it when first asked, not at start
    from ..sparql import READINGS, expand_escapes, tokens

    written: set[str] = set()
    declared: set[str] | None = None
    for reading in READINGS:
        try:
            words = tokens(expand_escapes(text) if reading.expand_escapes else text, reading)
        except TakedownError:
            return prefixes
        names = {word.text.partition(":")[0] for word in words if word.kind == "pname"}
        own = {after.text.partition(":")[0] for word, after in zip(words, words[1:])
               if word.kind == "word" and word.text.upper() == "PREFIX" and after.kind == "pname"}
        written |= names
        declared = own if declared is None else declared & own
    return {label: iri for label, iri in prefixes.items() if label in written and label not in (declared or set())}


def _chosen(form: str, accept: tuple[tuple[str, float], ...], name: str | None) -> tuple[str, str]:
    """choose_format, remembered per (form, Accept, format=): clients repeat their headers too."""
    key = (form, accept, name)
    if key not in _CHOSEN:
        found = choose_format(form, accept, name)  # a refusal raises, and is not remembered
        if len(_CHOSEN) >= 256:
            _CHOSEN.pop(next(iter(_CHOSEN)))
        _CHOSEN[key] = found
    return _CHOSEN[key]
