"""The command line: exact error lines and exit codes, and no lost outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli
from takedown_kg.cli import COMMANDS

BAD = "tests/fixtures/bad-input"

# Each class of bad input, the one line it gets and its exit code.
BAD_INPUT = {
    "syntax-error": (2, f"Error: {BAD}/syntax-error.ttl:6: syntax error: expected '.' or '}}' or ']' at end of statement; fix the statement on that line"),
    "unknown-term": (1, f"Error: {BAD}/unknown-term.ttl:6: tk:mentionedInn: a takedown-kg term used in the graph but not declared in the ontology (misspelt, or missing from takedown.ttl) [undeclared-term]"),
    "quote-mismatch": (1, f"Error: {BAD}/quote-mismatch.ttl:18: tkd:sentence-17-span: oa:exact does not match the article at 1035..1054, which reads «وفاقی وزیر آئی ٹی ش»; correct the quote or the offsets (takedown-kg locate TEXT prints them) [span-matches-article]"),
    "missing-urdu-label": (1, f"Error: {BAD}/missing-urdu-label.ttl:7: tkd:youtube: needs exactly one Urdu rdfs:label (\"...\"@ur), written as the article writes it [urdu-label]"),
    "fact-without-source": (1, f"Error: {BAD}/fact-without-source.ttl:8: tkd:compliance-instagram: a fact needs tk:statedIn naming the sentence(s) that state it (:sentence-N), or, in a source whose text is not held, tk:citedFrom naming the report; add it [fact-source]"),
    "ill-typed-literal": (1, f"Error: {BAD}/ill-typed-literal.ttl:6: pni:article: dcterms:modified \"last Thursday\"^^xsd:date is not a valid xsd:date; write the value in that datatype's form or change the datatype [ill-typed-literal]"),
    "wrong-schema-namespace": (1, f"Error: {BAD}/wrong-schema-namespace.ttl:5: <http://schema.org/Organization>: a term in the <http://schema.org/> namespace; this project uses <https://schema.org/> only [wrong-schema-namespace]"),
}


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A good build whose outputs a failed build must leave as they are."""
    out = tmp_path_factory.mktemp("previous")
    assert run_cli("build", "--out", str(out)).returncode == 0
    return out


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir" for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_one_line_and_loses_nothing(previous, case):
    before = _fingerprint(previous)
    result = run_cli("build", "--data", "data", "--data", f"{BAD}/{case}.ttl", "--out", str(previous))
    code, line = BAD_INPUT[case]
    assert (result.returncode, result.stderr, result.stdout) == (code, line + "\n", "")
    assert "Traceback" not in result.stderr
    assert _fingerprint(previous) == before


def test_debug_shows_the_traceback(tmp_path):
    result = run_cli("--debug", "build", "--data", "data", "--data", f"{BAD}/syntax-error.ttl", "--out", str(tmp_path))
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "InputError" in result.stderr


def test_missing_data_file(tmp_path):
    result = run_cli("build", "--data", "nowhere.ttl", "--out", str(tmp_path))
    assert (result.returncode, result.stderr) == (
        2, "Error: nowhere.ttl: no such file or folder; --data takes a source folder, a corpus folder or RDF files\n")
    assert list(tmp_path.iterdir()) == []


def test_build_prints_summary_and_paths(tmp_path):
    result = run_cli("build", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "takedown-kg: built the graph of 10 sources"
    assert "  sources     10 (7 cited, 1 curation, 1 reference data, 1 text held)" in lines
    assert "    curation       curation       12 subjects" in lines
    assert "    pni            text held      26 facts" in lines
    assert "  facts       82, of them 26 (F1-F26) in the held text, stated in 16 sentences" in lines
    assert any(line.startswith("  validation  conforms (") for line in lines)
    written = lines[lines.index("wrote") + 1:]
    assert [Path(p.strip()).name for p in written] == [
        "graph.ttl", "graph.nt", "graph.jsonld", "graph.rdf", "graph.trig", "graph.nq", "graph.html", "store", "build.json"]


def test_validate_exit_codes(tmp_path):
    good = run_cli("validate")
    assert good.returncode == 0 and good.stdout.startswith("Conforms: ")
    bad = run_cli("validate", str(FIXTURES / "validation" / "broken" / "fact-voice.ttl"))
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[0].startswith("Does not conform: 1 violation")
    assert bad.stdout.splitlines()[1].endswith("[fact-voice]")
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle", encoding="utf-8")
    cannot = run_cli("validate", str(broken))
    assert cannot.returncode == 2
    assert cannot.stderr.startswith(f"Error: {broken}:1: syntax error: ")


@pytest.mark.parametrize("suffix", ["nt", "trig", "nq"])
def test_validate_an_exported_graph(tmp_path, suffix):
    target = tmp_path / f"graph.{suffix}"
    assert run_cli("export", "-o", str(target)).returncode == 0
    result = run_cli("validate", str(target))
    assert result.returncode == 0, result.stdout
    # Beside the corpus it was built from, an export adds nothing to a source's graph or the ontology's.
    beside = run_cli("validate", "--data", "data/sources", "--data", str(target))
    assert beside.returncode == 0, beside.stdout


def test_unknown_format():
    result = run_cli("export", "--format", "yaml")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: unknown format 'yaml'; choose one of: turtle, ntriples, jsonld, rdfxml")


def test_locate_prints_offsets():
    result = run_cli("locate", "باقاعدہ درخواست")
    assert (result.returncode, result.stdout) == (0, "pni  line 4  oa:start 892  oa:end 907\n")
    missing = run_cli("locate", "نہیں ہے یہاں")
    assert missing.returncode == 2
    assert missing.stderr == "Error: 'نہیں ہے یہاں' does not occur in any held text; copy it character for character\n"
    empty = run_cli("locate", "")
    assert (empty.returncode, empty.stderr) == (2, "Error: give the text to find; an empty text occurs everywhere\n")
    other = run_cli("locate", "12 اکاؤنٹس", "--data", "data/sources", "--data", "tests/fixtures/sources/example-held")
    assert (other.returncode, other.stdout) == (0, "example-held  line 1  oa:start 18  oa:end 28\n")
    one = run_cli("locate", "باقاعدہ درخواست", "--source", "tribune")
    assert (one.returncode, one.stderr) == (
        2, "Error: 'باقاعدہ درخواست' does not occur in the text of tribune; copy it character for character\n")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help_with_an_example_shown_in_the_readme(name):
    result = run_cli(name, "--help")
    assert result.returncode == 0
    example = COMMANDS[name].example
    assert f"example: {example}" in " ".join(result.stdout.split())
    assert f"takedown-kg {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_serve_listens_on_a_port_of_its_own_by_default():
    from takedown_kg.cli import DEFAULT_PORT, parser

    assert parser().parse_args(["serve"]).port == DEFAULT_PORT == 6854
    # No triple store's default (Oxigraph, Fuseki, Virtuoso and its SQL port, GraphDB, Blazegraph,
    # Stardog, QLever, AllegroGraph, RDF4J and Jena in a servlet container): serve and a store run side by side.
    assert DEFAULT_PORT not in {7878, 3030, 8890, 1111, 7200, 9999, 5820, 7001, 10035, 8080}
    shown = " ".join(run_cli("serve", "--help").stdout.split())
    assert "port to listen on, 0 for any free one (default: 6854)" in shown
    assert "example: takedown-kg serve --port 6854" in shown
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`--port` (default 6854, a port of its own" in readme
    assert "  query page  http://127.0.0.1:6854/\n" in readme
    assert "127.0.0.1:7878" not in readme.replace("http://127.0.0.1:7878/store", "")  # 7878 is Oxigraph's, for push
