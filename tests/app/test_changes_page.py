"""The page of what changed between two moments, /w/{ws}/changes, and its downloads: the
edits made between the moments and no other, with who and when; the links whose status
changed, both statuses and reasons; in English and Dutch; a scoped auditor's part; another
workspace's reader answered 404; labels from the register escaped. And the scoping report's
two optional sections: "Changes since" (``since=``) and "Built on publications"."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import openpyxl  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from app import services
from app.audit import COMMAND_LINE
from app.limits import lane_of
from app.models import Grant
from tests.app.conftest import Ws
from tests.app.test_history import Clock, clock  # noqa: F401 - the trail's clock, a fixture
from tests.app.test_languages import unmarked_english
from tests.app.test_pages import sign_in, squash
from tests.app.test_publishing import CUSTOMER_CHAIN, seed_subscription

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
DATA = frozenset({"PostgreSQL", "img", "src", "onerror", "alert", "renders", "test", "files"})
DATA |= {"only", "acme", "viewer", "true", "false"}  # values as the chain file writes them
"""Words of the edits' values and of the people: data, not the page's own words."""


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP (the session cookie is sent), on the real clock:
    the trail's entries and the page's moments are on the same one."""
    client = make_client(plain_http_localhost=True)
    client.app.state.pseudo_language = True  # type: ignore[attr-defined]
    return client


def _now() -> str:
    return datetime.now(UTC).isoformat()


Edited = tuple[Ws, str, str]


@pytest.fixture
def edited(web: TestClient, demo_ws: Ws) -> Edited:
    """The demo register; an edit before the first moment, four between the moments (a
    service renamed, the mail relay's evidence deleted, a supplier with a hostile name added,
    the PDF renderer's link made out of scope) and one after the second; the two moments."""
    client, ws = web, demo_ws
    editor = {**ws.auth("editor"), "If-Match": '"1"'}
    assert client.patch(ws.url("/suppliers/kantoor"), json={"name": "Early"}, headers=editor)
    start = _now()
    steps = [
        client.patch(
            ws.url("/services/stratus-postgres"),
            json={"name": "Stratus PostgreSQL"},
            headers=editor,
        ),
        client.delete(ws.url("/evidence/postduif-trust-page"), headers=editor),
        client.post(
            ws.url("/suppliers"),
            json={"id": "nieuw", "name": HOSTILE, "country": "NL"},
            headers=ws.auth("owner"),
        ),
        client.patch(
            ws.url("/dependencies/loonwolk-online/renderpeak-pdf"),
            json={"relevant": False, "reason": "renders test files only"},
            headers=editor,
        ),
    ]
    assert [s.status_code for s in steps] == [200, 204, 201, 200], [s.text for s in steps]
    end = _now()
    assert client.delete(ws.url("/suppliers/nieuw"), headers=editor).status_code == 204
    return ws, start, end


SCOPED = [
    "changed service Stratus PostgreSQL (stratus-postgres)",
    "changed link LoonWolk Online (loonwolk-online) → RenderPeak PDF API (renderpeak-pdf)",
    "removed evidence postduif-trust-page",
]
"""The changes within the part of offering ``loonwolk-online`` (all but the new supplier)."""


def _text(page: str) -> str:
    return squash(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _entities(page: str) -> list[str]:
    """The page's changed entities, each as its text."""
    found = re.findall(r'<tbody class="changed-entity[^"]*">(.*?)</tbody>', page, flags=re.S)
    return [_text(body) for body in found]


def _heads(page: str) -> list[str]:
    """The page's changed entities, each as its change and its name."""
    cells = re.findall(
        r'<tbody class="changed-entity[^"]*">\s*<tr><td rowspan="\d+">(.*?)</td>'
        r'<td rowspan="\d+">(.*?)</td>',
        page,
    )
    return [f"{_inline(word)} {_inline(entity)}" for word, entity in cells]


def _inline(cell: str) -> str:
    """A cell's text: its inline elements (a date or an id kept on one line) taken away."""
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


def _links(page: str) -> dict[str, str]:
    """The page's changed links by ``consumer -> provider``, each row as its HTML."""
    rows = re.findall(r'<tr class="changed-link">(.*?)</tr>', page, flags=re.S)
    found = {}
    for row in rows:
        key = re.search(r"<code>([^<]+)</code> → <code>([^<]+)</code>", row)
        assert key is not None, row
        found[f"{key.group(1)} -> {key.group(2)}"] = row
    return found


def _statuses(row: str) -> list[str]:
    return re.findall(r'class="status-word status-([a-z-]+)"', row)


def test_the_page_lists_exactly_the_edits_made_between_the_two_moments(
    web: TestClient, edited: Edited
) -> None:
    """The edits before the first moment and after the second are not on the page; each
    between is, value by value, with who made it and when; the links whose status changed show
    both statuses and both reasons; the hostile name is text."""
    ws, start, end = edited
    sign_in(web, ws.emails["viewer"])
    answer = web.get(f"/w/{ws.slug}/changes", params={"from": start, "to": end})
    assert answer.status_code == 200, answer.text
    page = answer.text
    entities = _entities(page)
    assert _heads(page) == [
        f"added supplier {HOSTILE} (nieuw)",
        "changed service Stratus PostgreSQL (stratus-postgres)",
        "changed link LoonWolk Online (loonwolk-online) → RenderPeak PDF API (renderpeak-pdf)",
        "removed evidence postduif-trust-page",
    ]
    assert "Early" not in page
    assert "owner@acme.example" in entities[0] and "Country NL" in entities[0]
    assert "Name Stratus Managed PostgreSQL Stratus PostgreSQL editor@acme.example" in entities[1]
    # each field by its form's label; a yes-or-no field as yes or no; none as "(none)"
    assert "Relevant yes no" in entities[2]
    assert "Reason (none) renders test files only" in entities[2]
    for text in entities:
        when = re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text)
        assert when is not None, text
        moment = datetime.fromisoformat(when.group(0))
        assert start[:19] <= moment.isoformat()[:19] <= end[:19]
    links = _links(page)
    assert sorted(links) == [
        "loonwolk-online -> postduif-relay",
        "loonwolk-online -> renderpeak-pdf",
    ]
    mail = links["loonwolk-online -> postduif-relay"]
    assert _statuses(mail) == ["gap", "gap"]
    assert "NOT_EQUIVALENT" in mail and "NO_EVIDENCE" in mail
    assert "is a statement by Postduif Mail ApS itself" in _text(mail)
    assert "No evidence for Postduif Transactional Mail" in _text(mail)
    pdf = links["loonwolk-online -> renderpeak-pdf"]
    assert _statuses(pdf)[-1] == "out-of-scope" and _statuses(pdf)[0] != "out-of-scope"
    assert "renders test files only" in _text(pdf)
    # the fields show the moments as a date-and-time input takes them: UTC, no zone
    for name, given in (("from", start), ("to", end)):
        shown = re.search(f'name="{name}" value="([^"]+)"', page)
        assert shown is not None
        assert re.fullmatch(r"[\d-]{10}T[\d:]{8}(\.\d{3})?", shown.group(1))
        assert given.startswith(shown.group(1))
    # the hostile label is text, never markup
    assert HOSTILE not in page and ESCAPED in page
    # the workspace's navigation leads here, marked as the current page
    assert f'<a href="/w/{ws.slug}/changes" aria-current="page">Changes</a>' in page
    # works without JavaScript: the one script, on every page, only lets the keyboard scroll a
    # table that is wider than a phone
    scripts = re.findall(r"<script[^>]*>", page.split("</header>", 1)[1])
    assert [s.rsplit("/", 1)[-1] for s in scripts] == ['wide.js">'], scripts


def test_the_downloads_hold_the_same_changes_in_markdown_and_xlsx(
    web: TestClient, edited: Edited
) -> None:
    """The page's download links give the same changes, every one, as a Markdown section and
    a workbook; the hostile name escaped in the one, plain text in the other's cell."""
    ws, start, end = edited
    sign_in(web, ws.emails["viewer"])
    page = web.get(f"/w/{ws.slug}/changes", params={"from": start, "to": end}).text
    links = {
        label: html.unescape(url)
        for url, label in re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', page)
    }
    assert sorted(links) == ["Markdown", "XLSX"]
    text = web.get(links["Markdown"])
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/markdown")
    assert "attachment" in text.headers["content-disposition"]
    body = text.text
    assert body.startswith("## Changes in acme from ")
    assert "Stratus PostgreSQL" in body and "postduif-trust-page" in body
    assert "owner@acme.example" in body and "renders test files only" in body
    assert HOSTILE not in body and ESCAPED in body
    assert "Early" not in body
    book = web.get(links["XLSX"])
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)
    assert sheets.sheetnames == ["Entities", "Links"]
    keys = {row[2] for row in sheets["Entities"].iter_rows(min_row=2, values_only=True)}
    assert keys == {
        "nieuw",
        "stratus-postgres",
        "loonwolk-online -> renderpeak-pdf",
        "postduif-trust-page",
    }
    names = [row[3] for row in sheets["Entities"].iter_rows(min_row=2, values_only=True)]
    assert HOSTILE in names  # text in a cell: no formula, no markup to escape
    assert {row[2] for row in sheets["Links"].iter_rows(min_row=2, values_only=True)} == {
        "postduif-relay",
        "renderpeak-pdf",
    }


def test_a_link_that_is_ok_says_why_on_the_page_and_in_the_downloads(
    web: TestClient, demo_ws: Ws
) -> None:
    """A link judged EQUIVALENT has no reasons: the page, its Markdown and its workbook give
    the basis of its evidence instead, until when it counts, as the check's text does; in
    Dutch too. The demo register since it began: every link appeared."""
    ws = demo_ws
    sign_in(web, ws.emails["viewer"])
    page = web.get(f"/w/{ws.slug}/changes")
    assert page.status_code == 200, page.text
    row = _text(_links(page.text)["loonwolk-online -> stratus-compute-ams"])
    assert _statuses(_links(page.text)["loonwolk-online -> stratus-compute-ams"]) == ["ok"]
    assert "why ok: SOC 2 report, type 2, held by Stratus Cloud Nederland B.V." in row, row
    assert "counts until" in row
    markdown = web.get(f"/w/{ws.slug}/changes.md").text
    assert "why ok: SOC 2 report, type 2, held by Stratus Cloud Nederland B.V." in markdown
    book = web.get(f"/w/{ws.slug}/changes.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)["Links"]
    reasons = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(str(r).startswith("why ok: SOC 2 report, type 2") for r in reasons), reasons
    web.cookies.set("ketenkaart_lang", "nl")
    dutch = web.get(f"/w/{ws.slug}/changes").text
    assert "waarom in orde: " in _text(_links(dutch)["loonwolk-online -> stratus-compute-ams"])


def test_the_page_and_its_markdown_in_dutch(web: TestClient, edited: Edited) -> None:
    """The page's words, the change words, the reasons and both downloads in Dutch; the
    report's section too."""
    ws, start, end = edited
    sign_in(web, ws.emails["viewer"])
    web.cookies.set("ketenkaart_lang", "nl")
    page = web.get(f"/w/{ws.slug}/changes", params={"from": start, "to": end}).text
    entities = _entities(page)
    assert entities[0].startswith(f"toegevoegd leverancier {HOSTILE}"), entities[0]
    assert "Land NL" in entities[0]
    assert "Relevant ja nee" in entities[2]
    assert "Schakels waarvan de status of de beoordeling veranderde (2)" in _text(page)
    assert "Wijzigingen" in _text(page)  # the navigation's link
    assert "Changes" not in _text(page)
    mail = _links(page)["loonwolk-online -> postduif-relay"]
    assert "geen bewijsstuk vastgelegd" in _text(mail), _text(mail)
    body = web.get(f"/w/{ws.slug}/changes.md", params={"from": start, "to": end}).text
    assert body.startswith("## Wijzigingen in acme van ")
    book = web.get(f"/w/{ws.slug}/changes.xlsx", params={"from": start, "to": end})
    sheets = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)
    assert sheets.sheetnames == ["Entiteiten", "Schakels"]
    report = web.get(f"/w/{ws.slug}/report/loonwolk-online.md", params={"since": start}).text
    assert "## Wijzigingen sinds " + start[:19] + "Z\n" in report
    assert "Stratus PostgreSQL" in report.split("## Wijzigingen sinds ")[1]


def test_every_word_of_the_page_goes_through_the_catalog(web: TestClient, edited: Edited) -> None:
    """Read in the pseudo language, the page with its changes and the page with an error
    have no English word outside the markers (data aside)."""
    ws, start, end = edited
    sign_in(web, ws.emails["viewer"])
    web.cookies.set("ketenkaart_lang", "pseudo")
    page = web.get(f"/w/{ws.slug}/changes", params={"from": start, "to": end})
    assert page.status_code == 200
    assert unmarked_english(page.text, allowed=DATA) == []
    wrong = web.get(f"/w/{ws.slug}/changes", params={"from": "yesterday"})
    assert wrong.status_code == 422
    assert unmarked_english(wrong.text, allowed=frozenset({"yesterday", "acme", "viewer"})) == []


def test_a_scoped_auditor_sees_its_part_and_another_workspace_nothing(
    web: TestClient, edited: Edited, engine: Engine, make_workspace: Callable[[str], Ws]
) -> None:
    """An auditor of one offering sees the changes within its part (not the new supplier,
    which nothing of it uses); a reader of another workspace gets 404 for the page and both
    downloads."""
    ws, start, end = edited
    with Session(engine) as session:
        session.execute(update(Grant).values(offerings=["loonwolk-online"]))
        session.commit()
    sign_in(web, ws.emails["auditor"])
    page = web.get(f"/w/{ws.slug}/changes", params={"from": start, "to": end})
    assert page.status_code == 200, page.text
    assert _heads(page.text) == SCOPED
    assert "nieuw" not in page.text
    assert "Your view of this register is limited to: loonwolk-online" in _text(page.text)
    markdown = web.get(f"/w/{ws.slug}/changes.md", params={"from": start, "to": end}).text
    assert "nieuw" not in markdown and "stratus-postgres" in markdown
    other = make_workspace("other")
    stranger = web.__class__(web.app, base_url=str(web.base_url))
    sign_in(stranger, other.emails["owner"])
    for tail in ("", ".md", ".xlsx"):
        answer = stranger.get(f"/w/{ws.slug}/changes{tail}", params={"from": start, "to": end})
        assert answer.status_code == 404, tail
        assert "Stratus" not in answer.text
    assert (
        web.__class__(web.app).get(f"/w/{ws.slug}/changes", follow_redirects=False).status_code
        == 303
    )


def test_the_form_reads_dates_and_says_what_is_wrong_next_to_the_field(
    web: TestClient, edited: Edited
) -> None:
    """Without moments the page compares the workspace's beginning (it is younger than a
    year) with now: the whole register added. A date is the end of that day (today's: now);
    a moment out of order, unreadable or before the workspace is refused next to its field."""
    ws, start, end = edited
    sign_in(web, ws.emails["viewer"])
    whole = web.get(f"/w/{ws.slug}/changes")
    assert whole.status_code == 200, whole.text
    heads = _heads(whole.text)
    assert heads[0].startswith("changed the chain LoonWolk"), heads  # its title, set by the import
    assert all(e.startswith("added ") for e in heads[1:]), heads
    assert len(_heads(whole.text)) > 20
    today = datetime.now(UTC).date().isoformat()
    nothing = web.get(f"/w/{ws.slug}/changes", params={"from": today, "to": today})
    assert nothing.status_code == 200, nothing.text
    assert "No entity was added, removed or changed." in nothing.text
    cases = {
        "from": {"from": end, "to": start},
        "to": {"from": start, "to": "2026-13-40"},
    }
    for field, params in cases.items():
        answer = web.get(f"/w/{ws.slug}/changes", params=params)
        assert answer.status_code == 422, answer.text
        assert f'aria-describedby="error-{field}"' in answer.text
        assert re.search(f'<span class="field-error" id="error-{field}" role="alert">', answer.text)
    early = web.get(f"/w/{ws.slug}/changes", params={"from": "2001-01-01"})
    assert early.status_code == 422
    assert "is before workspace &#39;acme&#39; existed" in early.text


def test_dates_are_read_as_the_end_of_their_day(
    clock: Clock,  # noqa: F811 - tests/app/test_history.py's fixture
    web: TestClient,
    demo_ws: Ws,
) -> None:
    """With the trail's clock moved by hand (the workspace made and imported on 1 January): a
    day's date stands for the end of that day, so the changes from one day to the next are
    exactly the edits made on the second, the one a second after midnight not among them."""
    ws, editor = demo_ws, {**demo_ws.auth("editor"), "If-Match": '"1"'}
    clock.now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    renamed = web.patch(
        ws.url("/services/stratus-postgres"), json={"name": "Day two"}, headers=editor
    )
    assert renamed.status_code == 200, renamed.text
    clock.now = datetime(2026, 3, 11, 0, 0, 1, tzinfo=UTC)
    assert web.delete(ws.url("/evidence/postduif-trust-page"), headers=editor).status_code == 204
    sign_in(web, ws.emails["viewer"])
    day = web.get(f"/w/{ws.slug}/changes", params={"from": "2026-03-09", "to": "2026-03-10"})
    assert day.status_code == 200, day.text
    assert _heads(day.text) == ["changed service Day two (stratus-postgres)"]
    assert "editor@acme.example 2026-03-10T15:00:00Z" in _entities(day.text)[0]
    assert _links(day.text) == {}
    assert "No link changed status or verdict." in day.text
    assert 'name="to" value="2026-03-10T23:59:59.999"' in day.text
    after = web.get(f"/w/{ws.slug}/changes", params={"from": "2026-03-10", "to": "2026-03-11"})
    assert _heads(after.text) == ["removed evidence postduif-trust-page"]
    assert list(_links(after.text)) == ["loonwolk-online -> postduif-relay"]
    since = web.get("/w/acme/report/loonwolk-online.md", params={"since": "2026-03-10"}).text
    section = since.split("## Changes since 2026-03-10T23:59:59Z\n", 1)[1]
    assert "| removed | evidence postduif-trust-page | scheme |" in section
    assert "| changed | service" not in section  # the rename was on the day itself


def test_a_moment_before_the_trail_is_named_to_the_second(
    clock: Clock,  # noqa: F811 - tests/app/test_history.py's fixture
    web: TestClient,
    demo_ws: Ws,
) -> None:
    """The workspace made on 1 January at 09:00: a day before it is refused, naming the end of
    that day and the trail's beginning to the second, as a person reads them."""
    sign_in(web, demo_ws.emails["viewer"])
    for since, named in (
        ("2025-12-31", "2025-12-31T23:59:59Z"),
        ("2026-01-01T08:59:59.5Z", "2026-01-01T08:59:59Z"),
    ):
        early = web.get(f"/w/{demo_ws.slug}/changes", params={"from": since})
        assert early.status_code == 422, early.text
        error = re.search(r'id="error-from" role="alert">(.*?)</span></label>', early.text)
        assert error is not None, early.text
        assert _inline(error[1]) == (
            f"{named} is before workspace 'acme' existed: its trail begins at 2026-01-01T09:00:00Z"
        )


def test_the_page_and_its_downloads_take_a_heavy_turn() -> None:
    """Each rebuilds the register twice: they wait for a turn of the heavy work."""
    assert [lane_of("GET", f"/w/acme/changes{tail}") for tail in ("", ".md", ".xlsx")] == [
        "heavy"
    ] * 3


# --- the scoping report's optional sections -------------------------------------------------


def _fixed(client: TestClient) -> datetime:
    """The service's clock stopped now (the report's generated-at line stays the same)."""
    moment = datetime.now(UTC) + timedelta(seconds=1)
    client.app.state.clock = lambda: moment  # type: ignore[attr-defined]
    return moment


def test_the_report_with_since_gains_a_section_of_the_changes_and_is_unchanged_without(
    web: TestClient, edited: Edited
) -> None:
    """With since, the report's Markdown is the same report with a section "Changes since"
    before its generated-at line (the offering's part: not the unused supplier), and the page
    shows it under its form's field; without since, neither has it; an unreadable since is
    refused."""
    ws, start, _ = edited
    _fixed(web)
    sign_in(web, ws.emails["viewer"])
    report = f"/w/{ws.slug}/report/loonwolk-online"
    plain = web.get(report + ".md")
    since = web.get(report + ".md", params={"since": start})
    assert plain.status_code == since.status_code == 200, since.text
    assert "Changes since" not in plain.text
    heading = "## Changes since " + start[:19] + "Z\n"
    assert heading in since.text
    section = since.text[since.text.index(heading) : since.text.index("\n\nGenerated at")]
    assert since.text.replace("\n\n" + section, "") == plain.text
    assert "Stratus PostgreSQL" in section and "editor@acme.example" in section
    assert "postduif-trust-page" in section and "renders test files only" in section
    assert "nieuw" not in section  # the offering's part only
    page = web.get(report, params={"since": start})
    assert page.status_code == 200, page.text
    assert f'<input type="text" name="since" value="{html.escape(start)}"' in page.text
    part = page.text[page.text.index('<section id="changes"') :]
    assert "Changes since " + start[:19] + "Z" in part
    assert _heads(part) == SCOPED
    assert _statuses(_links(part)["loonwolk-online -> postduif-relay"]) == ["gap", "gap"]
    assert "since=" in re.search(r'href="([^"]+\.md[^"]*)" download', page.text).group(1)  # type: ignore[union-attr]
    assert 'id="changes"' not in web.get(report).text
    wrong = web.get(report, params={"since": "last year"})
    assert wrong.status_code == 422 and "last year" in html.unescape(wrong.text)


def test_the_report_of_a_register_built_on_a_publication_names_each_origin(
    web: TestClient, engine: Engine, make_workspace: Callable[[str], Ws]
) -> None:
    """The offering on the subscribed hosting lists the upstream parts with publisher,
    publication, version, when fetched and the signature, on the page and in the Markdown;
    the offering that uses none of them has no such section."""
    shop = make_workspace("shop")
    answer = web.post(shop.url("/import"), content=CUSTOMER_CHAIN, headers=shop.auth("editor"))
    assert answer.status_code == 200, answer.text
    seed_subscription(engine, shop.slug)
    sign_in(web, shop.emails["viewer"])
    page = web.get("/w/shop/report/app")
    assert page.status_code == 200, page.text
    rows = [_text(r) for r in re.findall(r'<tr class="origin">(.*?)</tr>', page.text, flags=re.S)]
    assert "Service vm-hosting h h 1 2026-12-05T00:00:00+00:00 holds" in rows, rows
    assert "Built on publications" in page.text
    markdown = web.get("/w/shop/report/app.md").text
    assert "## Built on publications" in markdown
    assert "| Service `vm-hosting` | h | h | 1 | 2026-12-05T00:00:00+00:00 | holds |" in markdown
    alone = web.get("/w/shop/report/intranet")
    assert alone.status_code == 200
    assert "Built on publications" not in alone.text
    assert "Built on publications" not in web.get("/w/shop/report/intranet.md").text


def test_a_link_compares_from_the_last_import_to_now(web: TestClient, edited: Edited) -> None:
    """A young workspace's page starts at its beginning, where the import adds the whole
    register; one link compares from the last import instead, and shows the edits since
    (the six of the fixture's register) and not the import's additions."""
    ws = edited[0]
    sign_in(web, ws.emails["viewer"])
    page = web.get(f"/w/{ws.slug}/changes").text
    assert len(_entities(page)) > 20  # the import's additions bury the edits
    # the two moments read alike (the import is the workspace's first second): the headings
    # say which one holds the import
    heading = re.search(r'<h2 id="changes-heading">(.*?)</h2>', page)
    assert heading is not None
    assert re.fullmatch(
        r"From the workspace's beginning \(\S+\), with its import, to \S+",
        _inline(heading.group(1)),
    ), heading.group(1)
    found = re.search(r'<p class="since-import"><a href="([^"]+)">(.*?)</a>', page)
    assert found is not None
    assert re.fullmatch(r"Only what changed after the last import \(\S+\)", _inline(found.group(2)))
    since = web.get(html.unescape(found.group(1)))
    assert since.status_code == 200, since.text
    heading = re.search(r'<h2 id="changes-heading">(.*?)</h2>', since.text)
    assert heading is not None and _inline(heading.group(1)).startswith("After the last import (")
    assert _heads(since.text) == [
        "changed supplier Early (kantoor)",
        "changed service Stratus PostgreSQL (stratus-postgres)",
        "changed link LoonWolk Online (loonwolk-online) → RenderPeak PDF API (renderpeak-pdf)",
        "removed evidence postduif-trust-page",
    ]


def test_mappings_read_by_their_labels_and_the_command_line_is_named(
    web: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """A piece of evidence added from the command line with CUECs, exceptions and an
    accreditation: each value reads as the forms label it, never as JSON, and who added it
    is "the command line", not a code."""
    start = _now()
    with Session(engine) as session:
        services.create_entity(
            session,
            workspace=services.workspace_for(session, demo_ws.slug),
            section="evidence",
            body={
                "id": "noord-iso",
                "scheme": "iso27001",
                "holder": "stratus",
                "covers": ["stratus-postgres"],
                "issued": "2026-01-01",
                "valid_until": "2028-12-31",
                "accreditation": {"body": "RvA", "iaf_mla": True},
            },
            actor=COMMAND_LINE,
        )
        services.create_entity(
            session,
            workspace=services.workspace_for(session, demo_ws.slug),
            section="evidence",
            body={
                "id": "noord-soc2",
                "scheme": "soc2",
                "type": 2,
                "holder": "stratus",
                "covers": ["stratus-postgres"],
                "period": {"from": "2025-10-01", "to": "2026-09-30"},
                "issued": "2026-11-01",
                "cuecs": [{"id": "CUEC-1", "text": "Manage your users", "addressed": True}],
                "issuer_qualification": "re",
                "exceptions": [{"criterion": "CC6.1", "description": "late reviews"}],
            },
            actor=COMMAND_LINE,
        )
    sign_in(web, demo_ws.emails["viewer"])
    page = web.get(f"/w/{demo_ws.slug}/changes", params={"from": start, "to": _now()}).text
    iso, soc2 = _entities(page)
    assert "Accreditation \u203a Body RvA Accreditation \u203a IAF MLA yes" in iso
    # (an id is kept on one line by an element of its own: the text has a space before ",")
    assert "CUECs Id: CUEC-1, Text: Manage your users, Addressed: yes" in soc2.replace(" ,", ",")
    # a choice as the form offers it, not its code alone
    assert "Scheme iso27001: ISO/IEC 27001 certificate" in iso
    assert "Issuer's qualification RE (registeraccountant, NL)" in soc2
    assert "Report type type 2 (operating effectiveness)" in soc2
    assert "Tested period \u203a From 2025-10-01" in soc2
    assert "Exceptions Criterion: CC6.1, Description: late reviews" in soc2
    assert "Tested period \u203a From 2025-10-01 Tested period \u203a Until 2026-09-30" in soc2
    for text in (iso, soc2):
        assert "{" not in text and '"' not in text, text
        assert "the command line" in text and " cli " not in f" {text} "


def test_a_workspace_never_imported_into_claims_no_import(web: TestClient, ws: Ws) -> None:
    """A register made through its forms and the API alone: the page's default starts at the
    workspace's beginning and says so, without an import it never had, and offers no link to
    what changed after one."""
    owner = ws.auth("owner")
    for section, body in (
        ("suppliers", {"id": "noord", "name": "Noord B.V."}),
        ("services", {"id": "app", "name": "App", "supplier": "noord", "kind": "saas"}),
    ):
        made = web.post(ws.url(f"/{section}"), json=body, headers=owner)
        assert made.status_code == 201, made.text
    made = web.patch(
        ws.url("/services/app"), json={"offering": True}, headers={**owner, "If-Match": '"1"'}
    )
    assert made.status_code == 200, made.text
    sign_in(web, ws.emails["viewer"])
    page = web.get(f"/w/{ws.slug}/changes").text
    heading = re.search(r'<h2 id="changes-heading">(.*?)</h2>', page)
    assert heading is not None
    assert re.fullmatch(
        r"From the workspace's beginning \(\S+\) to \S+", _inline(heading.group(1))
    ), heading.group(1)
    assert 'class="since-import"' not in page
    assert "added supplier Noord B.V. (noord)" in _heads(page)
