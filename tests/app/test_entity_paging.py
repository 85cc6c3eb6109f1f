"""A long register table on its page: 200 rows at a time, with the count, the page, and links
to the other pages that keep the filter (ADR 29)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.entities import PAGE_SIZE
from tests.app.conftest import Ws
from tests.app.test_pages import sign_in, squash
from tests.app.test_report_paging import long_chain, pager_links, target

SERVICES = [s["id"] for s in long_chain()["services"]]  # type: ignore[index]


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP (the session cookie is sent)."""
    return make_client(plain_http_localhost=True)


@pytest.fixture
def listed(web: TestClient, ws: Ws) -> Ws:
    """Workspace ``acme`` with 253 services, and its viewer signed in."""
    body = json.dumps(long_chain()).encode()
    answer = web.post(ws.url("/import"), content=body, headers=ws.auth("editor"))
    assert answer.status_code == 200, answer.text
    sign_in(web, ws.emails["viewer"])
    return ws


def shown(page: str) -> list[str]:
    """The ids in the services table, in the order shown."""
    table = re.search(r'<table class="entities">(.*?)</table>', page, flags=re.S)
    assert table is not None
    return [html.unescape(i) for i in re.findall(r'<a href="/w/acme/services/([^"]+)"', table[1])]


def test_the_services_come_a_page_at_a_time_each_once(web: TestClient, listed: Ws) -> None:
    """Page 1: 200 services, the count and the pages; its Next link: the other 53; together
    every service once, in the register's order."""
    first = web.get("/w/acme/services").text
    assert len(shown(first)) == PAGE_SIZE
    assert "253 services; showing 1 to 200, page 1 of 2." in squash(first)
    links = pager_links(first)
    assert set(links) == {"2", "Next", "Last"}
    assert target(links["Next"]) == ("/w/acme/services", {"page": "2"}, "")
    second = web.get(links["Next"]).text
    assert "253 services; showing 201 to 253, page 2 of 2." in squash(second)
    assert set(pager_links(second)) == {"First", "Previous", "1"}
    assert shown(first) + shown(second) == SERVICES


def test_the_pages_keep_the_filter(web: TestClient, listed: Ws) -> None:
    """Filtering by "Host" leaves 250 services on 2 pages; the page links keep the filter."""
    page = web.get("/w/acme/services", params={"q": "Host"}).text
    assert "250 services matching “Host”; showing 1 to 200, page 1 of 2." in squash(page)
    assert target(pager_links(page)["Next"]) == ("/w/acme/services", {"q": "Host", "page": "2"}, "")


@pytest.mark.parametrize(
    ("query", "first"),
    [("page=99", "p199"), ("page=0", "app"), ("page=x", "app"), ("offset=200", "p199")],
)
def test_a_page_out_of_range_or_an_old_offset_link(
    web: TestClient, listed: Ws, query: str, first: str
) -> None:
    """A page past the end shows the last; 0 or not a number the first; an older link's
    ``offset`` its page."""
    assert shown(web.get(f"/w/acme/services?{query}").text)[0] == first


def test_a_short_table_has_no_pager(web: TestClient, listed: Ws) -> None:
    """One supplier: no pager."""
    page = web.get("/w/acme/suppliers").text
    assert 'class="pager"' not in page and "1 supplier." in squash(page)
