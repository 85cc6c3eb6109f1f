"""The audit trail: every change appended, chained by hash; tampering found by verify.

The attacks these tests try: changing an entry's values in the database, removing an entry
from the middle or the end, slipping in a forged one, and an application path that edits or
deletes entries (there is none, and the database refuses it too).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app import audit
from tests.app.conftest import PASSWORD, Ws
from tests.app.test_cli_service import COMMAND, environment


def trail(client: TestClient, ws: Ws, role: str = "owner") -> list[dict[str, object]]:
    answer = client.get(ws.url("/audit?limit=1000"), headers=ws.auth(role))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_every_change_is_recorded_with_who_and_the_values(client: TestClient, demo_ws: Ws) -> None:
    """Create, update and delete append entries with the token's user and the values before
    and after."""
    editor = demo_ws.auth("editor")
    client.post(demo_ws.url("/suppliers"), json={"id": "nieuw", "name": "Nieuw"}, headers=editor)
    client.patch(
        demo_ws.url("/suppliers/nieuw"),
        json={"name": "Nieuwer"},
        headers={**editor, "If-Match": '"1"'},
    )
    client.delete(demo_ws.url("/suppliers/nieuw"), headers={**editor, "If-Match": '"2"'})
    entries = trail(client, demo_ws)
    actions = [(e["action"], e["target"]) for e in entries]
    assert actions[0] == ("workspace.create", "workspace/acme")
    assert ("import", "import/request body") in actions
    assert actions[-3:] == [
        ("create", "supplier/nieuw"),
        ("update", "supplier/nieuw"),
        ("delete", "supplier/nieuw"),
    ]
    create, update, delete = entries[-3:]
    assert create["before"] is None
    assert create["after"] == {"id": "nieuw", "name": "Nieuw"}
    assert update["before"] == {"id": "nieuw", "name": "Nieuw"}
    assert update["after"] == {"id": "nieuw", "name": "Nieuwer"}
    assert delete["before"] == {"id": "nieuw", "name": "Nieuwer"}
    assert delete["after"] is None
    assert create["actor"]["via"] == "token"  # type: ignore[index]
    assert create["actor"]["email"] == demo_ws.emails["editor"]  # type: ignore[index]
    assert create["actor"]["token"] == demo_ws.tokens["editor"][:10]  # type: ignore[index]


def test_the_import_entry_holds_the_file_hash_and_the_values(
    client: TestClient, demo_ws: Ws, demo_bytes: bytes
) -> None:
    """An import is one entry naming the file's SHA-256 and what it created."""
    entry = next(e for e in trail(client, demo_ws) if e["action"] == "import")
    after = entry["after"]
    assert isinstance(after, dict)
    assert after["sha256"] == hashlib.sha256(demo_bytes).hexdigest()
    assert "stratus" in after["created"]["suppliers"]
    assert any(s["id"] == "stratus" for s in after["values"]["suppliers"])


def test_logins_and_failed_logins_are_recorded(client: TestClient, engine: Engine, ws: Ws) -> None:
    """Sign-ins and failed sign-ins land in the global chain, without the password."""
    for password in ("a wrong guess of a password", PASSWORD):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/login",
            data={"email": ws.emails["viewer"], "password": password, "csrf_token": token},
        )
    with Session(engine) as session:
        entries = [audit.public(e) for e in audit.entries(session, audit.GLOBAL)]
    actions = [e["action"] for e in entries]
    assert actions[-2:] == ["login.failed", "login"]
    assert PASSWORD not in json.dumps(entries)
    assert "a wrong guess" not in json.dumps(entries)


def test_owners_and_auditors_read_the_trail_others_do_not(client: TestClient, demo_ws: Ws) -> None:
    """Owner and auditor read it; editor and viewer get 403."""
    assert trail(client, demo_ws, "auditor")
    for role in ("viewer", "editor"):
        assert client.get(demo_ws.url("/audit"), headers=demo_ws.auth(role)).status_code == 403


def test_grant_invitations_are_recorded(client: TestClient, demo_ws: Ws) -> None:
    """An owner's invitation of an auditor appends its engagement, and its withdrawal too."""
    answer = client.post(
        demo_ws.url("/grants"),
        json={"email": demo_ws.emails["viewer"], "starts": "2026-01-01", "ends": "2026-12-31"},
        headers=demo_ws.auth("owner"),
    )
    assert answer.status_code == 202, answer.text
    last = trail(client, demo_ws)[-1]
    assert last["action"] == "invitation.create"
    assert last["after"]["role"] == "auditor"  # type: ignore[index]
    assert last["after"]["ends"] == "2026-12-31"  # type: ignore[index]
    client.delete(demo_ws.url(f"/invitations/{answer.json()['id']}"), headers=demo_ws.auth())
    last = trail(client, demo_ws)[-1]
    assert last["action"] == "invitation.withdraw"
    assert last["before"]["email"] == demo_ws.emails["viewer"]  # type: ignore[index]


def test_the_export_recomputes_to_the_same_hashes(client: TestClient, demo_ws: Ws) -> None:
    """Anyone holding the JSON lines export can check the chain themselves."""
    lines = client.get(demo_ws.url("/audit/export"), headers=demo_ws.auth("auditor"))
    assert lines.status_code == 200
    prev = audit.GENESIS
    entries = [json.loads(line) for line in lines.text.splitlines()]
    assert entries
    for entry in entries:
        assert entry["prev_hash"] == prev
        assert audit.entry_hash(entry, prev) == entry["hash"]
        prev = entry["hash"]
    table = list(
        csv.reader(
            io.StringIO(
                client.get(
                    demo_ws.url("/audit/export?format=csv"), headers=demo_ws.auth("owner")
                ).text
            )
        )
    )
    assert table[0][:3] == ["seq", "at", "actor"]
    assert len(table) == len(entries) + 1


def test_verify_finds_an_intact_trail(client: TestClient, demo_ws: Ws) -> None:
    """The API's verify recomputes the chain and finds nothing wrong."""
    answer = client.get(demo_ws.url("/audit/verify"), headers=demo_ws.auth("auditor")).json()
    assert answer["ok"] is True
    assert answer["entries"] == len(trail(client, demo_ws))


def _unguard(connection: object, dialect: str) -> None:
    """What an attacker with database access does first: drop the append-only triggers."""
    if dialect == "postgresql":
        connection.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))  # type: ignore[attr-defined]
    else:
        for event in ("update", "delete"):
            connection.execute(text(f"DROP TRIGGER audit_entry_no_{event}"))  # type: ignore[attr-defined]


def test_the_database_refuses_to_change_or_remove_an_entry(engine: Engine, demo_ws: Ws) -> None:
    """Even outside the application, UPDATE and DELETE on the trail fail."""
    for statement in (
        "UPDATE audit_entry SET action = 'nothing' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))


@pytest.mark.parametrize(
    ("attack", "broken", "why"),
    [
        (
            'UPDATE audit_entry SET after = \'{"id": "x"}\' WHERE chain = :c AND seq = 2',
            2,
            "contents",
        ),
        ("DELETE FROM audit_entry WHERE chain = :c AND seq = 2", 2, "missing"),
        (
            "DELETE FROM audit_entry WHERE chain = :c AND seq = (SELECT MAX(seq) FROM audit_entry "
            "WHERE chain = :c)",
            None,
            "removed from its end",
        ),
    ],
)
def test_verify_names_the_first_tampered_entry(
    client: TestClient, engine: Engine, demo_ws: Ws, attack: str, broken: int | None, why: str
) -> None:
    """A changed entry, a removed one and a trail cut short are each found and named."""
    client.post(
        demo_ws.url("/suppliers"), json={"id": "nieuw", "name": "N"}, headers=demo_ws.auth()
    )
    with Session(engine) as session:
        chain = audit.chain_of(session.exec(text("SELECT id FROM workspace")).scalar())  # type: ignore[call-overload]
        count = audit.verify(session, chain).entries
    with engine.begin() as connection:
        _unguard(connection, engine.dialect.name)
        connection.execute(text(attack), {"c": chain})
    answer = client.get(demo_ws.url("/audit/verify"), headers=demo_ws.auth("owner")).json()
    assert answer["ok"] is False
    assert answer["broken_seq"] == (broken if broken is not None else count)
    assert why in answer["problem"]


def test_a_forged_entry_in_the_middle_is_found(
    client: TestClient, engine: Engine, demo_ws: Ws
) -> None:
    """An entry slipped in with a correct-looking place breaks the chain at the next one."""
    with Session(engine) as session:
        chain = audit.chain_of(session.exec(text("SELECT id FROM workspace")).scalar())  # type: ignore[call-overload]
    with engine.begin() as connection:
        _unguard(connection, engine.dialect.name)
        connection.execute(
            text("UPDATE audit_entry SET seq = seq + 1000 WHERE chain = :c AND seq >= 2"),
            {"c": chain},
        )
    answer = client.get(demo_ws.url("/audit/verify"), headers=demo_ws.auth("owner")).json()
    assert answer["ok"] is False
    assert answer["broken_seq"] == 2


def test_the_command_line_verify_names_the_broken_entry(tmp_path: Path) -> None:
    """`ketenkaart audit verify` exits 0 on an intact trail and 1 naming the changed entry."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*COMMAND, *args],
            capture_output=True,
            text=True,
            input=stdin,
            check=False,
            env=environment(url),
        )

    made = run(
        "user",
        "create",
        "owner@kk.example",
        "--name",
        "Owner",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    assert run("workspace", "create", "acme", "--owner", "owner@kk.example").returncode == 0
    good = run("audit", "verify")
    assert good.returncode == 0, good.stderr
    assert "ws:1: 1 entries, intact" in good.stdout
    with sqlite3.connect(tmp_path / "kk.db") as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_entry SET target = 'workspace/other' WHERE chain = 'ws:1'")
    bad = run("audit", "verify")
    assert bad.returncode == 1
    assert "ws:1: entry 1 is broken: its contents do not match its hash" in bad.stdout
