"""The namespaces takedown-kg uses, with its own vocabulary as a closed namespace.

TK lists every term of ontology/takedown.ttl; a test keeps the two equal, so a
misspelt term in code fails at once instead of minting a new IRI.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/takedown-kg/ontology")
#: Default base of the data IRIs; `build --base` moves them elsewhere.
DATA_BASE = "https://w3id.org/takedown-kg/id/"
TKD = Namespace(DATA_BASE)
SHAPES = Namespace("https://w3id.org/takedown-kg/shapes#")


class TK(DefinedNamespace):
    """The takedown-kg ontology."""

    _NS = Namespace("https://w3id.org/takedown-kg/ontology#")
    _fail = True

    AccountAction: URIRef
    AccountBlocking: URIRef
    AccountLinkClaim: URIRef
    AccountReporting: URIRef
    Appeal: URIRef
    BannedOrganization: URIRef
    Collective: URIRef
    ComplianceObservation: URIRef
    CooperationLevel: URIRef
    Curation: URIRef
    Demand: URIRef
    DemandSet: URIRef
    FollowerReach: URIRef
    FormalRequest: URIRef
    IdentifierLink: URIRef
    InternationalOrganization: URIRef
    MediaBriefing: URIRef
    Meeting: URIRef
    NewsAgency: URIRef
    PlatformBan: URIRef
    Publication: URIRef
    Regulator: URIRef
    ReportedClaim: URIRef
    ReportedItem: URIRef
    Sentence: URIRef
    SharedSubject: URIRef
    Source: URIRef
    SourceGraph: URIRef
    SocialMediaPlatform: URIRef
    Strategy: URIRef
    TakedownDrive: URIRef
    Voice: URIRef
    accountCount: URIRef
    adoptedBy: URIRef
    approximate: URIRef
    asksTo: URIRef
    bannedBy: URIRef
    bannedPlatform: URIRef
    citedFrom: URIRef
    complianceRate: URIRef
    cooperationExtraordinary: URIRef
    cooperationFull: URIRef
    cooperationLevel: URIRef
    cooperationLevels: URIRef
    followerCount: URIRef
    hasDemand: URIRef
    hasMeasure: URIRef
    identifies: URIRef
    jurisdiction: URIRef
    lineNumber: URIRef
    linkedOrganization: URIRef
    linksFact: URIRef
    listIsComplete: URIRef
    madeAt: URIRef
    mentionedIn: URIRef
    minExclusive: URIRef
    ofAccountsFrom: URIRef
    onPlatform: URIRef
    platform: URIRef
    purpose: URIRef
    recordedOn: URIRef
    requestsFrom: URIRef
    represents: URIRef
    responseDisappointing: URIRef
    sentenceNumber: URIRef
    sha256: URIRef
    statedAs: URIRef
    statedIn: URIRef
    textHeld: URIRef
    voiceArticle: URIRef
    voiceGovernmentData: URIRef
    voiceOfficialData: URIRef
    voiceOfficialFigures: URIRef
    voiceOfficials: URIRef
    voices: URIRef


class OA(DefinedNamespace):
    """W3C Web Annotation vocabulary (rdflib has none built in)."""

    _NS = Namespace("http://www.w3.org/ns/oa#")
    _fail = True

    Annotation: URIRef
    Choice: URIRef
    CssSelector: URIRef
    DataPositionSelector: URIRef
    FragmentSelector: URIRef
    RangeSelector: URIRef
    ResourceSelection: URIRef
    Selector: URIRef
    SpecificResource: URIRef
    SvgSelector: URIRef
    TextPositionSelector: URIRef
    TextQuoteSelector: URIRef
    TextualBody: URIRef
    XPathSelector: URIRef
    bodyValue: URIRef
    cachedSource: URIRef
    canonical: URIRef
    end: URIRef
    exact: URIRef
    hasBody: URIRef
    hasEndSelector: URIRef
    hasPurpose: URIRef
    hasScope: URIRef
    hasSelector: URIRef
    hasSource: URIRef
    hasStartSelector: URIRef
    hasState: URIRef
    hasTarget: URIRef
    motivatedBy: URIRef
    prefix: URIRef
    processingLanguage: URIRef
    refinedBy: URIRef
    renderedVia: URIRef
    sourceDate: URIRef
    sourceDateEnd: URIRef
    sourceDateStart: URIRef
    start: URIRef
    styledBy: URIRef
    suffix: URIRef
    textDirection: URIRef
    via: URIRef


#: Prefixes bound in every output and declared for every query.
PREFIXES: dict[str, str] = {
    "tk": str(TK),
    "tkd": DATA_BASE,
    "dcterms": str(DCTERMS),
    "oa": str(OA),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SDO),
    "skos": str(SKOS),
    "xsd": str(XSD),
}

#: Namespaces whose terms are known in full, so an unknown term is an error.
CLOSED_NAMESPACES: dict[str, type[DefinedNamespace]] = {
    str(ns): ns for ns in (TK, OA, ORG, PROV, SDO, SKOS, DCTERMS)
}


# A local name that can follow "prefix:" as written (Turtle's PN_LOCAL, without escapes);
# a namespace IRI itself is shown whole.
_LOCAL = re.compile(r"\w(?:[\w.-]*[\w-])?")


def expand(name: str, prefixes: Mapping[str, str] | None = None) -> URIRef | None:
    """The IRI that `name` (<iri> or prefix:local) stands for, or None when it is neither.

    The one prefix expander: source maps, --bind values, --focus and the query
    checks all read prefixed names through it. `prefixes` defaults to PREFIXES.
    """
    if name.startswith("<") and name.endswith(">"):
        return URIRef(name[1:-1])
    prefix, colon, local = name.partition(":")
    table = PREFIXES if prefixes is None else prefixes
    if colon and prefix in table and not local.startswith("//"):
        return URIRef(table[prefix] + local)
    return None


def shorten(term, namespaces: Iterable[tuple[str, str]] | Mapping[str, str] | None = None) -> str:
    """`term` as a prefixed name when a namespace fits, else <iri>; _:id for a blank node.

    The one IRI shortener (tables, messages, the page). `namespaces` is a mapping
    or (prefix, namespace) pairs such as graph.namespaces(); default PREFIXES.
    """
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    table = PREFIXES if namespaces is None else namespaces
    pairs = table.items() if isinstance(table, Mapping) else table
    best = None
    for prefix, namespace in pairs:
        namespace = str(namespace)
        if namespace and term.startswith(namespace) and _LOCAL.fullmatch(term[len(namespace):]):
            if best is None or len(namespace) > len(best[1]):
                best = (prefix, namespace)
    if best is None:
        return f"<{term}>"
    return f"{best[0]}:{term[len(best[1]):]}"


class Names:
    """A graph's prefixes indexed by namespace: shortens an IRI in time independent
    of how many prefixes there are (a corpus binds one per source)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.by_namespace: dict[str, str] = {}
        for prefix, namespace in pairs:
            if str(namespace):
                self.by_namespace.setdefault(str(namespace), prefix)

    def shorten(self, term) -> str:
        # The longest namespace first, as shorten() chooses.
        for cut in range(len(term), 0, -1):
            prefix = self.by_namespace.get(term[:cut])
            if prefix is not None and _LOCAL.fullmatch(term[cut:]):
                return f"{prefix}:{term[cut:]}"
        return f"<{term}>"


_FIXED: dict[int, Names] = {}


@contextmanager
def fixed_names(graph):
    """Inside the block, qname(graph, ...) reads the graph's prefixes once instead of at every call."""
    _FIXED[id(graph)] = Names(graph.namespaces())
    try:
        yield
    finally:
        _FIXED.pop(id(graph), None)


def qname(graph, term) -> str:
    """`term` shortened by the graph's own prefixes (a rebased graph binds tkd: to its base)."""
    names = _FIXED.get(id(graph))
    if names is not None and isinstance(term, URIRef):
        return names.shorten(term)
    return shorten(term, graph.namespaces())


def label(graph, term, lang: str = "en") -> str:
    """The one label helper: the `lang` label, else an English or plain one, else the local name.

    Never "whichever label comes first": after a rebuild the store's order changes.
    """
    labels = sorted((o for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)), key=str)
    for wanted in (lambda lt: lt.language == lang, lambda lt: lt.language in (None, "en")):
        for found in labels:
            if wanted(found):
                return str(found)
    text = qname(graph, term)
    return text.split(":", 1)[-1] if ":" in text and not text.startswith(("<", "_:")) else text


def source_kind(*, dataset: bool, curation: bool, held: bool) -> str:
    """What a tk:Source is, in the one wording of the build's summary and the network page:
    reference data (a schema:Dataset), curation (a tk:Curation), text held, or cited (by its address)."""
    if dataset:
        return "reference data"
    if curation:
        return "curation"
    return "text held" if held else "cited"


def source_tally(kinds: Iterable[str]) -> str:
    """How many sources of each kind: "7 cited, 1 curation, 1 reference data, 1 text held"."""
    return ", ".join(f"{n:,} {kind}" for kind, n in sorted(Counter(kinds).items()))
