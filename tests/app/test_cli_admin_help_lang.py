"""The service's commands' --help (app/cli_admin.py) in the command's language: every help
text and description through the catalog (ADR 37 left them English); English as before."""

from __future__ import annotations

import re

import pytest

from app.cli import main
from graph import i18n
from tests.test_pseudo_cli import unmarked

COMMANDS = [
    ("notify",),
    ("subscriptions", "refresh"),
    ("db", "upgrade"),
    ("workspace", "create"),
    ("user", "create"),
    ("user", "disable"),
    ("member", "set"),
    ("grant", "create"),
    ("audit", "verify"),
    ("audit", "anchor"),
    ("token", "create"),
    ("token", "revoke"),
    ("serve",),
    ("demo",),
    ("backup",),
    ("restore",),
]
NAMES = {"ketenkaart", "URL", "SLUG", "ID", "ROLE", "KETENKAART_DATABASE_URL", "JSON", "PEM"}
NAMES |= {"KETENKAART_ANCHOR_KEY", "Ed25519", "openssl", "genpkey", "ed25519", "base64", "FILE"}
NAMES |= {"KETENKAART_", "sqlite:///ketenkaart.db", "ketenkaart-demo.db", "EMAIL", "DATE"}
NAMES |= {"NAME", "OFFERING", "TOKEN", "HOST", "PORT", "WORKERS"}  # from the options' names
NAMES |= {"check", "validate", "import", "export", "serve", "demo", "backup", "restore", "token"}
NAMES |= {"forecast", "diff", "subscriptions", "notify", "history"}


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code in (0, None)
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def _steady(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("KETENKAART_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.mark.parametrize("command", [(), *COMMANDS], ids=["top", *map(" ".join, COMMANDS)])
def test_no_word_of_the_help_misses_the_catalog(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """Under the pseudo language every word of a service command's help is marked, but the
    commands', options' and metavars' names and the choices."""
    monkeypatch.setenv("KETENKAART_LANG", "pseudo")
    out = _help(capsys, *command)
    assert i18n.OPEN in out
    text = re.sub(r"\{[^{}]*\}|(?<![\w-])--?[a-z][\w-]*|`[^`]*`", " ", out)
    for word in command:
        text = re.sub(rf"(?<![\w-]){word}(?![\w-])", " ", text)
    assert unmarked(text, NAMES | {"db", "workspace", "user", "member", "grant", "audit"}) == []


def test_dutch_help_is_dutch(capsys: pytest.CaptureFixture[str]) -> None:
    """`--lang nl workspace create --help` in Dutch."""
    out = _help(capsys, "--lang", "nl", "workspace", "create")
    assert "Maak een werkruimte." in out
    assert "het account dat er beheerder van wordt" in out
    assert "--owner E-MAIL" in out


def test_english_help_is_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    """English help reads as it did."""
    out = _help(capsys, "--lang", "en", "workspace", "create")
    assert "Create a workspace." in out
    assert "--owner EMAIL" in out
    assert "the account that becomes its owner" in out
