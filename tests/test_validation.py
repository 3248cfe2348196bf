"""The shapes and checks pass on the project's data and fire on broken samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from conftest import FIXTURES
from takedown_kg import resources, validate
from takedown_kg.corpus.graphs import load_files
from takedown_kg.checks.shapes import check_files, shapes_graph
from takedown_kg.vocab import SHAPES

BROKEN = FIXTURES / "validation" / "broken"

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
    return named | checks | {"unknown-term", "ill-typed-literal"}


def test_project_data_conforms(corpus):
    report = validate(corpus.graph, locations=corpus.locations)
    assert report.conforms, report.text
    assert report.text == f"Conforms: {report.rules_checked} rules checked, no violations."


def test_minimal_sample_conforms():
    report = _validate_file(FIXTURES / "validation" / "minimal.ttl")
    assert report.conforms, report.text


def test_every_rule_has_a_broken_sample():
    assert {p.stem for p in BROKEN.glob("*.ttl")} == all_rules()


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
