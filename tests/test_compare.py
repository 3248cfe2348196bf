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
from conftest import FIXTURES, ROOT, in_a_terminal, need, run_cli
from takedown_kg.errors import UsageError
from takedown_kg.views.comparison import compare, table
from takedown_kg.sparql.library import named_queries, prefix_block

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


def _jena_rows(name: str, data: Path, tmp_path: Path) -> list[dict]:
    need(shutil.which("java") is not None and Path("/usr/share/java/jena-arq.jar").is_file(),
         "Jena is not installed (apt-get install libapache-jena-java openjdk-17-jre-headless unzip)")
    query = tmp_path / f"{name}.rq"
    query.write_text(prefix_block() + named_queries()[name].text, encoding="utf-8")
    ran = subprocess.run(["bash", str(JENA), "sparql", "--data", str(data), "--query", str(query), "--results", "csv"],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    return list(csv.DictReader(io.StringIO(ran.stdout)))


def _csv_rows(result) -> list[dict]:
    """The rows as the W3C CSV results format writes them, which is what Jena prints."""
    from takedown_kg.sparql.results import write_csv

    return list(csv.DictReader(io.StringIO(write_csv(result))))


def test_jena_arq_judges_the_edge_cases_alike(tmp_path):
    assert _jena_rows("comparisons", EDGES, tmp_path) == _csv_rows(takedown_kg.query("comparisons", data=[EDGES]))


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
    assert _jena_rows(name, data, tmp_path) == _csv_rows(answers[name, "oxigraph"])


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
    assert lines[:3] == [
        "What other reports say of the facts of PNI (pni): 26 facts: 11 corroborated, 1 disputed, 14 only this source",
        "fact  status             what the fact says",
        "        relation  other report                                        published   its words              "
        "address (reason)",
    ]
    fact_lines = [line for line in lines[1:] if re.match(r"F\d", line)]
    assert [re.split(r"\s{2,}", line)[:2] for line in fact_lines] == [[f"F{n}", STATUSES[f"F{n}"]] for n in range(1, 27)]
    assert ("        differs   The News                                            2025-07-25  at least 481           "
            "https://www.thenews.com.pk/latest/1330764-pakistan-urges-tech-firms-to-block-terror-accounts  "
            "(figures given at different dates)") in lines
    assert ("        confirms  Pakistan Today                                      2025-08-14  over 500               "
            "https://www.pakistantoday.com.pk/2025/08/14/pakistan-blocks-over-500-social-media-accounts-linked-to-banned-militant-groups/"
            ) in lines
    # Piped, the command prints exactly this table: each line whole, for grep.
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


def test_a_fact_both_corroborated_and_disputed_counts_in_both_and_is_said_so():
    thenews = compare("thenews")
    assert thenews.summary() == "5 facts: 2 corroborated, 1 disputed (1 of them both), 3 only this source"
    assert [(f.id, f.kind, sorted(f.kinds)) for f in thenews.facts] == [
        ("F1", "both", ["corroborated", "disputed"]), ("F2", "corroborated", ["corroborated"]),
        ("F3", "alone", ["alone"]), ("F4", "alone", ["alone"]), ("F5", "alone", ["alone"])]
    assert run_cli("compare", "--source", "thenews").stdout.splitlines()[0] == (
        "What other reports say of the facts of The News (thenews): 5 facts: 2 corroborated, 1 disputed "
        "(1 of them both), 3 only this source")


@pytest.mark.parametrize("source,only,ids", [
    ("pni", "disputed", ["F13"]),
    ("pni", "corroborated", ["F3", "F5", "F6", "F15", "F16", "F17", "F18", "F19", "F23", "F24", "F25"]),
    ("pni", "alone", ["F1", "F2", "F4", "F7", "F8", "F9", "F10", "F11", "F12", "F14", "F20", "F21", "F22", "F26"]),
    ("thenews", "disputed", ["F1"]),
    ("thenews", "corroborated", ["F1", "F2"]),
])
def test_compare_only_lists_the_facts_of_one_kind_in_every_format(source, only, ids):
    shown = {"disputed": "disputed", "corroborated": "corroborated", "alone": "only this source"}[only]
    lines = run_cli("compare", "--source", source, "--only", only).stdout.splitlines()
    assert lines[0].endswith(f" only this source; shown: {len(ids)} {shown}")
    assert [line.split()[0] for line in lines[3:] if re.match(r"F\d", line)] == ids
    rows = csv.DictReader(io.StringIO(run_cli("compare", "--source", source, "--only", only, "--format", "csv").stdout))
    assert list(dict.fromkeys(r["id"] for r in rows)) == ids
    data = json.loads(run_cli("compare", "--source", source, "--only", only, "--format", "json").stdout)
    assert ([f["id"] for f in data["facts"]], data["only"]) == (ids, only)
    assert data["summary"] == compare(source).summary() + f"; shown: {len(ids)} {shown}"


def test_compare_only_is_one_of_its_choices():
    from takedown_kg.cli import parser
    from takedown_kg.views.comparison import ONLY

    compare_parser = parser()._subparsers._group_actions[0].choices["compare"]
    assert next(a.choices for a in compare_parser._actions if a.dest == "only") == list(ONLY)
    with pytest.raises(UsageError, match="--only 'both': choose one of: disputed, corroborated, alone"):
        compare("pni", only="both")


FOLDED_AT_80 = """\
What other reports say of the facts of The News (thenews): 5 facts: 2
corroborated, 1 disputed (1 of them both), 3 only this source; shown: 1 disputed
fact  status                            what the fact says
        relation  other report                            published   its words
                  address (reason)
F1    corroborated by 2, disputed by 1  Joint press conference of Talal Chaudhry
                                        and Barrister Aqeel Malik in Islamabad
                                        on Friday 25 July 2025
        confirms  Associated Press (as carried by         2025-07-26  2025-07-25
                  Business Standard)
                  https://www.business-standard.com/amp/world-news/pakistan-urges-social-media-platforms-to-block-banned-militant-accounts-125072600011_1.html
        confirms  Daily Times                             2025-07-26  2025-07-25
                  https://dailytimes.com.pk/1342856/govt-calls-on-global-tech-firms-to-curb-terror-content/
        disputes  PNI                                     -           2025-07-24
                  (different dates)
"""


def test_compare_in_a_terminal_folds_to_its_width_and_piped_keeps_lines_whole():
    args = ("compare", "--source", "thenews", "--only", "disputed")
    assert in_a_terminal(*args, columns=80) == FOLDED_AT_80
    assert table(compare("thenews", only="disputed"), width=80) == FOLDED_AT_80
    # Only an address too long for the room is wider (it stays one piece, to copy or click).
    assert {line.split()[0][:8] for line in FOLDED_AT_80.splitlines() if len(line) > 80} == {"https://"}
    piped = run_cli(*args, env={"COLUMNS": "80"}).stdout
    assert piped.splitlines()[0] == ("What other reports say of the facts of The News (thenews): 5 facts: 2 "
                                     "corroborated, 1 disputed (1 of them both), 3 only this source; shown: 1 disputed")
    assert piped == table(compare("thenews", only="disputed"))
    # A terminal wide enough for the whole table gets it as a pipe does.
    assert in_a_terminal(*args, columns=300) == piped


def test_the_folded_table_on_hand_made_facts():
    """Both kinds at once, a fact the others only differ from, a cell to fold, Urdu words, an address too long."""
    from takedown_kg.views.comparison import Comparison, FactComparison, OtherReport

    def other(relation, outlet, words, address, reason, published="2025-08-14"):
        return OtherReport(relation, reason, "https://example.org/f", "F1", outlet, outlet, published, address, words)

    made = Comparison("https://w3id.org/takedown-kg/id/a/report", "a", "Outlet A", [
        FactComparison("x1", "F1", "More than 850 accounts were reported to the platforms", [
            other("confirms", "A rather long outlet name for a column", "850 سے زائد",
                  "https://example.org/a-long-address/that-cannot-be-broken", "the figures are compatible"),
            other("disputes", "Outlet C", "481", "", "the figures cannot both hold", published="")]),
        FactComparison("x2", "F2", "Accounts blocked", [
            other("differs", "Outlet B", "533", "https://example.org/b", "figures given at different dates")]),
        FactComparison("x3", "F10", "Alone", []),
    ])
    assert [f.status for f in made.facts] == ["corroborated by 1, disputed by 1", "differs from 1", "only this source"]
    assert table(made, width=60) == """\
What other reports say of the facts of Outlet A (a): 3
facts: 1 corroborated, 1 disputed (1 of them both), 1
differing only, 1 only this source
fact  status                            what the fact says
        relation  other report       published   its words
                  address (reason)
F1    corroborated by 1, disputed by 1  More than 850
                                        accounts were
                                        reported to the
                                        platforms
        confirms  A rather long      2025-08-14  \u2068850 سے زائد\u2069
                  outlet name for a
                  column
                  https://example.org/a-long-address/that-cannot-be-broken
        disputes  Outlet C           -           481
                  (the figures cannot both hold)
F2    differs from 1                    Accounts blocked
        differs   Outlet B           2025-08-14  533
                  https://example.org/b (figures given at
                  different dates)
F10   only this source                  Alone
"""
    made.only = "alone"
    assert table(made, width=60).splitlines()[-5:] == [
        "source",
        "fact  status            what the fact says",
        "        relation  other report  published  its words",
        "                  address (reason)",
        "F10   only this source  Alone",
    ]


def test_compare_shows_data_text_never_terminal_controls():
    from takedown_kg.views.comparison import Comparison, FactComparison

    made = Comparison("https://w3id.org/takedown-kg/id/a/report", "a", "Outlet A",
                      [FactComparison("x1", "F1", "A label \x1b]0;pwned\x07 with escapes \u202e", [])])
    assert "F1    only this source  A label \\u001b]0;pwned\\u0007 with escapes \\u202e" in table(made, width=80)
    assert "\x1b" not in table(made) and "\x1b" not in table(made, width=20)
