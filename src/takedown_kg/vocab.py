"""The namespaces takedown-kg uses, with its own vocabulary as a closed namespace.

TK lists every term of ontology/takedown.ttl; a test keeps the two equal, so a
misspelt term in code fails at once instead of minting a new IRI.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/takedown-kg/ontology")
#: Default base of the data IRIs; `build --base` moves them elsewhere.
DATA_BASE = "https://w3id.org/takedown-kg/id/"
TKD = Namespace(DATA_BASE)
SHAPES = Namespace("https://w3id.org/takedown-kg/shapes#")
#: The schema.org namespace that must not be used (rdflib and this project use https).
WRONG_SCHEMA = "http://schema.org/"


class TK(DefinedNamespace):
    """The takedown-kg ontology."""

    _NS = Namespace("https://w3id.org/takedown-kg/ontology#")
    _fail = True

    AccountBlocking: URIRef
    AccountLinkClaim: URIRef
    AccountReporting: URIRef
    Appeal: URIRef
    BannedOrganization: URIRef
    Collective: URIRef
    ComplianceObservation: URIRef
    CooperationLevel: URIRef
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
    listIsComplete: URIRef
    madeAt: URIRef
    mentionedIn: URIRef
    minExclusive: URIRef
    ofAccountsFrom: URIRef
    onPlatform: URIRef
    platform: URIRef
    purpose: URIRef
    recordedOn: URIRef
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


def qname(graph, term) -> str:
    """`term` as a prefixed name by the graph's bindings, or whole in angle brackets."""
    try:
        return graph.namespace_manager.normalizeUri(term)
    except Exception:  # an IRI no prefix fits is shown whole
        return f"<{term}>"


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
