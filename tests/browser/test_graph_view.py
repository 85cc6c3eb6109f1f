"""The graph view in real Chromium: what an auditor sees and can do, and what the page never does.

The page is served by a small Starlette app started here, sending on every response the
Content Security Policy the service sends, over a small chain in which one supplier is called
``<img src=x onerror=alert(1)>`` and one service ``</script><script>alert(2)</script>``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from app.views.graph import STATIC, TEMPLATES, offline_html, render_graph_page, vis_directory
from graph.coverage import check
from graph.forecast import forecast
from graph.model import BridgeLetter, Chain, Kind, ReportException, SubserviceMethod, Subservices
from graph.profiles import ZEKER_ONLINE
from graph.verdicts import Status
from importers.chainfile import load_chains
from tests.browser.conftest import Watched, serve
from tests.factories import d, dep, make_chain, period, report, service, supplier
from tests.graph.test_forecast import included_chain

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
XSS_SUPPLIER = "<img src=x onerror=alert(1)>"
XSS_SERVICE = "</script><script>alert(2)</script>"
AT = date(2026, 11, 27)


def small_chain() -> Chain:
    """An offering with an ok, a conditional, a gap and an out-of-scope link, three ranks deep."""
    return make_chain(
        services=[
            service("app", name="KidsPlan Online", supplier="kidsplan"),
            service("db", name="Managed Postgres", supplier="dbco", kind=Kind.PAAS),
            service("mail", name=XSS_SERVICE, supplier="evil"),
            service("cdn", name="Edge CDN", supplier="cdnco", kind=Kind.PAAS),
            service("stats", name="Stats", supplier="statsco"),
            service("hosting", name="Cloud Compute", supplier="hostco", kind=Kind.IAAS),
            service("backup", name="Backup Service", supplier="bakco", kind=Kind.MANAGED),
            service("dc", name="Data Centre AMS", supplier="dcco", kind=Kind.OTHER),
        ],
        suppliers=[
            supplier("kidsplan", name="KidsPlan B.V."),
            supplier("evil", name=XSS_SUPPLIER),
        ],
        dependencies=[
            dep("app", "db", role="database"),
            dep("app", "mail", role="e-mail"),
            dep("app", "cdn"),
            dep("app", "stats", relevant=False, reason="Only public marketing pages"),
            dep("db", "hosting"),
            dep("db", "backup"),
            dep("hosting", "dc"),
        ],
        evidence=[
            report("db-soc2", holder="dbco", covers=["db"]),
            report(
                "cdn-soc2",
                holder="cdnco",
                covers=["cdn"],
                exceptions=(ReportException(criterion="CC6.1", description="late reviews"),),
            ),
            report("host-soc2", holder="hostco", covers=["hosting"]),
            report("bak-soc2", holder="bakco", covers=["backup"]),
        ],
    )


def make_app(chain: Chain, *, offering: str = "app") -> Starlette:
    """The page, its static files and the documents, every response with the service's CSP."""
    templates = Jinja2Templates(directory=TEMPLATES)
    result = check(chain, at=AT)

    async def page(request: Request) -> Response:
        return render_graph_page(
            templates,
            request,
            chain,
            result,
            offering=offering,
            document_url="/w/ws1/evidence/{id}/document",
            profiles=["zeker-online", "strict"],
            extra={"forecast_url": "/forecast?offering=" + offering},
            resolved=ZEKER_ONLINE,
        )

    async def ahead(request: Request) -> Response:
        found = forecast(chain, at=AT, offerings=[request.query_params["offering"]])
        return JSONResponse(found.to_json())

    async def document(request: Request) -> Response:
        return PlainTextResponse(f"document of {request.path_params['key']}")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)  # what the browser asks for by itself

    app = Starlette(
        routes=[
            Route("/graph", page),
            Route("/forecast", ahead),
            Route("/w/ws1/evidence/{key}/document", document),
            Route("/favicon.ico", favicon),
            Mount("/static/vis", StaticFiles(directory=vis_directory()), name="vis"),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )
    app.add_middleware(WithCSP)
    return app


class WithCSP:
    """ASGI middleware: the service's Content Security Policy on every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_csp(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", CSP.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_csp)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    """The test server's origin."""
    with serve(make_app(small_chain())) as url:
        yield url


def open_graph(watched: Watched, origin: str) -> Any:
    """Load the page and wait until the graph has been drawn."""
    page = watched.page
    page.goto(f"{origin}/graph")
    # (wait_for_function would need 'unsafe-eval' if it had to poll)
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    return page


def click_node(page: Any, node: str) -> None:
    """Click a node where the network draws it."""
    point = page.evaluate(f"window.ketenkaart.domPosition({node!r})")
    page.mouse.click(point["x"], point["y"])


def assert_clean(watched: Watched, origin: str) -> None:
    """No dialog, no script error, no CSP violation, no request to another origin."""
    assert watched.dialogs == []
    assert watched.errors == []
    assert watched.violations() == []
    assert [u for u in watched.requests if not u.startswith(origin + "/")] == []


def rgb(hex_colour: str) -> str:
    """``#f6f8fa`` as a computed style gives it: ``rgb(246, 248, 250)``."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def link_of(provider: str) -> Any:
    """The checked link into ``provider`` of the small chain."""
    return next(link for link in check(small_chain(), at=AT).links if link.provider == provider)


def test_graph_draws_every_service_and_link(watched: Watched, origin: str, artefacts: Path) -> None:
    """The graph shows the eight services and seven links, with the legend and the table."""
    page = open_graph(watched, origin)
    assert sorted(page.evaluate("window.ketenkaart.visibleNodes()")) == sorted(
        small_chain().services
    )
    assert len(page.evaluate("window.ketenkaart.visibleEdges()")) == 7
    assert page.locator("#graph-table tbody tr").count() == 7
    # one page of links: the count, and no page buttons that lead nowhere
    assert page.inner_text(".pager-info") == "Links 1\u20137 of 7"
    assert not page.locator("#table-previous").is_visible()
    assert not page.locator("#table-next").is_visible()
    legend = page.inner_text(".graph-legend")
    for word in ("gap", "conditional", "ok", "out of scope", "SaaS", "IaaS"):
        assert word in legend
    # each kind's sample in the legend is filled and bordered as the graph's nodes are (the
    # managed services' sample was a dark hexagon beside white ones)
    node = page.evaluate(
        "(() => { const o = window.ketenkaart.network.body.nodes['db'].options.color;"
        " return [o.background, o.border]; })()"
    )
    samples = page.eval_on_selector_all(
        ".graph-legend .shape path",
        "els => els.map(e => { const s = getComputedStyle(e); return [s.fill, s.stroke]; })",
    )
    assert len(samples) == 5
    assert {tuple(sample) for sample in samples} == {tuple(rgb(c) for c in node)}
    # The offering first (left), each rank in the next column, the same places on every visit.
    x = {
        n: page.evaluate(f"window.ketenkaart.network.getPosition({n!r}).x")
        for n in small_chain().services
    }
    assert x["app"] < x["db"] == x["mail"] == x["cdn"] < x["hosting"] == x["backup"] < x["dc"]
    page.screenshot(path=str(artefacts / "graph-small.png"), full_page=True)
    assert_clean(watched, origin)


def test_clicking_a_node_shows_verdict_reasons_and_evidence(watched: Watched, origin: str) -> None:
    """The panel names the service and supplier, the verdict, every reason, the document."""
    page = open_graph(watched, origin)
    click_node(page, "cdn")
    panel = page.locator("#graph-panel")
    panel.get_by_text("Edge CDN", exact=True).first.wait_for()
    text = panel.inner_text()
    assert "Cdnco B.V. (cdnco)" in text
    assert "conditional" in text and "CONDITIONAL" in text
    reasons = link_of("cdn").reasons
    assert reasons
    for reason in reasons:
        assert reason.message in text
    link = panel.locator("a.document")
    assert link.get_attribute("href") == "/w/ws1/evidence/cdn-soc2/document"
    link.click()
    page.wait_for_url("**/evidence/cdn-soc2/document")
    assert "document of cdn-soc2" in page.inner_text("body")
    assert_clean(watched, origin)


def test_a_links_panel_says_what_the_report_says_of_its_evidence_and_carve_out(
    watched: Watched, artefacts: Path
) -> None:
    """Host's report carves out the data centre and is carried by a bridge letter: its link's
    panel gives the letter and the day the report counts until with it; the data centre's
    link says it is carved out of Host's report and needs evidence of its own, as the
    scoping report's basis and notes do."""
    chain = make_chain(
        services=[
            service("app", name="App"),
            service("host", name="Host", supplier="hostco", kind=Kind.IAAS),
            service("dc", name="DC", supplier="dcco", kind=Kind.OTHER),
        ],
        dependencies=[dep("app", "host"), dep("host", "dc")],
        evidence=[
            report(
                "host-soc2",
                holder="hostco",
                covers=["host"],
                period=period("2024-10-01", "2025-09-30"),
                issued=d("2025-11-01"),
                bridge_letter=BridgeLetter(d("2025-10-01"), d("2026-12-31")),
                subservices=Subservices(SubserviceMethod.CARVE_OUT, carved_out=("dc",)),
            )
        ],
    )
    with serve(make_app(chain)) as url:
        page = open_graph(watched, url)
        page.evaluate("window.ketenkaart.selectEdge(0)")
        panel = page.locator("#graph-panel")
        panel.locator("dl.facts").wait_for()
        dates = panel.locator("dl.facts dt", has_text="Dates").locator(
            "xpath=following-sibling::dd[1]"
        )
        dates = dates.inner_text()
        assert "bridge letter 2025-10-01 to 2026-12-31" in dates, dates
        assert "counts until 2026-12-30 with its bridge letter" in dates, dates
        panel.screenshot(path=str(artefacts / "graph-panel-bridged.png"))
        page.evaluate("window.ketenkaart.selectEdge(1)")
        note = panel.locator("ul.notes li").inner_text()
        assert note == "carved out of Host's report host-soc2; needs its own evidence"
        assert_clean(watched, url)


def test_filtering_by_status_hides_those_links(watched: Watched, origin: str) -> None:
    """Unticking gap hides the gap links and the services only they reach, graph and table."""
    page = open_graph(watched, origin)
    page.locator("#filter-status input[value=gap]").uncheck()
    edges = page.evaluate("window.ketenkaart.visibleEdges()")
    statuses = page.evaluate(
        "window.ketenkaart.visibleEdges().map(id => window.ketenkaart.data.edges[id].status)"
    )
    assert len(edges) == 5 and "gap" not in statuses
    nodes = page.evaluate("window.ketenkaart.visibleNodes()")
    assert "mail" not in nodes and "dc" not in nodes and "hosting" in nodes
    table = page.inner_text("#graph-table tbody")
    assert "NO_EVIDENCE" not in table
    assert page.locator("#graph-table tbody tr").count() == 5
    page.fill("#graph-search", "postgres")
    page.press("#graph-search", "Enter")
    page.locator("#graph-panel h2", has_text="Managed Postgres").wait_for()
    page.locator("#filter-kind input[value=paas]").uncheck()
    assert sorted(page.evaluate("window.ketenkaart.visibleNodes()")) == ["app", "stats"]
    # the panel showed the database, which the filter hid: it no longer shows it
    assert page.inner_text("#graph-panel h2") == "Details"
    assert page.evaluate("window.ketenkaart.network.getSelectedNodes()") == []
    assert_clean(watched, origin)


def test_search_finds_a_service_and_opens_it(watched: Watched, origin: str) -> None:
    """Typing part of a name lists the service; Enter selects it and opens the panel."""
    page = open_graph(watched, origin)
    page.fill("#graph-search", "postgres")
    assert page.inner_text("#graph-search-results") == "Managed Postgres \u2014 Dbco B.V."
    page.press("#graph-search", "Enter")
    page.locator("#graph-panel h2", has_text="Managed Postgres").wait_for()
    assert page.evaluate("window.ketenkaart.network.getSelectedNodes()") == ["db"]
    page.fill("#graph-search", "no such thing")
    assert page.inner_text(".search-status") == "No service found"
    assert_clean(watched, origin)


def test_path_from_the_offering_is_highlighted(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """Highlighting the path to the data centre marks its three links and names the path."""
    page = open_graph(watched, origin)
    click_node(page, "dc")
    page.click("#panel-path")
    path = page.inner_text("#panel-path-text")
    assert path == (
        "Path: KidsPlan Online \u2192 Managed Postgres \u2192 Cloud Compute \u2192 Data Centre AMS"
    )
    edges = page.evaluate("window.ketenkaart.data.edges")
    path_edges = page.evaluate("window.ketenkaart.state.path.edges")
    on_path = {(e["from"], e["to"]) for e in edges if e["id"] in path_edges}
    assert on_path == {("app", "db"), ("db", "hosting"), ("hosting", "dc")}
    widths = page.evaluate(
        "Object.fromEntries(window.ketenkaart.edges.get().map(e => [e.from + '>' + e.to, e.width]))"
    )
    assert widths["hosting>dc"] > widths["db>backup"] + 3
    page.screenshot(path=str(artefacts / "graph-path.png"), full_page=True)
    page.click("#graph-clear")
    assert page.evaluate("window.ketenkaart.state.path") is None
    assert_clean(watched, origin)


def test_collapsing_beyond_a_depth_and_below_a_service(watched: Watched, origin: str) -> None:
    """Rank 1 only hides ranks 2 and 3 and says how much hangs below; a service collapses."""
    page = open_graph(watched, origin)
    page.select_option("#graph-depth", "1")
    assert sorted(page.evaluate("window.ketenkaart.visibleNodes()")) == [
        "app",
        "cdn",
        "db",
        "mail",
        "stats",
    ]
    assert "[+3 hidden below]" in page.evaluate("window.ketenkaart.nodes.get('db').label")
    page.select_option("#graph-depth", "all")
    assert len(page.evaluate("window.ketenkaart.visibleNodes()")) == 8
    click_node(page, "hosting")
    page.click("#panel-collapse")
    assert "dc" not in page.evaluate("window.ketenkaart.visibleNodes()")
    assert page.get_attribute("#panel-collapse", "aria-pressed") == "true"
    page.click("#panel-collapse")
    assert "dc" in page.evaluate("window.ketenkaart.visibleNodes()")
    assert_clean(watched, origin)


def test_up_to_a_rank_hides_the_deeper_links_between_services_it_shows(watched: Watched) -> None:
    """A link of rank 2 between two services of rank 1 is hidden "up to rank 1", in the graph
    and the table: the auditor asked for the first rank's links only."""
    chain = make_chain(
        services=[
            service("app", name="KidsPlan Online", supplier="kidsplan"),
            service("db", name="Managed Postgres", supplier="dbco", kind=Kind.PAAS),
            service("cdn", name="Edge CDN", supplier="cdnco", kind=Kind.PAAS),
        ],
        dependencies=[dep("app", "db"), dep("app", "cdn"), dep("cdn", "db")],
    )
    with serve(make_app(chain)) as url:
        page = open_graph(watched, url)
        hook = "window.ketenkaart"
        ends = (
            f"{hook}.visibleEdges().map(id => {hook}.data.edges[id]).map(e => e.from + '>' + e.to)"
        )
        assert sorted(page.evaluate(ends)) == ["app>cdn", "app>db", "cdn>db"]
        page.select_option("#graph-depth", "1")
        assert sorted(page.evaluate(ends)) == ["app>cdn", "app>db"]
        assert sorted(page.evaluate(f"{hook}.visibleNodes()")) == ["app", "cdn", "db"]
        assert page.inner_text("#graph-table caption").startswith("2 links of 3")
        page.select_option("#graph-depth", "all")
        assert len(page.evaluate(ends)) == 3
        assert_clean(watched, url)


def test_filters_that_leave_no_link_say_so_above_the_graph(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """With every status unticked the offering stands alone: the note above the graph says
    that no link matches the filters, and goes when a status is ticked again."""
    page = open_graph(watched, origin)
    assert page.is_hidden("#graph-note")
    for status in page.eval_on_selector_all("#filter-status input", "all => all.map(i => i.value)"):
        page.locator(f"#filter-status input[value={status}]").uncheck()
    assert page.evaluate("window.ketenkaart.visibleEdges()") == []
    assert page.is_visible("#graph-note")
    assert page.inner_text("#graph-note") == (
        "No link matches these filters: tick more statuses or kinds, or show more ranks."
    )
    page.screenshot(path=str(artefacts / "graph-no-link.png"))
    page.locator("#filter-status input[value=gap]").check()
    assert page.evaluate("window.ketenkaart.visibleEdges()") != []
    assert page.is_hidden("#graph-note")
    # every kind unticked hides the offering as well: an empty canvas, and the same note
    for kind in page.eval_on_selector_all("#filter-kind input", "all => all.map(i => i.value)"):
        page.locator(f"#filter-kind input[value={kind}]").uncheck()
    assert page.evaluate("window.ketenkaart.visibleNodes()") == []
    assert page.is_visible("#graph-note")
    assert page.inner_text("#graph-note").startswith("No link matches these filters")
    assert_clean(watched, origin)


def test_table_is_sortable_filterable_and_keyboard_navigable(watched: Watched, origin: str) -> None:
    """Arrow keys move between rows, Enter opens a row's link; headers sort; text filters."""
    page = open_graph(watched, origin)
    page.click("#graph-table th[data-key=status] button")
    assert page.get_attribute("#graph-table th[data-key=status]", "aria-sort") == "ascending"
    first = page.locator("#graph-table tbody tr").first
    assert "gap" in first.inner_text()
    page.focus("#table-filter")
    page.keyboard.press("Tab")  # from the filter, through the sort buttons, to the rows
    for _ in range(8):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "TR"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.rowIndex")
    assert focused == 3  # the header row is row 0
    page.set_viewport_size({"width": 1024, "height": 500})  # the table alone on the screen
    page.evaluate("document.activeElement.scrollIntoView({block: 'center'})")
    assert page.locator("#graph-panel h2").bounding_box()["y"] < 0  # type: ignore[index]
    row_text = page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Enter")
    panel = page.inner_text("#graph-panel")
    assert panel.startswith("Link")
    assert row_text.split("\t")[2] in panel
    # the panel is brought into view: it lies above the table, out of sight
    heading = page.locator("#graph-panel h2").bounding_box()
    viewport = page.viewport_size
    assert heading is not None and viewport is not None
    assert heading["y"] >= 0 and heading["y"] + heading["height"] <= viewport["height"]
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.rowIndex") == 7
    page.fill("#table-filter", "postgres")
    assert page.locator("#graph-table tbody tr").count() == 3
    assert_clean(watched, origin)


def test_hostile_names_stay_text_everywhere(watched: Watched, origin: str) -> None:
    """A supplier called <img src=x onerror=alert(1)> is shown as text; no script ever runs."""
    page = open_graph(watched, origin)
    label = page.evaluate("window.ketenkaart.nodes.get('mail').label")
    assert label == f"{XSS_SERVICE}\n{XSS_SUPPLIER}"
    point = page.evaluate("window.ketenkaart.domPosition('mail')")
    page.mouse.move(point["x"], point["y"])
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible")
    assert XSS_SUPPLIER in tooltip.inner_text() and XSS_SERVICE in tooltip.inner_text()
    page.mouse.click(point["x"], point["y"])
    assert XSS_SUPPLIER in page.inner_text("#graph-panel")
    assert XSS_SERVICE in page.inner_text("#graph-panel h2")
    assert XSS_SUPPLIER in page.inner_text("#graph-table")
    page.fill("#graph-search", "onerror")
    assert XSS_SUPPLIER in page.inner_text("#graph-search-results")
    injected = "document.querySelectorAll('img, main script:not([src]):not([type])').length"
    assert page.evaluate(injected) == 0
    assert_clean(watched, origin)


def test_offline_file_works_from_disk_without_network(
    watched: Watched, tmp_path: Path, artefacts: Path
) -> None:
    """The single offline file draws the graph from file://, loading nothing, breaking no CSP."""
    chain = small_chain()
    target = tmp_path / "graph.html"
    target.write_bytes(offline_html(chain, check(chain, at=AT), offering="app"))
    page = watched.page
    page.goto(target.as_uri())
    # (wait_for_function would need 'unsafe-eval' if it had to poll)
    page.wait_for_selector("#graph-app[data-ready=true]", state="attached")
    assert len(page.evaluate("window.ketenkaart.visibleEdges()")) == 7
    click_node(page, "mail")
    assert XSS_SUPPLIER in page.inner_text("#graph-panel")
    page.screenshot(path=str(artefacts / "graph-offline.png"), full_page=True)
    assert watched.requests == [target.as_uri()]
    assert watched.dialogs == []
    assert watched.errors == []
    assert watched.violations() == []


def test_the_watchers_see_a_violation_a_dialog_and_a_foreign_request(
    watched: Watched, origin: str
) -> None:
    """The checks above can fail: an inline script, an alert and another host are all seen."""
    page = open_graph(watched, origin)
    page.evaluate(
        "document.body.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.ran = true'}))"
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.ran === undefined")
    assert any(v.startswith("script-src") for v in watched.violations())
    page.evaluate("alert('seen')")
    assert watched.dialogs == ["alert: seen"]
    page.evaluate("fetch('http://localhost:9/x').catch(() => null)")
    page.wait_for_timeout(200)
    with pytest.raises(AssertionError):
        assert_clean(watched, origin)


GENERATED_SERVICES = 600  # about 1,800 links: past the 1,500 at which graph.js draws "big"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Chain]]:
    """The page of a generated chain of about 1,800 links (bench/generate.py), and the chain."""
    target = tmp_path_factory.mktemp("big") / "chain.json"
    script = Path(__file__).resolve().parents[2] / "bench" / "generate.py"
    arguments = ["--services", str(GENERATED_SERVICES), "--offerings", "1", "--output", str(target)]
    subprocess.run(
        [sys.executable, str(script), *arguments],
        check=True,
        capture_output=True,
    )
    chain = load_chains([(target.name, target.read_bytes())])
    with serve(make_app(chain, offering=chain.offerings[0])) as url:
        yield url, chain


def test_a_big_graph_filters_draws_what_shows_and_times_each_interaction(
    watched: Watched, big: tuple[str, Chain], artefacts: Path
) -> None:
    """On 1,800 links: the status filter hides exactly its links, in the graph and the table;
    a frame draws only the links of the services on the canvas (all of them zoomed out); labels
    are wrapped to the label width; the page's hook times a filter, click, pan and zoom."""
    origin, chain = big
    links = check(chain, at=AT).links
    assert len(links) > 1500
    page = open_graph(watched, origin)
    hook = "window.ketenkaart"
    total = len(links)
    assert len(page.evaluate(f"{hook}.visibleEdges()")) == total
    assert 0 < page.evaluate(f"{hook}.drawnEdges") < total  # the first view shows a part
    widths = page.evaluate(
        f"{hook}.visibleNodes().map(id => {hook}.network.body.nodes[id].labelModule.size.width)"
    )
    assert max(widths) <= 150 and sum(w > 100 for w in widths) > 10
    page.screenshot(path=str(artefacts / "graph-big-screen.png"))

    page.locator("#filter-status input[value=ok]").uncheck()
    shown = page.evaluate(f"{hook}.visibleEdges().map(id => {hook}.data.edges[id].status)")
    assert "ok" not in shown
    assert len(shown) == sum(link.status is not Status.OK for link in links)
    caption = page.inner_text("#graph-table caption")
    assert caption.startswith(f"{len(shown):,} links of {total:,}")
    # what shows does not fit legibly: the view is its part from the offering on, legible
    assert page.evaluate(f"{hook}.network.getScale()") >= 12 / 14 - 1e-9
    box = page.locator("#graph-canvas").bounding_box()
    offering = page.evaluate(f"{hook}.domPosition({hook}.data.offering)")
    assert box is not None and box["x"] < offering["x"] < box["x"] + box["width"] / 3
    assert box["y"] < offering["y"] < box["y"] + box["height"]
    page.locator("#filter-status input[value=ok]").check()
    assert len(page.evaluate(f"{hook}.visibleEdges()")) == total

    box = page.locator("#graph-canvas").bounding_box()
    assert box is not None
    node = page.evaluate(f"{hook}.data.offering")
    click_node(page, node)
    page.locator("#graph-panel h2", has_text=chain.services[node].name).wait_for()
    x, y = box["x"] + box["width"] * 0.7, min(box["y"] + box["height"] * 0.6, 900)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x - 20 * step, y - 10 * step)
    page.mouse.up()
    page.mouse.wheel(0, -240)
    page.click("#graph-fit")
    page.wait_for_timeout(300)
    assert page.evaluate(f"{hook}.drawnEdges") == total  # zoomed out: every link drawn
    kinds = {e["kind"] for e in page.evaluate(f"{hook}.perf") if e["ms"] > 0}
    assert kinds >= {"filter", "click", "pan", "zoom"}
    measures = page.evaluate("performance.getEntriesByType('measure').map(m => m.name)")
    assert {"ketenkaart:filter", "ketenkaart:click", "ketenkaart:pan"} <= set(measures)
    page.screenshot(path=str(artefacts / "graph-big-fit.png"), full_page=True)
    assert_clean(watched, origin)


def test_without_the_graph_library_the_table_still_lists_every_link(
    watched: Watched, origin: str
) -> None:
    """When vis-network cannot load, the page says so and the table (filled after the first
    drawing when there is one) lists the seven links all the same."""
    page = watched.page
    page.route("**/vis-network.min.js", lambda route: route.abort())
    page.goto(f"{origin}/graph")
    page.locator("#graph-canvas .message.error").wait_for()
    assert page.locator("#graph-table tbody tr[data-edge]").count() == 7
    assert page.inner_text("#graph-table caption").startswith("7 links of 7")


RIMS = """() => {
  const network = window.ketenkaart.network;
  return network.body.nodeIndices
    .map((id) => network.body.nodes[id])
    .filter((node) => node.options.shape === "database")
    .map((node) => {
      // vis-network draws the label font.vadjust below the box it measured for it
      const top = node.labelModule.size.top + (node.labelModule.fontOptions.vadjust || 0);
      return {
        id: node.id,
        rim: node.shape.top + node.shape.height / 3,
        label: top,
        labelBottom: top + node.labelModule.size.height,
        bottom: node.shape.top + node.shape.height,
      };
    });
}"""


def test_a_cylinders_label_starts_below_its_top_rim(watched: Watched, origin: str) -> None:
    """An IaaS service is drawn as a cylinder whose top rim is the top third of it; its label
    (name and supplier) starts below the rim and ends inside the body, where a person reads it
    clear of the rim's line (the label sat on the rim before)."""
    page = open_graph(watched, origin)
    cylinders = page.evaluate(RIMS)
    assert [c["id"] for c in cylinders] == ["hosting"]
    for c in cylinders:
        assert c["label"] >= c["rim"], c
        assert c["labelBottom"] <= c["bottom"], c


def test_the_forecast_lists_what_changes_next_as_a_timeline(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """Below the graph, after it is drawn: each link whose status changes within the year, on
    its day, with the service names as the graph shows them (a hostile one as text), both
    statuses as words and the reason for the new one."""
    page = open_graph(watched, origin)
    page.wait_for_selector("#forecast[data-ready=true]", state="attached")
    expected = forecast(small_chain(), at=AT, offerings=["app"]).changes
    assert expected, "the small chain's reports go stale within the year"
    items = page.locator("#forecast .forecast-item")
    assert items.count() == len(expected)
    first = items.first.inner_text()
    assert first.startswith(expected[0].on.isoformat())
    texts = [items.nth(i).inner_text() for i in range(items.count())]
    for change, text in zip(expected, texts, strict=True):
        assert change.on.isoformat() in text
        assert f"{change.before.status.value} → {change.after.status.value}" in text.replace(
            "\n", " "
        )
        assert change.after.reasons[0].message in text
    assert "changes of status within a year" in page.inner_text("#forecast .forecast-state")
    page.locator("#forecast").screenshot(path=str(artefacts / "graph-forecast.png"))
    assert_clean(watched, origin)


def test_the_forecast_says_why_a_link_is_no_longer_included(watched: Watched) -> None:
    """A link its consumer's report includes until the report goes stale: its change says
    first that it is no longer included in that report, with the report's reason, then the
    provider's own expired certificate."""
    chain = included_chain()
    with serve(make_app(chain)) as url:
        page = open_graph(watched, url)
        page.wait_for_selector("#forecast[data-ready=true]", state="attached")
        (change,) = [
            c for c in forecast(chain, at=AT, offerings=["app"]).changes if c.provider == "backup"
        ]
        item = page.locator("#forecast .forecast-item", has_text="Backup (backup)")
        why = item.locator(".forecast-why").inner_text()
        lead = "The report of Host (host) that included it no longer counts: "
        assert why.startswith(lead + change.inclusion_lapsed[0].message), why
        assert why.endswith(change.after.reasons[0].message)
        assert_clean(watched, url)


def test_a_services_tooltip_goes_when_the_pointer_leaves_the_graph(
    watched: Watched, origin: str
) -> None:
    """Hovering a service shows its tooltip; moving the pointer off the graph, onto the panel,
    takes it away (it stayed over the page, covering what the auditor went on to read)."""
    page = open_graph(watched, origin)
    tooltip = page.locator("div.vis-tooltip")
    point = page.evaluate("window.ketenkaart.domPosition('db')")
    page.mouse.move(point["x"] - 3, point["y"])
    page.mouse.move(point["x"], point["y"])
    tooltip.wait_for(state="visible")
    assert "Managed Postgres (db)" in tooltip.inner_text()
    panel = page.locator("#graph-panel").bounding_box()
    assert panel is not None
    page.mouse.move(panel["x"] + panel["width"] / 2, panel["y"] + 20)
    page.wait_for_timeout(400)  # longer than the tooltip's delay: it does not come back
    assert not tooltip.is_visible()
    # nor does one still waiting for its delay when the pointer leaves
    page.mouse.move(point["x"], point["y"])
    page.mouse.move(panel["x"] + panel["width"] / 2, panel["y"] + 20)
    page.wait_for_timeout(400)
    assert not tooltip.is_visible()
    assert_clean(watched, origin)


def test_a_filter_fits_the_view_to_what_it_shows(watched: Watched, origin: str) -> None:
    """Looking far off to one side, the auditor unticks a status: the view comes back to the
    services the filter shows, every one of them on the canvas (it stayed where it was)."""
    page = open_graph(watched, origin)
    page.evaluate("window.ketenkaart.network.moveTo({position: {x: 20000, y: 20000}, scale: 1.5})")

    def off_canvas() -> list[str]:
        box = page.locator("#graph-canvas").bounding_box()
        assert box is not None
        places = page.evaluate(
            "Object.fromEntries(window.ketenkaart.visibleNodes()"
            ".map(id => [id, window.ketenkaart.domPosition(id)]))"
        )
        return [
            n
            for n, p in places.items()
            if not (box["x"] <= p["x"] <= box["x"] + box["width"])
            or not (box["y"] <= p["y"] <= box["y"] + box["height"])
        ]

    assert len(off_canvas()) == 8
    page.locator("#filter-status input[value=gap]").uncheck()
    assert off_canvas() == []
    # centred on them, at the first view's size (not a speck in a corner)
    box = page.locator("#graph-canvas").bounding_box()
    assert box is not None
    xs = page.evaluate(
        "window.ketenkaart.visibleNodes().map(id => window.ketenkaart.domPosition(id).x)"
    )
    middle = box["x"] + box["width"] / 2
    assert abs((max(xs) + min(xs)) / 2 - middle) < box["width"] / 10
    assert 0.9 <= page.evaluate("window.ketenkaart.network.getScale()") <= 1.0
    assert_clean(watched, origin)
