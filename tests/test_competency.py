"""CQ1-CQ12: each competency question answered by one shipped query, with the exact rows."""

from __future__ import annotations

import pytest

import takedown_kg
from takedown_kg.sparql.library import named_queries, named_query

S2 = ("S2", "official figures")


@pytest.fixture(params=["oxigraph", "rdflib"])
def graph(request):
    """Not a graph here: the engine each competency query runs on, both in turn."""
    return request.param


def rows(engine: str, name: str, **bindings):
    result = takedown_kg.query(name, bindings=bindings, engine=engine)
    return [tuple(None if v is None else v.toPython() for v in row) for row in result]


def test_every_competency_question_has_a_query():
    questions = sorted(
        int(q.description.split(":")[0][2:]) for q in named_queries().values() if q.description.startswith("CQ")
    )
    assert questions == list(range(1, 13))


def test_cq1_banned_organizations(graph):
    orgs = [
        ("Baloch Liberation Army", "بلوچ لبریشن آرمی"),
        ("Baloch Liberation Front", "بلوچ لبریشن فرنٹ"),
        ("Tehrik-e-Taliban Pakistan", "تحریک طالبان پاکستان"),
    ]
    bodies = ["United Kingdom", "United Nations", "United States"]
    assert rows(graph, "banned-organizations") == [(en, ur, body, True, *S2) for en, ur in orgs for body in bodies]


def test_cq2_account_figures(graph):
    # "More than 850" reported and 533 blocked leave at least 851 - 533 = 318 pending.
    common = (850, "850 سے زائد", 533, 2000000, "20 لاکھ سے زیادہ", 318,
              "Action on the remaining reported accounts is ongoing", *S2)
    assert rows(graph, "account-figures") == [
        ("National Cyber Crime Investigative Agency", *common),
        ("Pakistan Telecommunication Authority", *common),
    ]


def test_cq3_formal_request(graph):
    platforms = [("Facebook", "فیس بک"), ("Instagram", "انسٹاگرام"), ("Telegram", "ٹیلیگرام"),
                 ("TikTok", "ٹک ٹاک"), ("WhatsApp", "واٹس ایپ"), ("X (Twitter)", "ایکس (ٹوئٹر)")]
    ask_en = "report terrorism-linked accounts and provide their data"
    ask_ur = "دہشت گردی سے منسلک اکاؤنٹس کی رپورٹنگ اور ان کے ڈیٹا کی فراہمی"
    assert rows(graph, "formal-request") == [(en, ur, ask_en, ask_ur, "S5", "the article") for en, ur in platforms]


def test_cq4_compliance_best_first(graph):
    data = "government data"
    assert rows(graph, "compliance") == [
        ("Facebook", "more than 90%", 90, True, None, "90 فیصد سے زائد", "S9", data),
        ("TikTok", "more than 90%", 90, True, None, "90 فیصد سے زائد", "S9", data),
        ("Telegram", "full cooperation", None, None, "full cooperation", None, "S9", data),
        ("WhatsApp", "30%", 30, False, "disappointing response", "صرف 30 فیصد", "S10", data),
        ("X (Twitter)", "30%", 30, False, "disappointing response", "صرف 30 فیصد", "S10", data),
        ("Instagram", "no figure given", None, None, None, None, None, None),
    ]


def test_cq5_people(graph):
    meeting = "Special online meeting of Shaza Fatima Khawaja with Telegram officials"
    briefing = "Joint media briefing of Talal Chaudhry and Barrister Aqeel"
    appeal = "Appeal to global and local media to adopt AI-based automated content-blocking systems"
    from datetime import date

    day = date(2025, 7, 24)
    assert rows(graph, "people") == [
        ("Shaza Fatima Khawaja", "شیزا فاطمہ خواجہ", "Federal Minister for IT", meeting, None, "S7"),
        ("Barrister Aqeel", "بیرسٹر عقیل", "Barrister", appeal, None, "S8"),
        ("Barrister Aqeel", "بیرسٹر عقیل", "Barrister", briefing, day, "S8"),
        ("Talal Chaudhry", "طلال چوہدری", "Minister of State", appeal, None, "S8"),
        ("Talal Chaudhry", "طلال چوہدری", "Minister of State", briefing, day, "S8"),
    ]


def test_cq6_events(graph):
    from datetime import date

    found = [(e, k, d, sorted(p.split(", ")) if p else [], s, v) for e, k, d, p, s, v in rows(graph, "events")]
    article = "the article"
    platforms = ["Facebook", "Instagram", "Telegram", "TikTok", "WhatsApp", "X (Twitter)"]
    assert found == [
        ("NCCIA and PTA reported more than 850 social-media accounts", "reporting of accounts", None,
         ["National Cyber Crime Investigative Agency", "Pakistan Telecommunication Authority"], *S2),
        ("533 of the reported accounts have been blocked", "blocking of accounts", None, [], "S3", "official figures"),
        ("Action on the remaining reported accounts is ongoing", "action on accounts", None, [], "S3", "official figures"),
        ("Formal request to six platforms to report terrorism-linked accounts and provide their data", "formal request",
         None, sorted(["Government of Pakistan", *platforms]), "S5", article),
        ("Direct meetings between PTA and representatives of global social media companies", "meeting", None,
         ["Pakistan Telecommunication Authority", "representatives of global social media companies"], "S6", article),
        ("Special online meeting of Shaza Fatima Khawaja with Telegram officials", "meeting", None,
         ["Shaza Fatima Khawaja", "Telegram officials"], "S7", article),
        ("Joint media briefing of Talal Chaudhry and Barrister Aqeel", "media briefing", date(2025, 7, 24),
         ["Barrister Aqeel", "Talal Chaudhry"], "S8", article),
    ]


def test_cq7_demands(graph):
    by = ("Government of Pakistan", "global social media platforms")
    assert rows(graph, "demands") == [
        (1, "permanently shut down all accounts linked to terrorist elements",
         "دہشت گرد عناصر سے منسلک تمام اکاؤنٹس مستقل طور پر بند کیے جائیں", *by, "S13", "the article"),
        (2, "remove extremist content immediately through modern AI technology",
         "جدید AI ٹیکنالوجی کے ذریعے شدت پسند مواد کو فوری طور پر ہٹایا جائے", *by, "S14", "the article"),
        (3, "establish direct and immediate contact with Pakistan's regulatory and security agencies",
         "پاکستان کے ریگولیٹری و سکیورٹی اداروں سے براہِ راست اور فوری رابطہ قائم کیا جائے", *by, "S15", "the article"),
    ]


def test_cq8_banned_platform(graph):
    assert rows(graph, "banned-platform") == [
        ("Telegram", "Pakistan", "S7", "extraordinary cooperation",
         "Special online meeting of Shaza Fatima Khawaja with Telegram officials", "S7", "the article"),
        ("Telegram", "Pakistan", "S7", "full cooperation", "Telegram cooperated fully", "S9", "government data"),
    ]


def test_cq9_evidence_of_one_fact(graph):
    from rdflib import URIRef

    article = _article_text()
    found = rows(graph, "evidence", fact=URIRef("https://w3id.org/takedown-kg/id/pni/compliance-x"))
    assert len(found) == 1
    fact, fact_id, label, sentence, line, start, end, urdu, voice = found[0]
    assert (fact_id, sentence, line, start, end, voice) == ("F18", "S10", 8, 1491, 1592, "government data")
    assert urdu == article[start:end] == "اس کے برعکس، ایکس (ٹوئٹر) اور واٹس ایپ کا ردعمل مایوس کن رہا، جن کی عمل درآمد کی شرح صرف 30 فیصد رہی۔"


def test_cq9_every_fact_has_evidence(graph):
    article = _article_text()
    found = rows(graph, "evidence")
    assert sorted({r[1] for r in found}, key=lambda i: int(i[1:])) == [f"F{n}" for n in range(1, 27)]
    assert all(urdu == article[start:end] for *_, start, end, urdu, voice in found)


def test_cq10_appeals(graph):
    assert rows(graph, "appeals") == [
        ("Pakistan", "international community", "adopt a uniform resolve against extremist propaganda",
         "شدت پسندانہ پراپیگنڈے کے خلاف یکساں عزم اپنانے", None, "S1", "the article"),
        ("Barrister Aqeel", "global and local media", "adopt AI-based automated content-blocking systems",
         "AI پر مبنی خودکار مواد بلاکنگ سسٹم اپنائیں", "Joint media briefing of Talal Chaudhry and Barrister Aqeel",
         "S8", "the article"),
        ("Talal Chaudhry", "global and local media", "adopt AI-based automated content-blocking systems",
         "AI پر مبنی خودکار مواد بلاکنگ سسٹم اپنائیں", "Joint media briefing of Talal Chaudhry and Barrister Aqeel",
         "S8", "the article"),
    ]


def test_cq11_official_claims(graph):
    assert rows(graph, "official-claims") == [
        ("extremist elements",
         "Extremist elements use social media to promote violence, indoctrinate young people and spread fear",
         "سوشل میڈیا کے ذریعے تشدد کو فروغ دینے، نوجوانوں کی ذہن سازی اور خوف پھیلانے کے لیے سرگرم ہیں",
         "S11", "officials"),
        ("Pakistan's electronic and print media", "Pakistan's electronic and print media are free of extremist propaganda",
         "الیکٹرانک اور پرنٹ میڈیا شدت پسند پراپیگنڈے سے پاک ہے", "S11", "officials"),
    ]


def test_cq12_publisher(graph):
    assert rows(graph, "publisher") == [("PNI", "پی این آئی", "ur", "S16", "the article")]


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_says_what_it_answers(name):
    assert named_query(name).description, f"{name}.rq needs a comment header"


def _article_text() -> str:
    from takedown_kg import resources

    return (resources.sources_dir() / "pni" / "article.ur.txt").read_text(encoding="utf-8")
