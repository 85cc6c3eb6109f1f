"""`ketenkaart diff OLD NEW`: what changed between two chain files, as text, Markdown, JSON and
XLSX, in English and Dutch, labels made harmless, with diff's exit statuses."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app import cli_diff
from app.cli_base import Parser
from app.views.diff import render_markdown, render_text, value_text
from app.views.markdown import md
from app.views.terminal import clean
from graph import i18n
from graph.diff import ABSENT, diff
from importers.chainfile import dump_plain, load_chain
from tests.app.test_cli_lang import DEMO, EXAMPLE
from tests.test_pseudo_cli import known_words, unmarked

needs_example = pytest.mark.skipif(not EXAMPLE.is_file(), reason="../shared/examples is not here")

EVIL = "=HYPERLINK(1)|<img src=x onerror=alert(1)> *x*\\e[2J"
"""A supplier name (YAML double-quoted: ``\\e`` is an escape) that would be a formula, markup,
a table's column break and a terminal's clear-screen if written as it is."""


def invoke(
    capsys: pytest.CaptureFixture[str], *argv: str, lang: str = "en"
) -> tuple[int, str, str]:
    """The command as :mod:`app.cli` runs it: its parser, then :func:`app.cli_diff.run`, in
    the language ``lang`` (what ``--lang`` chooses)."""
    with i18n.using(lang):
        parser = Parser(prog="ketenkaart")
        commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
        cli_diff.add_parser(commands, file=i18n.gettext("FILE"))
        try:
            code = cli_diff.run(parser.parse_args(argv), sys.stdout)
        except SystemExit as stop:
            code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """The worked example a year on: its CUEC no longer addressed, the Zeker-OnLine label of
    the backup gone, a new supplier with a hostile name, a new title."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  - id: kluis-zol")
    end = text.index("  - id:", start + 1)
    text = text[:start] + text[end:]
    text = text.replace('quarterly", addressed: true}', 'quarterly"}')
    text = text.replace(
        "  - {id: schoon,", f'  - {{id: zz-evil, name: "{EVIL}", country: NL}}\n  - {{id: schoon,'
    )
    text = text.replace("title: KidsPlan Online", "title: KidsPlan 2027 Online")
    assert text.count("zz-evil") == 1 and "kluis-zol\n" not in text
    path = tmp_path / "kinderopvang-2027.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_against_itself_has_no_difference(capsys: pytest.CaptureFixture[str]) -> None:
    """The same file on the same day: nothing listed, exit 0."""
    code, out, err = invoke(
        capsys, "diff", str(DEMO), str(DEMO), "--at-old", "2026-11-27", "--at-new", "2026-11-27"
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "What changed between the chain as checked on 2026-11-27 and as checked on 2026-11-27 "
        "(profile zeker-online):",
        "",
        "No differences.",
    ]


def test_the_same_file_a_year_later_lists_the_links_that_lapse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The demo chain a year on: no entity changed, the links whose verdict changes are listed
    with both verdicts and the new reasons; exit 1."""
    code, out, _ = invoke(
        capsys,
        "diff",
        str(DEMO),
        str(DEMO),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2027-11-27",
        "--format",
        "json",
    )
    assert code == 1
    document = json.loads(out)
    assert document["entities"] == []
    assert document["old_at"] == "2026-11-27" and document["new_at"] == "2027-11-27"
    assert document["links"]
    for link in document["links"]:
        assert link["change"] == "changed"
        assert (link["old"]["status"], link["old"]["verdict"]) != (
            link["new"]["status"],
            link["new"]["verdict"],
        )


@needs_example
def test_text_names_each_change_in_english(
    capsys: pytest.CaptureFixture[str], edited: Path
) -> None:
    """Links first, with statuses and reasons; then each entity with its changed values; the
    hostile name's escape sequence is a question mark."""
    code, out, _ = invoke(
        capsys,
        "diff",
        str(EXAMPLE),
        str(edited),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2026-11-27",
    )
    assert code == 1
    lines = out.splitlines()
    assert "2 links changed status or verdict:" in lines
    assert (
        "  KidsPlan Online (kidsplan-online) -> Polder Compute Amsterdam (polder-iaas-ams): "
        "ok -> conditional"
    ) in lines
    assert "      before: EQUIVALENT, polder-isae3402-2026" in lines
    assert "      after: CONDITIONAL, polder-isae3402-2026" in lines
    assert (
        "  Polder Compute Amsterdam (polder-iaas-ams) -> Kluis Offsite Backup (kluis-backup): "
        "ok -> gap"
    ) in lines
    assert "Entities: 1 added, 1 removed, 2 changed" in lines
    assert "  - evidence kluis-zol" in lines
    assert "      valid_until: 2027-01-31" in lines
    assert "  ~ evidence polder-isae3402-2026" in lines
    assert "      cuecs[0].addressed: true -> false" in lines
    assert any(line.startswith("  ~ the chain KidsPlan 2027 Online") for line in lines)
    assert "\x1b" not in out
    assert "  + supplier =HYPERLINK(1)|<img src=x onerror=alert(1)> *x*?[2J (zz-evil)" in lines


@needs_example
def test_text_in_dutch(capsys: pytest.CaptureFixture[str], edited: Path) -> None:
    """Dutch dates, statuses, change words and headings; ids and paths as they are."""
    code, out, _ = invoke(
        capsys,
        "diff",
        str(EXAMPLE),
        str(edited),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2026-11-27",
        lang="nl",
    )
    assert code == 1
    assert out.startswith("Wat veranderde tussen de keten zoals getoetst op 27 november 2026 ")
    assert "(kluis-backup): in orde -> leemte\n" in out
    assert "      eerder: EQUIVALENT, polder-isae3402-2026\n" in out
    assert "Entiteiten: 1 toegevoegd, 1 verwijderd, 2 gewijzigd\n" in out
    assert "  - bewijsstuk kluis-zol\n" in out
    assert "  + leverancier =HYPERLINK" in out
    assert "      cuecs[0].addressed: true -> false\n" in out
    assert "2 schakels veranderden van status of beoordeling:\n" in out


@needs_example
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_markdown_escapes_every_label(
    capsys: pytest.CaptureFixture[str], edited: Path, lang: str
) -> None:
    """A section for the scoping report: a table of links and one of changed values, each
    label escaped so that the hostile name stays text in any Markdown renderer."""
    code, out, _ = invoke(
        capsys,
        "diff",
        str(EXAMPLE),
        str(edited),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2026-11-27",
        "--format",
        "markdown",
        lang=lang,
    )
    assert code == 1
    assert out.startswith("## ")
    assert "<img" not in out and "\x1b" not in out
    assert "=HYPERLINK(1)\\|&lt;img src=x onerror=alert(1)&gt; \\*x\\*?\\[2J" in out
    row = next(line for line in out.splitlines() if "cuecs" in line)
    assert row.endswith(" | cuecs\\[0\\].addressed | true | false |")
    if lang == "nl":
        assert "### Schakels" in out and "### Entiteiten" in out
        assert row.startswith("| gewijzigd | bewijsstuk polder-isae3402-2026 |")
        assert "| in orde: `EQUIVALENT`, `kluis-zol` | leemte: `NO_EVIDENCE` |" in out
    else:
        assert "### Links" in out and "### Entities" in out
        assert row.startswith("| changed | evidence polder-isae3402-2026 |")
        assert "| ok: `EQUIVALENT`, `kluis-zol` | gap: `NO_EVIDENCE` |" in out


@needs_example
@pytest.mark.parametrize(
    ("lang", "sheets", "first"),
    [("en", ["Entities", "Links"], "Change"), ("nl", ["Entiteiten", "Schakels"], "Wijziging")],
)
def test_xlsx_has_a_sheet_of_entities_and_one_of_links(
    capsys: pytest.CaptureFixture[str],
    edited: Path,
    tmp_path: Path,
    lang: str,
    sheets: list[str],
    first: str,
) -> None:
    """The workbook: a row per changed value and per changed link, headings in the language,
    a name that looks like a formula kept as text."""
    target = tmp_path / "changes.xlsx"
    code, out, err = invoke(
        capsys,
        "diff",
        str(EXAMPLE),
        str(edited),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2026-11-27",
        "--format",
        "xlsx",
        "--output",
        str(target),
        lang=lang,
    )
    assert (code, out, err) == (1, "", "")
    book = load_workbook(io.BytesIO(target.read_bytes()))
    assert book.sheetnames == sheets
    entities = list(book[sheets[0]].iter_rows(values_only=True))
    assert entities[0][0] == first
    evil = [row for row in entities if row[2] == "zz-evil"]
    assert evil and all(row[1] == "suppliers" for row in evil)
    names = [row[6] for row in evil if row[4] == "name"]
    assert names and names[0].startswith("'=HYPERLINK(1)")
    assert ("cuecs[0].addressed", "true", "false") in {row[4:7] for row in entities}
    links = list(book[sheets[1]].iter_rows(values_only=True))
    assert len(links) == 3
    backup = next(row for row in links if row[2] == "kluis-backup")
    assert backup[6:8] == ("EQUIVALENT", "kluis-zol") and backup[10:12] == ("NO_EVIDENCE", None)


def test_xlsx_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A workbook is not written to a terminal: exit 2, the reason on stderr."""
    code, out, err = invoke(capsys, "diff", str(DEMO), str(DEMO), "--format", "xlsx")
    assert (code, out) == (2, "")
    assert "--format xlsx writes a workbook: name the file with --output FILE" in err


def test_output_writes_the_file_and_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--output writes the report there; stdout stays empty."""
    target = tmp_path / "diff.md"
    code, out, _ = invoke(
        capsys,
        "diff",
        str(DEMO),
        str(DEMO),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2027-11-27",
        "--format",
        "markdown",
        "--output",
        str(target),
    )
    assert (code, out) == (1, "")
    assert target.read_text(encoding="utf-8").startswith("## Changes from 2026-11-27 to 2027-11-27")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--at-old", "27-11-2026"), "--at-old '27-11-2026' is not a calendar date YYYY-MM-DD"),
        (("--at-new", "2027-02-30"), "--at-new '2027-02-30' is not a calendar date YYYY-MM-DD"),
        (("--profile", "nope"), "unknown profile 'nope'"),
    ],
)
def test_unusable_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    """A wrong date or profile: exit 2, the error on stderr, nothing on stdout."""
    code, out, err = invoke(capsys, "diff", str(DEMO), str(DEMO), *argv)
    assert (code, out) == (2, "")
    assert message in err


def test_unreadable_or_invalid_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A missing file and a file that is no chain are usage errors, each named."""
    code, out, err = invoke(capsys, "diff", str(tmp_path / "nope.yaml"), str(DEMO))
    assert (code, out) == (2, "")
    assert "nope.yaml: cannot read:" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("ketenkaart: 1\nofferings: [nope]\n", encoding="utf-8")
    code, out, err = invoke(capsys, "diff", str(DEMO), str(broken), lang="nl")
    assert (code, out) == (2, "")
    assert "broken.yaml" in err and "nope" in err


def test_a_missing_argument_is_argparse_s_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """One file only: argparse's error naming the missing file, exit 2."""
    code, out, err = invoke(capsys, "diff", str(DEMO))
    assert (code, out) == (2, "")
    assert "the following arguments are required: NEW" in err


def test_a_profile_the_later_file_defines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--profile names a profile the later file defines: both checks judge by it."""
    text = DEMO.read_text(encoding="utf-8")
    later = tmp_path / "later.yaml"
    later.write_text(
        text + "\nprofiles:\n  - {id: strict, extends: zeker-online, max_age_months: 1}\n",
        encoding="utf-8",
    )
    code, out, _ = invoke(
        capsys,
        "diff",
        str(DEMO),
        str(later),
        "--profile",
        "strict",
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2026-11-27",
        "--format",
        "json",
    )
    document = json.loads(out)
    assert code == 1 and document["profile"] == "strict"
    assert [e["section"] for e in document["entities"]] == ["profiles"]
    assert document["links"] == []


def test_who_and_when_are_shown_where_a_caller_knows_them() -> None:
    """An entity change that carries who made it and when (a register's trail) shows both in
    text and in two more Markdown columns; a file's changes have neither column."""
    old = load_chain(DEMO.read_bytes())
    new = replace(old, title="LoonWolk 2027")
    day = date(2026, 11, 27)
    changes = diff(old, new, old_at=day, new_at=day, plain=dump_plain)
    assert "| By |" not in render_markdown(changes, old, new)
    when = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
    known = replace(
        changes, entities=tuple(replace(e, by="ann|b", at=when) for e in changes.entities)
    )
    markdown = render_markdown(known, old, new)
    assert "| Change | Entity | Field | Before | After | By | When |" in markdown
    assert markdown.rstrip().endswith("| LoonWolk 2027 | ann\\|b | 2027-01-05T09:30:00+00:00 |")
    assert "  ~ the chain LoonWolk 2027 (ann|b, 2027-01-05T09:30:00+00:00)\n" in render_text(
        known, old, new
    )


@needs_example
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_no_english_misses_the_catalog(
    capsys: pytest.CaptureFixture[str], edited: Path, fmt: str
) -> None:
    """In the pseudo-language every word is marked, or a name, id, code, field or value of
    the chains (tests/test_pseudo_cli.py's checker); in English the same checker finds words."""
    old = load_chain(EXAMPLE.read_bytes())
    new = load_chain(edited.read_bytes())
    known = known_words(old) | known_words(new) | {"true", "false"}  # the file's own words
    for change in diff(
        old, new, old_at=date(2026, 11, 27), new_at=date(2026, 11, 27), plain=dump_plain
    ).entities:
        known |= {f.field for f in change.fields}
        known |= {value_text(v) for f in change.fields for v in (f.old, f.new) if v is not ABSENT}
    known |= {md(word) for word in known} | {md(clean(word)) for word in known}
    known |= {clean(word) for word in known}
    argv = (
        "diff",
        str(EXAMPLE),
        str(edited),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2026-11-27",
        "--format",
        fmt,
    )
    code, out, _ = invoke(capsys, *argv, lang="pseudo")
    assert code == 1 and i18n.OPEN in out
    assert unmarked(out, known) == []
    assert unmarked(invoke(capsys, *argv)[1], known)


def test_a_link_only_one_file_has_reads_not_reached(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A link the later file adds is listed from 'not reached' to its status, its dependency
    as an added link with its role."""
    later = tmp_path / "later.yaml"
    later.write_text(
        DEMO.read_text(encoding="utf-8").replace(
            "dependencies:\n",
            "dependencies:\n  - {from: loonwolk-online, to: dijk-ams1, role: spare rack}\n",
        ),
        encoding="utf-8",
    )
    code, out, _ = invoke(
        capsys, "diff", str(DEMO), str(later), "--at-old", "2026-11-27", "--at-new", "2026-11-27"
    )
    assert code == 1
    lines = out.splitlines()
    assert (
        "  LoonWolk Online (loonwolk-online) -> Dijk AMS1 colocation (dijk-ams1): "
        "not reached -> gap" in lines
    )
    assert "  + link LoonWolk Online (loonwolk-online) -> Dijk AMS1 colocation (dijk-ams1)" in lines
    assert "      role: spare rack" in lines


def test_a_workbook_too_large_for_excel_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than a worksheet holds: exit 2 and a pointer to JSON, no file written."""
    monkeypatch.setattr("app.views.diff.MAX_ROWS", 2)
    target = tmp_path / "changes.xlsx"
    code, out, err = invoke(
        capsys,
        "diff",
        str(DEMO),
        str(DEMO),
        "--at-old",
        "2026-11-27",
        "--at-new",
        "2027-11-27",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert (code, out) == (2, "")
    assert "rows do not fit a worksheet (at most 1); use --format json instead" in err
    assert not target.exists()
