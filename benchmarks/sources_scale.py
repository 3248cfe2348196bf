"""Build and validate time and peak memory for a corpus of 1, 10 and 100 sources.

The corpus is synthetic: the article's source folder (data/sources/pni)
copied N times under new slugs, which the loader mints under new IRIs. Each
command runs in a fresh interpreter; CPU seconds (user + system) and peak
resident memory come from the child's rusage. Run from the repository root:

    python benchmarks/sources_scale.py [--sizes 1 10 100]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus(folder: Path, copies: int) -> Path:
    """`copies` copies of the article's source folder under folder/sources/."""
    target = folder / f"corpus-{copies}"
    for index in range(copies):
        shutil.copytree(ROOT / "data" / "sources" / "pni", target / f"pni{index:04d}")
    return target


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, peak MB) of one run of `command` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss / 1024  # ru_maxrss is the largest child so far, in KB


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    sizes = options.parse_args().sizes
    cli = [sys.executable, "-m", "takedown_kg"]
    print(f"{'sources':>8} {'triples':>8} {'build cpu s':>12} {'build peak MB':>14} {'validate cpu s':>15} {'validate peak MB':>17}")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for size in sorted(sizes):
            data = corpus(work, size)
            out = work / f"out-{size}"
            build = measure([*cli, "build", "--data", str(data), "--out", str(out)], work)
            validate = measure([*cli, "validate", "--data", str(data)], work)
            triples = sum(1 for _ in open(out / "graph.nt", encoding="utf-8"))
            rows.append((size, build[0]))
            print(f"{size:>8} {triples:>8} {build[0]:>12.1f} {build[1]:>14.0f} {validate[0]:>15.1f} {validate[1]:>17.0f}")
    print()
    for (small, small_cpu), (large, large_cpu) in zip(rows, rows[1:]):
        print(f"build CPU {large} / {small} sources: {large_cpu / small_cpu:.1f}x for {large / small:.0f}x the sources")


if __name__ == "__main__":
    main()
