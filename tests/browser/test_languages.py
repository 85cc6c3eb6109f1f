"""The language switch in real Chromium (issue 15): on the graph page of the demo chain, a
person whose browser asks for English reaches "Nederlands" with the keyboard, presses Enter,
and reads the page and the graph's side panel in Dutch; the page stays clean (no script error,
no Content Security Policy violation, nothing from another origin). The Dutch graph page is
saved as a screenshot for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Watched, watch
from tests.browser.test_pages import assert_clean, origin, sign_in
from tests.browser.test_seeing import (
    VIEWPORTS,
    Site,
    graph_path,
    open_page,
    signed_in_context,
    site,
)

__all__ = ["origin", "site"]  # the services of the pages' tests and of the seeing tests

LAYOUT_JS = Path(__file__).with_name("layout.js").read_text(encoding="utf-8")
"""The layout check run in the page (see the file's comment)."""


def press_until_focused(page: Any, selector: str, *, presses: int = 60) -> None:
    """Tab through the page until ``selector`` has the focus (the keyboard's way there)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_switching_the_graph_page_to_dutch_with_the_keyboard(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """English first (the browser asks for it); the switch's "Nederlands" link, reached with
    Tab and followed with Enter, shows the same graph in Dutch, its panel too."""
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/graph/loonwolk-online")
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#filter-status legend") == "Links by status"

    press_until_focused(page, 'a[hreflang="nl"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{origin}/w/acme/graph/loonwolk-online?lang=nl")
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    assert page.get_attribute("html", "lang") == "nl"
    assert page.inner_text("h1").startswith("Graaf: ")
    assert page.inner_text("#filter-status legend") == "Schakels per status"
    assert "Klik op een dienst of een schakel" in page.inner_text("#graph-panel")

    point = page.evaluate("window.ketenkaart.domPosition('wacht-soc')")
    page.mouse.click(point["x"], point["y"])
    page.locator("#graph-panel h2", has_text="WachtPost 24x7 SOC").wait_for()
    panel = page.inner_text("#graph-panel")
    for dutch in ("Soort", "Leverancier", "Rang", "De schakel naar deze dienst", "beheerde dienst"):
        assert dutch in panel, dutch
    assert "Supplier" not in panel and "The link into this service" not in panel
    # the table of links under the graph: its first column and how it is sorted
    assert page.inner_text("#graph-table thead th >> nth=0").startswith("Rang")
    assert "gesorteerd op rang" in page.inner_text("#graph-table caption")
    page.screenshot(path=str(artefacts / "graph-nl.png"), full_page=True)

    page.goto(f"{origin}/w/acme")  # the choice is kept for the next page
    assert page.get_attribute("html", "lang") == "nl"
    assert "Online diensten op 27 november 2026" in page.inner_text("main")
    assert_clean(watched, origin)


# --- how the switch and the longer Dutch words sit on the page ----------------------------------

LOOKED_AT = {
    "overview": "/w/demo",
    "report": "/w/demo/report/loonwolk-online?at=2026-11-27",
    "graph": "graph:demo",
    "graph-kinder": "graph:kinder",
    "dependencies": "/w/demo/dependencies",
    "evidence": "/w/demo/evidence",
    "evidence-form": "/w/demo/evidence/veilig-zol",
    "import": "/w/demo/import",
    "people": "/w/demo/people",
    "account": "/account",
}
"""The pages whose screenshots a person looked at in both languages and at both sizes."""


@pytest.fixture(
    scope="module",
    params=[(size, lang) for size in VIEWPORTS for lang in ("en", "nl")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def reader(request: pytest.FixtureRequest, browser: Any, site: Site) -> Iterator[tuple[Any, str]]:
    """A browser context at a viewport, signed in, reading one language (the switch's
    cookie), with that language's name."""
    size, language = request.param
    context = signed_in_context(browser, site, *VIEWPORTS[size], language=language)
    yield context, language
    context.close()


def layout_problems(page: Any) -> list[str]:
    """The switch over or outside the header's items, and controls, headings or tables wider
    than what holds them or broken over lines (layout.js)."""
    return list(page.evaluate(LAYOUT_JS))


@pytest.mark.parametrize("name", list(LOOKED_AT))
def test_the_switch_and_the_dutch_words_fit(
    name: str, reader: tuple[Any, str], site: Site, artefacts: Path
) -> None:
    """In English and in Dutch, at 1400x900 and 1024x768: the switch stands beside the
    header's other items on one line, the language in use in bold; no control, heading or
    table is wider than what holds it, no button is broken over lines, the page is no wider
    than the window. Each page is saved as a screenshot."""
    context, language = reader
    w = watch(context.new_page())
    path = LOOKED_AT[name]
    if path.startswith("graph:"):
        path = graph_path(site, path.split(":", 1)[1])
    page = open_page(w, site, path)
    assert page.get_attribute("html", "lang") == language
    size = f"{page.viewport_size['width']}x{page.viewport_size['height']}"
    shot = artefacts / f"lang-{name}-{language}-{size}"
    page.screenshot(path=f"{shot}.png", full_page=True)
    page.screenshot(path=f"{shot}-screen.png")  # the first screen, as a person opening it sees
    try:
        problems = layout_problems(page)
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


SWITCH_JS = """
(link) => {
  let back = "rgb(255, 255, 255)";
  for (let e = link; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c !== "rgba(0, 0, 0, 0)" && c !== "transparent") { back = c; break; }
  }
  const cs = getComputedStyle(link);
  return {
    text: link.textContent, colour: cs.color, background: back, weight: Number(cs.fontWeight),
    current: link.getAttribute("aria-current"), underline: cs.textDecorationLine,
    outline: [cs.outlineStyle, parseFloat(cs.outlineWidth), cs.outlineColor],
  };
}
"""


def contrast(colour: str, background: str) -> float:
    """The WCAG 2.1 contrast ratio of two opaque CSS colours (``rgb(r, g, b)``)."""

    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_switch_reads_says_the_language_in_use_and_shows_the_focus(
    reader: tuple[Any, str], site: Site
) -> None:
    """Both names read against the header (4.5:1 or more); the language in use is bold, not
    underlined and aria-current, the other an underlined link; reached with Tab, the other
    language's link shows a focus ring of 2 px or more that stands out (3:1)."""
    context, language = reader
    page = context.new_page()
    try:
        page.goto(f"{site.origin}/w/demo")
        links = page.locator("header.top .language-switch a")
        assert links.count() == 2
        seen = [links.nth(i).evaluate(SWITCH_JS) for i in range(2)]
        for link in seen:
            ratio = contrast(link["colour"], link["background"])
            assert ratio >= 4.5, (link["text"], ratio)
            here = link["text"] == {"en": "English", "nl": "Nederlands"}[language]
            assert (link["current"] == "true") is here, link
            assert (link["weight"] >= 700) is here, link
            assert ("underline" in link["underline"]) is not here, link
        other = "nl" if language == "en" else "en"
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches('a[hreflang={other}]')"):
                break
        else:
            raise AssertionError("the other language's link is not reachable with Tab")
        focused = page.locator(f"a[hreflang={other}]").evaluate(SWITCH_JS)
        style, width, colour = focused["outline"]
        assert style not in ("none", "hidden") and width >= 2, focused
        assert contrast(colour, focused["background"]) >= 3, focused
    finally:
        page.close()


def test_the_layout_check_sees_what_it_looks_for(reader: tuple[Any, str], site: Site) -> None:
    """The check itself, on a page broken on purpose: the switch moved over the account's
    links, a button kept on one line wider than its form, a button broken over lines, the
    language in use no longer bold: each is reported."""
    context, _language = reader
    page = context.new_page()
    try:
        page.goto(f"{site.origin}/account")
        assert layout_problems(page) == []
        broken = (
            "header.top .language-switch { position: relative; right: 12rem; }"
            ".language-switch a[aria-current] { font-weight: 400; }"
            "form.stacked button { width: 60rem; }"
            "main form:not(.stacked) button { width: 4rem; }"
        )
        page.evaluate(  # a style sheet made by script: the page's CSP refuses a <style>
            """(css) => {
                const sheet = new CSSStyleSheet();
                sheet.replaceSync(css);
                document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
            }""",
            broken,
        )
        found = "\n".join(layout_problems(page))
        assert "the switch overlaps" in found
        assert "is not bold, the language in use" in found
        assert re.search(r"button .* is \d+px wide, past form\.stacked", found), found
        assert re.search(r"button .* is broken over \d lines", found), found
    finally:
        page.close()
