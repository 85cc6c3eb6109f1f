"""What the service's operator commands say (app/cli_admin.py, app/backup.py, app/audit.py) and
the report download's footer (app/routes/pages/reports.py), in the command's or request's
language: under the pseudo language no English outside the markers, a few texts exactly in
Dutch; English as before (the other tests hold it word for word)."""

from __future__ import annotations

import argparse
import functools
import html
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from app import audit, backup, cli_admin
from app.cli import main
from app.db import make_engine
from app.errors import Invalid
from app.migrate import upgrade
from app.models import Workspace
from app.routes.pages.reports import _parse_when
from graph import i18n
from graph.errors import UsageError
from tests.app.conftest import PASSWORD, Ws
from tests.app.test_audit_hardening import _rehash, _tamper
from tests.app.test_pages import fixed_clock, sign_in
from tests.test_pseudo_cli import unmarked

Run = Callable[..., subprocess.CompletedProcess[str]]
CATALOG = Path(i18n.LOCALE_DIR) / "nl" / "LC_MESSAGES" / "ketenkaart.po"

NAMES = {
    "ketenkaart",
    "KETENKAART_ANCHOR_KEY",
    "KETENKAART_DOCUMENTS_DIR",
    "KETENKAART_PORT",
    "Ed25519",
    "PEM",
    "base64",
    "FILE",
    "global",
    "sqlite",
    "manifest.json",
    "KeyError",
    "No such file or directory",  # the system's own words (strerror)
}
_HEX = re.compile(r"\b[0-9a-f]{12,}\b")
_FLAG = re.compile(r"(?<![\w-])--?[a-z][\w-]*|`[^`]*`")


@functools.cache
def _messages() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """The catalog's English messages: those without a placeholder, and a pattern of each
    other that captures what was put in its placeholders, the most literal text first."""
    from babel.messages.pofile import read_po  # noqa: PLC0415

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    plain, patterns = set(), []
    for message in catalog:
        for msgid in [message.id] if isinstance(message.id, str) else list(message.id):
            if not msgid:
                continue
            parts = re.split(r"\{[a-z_]*\}", msgid.replace("{{", "{").replace("}}", "}"))
            if len(parts) == 1:
                plain.add(parts[0])
            else:
                body = "(.*?)".join(re.escape(part) for part in parts)
                patterns.append((sum(map(len, parts)), re.compile(body, re.S)))
    patterns.sort(key=lambda found: -found[0])
    return frozenset(plain), tuple(pattern for _, pattern in patterns)


_INNERMOST = re.compile(f"{i18n.OPEN}([^{i18n.OPEN}{i18n.CLOSE}]*){i18n.CLOSE}")


def _opened(text: str) -> str:
    """``text`` with each marked message (innermost first) replaced by what was put into its
    placeholders: English that came in through a placeholder, not the catalog, stays."""
    plain, patterns = _messages()

    def values(match: re.Match[str]) -> str:
        inside = match.group(1)
        if inside in plain:
            return " "
        for pattern in patterns:
            found = pattern.fullmatch(inside)
            if found:
                return " " + " ".join(found.groups()) + " "
        return " "  # a number or date the language wrote

    while True:
        opened = _INNERMOST.sub(values, text)
        if opened == text:
            return text
        text = opened


def leftovers(text: str, *known: str) -> list[str]:
    """The English words of ``text`` that missed the catalog: what remains outside the markers
    and the catalog's own words, once hashes, flags, commands in backticks and the ``known``
    names are taken away. A marked message's placeholders are checked too: English put into a
    Dutch sentence would show."""
    text = _FLAG.sub(" ", _HEX.sub(" ", _opened(text)))
    return unmarked(text, NAMES | set(known))


def _key(path: Path) -> Path:
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Run]:
    """A runner of the command line in this process on a SQLite file, in the language of
    ``KETENKAART_LANG`` (an argument ``lang=``), with accounts o@, p@ and a@kk.example."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    for name in list(os.environ):
        if name.startswith("KETENKAART_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KETENKAART_DATABASE_URL", url)

    def runner(
        *args: str, stdin: str = "", lang: str = "en", **env: str
    ) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            patch.setenv("KETENKAART_LANG", lang)
            for name, value in env.items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    for email in ("o@kk.example", "p@kk.example", "a@kk.example"):
        made = runner(
            "user", "create", email, "--name", "O", "--password-stdin", stdin=PASSWORD + "\n"
        )
        assert made.returncode == 0, made.stderr
    yield runner


def test_no_english_outside_the_markers(run: Run, tmp_path: Path) -> None:
    """Every output and error of the service's commands, in the pseudo language, is catalog
    text but for the names, paths, flags, hashes and the system's own words."""
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    key = _key(tmp_path / "anchor.pem")
    (tmp_path / "bad.key").write_text("nonsense")
    (tmp_path / "text.json").write_text("[1,")
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "other.json").write_text('{"x": 1}')
    done: list[subprocess.CompletedProcess[str]] = []

    def pseudo(*args: str, code: int, stdin: str = "", **env: str) -> str:
        result = run(*args, stdin=stdin, lang="pseudo", **env)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        done.append(result)
        return result.stdout

    pseudo("db", "upgrade", code=0)
    pseudo("user", "create", "x@kk.example", "--name", "X", code=2)  # no terminal
    pseudo("user", "create", "q@kk.example", "--name", "Q", "--password-stdin", code=0,
           stdin=PASSWORD + "\n")  # fmt: skip
    pseudo("user", "disable", "q@kk.example", code=0)
    pseudo("workspace", "create", "Bad_Slug", "--name", " ", code=2)
    pseudo("workspace", "create", "acme", "--owner", "nobody@kk.example", code=2)
    pseudo("workspace", "create", "acme", "--owner", "o@kk.example", code=0)
    pseudo("member", "set", "p@kk.example", "--workspace", "acme", "--role", "editor", code=0)
    pseudo("grant", "create", "a@kk.example", "--workspace", "acme", "--from", "2026-01-01",
           "--to", "2026-12-31", code=0)  # fmt: skip
    pseudo("token", "create", "--workspace", "acme", "--role", "viewer", "--expires",
           "2000-01-01", code=2)  # fmt: skip
    pseudo("token", "create", "--workspace", "acme", "--role", "auditor", "--user",
           "nobody@kk.example", code=2)  # fmt: skip
    token = run("token", "create", "--workspace", "acme", "--role", "viewer").stdout.strip()
    pseudo("token", "revoke", "kk_", code=2)
    pseudo("token", "revoke", token, code=0)
    pseudo("audit", "verify", "--register", code=0)
    pseudo("audit", "anchor", code=2)
    pseudo("audit", "anchor", "--key", str(tmp_path / "missing.pem"), code=2)
    pseudo("audit", "anchor", "--key", str(tmp_path / "bad.key"), code=2)
    kept = tmp_path / "kept.json"
    kept.write_text(run("audit", "anchor", "--key", str(key)).stdout)
    for wrong in ("missing.json", "text.json", "list.json", "other.json"):
        pseudo("audit", "verify", "--anchor", str(tmp_path / wrong), code=2)
    pseudo("audit", "verify", "--anchor", str(kept), "--key", str(_key(tmp_path / "b")), code=2)
    run("member", "set", "o@kk.example", "--workspace", "acme", "--role", "owner")
    pseudo("audit", "verify", "--anchor", str(kept), code=0)  # matches, 1 since
    with sqlite3.connect(tmp_path / "kk.db") as connection:
        for name in ("audit_entry_no_delete", "audit_entry_no_update", "audit_head_no_update"):
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("DELETE FROM audit_entry WHERE chain = 'global' AND seq > 1")
        connection.execute(
            "UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_entry "
            "WHERE chain = 'global' AND seq = 1) WHERE chain = 'global'"
        )
        connection.execute("UPDATE audit_entry SET target = 'x' WHERE chain = 'ws:1'")
    pseudo("audit", "verify", "--anchor", str(kept), code=1)
    pseudo("serve", "--port", "0", code=2)
    pseudo("serve", "--workers", "0", code=2)
    pseudo("serve", code=2, KETENKAART_PORT="many")
    pseudo("db", "upgrade", "--database-url", "nonsense", code=2)
    pseudo("backup", str(tmp_path / "nowhere" / "kk.zip"), code=2)
    archive = tmp_path / "kk.zip"
    pseudo("backup", str(archive), code=0)
    pseudo("restore", str(archive), code=2)  # not empty
    pseudo("restore", str(tmp_path / "missing.zip"), code=2)
    pseudo("restore", str(tmp_path / "text.json"), code=2)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    pseudo("restore", str(archive), "--database-url", empty, code=0)

    revision = backup.current_head() or ""
    tables = [table.name for table in backup.tables()]
    known = [str(tmp_path), url, revision, token, "ws:1", "Bad_Slug", *tables]
    known += [f"{e}@kk.example" for e in ("o", "p", "a", "q", "x", "nobody")]
    known += ["acme", "Acme", "kk_", "supplier", "KeyError", "signature", "many", "nowhere"]
    known += ["missing.pem", "bad.key", "kept.json", "kk.zip", "missing.zip", "empty.db"]
    known += [f"{name}.json" for name in ("missing", "text", "list", "other")]
    for result in done:
        text = result.stdout + result.stderr
        assert i18n.OPEN in text, result.args
        # pydantic's and SQLAlchemy's own words stay as they write them
        text = re.sub(r"Input should be a valid integer[^⟧]*", " ", text)
        text = text.replace("Could not parse SQLAlchemy URL from given URL string", " ")
        text = text.replace("File is not a zip file", " ")  # zipfile's
        assert leftovers(text, *known) == [], (result.args, text)


def test_the_password_prompts_are_in_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prompts on a terminal and the refusal of two different passwords."""
    import getpass  # noqa: PLC0415

    prompts: list[str] = []
    answers = iter(["one password of many words", "another one"])

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(getpass, "getpass", ask)
    monkeypatch.setattr(sys, "stdin", type("Tty", (), {"isatty": lambda self: True})())
    with i18n.using("nl"), pytest.raises(UsageError) as refused:
        cli_admin._read_password(argparse.Namespace(password_stdin=False))
    assert prompts == ["Wachtwoord (minstens 15 tekens): ", "Nog een keer: "]
    assert str(refused.value) == "de twee wachtwoorden verschillen"


def test_the_demo_banner(tmp_path: Path) -> None:
    """The banner `demo` prints before it serves: catalog text but for the addresses and the
    secrets; in Dutch it says where to log in."""
    args = ("http://127.0.0.1:8000", tmp_path / "ketenkaart-demo.db", "pw-123", "kk_abc")
    english = cli_admin._demo_banner(*args)
    assert english.splitlines()[1] == (
        "  open http://127.0.0.1:8000/login and sign in as demo@ketenkaart.example with "
        "password pw-123"
    )
    with i18n.using("pseudo"):
        pseudo = cli_admin._demo_banner(*args)
    known = [str(args[1]), "http://127.0.0.1:8000", "demo@ketenkaart.example", "pw-123"]
    known += ["kk_abc", "/api/v1/workspaces/demo/check", "/openapi.json", "/api/v1", "/docs"]
    known += ["/login", "'Authorization: Bearer", "curl -H", "demo", "Ctrl-C"]
    assert leftovers(pseudo, *known) == []
    with i18n.using("nl"):
        dutch = cli_admin._demo_banner(*args)
    assert dutch.splitlines()[1] == (
        "  open http://127.0.0.1:8000/login en log in als demo@ketenkaart.example met "
        "wachtwoord pw-123"
    )
    assert dutch.splitlines()[-1] == "  stop met Ctrl-C"
    assert len(dutch.splitlines()) == len(english.splitlines())


def test_dutch_outputs_and_errors(run: Run, tmp_path: Path) -> None:
    """A few of the commands' lines, exactly, in Dutch."""
    nl: dict[str, Any] = {"lang": "nl"}
    made = run("workspace", "create", "acme", "--name", "Acme B.V.", **nl)
    assert made.stdout == "werkruimte 'acme' (Acme B.V.) gemaakt\n"
    member = run("member", "set", "p@kk.example", "--workspace", "acme", "--role", "owner", **nl)
    assert member.stdout == "p@kk.example is beheerder van 'acme'\n"
    grant = run("grant", "create", "a@kk.example", "--workspace", "acme", "--from",
                "2026-01-01", "--to", "2026-12-31", **nl)  # fmt: skip
    assert grant.stdout.endswith(
        ": a@kk.example mag de hele werkruimte van 'acme' lezen van 2026-01-01 tot en met "
        "2026-12-31\n"
    )
    assert grant.stdout.startswith("toegang ")
    past = run("token", "create", "--workspace", "acme", "--role", "viewer", "--expires",
               "2000-01-01", **nl)  # fmt: skip
    assert past.stderr == "ketenkaart: fout: --expires 2000-01-01 ligt in het verleden\n"
    token = run("token", "create", "--workspace", "acme", "--role", "viewer").stdout.strip()
    assert run("token", "revoke", token, **nl).stdout == "1 token ingetrokken\n"
    verified = run("audit", "verify", **nl).stdout.splitlines()
    assert re.fullmatch(r"global: 3 regels, intact; kop [0-9a-f]{64}", verified[0])
    assert re.fullmatch(r"ws:1: \d+ regels, intact; kop [0-9a-f]{64}", verified[1])
    register = run("audit", "verify", "--register", **nl).stdout
    assert "acme: het register komt overeen met zijn audittrail\n" in register
    nokey = run("audit", "anchor", **nl).stderr
    assert nokey.startswith("ketenkaart: fout: geen ankersleutel: geef --key FILE of stel ")
    port = run("serve", "--port", "70000", **nl).stderr
    assert port == "ketenkaart: fout: --port 70000 is geen TCP-poort (1-65535)\n"
    archive = tmp_path / "kk.zip"
    written = run("backup", str(archive), **nl).stdout
    assert re.fullmatch(rf"{re.escape(str(archive))}: \d+ rijen uit \d+ tabellen, "
                        r"schemarevisie \S+\n", written)  # fmt: skip
    refused = run("restore", str(archive), **nl).stderr
    assert refused.startswith("ketenkaart: fout: de database is niet leeg (app_user: 3 rijen, ")
    assert refused.endswith("; restore laadt alleen in een lege database\n")
    assert "auditor_grant: 1 rij, " in refused


def test_english_lines_as_before(run: Run) -> None:
    """The same lines in English, as they always read."""
    assert run("workspace", "create", "acme").stdout == "created workspace 'acme' (acme)\n"
    token = run("token", "create", "--workspace", "acme", "--role", "viewer").stdout.strip()
    assert run("token", "revoke", token).stdout == "revoked 1 token\n"
    assert run("audit", "verify").stdout.startswith("global: 3 entries, intact; head ")
    refused = run("restore", "nowhere.zip").stderr
    assert refused == "ketenkaart: error: nowhere.zip: no such file\n"


def test_a_backup_with_an_auditors_grant_restores(run: Run, tmp_path: Path) -> None:
    """A grant's dates (from, through) go into the archive and come back: a backup of a
    database with an auditor's engagement no longer fails with an internal error."""
    run("workspace", "create", "acme")
    granted = run("grant", "create", "a@kk.example", "--workspace", "acme", "--from",
                  "2026-01-01", "--to", "2026-12-31")  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    archive = tmp_path / "kk.zip"
    assert run("backup", str(archive)).returncode == 0
    empty = tmp_path / "empty.db"
    restored = run("restore", str(archive), "--database-url", f"sqlite:///{empty}")
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("restored ")
    with sqlite3.connect(empty) as connection:
        dates = connection.execute("SELECT starts, ends FROM auditor_grant").fetchall()
    assert dates == [("2026-01-01", "2026-12-31")]


# --- the audit trail's findings ----------------------------------------------------------------


@pytest.fixture
def chain(engine: Engine, demo_ws: Ws, client: TestClient) -> str:
    """The chain of workspace ``acme`` with the demo imported and three suppliers more."""
    for key in ("een", "twee", "drie"):
        answer = client.post(
            demo_ws.url("/suppliers"), json={"id": key, "name": key}, headers=demo_ws.auth()
        )
        assert answer.status_code == 201, answer.text
    with Session(engine) as session:
        return audit.chain_of(session.exec(select(Workspace)).one().id)


def _problems(engine: Engine, chain: str, language: str) -> str:
    with i18n.using(language), Session(engine) as session:
        return str(audit.verify(session, chain))


TAMPERING = {
    "changed": ["UPDATE audit_entry SET target = 'x' WHERE chain = :c AND seq = 3"],
    "unlinked": ["UPDATE audit_entry SET prev_hash = hash WHERE chain = :c AND seq = 3"],
    "removed": ["DELETE FROM audit_entry WHERE chain = :c AND seq = 3"],
    "headless": ["DELETE FROM audit_head WHERE chain = :c"],
    "cut": ["DELETE FROM audit_entry WHERE chain = :c AND seq > 2"],
    "moved back": ["UPDATE audit_head SET seq = seq - 1 WHERE chain = :c"],
    "emptied": [
        "DELETE FROM audit_entry WHERE chain = :c",
        "DELETE FROM audit_head WHERE chain = :c",
    ],
    "extra head": [f"INSERT INTO audit_head (chain, seq, hash) VALUES ('ws:99', 0, '{audit.GENESIS}')"],  # noqa: S608, E501
}  # fmt: skip


@pytest.mark.parametrize("how", list(TAMPERING))
def test_every_finding_of_verify_is_catalog_text(engine: Engine, chain: str, how: str) -> None:
    """Each way a trail breaks, named in the pseudo language without English."""
    _tamper(engine, *TAMPERING[how], chain=chain)
    target = "ws:99" if how == "extra head" else chain
    english = _problems(engine, target, "en")
    assert "intact" not in english, english
    found = _problems(engine, target, "pseudo")
    assert leftovers(found, target, "None") == [], found


def test_a_finding_of_verify_in_dutch(engine: Engine, chain: str) -> None:
    """An entry changed, in Dutch."""
    _tamper(engine, TAMPERING["changed"][0], chain=chain)
    assert _problems(engine, chain, "nl") == (
        f"{chain}: regel 3 is gebroken: de inhoud past niet bij de hash"
    )


def test_a_trail_out_of_step_with_its_head_refuses_changes_in_the_language(
    engine: Engine, chain: str
) -> None:
    """A change recorded on a trail whose head names another entry is refused (409), in the
    language of the request."""
    _tamper(engine, TAMPERING["moved back"][0], chain=chain)
    for language in ("pseudo", "nl"):
        with i18n.using(language), Session(engine) as session, pytest.raises(Exception) as err:
            audit.record(
                session,
                workspace_id=int(chain.removeprefix("ws:")),
                actor=audit.COMMAND_LINE,
                action="update",
                target="supplier/een",
            )
        if language == "pseudo":
            assert leftovers(str(err.value), chain) == []
        else:
            assert str(err.value).startswith(f"de audittrail '{chain}' eindigt bij regel ")


def _checks(engine: Engine, kept: dict[str, Any], language: str) -> list[str]:
    with i18n.using(language), Session(engine) as session:
        return [str(c) for c in audit.check_anchor(session, kept)]


def test_the_anchor_checks_are_catalog_text(engine: Engine, chain: str) -> None:
    """Matches, fewer entries, another hash: each in the pseudo language without English; the
    match in Dutch."""
    key = Ed25519PrivateKey.generate()
    with Session(engine) as session:
        kept = audit.anchor(session, key, audit.chains(session))
    matches = _checks(engine, kept, "nl")
    assert any(
        re.fullmatch(rf"{chain}: komt overeen met het anker van \S+ \(regel \d+\); 0 sindsdien", c)
        for c in matches
    ), matches
    found = _checks(engine, kept, "pseudo")
    _tamper(engine, "UPDATE audit_entry SET target = 'x' WHERE chain = :c AND seq = 2", chain=chain)
    with engine.begin() as connection:
        _rehash(connection, chain, 2)
    found += _checks(engine, kept, "pseudo")
    _tamper(engine, TAMPERING["cut"][0], "UPDATE audit_head SET seq = 2 WHERE chain = :c",
            chain=chain)  # fmt: skip
    found += _checks(engine, kept, "pseudo")
    made = str(kept["made_at"])
    assert [leftovers(c, chain, made) for c in found] == [[] for _ in found]


@pytest.mark.parametrize(
    "anchor",
    [
        {"x": 1},
        "signed-by-another",
        "changed",
    ],
)
def test_a_refused_anchor_says_why_in_the_language(
    engine: Engine, chain: str, anchor: object
) -> None:
    """Not an anchor, another key, a changed anchor: AnchorError's text is catalog text."""
    key = Ed25519PrivateKey.generate()
    with Session(engine) as session:
        kept = audit.anchor(session, key, audit.chains(session))
    given = None
    if anchor == "signed-by-another":
        given = Ed25519PrivateKey.generate()
    elif anchor == "changed":
        kept["made_at"] = "2000-01-01T00:00:00+00:00"
    else:
        kept = anchor  # type: ignore[assignment]
    with i18n.using("pseudo"), Session(engine) as session, pytest.raises(audit.AnchorError) as err:
        audit.check_anchor(session, kept, key=given)
    assert leftovers(str(err.value), "KeyError", "signature") == []


@pytest.mark.parametrize(
    "key",
    [b"nonsense", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "rsa"],
)
def test_a_refused_key_says_why_in_the_language(key: bytes | str) -> None:
    """A key that is none, a PEM that does not load, a PEM of another kind."""
    if key == "rsa":
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415

        data = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        assert isinstance(key, bytes)
        data = key
    with i18n.using("pseudo"), pytest.raises(audit.AnchorError) as err:
        audit.load_key(data)
    text = re.sub(r"(password: ).*(⟧)", r"\1\2", str(err.value))  # cryptography's words
    assert leftovers(text) == [], str(err.value)


def test_every_register_difference_is_catalog_text(engine: Engine, chain: str) -> None:
    """A row the trail does not know, a row it holds that is gone, a row changed, an offering
    flag changed, an ``x-`` key changed: each named in the pseudo language without English,
    one in Dutch."""
    wid = int(chain.removeprefix("ws:"))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO supplier (workspace_id, key, body, position, version, created_at, "
                'updated_at) VALUES (:w, \'ghost\', \'{"id": "ghost", "name": "Ghost"}\', '
                "99, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"w": wid},
        )
        connection.execute(text("DELETE FROM supplier WHERE key = 'een' AND workspace_id = :w"),
                           {"w": wid})  # fmt: skip
        connection.execute(
            text("UPDATE supplier SET body = :b WHERE key = 'twee' AND workspace_id = :w"),
            {"b": json.dumps({"id": "twee", "name": "Twee B.V."}), "w": wid},
        )
        offering = connection.execute(
            text("SELECT key FROM service WHERE workspace_id = :w AND offering IS NOT NULL"),
            {"w": wid},
        ).first()
        assert offering is not None
        connection.execute(
            text("UPDATE service SET offering = NULL WHERE workspace_id = :w AND key = :k"),
            {"w": wid, "k": offering[0]},
        )
    with Session(engine) as session:
        workspace = session.get(Workspace, wid)
        assert workspace is not None
        with i18n.using("pseudo"):
            found = audit.register_differences(session, workspace)
        with i18n.using("nl"):
            dutch = audit.register_differences(session, workspace)
    assert len(found) >= 4, found
    known = ["supplier/ghost", "supplier/een", "supplier/twee", f"offering/{offering[0]}"]
    known += [offering[0]]
    assert [leftovers(re.sub(r"\{.*?\}(?=[,⟧])", " ", f), *known) for f in found] == [
        [] for _ in found
    ]
    assert "supplier/een: de audittrail bevat het, het register niet" in dutch
    assert f"offering/{offering[0]}: alleen de audittrail maakt er een online dienst van" in dutch


# --- backup and restore ---------------------------------------------------------------------------


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    """An empty SQLite database at the newest migration."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _manifest(**changed: object) -> bytes:
    manifest: dict[str, object] = {
        "format": backup.FORMAT,
        "revision": backup.current_head(),
        "tables": {"supplier": 1},
    }
    return json.dumps({**manifest, **changed}).encode()


def _table_files() -> dict[str, bytes]:
    return {f"tables/{table.name}.jsonl": b"" for table in backup.tables()}


def _rows(line: bytes) -> dict[str, bytes]:
    """A manifest and every table's file, the workspaces' holding ``line``."""
    return {"manifest.json": _manifest(), **_table_files(), "tables/workspace.jsonl": line}


ARCHIVES: dict[str, dict[str, bytes]] = {
    "no manifest": {},
    "manifest not JSON": {"manifest.json": b"{"},
    "another format": {"manifest.json": _manifest(format=9)},
    "no tables": {"manifest.json": _manifest(tables=[])},
    "another revision": {"manifest.json": _manifest(revision="r0")},
    "strange tables": {"manifest.json": _manifest(tables={"nope": 1})},
    "table missing": {"manifest.json": _manifest()},
    "line not JSON": _rows(b"{\n"),
    "not a row": _rows(b"[]\n"),
    "unknown column": _rows(b'{"zz": 1}\n'),
    "bad value": _rows(b'{"created_at": "yesterday"}\n'),
}


@pytest.mark.parametrize("case", list(ARCHIVES))
def test_every_refused_archive_says_why_in_the_language(
    empty: Engine, tmp_path: Path, case: str
) -> None:
    """Each refusal of `restore`, in the pseudo language without English (the parsers' and
    Python's own words for a bad value aside)."""
    path = _archive(tmp_path / "a.zip", ARCHIVES[case])
    with i18n.using("pseudo"), pytest.raises(UsageError) as err:
        backup.restore(empty, path)
    message = str(err.value).replace("Invalid isoformat string", " ")  # Python's words
    tables = [table.name for table in backup.tables()]
    known = [str(path), "r0", "nope", "zz", "tables/", ".jsonl", "created_at", "yesterday"]
    known += tables
    assert leftovers(message, *known) == [], str(err.value)


def test_a_count_off_and_documents_without_a_folder(empty: Engine, tmp_path: Path) -> None:
    """The manifest's count against the rows, and document files with nowhere to go."""
    counted = _archive(
        tmp_path / "b.zip",
        {"manifest.json": _manifest(tables={"workspace": 2}), **_table_files()},
    )
    with i18n.using("nl"), pytest.raises(UsageError) as err:
        backup.restore(empty, counted)
    assert str(err.value) == (
        f"{counted}: tables/workspace.jsonl heeft 0 rijen, het manifest zegt 2"
    )
    documents = _archive(
        tmp_path / "c.zip",
        {"manifest.json": _manifest(tables={}), **_table_files(), "documents/" + "0" * 64: b"x"},
    )
    with i18n.using("pseudo"), pytest.raises(UsageError) as err:
        backup.restore(empty, documents)
    assert leftovers(str(err.value), str(documents)) == []
    with i18n.using("pseudo"), pytest.raises(UsageError) as err:
        backup.restore(empty, documents, documents_dir=tmp_path / "docs")
    assert leftovers(str(err.value), str(documents), "documents/") == []


def test_a_large_document_and_a_missing_folder(
    empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document over the bound (grouped as the language groups thousands), and a backup
    into a folder that is not there."""
    monkeypatch.setattr(backup, "MAX_DOCUMENT", 1000)
    path = _archive(
        tmp_path / "d.zip",
        {"manifest.json": _manifest(tables={}), **_table_files(), "documents/x": b"y" * 1001},
    )
    with i18n.using("nl"), pytest.raises(UsageError) as err:
        backup.restore(empty, path, documents_dir=tmp_path / "docs")
    assert str(err.value) == f"{path}: documents/x is groter dan 1.000 bytes"
    with pytest.raises(UsageError) as err:
        backup.restore(empty, path, documents_dir=tmp_path / "docs")
    assert str(err.value) == f"{path}: documents/x is larger than 1,000 bytes"
    with i18n.using("pseudo"), pytest.raises(UsageError) as err:
        backup.backup(empty, tmp_path / "nowhere" / "kk.zip")
    assert leftovers(str(err.value), str(tmp_path), "nowhere", "kk.zip") == []


# --- the report ---------------------------------------------------------------------------------


@pytest.fixture
def web(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the pages on plain HTTP (the session cookie is sent), at a fixed time."""
    client = make_client(plain_http_localhost=True)
    assert isinstance(client.app, FastAPI)
    fixed_clock(client.app, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return client


def test_the_markdown_download_ends_with_the_dutch_footer(web: TestClient, demo_ws: Ws) -> None:
    """The Markdown report asked for in Dutch ends with the page's sentence in Dutch; in
    English as before."""
    sign_in(web, demo_ws.emails["viewer"])
    url = "/w/acme/report/loonwolk-online.md"
    dutch = web.get(url, headers={"Accept-Language": "nl"}).text
    assert re.search(
        r"\n\nGemaakt op 2026-11-27T09:00:00\+00:00 uit werkruimte `acme`; de audittrail van "
        r"het register stond op regel \d+, hash `[0-9a-f]{64}`\.\n\Z",
        dutch,
    ), dutch[-300:]
    english = web.get(url, headers={"Accept-Language": "en"}).text
    assert re.search(
        r"\n\nGenerated at 2026-11-27T09:00:00\+00:00 from workspace `acme`; the register's "
        r"audit trail stood at entry \d+, hash `[0-9a-f]{64}`\.\n\Z",
        english,
    ), english[-300:]
    missing = web.get("/w/acme/report/nope.md", headers={"Accept-Language": "nl"})
    assert missing.status_code == 404
    assert "geen online dienst 'nope' in werkruimte 'acme'" in html.unescape(missing.text)


def test_a_bad_date_is_refused_in_the_language() -> None:
    """``at`` that is no date: detail and message in Dutch, in the pseudo language all marked."""
    with i18n.using("nl"), pytest.raises(Invalid) as err:
        _parse_when("2026-13-01", None, datetime(2026, 11, 27, tzinfo=UTC).date())
    assert str(err.value) == "at '2026-13-01' is geen datum JJJJ-MM-DD"
    assert err.value.errors == [{"location": "at", "message": "verwacht JJJJ-MM-DD"}]
    with i18n.using("pseudo"), pytest.raises(Invalid) as err:
        _parse_when("2026-13-01", None, datetime(2026, 11, 27, tzinfo=UTC).date())
    texts = [str(err.value), *(e["message"] for e in err.value.errors or [])]
    assert [leftovers(t, "2026-13-01", "YYYY-MM-DD") for t in texts] == [[] for _ in texts]
