"""A long scoping report on the page: each table a page of rows at a time, with the count and
links to the other pages; the downloads and a short report's printout stay complete (ADR 29)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.routes.pages.reports import REPORT_PAGE_SIZE
from app.views.markdown import render_markdown
from graph.coverage import check
from graph.profiles import find_profile
from importers.chainfile import load_plain
from tests.app.conftest import Ws
from tests.app.test_pages import fixed_clock, sign_in, squash

PROVIDERS = 250
REPORT = "/w/acme/report/app"


def long_chain() -> dict[str, object]:
    """An offering with 250 providers and no evidence (250 gaps, 250 rows of scope), and two
    links out of scope."""
    providers = [f"p{i:03d}" for i in range(PROVIDERS)]
    return {
        "ketenkaart": 1,
        "offerings": ["app"],
        "suppliers": [{"id": "s", "name": "S B.V."}],
        "services": [
            {"id": "app", "name": "App", "supplier": "s", "kind": "saas"},
            *({"id": p, "name": f"Host {p}", "supplier": "s", "kind": "iaas"} for p in providers),
            {"id": "x1", "name": "Catering", "supplier": "s", "kind": "other"},
            {"id": "x2", "name": "Cleaning", "supplier": "s", "kind": "other"},
        ],
        "dependencies": [
            *({"from": "app", "to": p} for p in providers),
            *(
                {"from": "app", "to": x, "relevant": False, "reason": "no access"}
                for x in ("x1", "x2")
            ),
        ],
    }


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP (the session cookie is sent), at a fixed time."""
    client = make_client(plain_http_localhost=True)
    assert isinstance(client.app, FastAPI)
    fixed_clock(client.app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return client


@pytest.fixture
def long_ws(web: TestClient, ws: Ws) -> Ws:
    """Workspace ``acme`` with the long chain, and its auditor signed in."""
    body = json.dumps(long_chain()).encode()
    answer = web.post(ws.url("/import"), content=body, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    sign_in(web, ws.emails["auditor"])
    return ws


def section(page: str, anchor: str) -> str:
    """The part of the page in ``<section id=anchor>``."""
    found = re.search(rf'<section[^>]* id="{anchor}">(.*?)</section>', page, flags=re.S)
    assert found is not None, anchor
    return found.group(1)


def gap_links(page: str) -> list[str]:
    """The links of the gaps table, in the order shown."""
    return re.findall(r"<code>(app)</code> → <code>([^<]+)</code>", section(page, "gap"))


def pager_links(part: str) -> dict[str, str]:
    """The pager's links by their text (First, Previous, 1, 2, ..., Next, Last)."""
    nav = re.search(r'<nav class="pager".*?</nav>', part, flags=re.S)
    assert nav is not None
    return {
        html.unescape(text): html.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0))
    }


def target(url: str) -> tuple[str, dict[str, str], str]:
    """A link's path, its query as a dict, and its fragment."""
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query)), parts.fragment


def asked(**query: str) -> dict[str, str]:
    """The report form's query (the date and the default profile) with ``query``."""
    return {"at": "2026-11-27", "profile": "zeker-online", **query}


def test_the_gaps_table_pages_with_counts_and_links(web: TestClient, long_ws: Ws) -> None:
    """Page 1 shows the first 100 gaps, says which rows of how many on which page of how
    many, and links to the next and the last page, keeping the date."""
    page = web.get(REPORT, params={"at": "2026-11-27"}).text
    gaps = section(page, "gap")
    assert len(gap_links(page)) == REPORT_PAGE_SIZE
    assert "Gaps: links without equivalent certification (250)" in gaps
    assert "Gaps: rows 1 to 100 of 250, page 1 of 3." in squash(gaps)
    links = pager_links(gaps)
    assert set(links) == {"2", "3", "Next", "Last"}
    assert target(links["Next"]) == (REPORT, asked(gap_page="2"), "gap")
    assert target(links["Last"]) == (REPORT, asked(gap_page="3"), "gap")


def test_following_the_pages_shows_every_gap_once_in_a_stable_order(
    web: TestClient, long_ws: Ws
) -> None:
    """Next, next: 100, 100 and 50 rows, together every gap once, in the order of the
    complete Markdown report; the last page links back but not on."""
    shown: list[tuple[str, str]] = []
    url: str | None = f"{REPORT}?at=2026-11-27"
    pages = 0
    while url is not None:
        page = web.get(url).text
        shown += gap_links(page)
        pages += 1
        url = pager_links(section(page, "gap")).get("Next")
    assert pages == 3
    assert "Gaps: rows 201 to 250 of 250, page 3 of 3." in squash(page)
    assert set(pager_links(section(page, "gap"))) == {"First", "Previous", "1", "2"}
    markdown = web.get(f"{REPORT}.md", params={"at": "2026-11-27"}).text
    in_report = re.findall(r"\| `(app)` → `([^`]+)` \| `NO_EVIDENCE`", markdown)
    assert shown == in_report
    assert len(set(shown)) == PROVIDERS


def test_each_table_keeps_its_own_page(web: TestClient, long_ws: Ws) -> None:
    """Paging the scope leaves the gaps on their page, and the other way round; the short
    out-of-scope table has no pager."""
    page = web.get(REPORT, params={"at": "2026-11-27", "gap_page": "2", "scope_page": "3"}).text
    assert gap_links(page)[0] == ("app", "p100")
    scope = section(page, "scope")
    assert "The scope: rows 201 to 250 of 250, page 3 of 3." in squash(scope)
    assert target(pager_links(scope)["Previous"]) == (
        REPORT,
        asked(gap_page="2", scope_page="2"),
        "scope",
    )
    assert target(pager_links(scope)["First"]) == (REPORT, asked(gap_page="2"), "scope")
    assert target(pager_links(section(page, "gap"))["Next"]) == (
        REPORT,
        asked(gap_page="3", scope_page="3"),
        "gap",
    )
    assert 'class="pager"' not in section(page, "out-of-scope")


@pytest.mark.parametrize(("asked", "shown"), [("99", "p200"), ("0", "p000"), ("two", "p000")])
def test_a_page_out_of_range_shows_the_nearest(
    web: TestClient, long_ws: Ws, asked: str, shown: str
) -> None:
    """A page past the end shows the last; a page before the first or not a number, the
    first."""
    page = web.get(REPORT, params={"at": "2026-11-27", "gap_page": asked}).text
    assert gap_links(page)[0] == ("app", shown)


def test_a_paged_report_says_so_in_print_and_points_to_the_complete_one(
    web: TestClient, long_ws: Ws
) -> None:
    """The report article (what prints) says that it holds only the rows shown and links
    the complete Markdown report; the pager's links are not printed, its count is."""
    page = web.get(REPORT, params={"at": "2026-11-27"}).text
    article = page[page.index('<article class="report">') :]
    assert "a printout holds only the rows shown" in squash(article)
    assert f'href="{REPORT}.md?at=2026-11-27&amp;profile=zeker-online"' in article
    assert re.search(r'<ul class="pager-links no-print">', article)
    assert re.search(r'<p class="pager-count">', article)


def test_the_markdown_download_is_complete_and_streamed(web: TestClient, long_ws: Ws) -> None:
    """The Markdown download holds every link and every row of the scope, is the command
    line's report with the generated-at line, and is sent in pieces (no length ahead)."""
    answer = web.get(f"{REPORT}.md", params={"at": "2026-11-27"})
    assert answer.status_code == 200
    assert "content-length" not in answer.headers
    chain = load_plain(long_chain())
    expected = render_markdown(
        check(chain, at=date(2026, 11, 27)), chain, find_profile("zeker-online", chain)
    )
    text = answer.text
    body, generated = text.rsplit("\n\n", 1)
    assert body == expected.rstrip("\n")
    assert generated.startswith("Generated at 2026-11-27T09:00:00+00:00 from workspace `acme`")
    assert generated.endswith("`.\n")
    assert text.count("| `NO_EVIDENCE` |") == PROVIDERS


def test_a_short_report_has_no_pager_and_prints_whole(
    web: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """The demo register fits on one page: no pager, no note, every link in the page."""
    answer = web.post(ws.url("/import"), content=demo_bytes, headers=ws.auth("editor"))
    assert answer.status_code == 200
    sign_in(web, ws.emails["auditor"])
    page = web.get("/w/acme/report/loonwolk-online", params={"at": "2026-11-27"}).text
    assert 'class="pager"' not in page and "printout holds only" not in page
    shown = len(re.findall(r"<code>[^<]+</code> → <code>[^<]+</code>", page))
    summary = re.search(r"\((\d+) links:", page)
    assert summary is not None and shown == int(summary.group(1))


def test_a_change_to_the_register_shows_on_the_next_page(web: TestClient, long_ws: Ws) -> None:
    """The next page of a report is checked anew once the register changed: a dependency
    marked out of scope leaves the gaps and joins the out-of-scope links."""
    before = web.get(REPORT, params={"at": "2026-11-27"}).text
    assert "Gaps: links without equivalent certification (250)" in before
    answer = web.patch(
        long_ws.url("/dependencies/app/p000"),
        json={"relevant": False, "reason": "no longer used"},
        headers={**long_ws.auth("editor"), "If-Match": '"1"'},
    )
    assert answer.status_code == 200, answer.text
    after = web.get(REPORT, params={"at": "2026-11-27", "gap_page": "2"}).text
    assert "Gaps: links without equivalent certification (249)" in after
    assert "Out of scope (3)" in after


def test_the_overview_shows_a_change_at_once(web: TestClient, long_ws: Ws) -> None:
    """The overview kept for an unchanged register is not shown once it changed."""

    def counts() -> str:
        row = re.search(r"<tr>\s*<td>App <span.*?</tr>", web.get("/w/acme").text, flags=re.S)
        assert row is not None
        return squash(re.sub(r"<[^>]+>", " ", row.group(0)))

    assert counts() == counts() == "App app gap 252 250 0 0 2 Graph · Scoping report"
    answer = web.patch(
        long_ws.url("/dependencies/app/p000"),
        json={"relevant": False, "reason": "no longer used"},
        headers={**long_ws.auth("editor"), "If-Match": '"1"'},
    )
    assert answer.status_code == 200, answer.text
    assert counts() == "App app gap 252 249 0 0 3 Graph · Scoping report"


def test_the_report_gives_the_connection_back_while_it_checks(
    web: TestClient, long_ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The register is read, then judged and checked with no transaction (and so no
    connection) held by the request's session."""
    from app.routes.pages import recent, reports  # noqa: PLC0415 - the modules patched

    sessions: list[Any] = []
    held: list[bool] = []
    read, judge = reports.services.register_chain, recent.prepare

    def reading(session: Any, *args: Any) -> Any:
        sessions.append(session)
        return read(session, *args)

    def checking(*args: Any, **kwargs: Any) -> Any:
        held.append(sessions[-1].in_transaction())
        return judge(*args, **kwargs)

    monkeypatch.setattr(reports.services, "register_chain", reading)
    monkeypatch.setattr(recent, "prepare", checking)
    assert web.get(REPORT, params={"at": "2025-01-01"}).status_code == 200
    assert held == [False]


def test_the_report_answers_when_the_sign_in_is_renewed_on_the_way(
    web: TestClient, long_ws: Ws
) -> None:
    """Minutes after signing in the request records the browser's activity (a commit) and
    then gives its connection back: the page still shows the signed-in account and its
    form's token."""
    assert isinstance(web.app, FastAPI)
    fixed_clock(web.app, datetime(2026, 11, 27, 9, 5, tzinfo=UTC))
    answer = web.get(REPORT, params={"at": "2026-11-27"})
    assert answer.status_code == 200
    assert 'name="csrf_token" value="' in answer.text
