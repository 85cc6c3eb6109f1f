"""`ketenkaart --lang nl|en` and KETENKAART_LANG: the whole command in one language."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"
EXAMPLE = ROOT.parent / "shared" / "examples" / "kinderopvang.yaml"
GOLDEN = ROOT / "tests" / "data" / "markdown" / "kinderopvang.nl.md"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ("--lang", "nl", "check", str(DEMO), "--at", "2026-11-27"),
        ("check", str(DEMO), "--at", "2026-11-27", "--lang", "nl"),
        ("--lang", "en", "check", str(DEMO), "--at", "2026-11-27", "--lang", "nl"),
    ],
)
def test_lang_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    """`--lang nl` works on either side of the command's name; the command's own wins."""
    code, out, _ = run(capsys, *argv)
    assert code == 1
    assert "Beoordeling van de keten: LEEMTE" in out
    assert "op 27 november 2026" in out
    assert "Chain verdict" not in out


def test_the_environment_chooses_and_lang_overrides(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """KETENKAART_LANG, then the locale, choose the language; `--lang` overrides them."""
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    assert "Bevindingen" in run(capsys, "check", str(DEMO), "--at", "2026-11-27")[1]
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert "Findings" in run(capsys, "check", str(DEMO), "--at", "2026-11-27")[1]
    monkeypatch.setenv("KETENKAART_LANG", "nl")
    assert "Bevindingen" in run(capsys, "check", str(DEMO), "--at", "2026-11-27")[1]
    out = run(capsys, "check", str(DEMO), "--at", "2026-11-27", "--lang", "en")[1]
    assert "Findings" in out


def test_an_unknown_language_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """KETENKAART_LANG=fr exits 2 naming the choices; `--lang fr` is refused by argparse."""
    monkeypatch.setenv("KETENKAART_LANG", "fr")
    code, out, err = run(capsys, "validate", str(DEMO))
    assert (code, out) == (2, "")
    assert "KETENKAART_LANG='fr'" in err
    assert "en, nl" in err
    with pytest.raises(SystemExit) as exit_:
        main(["--lang", "fr", "validate", str(DEMO)])
    assert exit_.value.code == 2


def test_the_clis_own_errors_and_summaries_are_dutch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Errors the command line writes itself, and the validate summary, follow --lang."""
    missing = tmp_path / "weg.yaml"
    code, _, err = run(capsys, "check", str(missing), "--lang", "nl")
    assert code == 2
    assert err.startswith(f"ketenkaart: fout: {missing}: kan niet lezen: ")
    code, _, err = run(capsys, "check", str(DEMO), "--format", "xlsx", "--lang", "nl")
    assert "schrijft een werkmap" in err
    code, _, err = run(capsys, "check", str(DEMO), "--period", "2026", "--lang", "nl")
    assert code == 2
    assert err.startswith("ketenkaart: fout: --period ")
    code, _, err = run(capsys, "check", str(DEMO), "--at", "27-11-2026", "--lang", "nl")
    assert err == "ketenkaart: fout: --at '27-11-2026' is geen kalenderdatum JJJJ-MM-DD\n"
    code, out, _ = run(capsys, "validate", str(DEMO), "--lang", "nl")
    assert out == (
        f"{DEMO}: geldig: 1 online dienst, 10 leveranciers, 10 diensten, 10 afhankelijkheden, "
        "8 bewijsstukken, 0 profielen\n"
    )


def _without_messages(value: Any) -> Any:
    """The JSON with every ``message`` text left out."""
    if isinstance(value, dict):
        return {k: _without_messages(v) for k, v in value.items() if k != "message"}
    if isinstance(value, list):
        return [_without_messages(v) for v in value]
    return value


def _messages(value: Any) -> list[str]:
    """Every ``message`` text of the JSON, in document order."""
    if isinstance(value, dict):
        own = [value["message"]] if "message" in value else []
        return own + [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return []


@pytest.mark.parametrize("when", [("--at", "2026-11-27"), ("--period", "2026-01-01..2026-10-31")])
def test_json_differs_only_in_its_messages(
    capsys: pytest.CaptureFixture[str], when: tuple[str, str]
) -> None:
    """A Dutch and an English run give the same JSON but for the `message` texts."""
    english = json.loads(run(capsys, "check", str(DEMO), *when, "--format", "json")[1])
    dutch = json.loads(
        run(capsys, "check", str(DEMO), *when, "--format", "json", "--lang", "nl")[1]
    )
    assert _without_messages(dutch) == _without_messages(english)
    pairs = list(zip(_messages(english), _messages(dutch), strict=True))
    assert pairs
    assert all(en != nl for en, nl in pairs if not en.startswith("No access"))


def test_the_dutch_scoping_report_is_its_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    """The Dutch Markdown report of kinderopvang.yaml is, byte for byte, kinderopvang.nl.md
    (but for the version line)."""
    if not EXAMPLE.is_file():
        pytest.skip(f"{EXAMPLE} does not exist")
    code, out, _ = run(
        capsys, "check", str(EXAMPLE), "--at", "2026-11-27", "--format", "markdown", "--lang", "nl"
    )
    assert code == 1
    generated = f"- Gemaakt met ketenkaart {version('ketenkaart')}\n"
    assert generated in out
    assert out.replace(generated, "- Gemaakt met ketenkaart VERSION\n") == GOLDEN.read_text(
        encoding="utf-8"
    )


def _loaded(language: str, fmt: str) -> set[str]:
    code = (
        "import contextlib, io, json, sys\nfrom app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', {str(DEMO)!r}, '--at', '2026-11-27', '--format', {fmt!r},"
        f" '--lang', {language!r}])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_english_loads_no_babel_and_dutch_no_more_than_babel() -> None:
    """An English check pays nothing for the languages; a Dutch one loads Babel, not Jinja."""
    assert "babel" not in _loaded("en", "text")
    dutch = _loaded("nl", "text")
    assert "babel" in dutch
    assert "jinja2" not in dutch


def test_a_registers_headings_follow_the_language_unless_chosen(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`export --format register-csv` writes Dutch headings under --lang nl; --language wins."""
    english = run(capsys, "export", str(DEMO), "--format", "register-csv")[1]
    dutch = run(capsys, "export", str(DEMO), "--format", "register-csv", "--lang", "nl")[1]
    chosen = run(
        capsys, "export", str(DEMO), "--format", "register-csv", "--lang", "nl", "--language", "en"
    )[1]
    assert english.lstrip("\ufeff").startswith("Supplier,")
    assert dutch.lstrip("\ufeff").startswith("Leverancier;")
    assert chosen == english
