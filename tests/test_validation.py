"""The shapes and checks pass on the project's data and fire on broken samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from conftest import FIXTURES, ROOT
from takedown_kg import resources, validate
from takedown_kg.corpus.graphs import load_files
from takedown_kg.checks.shapes import check_files, shapes_graph
from takedown_kg.vocab import SHAPES

BROKEN = FIXTURES / "validation" / "broken"
#: Samples of one source (or a file given with --data) speaking for another: each is validated
#: beside the shipped corpus, and gives one violation line, naming the forging file and line.
FORGED = FIXTURES / "validation" / "forged"
FORGERIES = {
    "telegram-on-pni-sentence": (
        "provenance-of-another-source", "telegram-on-pni-sentence/facts.ttl:12: telegram-on-pni-sentence:compliance-telegram: "
        "a fact, actor or sentence of a source that points at another source's sentence or report (tk:statedIn, "
        "tk:mentionedIn, oa:hasSource or tk:citedFrom naming one its own graph does not hold)"),
    "note-on-pni-fact": ("node-of-another-source", "note-on-pni-fact/facts.ttl:12: pni:compliance-x: " + (
        ABOUT_ANOTHER := "a statement in a source's graph about a node minted under another source's namespace "
                         "(its report, its facts, its sentences)")),
    "date-on-pni-report": ("node-of-another-source", f"date-on-pni-report/facts.ttl:12: pni:article: {ABOUT_ANOTHER}"),
    "note-on-pni-sentence": ("node-of-another-source", f"note-on-pni-sentence/facts.ttl:12: pni:sentence-9: {ABOUT_ANOTHER}"),
    "voice-redefined": (
        "ontology-term-in-source", "voice-redefined/facts.ttl:12: tk:voiceGovernmentData: a statement in a source's "
        "graph about a term of the ontology (a class, a property, a voice, a list member, a term it describes)"),
    "into-pni-graph.trig": ("foreign-graph", "into-pni-graph.trig:10: pni:graph: " + (
        INTO_ANOTHER := "a file given with --data writes into the named graph of a source or of the ontology, where "
                        "its statements would pass for theirs; give them a graph of its own, or put them in the source's folder")),
    "into-ontology-graph.trig": ("foreign-graph", f"into-ontology-graph.trig:5: <https://w3id.org/takedown-kg/ontology>: {INTO_ANOTHER}"),
    "into-ontology-graph.nq": ("foreign-graph", f"into-ontology-graph.nq:2: <https://w3id.org/takedown-kg/ontology>: {INTO_ANOTHER}"),
}

# A broken sample may break a second rule as a consequence of the first; those
# follow-on rules are listed here so that each sample's outcome is exact.
CONSEQUENCES = {
    "cited-fact-address": {"source-address"},
    "cited-fact-no-span": {"quantity-words-in-sentence", "urdu-label", "voice-matches-sentence"},
    "cited-fact-text-not-held": {"cited-fact-address"},
    "fact-sentence": {"urdu-text-in-sentence"},
    "source-address": {"cited-fact-address"},
    "article-checksum": {"article-text-matches-checksum"},
    "missing-defined-by": {"undeclared-term"},
    "sentence-selector": {"urdu-text-in-sentence"},
    "span-exact": {"urdu-text-in-sentence"},
    "span-start": {"urdu-text-in-sentence"},
    "undeclared-term": {"compliance-platform"},
    "unknown-term": {"quantity-unit"},
}


def _validate_file(path: Path):
    loaded = load_files([resources.ontology_file(), path])
    return validate(loaded.graph, locations=loaded.locations)


def all_rules() -> set[str]:
    """Every rule: the named SHACL shapes that carry a message, the checks, unknown-term and ill-typed-literal."""
    shapes = shapes_graph()
    named = {
        str(s)[len(str(SHAPES)):]
        for s in shapes.subjects(SH.message, None)
        if str(s).startswith(str(SHAPES))
    }
    checks = {p.name[: -len("-violation.rq")] for p in check_files()}
    return named | checks | {"unknown-term", "ill-typed-literal", "foreign-graph"}


def test_project_data_conforms(corpus):
    report = validate(corpus.corpus)
    assert report.conforms, report.text
    assert report.text == f"Conforms: {report.rules_checked} rules checked, no violations."
    # Each graph as well as their union: the rules about who says what see the graphs.
    assert report.text == validate(corpus.graph, locations=corpus.locations).text


def test_minimal_sample_conforms():
    report = _validate_file(FIXTURES / "validation" / "minimal.ttl")
    assert report.conforms, report.text


def test_every_rule_has_a_broken_sample():
    assert {p.stem for p in BROKEN.glob("*.ttl")} | {rule for rule, _ in FORGERIES.values()} == all_rules()
    assert sorted(p.name for p in FORGED.iterdir()) == sorted(FORGERIES)


@pytest.mark.parametrize("sample", list(FORGERIES))
def test_a_source_speaks_only_for_itself(sample, tmp_path):
    """Validated beside the shipped corpus, each forgery gives its one line, and query warns of it."""
    from conftest import run_cli

    rule, where = FORGERIES[sample]
    line = f"tests/fixtures/validation/forged/{where} [{rule}]"
    data = ("--data", "data/sources", "--data", f"tests/fixtures/validation/forged/{sample}")
    result = run_cli("validate", *data)
    assert result.returncode == 1 and result.stderr == ""
    assert result.stdout.splitlines()[0].startswith("Does not conform: 1 violation of ")
    assert result.stdout.splitlines()[1:] == [line]
    # From a folder of its own: the checkout's out/ may hold a build, which would add a note of its own.
    warned = run_cli("query", "compliance", *(str(ROOT / part) if part != "--data" else part for part in data), cwd=tmp_path)
    assert warned.returncode == 0
    assert warned.stderr == (f"Warning: the data does not conform (1 violation; first: {ROOT}/{line}); "
                             "run takedown-kg validate\n")


def test_forgeries_are_found_under_another_base_and_by_either_engine():
    from takedown_kg.corpus import load

    chosen = [ROOT / "data" / "sources", *sorted(FORGED.iterdir())]
    fast = validate(load(chosen))
    assert [line.rsplit("[", 1)[1] for line in fast.lines] == sorted(
        f"{rule}]" for rule, _ in FORGERIES.values()) and len(fast.lines) == len(FORGERIES)
    assert validate(load(chosen), engine="pyshacl").lines == fast.lines
    moved = validate(load(chosen, base="https://example.org/kg/"))
    assert [line.replace("https://example.org/kg/", "") for line in moved.lines] == [
        line.replace("https://w3id.org/takedown-kg/id/", "") for line in fast.lines]


@pytest.mark.parametrize("rule", sorted(p.stem for p in BROKEN.glob("*.ttl")))
def test_rule_fires_on_its_broken_sample(rule):
    report = _validate_file(BROKEN / f"{rule}.ttl")
    assert not report.conforms
    assert {v.rule for v in report.violations} == {rule} | CONSEQUENCES.get(rule, set())
    line = next(line for line in report.lines if line.endswith(f"[{rule}]"))
    assert line.startswith(f"tests/fixtures/validation/broken/{rule}.ttl:") or line.startswith(str(BROKEN))


@pytest.mark.parametrize("sample", ["minimal", *sorted(f"broken/{p.stem}" for p in BROKEN.glob("*.ttl"))])
def test_fast_engine_gives_pyshacls_verdicts(sample):
    """The default engine (pyshacl-turbo + whole-store SPARQL on Oxigraph) against
    pySHACL with rdflib: the same violations, rule by rule, node by node, word for word."""
    loaded = load_files([resources.ontology_file(), FIXTURES / "validation" / f"{sample}.ttl"])
    fast = validate(loaded.graph, locations=loaded.locations)
    reference = validate(loaded.graph, locations=loaded.locations, engine="pyshacl")
    assert fast.lines == reference.lines
    assert fast.rules_checked == reference.rules_checked


def test_fast_engine_gives_pyshacls_verdict_on_the_corpus(corpus):
    fast = validate(corpus.graph, locations=corpus.locations)
    reference = validate(corpus.graph, locations=corpus.locations, engine="pyshacl")
    assert fast.conforms and reference.conforms


def test_report_has_conforms_graph_and_text():
    report = _validate_file(BROKEN / "span-matches-article.ttl")
    assert report.conforms is False
    assert isinstance(report.graph, Graph)
    assert len(list(report.graph.subjects(RDF.type, SH.ValidationResult))) == 1
    assert report.text.splitlines()[1].endswith("[span-matches-article]")
    assert "which reads «4 جولائی 2025 کو ملاقات ہوئی۔»" in report.text


def test_checks_say_why():
    for path in check_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# ") and lines[1].startswith("# Why: "), path.name


def test_the_validate_command_gives_the_same_report_with_either_engine():
    from conftest import run_cli

    sample = str(BROKEN / "voice-matches-sentence.ttl")
    fast = run_cli("validate", sample)
    reference = run_cli("validate", sample, "--engine", "pyshacl")
    assert fast.returncode == reference.returncode == 1
    assert fast.stdout == reference.stdout
    assert fast.stdout.splitlines()[1].endswith("[voice-matches-sentence]")


def test_a_shacl_feature_the_compiler_does_not_know_is_refused():
    from rdflib import Graph

    from takedown_kg.checks.shacl_core import constraints

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:name .
        ex:name sh:path ex:name ; sh:uniqueLang true .
        """, format="turtle")
    with pytest.raises(ValueError, match=r"^https://example.org/name: SHACL http://www.w3.org/ns/shacl#uniqueLang is not compiled here"):
        constraints(shapes)
