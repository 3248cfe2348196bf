"""Time to a stable page for synthetic graphs shaped like the article's.

For each size, a graph is generated with the article's proportions (about half
actors, half reported items linking them, a sentence of evidence on each),
turned into the page, opened in headless Chromium, and timed until the layout
has stabilised and physics is switched off (the page sets data-ready). The
article's own page (57 nodes) is measured in the same run as the baseline.

    python benchmarks/graph_page.py [--sizes 500 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SDO

from takedown_kg import resources
from takedown_kg.views.draw import render_html
from takedown_kg.corpus.dataset import load_project
from takedown_kg.views.network import network_view
from takedown_kg.views.screenshot import CHROMIUM_ARGS, chromium_path
from takedown_kg.vocab import OA, PROV, TK, TKD

ACTOR_CLASSES = [TK.SocialMediaPlatform, TK.Collective, SDO.GovernmentOrganization, SDO.Person, TK.BannedOrganization]
ITEM_CLASSES = [(TK.ComplianceObservation, TK.platform), (TK.Meeting, SDO.attendee), (TK.FormalRequest, SDO.recipient),
                (TK.Appeal, SDO.agent), (TK.Demand, SDO.about), (TK.ReportedClaim, SDO.about)]


def synthetic(size: int, seed: int = 7) -> Graph:
    """A graph of `size` nodes with the article's mix of actors and items."""
    rng = random.Random(seed)
    graph = Graph().parse(resources.ontology_file())
    article = load_project().graph
    sentences = sorted(article.subjects(RDF.type, TK.Sentence))
    for sentence in sentences:  # the real sentences serve as evidence
        for triple in article.triples((sentence, None, None)):
            graph.add(triple)
        span = article.value(sentence, OA.hasSelector)
        for triple in article.triples((span, None, None)):
            graph.add(triple)
    actors = []
    for i in range(int(size * 0.45)):
        node = TKD[f"actor-{i}"]
        graph.add((node, RDF.type, rng.choice(ACTOR_CLASSES)))
        graph.add((node, RDFS.label, Literal(f"Actor {i}", lang="en")))
        graph.add((node, RDFS.label, Literal(f"فریق {i}", lang="ur")))
        graph.add((node, TK.mentionedIn, rng.choice(sentences)))
        actors.append(node)
    for i in range(size - len(actors)):
        node = TKD[f"item-{i}"]
        cls, link = rng.choice(ITEM_CLASSES)
        graph.add((node, RDF.type, cls))
        graph.add((node, RDFS.label, Literal(f"Reported item {i}", lang="en")))
        graph.add((node, RDFS.label, Literal(f"امر {i}", lang="ur")))
        graph.add((node, TK.statedIn, rng.choice(sentences)))
        graph.add((node, PROV.wasAttributedTo, TK.voiceArticle))
        for actor in rng.sample(actors, k=min(len(actors), rng.choice([1, 1, 2, 2, 3, 6]))):
            graph.add((node, link, actor))
    return graph


def time_page(browser, page: Path) -> float:
    tab = browser.new_page(viewport={"width": 1500, "height": 900})
    try:
        start = time.perf_counter()
        tab.goto(page.resolve().as_uri())
        tab.wait_for_selector('body[data-ready="true"]', state="attached", timeout=600_000)
        return time.perf_counter() - start
    finally:
        tab.close()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    options.add_argument("--runs", type=int, default=3)
    args = options.parse_args()
    if chromium_path() is None:
        sys.exit("needs Chromium: apt-get install chromium fonts-noto-core")
    from playwright.sync_api import sync_playwright

    cases = [("article", load_project().graph)] + [(f"synthetic {n}", synthetic(n)) for n in args.sizes]
    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for name, graph in cases:
            started = time.perf_counter()
            view = network_view(graph)
            html = render_html(view, graph)
            python_seconds = time.perf_counter() - started
            page = Path(folder) / f"{name.replace(' ', '-')}.html"
            page.write_text(html, encoding="utf-8")
            seconds = statistics.median(time_page(browser, page) for _ in range(args.runs))
            rows.append((name, view.number_of_nodes(), view.number_of_edges(), python_seconds, len(html) / 1e6, seconds))
        browser.close()
    base = rows[0][5]
    print(f"{'graph':<16} {'nodes':>6} {'edges':>6} {'python s':>9} {'page MB':>8} {'stable s':>9} {'x article':>10}   (median of {args.runs})")
    for name, nodes, edges, python_seconds, megabytes, seconds in rows:
        print(f"{name:<16} {nodes:>6} {edges:>6} {python_seconds:>9.2f} {megabytes:>8.2f} {seconds:>9.2f} {seconds / base:>10.1f}")


if __name__ == "__main__":
    main()
