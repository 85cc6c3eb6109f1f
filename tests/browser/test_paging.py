"""A long report and a long register table in real Chromium: the pager's links lead through
the rows, the count says where one is, and a printout of a paged report says it is a part and
where the whole is, without the pager's links (ADR 29)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app import accounts, membership, passwords, services
from app.audit import COMMAND_LINE
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from tests.app.test_report_paging import long_chain
from tests.browser.conftest import Watched, serve
from tests.browser.test_pages import CLOCK, EDITOR, PASSWORD, assert_clean


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service on a free port: workspace acme with an offering of 250 gaps, an editor."""
    passwords.use_cheap_hashing()
    folder = tmp_path_factory.mktemp("paging")
    engine = make_engine(f"sqlite:///{folder / 'ketenkaart.db'}")
    upgrade(engine)
    with Session(engine) as session:
        editor = accounts.create_user(
            session, email=EDITOR, display_name="Eddie", password=PASSWORD, actor=COMMAND_LINE
        )
        workspace = membership.create_workspace(
            session, slug="acme", name="Acme audit", owner=editor, actor=COMMAND_LINE
        )
        services.import_chain(
            session,
            workspace=workspace,
            name="long.json",
            data=json.dumps(long_chain()).encode(),
            dry_run=False,
        )
    settings = Settings(database_url="sqlite://", documents_dir=None, plain_http_localhost=True)
    app = create_app(settings, engine=engine)
    app.state.clock = lambda: CLOCK
    with serve(app) as url:
        yield url
    engine.dispose()


def sign_in(page: Any, origin: str, target: str) -> None:
    """Open ``target``, sign in on the form it sends to, and come back."""
    page.goto(f"{origin}{target}")
    page.fill("input[name=email]", EDITOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{origin}{target}")


def test_paging_through_the_gaps_and_printing_a_page(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """Next and Last lead through the gaps, landing on the table; the printout keeps the
    note and the count, not the links."""
    page = watched.page
    sign_in(page, origin, "/w/acme/report/app?at=2026-11-27")
    gaps = page.locator("section#gap")
    assert "Gaps: rows 1 to 100 of 250, page 1 of 3." in gaps.inner_text()
    gaps.locator("nav.pager >> text=Next").click()
    page.wait_for_url("**/w/acme/report/app?*gap_page=2*#gap")
    assert "Gaps: rows 101 to 200 of 250, page 2 of 3." in gaps.inner_text()
    assert gaps.locator("tbody tr").count() == 100
    assert gaps.locator("tbody tr").first.inner_text().split()[0] == "1"
    assert "p100" in gaps.locator("tbody tr").first.inner_text()
    gaps.locator("nav.pager >> text=Last").click()
    page.wait_for_url("**gap_page=3#gap")
    assert gaps.locator("tbody tr").count() == 50
    page.emulate_media(media="print")
    assert page.locator("p.partial").is_visible()
    assert "a printout holds only the rows shown" in page.inner_text("p.partial")
    assert gaps.locator("p.pager-count").is_visible()
    assert gaps.locator("ul.pager-links").is_hidden()
    page.screenshot(path=str(artefacts / "paging-report-print.png"), full_page=True)
    page.emulate_media(media="screen")
    assert_clean(watched, origin)


def test_paging_through_a_register_table(watched: Watched, origin: str) -> None:
    """The services table: 200 rows, then the next page's 53, by the pager's links."""
    page = watched.page
    sign_in(page, origin, "/w/acme/services")
    assert page.locator("table.entities tbody tr").count() == 200
    page.locator("nav.pager >> text=Next").click()
    page.wait_for_url("**/w/acme/services?page=2")
    assert page.locator("table.entities tbody tr").count() == 53
    assert "253 services; showing 201 to 253, page 2 of 2." in page.inner_text("main")
    assert_clean(watched, origin)
