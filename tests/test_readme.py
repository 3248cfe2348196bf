"""The README shows real output: its examples are run and compared."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest

from conftest import ROOT, in_a_terminal, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    """The fenced code blocks whose info string is `language` ("" for plain ones)."""
    blocks, current, info = [], None, None
    for line in README.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if info == language:
                    blocks.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def _session(command: str) -> str:
    """The output the README shows after `$ takedown-kg COMMAND`, up to the next prompt or blank line."""
    for block in _blocks(""):
        for session in re.split(r"\n(?=\$ )", "\n" + block):
            if session.startswith(f"$ takedown-kg {command}\n"):  # a command may span lines
                return session[len(f"$ takedown-kg {command}\n"):].split("\n\n")[0].rstrip("\n") + "\n"
    raise AssertionError(f"the README shows no `$ takedown-kg {command}` session")


@pytest.mark.parametrize("command", [
    "build", "query compliance", "query account-figures --format csv", "query sentence --bind number=8 --full",
    "query disagreements",
    "query -e 'SELECT ?organization ?class WHERE { ?organization a ?class . "
    "?class rdfs:subClassOf* schema:Organization } ORDER BY ?organization'",
    "query -e 'SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph'",
    "push http://127.0.0.1:7878/store --dry-run",
    "push http://127.0.0.1:7878/store --dry-run --chunk-size 0.01",
    "query -e 'SELECT ?report ?words ?published WHERE { ?fact a tk:AccountReporting ; tk:accountCount/tk:statedAs ?words ; "
    "tk:citedFrom ?report . OPTIONAL { ?report schema:datePublished ?published } } ORDER BY ?published ?report'",
])
def test_shown_output_is_real(tmp_path, command):
    result = run_cli(*shlex.split(command), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace("\r\n", "\n") == _session(command)


def test_shown_terminal_output_is_real(tmp_path):
    """What the README shows as printed in a terminal 80 columns wide is what such a terminal gets."""
    assert in_a_terminal("compare", "--only", "disputed", columns=80, cwd=tmp_path) == _session("compare --only disputed")


WALK_THROUGH = "--data data/sources --data tests/fixtures/sources/example-held --data tests/fixtures/sources/example-cited"


@pytest.mark.parametrize("command", [
    f"validate {WALK_THROUGH}",
    f"query {WALK_THROUGH} -e 'SELECT ?source ?words WHERE {{ GRAPH ?g {{ ?fact a tk:AccountBlocking ; "
    "tk:accountCount/tk:statedAs ?words } ?g prov:wasDerivedFrom ?source } ORDER BY ?source'",
])
def test_the_walk_through_adding_reports_is_real(command):
    result = run_cli(*shlex.split(command), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == _session(command)


def test_a_shown_forgery_is_real():
    command = "validate --data data/sources --data tests/fixtures/validation/forged/telegram-on-pni-sentence"
    result = run_cli(*shlex.split(command), cwd=ROOT)
    assert (result.returncode, result.stdout, result.stderr) == (1, _session(command), "")


@pytest.mark.parametrize("command", ["query evidence --bind fact=compliance-x",
                                     "query evidence --bind fakt=pni:compliance-x"])
def test_shown_errors_are_real(tmp_path, command):
    result = run_cli(*shlex.split(command), cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", _session(command))


MISTAKES = [
    "query -e 'SELECT ?platform WHERE {\n  ?o tk:platform ?platform ;\n     ex:rate ?rate }'",
    "query -e 'SELECT ?platform ?rate WHERE { ?o tk:platform ?platform ; tk:complianceRate/schema:value ?rate } "
    "GROUP BY ?platform'",
]


@pytest.mark.parametrize("command", MISTAKES)
def test_shown_mistakes_are_real(tmp_path, command):
    result = run_cli(*shlex.split(command), cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", _session(command))


def test_a_shown_warning_is_real(tmp_path):
    command = ("query -e 'SELECT ?platform ?rate WHERE { ?o tk:platform ?platform ; "
               "tk:complianceRat/schema:value ?rate }'")
    result = run_cli(*shlex.split(command), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr + result.stdout == _session(command)


def test_python_examples_run(tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for block in _blocks("python"):
            exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert (tmp_path / "out" / "graph.ttl").is_file()


def test_two_setup_commands():
    setup = README.split("## Set-up", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in _blocks("sh")[0].splitlines() if line.strip()]
    assert commands == ["bash setup.sh && . .venv/bin/activate && takedown-kg build", "bash .ci/run"]
    # .ci/run ends with the test command the README names.
    test_command = ".venv/bin/python -m pytest -q"
    assert f"the test command, `{test_command}`" in setup
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().endswith(f'{test_command} "$@"')
    assert "bash setup.sh test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_setup_script_installs_into_a_venv(tmp_path):
    # PEP 668 systems refuse a system-wide pip install; the script never tries one.
    commands = [line.strip() for line in (ROOT / "setup.sh").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith(("#", "echo"))]
    assert '[ -x .venv/bin/python ] || "$python" -m venv .venv' in commands
    assert [c for c in commands if "pip install" in c] == [
        '.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${1:+[$1]}"']
    wrong = subprocess.run(["bash", str(ROOT / "setup.sh")], env={**os.environ, "PYTHON": "false"},
                           capture_output=True, text=True, cwd=tmp_path)
    assert (wrong.returncode, wrong.stderr) == (
        2, "Error: takedown-kg needs Python 3.11 or later; false is missing\n")


def test_ci_true_turns_a_missing_part_into_a_failure(monkeypatch):
    import conftest

    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest.need(False, "Chromium is not installed")


def test_examples_that_write_files_write_into_out():
    # Following the README must leave the checkout clean: out/ is ignored.
    targets = re.findall(r"(?:-o|--screenshot|--out)\s+(\S+)", "".join(_blocks("sh")))
    assert targets and all(t.startswith("out/") or t == "-" for t in targets), targets


def test_csv_line_ends_are_documented():
    assert "CSV has CRLF line ends, as the W3C format requires" in README


def test_query_and_serve_writing_the_same_bytes_is_documented():
    # tests/test_serve.py holds both commands to it.
    assert "the same bytes `takedown-kg serve` answers with for the same query and format" in README
    assert "Every answer is the bytes of `takedown-kg query --format NAME`" in README


def _pictures():
    import importlib.util

    spec = importlib.util.spec_from_file_location("pictures", ROOT / "docs" / "pictures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_readme_picture_is_made_by_a_recorded_command():
    import json

    shown = sorted(set(re.findall(r"\]\(docs/([^)]+\.png)\)", (ROOT / "README.md").read_text(encoding="utf-8"))))
    recorded = json.loads((ROOT / "docs" / "pictures.json").read_text(encoding="utf-8"))
    assert shown == sorted(recorded) == sorted(_pictures().PICTURES)
    for name, picture in recorded.items():
        assert (ROOT / "docs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert picture["command"] == "takedown-kg " + " ".join(
            f"docs/{name}" if part == "PICTURE" else part for part in _pictures().PICTURES[name]["command"])


@pytest.mark.parametrize("name", sorted(_pictures().PICTURES))
def test_a_readme_picture_still_shows_its_page(tmp_path, name):
    # The page the picture was taken of, made again by the same command: a different page means a stale picture.
    import json

    recorded = json.loads((ROOT / "docs" / "pictures.json").read_text(encoding="utf-8"))[name]["page_sha256"]
    assert _pictures().page_digest(name, tmp_path) == recorded, (
        f"docs/{name} no longer shows the page its command makes: run python docs/pictures.py {name}")


def test_a_picture_of_another_page_is_found_stale(tmp_path):
    # The same check on a page that differs (Urdu labels first): its digest is not the recorded one.
    import json

    pictures = _pictures()
    pictures.PICTURES["graph.png"] = {**pictures.PICTURES["graph.png"],
                                      "command": ["graph", "--lang", "ur", "--screenshot", "PICTURE"]}
    recorded = json.loads((ROOT / "docs" / "pictures.json").read_text(encoding="utf-8"))["graph.png"]["page_sha256"]
    assert pictures.page_digest("graph.png", tmp_path) != recorded


def _headings(level: str) -> list[str]:
    """The README's headings of one level ("##"), in order, leaving out lines inside code blocks."""
    found, fenced = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith(level + " "):
            found.append(line[len(level) + 1:].strip())
    return found


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but hyphens dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_the_contents_list_every_section_in_order():
    contents = next(line for line in README.splitlines() if line.startswith("**Contents:** "))
    assert README.index(contents) < README.index("\n## ")  # after the introduction, before the first section
    assert re.findall(r"\[([^\]]+)\]\(#([^)]+)\)", contents) == [(h, _anchor(h)) for h in _headings("##")]
    assert len(_headings("##")) > 10


def test_every_link_within_the_readme_has_its_heading():
    anchors = {_anchor(h) for level in ("#", "##", "###", "####") for h in _headings(level)}
    assert set(re.findall(r"\]\(#([^)]+)\)", README)) <= anchors
