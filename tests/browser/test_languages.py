"""The language switch in real Chromium (issue 15): on the graph page of the demo chain, a
person whose browser asks for English reaches "Nederlands" with the keyboard, presses Enter,
and reads the page and the graph's side panel in Dutch; the page stays clean (no script error,
no Content Security Policy violation, nothing from another origin). The Dutch graph page is
saved as a screenshot for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import Watched
from tests.browser.test_pages import assert_clean, origin, sign_in

__all__ = ["origin"]  # the service with the demo chain, shared with the pages' tests


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
    page.screenshot(path=str(artefacts / "graph-nl.png"), full_page=True)

    page.goto(f"{origin}/w/acme")  # the choice is kept for the next page
    assert page.get_attribute("html", "lang") == "nl"
    assert "Online diensten op 27 november 2026" in page.inner_text("main")
    assert_clean(watched, origin)
