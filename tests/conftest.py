"""Shared fixtures: the built project graph and helpers to query it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from takedown_kg.corpus.dataset import load_project
from takedown_kg.sparql.library import prefix_block

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Test artefacts (screenshots, wheels) go under the ignored output folder.
ARTEFACTS = ROOT / "out" / "test-artefacts"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, reason: str) -> None:
    """Skip when a part is missing locally; under CI=true a missing part fails."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: missing parts fail, they are not skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def project():
    """The article's source alone: the graph the fact inventory and the CQs speak of."""
    return load_project(source="pni")


@pytest.fixture(scope="session")
def corpus():
    """Every shipped source."""
    return load_project()


@pytest.fixture(scope="session")
def graph(project):
    return project.graph


def select(graph, query: str, **bindings) -> list[tuple]:
    """Rows of a SELECT as tuples of Python values (None for unbound)."""
    result = graph.query(prefix_block() + query, initBindings=bindings or None)
    return [tuple(None if v is None else v.toPython() for v in row) for row in result]


def ask(graph, query: str, **bindings) -> bool:
    return bool(graph.query(prefix_block() + query, initBindings=bindings or None).askAnswer)


def cli_command() -> list[str]:
    """The command installed beside this Python (the virtual environment under test), not the
    first one on PATH: a machine may hold another installation of the project."""
    beside = Path(sys.executable).parent / "takedown-kg"
    return [str(beside)] if beside.is_file() else [sys.executable, "-m", "takedown_kg"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a test module (Playwright), shared by the page tests."""
    from takedown_kg.views.screenshot import CHROMIUM_ARGS, chromium_path

    need(chromium_path() is not None, "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def nonconforming(tmp_path) -> tuple[Path, str]:
    """A copy of the article's source with one fact's identifier broken, and the warning
    `query` gives on it (what serve and push must say on the same data)."""
    import shutil

    broken = tmp_path / "pni"
    shutil.copytree(ROOT / "data" / "sources" / "pni", broken)
    facts = broken / "facts.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace('"F18"', '"18"'), encoding="utf-8")
    warning = run_cli("query", "-e", "ASK { ?s ?p ?o }", "--data", str(broken), cwd=tmp_path).stderr
    assert warning.startswith("Warning: the data does not conform (1 violation; first: ") and warning.count("\n") == 1
    return broken, warning


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed command in a fresh process, as a user would.

    Output is decoded as UTF-8 with line ends kept as written (CSV uses CRLF).
    """
    result = subprocess.run(
        [*cli_command(), *args],
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        timeout=300,
    )
    result.stdout = result.stdout.decode("utf-8")
    result.stderr = result.stderr.decode("utf-8")
    return result


def in_a_terminal(*args: str, columns: int, cwd: Path | None = None) -> str:
    """What the command prints to a terminal COLUMNS wide: a pseudo-terminal as its stdout, as a user sees it."""
    import pty

    main, sub = pty.openpty()
    out = b""
    with os.fdopen(main, "rb", buffering=0) as screen:
        try:
            running = subprocess.Popen([*cli_command(), *args], stdout=sub, stderr=subprocess.PIPE, cwd=cwd or ROOT,
                                       env={**os.environ, "COLUMNS": str(columns)})
        finally:
            os.close(sub)
        with running:
            while True:  # read as it writes: a terminal holds only a few KB unread
                try:
                    chunk = screen.read(1 << 16)
                except OSError:  # EIO: the terminal's other end is closed and all it wrote was read
                    break
                if not chunk:
                    break
                out += chunk
            stderr = running.stderr.read()
        assert running.returncode == 0, stderr
    return out.decode("utf-8").replace("\r\n", "\n")  # the terminal's own line ends


def plain(graph):
    """A copy where "x"^^xsd:string is written "x": the same literal in RDF 1.1,
    which Oxigraph writes one way and rdflib's equality tells apart."""
    from rdflib import Graph, Literal
    from rdflib.namespace import XSD

    copy = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        copy.add((s, p, o))
    return copy
