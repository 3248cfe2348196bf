"""Cold wall time of takedown-kg commands against `python -c "import rdflib"`.

Each command runs in a fresh interpreter, several times, interleaved with the
baseline so that both see the same machine load; the median and its ratio to
the baseline's median are printed. Run from the repository root:

    python benchmarks/cold_start.py [--runs 7]

Two things keep the comparison fair on a shared machine:
- Bytecode: an installed package has its compiled bytecode (pip compiles it at
  install), as rdflib has. Under PYTHONDONTWRITEBYTECODE=1 (set on the machine
  these figures come from) the checkout's modules were compiled from source on
  every run (0.06 s, a third of a cold query's own time) while rdflib's were
  not; here the commands may write their bytecode, under a temporary
  PYTHONPYCACHEPREFIX (the checkout stays clean), and a first round, not
  counted, writes it.
- Other load: a round (the baseline and every command once) in which other
  processes used more than 5% of the round's CPU time (from /proc/stat, less
  what this script's children used) is measured again, up to four times
  the rounds asked for; how many were dropped is printed.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def wall(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def machine_busy() -> float:
    """CPU seconds every process of the machine has used since it started (Linux)."""
    with open("/proc/stat") as stat:
        ticks = [int(field) for field in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def children_busy() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=7)
    runs = options.parse_args().runs
    with tempfile.TemporaryDirectory() as fresh, tempfile.TemporaryDirectory() as empty, \
            tempfile.TemporaryDirectory() as bytecode:
        fresh_dir, empty_dir = Path(fresh), Path(empty)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = bytecode
        subprocess.run([sys.executable, "-m", "takedown_kg", "build"], cwd=fresh_dir, check=True, stdout=subprocess.DEVNULL,
                       env=env)
        timings: dict[str, list[float]] = {BASELINE[0]: []}
        plan = []
        for label, command in commands(fresh_dir / "build-out"):
            if "--data-free" in command:
                command = [c for c in command if c != "--data-free"]
                plan.append((label, command, empty_dir))
            else:
                plan.append((label, command, fresh_dir))
            timings[label] = []
        for _, command, cwd in plan:  # writes the bytecode; not counted
            wall(command, cwd, env)
        dropped = 0
        while len(timings[BASELINE[0]]) < runs:
            machine, mine = machine_busy(), children_busy()
            measured = [wall(BASELINE[1], fresh_dir, env), *(wall(command, cwd, env) for _, command, cwd in plan)]
            others = (machine_busy() - machine) - (children_busy() - mine)
            if others > 0.05 * sum(measured) and dropped < 4 * runs:
                dropped += 1
                continue
            for label, seconds in zip(timings, measured):
                timings[label].append(seconds)
    base = statistics.median(timings[BASELINE[0]])
    print(f"{'command':<44} {'median s':>9} {'x import rdflib':>16}   ({runs} runs each, {dropped} rounds dropped "
          "for other load)")
    for label, values in timings.items():
        median = statistics.median(values)
        print(f"{label:<44} {median:>9.3f} {median / base:>16.2f}")


if __name__ == "__main__":
    main()
