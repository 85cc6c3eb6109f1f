"""The Dockerfile, read as text: no Docker engine is needed to see that it fits the code."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        pending = ""
    return found


def arguments_of(keyword: str) -> list[str]:
    return [arguments for found, arguments in instructions() if found == keyword]


def words(arguments: str) -> list[str]:
    """An instruction's words: its JSON (exec) form, or its shell form split."""
    if arguments.startswith("["):
        parsed = json.loads(arguments)
        assert isinstance(parsed, list)
        return [str(word) for word in parsed]
    return shlex.split(arguments)


def copied_sources() -> list[str]:
    sources = []
    for arguments in arguments_of("COPY"):
        parts = [w for w in words(arguments) if not w.startswith("--")]
        assert not any(w.startswith("--from") for w in words(arguments)), "one stage only"
        sources.extend(parts[:-1])
    return sources


def cmd() -> list[str]:
    commands = arguments_of("CMD")
    assert len(commands) == 1
    assert commands[0].startswith("["), "CMD in exec form, so that signals reach the server"
    return words(commands[0])


def test_every_copied_path_exists() -> None:
    """Every path the Dockerfile COPYs is in the repository."""
    sources = copied_sources()
    assert sources
    missing = [s for s in sources if not list(ROOT.glob(s))]
    assert missing == []


def test_the_build_context_keeps_every_copied_path() -> None:
    """.dockerignore does not leave out what the Dockerfile copies (last matching rule wins)."""
    rules = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def kept(path: str) -> bool:
        keep = True
        for rule in rules:
            negated = rule.startswith("!")
            if fnmatch.fnmatch(path, rule.removeprefix("!")):
                keep = negated
        return keep

    assert [s for s in copied_sources() if not kept(s.rstrip("/"))] == []
    assert not kept(".venv")
    assert not kept("ketenkaart.db")


def test_cmd_is_serve_with_flags_it_knows(capsys: pytest.CaptureFixture[str]) -> None:
    """CMD runs `ketenkaart serve` with flags that `ketenkaart serve --help` lists."""
    program, subcommand, *rest = cmd()
    assert (program, subcommand) == ("ketenkaart", "serve")
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    known = set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    flags = {w for w in rest if w.startswith("--")}
    assert flags
    assert flags <= known


def test_the_server_listens_on_the_exposed_port() -> None:
    """CMD's --port, EXPOSE and the health check agree on the port."""
    command = cmd()
    port = command[command.index("--port") + 1]
    assert arguments_of("EXPOSE") == [port]
    (health,) = arguments_of("HEALTHCHECK")
    assert f":{port}/" in health
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - inside the container


def test_the_user_is_not_root() -> None:
    """The last USER is neither root nor uid 0."""
    users = arguments_of("USER")
    assert users, "no USER: the container would run as root"
    user, _, group = users[-1].partition(":")
    assert user not in ("root", "0")
    assert group not in ("root", "0")


def test_the_health_check_asks_a_route_of_the_app() -> None:
    """The HEALTHCHECK's URL path is a route of the app, asked without curl (not in slim)."""
    (health,) = arguments_of("HEALTHCHECK")
    assert "curl" not in health and "wget" not in health
    assert "urllib" in health
    found = re.search(r"https?://[^/'\"\s]+(/[^'\"\s?]*)", health)
    assert found is not None
    with TestClient(create_app(Settings(database_url="sqlite://"))) as http:
        assert http.get(found.group(1)).status_code == 200


def test_the_base_is_python_3_11_slim() -> None:
    """The image builds on python:3.11-slim, as the project's Python."""
    assert arguments_of("FROM") == ["python:3.11-slim"]
