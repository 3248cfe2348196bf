"""The HTML page in headless Chromium: offline, counted, searchable, clickable,
bilingual and safe. Under CI=true a missing browser fails these tests."""

from __future__ import annotations

import re
import string
import subprocess
import sys

import pytest

from conftest import ARTEFACTS, FIXTURES, need, run_cli
from takedown_kg.views.network import network_view
from takedown_kg.views.screenshot import chromium_path
from takedown_kg.views.words import NETWORK_WORDS

pytestmark = pytest.mark.browser
TKD = "https://w3id.org/takedown-kg/id/"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    target = tmp_path_factory.mktemp("page") / "graph.html"
    # The article's page: the counts below are the article's.
    assert run_cli("graph", "-o", str(target), "--source", "pni").returncode == 0
    return target


class Visit:
    """A page opened in the browser, with everything it asked for and complained about."""

    def __init__(self, browser, path):
        self.page = browser.new_page(viewport={"width": 1500, "height": 900})
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=60_000)

    def js(self, expression: str, argument=None):
        return self.page.evaluate(expression, argument)

    def details(self) -> str:
        return self.page.inner_text("#details")

    def click_node(self, node_id: str) -> None:
        self.js("id => takedownKg.network.focus(id, {scale: 1.2, animation: false})", node_id)
        box = self.page.query_selector("#network").bounding_box()
        point = self.js("id => takedownKg.network.canvasToDOM(takedownKg.network.getPosition(id))", node_id)
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


@pytest.fixture
def visit(browser, page_file):
    opened = Visit(browser, page_file)
    yield opened
    opened.page.close()


def test_loads_offline_with_no_error_and_no_request(visit):
    assert visit.requests == [visit.url]
    assert visit.errors == []


def test_counts_match_the_graph(visit, graph):
    view = network_view(graph)
    counts = visit.page.query_selector("#counts")
    assert (int(counts.get_attribute("data-nodes")), int(counts.get_attribute("data-edges"))) == (
        view.number_of_nodes(), view.number_of_edges())
    assert counts.inner_text() == f"{view.number_of_nodes():,} nodes \u00b7 {view.number_of_edges():,} edges"
    assert visit.js("() => [takedownKg.nodes.length, takedownKg.edges.length]") == [
        view.number_of_nodes(), view.number_of_edges()]


@pytest.mark.parametrize("text", ["Telegram", "ٹیلیگرام"])
def test_search_focuses_telegram(visit, text):
    visit.page.fill("#search", text)
    visit.page.press("#search", "Enter")
    assert visit.js("() => takedownKg.network.getSelectedNodes()") == [TKD + "telegram"]
    assert visit.page.inner_text("#details-title") == "Telegram"
    assert visit.page.inner_text("#search-result") == "Found: Telegram"


def test_clicking_x_compliance_shows_rate_and_urdu_sentence(visit):
    visit.click_node(TKD + "pni/compliance-x")
    assert visit.js("() => takedownKg.network.getSelectedNodes()") == [TKD + "pni/compliance-x"]
    text = visit.details()
    assert "compliance rate\t30%" in text
    assert "attributed to: government data" in text
    quote = visit.page.query_selector("#details blockquote")
    assert quote.inner_text() == "اس کے برعکس، ایکس (ٹوئٹر) اور واٹس ایپ کا ردعمل مایوس کن رہا، جن کی عمل درآمد کی شرح صرف 30 فیصد رہی۔"
    assert (quote.get_attribute("dir"), quote.get_attribute("lang")) == ("rtl", "ur")
    font = visit.js("() => getComputedStyle(document.querySelector('#details blockquote')).fontFamily")
    assert "Noto Nastaliq Urdu" in font


def test_language_switch_changes_labels(visit):
    label = "id => takedownKg.nodes.get(id).label"
    assert visit.js(label, TKD + "telegram") == "Telegram"
    visit.page.click("#lang-ur")
    assert visit.js(label, TKD + "telegram") == "ٹیلیگرام"
    assert visit.page.get_attribute("#lang-ur", "aria-pressed") == "true"
    visit.page.click("#lang-en")
    assert visit.js(label, TKD + "telegram") == "Telegram"


def test_class_filter_hides_and_shows(visit):
    visit.page.uncheck('#classes input[data-cls="tk:SocialMediaPlatform"]')
    assert visit.js("id => takedownKg.nodes.get(id).hidden", TKD + "telegram") is True
    visit.page.check('#classes input[data-cls="tk:SocialMediaPlatform"]')
    assert visit.js("id => takedownKg.nodes.get(id).hidden", TKD + "telegram") is False


def test_layout_is_the_same_every_time(browser, page_file, visit):
    again = Visit(browser, page_file)
    try:
        positions = "() => takedownKg.network.getPositions()"
        assert again.js(positions) == visit.js(positions)
    finally:
        again.page.close()


def test_markup_in_labels_stays_text(browser, tmp_path):
    target = tmp_path / "markup.html"
    assert run_cli("graph", "-o", str(target), "--data", str(FIXTURES / "network" / "markup.ttl")).returncode == 0
    opened = Visit(browser, target)
    try:
        opened.page.fill("#search", "img")
        opened.page.press("#search", "Enter")
        assert opened.page.inner_text("#details-title") == "<img src=x onerror=alert(1)> href"
        opened.click_node(TKD + "injected")
        box = opened.page.query_selector("#network").bounding_box()
        point = opened.js("id => takedownKg.network.canvasToDOM(takedownKg.network.getPosition(id))", TKD + "injected")
        opened.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        opened.page.wait_for_selector(".vis-tooltip", state="visible", timeout=5_000)
        assert "<img" in opened.page.inner_text(".vis-tooltip")
        opened.page.click("#lang-ur")
        assert opened.page.inner_text("#details-title") == "<b onmouseover=alert(2)>اردو</b>"
        assert opened.js("() => document.querySelectorAll('img, b').length") == 0
        assert opened.page.query_selector("#details blockquote").inner_text() == "<script>alert('quote')</script> href"
        assert opened.dialogs == [] and opened.errors == []
    finally:
        opened.page.close()


def test_screenshot_has_real_content(visit):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTEFACTS / "graph.png"
    visit.page.fill("#search", "Telegram")
    visit.page.press("#search", "Enter")
    target.write_bytes(visit.page.screenshot(type="png"))
    assert target.stat().st_size > 50_000
    # The drawing itself: share of canvas pixels that are not background.
    inked = visit.js("""() => {
        const canvas = document.querySelector('#network canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) inked++;
        return inked / (data.length / 4);
    }""")
    assert inked > 0.02


def test_screenshot_command(tmp_path):
    need(chromium_path() is not None, "Chromium is not installed (apt-get install chromium)")
    page, png = tmp_path / "graph.html", tmp_path / "graph.png"
    result = run_cli("graph", "-o", str(page), "--screenshot", str(png), "--search", "Telegram")
    assert (result.returncode, result.stdout) == (0, f"wrote {page}\nwrote {png}\n")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_needs_chromium_only(tmp_path):
    need(chromium_path() is not None, "Chromium is not installed (apt-get install chromium)")
    page, png = tmp_path / "graph.html", tmp_path / "graph.png"
    script = ("import sys; sys.modules['playwright'] = None  # no Playwright to be had\n"
              "from takedown_kg.cli import main; sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", script, "graph", "-o", str(page), "--screenshot", str(png)],
                            capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stderr) == (0, "")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000


def test_screenshot_without_chromium_names_the_install(tmp_path, monkeypatch):
    from takedown_kg.views import screenshot
    from takedown_kg.errors import UsageError

    monkeypatch.setattr(screenshot, "chromium_path", lambda: None)
    with pytest.raises(UsageError, match="^a screenshot needs Chromium: apt-get install chromium fonts-noto-core$"):
        screenshot.take(tmp_path / "graph.html", tmp_path / "graph.png")


def test_a_script_smuggled_into_the_page_does_not_run(browser, page_file, tmp_path):
    # The policy lists the page's own scripts by hash: an injected one, if an
    # escaping bug ever let one through, is blocked by the browser.
    html = page_file.read_text(encoding="utf-8")
    tampered = tmp_path / "tampered.html"
    tampered.write_text(html.replace("</body>", "<script>document.title = 'pwned'</script></body>"), encoding="utf-8")
    visit = Visit(browser, tampered)
    assert visit.js("document.title") != "pwned"
    assert any("Content Security Policy" in error for error in visit.errors)
    assert visit.js("takedownKg.network.body.data.nodes.length") > 0


# --- corroboration and disagreement (the whole corpus, with the curators' links) ---

@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory):
    target = tmp_path_factory.mktemp("corpus-page") / "graph.html"
    assert run_cli("graph", "-o", str(target)).returncode == 0
    return target


@pytest.fixture
def corpus_visit(browser, corpus_page):
    opened = Visit(browser, corpus_page)
    yield opened
    opened.page.close()


def test_disputed_facts_are_marked_in_the_drawing_and_the_legend(corpus_visit):
    from takedown_kg.views.comparison import compare

    assert corpus_visit.requests == [corpus_visit.url] and corpus_visit.errors == []
    disputed = sorted(corpus_visit.js("() => takedownKg.nodes.get({filter: n => n.borderWidth === 4}).map(n => n.id)"))
    briefings = [TKD + "ap/joint-press-conference", TKD + "dailytimes/joint-press-conference",
                 TKD + "pni/joint-media-briefing", TKD + "thenews/joint-press-conference"]
    assert disputed == briefings
    assert corpus_visit.js("id => takedownKg.nodes.get(id).color.border", TKD + "pni/joint-media-briefing") == "#d0021b"
    assert corpus_visit.page.inner_text("#disputed-count") == "disputed by another report: 4"
    # The page's marks are the compare command's statuses.
    assert [f.fact for f in compare("pni").facts if f.status.startswith("disputed")] == [TKD + "pni/joint-media-briefing"]


def test_a_facts_details_list_the_reports_that_confirm_or_dispute_it(corpus_visit):
    corpus_visit.js("id => takedownKg.showDetails(id)", TKD + "pni/compliance-x")
    items = corpus_visit.page.query_selector_all("#details-reports li")
    assert [i.get_attribute("data-relation") for i in items] == ["confirms"] * 4
    assert items[3].inner_text() == ("confirms The Express Tribune: about 30 percent\n"
                                     "https://tribune.com.pk/story/2561332/hundreds-of-terror-accounts-on-social-media-blocked")
    corpus_visit.js("id => takedownKg.showDetails(id)", TKD + "pni/joint-media-briefing")
    items = corpus_visit.page.query_selector_all("#details-reports li")
    assert items[0].inner_text() == ("disputes The News, 2025-07-25: 2025-07-25 (different dates)\n"
                                     "https://www.thenews.com.pk/latest/1330764-pakistan-urges-tech-firms-to-block-terror-accounts")
    # Addresses are text, not links: nothing to fetch.
    assert corpus_visit.js("() => document.querySelectorAll('#details a').length") == 0
    assert corpus_visit.requests == [corpus_visit.url]


def test_the_source_filter_shows_one_reports_claims_or_all(corpus_visit):
    hidden = "id => takedownKg.nodes.get(id).hidden"
    corpus_visit.page.select_option("#source-filter", TKD + "thenews/report")
    assert corpus_visit.js(hidden, TKD + "thenews/joint-press-conference") is False
    assert corpus_visit.js(hidden, TKD + "talal-chaudhry") is False       # an actor the report's claims link
    assert corpus_visit.js(hidden, TKD + "pni/joint-media-briefing") is True
    assert corpus_visit.js(hidden, TKD + "tribune/compliance-x") is True
    shown = corpus_visit.js("() => takedownKg.nodes.get({filter: n => !n.hidden}).map(n => n.id)")
    assert {n for n in shown if n.startswith(TKD + "thenews/")} == {
        TKD + f"thenews/{name}" for name in ("report", "joint-press-conference", "reporting-of-accounts", "demand-block-and-remove",
                                             "demand-ai-against-mirror-accounts", "demand-share-account-holder-information")}
    assert not [n for n in shown if n.startswith((TKD + "pni/", TKD + "tribune/", TKD + "ap/"))]
    corpus_visit.page.select_option("#source-filter", "")
    assert corpus_visit.js("() => takedownKg.nodes.get({filter: n => n.hidden}).length") == 0


def test_the_compare_page_shows_the_tables_statuses_with_no_request(browser, tmp_path):
    from takedown_kg.views.comparison import compare

    target = tmp_path / "compare.html"
    assert run_cli("compare", "--format", "html", "-o", str(target)).returncode == 0
    opened = Visit(browser, target)
    try:
        assert opened.requests == [opened.url] and opened.errors == []
        shown = opened.js("() => Array.from(document.querySelectorAll('#facts tbody tr')).map("
                          "r => [r.dataset.id, r.querySelector('.status').textContent, r.dataset.kind])")
        assert shown == [[f.id, f.status, f.kind] for f in compare("pni").facts]
        assert opened.page.inner_text("#summary") == "pni · 26 facts: 11 corroborated, 1 disputed, 14 only this source"
        assert opened.js("() => document.querySelectorAll('a, img, link, iframe').length") == 0
    finally:
        opened.page.close()


# --- the page's own words in Urdu, right to left ---

#: Every text the page itself shows (the data's is marked data-datum), and every label and placeholder it
#: gives: what must all be Urdu once Urdu is chosen. The language buttons name themselves in both.
_CHROME = """() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!node.textContent.trim()) continue;
        if (parent.closest("[data-datum], script, style, option, #lang-en, #lang-ur")) continue;
        if (!parent.checkVisibility({ visibilityProperty: true }) || !parent.getClientRects().length) continue;
        texts.push(node.textContent);
    }
    const labelled = Array.from(document.querySelectorAll("[placeholder], [aria-label]"));
    const attributes = labelled.flatMap(e => [e.getAttribute("placeholder"), e.getAttribute("aria-label")]);
    return {
        texts,
        attributes: attributes.filter(Boolean),
        title: document.title,
        first_option: document.querySelector("#source-filter option").textContent,
    };
}"""
#: What switching the language back must restore exactly.
_EVERYTHING = """() => ({
    text: document.body.innerText,
    title: document.title,
    root: [document.documentElement.lang, document.documentElement.dir],
    attributes: Array.from(document.querySelectorAll("*")).map(
        e => ["placeholder", "aria-label", "lang", "dir"].map(name => e.getAttribute(name))),
    options: Array.from(document.querySelectorAll("#source-filter option")).map(o => o.textContent),
    nodes: takedownKg.nodes.get().map(n => [n.id, n.label, n.title]),
    edges: takedownKg.edges.get().map(e => [e.id, e.label]),
})"""
_LETTER = r"[^\W\d_]"


def _literals(text: str) -> list[str]:
    """The fixed parts of a value of the words table, between its {placeholders}."""
    return [literal for literal, *_ in string.Formatter().parse(text)]


def _pattern(text: str) -> str:
    """A regular expression for a value of the words table, each {placeholder} standing for any text."""
    return "".join(re.escape(literal) + (".+?" if name else "") for literal, name, *_ in string.Formatter().parse(text))


def test_urdu_switches_every_word_of_the_page_and_turns_it_right_to_left(corpus_visit):
    page = corpus_visit.page
    # A search done and a disputed fact's details open: every kind of line the page writes.
    page.fill("#search", "Telegram")
    page.press("#search", "Enter")
    corpus_visit.js("id => takedownKg.showDetails(id)", TKD + "pni/joint-media-briefing")
    english = corpus_visit.js(_EVERYTHING)
    page.click("#lang-ur")
    assert corpus_visit.js("() => [document.documentElement.dir, document.documentElement.lang]") == ["rtl", "ur"]
    chrome = corpus_visit.js(_CHROME)
    shown = chrome["texts"] + chrome["attributes"] + [chrome["title"], chrome["first_option"]]
    # None of the table's English is left where the page speaks for itself...
    for key, (words, _) in NETWORK_WORDS.items():
        for literal in _literals(words):
            if len(re.findall(r"[A-Za-z]", literal)) >= 3:
                english_words = r"(?<![A-Za-z])" + re.escape(literal.strip()) + r"(?![A-Za-z])"
                assert not [text for text in shown if re.search(english_words, text)], (key, literal)
    # ...and each of its texts is one of the table's Urdu values (figures and marks aside).
    urdu = [_pattern(ur.strip()) for _, ur in NETWORK_WORDS.values() if re.search(_LETTER, re.sub(r"\{\w+\}", "", ur))]
    for text in shown:
        if re.search(_LETTER, text):
            assert any(re.fullmatch(pattern, text.strip(), re.DOTALL) for pattern in urdu), text
    headings = ("روابط", "دوسری رپورٹیں کیا کہتی ہیں", "ثبوت", "زمرے", "دعوے")
    assert set(headings) | {"تضاد", "مختلف تاریخیں", "مل گیا: ٹیلیگرام"} <= set(chrome["texts"])
    assert chrome["first_option"] == "تمام ذرائع"
    nodes, edges = corpus_visit.js("() => [takedownKg.nodes.length, takedownKg.edges.length]")
    assert page.inner_text("#counts") == f"{nodes} نوڈز · {edges} روابط"
    assert page.inner_text("#disputed-count") == "کسی دوسری رپورٹ سے متضاد: 4"
    assert page.get_attribute("#search", "placeholder") == "نوڈ تلاش کریں: اردو یا English"
    # The legend's classes are the ontology's Urdu names.
    assert page.inner_text('#classes label[data-cls="tk:SocialMediaPlatform"] .name') == "سوشل میڈیا پلیٹ فارم"
    # Right to left: the legend on the right, the details on the left.
    left = lambda selector: page.query_selector(selector).bounding_box()["x"]
    assert left("#legend") > left("#network") > left("#details")
    page.click("#lang-en")
    assert corpus_visit.js(_EVERYTHING) == english
    assert left("#legend") < left("#network") < left("#details")
    assert corpus_visit.errors == [] and corpus_visit.requests == [corpus_visit.url]


def test_a_page_opened_in_urdu_is_the_page_switched_to_urdu(browser, page_file, tmp_path):
    in_urdu = tmp_path / "urdu.html"
    assert run_cli("graph", "-o", str(in_urdu), "--source", "pni", "--lang", "ur").returncode == 0
    opened, switched = Visit(browser, in_urdu), Visit(browser, page_file)
    try:
        switched.page.click("#lang-ur")
        assert opened.js(_EVERYTHING) == switched.js(_EVERYTHING)
        assert opened.js("() => document.documentElement.dir") == "rtl"
        # A picture for a person to look at (out/test-artefacts/graph-ur.png): right to left, the Urdu shaped.
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        opened.page.fill("#search", "ٹیلیگرام")
        opened.page.press("#search", "Enter")
        (ARTEFACTS / "graph-ur.png").write_bytes(opened.page.screenshot(type="png"))
        assert (ARTEFACTS / "graph-ur.png").stat().st_size > 50_000
        # Shaped: the letters of an Urdu word join, so it is much narrower than its letters kept apart (by ZWNJ).
        joined, apart = opened.js("""() => {
            const span = document.createElement("span");
            document.querySelector("header").append(span);
            const width = text => { span.textContent = text; return span.getBoundingClientRect().width; };
            const widths = [width("تفصیلات"), width(Array.from("تفصیلات").join("\\u200c"))];
            span.remove();
            return widths;
        }""")
        assert joined < 0.8 * apart
    finally:
        opened.page.close()
        switched.page.close()
