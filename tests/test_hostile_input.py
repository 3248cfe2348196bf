"""Hostile or broken input on the command line: one line, a documented exit code,
no request to the network, no file read but the ones named, outputs whole."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from loopback import recording_server

COMMANDS_WITH_DATA = [
    ("validate", "{f}"),
    ("build", "--data", "{f}", "--out", "{out}"),
    ("graph", "--data", "{f}", "-o", "{out}/g.html"),
    ("stats", "--data", "{f}"),
    ("query", "publisher", "--engine", "rdflib", "--data", "{f}"),
    ("query", "publisher", "--engine", "oxigraph", "--data", "{f}"),
]


def _args(template: tuple, f: Path, out: Path) -> list[str]:
    return [a.replace("{f}", str(f)).replace("{out}", str(out)) for a in template]


@pytest.mark.parametrize("command", COMMANDS_WITH_DATA, ids=lambda c: " ".join(c[:2]))
def test_jsonld_context_by_address_is_never_fetched(tmp_path, command):
    with recording_server() as (base, requests):
        data = tmp_path / "remote.jsonld"
        data.write_text('{"@context": "%s/context.jsonld", "@id": "http://x/s", "name": "x"}' % base, encoding="utf-8")
        result = run_cli(*_args(command, data, tmp_path / "out"), cwd=tmp_path)
        assert requests == []
    assert (result.returncode, result.stderr) == (
        2, "Error: remote.jsonld: a JSON-LD @context given by address is never fetched; write the context inline in the file\n")


def test_jsonld_context_from_disk_or_import_is_never_read(tmp_path):
    secret = tmp_path / "context.jsonld"
    secret.write_text('{"@context": {"name": "http://x/name"}}', encoding="utf-8")
    for document in ('{"@context": "%s", "name": "x"}' % secret.as_uri(),
                     '{"@context": [{"@import": "context.jsonld"}], "name": "x"}',
                     '{"@graph": [{"@context": "context.jsonld", "name": "x"}]}'):
        (tmp_path / "local.jsonld").write_text(document, encoding="utf-8")
        result = run_cli("validate", "local.jsonld", cwd=tmp_path)
        assert result.returncode == 2 and "given by address is never fetched" in result.stderr


ENTITY_BOMB = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">
 <rdf:Description rdf:about="http://x/s"><x:p>&h;</x:p></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize("command", COMMANDS_WITH_DATA, ids=lambda c: " ".join(c[:2]))
def test_xml_entity_bomb_is_refused_before_parsing(tmp_path, command):
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(ENTITY_BOMB, encoding="utf-8")
    result = run_cli(*_args(command, bomb, tmp_path / "out"), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2, "Error: bomb.rdf: the XML entity b refers to another entity; nested entities are refused "
           "(they can expand without bound); expand them in the file\n")


BYPASSES = {
    # A fake end of the internal subset after the root element.
    "fake-subset-end": ENTITY_BOMB.replace("</rdf:RDF>", "</rdf:RDF>\n<!-- ]> -->"),
    # Nesting through a character reference for '&'.
    "character-reference": ENTITY_BOMB.replace("&a;", "&#38;a;").replace("&b;", "&#38;b;"),
}


@pytest.mark.parametrize("case", list(BYPASSES))
def test_entity_bomb_variants_are_refused_too(tmp_path, case):
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(BYPASSES[case], encoding="utf-8")
    result = run_cli("validate", "bomb.rdf", cwd=tmp_path)
    assert result.returncode == 2 and "nested entities are refused" in result.stderr


def test_a_flat_entity_repeated_past_the_limit_is_refused(tmp_path):
    value = "x" * 10_000
    body = "&big;" * 2_000
    (tmp_path / "wide.rdf").write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY big "{value}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">
 <rdf:Description rdf:about="http://x/s"><x:p>{body}</x:p></rdf:Description>
</rdf:RDF>
""", encoding="utf-8")
    result = run_cli("validate", "wide.rdf", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2, "Error: wide.rdf: its XML entities would expand to 20,010,169 characters (limit 16,777,216); refused as an entity bomb\n")


def test_entities_for_namespaces_still_parse(tmp_path):
    data = tmp_path / "entities.rdf"
    data.write_text("""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY x "http://x/"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">
 <rdf:Description rdf:about="&x;s"><x:p rdf:resource="&x;o"/></rdf:Description>
</rdf:RDF>
""", encoding="utf-8")
    result = run_cli("query", "-e", "SELECT ?o WHERE { <http://x/s> ?p ?o }", "--data", str(data), "--format", "csv")
    assert (result.returncode, result.stdout) == (0, "o\r\nhttp://x/o\r\n")


def _special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    loop = tmp_path / "loop.ttl"
    loop.symlink_to(loop)
    zero = tmp_path / "zero.ttl"
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo.ttl"
    os.mkfifo(fifo)
    return {"symlink loop": (loop, "cannot read (Too many levels of symbolic links)"),
            "device": (zero, "not a regular file"), "fifo": (fifo, "not a regular file")}


def test_special_files_are_refused_unread(tmp_path):
    for name, (path, reason) in _special_files(tmp_path).items():
        data = run_cli("query", "publisher", "--data", path.name, cwd=tmp_path)
        assert (data.returncode, data.stderr) == (
            2, f"Error: {path.name}: {reason}; --data takes a source folder, a corpus folder or RDF files "
               "(.ttl, .nt, .nq, .trig, .jsonld, .rdf)\n"), name
        checked = run_cli("validate", path.name, cwd=tmp_path)
        assert (checked.returncode, checked.stderr) == (2, f"Error: {path.name}: {reason}; check the path\n"), name


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "0", "-1"])
def test_timeout_must_be_a_sane_number(value):
    result = run_cli("query", "publisher", "--timeout", value)
    shown = {"1e300": "1e+300", "0": "0.0", "-1": "-1.0"}.get(value, value)
    assert (result.returncode, result.stderr) == (
        2, f"Error: --timeout {shown}: give a number of seconds above 0 and at most 86400\n")


def test_memory_limit_on_the_command_line():
    text = "SELECT ?x WHERE { ?a ?b ?c . ?d ?e ?f . BIND(CONCAT(STR(?c), STR(?f), STR(?a)) AS ?x) } ORDER BY ?x LIMIT 1"
    result = run_cli("query", "-e", text, "--memory", "64")
    assert (result.returncode, result.stdout, result.stderr) == (
        5, "", "Error: the query ran out of its memory limit of 64 MB and was stopped; raise --memory or narrow the query\n")


def test_output_must_be_a_regular_file_or_a_new_path(tmp_path):
    folder = run_cli("query", "publisher", "-o", str(tmp_path))
    assert (folder.returncode, folder.stderr) == (
        2, f"Error: {tmp_path}: a directory; give the path of a file to write (or - for standard output)\n")
    device = run_cli("query", "publisher", "-o", "/dev/null")
    assert (device.returncode, device.stderr) == (
        2, "Error: /dev/null: not a regular file; give the path of a file to write (or - for standard output)\n")
    assert Path("/dev/null").is_char_device()
    dash = run_cli("query", "publisher", "--format", "csv", "-o", "-")
    assert dash.returncode == 0 and dash.stdout.startswith("publisher,")


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir" for p in sorted(folder.iterdir())}


def test_build_replaces_the_whole_set_or_nothing(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out)).returncode == 0
    (out / "graph.html").unlink()
    (out / "graph.html").mkdir()
    before = _fingerprint(out)
    result = run_cli("build", "--out", str(out), "--base", "https://example.org/other/")
    assert (result.returncode, result.stderr) == (
        2, f"Error: {out / 'graph.html'}: a directory; give the path of a file to write (or - for standard output)\n")
    assert _fingerprint(out) == before


def _full_disk():
    # A file size limit makes writes fail with EFBIG, as a full disk fails them with ENOSPC.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_write_that_fails_midway_leaves_the_outputs_and_no_temporary_file(tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out)).returncode == 0
    before = _fingerprint(out)
    command = [sys.executable, "-m", "takedown_kg", "build", "--out", str(out), "--base", "https://example.org/x/"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, preexec_fn=_full_disk, timeout=300)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "cannot write (File too large); the previous file is unchanged" in result.stderr
    assert _fingerprint(out) == before


def test_rdflib_warnings_do_not_reach_the_user():
    text = "PREFIX x: <http://x/> SELECT * WHERE { VALUES ?o { x:a\\' } }"
    result = run_cli("query", "--engine", "rdflib", "-e", text, "--format", "csv")
    assert (result.returncode, result.stderr) == (0, "")


def test_page_allows_only_its_own_scripts(tmp_path):
    import base64
    import re

    page = tmp_path / "g.html"
    assert run_cli("graph", "-o", str(page)).returncode == 0
    html = page.read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    expected = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts)
    assert f"script-src {expected};" in policy and "unsafe-inline" not in policy.split("style-src")[0]


def test_a_huge_query_file_is_refused_unread(tmp_path):
    big = tmp_path / "big.rq"
    with open(big, "wb") as stream:
        stream.truncate(5_000_000)  # sparse: no disk used
    result = run_cli("query", str(big))
    assert (result.returncode, result.stderr) == (
        2, f"Error: {big}: 5,000,000 bytes, more than the 4,000,000 a query may have\n")


#: Text no RDF term can hold, which rdflib's parser reads without a word: each sample's one line.
UNREADABLE_TERMS = {
    "lone-surrogate-literal": "syntax error: the escape sequence '\\uD800' is encoding D800 that is not a valid unicode character",
    "lone-surrogate-iri": "syntax error: the escape sequence '\\uD800' is encoding D800 that is not a valid unicode character",
    "iri-with-space": "syntax error: invalid IRI code point ' '",
}
COMMANDS_THAT_READ = [
    ("validate", "{f}"),
    ("build", "--data", "{f}", "--out", "{out}"),
    ("export", "--data", "{f}", "--format", "ntriples"),
    ("graph", "--data", "{f}", "-o", "{out}/g.html"),
]


@pytest.mark.parametrize("sample", list(UNREADABLE_TERMS))
@pytest.mark.parametrize("command", COMMANDS_THAT_READ, ids=lambda c: c[0])
def test_a_term_no_rdf_term_can_be_is_one_line_naming_file_and_line(tmp_path, command, sample):
    data = ROOT / "tests" / "fixtures" / "bad-input" / f"{sample}.ttl"
    result = run_cli(*_args(command, data, tmp_path / "out"))
    assert (result.returncode, result.stderr, result.stdout) == (
        2, f"Error: tests/fixtures/bad-input/{sample}.ttl:5: {UNREADABLE_TERMS[sample]}; fix the statement on that line\n", "")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, text, line", [
    ("lone.jsonld", '{"@id": "http://example.org/a",\n "http://example.org/p": "\\ud800"}\n',
     "Error: lone.jsonld: the literal «\\ud800» cannot be an RDF term: a lone surrogate (an escape of half a UTF-16 "
     "pair), which is no Unicode character; fix the file\n"),
    ("space.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:x="http://x/">\n <rdf:Description rdf:about="http://x/a b"><x:p>y</x:p></rdf:Description>\n</rdf:RDF>\n',
     "Error: space.rdf:3: the IRI <http://x/a b> cannot be an RDF term: invalid IRI code point ' '; fix the file\n"),
])
def test_formats_only_rdflib_reads_refuse_such_terms_too(tmp_path, name, text, line):
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("validate", name, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, line)
