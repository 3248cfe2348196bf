"""The query page of `takedown-kg serve` in headless Chromium: type a query, see the table,
Urdu right to left, markup in data stays text, and no request leaves the machine.
Under CI=true a missing browser fails these tests."""

from __future__ import annotations

import urllib.request

import pytest

from conftest import ARTEFACTS, FIXTURES, need, run_cli
from servers import serving
from takedown_kg.sparql.library import named_queries
from takedown_kg.views.screenshot import chromium_path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("page")
    assert run_cli("build", "--out", "out", cwd=folder).returncode == 0
    with serving(cwd=folder) as running:
        yield running


class Visit:
    """The page opened in the browser, with every request it made and every error it raised."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.goto(url)
        self.page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=60_000)

    def run(self, query: str | None = None) -> None:
        if query is not None:
            self.page.fill("#query", query)
        self.page.click("#run")
        self.page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=60_000)

    def column(self, index: int) -> list[str]:
        return self.page.eval_on_selector_all(f"#table tbody tr td:nth-child({index})", "cells => cells.map(c => c.textContent)")


@pytest.fixture
def visit(browser, server):
    opened = Visit(browser, server.url)
    yield opened
    opened.page.close()


def test_the_editor_starts_on_the_compliance_query_and_lists_the_named_queries(visit):
    # The starter is a named query as shipped, its PREFIX lines included, chosen in the menu.
    assert visit.page.input_value("#query") == named_queries()["compliance"].text
    assert visit.page.input_value("#named") == "compliance"
    options = visit.page.eval_on_selector_all("#named option", "options => options.map(o => o.value)")
    assert options == ["", *sorted(named_queries())]
    # The prefixes every query has are listed under it, each source's among them.
    declared = visit.page.text_content("#prefixes pre")
    assert declared.startswith("PREFIX tk: <https://w3id.org/takedown-kg/ontology#>\n")
    assert "PREFIX pni: <https://w3id.org/takedown-kg/id/pni/>\n" in declared
    assert visit.errors == []


def test_the_starter_answers_honestly(visit):
    """Every platform by its label, each rate as stated: Facebook and TikTok "more than 90%", a bound."""
    visit.run()
    assert visit.column(1) == ["Facebook", "TikTok", "Telegram", "WhatsApp", "X (Twitter)", "Instagram"]
    assert visit.column(2)[:2] == ["more than 90%", "more than 90%"]
    assert visit.column(4)[:2] == ["true", "true"]  # rateIsLowerBound
    assert not any(cell.startswith(("tkd:", "<")) for cell in visit.column(1))
    assert visit.errors == []


def test_typing_a_query_shows_the_table_with_urdu_right_to_left(visit, server):
    visit.run("SELECT ?platform ?urdu WHERE { ?platform a tk:SocialMediaPlatform ; rdfs:label ?urdu "
              "FILTER(lang(?urdu) = 'ur') } ORDER BY ?platform")
    headers = visit.page.eval_on_selector_all("#table th", "cells => cells.map(c => c.textContent)")
    assert headers == ["platform", "urdu"]
    assert visit.column(1) == ["tkd:facebook", "tkd:instagram", "tkd:telegram", "tkd:tiktok", "tkd:whatsapp", "tkd:x"]
    assert visit.column(2)[2] == "ٹیلیگرام"
    cell = "#table tbody tr:nth-child(3) td:nth-child(2)"
    assert (visit.page.get_attribute(cell, "lang"), visit.page.get_attribute(cell, "dir")) == ("ur", "rtl")
    assert visit.page.eval_on_selector(cell, "c => getComputedStyle(c).direction") == "rtl"
    assert visit.page.inner_text("#status").startswith("6 rows (")
    # Everything the page asked for came from this server, and nothing else was asked.
    assert visit.requests == [server.url, server.url + "sparql"]
    assert visit.errors == [] and visit.dialogs == []


def test_a_named_query_from_the_menu_and_its_download_links(visit, server):
    visit.page.select_option("#named", "compliance")
    assert visit.page.input_value("#query") == named_queries()["compliance"].text
    visit.run()
    assert visit.column(1) == ["Facebook", "TikTok", "Telegram", "WhatsApp", "X (Twitter)", "Instagram"]
    links = visit.page.eval_on_selector_all("#downloads a", "links => links.map(a => [a.textContent, a.href])")
    assert [name for name, _ in links] == ["json", "xml", "csv", "tsv"]
    with urllib.request.urlopen(dict(links)["csv"], timeout=60) as response:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        body = response.read().decode("utf-8")
    assert body.splitlines()[1] == "Facebook,more than 90%,90,true,,90 فیصد سے زائد,S9,government data"


def test_a_refused_query_shows_the_one_line_error(visit):
    visit.run("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert visit.page.inner_text("#status") == ("Error: SERVICE <http://127.0.0.1:9/sparql> is refused: queries run on "
                                                "the loaded data only, never over the network")
    assert visit.page.query_selector("#table") is None


def test_markup_in_the_data_stays_text(browser, tmp_path):
    with serving("--data", str(FIXTURES / "network" / "markup.ttl"), cwd=tmp_path) as running:
        opened = Visit(browser, running.url)
        try:
            opened.run("SELECT ?label ?quote WHERE { tkd:injected rdfs:label ?label . ?span oa:exact ?quote } ORDER BY ?label")
            assert opened.column(1) == ["<b onmouseover=alert(2)>اردو</b>", "<img src=x onerror=alert(1)> href"]
            assert opened.column(2) == ["<script>alert('quote')</script> href"] * 2
            assert opened.page.evaluate("() => document.querySelectorAll('#results img, #results b, #results script').length") == 0
            assert opened.dialogs == [] and opened.errors == []
            assert all(url.startswith(running.url) for url in opened.requests)
        finally:
            opened.page.close()


def test_the_screenshot_command(tmp_path):
    need(chromium_path() is not None, "Chromium is not installed (apt-get install chromium)")
    png = tmp_path / "query.png"
    result = run_cli("serve", "--screenshot", "query.png", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "wrote query.png\n")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "query.png").write_bytes(png.read_bytes())
