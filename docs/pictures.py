"""The README's pictures, made by the project's own commands, and what each one shows.

Each picture is a screenshot of a page the project writes. pictures.json (beside
this file) records, for each, the command that made it and the SHA-256 of the
page it photographed; tests/test_readme.py makes the same pages again (no
browser needed) and fails when one differs, naming the picture to make anew.

    python docs/pictures.py            # every picture (needs Chromium)
    python docs/pictures.py graph.png  # one

Run it from the repository root with the package installed (bash setup.sh).
The 1,000-source overview is drawn from a synthetic corpus, the article's source
folder copied 1,000 times (pni0000 ... pni0999); making it takes about a minute.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
MANIFEST = DOCS / "pictures.json"
#: Each picture: the command that makes it (run in an empty folder) and the corpus it needs.
PICTURES = {
    "graph.png": {"command": ["graph", "--screenshot", "PICTURE", "--search", "Telegram"], "copies": 0},
    "graph-ur.png": {"command": ["graph", "--lang", "ur", "--screenshot", "PICTURE", "--search", "ٹیلیگرام"], "copies": 0},
    "overview-1000.png": {"command": ["graph", "--data", "corpus-1000", "--screenshot", "PICTURE", "--search", "Telegram"],
                          "copies": 1000},
    "query.png": {"command": ["serve", "--screenshot", "PICTURE"], "copies": 0},
}


def cli() -> list[str]:
    """The takedown-kg installed beside this Python (not the first on PATH)."""
    return [str(Path(sys.executable).with_name("takedown-kg"))]


def synthetic_corpus(folder: Path, copies: int) -> Path:
    """The article's source folder copied `copies` times under new names: corpus-<copies>/pni0000, ..."""
    target = folder / f"corpus-{copies}"
    for index in range(copies):
        shutil.copytree(ROOT / "data" / "sources" / "pni", target / f"pni{index:04d}")
    return target


def page_digest(name: str, folder: Path) -> str:
    """The SHA-256 of the page `name` photographs, made in `folder` as its command makes it."""
    picture = PICTURES[name]
    if picture["copies"] and not (folder / f"corpus-{picture['copies']}").is_dir():
        synthetic_corpus(folder, picture["copies"])
    if picture["command"][0] == "graph":
        # The same command without the screenshot writes the same page.
        command = [part for part in picture["command"] if part not in ("--screenshot", "PICTURE")]
        command = command[:command.index("--search")] if "--search" in command else command
        subprocess.run([*cli(), *command, "-o", "page.html"], cwd=folder, check=True, capture_output=True)
        return hashlib.sha256((folder / "page.html").read_bytes()).hexdigest()
    # serve's picture: its query page with the compliance query answered (query writes serve's bytes).
    page = subprocess.run([sys.executable, "-c", _QUERY_PAGE], cwd=folder, check=True, capture_output=True).stdout
    answer = subprocess.run([*cli(), "query", "compliance", "--format", "json"], cwd=folder, check=True,
                            capture_output=True).stdout
    return hashlib.sha256(page + b"\0" + answer).hexdigest()


_QUERY_PAGE = """
import sys
from takedown_kg.serve import open_dataset
from takedown_kg.serve.page import query_page
from takedown_kg.sparql import named_queries
sys.stdout.buffer.write(query_page(open_dataset(), named_queries()).encode("utf-8"))
"""


def make(names: list[str]) -> None:
    recorded = json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.exists() else {}
    for name in names:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            digest = page_digest(name, folder)
            command = [str(DOCS / name) if part == "PICTURE" else part for part in PICTURES[name]["command"]]
            subprocess.run([*cli(), *command], cwd=folder, check=True)
        recorded[name] = {"command": "takedown-kg " + " ".join(f"docs/{name}" if p == "PICTURE" else p
                                                            for p in PICTURES[name]["command"]),
                          "page_sha256": digest}
        MANIFEST.write_text(json.dumps(recorded, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"made docs/{name}")


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(PICTURES)
    unknown = [name for name in wanted if name not in PICTURES]
    if unknown:
        sys.exit(f"Error: no picture {unknown[0]!r}; the pictures are: {', '.join(PICTURES)}")
    make(wanted)
