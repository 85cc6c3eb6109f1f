"""What a person sees, on every page, in Chromium at 1400x900 and 1024x768, and as wide as a
phone (390 px, in English and in Dutch): text that reads against its background (WCAG 2.1 AA),
no serious or critical axe-core violation, no console error, and on the phone no page wider
than the window (a wide table scrolls in its own box, which the keyboard reaches); on the
graph, node labels of 12 px or more at the first drawing, every edge label on its own edge and
off the services' labels, and the verdict, counts and legend above the fold.

The service runs on a local port with three workspaces: ``demo`` (examples/demo-chain.yaml),
``kinder`` (the public example ../shared/examples/kinderopvang.yaml, when that folder is there)
and ``gen`` (a generated chain of 66 services and 200 links, bench/generate.py). Every page is
saved as a screenshot in the artefacts folder for a person to look at; so is the offline HTML
export of the demo chain, which is held to the same checks. The last tests break a
page on purpose (the old conflicting style rule, a button without a name, a label moved off its
edge or onto a service, a zoomed-out graph, a pushed-down legend, a table's box that does not
scroll or that the keyboard cannot reach) and see each check fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app import accounts, audit, membership, passwords, services
from app.audit import COMMAND_LINE
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.views.graph import STATIC, offline_html
from graph.coverage import check
from importers.chainfile import load_chains
from tests.browser.conftest import Watched, serve, watch
from tests.browser.sight import (
    axe_problems,
    broken_words,
    contrast_problems,
    fold_problems,
    label_problems,
    status_colour_rules,
    status_rule_problems,
)

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_EXAMPLE = ROOT.parent / "shared" / "examples" / "kinderopvang.yaml"
PASSWORD = "correct horse battery staple jumps"  # noqa: S105 - the test account's password
OWNER = "owner@acme.example"
CLOCK = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
VIEWPORTS = {"1400x900": (1400, 900), "1024x768": (1024, 768)}


@dataclass(frozen=True)
class Site:
    """The service on its port and what it holds."""

    origin: str
    offerings: dict[str, str]  # workspace -> its offering


GENERATE = ("--services", "66", "--seed", "1", "--offerings", "1")


def generated_chain(folder: Path) -> Path:
    """A generated chain of 66 services and 200 links under one offering (bench/generate.py)."""
    target = folder / "generated.json"
    script = str(ROOT / "bench" / "generate.py")
    subprocess.run(
        [sys.executable, script, *GENERATE, "--output", str(target)],
        check=True,
        capture_output=True,
    )
    assert len(json.loads(target.read_text(encoding="utf-8"))["dependencies"]) == 200
    return target


TRAIL_BEGINS = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class _Stepped(datetime):
    """The audit trail's clock while the site is seeded: a second on from TRAIL_BEGINS at
    each entry."""

    ticks = 0

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        cls.ticks += 1
        moment = TRAIL_BEGINS + timedelta(seconds=cls.ticks)
        return moment if tz is None else moment.astimezone(tz)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service with workspaces demo, gen and (when ../shared is there) kinder."""
    passwords.use_cheap_hashing()
    folder = tmp_path_factory.mktemp("seeing")
    engine = make_engine(f"sqlite:///{folder / 'ketenkaart.db'}")
    upgrade(engine)
    chains = {"demo": ROOT / "examples" / "demo-chain.yaml", "gen": generated_chain(folder)}
    if PUBLIC_EXAMPLE.is_file():
        chains["kinder"] = PUBLIC_EXAMPLE
    offerings = {}
    with pytest.MonkeyPatch.context() as patch, Session(engine) as session:
        # the trail written a week before the site's clock, so that the changes page has
        # something to show between its moments
        patch.setattr(audit, "datetime", _Stepped)
        owner = accounts.create_user(
            session, email=OWNER, display_name="Olga", password=PASSWORD, actor=COMMAND_LINE
        )
        for slug, path in chains.items():
            workspace = membership.create_workspace(
                session, slug=slug, name=slug, owner=owner, actor=COMMAND_LINE
            )
            services.import_chain(
                session, workspace=workspace, name=path.name, data=path.read_bytes(), dry_run=False
            )
    for slug, path in chains.items():
        offerings[slug] = load_chains([(path.name, path.read_bytes())]).offerings[0]
    settings = Settings(database_url="sqlite://", documents_dir=None, plain_http_localhost=True)
    app = create_app(settings, engine=engine)
    app.state.clock = lambda: CLOCK
    with serve(app) as origin:
        yield Site(origin, offerings)
    engine.dispose()


def signed_in_context(
    browser: Any, site: Site, width: int, height: int, *, language: str | None = None
) -> Any:
    """A new browser context of ``width`` x ``height``, signed in through the real form once;
    with a ``language``, reading that one (the switch's cookie)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{site.origin}/login" + (f"?lang={language}" if language else ""))
    page.fill("input[name=email]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.origin}/workspaces")
    page.close()
    return context


@pytest.fixture(scope="module", params=list(VIEWPORTS), ids=list(VIEWPORTS))
def signed_in(request: pytest.FixtureRequest, browser: Any, site: Site) -> Iterator[Any]:
    """A browser context at the viewport, signed in through the real form once."""
    context = signed_in_context(browser, site, *VIEWPORTS[request.param])
    yield context
    context.close()


@pytest.fixture
def watched_in(signed_in: Any) -> Iterator[Watched]:
    """A fresh page of the signed-in context, watched."""
    page = signed_in.new_page()
    yield watch(page)
    page.close()


def viewport_name(page: Any) -> str:
    """``1400x900`` or ``1024x768``."""
    size = page.viewport_size
    return f"{size['width']}x{size['height']}"


def open_page(w: Watched, site: Site, path: str) -> Any:
    """Load ``path``; on a graph page, wait for the first drawing."""
    page = w.page
    response = page.goto(site.origin + path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    if "/graph/" in path:  # (wait_for_function would need 'unsafe-eval' if it had to poll)
        page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    if page.locator("#forecast").count():  # the forecast comes after the page is drawn
        page.wait_for_selector("#forecast[data-ready]", state="attached")
    return page


def graph_path(site: Site, workspace: str) -> str:
    """The graph page of the workspace's offering."""
    if workspace not in site.offerings:
        pytest.skip(f"the public example {PUBLIC_EXAMPLE} is not there (../shared is absent)")
    return f"/w/{workspace}/graph/{site.offerings[workspace]}?at=2026-11-27"


PAGES = {
    "workspaces": "/workspaces",
    "overview": "/w/demo",
    "suppliers": "/w/demo/suppliers",
    "services": "/w/demo/services",
    "dependencies": "/w/demo/dependencies",
    "evidence": "/w/demo/evidence",
    "supplier-form": "/w/demo/suppliers/wacht",
    "service-form": "/w/demo/services/wacht-soc",
    "dependency-form": "/w/demo/dependencies/loonwolk-online/wacht-soc",
    "evidence-form": "/w/demo/evidence/veilig-zol",
    "import": "/w/demo/import",
    "people": "/w/demo/people",
    "account": "/account",
    "report": "/w/demo/report/loonwolk-online?at=2026-11-27",
    "changes": "/w/demo/changes",
    "graph-demo": "graph:demo",
    "graph-kinder": "graph:kinder",
    "graph-gen": "graph:gen",
}


def what_a_person_sees(w: Watched, site: Site) -> list[str]:
    """Contrast, axe-core and the console, as one list of problems."""
    problems = [f"contrast: {p}" for p in contrast_problems(w.page)]
    problems += [f"axe: {p}" for p in axe_problems(w.page)]
    problems += [f"console: {e}" for e in w.errors]
    problems += [f"CSP: {v}" for v in w.violations()]
    problems += [
        f"request to another origin: {u}" for u in w.requests if not u.startswith(site.origin)
    ]
    return problems


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_reads_and_passes_axe(
    name: str, watched_in: Watched, site: Site, artefacts: Path
) -> None:
    """Every text reads against its background (AA), axe finds nothing serious, no console
    error; the page is saved as a screenshot."""
    path = PAGES[name]
    if path.startswith("graph:"):
        path = graph_path(site, path.split(":", 1)[1])
    page = open_page(watched_in, site, path)
    page.screenshot(path=str(artefacts / f"{name}-{viewport_name(page)}.png"), full_page=True)
    if name.startswith("graph"):  # the first screen, as a person opening the page sees it
        page.screenshot(path=str(artefacts / f"{name}-{viewport_name(page)}-screen.png"))
    assert what_a_person_sees(watched_in, site) == []
    assert broken_words(page, "main") == []  # no date or id split at a hyphen


def test_the_changes_page_shows_the_register_since_it_began_and_its_errors_read(
    watched_in: Watched, site: Site, artefacts: Path
) -> None:
    """The changes page (among PAGES with its tables) shows what the demo's trail holds up to
    the site's clock: every entity added and every link it reaches appeared, each with its
    moment on one line. Asked from a
    moment before the trail began, it answers 422 with the error next to its field, which
    must read as well."""
    page = watched_in.page
    response = page.goto(site.origin + "/w/demo/changes")
    assert response is not None and response.status == 200
    assert page.locator("tr.changed-link").count() == 10
    assert page.locator("tbody.changed-entity").count() > 10
    # each entity's moment reads on one line, as the overview's ids do, at every width
    assert page.locator("td.when time").count() > 10
    broken = page.eval_on_selector_all(
        "td.when time",
        "els => els.filter(e => e.getClientRects().length > 1).map(e => e.textContent)",
    )
    assert broken == [], f"moments broken over two lines: {broken[:3]}"
    response = page.goto(site.origin + "/w/demo/changes?from=2026-11-01")
    assert response is not None and response.status == 422
    assert page.locator("form input[name=from]").count() == 1
    assert page.locator(".field-error, .errors, [role=alert]").count() >= 1
    shot = artefacts / f"changes-error-{viewport_name(page)}.png"
    page.screenshot(path=str(shot), full_page=True)
    # the error under "From" leaves its neighbours where they were: the words of every field on
    # one line, the fields and the button on the next, all inside the window
    boxes = page.eval_on_selector_all(
        "form.changes-when > label, form.changes-when :is(input, button)",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.tagName, Math.round(r.top), Math.round(r.right)]; })",
    )
    assert len({top for tag, top, _ in boxes if tag == "LABEL"}) == 1, boxes
    controls = [top for tag, top, _ in boxes if tag != "LABEL"]
    assert max(controls) - min(controls) <= 2, boxes
    assert max(right for _, _, right in boxes) <= page.viewport_size["width"], boxes
    assert broken_words(page, "main") == []  # the moments in the error, whole
    # a moment typed to the whole second, in a field that shows milliseconds, is sent
    page.fill("input[name=from]", "2026-11-21T10:00:00")
    with page.expect_navigation(timeout=10_000):  # a field the browser refuses sends nothing
        page.click("form.changes-when button[type=submit]")
    assert "from=2026-11-21T10%3A00" in page.url, page.url
    assert page.locator("form .field-error").count() == 0
    seen = what_a_person_sees(watched_in, site)
    assert [p for p in seen if "status of 422" not in p] == []  # the browser logs the 422


def test_the_sign_in_page_reads_and_passes_axe(browser: Any, site: Site, artefacts: Path) -> None:
    """The sign-in page, signed out, at both sizes and as wide as a phone."""
    for label, (width, height) in {**VIEWPORTS, "390x844": PHONE}.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        w = watch(context.new_page())
        w.page.goto(f"{site.origin}/login")
        w.page.screenshot(path=str(artefacts / f"login-{label}.png"), full_page=True)
        try:
            assert what_a_person_sees(w, site) == []
            assert sideways_problems(w.page) == []
        finally:
            context.close()


@pytest.mark.parametrize("workspace", ["demo", "kinder", "gen"])
def test_graph_labels_read_and_sit_on_their_edges(
    workspace: str, watched_in: Watched, site: Site
) -> None:
    """At the first drawing: node labels of 12 px or more, every edge label on its own edge and
    off every service's label; a chain of up to 50 services whole inside the canvas, a bigger
    one shown in part with a note saying so."""
    page = open_page(watched_in, site, graph_path(site, workspace))
    services_count = len(page.evaluate("window.ketenkaart.data.nodes"))
    whole = services_count <= 50
    # Past 50 services some lines cross a label (drawn under it, on a white ground): not checked.
    assert label_problems(page, whole=whole, lines=whole) == []
    labelled = page.evaluate("window.ketenkaart.geometry().edges.length")
    assert page.evaluate("window.ketenkaart.partial") is (not whole)
    note = page.locator("#graph-note")
    if whole:
        assert note.is_hidden()
        assert labelled == len(page.evaluate("window.ketenkaart.data.edges"))
    else:
        assert "does not fit at a readable size" in note.inner_text()
    assert watched_in.errors == []


@pytest.mark.parametrize("workspace", ["demo", "kinder"])
def test_graph_verdict_counts_and_legend_are_above_the_fold(
    workspace: str, watched_in: Watched, site: Site
) -> None:
    """The verdict with its counts, the legend and the top of the graph are on the first screen,
    and the status word of the verdict reads."""
    page = open_page(watched_in, site, graph_path(site, workspace))
    assert fold_problems(page, (".graph-verdict", ".graph-legend")) == []
    canvas = page.locator("#graph-canvas").bounding_box()
    assert canvas is not None and canvas["y"] < page.viewport_size["height"] - 300
    verdict = page.locator(".graph-verdict .status-word")
    assert verdict.inner_text() == "gap"
    colour, background = verdict.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert colour != background


def test_only_app_css_colours_the_status_words() -> None:
    """One rule per status: no other style sheet colours a status word (the graph page loads
    pages.css and graph.css together, and their rules met)."""
    assert status_rule_problems(STATIC) == []


# ---- the checks can fail --------------------------------------------------------------------

OLD_CONFLICT = [  # pages.css and graph.css before: a background and a colour, both the gap red
    ".status-gap { background: #cf222e; }",
    ".status-word.status-gap { color: #cf222e; background: #cf222e; }",
]


def add_rules(page: Any, rules: list[str]) -> None:
    """Append rules to the page's last style sheet (through the CSSOM, which the CSP allows)."""
    page.evaluate(
        """rules => { const sheet = document.styleSheets[document.styleSheets.length - 1];
        for (const r of rules) sheet.insertRule(r, sheet.cssRules.length); }""",
        rules,
    )


def test_the_contrast_check_sees_the_old_conflicting_rule(watched: Watched, site: Site) -> None:
    """With the old pages.css rule back, the verdict's word is red on red and the check says so;
    the style sheet check finds the rule in the old text too."""
    page = watched.page
    page.goto(f"{site.origin}/login")
    page.fill("input[name=email]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.origin}/workspaces")
    open_page(watched, site, graph_path(site, "demo"))
    assert contrast_problems(page) == []
    add_rules(page, OLD_CONFLICT)
    problems = contrast_problems(page)
    assert any(p.startswith("'gap' in strong.status-word.status-gap") for p in problems), problems
    assert any("contrast 1 <" in p for p in problems), problems  # red on red
    assert any(p.startswith("'SaaS' in td") for p in problems), problems  # red rows
    assert status_colour_rules("\n".join(OLD_CONFLICT)) == [
        ".status-gap",
        ".status-word.status-gap",
    ]


def test_axe_sees_a_button_without_a_name(watched_in: Watched, site: Site) -> None:
    """An empty button is a critical axe violation, reported with its place."""
    page = open_page(watched_in, site, "/w/demo")
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    problems = axe_problems(page)
    assert any(p.startswith("button-name (critical)") for p in problems), problems


def test_the_label_checks_see_a_label_off_its_edge_and_one_over_a_service(
    watched_in: Watched, site: Site
) -> None:
    """A label drawn in the corner (the old same-rank bug), a service moved onto an edge (its
    label and line) and a zoomed-out first view are each reported."""
    page = open_page(watched_in, site, graph_path(site, "demo"))
    assert label_problems(page) == []
    # The old bug: one edge's label drawn far from its edge, in the top left corner.
    page.evaluate(
        """() => { const net = window.ketenkaart.network;
        const edge = Object.values(net.body.edges).find(e => e.options.label);
        edge.drawLabel = function (ctx) { this.labelModule.draw(ctx, -5000, -5000, false, false); };
        net.redraw(); }"""
    )
    problems = label_problems(page)
    assert any("away from its edge" in p for p in problems), problems
    assert any("label outside the canvas" in p for p in problems), problems
    page.reload()
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    # A service moved onto the middle of a link's label.
    page.evaluate(
        """() => { const k = window.ketenkaart, net = k.network;
        const e = k.geometry().edges.find(e => e.text);
        const edge = net.body.edges[e.id];
        const p = edge.edgeType.getPoint(0.5);
        const other = k.data.nodes.find(n => n.id !== e.from && n.id !== e.to).id;
        net.moveNode(other, p.x, p.y); net.redraw(); }"""
    )
    problems = label_problems(page)
    assert any("label over the label of node" in p for p in problems), problems
    assert any("line through the label of node" in p for p in problems), problems
    # Zoomed out: the labels shrink below 12 px.
    page.evaluate(
        "window.ketenkaart.network.moveTo({scale: 0.5}); window.ketenkaart.network.redraw()"
    )
    assert any("px < 12" in p for p in label_problems(page, whole=False))


def test_the_fold_check_sees_a_legend_pushed_down(watched_in: Watched, site: Site) -> None:
    """A title that pushes the legend below the first screen is reported."""
    page = open_page(watched_in, site, graph_path(site, "demo"))
    add_rules(page, [".graph-page h1 { margin-bottom: 1200px; }"])
    problems = fold_problems(page, (".graph-verdict", ".graph-legend"))
    assert [p.split(":")[0] for p in problems] == [".graph-verdict", ".graph-legend"]


def offline_demo(folder: Path) -> Path:
    """The offline HTML export of the demo chain's graph, checked on 2026-11-27, in ``folder``."""
    path = ROOT / "examples" / "demo-chain.yaml"
    chain = load_chains([(path.name, path.read_bytes())])
    result = check(chain, at=date(2026, 11, 27))
    target = folder / "graph.html"
    target.write_bytes(offline_html(chain, result, offering=result.offerings[0]))
    return target


def test_the_offline_file_reads_too(watched: Watched, tmp_path: Path, artefacts: Path) -> None:
    """The offline HTML export of the demo chain: contrast, axe, labels, no console error."""
    page = watched.page
    page.goto(offline_demo(tmp_path).as_uri())
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    page.screenshot(path=str(artefacts / "offline-demo.png"), full_page=True)
    assert contrast_problems(page) == []
    assert axe_problems(page) == []
    assert label_problems(page) == []
    assert watched.errors == []


PHONE = (390, 844)


@pytest.fixture(scope="module", params=["en", "nl"])
def on_a_phone(request: pytest.FixtureRequest, browser: Any, site: Site) -> Iterator[Any]:
    """A browser context as wide as a phone, signed in, in English or in Dutch (the longer
    words)."""
    context = signed_in_context(browser, site, *PHONE, language=request.param)
    context.language = request.param  # for the screenshots' names
    yield context
    context.close()


def test_the_offline_file_on_a_phone(browser: Any, tmp_path: Path, artefacts: Path) -> None:
    """The offline HTML export opened on a phone: no wider than the window, its table's box
    scrolls and the keyboard reaches it by a name, as on the service's pages."""
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
    try:
        w = watch(context.new_page())
        w.page.goto(offline_demo(tmp_path).as_uri())
        w.page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
        next_frames(w.page)
        w.page.screenshot(path=str(artefacts / "offline-demo-390x844.png"), full_page=True)
        assert sideways_problems(w.page) == []
        named = w.page.evaluate(
            "() => [...document.querySelectorAll('.wide[tabindex=\"0\"]')]"
            ".map(b => b.getAttribute('aria-label'))"
        )
        assert named and all(named), named
        assert w.errors == []
    finally:
        context.close()


def next_frames(page: Any) -> None:
    """Wait two frames: wide.js looks at the boxes in the frame after the page changed."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def sideways_problems(page: Any) -> list[str]:
    """What a person on a narrow screen meets sideways: the page wider than the window (they
    must scroll the whole page, headings and all, to read a table's last column), and a table's
    box that scrolls but that the keyboard cannot reach or that has no name."""
    found: list[str] = page.evaluate(
        """() => {
        const problems = [], root = document.documentElement;
        if (root.scrollWidth > root.clientWidth + 1) {
          const widest = [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
            .filter(e => !e.closest('.wide'))
            .slice(-1).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
          problems.push(`the page is ${root.scrollWidth} px wide in a window of `
            + `${root.clientWidth} px (${widest})`);
        }
        for (const box of document.querySelectorAll('.wide')) {
          if (box.scrollWidth <= box.clientWidth + 1) continue;
          if (box.tabIndex !== 0) problems.push(`a table's box scrolls without the keyboard`);
          const named = (box.getAttribute('aria-label') || '').trim() !== '';
          if (!named || box.getAttribute('role') !== 'region')
            problems.push(`a table's box scrolls without a name`);
        }
        return problems; }"""
    )
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_on_a_phone_only_a_wide_table_scrolls_sideways(
    name: str, on_a_phone: Any, site: Site, artefacts: Path
) -> None:
    """At 390 px, in both languages, no page is wider than the window: a table wider than that
    scrolls in its own box, which the keyboard reaches and a screen reader names; and the page
    still reads and passes axe."""
    path = PAGES[name]
    if path.startswith("graph:"):
        path = graph_path(site, path.split(":", 1)[1])
    w = watch(on_a_phone.new_page())
    try:
        page = open_page(w, site, path)
        next_frames(page)
        shot = artefacts / f"{name}-390x844-{on_a_phone.language}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert sideways_problems(page) == []
        if name.startswith("graph"):  # named after its heading, not its caption's changing count
            heading = page.locator("#graph-table-title").inner_text()
            assert page.locator(".wide:has(#graph-table)").get_attribute("aria-label") == heading
        assert what_a_person_sees(w, site) == []
    finally:
        w.page.close()


def test_the_sideways_check_sees_a_page_that_scrolls_and_a_box_out_of_reach(
    on_a_phone: Any, site: Site
) -> None:
    """Without the boxes' scrolling the whole report is wider than the phone; with a scrolling
    box taken out of the tab order, that is reported."""
    w = watch(on_a_phone.new_page())
    try:
        page = open_page(w, site, PAGES["report"])
        next_frames(page)
        assert sideways_problems(page) == []
        regions = page.locator(".wide[role=region][tabindex='0']")
        assert regions.count() >= 1
        assert regions.first.get_attribute("aria-label") == "Scope"  # its section's heading
        page.evaluate("document.querySelector('.wide[tabindex]').setAttribute('tabindex', '-1')")
        assert sideways_problems(page) == ["a table's box scrolls without the keyboard"]
        add_rules(page, [".wide { overflow-x: visible !important; }"])
        assert any("px wide in a window of 390 px" in p for p in sideways_problems(page))
    finally:
        w.page.close()
