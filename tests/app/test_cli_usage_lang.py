"""The command line's usage errors and --help in the command's language (ADR 37): the period,
the profile, the offerings, and argparse's own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cli import main
from graph import i18n
from graph.coverage import check
from graph.dates import parse_period
from graph.errors import UsageError
from graph.model import Chain
from graph.profiles import find_profile
from tests.test_pseudo_cli import unmarked

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"
COMMANDS = ["check", "forecast", "diff", "validate", "import", "export"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's --help and its errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse wraps help to $COLUMNS: the same width for every run."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("KETENKAART_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.mark.parametrize(
    ("argv", "english", "dutch"),
    [
        (
            ("--period", "2026"),
            "ketenkaart: error: --period '2026' is not FROM..TO, e.g. 2026-01-01..2026-12-31\n",
            "ketenkaart: fout: --period '2026' is niet VAN..TOT, bijvoorbeeld "
            "2026-01-01..2026-12-31\n",
        ),
        (
            ("--period", "2026-12-31..2026-01-01"),
            "ketenkaart: error: --period starts (2026-12-31) after it ends (2026-01-01)\n",
            "ketenkaart: fout: --period begint (2026-12-31) na het einde (2026-01-01)\n",
        ),
        (
            ("--period", "2026-01-01..2026-02-30"),
            "ketenkaart: error: --period end '2026-02-30' is not a calendar date YYYY-MM-DD\n",
            "ketenkaart: fout: --period einddatum '2026-02-30' is geen kalenderdatum JJJJ-MM-DD\n",
        ),
        (
            ("--profile", "nope"),
            "ketenkaart: error: unknown profile 'nope'; known profiles: zeker-online\n",
            "ketenkaart: fout: onbekend profiel 'nope'; bekende profielen: zeker-online\n",
        ),
        (
            ("--offering", "nope"),
            "ketenkaart: error: unknown offering 'nope': no such service in the chain\n",
            "ketenkaart: fout: onbekende online dienst 'nope': de keten heeft geen dienst met "
            "dat id\n",
        ),
        (
            ("--at", "2026-01-01", "--period", "2026-01-01..2026-02-01"),
            "ketenkaart check: error: argument --period: not allowed with argument --at\n",
            "ketenkaart check: fout: argument --period: niet toegestaan samen met argument --at\n",
        ),
        (
            ("--format", "pdf"),
            "ketenkaart check: error: argument --format: invalid choice: 'pdf' (choose from "
            "'text', 'json', 'markdown', 'xlsx', 'csv')\n",
            "ketenkaart check: fout: argument --format: ongeldige keuze: 'pdf' (kies uit "
            "'text', 'json', 'markdown', 'xlsx', 'csv')\n",
        ),
    ],
    ids=["not-a-period", "backwards", "no-such-day", "profile", "offering", "both", "choice"],
)
def test_a_usage_error_is_written_in_the_commands_language(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], english: str, dutch: str
) -> None:
    """The same mistake reads as before in English and wholly Dutch under --lang nl, whether
    the command line, the core or argparse finds it; the exit status is 2 in both."""
    assert run(capsys, "check", str(DEMO), *argv) == (2, "", english)
    assert run(capsys, "check", str(DEMO), *argv, "--lang", "nl") == (2, "", dutch)
    assert run(capsys, "--lang", "nl", "check", str(DEMO), *argv) == (2, "", dutch)


def test_a_missing_argument_is_named_in_dutch(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's own error names the missing argument by its Dutch metavar."""
    assert run(capsys, "--lang", "nl", "check") == (
        2,
        "",
        "ketenkaart check: fout: de volgende argumenten zijn verplicht: BESTAND\n",
    )


def test_the_cores_usage_errors_follow_the_context() -> None:
    """graph's own usage errors (dates, profiles, the check's arguments) are translated where
    they are raised, for the service as well as the command line."""
    chain = Chain(offerings=())
    cases = [
        lambda: parse_period("2026"),
        lambda: find_profile("nope"),
        lambda: check(
            chain, offerings=["x", "y"], at=None, period=parse_period("2026-01-01..2026-01-02")
        ),
        lambda: check(chain, at=None, period=None),
        lambda: check(chain, period=parse_period("2026-01-01..2026-01-02")),
    ]
    messages = {}
    for language in ("en", "nl"):
        with i18n.using(language):
            for index, case in enumerate(cases):
                with pytest.raises(UsageError) as err:
                    case()
                messages[(language, index)] = str(err.value)
    assert messages[("en", 2)] == "unknown offering 'x', 'y': no such service in the chain"
    assert messages[("nl", 2)] == (
        "onbekende online diensten 'x', 'y': de keten heeft geen diensten met die id's"
    )
    assert messages[("nl", 3)] == (
        "geef een peildatum of een auditperiode, niet allebei en niet geen van beide"
    )
    assert messages[("nl", 4)] == "geen online dienst om vanuit te beginnen"
    assert all(messages[("en", i)] != messages[("nl", i)] for i in range(len(cases)))


def test_dutch_help_is_dutch(capsys: pytest.CaptureFixture[str]) -> None:
    """`--lang nl check --help`: argparse's headings and every help text in Dutch."""
    code, out, _ = run(capsys, "--lang", "nl", "check", "--help")
    assert code == 0
    assert out.startswith("gebruik: ketenkaart check [-h]")
    assert "\nopties:\n" in out
    assert "\npositionele argumenten:\n" in out
    assert "peildatum, JJJJ-MM-DD (standaard: vandaag)" in out
    assert "usage" not in out and "options" not in out


def test_english_help_is_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    """English --help keeps argparse's words and the help texts of before."""
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0
    assert out.startswith("usage: ketenkaart check [-h] [--offering ID] [--at DATE | --period")
    assert "  --at DATE             evaluation date, YYYY-MM-DD (default: today)\n" in out
    assert "\noptions:\n  -h, --help            show this help message and exit\n" in out


SERVICE_COMMANDS = ("db", "workspace", "user", "member", "grant", "audit", "token", "serve")
SERVICE_COMMANDS += ("demo", "backup", "restore", "subscriptions", "notify", "history")
"""The service's commands (app/cli_admin.py): names, as the chain commands' are."""


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_no_word_of_the_help_misses_the_catalog(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str | None
) -> None:
    """Under the pseudo language, each word of the --help of ketenkaart and of its chain
    commands is marked, but the program's, commands' and options' names and the choices."""
    monkeypatch.setenv("KETENKAART_LANG", "pseudo")
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0
    assert i18n.OPEN in out
    text = re.sub(r"\{[^{}]*\}|(?<![\w-])--?[a-z][\w-]*", " ", out)
    assert unmarked(text, {"ketenkaart", "ID", *COMMANDS, *SERVICE_COMMANDS}) == []
