"""The network page's own words, in English and Urdu: one table, read by the page and by Python.

The data's labels, sentences and voices come from the graph in both
languages; these are the words of the page itself (headings, buttons, hints,
counts, the source line). The page gets the whole table as JSON and switches
every one of them with its English / اردو buttons; Python fills the lines
it composes from the graph (the source line, the shape legend) from the same
table, so there is one place to read and correct a translation.

A value may hold {name} placeholders, filled the same way in Python
(str.format) and in the page's script. Where Urdu has no common word of its
own, the English term is kept, written in Urdu letters as Pakistani papers
write it (نوڈ, ڈیٹا, RDF stays RDF). The classes' Urdu names are not here:
they are the ontology's rdfs:label@ur.
"""

from __future__ import annotations

LANGUAGES = ("en", "ur")

#: key -> (English, Urdu)
NETWORK_WORDS: dict[str, tuple[str, str]] = {
    # The header and the controls.
    "title": ("takedown-kg: who did what to whom, in the reports on Pakistan's social-media takedowns",
              "takedown-kg: پاکستان میں سوشل میڈیا سے مواد ہٹانے کی کارروائیوں کی خبروں میں کس نے کس کے ساتھ کیا کیا"),
    "search_placeholder": ("Find a node: English or اردو", "نوڈ تلاش کریں: اردو یا English"),
    "search_label": ("Find a node by English or Urdu label", "انگریزی یا اردو نام سے نوڈ تلاش کریں"),
    "language_label": ("Page language", "صفحے کی زبان"),
    "claims_of": ("Claims of", "دعوے"),
    "source_filter_label": ("Show the claims of one source or of all",
                            "کسی ایک ذریعے کے یا تمام ذرائع کے دعوے دکھائیں"),
    "all_sources": ("all sources", "تمام ذرائع"),
    "counts": ("{nodes} nodes \u00b7 {edges} edges", "{nodes} نوڈز \u00b7 {edges} روابط"),
    "found": ("Found: {label}", "مل گیا: {label}"),
    "no_match": ("No match", "کچھ نہیں ملا"),
    # The legend.
    "classes": ("Classes", "زمرے"),
    "disputed": ("disputed by another report", "کسی دوسری رپورٹ سے متضاد"),
    "disputed_count": ("disputed by another report: {count}", "کسی دوسری رپورٹ سے متضاد: {count}"),
    "shapes_legend": ("Shapes: {shapes}. Size grows with the number of links.",
                      "شکلیں: {shapes}۔ جتنے زیادہ روابط، اتنا بڑا نوڈ۔"),
    "shape_of_kind": ("{kind} {shape}", "{kind} ({shape})"),
    "list_separator": (", ", "، "),
    "kind_actor": ("actor", "فریق"),
    "kind_post": ("post", "عہدہ"),
    "kind_event": ("event", "واقعہ"),
    "kind_claim": ("claim", "دعویٰ"),
    "kind_observation": ("observation", "مشاہدہ"),
    "kind_demand": ("demand", "مطالبہ"),
    "kind_plan": ("plan", "منصوبہ"),
    "kind_article": ("article", "خبر"),
    "kind_term": ("term", "اصطلاح"),
    # vis-network's shape names in English, as the legend has always shown them.
    "shape_dot": ("dot", "دائرہ"),
    "shape_triangleDown": ("triangleDown", "الٹی تکون"),
    "shape_diamond": ("diamond", "معین"),
    "shape_triangle": ("triangle", "تکون"),
    "shape_square": ("square", "مربع"),
    "shape_star": ("star", "ستارہ"),
    "shape_hexagon": ("hexagon", "مسدس"),
    "shape_box": ("box", "مستطیل"),
    "shape_ellipse": ("ellipse", "بیضوی"),
    "network_label": ("Network of actors and reported items", "فریقین اور مذکورہ امور کا نیٹ ورک"),
    # The details panel.
    "hint": ("Click a node to see its class, its properties and the sentence of the article that states it.",
             "کسی نوڈ پر کلک کریں تو اس کا زمرہ، اس کی خصوصیات اور خبر کا وہ جملہ سامنے آئے گا جس میں اس کا ذکر ہے۔"),
    "hint_details": ("Click a node to see its details.", "تفصیلات دیکھنے کے لیے کسی نوڈ پر کلک کریں۔"),
    "class_of_node": ("Class: ", "زمرہ: "),
    "also_called": ("Also: ", "دیگر نام: "),
    "connections": ("Connections", "روابط"),
    "other_reports": ("What other reports say", "دوسری رپورٹیں کیا کہتی ہیں"),
    "relation_confirms": ("confirms", "تصدیق"),
    "relation_disputes": ("disputes", "تضاد"),
    "relation_differs": ("differs", "فرق"),
    # The comparison rules' reasons (sparql/queries/comparisons.rq), shown beside a report that disputes or differs.
    "reason_figures given at different dates": ("figures given at different dates",
                                                "اعداد و شمار مختلف تاریخوں پر دیے گئے"),
    "reason_the figures are compatible": ("the figures are compatible", "اعداد و شمار ہم آہنگ ہیں"),
    "reason_the figures cannot both hold": ("the figures cannot both hold",
                                            "دونوں اعداد و شمار بیک وقت درست نہیں ہو سکتے"),
    "reason_the same date": ("the same date", "ایک ہی تاریخ"),
    "reason_different dates": ("different dates", "مختلف تاریخیں"),
    "reason_the same level": ("the same level", "ایک ہی سطح"),
    "reason_different levels": ("different levels", "مختلف سطحیں"),
    "reason_values of different kinds": ("values of different kinds", "مختلف نوعیت کی قدریں"),
    "reason_the same statement": ("the same statement", "ایک ہی بیان"),
    "evidence": ("Evidence", "ثبوت"),
    "no_sentence": ("No sentence: this node is not stated by the article.",
                    "کوئی جملہ نہیں: خبر میں اس نوڈ کا ذکر نہیں۔"),
    "evidence_place": ("{sentence}, line {line}, characters {start}\u2013{end} \u00b7 attributed to: ",
                       "{sentence}، سطر {line}، حروف {start} تا {end} \u00b7 بحوالہ: "),
    # The source line under the title.
    "source_data": ("Source: RDF data with {sentences} sentences of evidence.",
                    "ذریعہ: RDF ڈیٹا، جس میں ثبوت کے {sentences} جملے ہیں۔"),
    "sources_line": ("Sources: {parts}. Click any node to read the sentence that states it and whose word it is.",
                     "ذرائع: {parts}۔ کسی بھی نوڈ پر کلک کر کے وہ جملہ پڑھیں جس میں اس کا ذکر ہے، "
                     "اور دیکھیں کہ یہ کس کی بات ہے۔"),
    "part_separator": ("; ", "؛ "),
    "one_source": ("{count} source", "{count} ذریعہ"),
    "many_sources": ("{count} sources", "{count} ذرائع"),
    "text_held": ("text held for {names} ({sentences} sentences)", "{names} کا متن محفوظ ہے ({sentences} جملے)"),
    "outlet_reports": ("{name} ({count} reports)", "{name} ({count} رپورٹیں)"),
    "more_outlets": ("and {count} more outlets", "اور مزید {count} ادارے"),
    # Each kind of source, as the build's summary names it (vocab.source_kind).
    "source_kind_cited": ("{count} cited", "{count} کا صرف ویب پتہ درج ہے"),
    "source_kind_curation": ("{count} curation", "{count} کیوریشن"),
    "source_kind_reference data": ("{count} reference data", "{count} حوالہ جاتی ڈیٹا"),
    "source_kind_text held": ("{count} text held", "{count} کا متن محفوظ ہے"),
    "overview_note": ("This is an overview of {count} sources: the actors and the reports, each actor with the first "
                      "sentence that names it. Draw one report with takedown-kg graph --source SLUG, or everything "
                      "around one actor with --focus NAME.",
                      "یہ {count} ذرائع کا مجموعی جائزہ ہے: فریقین اور رپورٹیں، اور ہر فریق کے ساتھ وہ پہلا جملہ "
                      "جس میں اس کا نام آیا ہے۔ ایک رپورٹ پوری دیکھنے کے لیے takedown-kg graph --source SLUG "
                      "چلائیں، اور کسی ایک فریق کے گرد سب کچھ دیکھنے کے لیے --focus NAME۔"),
}


def page_words() -> dict[str, dict[str, str]]:
    """The table by language, as the page reads it: {"en": {key: text}, "ur": {key: text}}."""
    return {lang: {key: pair[index] for key, pair in NETWORK_WORDS.items()} for index, lang in enumerate(LANGUAGES)}


def say(key: str, lang: str, **values) -> str:
    """The words `key` in `lang`, with their placeholders filled."""
    return NETWORK_WORDS[key][LANGUAGES.index(lang)].format(**values)


def isolated(text: str, lang: str) -> str:
    """`text` from the data as one unit inside Urdu words, so a Latin name's brackets and
    full stops stay with it; English is left as it is."""
    return f"\u2068{text}\u2069" if lang == "ur" else text
