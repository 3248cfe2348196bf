"""The package as shipped: the vocabulary in code equals the ontology, and a
wheel installed in a fresh environment builds the graph from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDFS

from conftest import ARTEFACTS, ROOT
from takedown_kg import resources
from takedown_kg.vocab import ONTOLOGY_IRI, TK


def test_closed_namespace_equals_the_ontology():
    ontology = Graph().parse(resources.ontology_file())
    declared = {str(s)[len(str(TK)):] for s in ontology.subjects(RDFS.isDefinedBy, ONTOLOGY_IRI)}
    assert declared == set(TK.__annotations__)


def test_wheel_installs_and_builds_outside_the_checkout(tmp_path):
    dist = ARTEFACTS / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    for old in dist.glob("*.whl"):
        old.unlink()
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(dist.glob("takedown_kg-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("takedown_kg/ontology/takedown.ttl", "takedown_kg/ontology/shapes.ttl",
                    "takedown_kg/data/sources/pni/article.ur.txt", "takedown_kg/data/sources/pni/facts.ttl",
                    "takedown_kg/data/sources/tribune/source.ttl", "takedown_kg/data/sources/wikidata/links.ttl",
                    "takedown_kg/data/sources/curation/subjects.ttl", "takedown_kg/sparql/queries/comparisons.rq",
                    "takedown_kg/sparql/queries/compliance.rq", "takedown_kg/views/templates/network.html",
                    "takedown_kg/views/templates/compare.html", "takedown_kg/views/templates/query.html",
                    "takedown_kg/serve/workers.py", "takedown_kg/push.py"):
        assert shipped in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)

    # A fresh venv that sees the dependencies this test runs with, so no download
    # is needed. `venv --system-site-packages` would not do: from inside a venv
    # it exposes the base interpreter's packages, not the venv's. Their folders
    # go into a .pth file instead (plain paths: the .pth files in them, such as
    # this checkout's editable install, are not read).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    outer = [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]
    (Path(purelib) / "outer-dependencies.pth").write_text("".join(f"{p}\n" for p in outer), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    located = subprocess.run([venv / "bin" / "python", "-c", "import takedown_kg; print(takedown_kg.__file__)"],
                             cwd=elsewhere, capture_output=True, text=True, check=True)
    assert located.stdout.startswith(str(venv))
    result = subprocess.run([venv / "bin" / "takedown-kg", "build"], cwd=elsewhere,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "facts       82, of them 26 (F1-F26) in the held text" in result.stdout
    store = json.loads((elsewhere / "out" / "build.json").read_text(encoding="utf-8"))["store"]
    assert sorted(p.name for p in (elsewhere / "out").iterdir()) == [
        "build.json", "graph.html", "graph.jsonld", "graph.nq", "graph.nt", "graph.rdf", "graph.trig", "graph.ttl", "store", store]
    assert store.startswith("store-")
    assert "ٹیلیگرام" in (elsewhere / "out" / "graph.html").read_text(encoding="utf-8")
    # serve from the installed package: its page comes from the wheel's template.
    served = subprocess.Popen([venv / "bin" / "takedown-kg", "serve", "--port", "0"], cwd=elsewhere,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        lines = [served.stdout.readline().decode("utf-8") for _ in range(2)]
        assert lines[0].endswith(" graphs) from out/store (the build of these inputs)\n"), lines
        import urllib.request

        with urllib.request.urlopen(lines[1].split()[-1], timeout=60) as response:
            assert "CQ4: What compliance does each platform show" in response.read().decode("utf-8")
    finally:
        served.terminate()
        served.wait(timeout=30)
        served.stdout.close()
