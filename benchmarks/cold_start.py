"""Cold wall time of takedown-kg commands against `python -c "import rdflib"`.

Each command runs in a fresh interpreter, several times, interleaved with the
baseline so that both see the same machine load; the median and its ratio to
the baseline's median are printed. Run from the repository root:

    python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = ("import rdflib", [sys.executable, "-c", "import rdflib"])


def commands(out: Path) -> list[tuple[str, list[str]]]:
    cli = [sys.executable, "-m", "takedown_kg"]
    return [
        ("query compliance (oxigraph, out/ fresh)", [*cli, "query", "compliance"]),
        ("query compliance (rdflib, out/ fresh)", [*cli, "query", "compliance", "--engine", "rdflib"]),
        ("query compliance (oxigraph, no out/)", [*cli, "query", "compliance", "--data-free"]),
        ("stats (the build's store)", [*cli, "stats"]),
        ("validate", [*cli, "validate"]),
        ("build", [*cli, "build", "--out", str(out)]),
    ]


def wall(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=7)
    runs = options.parse_args().runs
    with tempfile.TemporaryDirectory() as fresh, tempfile.TemporaryDirectory() as empty:
        fresh_dir, empty_dir = Path(fresh), Path(empty)
        subprocess.run([sys.executable, "-m", "takedown_kg", "build"], cwd=fresh_dir, check=True, stdout=subprocess.DEVNULL)
        timings: dict[str, list[float]] = {BASELINE[0]: []}
        plan = []
        for label, command in commands(fresh_dir / "build-out"):
            if "--data-free" in command:
                command = [c for c in command if c != "--data-free"]
                plan.append((label, command, empty_dir))
            else:
                plan.append((label, command, fresh_dir))
            timings[label] = []
        for _ in range(runs):
            timings[BASELINE[0]].append(wall(BASELINE[1], fresh_dir))
            for label, command, cwd in plan:
                timings[label].append(wall(command, cwd))
    base = statistics.median(timings[BASELINE[0]])
    print(f"{'command':<44} {'median s':>9} {'x import rdflib':>16}   ({runs} runs each)")
    for label, values in timings.items():
        median = statistics.median(values)
        print(f"{label:<44} {median:>9.3f} {median / base:>16.2f}")


if __name__ == "__main__":
    main()
