"""Corroboration and disagreement between sources: the comparison rules on
hand-made edge cases, the named queries on the shipped corpus (both engines
and Jena ARQ), and the compare command."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import takedown_kg
from conftest import FIXTURES, ROOT, need, run_cli
from takedown_kg.views.comparison import compare, table
from takedown_kg.sparql.library import named_queries

ENGINES = ["oxigraph", "rdflib"]
ID = "https://w3id.org/takedown-kg/id/"
EDGES = FIXTURES / "comparison" / "edges.ttl"
JENA = ROOT / "tests" / "tools" / "jena.sh"

# What the rules must say of each hand-made pair (fact of report A against the
# fact of report B): the class and the reason.
EDGE_CASES = {
    "touching-exclusive": ("disagreeing", "the figures cannot both hold"),      # 90 against more than 90
    "touching-inclusive": ("corroborating", "the figures are compatible"),      # 90 against at least 90
    "exclusive-bounds-overlap": ("corroborating", "the figures are compatible"),  # more than 90 / more than 95
    "exact-within-bound": ("corroborating", "the figures are compatible"),      # 533 against over 500
    "exact-below-bound": ("disagreeing", "the figures cannot both hold"),       # 400 against over 500
    "about-within": ("corroborating", "the figures are compatible"),            # 33 against about 30
    "about-beyond": ("disagreeing", "the figures cannot both hold"),            # 34 against about 30
    "equal-dates": ("corroborating", "the same date"),
    "dates-one-day-apart": ("disagreeing", "different dates"),
    "count-at-two-dates": ("different", "figures given at different dates"),
    "count-dated-and-undated": ("different", "figures given at different dates"),
    "count-same-occasion": ("disagreeing", "the figures cannot both hold"),     # 481 and more than 850, one day
    "level-against-number": ("different", "values of different kinds"),
    "same-level": ("corroborating", "the same level"),
    "different-levels": ("disagreeing", "different levels"),
    "same-statement": ("corroborating", "the same statement"),
}


def _rows(result) -> list[dict]:
    return [{k: (None if v is None else str(v)) for k, v in zip(result.variables, row)} for row in result.rows]


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


@pytest.mark.parametrize("engine", ENGINES)
def test_each_edge_case_is_judged_by_its_rule(engine):
    found = _rows(takedown_kg.query("comparisons", data=[EDGES], engine=engine))
    # Both directions of every pair, and each direction judged alike.
    assert len(found) == 2 * len(EDGE_CASES)
    judged = {}
    for row in found:
        judged.setdefault(_local(row["subject"]), set()).add((row["status"], row["reason"]))
    assert judged == {name: {outcome} for name, outcome in EDGE_CASES.items()}


def _jena_rows(name: str, data: Path) -> list[dict]:
    need(shutil.which("java") is not None and Path("/usr/share/java/jena-arq.jar").is_file(),
         "Jena is not installed (apt-get install libapache-jena-java openjdk-17-jre-headless unzip)")
    query = named_queries()[name].path  # as shipped, its PREFIX lines included
    ran = subprocess.run(["bash", str(JENA), "sparql", "--data", str(data), "--query", str(query), "--results", "csv"],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    return list(csv.DictReader(io.StringIO(ran.stdout)))


def _csv_rows(result) -> list[dict]:
    """The rows as the W3C CSV results format writes them, which is what Jena prints."""
    from takedown_kg.sparql.results import write_csv

    return list(csv.DictReader(io.StringIO(write_csv(result))))


def test_jena_arq_judges_the_edge_cases_alike():
    assert _jena_rows("comparisons", EDGES) == _csv_rows(takedown_kg.query("comparisons", data=[EDGES]))


# --- the shipped corpus -----------------------------------------------------------

@pytest.fixture(scope="module")
def answers():
    """Each comparison query on each engine, on the shipped corpus."""
    return {(name, engine): takedown_kg.query(name, engine=engine, timeout=120)
            for name in ("comparisons", "corroboration", "disagreements", "sources") for engine in ENGINES}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_articles_figures_are_corroborated_by_three_reports_or_more(answers, engine):
    rows = [r for r in _rows(answers["corroboration", engine]) if r["source"] == ID + "pni/article"]
    confirming = {}
    for row in rows:
        confirming.setdefault(row["id"], set()).add(_local(row["confirmedBy"].rsplit("/", 1)[0]))
    mid_august = {"tribune", "pakobserver", "pakistantoday", "profit"}
    # S2-S3 (F3, F5, F6) and S9-S10 (F15-F19): every figure by R2-R5; the demands by
    # R2 and R5 in full, by R3 and R4 in part.
    assert confirming == {
        "F3": mid_august, "F5": mid_august, "F6": mid_august,
        "F15": mid_august, "F16": mid_august, "F17": mid_august, "F18": mid_august, "F19": mid_august,
        "F23": {"tribune", "pakobserver", "profit"}, "F24": mid_august, "F25": {"tribune", "pakistantoday", "profit"},
    }
    words = {(r["id"], _local(r["confirmedBy"].rsplit("/", 1)[0])): r["words"] for r in rows}
    assert words["F5", "pakistantoday"] == "over 500"
    assert words["F18", "tribune"] == "about 30 percent"
    assert words["F18", "profit"] == "around 30%"
    assert words["F17", "pakobserver"] == "full cooperation"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_briefing_date_is_the_one_disagreement(answers, engine):
    rows = _rows(answers["disagreements", engine])
    assert {_local(r["subject"]) for r in rows} == {"joint-briefing"}
    sides = [(r["value"], _local(r["source"].rsplit("/", 1)[0]), r["published"], r["id"]) for r in rows]
    assert sides == [("2025-07-24", "pni", None, "F13"), ("2025-07-25", "ap", "2025-07-26", "F1"),
                     ("2025-07-25", "dailytimes", "2025-07-26", "F1"), ("2025-07-25", "thenews", "2025-07-25", "F1")]
    evidence = {_local(r["source"].rsplit("/", 1)[0]): r["evidence"] for r in rows}
    assert evidence["pni"].startswith("24 جولائی 2025 کو وزیر مملکت طلال چوہدری")
    assert evidence["thenews"] == "https://www.thenews.com.pk/latest/1330764-pakistan-urges-tech-firms-to-block-terror-accounts"


@pytest.mark.parametrize("engine", ENGINES)
def test_481_and_more_than_850_are_counts_at_different_dates_not_a_disagreement(answers, engine):
    rows = _rows(answers["comparisons", engine])
    reported = [r for r in rows if _local(r["subject"]) == "accounts-reported"]
    july = {"thenews", "dailytimes", "ap"}
    by_pair = {(_local(r["source"].rsplit("/", 1)[0]), _local(r["otherSource"].rsplit("/", 1)[0])): (r["status"], r["reason"])
               for r in reported}
    for report in july:
        for later in ("pni", "tribune", "pakobserver", "pakistantoday", "profit"):
            assert by_pair[report, later] == by_pair[later, report] == ("different", "figures given at different dates")
    assert by_pair["thenews", "ap"] == ("corroborating", "the figures are compatible")  # at least 481 and 481
    assert {r["status"] for r in reported} == {"corroborating", "different"}
    assert {(r["status"], _local(r["subject"])) for r in rows if r["status"] == "disagreeing"} == {("disagreeing", "joint-briefing")}


@pytest.mark.parametrize("engine", ENGINES)
def test_sources_lists_every_source_with_its_facts(answers, engine):
    rows = [(_local(r["source"].rsplit("/", 1)[0]), r["outlet"], r["published"], r["language"], r["textHeld"], r["facts"])
            for r in _rows(answers["sources", engine])]
    assert rows == [
        ("ap", "Associated Press (as carried by Business Standard)", "2025-07-26", "en", "false", "3"),
        ("curation", "takedown-kg curators", None, "en", "false", "0"),
        ("dailytimes", "Daily Times", "2025-07-26", "en", "false", "6"),
        ("pakistantoday", "Pakistan Today", "2025-08-14", "en", "false", "10"),
        ("pakobserver", "Pakistan Observer", "2025-08-14", "en", "false", "10"),
        ("pni", "PNI", None, "ur", "true", "26"),
        ("profit", "Profit (Pakistan Today)", "2025-08-15", "en", "false", "11"),
        ("thenews", "The News", "2025-07-25", "en", "false", "5"),
        ("tribune", "The Express Tribune", None, "en", "false", "11"),
        ("wikidata", "Wikimedia Foundation (Wikidata)", None, "en", "false", "0"),
    ]


@pytest.mark.parametrize("name", ["comparisons", "corroboration", "disagreements", "sources"])
def test_both_engines_and_jena_arq_agree_on_the_corpus(answers, name, tmp_path):
    assert _csv_rows(answers[name, "oxigraph"]) == _csv_rows(answers[name, "rdflib"])
    data = tmp_path / "corpus.nt"
    assert run_cli("export", "--format", "ntriples", "-o", str(data)).returncode == 0
    assert _jena_rows(name, data) == _csv_rows(answers[name, "oxigraph"])


def _rules_block(text: str) -> str:
    block = text[text.index("# BEGIN comparison rules"):text.index("# END comparison rules")]
    return "\n".join(line.strip() for line in block.splitlines())


def test_the_comparison_rules_are_one_block_in_every_query():
    queries = named_queries()
    rules = _rules_block(queries["comparisons"].text)
    assert "minExclusive" in rules and "0.9" in rules
    for name in ("corroboration", "disagreements"):
        assert _rules_block(queries[name].text) == rules, name


# --- the compare command -----------------------------------------------------------

STATUSES = {
    **{f"F{n}": "only this source" for n in (1, 2, 4, 7, 8, 9, 10, 11, 12, 14, 20, 21, 22, 26)},
    **{f"F{n}": "corroborated by 4" for n in (3, 5, 6, 15, 16, 17, 18, 19, 24)},
    "F23": "corroborated by 3", "F25": "corroborated by 3", "F13": "disputed by 3",
}


@pytest.fixture(scope="module")
def article():
    return compare("pni")


def test_compare_gives_each_fact_of_the_article_its_status(article):
    assert [f.id for f in article.facts] == [f"F{n}" for n in range(1, 27)]
    assert {f.id: f.status for f in article.facts} == STATUSES


def test_compare_table_for_the_article(article):
    text = table(article)
    lines = text.splitlines()
    assert lines[0] == "What other reports say of the facts of PNI (pni): 26 facts, 11 corroborated, 1 disputed, 14 only this source"
    fact_lines = [line for line in lines[1:] if re.match(r"F\d", line)]
    assert [re.split(r"\s{2,}", line)[:2] for line in fact_lines] == [[f"F{n}", STATUSES[f"F{n}"]] for n in range(1, 27)]
    assert ("       differs   The News                                            2025-07-25  at least 481           "
            "https://www.thenews.com.pk/latest/1330764-pakistan-urges-tech-firms-to-block-terror-accounts  "
            "(figures given at different dates)") in lines
    assert ("       confirms  Pakistan Today                                      2025-08-14  over 500               "
            "https://www.pakistantoday.com.pk/2025/08/14/pakistan-blocks-over-500-social-media-accounts-linked-to-banned-militant-groups/"
            ) in lines
    # The command prints exactly this table.
    assert run_cli("compare").stdout == text


def test_compare_csv_and_json_say_the_same(article, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run_cli("compare", "--format", "csv").stdout)))
    assert {r["id"]: r["status"] for r in rows} == STATUSES
    assert len(rows) == sum(max(1, len(f.others)) for f in article.facts)
    target = tmp_path / "pni.json"
    assert run_cli("compare", "--format", "json", "-o", str(target)).returncode == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert {f["id"]: f["status"] for f in data["facts"]} == STATUSES
    f13 = next(f for f in data["facts"] if f["id"] == "F13")
    assert [(o["relation"], o["words"], o["outlet"]) for o in f13["others"]] == [
        ("disputes", "2025-07-25", "The News"), ("disputes", "2025-07-25", "Associated Press (as carried by Business Standard)"),
        ("disputes", "2025-07-25", "Daily Times")]


def test_compare_of_a_cited_report_sees_both_sides():
    found = {f.id: f.status for f in compare("thenews").facts}
    assert found == {"F1": "corroborated by 2, disputed by 1", "F2": "corroborated by 2", "F3": "only this source",
                     "F4": "only this source", "F5": "only this source"}


def test_compare_names_an_unknown_source():
    result = run_cli("compare", "--source", "tribun")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "Error: no source 'tribun'; did you mean tribune?\n")
