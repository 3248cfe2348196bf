"""Requests per second and latency of a named query: `takedown-kg serve` beside the Oxigraph server.

Both servers hold the same data (the Oxigraph server gets it by `takedown-kg
push`, and answers with its default graph as the union, as serve does) and get
the same request: GET ?query= with the named query and its PREFIX lines,
Accept: application/sparql-results+json, over a kept-alive connection per
client. Each client is a process of its own, so the load generator is not
held back by one interpreter's lock; both servers share the same two cores
with it. Run from the repository root:

    python benchmarks/serve_load.py [--seconds 30] [--clients 1 8] [--sizes 9 100] [--query NAME]

Size 9 is the shipped corpus (nine sources); any other size N is the
article's source copied N times (as benchmarks/sources_scale.py does). The
query is `compliance` on the shipped corpus and `summary` on the copies: the
copies state the same facts about the same actors (tkd:facebook ...), so a
query that joins facts through an actor, as compliance does, meets every copy
of every fact and runs for minutes (past serve's limits).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli() -> list[str]:
    return [sys.executable, "-m", "takedown_kg"]


def start_serve(data: Path | None, workers: int, cwd: Path) -> tuple[subprocess.Popen, str]:
    arguments = [*cli(), "serve", "--port", "0", "--workers", str(workers), *(["--data", str(data)] if data else [])]
    process = subprocess.Popen(arguments, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    while True:
        line = process.stdout.readline().decode()
        if not line:
            raise SystemExit("serve did not start")
        if line.startswith("  endpoint"):
            return process, line.split()[-1]


def start_oxigraph(location: Path | None) -> tuple[subprocess.Popen, str]:
    """The Oxigraph server, in memory (as serve holds its data) or on disk at `location`."""
    binary = Path(sys.executable).parent / "oxigraph"
    binary = str(binary) if binary.is_file() else shutil.which("oxigraph")
    if binary is None:
        raise SystemExit("the Oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    stored = ["--location", str(location)] if location else []
    process = subprocess.Popen([binary, "serve", *stored, "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=1).read()
            return process, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the Oxigraph server did not start")


def client(url: str, query: str, seconds: float, results) -> None:
    parts = urlsplit(url)
    path = f"{parts.path}?{urlencode({'query': query})}"
    headers = {"Accept": "application/sparql-results+json"}
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        if ok:
            latencies.append(time.perf_counter() - started)
        else:
            errors += 1
    results.put((latencies, errors))


def load(url: str, query: str, clients: int, seconds: float) -> dict:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=client, args=(url, query, seconds, results)) for _ in range(clients)]
    for process in processes:
        process.start()
    latencies, errors = [], 0
    for _ in processes:
        found, failed = results.get()
        latencies += found
        errors += failed
    for process in processes:
        process.join()
    latencies.sort()
    pick = lambda share: latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000  # noqa: E731
    return {"rps": len(latencies) / seconds, "p50": pick(0.50), "p99": pick(0.99), "errors": errors}


def rows(url: str, query: str) -> int:
    request = urllib.request.Request(f"{url}?{urlencode({'query': query})}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(json.loads(response.read())["results"]["bindings"])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--seconds", type=float, default=30.0)
    options.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    options.add_argument("--sizes", type=int, nargs="+", default=[9, 100])
    options.add_argument("--query", help="a named query (default: compliance on the shipped corpus, summary on copies)")
    options.add_argument("--workers", type=int, default=2, help="serve's query processes (default: 2)")
    options.add_argument("--oxigraph-on-disk", action="store_true",
                         help="the Oxigraph server on its on-disk store (RocksDB) instead of in memory, as serve is")
    arguments = options.parse_args()
    from sources_scale import corpus

    from takedown_kg.sparql.library import named_query

    where = "on disk" if arguments.oxigraph_on_disk else "in memory"
    print(f"{arguments.seconds:g} s per run, serve --workers {arguments.workers}, the Oxigraph server {where}, "
          f"{os.cpu_count()} cores")
    print(f"{'sources':>7} {'query':<10} {'clients':>7}  {'server':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  {'p50 x oxigraph':>14}")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for size in arguments.sizes:
            data = None if size == 9 else corpus(work, size)
            query_name = arguments.query or ("compliance" if size == 9 else "summary")
            query = named_query(query_name).text  # as shipped, its PREFIX lines included
            folder = work / f"run-{size}"
            folder.mkdir()
            serve, serve_url = start_serve(data, arguments.workers, folder)
            oxigraph, oxigraph_url = start_oxigraph(folder / "oxigraph" if arguments.oxigraph_on_disk else None)
            try:
                subprocess.run([*cli(), "push", f"{oxigraph_url}/store", *(["--data", str(data)] if data else [])],
                               cwd=folder, check=True, stdout=subprocess.DEVNULL)
                answered = rows(serve_url, query), rows(f"{oxigraph_url}/query", query)
                assert answered[0] == answered[1], f"the servers disagree: {answered}"
                for clients in arguments.clients:
                    measured = {name: load(url, query, clients, arguments.seconds) for name, url in
                                (("oxigraph", f"{oxigraph_url}/query"), ("serve", serve_url))}
                    for name in ("oxigraph", "serve"):
                        m = measured[name]
                        ratio = f"{m['p50'] / measured['oxigraph']['p50']:.2f}" if name == "serve" else ""
                        print(f"{size:>7} {query_name:<10} {clients:>7}  {name:<9} {m['rps']:>8.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} "
                              f"{m['errors']:>6}  {ratio:>14}", flush=True)
            finally:
                for process in (serve, oxigraph):
                    process.send_signal(signal.SIGINT)
                    process.wait(timeout=30)


if __name__ == "__main__":
    main()
