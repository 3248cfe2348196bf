"""What the query check and the sandbox cost.

Prints, in one run: the check's time on queries of growing size (an
adversarial run of `a.a.a...`, the input that made the old check quadratic,
and a long ordinary query), with the ratio per doubling (2.0 means linear);
and the wall time of one isolated query with every sandbox layer against the
same query with none, on both engines. Run from the repository root:

    python benchmarks/query_safety.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from takedown_kg.errors import QueryError
from takedown_kg.sparql.isolation import run_isolated
from takedown_kg.sparql.safety import check
from takedown_kg.sparql.sandbox import Sandbox


def timed(function, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def check_time(text: str, runs: int) -> float:
    def run():
        try:
            check(text)
        except QueryError:
            pass
    return timed(run, runs)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=5)
    runs = options.parse_args().runs
    print(f"{'query':<34} {'chars':>8} {'check s':>9} {'x previous size':>16}")
    for label, unit in (("adversarial a.a.a...", "a."), ("ordinary triple patterns", "?s <http://x/p> \"v\" . ")):
        previous = None
        for size in (16_000, 32_000, 64_000, 128_000):
            text = "SELECT * WHERE { " + unit * (size // len(unit)) + "}"
            seconds = check_time(text, runs)
            ratio = f"{seconds / previous:.2f}" if previous else ""
            print(f"{label:<34} {len(text):>8} {seconds:>9.4f} {ratio:>16}")
            previous = seconds
    print()
    print(f"{'isolated query (empty store)':<34} {'engine':>8} {'none s':>9} {'all layers s':>13} {'ratio':>6}")
    for engine in ("oxigraph", "rdflib"):
        def work(engine=engine):
            if engine == "oxigraph":
                import pyoxigraph
                return len(list(pyoxigraph.Store().query("SELECT * WHERE { ?s ?p ?o }")))
            import rdflib
            return len(list(rdflib.Graph().query("SELECT * WHERE { ?s ?p ?o }")))
        bare = timed(lambda: run_isolated(work, seconds=60, sandbox=Sandbox(False, False, False)), runs)
        full = timed(lambda: run_isolated(work, seconds=60, sandbox=Sandbox()), runs)
        print(f"{'':<34} {engine:>8} {bare:>9.4f} {full:>13.4f} {full / bare:>6.2f}")


if __name__ == "__main__":
    main()
