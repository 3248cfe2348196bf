"""Every actor (A1-A25) and fact (F1-F26) of the shared inventory is in the graph,
with the sentence that states it and the voice it is attributed to."""

from __future__ import annotations

import pytest

from conftest import ask, select

ARTICLE, FIGURES, DATA, OFFICIALS = "the article", "official figures", "government data", "officials"

# id: (sentences, voice, a SPARQL pattern on ?fact that holds the fact's content)
FACTS = {
    "F1": (["S1"], ARTICLE, """?fact a tk:TakedownDrive ; schema:agent tkd:pakistan ;
             tk:onPlatform tkd:global-social-media-platforms ; tk:accountCount ?q .
             ?q tk:statedAs "سیکڑوں"@ur .
             FILTER NOT EXISTS { ?q schema:value|schema:minValue|schema:maxValue ?n }"""),
    "F2": (["S1"], ARTICLE, """?fact a tk:Appeal ; schema:agent tkd:pakistan ;
             schema:recipient tkd:international-community ;
             tk:asksTo "adopt a uniform resolve against extremist propaganda"@en"""),
    "F3": (["S2"], FIGURES, """?fact a tk:AccountReporting ; schema:agent tkd:nccia, tkd:pta ; tk:accountCount ?q .
             ?q schema:minValue 850 ; tk:minExclusive true ; tk:statedAs "850 سے زائد"@ur .
             FILTER NOT EXISTS { ?q schema:value ?exact }"""),
    "F4": (["S2"], FIGURES, """?fact a tk:AccountLinkClaim ; tk:ofAccountsFrom pni:reporting-of-accounts ;
             tk:linkedOrganization tkd:ttp, tkd:bla, tkd:blf ; tk:listIsComplete false ;
             tk:bannedBy tkd:united-nations, tkd:united-states, tkd:united-kingdom"""),
    "F5": (["S3"], FIGURES, """?fact a tk:AccountBlocking ; tk:ofAccountsFrom pni:reporting-of-accounts ;
             schema:actionStatus schema:CompletedActionStatus ; tk:accountCount/schema:value 533"""),
    "F6": (["S3"], FIGURES, """?fact a tk:FollowerReach ; tk:ofAccountsFrom pni:blocking-of-accounts ;
             tk:followerCount ?q . ?q schema:minValue 2000000 ; tk:minExclusive true ;
             tk:statedAs "20 لاکھ سے زیادہ"@ur"""),
    "F7": (["S3"], FIGURES, """?fact a tk:AccountAction ; tk:ofAccountsFrom pni:reporting-of-accounts ;
             schema:actionStatus schema:ActiveActionStatus .
             FILTER NOT EXISTS { ?fact tk:accountCount ?stored }
             FILTER NOT EXISTS { ?fact a tk:AccountBlocking }"""),
    "F8": (["S4"], ARTICLE, """?fact a tk:Strategy ; tk:adoptedBy tkd:government-of-pakistan ;
             tk:hasMeasure pni:formal-request, pni:direct-meetings-pta-platforms,
                           pni:online-meeting-with-telegram, pni:joint-media-briefing"""),
    "F9": (["S5"], ARTICLE, """?fact a tk:FormalRequest ; schema:agent tkd:government-of-pakistan ;
             schema:recipient tkd:facebook, tkd:instagram, tkd:tiktok, tkd:x, tkd:telegram, tkd:whatsapp ;
             tk:asksTo "report terrorism-linked accounts and provide their data"@en"""),
    "F10": (["S6"], ARTICLE, """?fact a tk:Meeting ; schema:attendee tkd:pta, tkd:platform-representatives ;
             tk:purpose "make timely and effective action possible"@en"""),
    "F11": (["S7"], ARTICLE, """?fact a tk:Meeting ; schema:organizer tkd:shaza-fatima-khawaja ;
             schema:attendee tkd:telegram-officials ;
             schema:eventAttendanceMode schema:OnlineEventAttendanceMode ;
             tk:cooperationLevel tk:cooperationExtraordinary .
             tkd:shaza-fatima-khawaja org:holds tkd:federal-minister-for-it"""),
    "F12": (["S7"], ARTICLE, """?fact a tk:PlatformBan ; tk:bannedPlatform tkd:telegram ; tk:jurisdiction tkd:pakistan"""),
    "F13": (["S8"], ARTICLE, """?fact a tk:MediaBriefing ; schema:organizer tkd:talal-chaudhry, tkd:barrister-aqeel ;
             schema:startDate "2025-07-24"^^xsd:date .
             tkd:talal-chaudhry org:holds tkd:minister-of-state"""),
    "F14": (["S8"], ARTICLE, """?fact a tk:Appeal ; schema:agent tkd:talal-chaudhry, tkd:barrister-aqeel ;
             schema:recipient tkd:global-and-local-media ; tk:madeAt pni:joint-media-briefing ;
             tk:asksTo "adopt AI-based automated content-blocking systems"@en"""),
    "F15": (["S9"], DATA, """?fact a tk:ComplianceObservation ; tk:platform tkd:facebook ; tk:requestsFrom tkd:pakistan ; tk:complianceRate ?q .
             ?q schema:minValue 90 ; tk:minExclusive true ; schema:unitCode "P1" """),
    "F16": (["S9"], DATA, """?fact a tk:ComplianceObservation ; tk:platform tkd:tiktok ; tk:requestsFrom tkd:pakistan ; tk:complianceRate ?q .
             ?q schema:minValue 90 ; tk:minExclusive true ; schema:unitCode "P1" """),
    "F17": (["S9"], DATA, """?fact a tk:ComplianceObservation ; tk:platform tkd:telegram ; tk:requestsFrom tkd:pakistan ;
             tk:cooperationLevel tk:cooperationFull .
             FILTER NOT EXISTS { ?fact tk:complianceRate ?rate }"""),
    "F18": (["S10"], DATA, """?fact a tk:ComplianceObservation ; tk:platform tkd:x ; tk:requestsFrom tkd:pakistan ;
             tk:cooperationLevel tk:responseDisappointing ; tk:complianceRate ?q .
             ?q schema:value 30 ; schema:unitCode "P1" """),
    "F19": (["S10"], DATA, """?fact a tk:ComplianceObservation ; tk:platform tkd:whatsapp ; tk:requestsFrom tkd:pakistan ;
             tk:cooperationLevel tk:responseDisappointing ; tk:complianceRate ?q .
             ?q schema:value 30 ; schema:unitCode "P1" """),
    "F20": (["S11"], OFFICIALS, """?fact a tk:ReportedClaim ; schema:about tkd:pakistan-electronic-and-print-media ;
             rdfs:label "Pakistan's electronic and print media are free of extremist propaganda"@en"""),
    "F21": (["S11"], OFFICIALS, """?fact a tk:ReportedClaim ; schema:about tkd:extremist-elements ;
             rdfs:label "Extremist elements use social media to promote violence, indoctrinate young people and spread fear"@en"""),
    "F22": (["S12"], ARTICLE, """?fact a tk:DemandSet ; schema:agent tkd:government-of-pakistan ;
             schema:recipient tkd:global-social-media-platforms ;
             tk:hasDemand pni:demand-shut-down-accounts, pni:demand-remove-content-with-ai, pni:demand-direct-contact"""),
    "F23": (["S13"], ARTICLE, """?fact a tk:Demand ; schema:position 1 ; schema:about tkd:extremist-elements ;
             tk:asksTo "permanently shut down all accounts linked to terrorist elements"@en"""),
    "F24": (["S14"], ARTICLE, """?fact a tk:Demand ; schema:position 2 ;
             rdfs:label "جدید AI ٹیکنالوجی کے ذریعے شدت پسند مواد کو فوری طور پر ہٹایا جائے"@ur ;
             tk:asksTo "remove extremist content immediately through modern AI technology"@en"""),
    "F25": (["S15"], ARTICLE, """?fact a tk:Demand ; schema:position 3 ; schema:about tkd:regulatory-and-security-agencies ;
             tk:asksTo "establish direct and immediate contact with Pakistan's regulatory and security agencies"@en"""),
    "F26": (["S16"], ARTICLE, """?fact a tk:Publication ; schema:publishedBy tkd:pni ; schema:inLanguage "ur" .
             pni:article schema:publisher tkd:pni ; schema:inLanguage "ur" ; schema:publication ?fact"""),
}

# id: {English label: (Urdu label, sentences)}
ACTORS = {
    "A1": {"Pakistan": ("پاکستان", ["S1", "S7"]), "Government of Pakistan": ("حکومت پاکستان", ["S4", "S12"])},
    "A2": {"National Cyber Crime Investigative Agency": ("نیشنل سائبر کرائم انویسٹی گیٹو ایجنسی", ["S2"])},
    "A3": {"Pakistan Telecommunication Authority": ("پاکستان ٹیلی کمیونیکیشن اتھارٹی", ["S2", "S6"])},
    "A4": {"United Nations": ("اقوام متحدہ", ["S2"])},
    "A5": {"United States": ("امریکہ", ["S2"])},
    "A6": {"United Kingdom": ("برطانیہ", ["S2"])},
    "A7": {"Tehrik-e-Taliban Pakistan": ("تحریک طالبان پاکستان", ["S2"])},
    "A8": {"Baloch Liberation Army": ("بلوچ لبریشن آرمی", ["S2"])},
    "A9": {"Baloch Liberation Front": ("بلوچ لبریشن فرنٹ", ["S2"])},
    "A10": {"Facebook": ("فیس بک", ["S5", "S9"])},
    "A11": {"Instagram": ("انسٹاگرام", ["S5"])},
    "A12": {"TikTok": ("ٹک ٹاک", ["S5", "S9"])},
    "A13": {"X (Twitter)": ("ایکس (ٹوئٹر)", ["S5", "S10"])},
    "A14": {"Telegram": ("ٹیلیگرام", ["S5", "S7", "S9"])},
    "A15": {"WhatsApp": ("واٹس ایپ", ["S5", "S10"])},
    "A16": {"Shaza Fatima Khawaja": ("شیزا فاطمہ خواجہ", ["S7"])},
    "A17": {"Talal Chaudhry": ("طلال چوہدری", ["S8"])},
    "A18": {"Barrister Aqeel": ("بیرسٹر عقیل", ["S8"])},
    "A19": {"PNI": ("پی این آئی", ["S16"])},
    "A20": {"international community": ("عالمی برادری", ["S1"])},
    "A21": {"global and local media": ("عالمی و مقامی میڈیا", ["S8"])},
    "A22": {"Pakistan's electronic and print media": ("پاکستان کا الیکٹرانک اور پرنٹ میڈیا", ["S11"])},
    "A23": {"extremist elements": ("شدت پسند عناصر", ["S11", "S13"])},
    "A24": {
        "representatives of global social media companies": ("عالمی سوشل میڈیا کمپنیوں کے نمائندوں", ["S6"]),
        "Telegram officials": ("ٹیلیگرام حکام", ["S7"]),
    },
    "A25": {"Pakistan's regulatory and security agencies": ("پاکستان کے ریگولیٹری و سکیورٹی اداروں", ["S15"])},
}

VOICE_OF_SENTENCE = {"S2": FIGURES, "S3": FIGURES, "S9": DATA, "S10": DATA, "S11": OFFICIALS}


@pytest.mark.parametrize("fact_id", list(FACTS))
def test_fact(graph, fact_id):
    sentences, voice, pattern = FACTS[fact_id]
    rows = select(
        graph,
        """SELECT ?fact ?sentence ?voice ?urdu WHERE {
               ?fact dcterms:identifier ?id ;
                     tk:statedIn ?s ;
                     prov:wasAttributedTo/rdfs:label ?voice .
               ?s rdfs:label ?sentence ; oa:hasSelector/oa:exact ?urdu .
               FILTER (lang(?voice) = "en")
           } ORDER BY ?sentence""",
        id=_literal(fact_id),
    )
    assert rows, f"{fact_id} is not in the graph"
    assert sorted({r[1] for r in rows}) == sorted(sentences)
    assert {r[2] for r in rows} == {voice}
    assert all(r[3] for r in rows), "the sentence carries its Urdu text"
    fact = rows[0][0]
    assert ask(graph, f"ASK {{ {pattern} }}", fact=_iri(fact)), f"{fact_id}: content differs from facts.md"


@pytest.mark.parametrize("actor_id", list(ACTORS))
def test_actor(graph, actor_id):
    rows = select(
        graph,
        """SELECT ?en ?ur ?sentence ?text WHERE {
               ?actor dcterms:identifier ?id ; rdfs:label ?en, ?ur ; tk:mentionedIn ?s .
               ?s rdfs:label ?sentence ; oa:hasSelector/oa:exact ?text .
               FILTER (lang(?en) = "en" && lang(?ur) = "ur")
           }""",
        id=_literal(actor_id),
    )
    found: dict[str, tuple[str, set[str]]] = {}
    texts: dict[str, list[str]] = {}
    for en, ur, sentence, text in rows:
        found.setdefault(en, (ur, set()))[1].add(sentence)
        texts.setdefault(en, []).append(text)
    assert {en: (ur, sorted(s)) for en, (ur, s) in found.items()} == {
        en: (ur, sorted(s)) for en, (ur, s) in ACTORS[actor_id].items()
    }
    for en, (ur, _) in found.items():
        assert any(ur in text for text in texts[en]), f"{ur} is not written in its sentences"
    # The voice of an actor's mention is the voice of its sentence.
    voices = select(
        graph,
        """SELECT DISTINCT ?sentence ?voice WHERE {
               ?actor dcterms:identifier ?id ; tk:mentionedIn ?s .
               ?s rdfs:label ?sentence ; prov:wasAttributedTo/rdfs:label ?voice .
               FILTER (lang(?voice) = "en")
           }""",
        id=_literal(actor_id),
    )
    assert voices and all(voice == VOICE_OF_SENTENCE.get(s, ARTICLE) for s, voice in voices)


def test_pni_facebook_page(graph):
    rows = select(graph, """SELECT ?en ?ur ?text WHERE {
        ?page a schema:WebPage ; rdfs:label ?en, ?ur ; schema:publisher tkd:pni ; schema:provider tkd:facebook ;
              tk:mentionedIn/oa:hasSelector/oa:exact ?text .
        FILTER (lang(?en) = "en" && lang(?ur) = "ur")
    }""")
    assert [(en, ur) for en, ur, _ in rows] == [("PNI's Facebook page", "پی این آئی کا فیس بک پیج")]
    assert rows[0][1] in rows[0][2]


def test_every_urdu_fact_label_is_written_in_its_sentence(graph):
    rows = select(graph, """SELECT ?id ?ur ?text WHERE {
        ?f dcterms:identifier ?id ; rdfs:label ?ur ; tk:statedIn/oa:hasSelector/oa:exact ?text .
        FILTER (lang(?ur) = "ur" && STRSTARTS(?id, "F"))
    }""")
    assert len({r[0] for r in rows}) == 26
    assert [(i, ur) for i, ur, text in rows if ur not in text] == []


def test_no_fact_beyond_the_inventory(graph):
    ids = {r[0] for r in select(graph, "SELECT ?id WHERE { ?f a/rdfs:subClassOf* tk:ReportedItem ; dcterms:identifier ?id }")}
    assert ids == set(FACTS)


def test_instagram_has_no_compliance_figure(graph):
    assert not ask(graph, "ASK { ?o tk:platform tkd:instagram }")
    assert not ask(graph, "ASK { ?o ?p tkd:instagram ; tk:complianceRate|tk:cooperationLevel ?x }")
    # ... though it did receive the formal request.
    assert ask(graph, "ASK { pni:formal-request schema:recipient tkd:instagram }")


def test_every_fact_is_sourced_in_the_article(graph):
    rows = select(
        graph,
        """SELECT DISTINCT ?source WHERE {
               ?f a/rdfs:subClassOf* tk:ReportedItem ; tk:statedIn/oa:hasSource ?source .
           }""",
    )
    assert [r[0] for r in rows] == ["https://w3id.org/takedown-kg/id/pni/article"]


def test_voices_are_those_of_the_inventory(graph):
    rows = select(
        graph,
        """SELECT ?id ?voice WHERE {
               ?f dcterms:identifier ?id ; prov:wasAttributedTo/rdfs:label ?voice .
               FILTER (STRSTARTS(?id, "F") && lang(?voice) = "en")
           }""",
    )
    assert dict(rows) == {fact_id: voice for fact_id, (_, voice, _) in FACTS.items()}


def test_no_date_but_the_briefing(graph):
    rows = select(graph, "SELECT ?s ?date WHERE { ?s schema:startDate|dcterms:date|schema:datePublished ?date }")
    assert [(str(s), str(d)) for s, d in rows] == [("https://w3id.org/takedown-kg/id/pni/joint-media-briefing", "2025-07-24")]


def _literal(value: str):
    from rdflib import Literal

    return Literal(value)


def _iri(value: str):
    from rdflib import URIRef

    return URIRef(value)
