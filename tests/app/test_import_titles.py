"""One title per offering: an import sets the title of the offerings its file lists and of no
other, and its preview lists every change it would make, titles included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.migrate import alembic_config, upgrade
from tests.app.conftest import Ws
from tests.app.test_pages import csrf, fixed_clock, sign_in, squash

DEMO_TITLE = "LoonWolk Salarisverwerking - supply chain for the 2026 Zeker-OnLine audit"
SECOND_TITLE = "Rooster Online - chain for the 2027 audit"
SECOND = f"""\
ketenkaart: 1
title: {SECOND_TITLE}
offerings: [rooster-online]
suppliers:
  - {{id: rooster, name: Rooster B.V., country: NL}}
services:
  - {{id: rooster-online, name: Rooster Online, supplier: rooster, kind: saas}}
x-engagement: "2027"
""".encode()


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP (the session cookie is sent), at a fixed time."""
    client = make_client(plain_http_localhost=True)
    assert isinstance(client.app, FastAPI)
    fixed_clock(client.app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return client


def post_import(client: TestClient, ws: Ws, data: bytes, *, dry_run: bool = False) -> Any:
    answer = client.post(
        ws.url("/import"),
        params={"dry-run": "true"} if dry_run else {},
        content=data,
        headers=ws.auth("editor"),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_second_import_keeps_the_first_offerings_title(
    web: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """After importing another chain, the first offering's report, download and graph carry
    its own title still, and the new offering carries the new file's."""
    post_import(web, ws, demo_bytes)
    post_import(web, ws, SECOND)
    sign_in(web, ws.emails["viewer"])
    report = squash(web.get("/w/acme/report/loonwolk-online").text)
    assert f"<h1>Scoping report: {DEMO_TITLE}</h1>" in report
    assert SECOND_TITLE not in report
    markdown = web.get("/w/acme/report/loonwolk-online.md").text
    assert markdown.startswith(f"# Scoping report: {DEMO_TITLE}\n")
    graph = squash(web.get("/w/acme/graph/loonwolk-online").text)
    assert DEMO_TITLE in graph and SECOND_TITLE not in graph
    other = squash(web.get("/w/acme/report/rooster-online").text)
    assert f"<h1>Scoping report: {SECOND_TITLE}</h1>" in other and DEMO_TITLE not in other


def test_the_preview_lists_every_change_titles_included(
    client: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """A dry run names the offerings it would add, each title it would set or change (from
    what, to what), and the chain's own fields; a title another file set is never touched."""
    post_import(client, ws, demo_bytes)
    preview = post_import(client, ws, SECOND, dry_run=True)
    assert preview["dry_run"] is True
    assert preview["offerings"] == ["rooster-online"]
    assert preview["titles"] == {"rooster-online": {"before": None, "after": SECOND_TITLE}}
    assert preview["extra"] == ["x-engagement"]
    assert post_import(client, ws, SECOND) == {**preview, "dry_run": False}
    retitled = demo_bytes.replace(DEMO_TITLE.encode(), b"LoonWolk - the 2027 audit")
    again = post_import(client, ws, retitled, dry_run=True)
    assert again["titles"] == {
        "loonwolk-online": {"before": DEMO_TITLE, "after": "LoonWolk - the 2027 audit"}
    }
    assert again["offerings"] == [] and again["extra"] == []
    assert post_import(client, ws, SECOND, dry_run=True)["titles"] == {}


def test_the_import_page_preview_shows_the_title_it_would_set(
    web: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """The browser's preview says which offering's title would change, and to what."""
    post_import(web, ws, demo_bytes)
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    preview = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview"},
        files={"file": ("rooster.yaml", SECOND, "application/yaml")},
    )
    page = squash(preview.text)
    assert "Offerings that would be added: rooster-online" in page
    assert f"Title of <code>rooster-online</code> would be set to “{SECOND_TITLE}”" in page
    assert "<code>loonwolk-online</code> would" not in page
    retitled = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview"},
        files={
            "file": ("demo.yaml", demo_bytes.replace(b"2026 Zeker", b"2027 Zeker"), "text/yaml")
        },
    )
    assert (
        f"Title of <code>loonwolk-online</code> would change from “{DEMO_TITLE}” to "
        f"“{DEMO_TITLE.replace('2026', '2027')}”" in squash(retitled.text)
    )


def test_the_export_carries_the_first_offerings_title(
    client: TestClient, ws: Ws, demo_bytes: bytes
) -> None:
    """A chain file has one title: the export's is the first offering's."""
    post_import(client, ws, demo_bytes)
    post_import(client, ws, SECOND)
    exported = yaml.safe_load(client.get(ws.url("/export"), headers=ws.auth()).text)
    assert exported["title"] == DEMO_TITLE
    assert exported["offerings"] == ["loonwolk-online", "rooster-online"]


def test_the_migration_gives_the_old_title_to_every_offering(blank_engine: Engine) -> None:
    """A workspace's single title of revision 0002 becomes the title of each of its offerings;
    a workspace without a title gets none."""
    config = alembic_config(blank_engine.url.render_as_string(hide_password=False))
    with blank_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            text(
                "INSERT INTO workspace (id, slug, name, title, extra, created_at, updated_at, "
                "version) VALUES (1, 'a', 'A', 'Old title', '{}', :t, :t, 1), "
                "(2, 'b', 'B', NULL, '{}', :t, :t, 1)"
            ),
            {"t": datetime(2026, 11, 27, tzinfo=UTC)},
        )
        for key, offering in (("app", 0), ("web", 1), ("db", None)):
            connection.execute(
                text(
                    "INSERT INTO service (workspace_id, body, position, created_at, updated_at, "
                    "version, key, offering) VALUES (1, '{}', 0, :t, :t, 1, :key, :offering)"
                ),
                {"t": datetime(2026, 11, 27, tzinfo=UTC), "key": key, "offering": offering},
            )
    upgrade(blank_engine)
    with blank_engine.connect() as connection:
        titles = dict(connection.execute(text("SELECT slug, titles FROM workspace")).all())
    decoded = {k: yaml.safe_load(v) if isinstance(v, str) else v for k, v in titles.items()}
    assert decoded == {"a": {"app": "Old title", "web": "Old title"}, "b": {}}
