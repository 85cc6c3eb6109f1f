"""Odd input is stored and written back, or refused naming its field; never a 500 (issue 11,
point 3).

The chain format takes any Unicode text, NUL and other control characters included (the
register keeps text in JSON, which PostgreSQL stores with them); a lone surrogate, which a
``\\u`` escape can make, is not Unicode text (no UTF-8 for it) and is refused at its field's
path: 422 from the API, exit 2 from the command line. Dates run from 0001-01-01 to 9999-12-31;
arithmetic past the end stops at 9999-12-31.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select, update
from sqlmodel import Session

from app import history, services
from app.cli import main
from app.models import AuditEntry, SupplierRow, Workspace
from graph.errors import ChainError
from tests.app.conftest import Ws
from tests.app.test_pages import fixed_clock, sign_in

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SURROGATE = "a\udc00b"
NUL = "a\x00b"
ODD = "\x00\ud800\udfff"

# Text as a person, a spreadsheet or a hostile client sends it: with lone surrogates and NULs.
texts = st.text(
    alphabet=st.one_of(st.characters(codec=None), st.sampled_from(list(ODD))),
    min_size=1,
    max_size=20,
).filter(lambda t: t.strip())
far_dates = st.one_of(
    st.dates(min_value=date(9990, 1, 1)), st.dates(max_value=date(10, 1, 1)), st.dates()
)


def _storable(text: str) -> bool:
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _json(body: object) -> dict[str, object]:
    """A JSON request body with \\u escapes, as a client sends text UTF-8 cannot carry."""
    return {"content": json.dumps(body).encode(), "headers": {"Content-Type": "application/json"}}


def _chain(**top: object) -> bytes:
    document: dict[str, object] = {
        "ketenkaart": 1,
        "offerings": ["app"],
        "suppliers": [{"id": "me", "name": "Me"}],
        "services": [{"id": "app", "name": "App", "supplier": "me", "kind": "saas"}],
        **top,
    }
    return json.dumps(document).encode()  # \u escapes: the file itself is plain ASCII


# --- text ------------------------------------------------------------------------------------


def test_a_supplier_whose_name_is_not_unicode_text_is_422_naming_the_field(
    client: TestClient, ws: Ws
) -> None:
    """A lone surrogate: create and change answer 422 at ``name`` (a 500 from the audit
    trail's hash before); nothing is stored, the trail stays intact."""
    editor = ws.auth("editor")
    body = _json({"id": "sur", "name": SURROGATE})
    created = client.post(
        ws.url("/suppliers"),
        content=body["content"],
        headers={**editor, **body["headers"]},  # type: ignore[dict-item]
    )
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["location"] == "name"
    assert client.get(ws.url("/suppliers/sur"), headers=editor).status_code == 404
    client.post(ws.url("/suppliers"), json={"id": "ok", "name": "OK"}, headers=editor)
    body = _json({"name": SURROGATE})
    changed = client.patch(
        ws.url("/suppliers/ok"),
        content=body["content"],
        headers={**editor, **body["headers"], "If-Match": '"1"'},  # type: ignore[dict-item]
    )
    assert changed.status_code == 422, changed.text
    assert changed.json()["errors"][0]["location"] == "name"
    assert client.get(ws.url("/audit/verify"), headers=ws.auth()).json()["ok"] is True


def test_a_nul_is_stored_and_written_back(client: TestClient, ws: Ws) -> None:
    """A NUL in a name, an x- key and the title (PostgreSQL's DataError before) is stored,
    exported and recorded in the trail as it was sent."""
    editor = ws.auth("editor")
    document = _chain(
        title=NUL, suppliers=[{"id": "me", "name": NUL}], **{"x-note": {"deep": [NUL]}}
    )
    answer = client.post(ws.url("/import"), content=document, headers=editor)
    assert answer.status_code == 200, answer.text
    exported = json.loads(client.get(ws.url("/export?format=json"), headers=editor).content)
    assert exported["title"] == NUL
    assert exported["suppliers"][0]["name"] == NUL
    assert exported["x-note"] == {"deep": [NUL]}
    assert client.get(ws.url("/audit/verify"), headers=ws.auth()).json()["ok"] is True


@pytest.mark.parametrize(
    ("document", "location"),
    [
        (_chain(title=SURROGATE), "title"),
        (_chain(**{"x-note": {"deep": [SURROGATE]}}), "x-note.deep[0]"),
        (_chain(**{"x-\udc00": 1}), r"x-\udc00"),  # the path escapes it
        (_chain(suppliers=[{"id": "me", "name": SURROGATE}]), "suppliers[0].name"),
    ],
)
def test_an_import_with_text_that_is_not_unicode_is_422_naming_the_field(
    client: TestClient, ws: Ws, document: bytes, location: str
) -> None:
    """A lone surrogate anywhere in an imported file: 422 with its path."""
    answer = client.post(ws.url("/import"), content=document, headers=ws.auth("editor"))
    assert answer.status_code == 422, answer.text
    assert [e["location"] for e in answer.json()["errors"]] == [location]


@SETTINGS
@given(name=texts)
def test_any_supplier_name_is_stored_and_read_back_or_refused_at_its_field(
    client: TestClient, ws: Ws, name: str
) -> None:
    """Hypothesis: the API stores a name exactly, or answers 422 at ``name``, never 500."""
    key = f"s{next(_counter)}"
    editor = ws.auth("editor")
    body = _json({"id": key, "name": name})
    answer = client.post(
        ws.url("/suppliers"),
        content=body["content"],
        headers={**editor, **body["headers"]},  # type: ignore[dict-item]
    )
    if _storable(name):
        assert answer.status_code == 201, answer.text
        assert client.get(ws.url(f"/suppliers/{key}"), headers=editor).json()["name"] == name
    else:
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["location"] == "name"


_counter = itertools.count()


@SETTINGS
@given(title=texts)
def test_any_title_imported_is_exported_or_refused_at_its_field(
    client: TestClient, ws: Ws, title: str
) -> None:
    """Hypothesis: an imported title comes back in the export, or the import is a 422."""
    answer = client.post(ws.url("/import"), content=_chain(title=title), headers=ws.auth("editor"))
    if _storable(title):
        assert answer.status_code == 200, answer.text
        exported = client.get(ws.url("/export?format=json"), headers=ws.auth())
        assert json.loads(exported.content)["title"] == title
    else:
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["location"] == "title"


def test_the_command_line_refuses_such_a_file_with_exit_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ketenkaart check` exits 2 (not 3) and names the field."""
    path = tmp_path / "odd.json"
    path.write_bytes(
        _chain(
            services=[
                {"id": "app", "name": SURROGATE, "supplier": "me", "kind": "saas"},
                {"id": "vm", "name": "VM", "supplier": "me", "kind": "iaas"},
            ],
            dependencies=[{"from": "app", "to": "vm"}],
        )
    )
    assert main(["check", str(path)]) == 2
    assert "services[0].name: the text holds a lone surrogate (U+DC00)" in capsys.readouterr().err


@SETTINGS
@given(name=texts)
def test_the_command_line_takes_any_name_or_refuses_it_with_exit_2(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Hypothesis: `ketenkaart validate` and `check` (whose text names the services) take a
    storable name and refuse any other with exit 2, never 3."""
    path = tmp_path_factory.mktemp("odd") / "chain.json"
    path.write_bytes(
        _chain(
            title=name,
            services=[
                {"id": "app", "name": name, "supplier": "me", "kind": "saas"},
                {"id": "vm", "name": name, "supplier": "me", "kind": "iaas"},
            ],
            dependencies=[{"from": "app", "to": "vm"}],
        )
    )
    storable = _storable(name)
    assert main(["validate", str(path)]) == (0 if storable else 2)
    assert main(["check", str(path)]) in ((0, 1) if storable else (2,))
    assert main(["check", str(path), "--format", "markdown"]) in ((0, 1) if storable else (2,))
    capsys.readouterr()


# --- dates -----------------------------------------------------------------------------------


def test_the_last_day_of_the_calendar_is_checked_everywhere(
    client: TestClient, demo_ws: Ws, make_client: Callable[..., TestClient]
) -> None:
    """?at=9999-12-31 on check, forecast, graph, report and its Markdown answers 200
    (OverflowError in the findings before, and in the forecast's window)."""
    at = {"at": "9999-12-31"}
    answer = client.get(demo_ws.url("/check"), params=at, headers=demo_ws.auth("viewer"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["at"] == "9999-12-31"
    ahead = client.get(demo_ws.url("/forecast"), params=at, headers=demo_ws.auth("viewer"))
    assert ahead.status_code == 200, ahead.text
    assert ahead.json()["until"] == "9999-12-31"
    web = make_client(plain_http_localhost=True)
    assert isinstance(web.app, FastAPI)
    fixed_clock(web.app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    sign_in(web, demo_ws.emails["viewer"])
    for url in ("/w/acme/graph/loonwolk-online", "/w/acme/report/loonwolk-online"):
        page = web.get(url, params=at)
        assert page.status_code == 200, (url, page.text[:500])
    markdown = web.get("/w/acme/report/loonwolk-online.md", params=at)
    assert markdown.status_code == 200
    period = web.get(
        "/w/acme/report/loonwolk-online.md", params={"period": "9999-01-01..9999-12-31"}
    )
    assert period.status_code == 200


@SETTINGS
@given(at=far_dates)
@example(at=date(9999, 12, 31))
def test_any_date_of_the_calendar_checks_the_register(
    client: TestClient, demo_ws: Ws, at: date
) -> None:
    """Hypothesis: the API's check answers 200 at any date of the calendar."""
    answer = client.get(
        demo_ws.url("/check"), params={"at": at.isoformat()}, headers=demo_ws.auth("viewer")
    )
    assert answer.status_code == 200, answer.text


@SETTINGS
@given(at=far_dates)
@example(at=date(9999, 12, 31))
def test_the_command_line_checks_at_any_date_of_the_calendar(
    capsys: pytest.CaptureFixture[str], at: date
) -> None:
    """Hypothesis: `ketenkaart check --at DATE` gives a verdict (0 or 1), never exit 3."""
    demo = str(Path(__file__).resolve().parents[2] / "examples" / "demo-chain.yaml")
    assert main(["check", demo, "--at", at.isoformat(), "--format", "json"]) in (0, 1)
    assert main(["check", demo, "--period", f"{at}..9999-12-31", "--format", "json"]) in (0, 1)
    capsys.readouterr()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("supplier", "suppliers[1].name: the text holds a lone surrogate (U+DC00)"),
        ("title", "title: the text holds a lone surrogate (U+DC00)"),
    ],
)
def test_a_lone_surrogate_written_into_the_database_by_hand_is_found_when_it_is_read(
    engine: Engine, demo_ws: Ws, where: str, message: str
) -> None:
    """The register read from the database is checked as a file is. It is looked at for lone
    surrogates only where the stored JSON holds a surrogate's escape, which is where one put
    into the database past the service, by hand, ends up: it is still refused at its field."""
    with Session(engine) as session:
        wid = services.workspace_for(session, demo_ws.slug).id
        if where == "supplier":
            body = {"id": "stratus", "name": SURROGATE, "country": "NL", "parent": "stratus-group"}
            row = SupplierRow.__table__  # type: ignore[attr-defined]
            session.execute(
                update(row)
                .where(row.c.workspace_id == wid, row.c.key == "stratus")
                .values(body=body)
            )
        else:
            table = Workspace.__table__  # type: ignore[attr-defined]
            titles = {"loonwolk-online": SURROGATE}
            session.execute(update(table).where(table.c.id == wid).values(titles=titles))
        session.commit()
    with Session(engine) as session, pytest.raises(ChainError) as raised:
        services.register_chain(session, services.workspace_for(session, demo_ws.slug))
    assert message in str(raised.value)


def test_a_lone_surrogate_written_into_the_trail_by_hand_is_found_when_it_is_replayed(
    engine: Engine, demo_ws: Ws
) -> None:
    """The register as of a moment, replayed from the audit trail, is checked as the register
    is: a lone surrogate in an entry appended by hand (the trail takes no other change) is
    refused at its field."""
    with Session(engine) as session:
        workspace = services.workspace_for(session, demo_ws.slug)
        table = AuditEntry.__table__  # type: ignore[attr-defined]
        chain = f"ws:{workspace.id}"
        last = session.execute(
            select(table).where(table.c.chain == chain).order_by(table.c.seq.desc()).limit(1)
        ).one()
        before = {"id": "stratus", "name": "Stratus", "country": "NL"}
        session.execute(
            insert(table).values(
                chain=chain,
                seq=last.seq + 1,
                at=datetime.now(UTC),
                actor={"via": "cli"},
                action="update",
                target="supplier/stratus",
                before=before,
                after={**before, "name": SURROGATE},
                prev_hash=last.hash,
                hash="0" * 64,
            )
        )
        session.commit()
    with Session(engine) as session, pytest.raises(ChainError) as raised:
        workspace = services.workspace_for(session, demo_ws.slug)
        history.chain_as_of(session, workspace, datetime.now(UTC))
    assert "suppliers[1].name: the text holds a lone surrogate (U+DC00)" in str(raised.value)
