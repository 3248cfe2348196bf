"""The command line's edges a new user meets: query files, option order, --bind
mistakes, format aliases, no browser, argparse's own errors, --version."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, ROOT, run_cli
from takedown_kg import cli

MINIMAL = str(FIXTURES / "validation" / "minimal.ttl")
LABELS = "SELECT ?l WHERE { tkd:facebook rdfs:label ?l FILTER (lang(?l) = 'ur') }"


@pytest.mark.parametrize("suffix", [".rq", ".sparql", ".txt", ""])
def test_an_existing_file_is_a_query_file_whatever_its_suffix(tmp_path, suffix):
    (tmp_path / f"labels{suffix}").write_text(LABELS, encoding="utf-8")
    result = run_cli("query", f"labels{suffix}", "--data", MINIMAL, "--format", "csv", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "l\r\nفیس بک\r\n", "")


def test_a_missing_query_file_is_named():
    result = run_cli("query", "nowhere.sparql")
    assert (result.returncode, result.stderr) == (2, "Error: nowhere.sparql: no such file; check the path\n")


def test_option_order_does_not_matter(tmp_path):
    (tmp_path / "labels.rq").write_text(LABELS, encoding="utf-8")
    before = run_cli("query", "--data", MINIMAL, "labels.rq", "--format", "csv", cwd=tmp_path)
    after = run_cli("query", "labels.rq", "--format", "csv", "--data", MINIMAL, cwd=tmp_path)
    assert before.stdout == after.stdout == "l\r\nفیس بک\r\n"
    twice = run_cli("query", "--data", MINIMAL, "--data", MINIMAL, "labels.rq", "--format", "csv", cwd=tmp_path)
    assert (twice.returncode, twice.stdout) == (0, "l\r\nفیس بک\r\n")


BIND_ERRORS = {
    ("evidence", "fact=compliance-x"):
        'Error: --bind fact=compliance-x: not an RDF term; write a prefixed name (pni:compliance-x for a fact of the article, tkd:compliance-x for an actor), '
        'an <IRI>, a "quoted text", a number or true/false\n',
    ("sentence", "number=abc"):
        'Error: --bind number=abc: not an RDF term; write a prefixed name (pni:abc for a fact of the article, tkd:abc for an actor), '
        'an <IRI>, a "quoted text", a number or true/false\n',
    ("evidence", "fakt=pni:compliance-x"): "Error: --bind fakt=...: the query has no ?fakt; did you mean fact?\n",
    ("evidence", 'x="a"@-bad-'): "Error: --bind x=\"a\"@-bad-: '-bad-' is not a valid language tag!\n",
    ("evidence", "fact=zz:x"): "Error: --bind fact=zz:x: unknown prefix 'zz'; see takedown-kg query --prefixes\n",
    ("sentence", 'number="x"^^xsd:integer'):
        "Error: --bind number=\"x\"^^xsd:integer: 'x' is not a valid xsd:integer\n",
    ("evidence", "fact='x'"):
        'Error: --bind fact=\'x\': a literal is written in double quotes, for example "text" or "text"@ur\n',
}


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("name,binding", list(BIND_ERRORS))
def test_bind_mistakes_are_one_line_errors_on_both_engines(engine, name, binding):
    result = run_cli("query", name, "--bind", binding, "--engine", engine)
    assert (result.returncode, result.stderr, result.stdout) == (2, BIND_ERRORS[name, binding], "")


@pytest.mark.parametrize("alias,name", [("ttl", "turtle"), (".ttl", "turtle"), ("nt", "ntriples"),
                                        ("json-ld", "jsonld"), ("xml", "rdfxml"), ("rdf", "rdfxml"),
                                        ("TURTLE", "turtle")])
def test_export_accepts_aliases_and_suffixes(alias, name):
    from takedown_kg.export.format_table import get_format

    assert get_format(alias).name == name


def test_export_takes_the_format_from_the_output_suffix(tmp_path):
    result = run_cli("export", "-o", str(tmp_path / "graph.nt"))
    assert (result.returncode, result.stderr) == (0, "")
    canonical = run_cli("export", "--format", "ntriples")
    assert (tmp_path / "graph.nt").read_text(encoding="utf-8") == canonical.stdout
    unknown = run_cli("export", "-o", str(tmp_path / "graph.yaml"))
    assert (unknown.returncode, unknown.stderr) == (
        2, "Error: export needs --format NAME, or -o FILE with a known suffix (see takedown-kg export --list)\n")


def test_open_with_no_browser_says_so(tmp_path, monkeypatch, capsys):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "--open", "-o", "page.html"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "wrote page.html\n"
    assert captured.err == "takedown-kg: no browser found; open page.html in one\n"


ARGPARSE_ERRORS = {
    ("biuld",): "Error: unknown command 'biuld'; did you mean build?\n",
    ("querry", "compliance"): "Error: unknown command 'querry'; did you mean query?\n",
    ("xyzzy",): "Error: unknown command 'xyzzy'; choose one of: build, export, validate, query, compare, graph, stats, locate, serve, push\n",
    ("locate",): "Error: takedown-kg locate: the following arguments are required: text (see takedown-kg locate --help)\n",
    ("stats", "--top", "x"): "Error: takedown-kg stats: argument --top: invalid int value: 'x' (see takedown-kg stats --help)\n",
    ("--bogus",): "Error: unknown option --bogus (see takedown-kg --help)\n",
    ("query", "--formt", "csv"): "Error: unknown option --formt; did you mean --format?\n",
    ("query", "compliance", "--formt=csv"): "Error: unknown option --formt; did you mean --format?\n",
    ("--verison",): "Error: unknown option --verison; did you mean --version?\n",
    ("--debg", "query", "compliance"): "Error: unknown option --debg; did you mean --debug?\n",
    ("query", "-x"): "Error: unknown option -x (see takedown-kg query --help)\n",
    ("stats", "foo"): "Error: takedown-kg stats: unrecognized arguments: foo (see takedown-kg stats --help)\n",
    ("query", "--engine", "oxigrap", "compliance"): "Error: unknown choice 'oxigrap' for --engine; did you mean oxigraph?\n",
    ("query", "--engine", "zzz"): "Error: unknown choice 'zzz' for --engine; choose one of: oxigraph, rdflib\n",
    ("compare", "--only", "disputd"): "Error: unknown choice 'disputd' for --only; did you mean disputed?\n",
    # Said before what else is wrong ("URL is required"), which would hide it.
    ("push", "--dry-rn"): "Error: unknown option --dry-rn; did you mean --dry-run?\n",
    ("stats", "--top", "x", "--tp", "3"): "Error: unknown option --tp; did you mean --top?\n",
}


@pytest.mark.parametrize("args", list(ARGPARSE_ERRORS))
def test_argparse_errors_are_one_line_with_exit_code_2(args):
    result = run_cli(*args)
    assert (result.returncode, result.stderr, result.stdout) == (2, ARGPARSE_ERRORS[args], "")


def _misspelt(word: str) -> str:
    """`word` with its second letter left out, as a hurried hand types it."""
    at = len(word) - len(word.lstrip("-")) + 1
    return word[:at] + word[at + 1:]


def _said(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    return stopped.value.code, capsys.readouterr().err


def _options():
    top = cli.parser()
    for name, command in top.commands.items():
        for action in command._actions:
            yield name, action


@pytest.mark.parametrize("name,option", [(name, flag) for name, action in _options() for flag in action.option_strings
                                         if flag.startswith("--") and len(flag) > 5])
def test_every_misspelt_option_of_every_command_is_named_rightly(name, option, capsys):
    wrong = _misspelt(option)
    assert _said([name, wrong], capsys) == (
        2, f"Error: unknown option {wrong}; did you mean {option}?\n")


@pytest.mark.parametrize("name,option,choice", [(name, max(action.option_strings, key=len), choice)
                                                for name, action in _options() if action.choices
                                                for choice in action.choices])
def test_every_misspelt_choice_is_named_rightly(name, option, choice, capsys):
    wrong = choice[:-1]
    assert _said([name, option, wrong], capsys) == (
        2, f"Error: unknown choice {wrong!r} for {option}; did you mean {choice}?\n")


def test_version_and_licence():
    result = run_cli("--version")
    assert (result.returncode, result.stdout) == (0, "takedown-kg 0.1.0\n")
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_claims_by_voice_shows_the_voice_as_a_label():
    result = run_cli("query", "claims-by-voice", "--bind", "voice=tk:voiceOfficials")
    assert (result.returncode, result.stdout) == (0, (
        "id   fact                                              sentence  voiceName  voice\n"
        "---  ------------------------------------------------  --------  ---------  -----------------\n"
        "F20  Pakistan's electronic and print media are free …  S11       officials  tk:voiceOfficials\n"
        "F21  Extremist elements use social media to promote …  S11       officials  tk:voiceOfficials\n"
        "(2 rows)\n"))
