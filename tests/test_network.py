"""The node/edge view and its exports for network tools: GraphML, GEXF, stats."""

from __future__ import annotations

import json
import re
import string

import networkx as nx
import pytest

from conftest import run_cli
from takedown_kg.sparql import named_query
from takedown_kg.views.comparison import RELATIONS
from takedown_kg.views.network import SHAPES, network_view
from takedown_kg.views.stats import network_stats
from takedown_kg.views.words import NETWORK_WORDS

TKD = "https://w3id.org/takedown-kg/id/"


def page_data(page) -> dict:
    """The JSON the page draws from."""
    line = next(line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("const DATA = "))
    return json.loads(line[len("const DATA = "):-1])


@pytest.fixture(scope="module")
def view(graph):
    return network_view(graph)


def test_view_holds_actors_and_items_but_no_literals_or_terms(view):
    assert view.number_of_nodes() == 58  # 31 actors and posts, 26 facts, the article
    assert view.number_of_edges() == 73
    kinds = {data["kind"] for _, data in view.nodes(data=True)}
    assert kinds == {"actor", "post", "event", "claim", "observation", "demand", "plan", "article"}
    assert not [n for n in view if n.startswith("https://w3id.org/takedown-kg/ontology#")]
    assert not [n for n in view if "sentence-" in n or n.endswith("-rate") or n.endswith("-count")]


def test_literals_go_into_details_and_evidence(view):
    x = view.nodes[TKD + "pni/compliance-x"]
    assert {d["property"]: (d["value_en"], d["value_ur"]) for d in x["details"]} == {
        "dcterms:identifier": ("F18", "F18"),
        "tk:complianceRate": ("30%", "صرف 30 فیصد"),
        "tk:cooperationLevel": ("disappointing response", "مایوس کن ردعمل"),
    }
    assert [(e["sentence"], e["voice_en"], e["voice_ur"]) for e in x["evidence"]] == [("S10", "government data", "حکومتی ڈیٹا")]
    facebook = view.nodes[TKD + "pni/compliance-facebook"]
    assert [d["value_en"] for d in facebook["details"] if d["property"] == "tk:complianceRate"] == ["more than 90%"]


def test_parallel_edges_are_kept(view):
    # Shaza Fatima Khawaja organized and attended the online meeting: two edges.
    keys = sorted(view[TKD + "pni/online-meeting-with-telegram"][TKD + "shaza-fatima-khawaja"])
    assert keys == ["https://schema.org/attendee", "https://schema.org/organizer"]


def test_include_ontology_adds_terms(graph):
    with_terms = network_view(graph, include_ontology=True)
    assert "https://w3id.org/takedown-kg/ontology#SocialMediaPlatform" in with_terms
    assert with_terms.has_edge(TKD + "telegram", "https://w3id.org/takedown-kg/ontology#SocialMediaPlatform")


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_exports_read_back(view, tmp_path, fmt, reader):
    target = tmp_path / f"graph.{fmt}"
    result = run_cli("export", "--format", fmt, "-o", str(target), "--source", "pni")
    assert result.returncode == 0, result.stderr
    back = reader(target)
    assert set(back.nodes) == set(view.nodes)
    assert sorted((u, v) for u, v, _ in back.edges(keys=True)) == sorted((u, v) for u, v, _ in view.edges(keys=True))
    for node, data in view.nodes(data=True):
        got = back.nodes[node]
        for key in ("label_en", "label_ur", "cls", "class_en", "class_ur", "color", "kind", "fact_id"):
            assert got[key] == data[key], (node, key)
        # Lists and records are converted to JSON text, not dropped.
        assert json.loads(got["details"]) == data["details"]
        assert json.loads(got["evidence"]) == data["evidence"]
    edge_labels = sorted((d["label_en"], d["label_ur"]) for *_, d in back.edges(data=True))
    assert edge_labels == sorted((d["label_en"], d["label_ur"]) for *_, d in view.edges(data=True))


def test_gexf_carries_colour_for_gephi(tmp_path):
    target = tmp_path / "graph.gexf"
    assert run_cli("export", "--format", "gexf", "-o", str(target)).returncode == 0
    text = target.read_text(encoding="utf-8")
    assert '<viz:color r="' in text and "lastmodifieddate" not in text


def test_stats(view):
    stats = network_stats(view, top=3)
    assert (stats.nodes, stats.edges) == (58, 73)
    assert stats.by_class[:2] == [("tk:Collective", "collective", 8), ("tk:SocialMediaPlatform", "social media platform", 6)]
    assert [(label, degree) for label, _, degree, _ in stats.central] == [
        ("Pakistan", 11), ("Government of Pakistan", 6), ("Telegram", 4)]
    result = run_cli("stats", "--top", "3", "--source", "pni")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "58 nodes, 73 edges"
    assert lines[-3].split()[:2] == ["Pakistan", "11"]


def test_focus_draws_a_neighbourhood(tmp_path):
    target = tmp_path / "telegram.html"
    result = run_cli("graph", "--focus", "ٹیلیگرام", "--depth", "1", "-o", str(target), "--source", "pni")
    assert (result.returncode, result.stdout) == (0, f"wrote {target}\n")
    assert {n["id"][len(TKD):] for n in page_data(target)["nodes"]} == {
        "telegram", "pni/compliance-telegram", "pni/formal-request", "pni/telegram-ban-in-pakistan", "telegram-officials"}
    unknown = run_cli("graph", "--focus", "tkd:telegrm", "-o", str(target))
    assert (unknown.returncode, unknown.stderr) == (
        2, "Error: no node 'tkd:telegrm' in the graph; did you mean tkd:telegram, telegram, tkd:telegram-officials?\n")


def test_page_is_utf8_whatever_the_locale(tmp_path):
    target = tmp_path / "graph.html"
    result = run_cli("graph", "-o", str(target), env={"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    text = target.read_bytes().decode("utf-8")
    assert "ٹیلیگرام" in text and '<meta charset="utf-8">' in text


def test_page_has_no_remote_resources(tmp_path):
    target = tmp_path / "graph.html"
    assert run_cli("graph", "-o", str(target)).returncode == 0
    import re

    text = target.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', text)
    assert "default-src 'none'" in text


def test_a_large_corpus_is_drawn_as_an_overview_from_the_builds_store(tmp_path):
    """Past 30 sources the build's page draws the actors and the reports only; graph
    opens the build's store, and --source draws one report whole."""
    import shutil

    from conftest import ROOT

    corpus = tmp_path / "corpus"
    for index in range(31):
        shutil.copytree(ROOT / "data" / "sources" / "pni", corpus / f"pni{index:02d}")
    assert run_cli("build", "--data", str(corpus), cwd=tmp_path).returncode == 0
    page = tmp_path / "out" / "graph.html"
    drawn = page_data(page)
    kinds = {node["kind"] for node in drawn["nodes"]}
    assert len(drawn["nodes"]) == 31 + 31 and kinds == {"actor", "post", "article"}
    # The note says so in both languages.
    assert drawn["source_line"]["en"].endswith(
        " This is an overview of 31 sources: the actors and the reports, each actor with the first sentence that "
        "names it. Draw one report with takedown-kg graph --source SLUG, or everything around one actor with --focus NAME.")
    assert drawn["source_line"]["ur"].endswith(
        " یہ 31 ذرائع کا مجموعی جائزہ ہے: فریقین اور رپورٹیں، اور ہر فریق کے ساتھ وہ پہلا جملہ جس میں اس کا نام آیا ہے۔ "
        "ایک رپورٹ پوری دیکھنے کے لیے takedown-kg graph --source SLUG چلائیں، اور کسی ایک فریق کے گرد سب کچھ دیکھنے "
        "کے لیے --focus NAME۔")
    assert page.stat().st_size < 2_000_000
    # The store is what graph reads: a label written only there shows on the page.
    import pyoxigraph

    store_dir = tmp_path / "out" / json.loads((tmp_path / "out" / "build.json").read_text())["store"]
    store = pyoxigraph.Store(str(store_dir))
    telegram = pyoxigraph.NamedNode(TKD + "telegram")
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for quad in list(store.quads_for_pattern(telegram, label, pyoxigraph.Literal("Telegram", language="en"))):
        store.remove(quad)
    store.add(pyoxigraph.Quad(telegram, label, pyoxigraph.Literal("Telegram (from the store)", language="en"),
                              pyoxigraph.NamedNode(TKD + "pni00/graph")))
    del store
    assert run_cli("graph", "--data", str(corpus), "-o", "again.html", cwd=tmp_path).returncode == 0
    assert "Telegram (from the store)" in {n["label"] for n in page_data(tmp_path / "again.html")["nodes"]}
    assert run_cli("graph", "--data", str(corpus), "--source", "pni07", "-o", "one.html", cwd=tmp_path).returncode == 0
    assert len(page_data(tmp_path / "one.html")["nodes"]) == 58


# --- the page's own words in Urdu (views/words.py) ---

#: The Latin the Urdu words keep: the project's name, the English button's name, and commands to type.
LATIN_IN_URDU = {"takedown-kg", "English", "RDF", "graph", "--source", "SLUG", "--focus", "NAME"}


def test_every_page_word_is_in_both_languages_with_the_same_placeholders():
    fields = lambda text: sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)
    for key, (english, urdu) in NETWORK_WORDS.items():
        assert english and urdu and english != urdu, key
        assert fields(english) == fields(urdu), key
        latin = set(re.findall(r"[-\w]*[A-Za-z][-\w]*", re.sub(r"\{\w+\}", "", urdu)))
        assert latin <= LATIN_IN_URDU, (key, latin - LATIN_IN_URDU)
        if re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", english)):
            assert re.search(r"[\u0600-\u06ff]", urdu), key


def test_the_words_name_every_kind_shape_relation_and_reason_the_page_shows():
    wanted = {f"kind_{kind}" for kind in SHAPES} | {f"shape_{shape}" for shape in SHAPES.values()}
    wanted |= {f"relation_{relation}" for relation in RELATIONS.values()}
    reasons = re.search(r"BIND \(IF\(BOUND\(\?compatible\),\s*IF\(!\?sameTime, \"figures given.*?AS \?reason\)",
                        named_query("comparisons").text, re.DOTALL).group(0)
    wanted |= {f"reason_{reason}" for reason in re.findall(r'"([^"]+)"', reasons)}
    assert len(wanted) == 9 + 9 + 3 + 9
    assert wanted <= set(NETWORK_WORDS)


def test_a_page_opened_in_urdu_reads_right_to_left_with_urdu_lines(tmp_path):
    target = tmp_path / "graph.html"
    assert run_cli("graph", "--lang", "ur", "--source", "pni", "-o", str(target)).returncode == 0
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[1] == '<html lang="ur" dir="rtl">'
    assert ("<title>takedown-kg: پاکستان میں سوشل میڈیا سے مواد ہٹانے کی کارروائیوں کی خبروں میں کس نے کس کے ساتھ "
            "کیا کیا</title>") in text
    drawn = page_data(target)
    assert drawn["source_line"] == {
        "en": "Sources: 1 source; text held for PNI (16 sentences). Click any node to read the sentence that states it "
              "and whose word it is.",
        "ur": "ذرائع: 1 ذریعہ؛ \u2068پی این آئی\u2069 کا متن محفوظ ہے (16 جملے)۔ کسی بھی نوڈ پر کلک کر کے وہ "
              "جملہ پڑھیں جس میں اس کا ذکر ہے، اور دیکھیں کہ یہ کس کی بات ہے۔"}
    assert drawn["shape_legend"] == {
        "en": "Shapes: actor dot, post triangleDown, event diamond, claim triangle, observation square, demand star, "
              "plan hexagon, article box. Size grows with the number of links.",
        "ur": "شکلیں: فریق (دائرہ)، عہدہ (الٹی تکون)، واقعہ (معین)، دعویٰ (تکون)، مشاہدہ (مربع)، مطالبہ (ستارہ)، "
              "منصوبہ (مسدس)، خبر (مستطیل)۔ جتنے زیادہ روابط، اتنا بڑا نوڈ۔"}
    assert [(s["outlet"], s["outlet_ur"]) for s in drawn["sources"]] == [("PNI", "پی این آئی")]
    english = tmp_path / "english.html"
    assert run_cli("graph", "--source", "pni", "-o", str(english)).returncode == 0
    assert english.read_text(encoding="utf-8").splitlines()[1] == '<html lang="en" dir="ltr">'
