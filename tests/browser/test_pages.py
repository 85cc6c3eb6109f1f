"""The register pages in real Chromium against the service on a local port: sign in, read the
overview, edit a supplier, open the graph and click a service, move the date and see the link's
verdict change, and download the scoping report. Every request stays on the service's origin,
no script error and no Content Security Policy violation occurs, and the graph and the report
are saved as screenshots for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app import accounts, membership, passwords, repository, services
from app.audit import COMMAND_LINE
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from graph.forecast import forecast
from graph.profiles import find_profile
from tests.browser.conftest import Watched, serve

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple jumps"  # noqa: S105 - the test account's password
EDITOR = "editor@acme.example"
CLOCK = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ENGINE: list[Any] = []  # the module's server's engine, to open sessions in


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with the pages on a free port: workspace acme with the demo chain, an
    editor, and the clock at 2026-11-27."""
    passwords.use_cheap_hashing()
    folder = tmp_path_factory.mktemp("pages")
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
            name="demo-chain.yaml",
            data=(ROOT / "examples" / "demo-chain.yaml").read_bytes(),
            dry_run=False,
        )
    ENGINE[:] = [engine]
    settings = Settings(database_url="sqlite://", documents_dir=None, plain_http_localhost=True)
    app = create_app(settings, engine=engine)
    app.state.clock = lambda: CLOCK
    with serve(app) as url:
        yield url
    engine.dispose()


def assert_clean(watched: Watched, origin: str) -> None:
    """No dialog, no script error, no CSP violation, no request to another origin."""
    assert watched.dialogs == []
    assert watched.errors == []
    assert watched.violations() == []
    assert [u for u in watched.requests if not u.startswith(origin + "/")] == []


def sign_in(page: Any, origin: str) -> None:
    """Open the overview, get sent to the sign-in form, type the account in and come back."""
    page.goto(f"{origin}/w/acme")
    assert "/login?next=%2Fw%2Facme" in page.url
    page.fill("input[name=email]", EDITOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{origin}/w/acme")


def test_the_sign_in_form_works_in_a_real_browser(watched: Watched, origin: str) -> None:
    """Typing the e-mail address and password into the sign-in form leads to the page asked."""
    page = watched.page
    page.goto(f"{origin}/w/acme")
    page.fill("input[name=email]", EDITOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{origin}/w/acme"


def test_overview_and_editing_a_supplier(watched: Watched, origin: str) -> None:
    """The overview shows the offering's verdict; the supplier form saves a new name."""
    page = watched.page
    sign_in(page, origin)
    row = page.locator("table.offerings tbody tr").first
    assert "LoonWolk Online" in row.inner_text()
    assert row.locator(".status-word").inner_text() == "gap"
    page.click("nav.ws-nav >> text=Suppliers")
    page.fill("input[name=q]", "wacht")
    page.click("form.filter button")
    page.click("table.entities >> text=wacht")
    page.fill("input[name=name]", "WachtPost SOC B.V.")
    page.click("form.entity-form button[type=submit]")
    page.locator("p.message", has_text="Saved wacht.").wait_for()
    assert "WachtPost SOC B.V." in page.inner_text("table.entities")
    assert_clean(watched, origin)


def panel_of(page: Any, node: str) -> str:
    """Click ``node`` in the drawn graph and return the side panel's text."""
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    point = page.evaluate(f"window.ketenkaart.domPosition({node!r})")
    page.mouse.click(point["x"], point["y"])
    page.locator("#graph-panel h2", has_text="WachtPost 24x7 SOC").wait_for()
    return str(page.inner_text("#graph-panel"))


def test_graph_date_change_and_report_download(
    watched: Watched, origin: str, artefacts: Path, tmp_path: Path
) -> None:
    """The SOC's link is conditional today and a gap at 2025-06-01; the report prints and
    downloads as Markdown."""
    page = watched.page
    sign_in(page, origin)
    page.click("table.offerings >> text=Graph")
    today = panel_of(page, "wacht-soc")
    assert "CONDITIONAL" in today
    page.screenshot(path=str(artefacts / "pages-graph.png"), full_page=True)
    page.fill("input[name=at]", "2025-06-01")
    page.click("form.graph-when button[type=submit]")
    page.wait_for_url("**/graph/loonwolk-online?at=2025-06-01*")
    earlier = panel_of(page, "wacht-soc")
    assert "NO_EVIDENCE" in earlier and "CONDITIONAL" not in earlier
    assert "9 gap" in page.inner_text(".graph-verdict")

    page.goto(f"{origin}/w/acme/report/loonwolk-online?at=2026-11-27")
    report = page.inner_text("article.report")
    assert "Evaluated at: 2026-11-27" in report
    assert "Gaps: links without equivalent certification (4)" in report
    page.screenshot(path=str(artefacts / "pages-report.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("nav.ws-nav").is_hidden()  # the print style sheet drops the controls
    page.screenshot(path=str(artefacts / "pages-report-print.png"), full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as info:
        page.click(".downloads >> text=Markdown")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "acme-loonwolk-online-scoping.md"
    assert saved.read_text(encoding="utf-8").startswith("# Scoping report: ")
    assert_clean(watched, origin)


XSS = "<img src=x onerror=alert(1)>"


def test_a_hostile_supplier_name_stays_text_everywhere(watched: Watched, origin: str) -> None:
    """A supplier named like an HTML tag shows as text in the overview, its table, the graph's
    label, tooltip and panel, and the report; no script runs (no dialog) and the CSP reports
    nothing."""
    with Session(ENGINE[0]) as session:
        workspace = services.workspace_for(session, "acme")
        services.update_entity(
            session,
            workspace=workspace,
            section="suppliers",
            key="wacht",
            changes={"name": XSS},
            version=None,
        )
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/suppliers")
    assert XSS in page.inner_text("table.entities")
    page.goto(f"{origin}/w/acme/graph/loonwolk-online?at=2026-11-27")
    assert XSS in panel_of(page, "wacht-soc")
    point = page.evaluate("window.ketenkaart.domPosition('wacht-soc')")
    page.mouse.move(point["x"], point["y"])  # the tooltip
    page.wait_for_timeout(800)
    assert XSS in page.inner_text("#graph-table")
    page.goto(f"{origin}/w/acme/report/loonwolk-online?at=2026-11-27")
    assert XSS in page.inner_text("article.report")
    assert page.locator("img[src=x]").count() == 0
    assert_clean(watched, origin)


def test_the_graph_page_says_what_changes_next(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """Below the graph, and at the end of the report, the service's forecast of the offering as
    of the page's date: each change of status within the year, the soonest first, with the
    reason; in Dutch with Dutch dates and words. Over an audit period there is none (the page
    looks back)."""
    page = watched.page
    sign_in(page, origin)
    with Session(ENGINE[0]) as session:
        workspace = repository.workspace_by_slug(session, "acme")
        assert workspace is not None
        chain = services.register_chain(session, workspace)  # what the command line reads
        expected = forecast(
            chain,
            at=CLOCK.date(),
            days=365,
            profile=find_profile("zeker-online", chain),
            offerings=["loonwolk-online"],
        ).changes
    assert expected
    page.goto(f"{origin}/w/acme/graph/loonwolk-online?at=2026-11-27")
    page.wait_for_selector("#forecast[data-ready=true]", state="attached")
    items = page.locator("#forecast .forecast-item")
    assert items.count() == len(expected)
    first = items.first.inner_text()
    assert first.startswith(expected[0].on.isoformat())
    assert expected[0].after.reasons[0].message in first
    page.locator("#forecast").screenshot(path=str(artefacts / "pages-forecast.png"))

    page.goto(f"{origin}/w/acme/graph/loonwolk-online?at=2026-11-27&lang=nl")
    page.wait_for_selector("#forecast[data-ready=true]", state="attached")
    dutch = page.inner_text("#forecast")
    assert "Wat er hierna verandert" in dutch
    assert "31 december 2026" in dutch or "december 2026" in dutch
    assert "leemte" in dutch
    page.locator("#forecast").screenshot(path=str(artefacts / "pages-forecast-nl.png"))

    page.goto(f"{origin}/w/acme/report/loonwolk-online?at=2026-11-27&lang=nl")
    page.wait_for_selector("#forecast[data-ready=true]", state="attached")
    report = page.locator("#forecast .forecast-item")
    assert report.count() == len(expected)
    # the services named as on the graph page, not by their ids
    assert (
        "LoonWolk Online (loonwolk-online) → Stratus Managed PostgreSQL (stratus-postgres)"
        in report.first.inner_text()
    )
    assert "31 december 2026" in report.first.inner_text()
    page.locator("#forecast").screenshot(path=str(artefacts / "pages-report-forecast-nl.png"))

    page.goto(f"{origin}/w/acme/graph/loonwolk-online?period=2026-01-01..2026-06-30&lang=en")
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    assert page.locator("#forecast").count() == 0
    assert_clean(watched, origin)


def test_refreshing_the_page_of_a_new_invitation_makes_no_second_one(
    watched: Watched, origin: str
) -> None:
    """The answer to the invitation form shows the link once; refreshing it (the browser's
    reload) does not send the form again: there is one invitation, listed on the page,
    whose link is not shown again."""
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/people")
    page.fill("input[name=invite_email]", "refresh@example.org")
    page.select_option("select[name=invite_role]", "viewer")
    page.click("text=Create the invitation link")
    link = page.locator("input.invitation-link")
    assert "/invite/" in link.input_value()
    page.wait_for_load_state("load")  # as a person sees the page before they reload it
    assert page.url == f"{origin}/w/acme/people#invite"  # the address bar: the page's own
    page.reload()
    page.wait_for_load_state()
    assert page.locator("input.invitation-link").count() == 0  # shown once, not again
    assert "refresh@example.org" in page.inner_text("main")
    with Session(ENGINE[0]) as session:
        workspace = repository.workspace_by_slug(session, "acme")
        assert workspace is not None
        made = [
            i
            for i in membership.invitations(session, workspace, now=CLOCK)
            if i["email"] == "refresh@example.org"
        ]
    assert len(made) == 1
    assert_clean(watched, origin)


def test_a_delete_asks_to_be_confirmed_first(watched: Watched, origin: str) -> None:
    """The delete button alone deletes nothing (the browser asks for the box "Yes, delete"
    first); ticked, the link is deleted and the table says so."""
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/dependencies/loonwolk-online/kantoor-catering")
    button = page.get_by_role("button", name="Delete dependency loonwolk-online/kantoor-catering")
    button.click()
    assert page.url.endswith("/dependencies/loonwolk-online/kantoor-catering")
    assert page.evaluate("document.querySelector('input[name=confirm]').validity.valueMissing")
    with Session(ENGINE[0]) as session:
        workspace = repository.workspace_by_slug(session, "acme")
        assert workspace is not None
        assert services.get_entity(
            session, workspace=workspace, section="dependencies",
            key="loonwolk-online/kantoor-catering",
        )  # fmt: skip
    page.get_by_label("Yes, delete dependency loonwolk-online/kantoor-catering").check()
    button.click()
    page.locator("p.message", has_text="Deleted loonwolk-online/kantoor-catering.").wait_for()
    assert_clean(watched, origin)
