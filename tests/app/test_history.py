"""The register as of a moment, rebuilt from the audit trail, is the register an export gave
at that moment (ADR 39).

Random edit histories through the use cases (entities of every kind created, changed and
removed, services made and unmade offerings, chain files imported with titles and ``x-`` keys,
and refused changes among them) on SQLite, and PostgreSQL when configured; the clock of the
trail moves one second per step. The export after each step is kept; afterwards each step's
moment is rebuilt and compared byte for byte, the whole register and an auditor's part.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update
from sqlmodel import Session

from app import audit, cli_history, cli_words, history, membership, services
from app import repository as repo
from app.audit import COMMAND_LINE
from app.cli_base import Parser
from app.db import make_engine
from app.errors import Conflict, Problem
from app.migrate import upgrade
from app.models import Grant, Workspace
from app.routes import history as history_routes
from graph import i18n
from graph.diff import entity_changes
from graph.errors import UsageError
from graph.schema import SECTIONS
from importers.chainfile import dump_chain, dump_plain, load_chain, load_plain
from tests.app.conftest import Ws
from tests.test_pseudo_cli import unmarked

_slugs = itertools.count()
SUPPLIERS = ("s1", "s2", "s3")
SERVICES = ("a", "b", "c", "d")
EVIDENCE = ("e1", "e2")
PROFILES = ("p1", "p2")
X_KEYS = ("x-b", "x-a", "x-c")


class Clock:
    """The trail's clock in the test: moved on by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The audit trail's entries are stamped with this clock's time."""
    kept = Clock()

    class Stepped(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return kept.now if tz is None else kept.now.astimezone(tz)

    monkeypatch.setattr(audit, "datetime", Stepped)
    return kept


# --- random histories ---------------------------------------------------------------------------

x_values = st.one_of(
    st.integers(-5, 5),
    st.text("abz é", max_size=4),
    st.lists(st.sampled_from("zam"), unique=True, max_size=3).map(
        lambda keys: {key: len(key) for key in keys}
    ),
)


@st.composite
def x_keys(draw: st.DrawFn) -> dict[str, Any]:
    """Some ``x-`` keys in a random order (not the sorted one), nested mappings too."""
    names = draw(st.lists(st.sampled_from(X_KEYS), unique=True, max_size=3))
    return {name: draw(x_values) for name in names}


@dataclass
class Step:
    """One edit of a history, as the use case it calls."""

    name: str
    run: Callable[[Session, Workspace], object]


def _keys(session: Session, workspace: Workspace, section: str) -> list[str]:
    return repo.keys(session, repo.KINDS[section], workspace.id or 0)


def _body(draw: st.DrawFn, section: str, key: str) -> dict[str, Any]:
    """A new entity of ``section`` named ``key`` (naming what may or may not be there)."""
    body: dict[str, Any]
    if section == "suppliers":
        body = {"id": key, "name": draw(st.sampled_from(["Alfa", "Beta"])), "country": "NL"}
    elif section == "services":
        supplier = draw(st.sampled_from(SUPPLIERS))
        body = {"id": key, "name": key.upper(), "supplier": supplier, "kind": "saas"}
    elif section == "dependencies":
        target = draw(st.sampled_from(SERVICES))
        body = {"from": key, "to": target, "role": draw(st.sampled_from(["hosting", "mail"]))}
    elif section == "evidence":
        body = {
            "id": key,
            "scheme": "self-declaration",
            "holder": draw(st.sampled_from(SUPPLIERS)),
            "covers": [draw(st.sampled_from(SERVICES))],
            "issued": f"2026-0{draw(st.integers(1, 9))}-01",
        }
    else:
        body = {"id": key, "extends": "zeker-online", "expiring_days": draw(st.integers(1, 99))}
    return {**body, **draw(x_keys())}


_IDS = {
    "suppliers": SUPPLIERS,
    "services": SERVICES,
    "dependencies": SERVICES,
    "evidence": EVIDENCE,
    "profiles": PROFILES,
}


@st.composite
def steps(draw: st.DrawFn) -> Step:
    """A random edit: create, update or delete of any kind, or an import."""
    what = draw(st.sampled_from(["create", "create", "update", "delete", "import"]))
    section = draw(st.sampled_from(list(repo.KINDS)))
    if what == "create":
        body = _body(draw, section, draw(st.sampled_from(_IDS[section])))
        offering = section == "services" and draw(st.booleans())

        def create(session: Session, workspace: Workspace) -> object:
            return services.create_entity(
                session, workspace=workspace, section=section, body=body, offering=offering
            )

        return Step(f"create {section} {body} offering={offering}", create)
    if what in ("update", "delete"):
        index = draw(st.integers(0, 5))
        changes: dict[str, Any] = {
            **(
                {"name": draw(st.sampled_from(["Gamma", "Delta"]))}
                if section in ("suppliers", "services")
                else {}
            ),
            **{
                name: draw(st.none() | x_values)
                for name in draw(st.lists(st.sampled_from(X_KEYS), unique=True, max_size=2))
            },
        }
        flag = draw(st.none() | st.booleans()) if section == "services" else None

        def edit(session: Session, workspace: Workspace) -> object:
            keys = _keys(session, workspace, section)
            if not keys:
                return None
            key = keys[index % len(keys)]
            if what == "delete":
                return services.delete_entity(
                    session, workspace=workspace, section=section, key=key, version=None
                )
            return services.update_entity(
                session,
                workspace=workspace,
                section=section,
                key=key,
                changes=changes,
                version=None,
                offering=flag,
            )

        return Step(f"{what} {section} #{index} {changes} offering={flag}", edit)
    document = _imported(draw)
    data = (
        json.dumps(document).encode()
        if draw(st.booleans())
        else yaml.safe_dump(document, sort_keys=False).encode()
    )

    def load(session: Session, workspace: Workspace) -> object:
        return services.import_chain(
            session, workspace=workspace, name="part.yaml", data=data, dry_run=False
        )

    return Step(f"import {document}", load)


def _imported(draw: st.DrawFn) -> dict[str, Any]:
    """A small chain file: a supplier, one or two services (offerings among them), perhaps a
    link, evidence, a profile, a title and the chain's own ``x-`` keys."""
    supplier = draw(st.sampled_from(SUPPLIERS))
    chosen = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True))
    document: dict[str, Any] = {"ketenkaart": 1}
    if draw(st.booleans()):
        document["title"] = draw(st.sampled_from(["Payroll", "Mail", "Hosting"]))
    document["offerings"] = chosen[: draw(st.integers(1, len(chosen)))]
    document["suppliers"] = [
        {
            "id": supplier,
            "name": draw(st.sampled_from(["Alfa", "Beta"])),
            "country": "NL",
            **draw(x_keys()),
        }
    ]
    document["services"] = [
        {"id": key, "name": key.upper(), "supplier": supplier, "kind": "saas", **draw(x_keys())}
        for key in chosen
    ]
    if len(chosen) == 2:
        document["dependencies"] = [{"from": chosen[0], "to": chosen[1], "role": "hosting"}]
    if draw(st.booleans()):
        document["evidence"] = [
            {
                "id": draw(st.sampled_from(EVIDENCE)),
                "scheme": "self-declaration",
                "holder": supplier,
                "covers": [chosen[-1]],
                "issued": "2026-03-01",
            }
        ]
    if draw(st.booleans()):
        document["profiles"] = [{"id": "p1", "extends": "zeker-online", "expiring_days": 30}]
    document.update(draw(x_keys()))
    return document


# --- the property -------------------------------------------------------------------------------


@dataclass
class Seen:
    """What the register gave at one moment: its document (whole and an auditor's part
    of it) and its exports, ``None`` without an offering."""

    at: datetime
    document: str
    part: str
    exports: tuple[bytes, bytes] | None
    steps: list[str] = field(default_factory=list)


SCOPE = frozenset({"a"})


def _seen(session: Session, workspace: Workspace, at: datetime) -> Seen:
    document = services.register_document(session, workspace)
    part = services.register_document(session, workspace, SCOPE)
    exports = None
    if document["offerings"]:
        exports = (
            services.export_register(session, workspace=workspace, fmt="json"),
            services.export_register(session, workspace=workspace, fmt="yaml"),
        )
    return Seen(at, json.dumps(document), json.dumps(part), exports)


def _rebuilt(session: Session, workspace: Workspace, at: datetime) -> Seen:
    document = history.register_as_of(session, workspace, at)
    part = history.register_as_of(session, workspace, at, SCOPE)
    exports = None
    if document["offerings"]:
        chain = load_plain(document, source="rebuilt")
        exports = (dump_chain(chain, fmt="json"), dump_chain(chain, fmt="yaml"))
    return Seen(at, json.dumps(document), json.dumps(part), exports)


@given(edits=st.lists(steps(), min_size=1, max_size=14))
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_register_as_of_each_moment_is_what_its_export_gave(
    engine: Engine, clock: Clock, edits: list[Step]
) -> None:
    """Each moment of a random history rebuilds to exactly the register (its document, an
    auditor's part, the JSON and YAML exports) read at that moment; a moment between two
    steps gives the earlier one."""
    with Session(engine) as session:
        clock.tick()
        workspace = membership.create_workspace(
            session, slug=f"h{next(_slugs)}", name=None, owner=None, actor=COMMAND_LINE
        )
        seen = [_seen(session, workspace, clock.now)]
        done = []
        for edit in edits:
            clock.tick()
            try:
                edit.run(session, workspace)
                done.append(edit.name)
                event(" ".join(edit.name.split(" ")[:2]))
            except Problem:
                session.rollback()
                done.append(f"(refused) {edit.name}")
                event("refused " + " ".join(edit.name.split(" ")[:2]))
            seen.append(_seen(session, workspace, clock.now))
        for index, then in enumerate(seen):
            for moment in (then.at, then.at + timedelta(milliseconds=500)):
                again = _rebuilt(session, workspace, moment)
                assert (again.document, again.part, again.exports) == (
                    then.document,
                    then.part,
                    then.exports,
                ), f"after {done[:index]}"
        # a comparison reads the trail once for both moments: each as register_as_of gives
        # it, the older one exactly at a step's moment (its entry at the moment itself)
        moments = [then.at for then in seen]
        for old in moments[:: max(1, len(moments) // 3)]:
            for new in (old, moments[-1]):
                for scope in (None, SCOPE):
                    both, _ = history._replayed(session, workspace, old, new, scope)
                    documents = [register.document(scope) for register, _ in both]
                    assert [json.dumps(document) for document in documents] == [
                        json.dumps(history.register_as_of(session, workspace, moment, scope))
                        for moment in (old, new)
                    ], f"{done}: {old} to {new}"
                    # the entities both share the values of are those a comparison finds
                    # the same: leaving them out of it changes nothing
                    if all(document["offerings"] for document in documents):
                        plain = [dump_plain(load_plain(document)) for document in documents]
                        assert entity_changes(
                            *plain, unchanged=history._shared(*documents)
                        ) == entity_changes(*plain), f"{done}: {old} to {new}"


# --- the service's answer -----------------------------------------------------------------------

OTHER = b"""ketenkaart: 1
title: Mail for customers
offerings: [mailer]
suppliers:
  - {id: postbode, name: Postbode B.V., country: NL}
services:
  - {id: mailer, name: Mailer, supplier: postbode, kind: saas}
"""


@pytest.fixture
def served(client: TestClient) -> TestClient:
    """The test client, with the history router included when app.main does not yet."""
    app: Any = client.app
    if "/api/v1/workspaces/{ws}/register" not in app.openapi()["paths"]:
        app.include_router(history_routes.router, prefix="/api/v1")
        app.openapi_schema = None
    return client


def _now() -> str:
    return datetime.now(UTC).isoformat()


def test_the_register_as_of_a_moment_is_the_export_of_then(served: TestClient, demo_ws: Ws) -> None:
    """Edits through the API, the JSON export kept between them: the register as of each
    moment is that export, byte for byte, for every reader; without as_of it is today's."""
    client, ws = served, demo_ws
    kept, yaml_then = [], []
    changes: list[Callable[[], Any]] = [
        lambda: client.patch(
            ws.url("/services/stratus-postgres"),
            json={"name": "Stratus PostgreSQL", "x-tier": "gold", "x-owner": "ops"},
            headers={**ws.auth("editor"), "If-Match": '"1"'},
        ),
        lambda: client.delete(
            ws.url("/dependencies/loonwolk-online/kantoor-catering"),
            headers={**ws.auth("editor"), "If-Match": '"1"'},
        ),
        lambda: client.post(ws.url("/import"), content=OTHER, headers=ws.auth("editor")),
    ]
    for change in changes:
        moment = _now()
        kept.append((moment, client.get(ws.url("/export?format=json"), headers=ws.auth()).content))
        yaml_then.append(client.get(ws.url("/export?format=yaml"), headers=ws.auth()).content)
        assert change().status_code in (200, 204)
    current = client.get(ws.url("/export?format=json"), headers=ws.auth()).content
    for role in ("viewer", "editor", "owner", "auditor"):
        for moment, then in kept:
            answer = client.get(
                ws.url("/register"), params={"as_of": moment}, headers=ws.auth(role)
            )
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"] == "application/json"
            assert answer.content == then
        assert client.get(ws.url("/register"), headers=ws.auth(role)).content == current
    assert kept[0][1] != kept[1][1] != kept[2][1] != current
    for (moment, _), then in zip(kept, yaml_then, strict=True):
        answer = client.get(ws.url("/register"), params={"as_of": moment, "format": "yaml"})
        assert answer.status_code == 401  # no token, no register
        answer = client.get(
            ws.url("/register"), params={"as_of": moment, "format": "yaml"}, headers=ws.auth()
        )
        assert answer.headers["content-type"] == "application/yaml"
        assert answer.content == then
    unencoded = f"/register?as_of={kept[1][0]}"  # its offset's + arrives as a space
    assert "+00:00" in unencoded
    assert client.get(ws.url(unencoded), headers=ws.auth()).content == kept[1][1]
    assert b"Mailer" in current and b"Mailer" not in kept[2][1]


def test_an_auditor_with_a_scope_gets_only_its_part_and_another_workspace_nothing(
    served: TestClient, demo_ws: Ws, engine: Engine, make_workspace: Callable[[str], Ws]
) -> None:
    """A scoped auditor's register as of a moment is the part its export gives; before its
    offering was there, it had none (409); a reader of another workspace gets 404."""
    client, ws = served, demo_ws
    before = _now()
    assert client.post(ws.url("/import"), content=OTHER, headers=ws.auth("editor")).is_success
    with Session(engine) as session:
        session.execute(update(Grant).values(offerings=["mailer"]))
        session.commit()
    part = client.get(ws.url("/export?format=json"), headers=ws.auth("auditor")).content
    answer = client.get(ws.url("/register"), params={"as_of": _now()}, headers=ws.auth("auditor"))
    assert answer.status_code == 200, answer.text
    assert answer.content == part
    assert json.loads(part)["offerings"] == ["mailer"]
    assert b"loonwolk" not in answer.content
    earlier = client.get(ws.url("/register"), params={"as_of": before}, headers=ws.auth("auditor"))
    assert earlier.status_code == 409, earlier.text
    assert b"loonwolk" not in earlier.content
    stranger = make_workspace("elders")
    for role in ("viewer", "auditor", "owner"):
        other = client.get(
            ws.url("/register"), params={"as_of": _now()}, headers=stranger.auth(role)
        )
        assert other.status_code == 404, other.text


@pytest.mark.parametrize(
    ("as_of", "says"),
    [
        ("2000-01-01T00:00:00Z", "before workspace 'acme' existed"),
        ("2999-01-01T00:00:00+01:00", "in the future"),
        ("2026-11-27", "not a timestamp with a time zone"),
        ("2026-11-27T10:00:00", "not a timestamp with a time zone"),
        ("yesterday", "not a timestamp with a time zone"),
        ("9" * 65, "String should have at most 64 characters"),
    ],
)
def test_a_moment_before_the_workspace_in_the_future_or_unreadable_is_refused(
    served: TestClient, demo_ws: Ws, as_of: str, says: str
) -> None:
    """The refusal is a 422 naming as_of and saying what is wrong with it."""
    answer = served.get(demo_ws.url("/register"), params={"as_of": as_of}, headers=demo_ws.auth())
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert [e["location"] for e in problem["errors"]] == ["query.as_of"]
    assert says in problem["errors"][0]["message"]


# --- the command line ---------------------------------------------------------------------------


def _history(*argv: str) -> int | None:
    parser = Parser(prog="ketenkaart")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    cli_history.add_parsers(commands)
    return cli_history.run_command(parser.parse_args(argv))


def test_history_export_writes_the_chain_file_of_then(
    tmp_path: Path, demo_bytes: bytes, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """``ketenkaart history export SLUG --as-of T`` writes what an export gave at T, in YAML
    or JSON, to a file or stdout; a moment before the workspace, in the future or without a
    time zone is a usage error naming --as-of."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        workspace = membership.create_workspace(
            session, slug="acme", name=None, owner=None, actor=COMMAND_LINE
        )
        services.import_chain(
            session, workspace=workspace, name="demo.yaml", data=demo_bytes, dry_run=False
        )
        moment = _now()
        then = {
            fmt: services.export_register(session, workspace=workspace, fmt=fmt)
            for fmt in ("yaml", "json")
        }
        services.delete_entity(
            session,
            workspace=workspace,
            section="dependencies",
            key="loonwolk-online/kantoor-catering",
            version=None,
        )
        assert services.export_register(session, workspace=workspace, fmt="yaml") != then["yaml"]
    engine.dispose()
    out = tmp_path / "then.json"
    assert (
        _history(
            "history",
            "export",
            "acme",
            "--as-of",
            moment,
            "--format",
            "json",
            "--output",
            str(out),
            "--database-url",
            url,
        )
        == 0
    )
    assert out.read_bytes() == then["json"]
    capsysbinary.readouterr()
    assert _history("history", "export", "acme", "--as-of", moment, "--database-url", url) == 0
    assert capsysbinary.readouterr().out == then["yaml"]
    for wrong, says in (
        ("2000-01-01T00:00:00Z", "before workspace 'acme' existed"),
        ("2999-01-01T00:00:00Z", "in the future"),
        ("2026-11-27", "not a timestamp with a time zone"),
    ):
        with pytest.raises(UsageError, match=f"^--as-of: .*{says}"):
            _history("history", "export", "acme", "--as-of", wrong, "--database-url", url)
    with pytest.raises(UsageError, match="no workspace 'nope'"):
        _history("history", "export", "nope", "--as-of", moment, "--database-url", url)
    assert cli_history.run_command(argparse.Namespace(command="check")) is None


# --- what changed between two moments -----------------------------------------------------------


def test_the_diff_between_two_moments_lists_exactly_the_edits_between_them(
    served: TestClient, demo_ws: Ws
) -> None:
    """Edits before the first moment and after the second are not listed; each between is,
    field by field, with who made it and when; a link whose verdict changed with them is
    listed with both verdicts."""
    client, ws = served, demo_ws
    editor = {**ws.auth("editor"), "If-Match": '"1"'}
    assert client.patch(ws.url("/suppliers/kantoor"), json={"name": "Early"}, headers=editor)
    start = _now()
    steps = [
        client.patch(
            ws.url("/services/stratus-postgres"),
            json={"name": "Stratus PostgreSQL", "x-tier": "gold"},
            headers=editor,
        ),
        client.delete(ws.url("/evidence/postduif-trust-page"), headers=editor),
        client.post(
            ws.url("/suppliers"),
            json={"id": "nieuw", "name": "Nieuw B.V.", "country": "NL"},
            headers=ws.auth("owner"),
        ),
        client.post(ws.url("/import"), content=OTHER, headers=ws.auth("editor")),
    ]
    assert [s.status_code for s in steps] == [200, 204, 201, 200], [s.text for s in steps]
    end = _now()
    assert client.delete(ws.url("/suppliers/nieuw"), headers=editor).status_code == 204
    answer = client.get(
        ws.url("/diff"), params={"from": start, "to": end}, headers=ws.auth("viewer")
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    changes = [
        (e["section"], "/".join(e["key"]), e["change"], [f["field"] for f in e["fields"]], e["by"])
        for e in found["entities"]
    ]
    assert changes == [
        ("chain", "", "changed", ["offerings"], "editor@acme.example"),
        ("suppliers", "nieuw", "added", ["id", "name", "country"], "owner@acme.example"),
        ("suppliers", "postbode", "added", ["id", "name", "country"], "editor@acme.example"),
        ("services", "mailer", "added", ["id", "name", "supplier", "kind"], "editor@acme.example"),
        ("services", "stratus-postgres", "changed", ["name", "x-tier"], "editor@acme.example"),
        ("evidence", "postduif-trust-page", "removed", changes[-1][3], "editor@acme.example"),
    ]
    assert all(start < e["at"] <= end for e in found["entities"])
    links = [(k["from"], k["to"], k["change"]) for k in found["links"]]
    assert links == [("loonwolk-online", "postduif-relay", "changed")]
    mail = found["links"][0]
    assert mail["old"]["evidence"] == "postduif-trust-page"
    assert mail["new"]["evidence"] is None
    assert mail["new"]["verdict"] != mail["old"]["verdict"] and mail["new"]["reasons"]
    section = client.get(
        ws.url("/diff"), params={"from": start, "to": end, "format": "markdown"}, headers=ws.auth()
    )
    assert section.headers["content-type"].startswith("text/markdown")
    assert "postduif-trust-page" in section.text and "Stratus PostgreSQL" in section.text
    book = client.get(
        ws.url("/diff"), params={"from": start, "to": end, "format": "xlsx"}, headers=ws.auth()
    )
    sheets = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)
    assert sheets.sheetnames == ["Entities", "Links"]
    nothing = client.get(ws.url("/diff"), params={"from": end, "to": end}, headers=ws.auth())
    assert nothing.json()["entities"] == [] and nothing.json()["links"] == []
    since = client.get(ws.url("/diff"), params={"from": end}, headers=ws.auth())
    assert [(e["key"], e["change"]) for e in since.json()["entities"]] == [(["nieuw"], "removed")]


def test_a_comparison_leaves_out_only_the_entities_no_entry_between_its_moments_wrote(
    served: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """Both registers of a comparison come from one replay of the trail, and share the values
    of every entity no entry between the two moments wrote, which the comparison leaves out:
    imported ones, and one last changed through the API before the older moment (a service,
    whose values the trail records with ``offering``). The one changed in between is not
    shared, and is compared."""
    client, ws = served, demo_ws
    editor = {**ws.auth("editor"), "If-Match": '"1"'}
    early = client.patch(ws.url("/services/stratus-postgres"), json={"name": "E"}, headers=editor)
    assert early.status_code == 200, early.text
    start = datetime.fromisoformat(_now())
    later = client.patch(ws.url("/suppliers/kantoor"), json={"name": "Later"}, headers=editor)
    assert later.status_code == 200, later.text
    with Session(engine) as session:
        workspace = services.workspace_for(session, ws.slug)
        both, _ = history._replayed(session, workspace, start, datetime.now(UTC), None)
    documents = [register.document(None) for register, _ in both]
    every = {(name, history._key(name, body)) for name in SECTIONS for body in documents[1][name]}
    assert ("services", ("stratus-postgres",)) in every
    assert history._shared(*documents) == every - {("suppliers", ("kantoor",))}


def test_the_diff_is_an_auditors_part_and_refuses_moments_out_of_order(
    served: TestClient, demo_ws: Ws, engine: Engine
) -> None:
    """A scoped auditor's diff holds only its offerings' part, without who changed the
    chain's own fields; from after to is refused naming from."""
    client, ws = served, demo_ws
    start = _now()
    assert client.post(ws.url("/import"), content=OTHER, headers=ws.auth("editor")).is_success
    assert client.patch(
        ws.url("/services/stratus-postgres"),
        json={"name": "Stratus PostgreSQL"},
        headers={**ws.auth("editor"), "If-Match": '"1"'},
    ).is_success
    end = _now()
    with Session(engine) as session:
        session.execute(update(Grant).values(offerings=["loonwolk-online"]))
        session.commit()
    answer = client.get(
        ws.url("/diff"), params={"from": start, "to": end}, headers=ws.auth("auditor")
    )
    assert answer.status_code == 200, answer.text
    assert [(e["section"], e["key"]) for e in answer.json()["entities"]] == [
        ("services", ["stratus-postgres"])
    ]
    backwards = client.get(ws.url("/diff"), params={"from": end, "to": start}, headers=ws.auth())
    assert backwards.status_code == 422
    assert [e["location"] for e in backwards.json()["errors"]] == ["query.from"]
    early = client.get(ws.url("/diff"), params={"from": "2001-01-01T00:00:00Z"}, headers=ws.auth())
    assert early.status_code == 422
    assert [e["location"] for e in early.json()["errors"]] == ["query.from"]


def test_history_diff_writes_what_changed_between_two_moments(
    tmp_path: Path, demo_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ketenkaart history diff SLUG --from T1 --to T2`` writes what changed in between (as
    text, or JSON naming the command line as who changed it) and exits 1, 0 when nothing did;
    moments out of order, or an unknown profile, are usage errors naming the option."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        workspace = membership.create_workspace(
            session, slug="acme", name=None, owner=None, actor=COMMAND_LINE
        )
        created = _now()
        services.import_chain(
            session, workspace=workspace, name="demo.yaml", data=demo_bytes, dry_run=False
        )
        start = _now()
        services.delete_entity(
            session,
            workspace=workspace,
            section="dependencies",
            key="loonwolk-online/kantoor-catering",
            version=None,
        )
        end = _now()
    engine.dispose()
    out = tmp_path / "diff.json"
    argv = ("history", "diff", "acme", "--from", start, "--database-url", url)
    assert _history(*argv, "--to", end, "--format", "json", "--output", str(out)) == 1
    found = json.loads(out.read_bytes())
    assert [(e["section"], e["key"], e["change"], e["by"]) for e in found["entities"]] == [
        ("dependencies", ["loonwolk-online", "kantoor-catering"], "removed", "cli")
    ]
    assert [(k["to"], k["change"]) for k in found["links"]] == [("kantoor-catering", "gone")]
    assert _history(*argv, "--to", start, "--format", "json", "--output", str(out)) == 0
    assert json.loads(out.read_bytes())["entities"] == []
    capsys.readouterr()
    assert _history(*argv, "--to", end) == 1
    text = capsys.readouterr().out
    assert (
        "- link LoonWolk Online (loonwolk-online) -> Office catering (kantoor-catering) "
        "(the command line, " in text
    )
    since_created = ("--from", created, "--to", start, "--format", "json", "--output", str(out))
    assert _history("history", "diff", "acme", *since_created, "--database-url", url) == 1
    found = json.loads(out.read_bytes())
    assert found["entities"][0]["section"] == "chain"  # its offerings and title, set
    assert {e["change"] for e in found["entities"][1:]} == {"added"}
    demo = load_chain(demo_bytes)
    entities = [*demo.suppliers, *demo.services, *demo.dependencies, *demo.evidence]
    assert len(found["entities"]) == 1 + len(entities) + len(demo.profiles)
    assert {link["change"] for link in found["links"]} == {"appeared"}
    with pytest.raises(UsageError, match=r"^--from: "):
        _history("history", "diff", "acme", "--from", end, "--to", start, "--database-url", url)
    with pytest.raises(UsageError, match=r"^--profile: unknown profile 'strikt'"):
        _history(*argv, "--profile", "strikt")


@pytest.mark.parametrize("action", ["export", "diff"])
def test_every_word_of_the_help_goes_through_the_catalog(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """Under the pseudo language every word of ``history ACTION --help`` is marked, but the
    commands', options' and metavars' names, the choices and the example."""
    cli_words.install()  # argparse's own words through the catalog, as app.cli has them (ADR 37)
    monkeypatch.setenv("COLUMNS", "100")
    with i18n.using(i18n.PSEUDO), pytest.raises(SystemExit):
        _history("history", action, "--help")
    out = capsys.readouterr().out
    assert i18n.OPEN in out
    text = re.sub(r"\{[^{}]*\}|(?<![\w-])--?[a-z][\w-]*", " ", out)
    text = re.sub(rf"(?<![\w-])(history|{action})(?![\w-])", " ", text)
    known = {"ketenkaart", "SLUG", "ID", "URL", "KETENKAART_DATABASE_URL", "JSON", "ISO 8601"}
    known |= {"sqlite:///ketenkaart.db", "2026-11-27T10:00:00Z", "yaml", "json", "zeker-online"}
    assert unmarked(text, known) == []


def test_a_register_older_than_its_trail_is_not_rebuilt(engine: Engine) -> None:
    """A workspace whose trail does not begin with its creation (its register predates the
    trail) is refused with a 409 that says so, not answered with a register missing its
    beginning."""
    with Session(engine) as session:
        workspace = repo.add_workspace(session, slug="old", name="Old")
        session.commit()
        services.create_entity(
            session,
            workspace=workspace,
            section="suppliers",
            body={"id": "s1", "name": "Alfa", "country": "NL"},
        )
        later = datetime.now(UTC)
        with pytest.raises(Conflict, match="does not begin with its creation"):
            history.check_moment(session, workspace, later, now=later, where="query.as_of")
