"""The text table of `ketenkaart check` fits the terminal it is shown on (issue 10, item 6)."""

from __future__ import annotations

import io
import itertools
import os
import pty
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from app.views.terminal import render_text, terminal_width
from graph.coverage import check
from graph.profiles import ZEKER_ONLINE
from importers.chainfile import load_chains

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"
AT = date(2026, 11, 27)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def demo_text(width: int, *, colour: bool = False) -> str:
    chain = load_chains([(str(DEMO), DEMO.read_bytes())])
    return render_text(check(chain, at=AT), chain, colour=colour, width=width, profile=ZEKER_ONLINE)


def ids_of_demo() -> set[str]:
    chain = load_chains([(str(DEMO), DEMO.read_bytes())])
    return {*chain.services, *chain.evidence, *chain.suppliers}


@pytest.mark.parametrize("width", [80, 100, 132, 200])
def test_no_line_is_wider_than_the_terminal(width: int) -> None:
    """Every line fits the width, colour codes not counted."""
    for line in demo_text(width, colour=True).splitlines():
        assert len(ANSI.sub("", line)) <= width, line


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_no_id_is_split_across_lines(width: int) -> None:
    """A hyphenated id such as `postduif-relay` is never broken at its hyphen: no line ends in
    the first part of an id whose rest starts the next line."""
    lines = [line.strip() for line in demo_text(width).splitlines()]
    ids = ids_of_demo()
    for line, following in itertools.pairwise(lines):
        last, first = line.rsplit(" ", 1)[-1], following.split(" ", 1)[0]
        for ident in ids:
            head, _, tail = ident.partition("-")
            if tail and last.endswith(f"{head}-") and ident.startswith(last.lstrip("(") + first):
                pytest.fail(f"{ident!r} split between {line!r} and {following!r}")


def test_at_80_columns_the_evidence_moves_under_its_link_and_ids_stay_whole() -> None:
    """At 80 columns the demo's links are shown whole, the evidence on a line of its own."""
    text = demo_text(80)
    assert "loonwolk-online -> stratus-compute-ams" in text
    assert "evidence: stratus-isae3402-pg" in text
    assert "\u2026" not in text.split("\n", 1)[1]  # only the title may be cut


def test_on_a_wide_terminal_the_evidence_is_a_column() -> None:
    """With room, the table keeps its EVIDENCE column and has no evidence lines."""
    text = demo_text(160)
    header = next(line for line in text.splitlines() if line.startswith("RANK"))
    assert header.split() == ["RANK", "LINK", "STATUS", "VERDICT", "EVIDENCE"]
    assert not [line for line in text.splitlines() if line.lstrip().startswith("evidence: ")]


def test_a_narrow_terminal_cuts_long_ids_with_an_ellipsis() -> None:
    """Too narrow for a whole link: each side is cut short with an ellipsis, one row a link."""
    text = demo_text(40)
    rows = [line for line in text.splitlines() if re.match(r"^\d+ {2,}", line)]
    assert len(rows) == 10
    assert any("\u2026 -> " in row for row in rows)
    assert all(len(row) <= 40 for row in rows)


def test_terminal_width_is_80_when_not_a_terminal() -> None:
    """Piped into a file or another program, the table is 80 columns wide."""
    assert terminal_width(io.StringIO()) == 80


def test_the_command_fits_80_columns_in_a_pipe() -> None:
    """`ketenkaart check` into a pipe writes no line wider than 80, whatever COLUMNS says."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "check", str(DEMO), "--at", "2026-11-27"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_the_command_fits_the_terminal_it_runs_in() -> None:
    """On a terminal 60 columns wide (a pseudo-terminal), no line is wider than 60."""
    env = {**os.environ, "COLUMNS": "60", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    command = [sys.executable, "-m", "app.cli", "check", str(DEMO), "--at", "2026-11-27"]
    parent, child = pty.openpty()
    with subprocess.Popen(command, stdout=child, stderr=child, env=env, cwd=ROOT) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(parent)
    lines = b"".join(chunks).decode("utf-8").replace("\r\n", "\n").splitlines()
    assert any(line.startswith("RANK") for line in lines)
    assert max(len(ANSI.sub("", line)) for line in lines) <= 60


def test_an_ok_link_says_why_it_is_ok() -> None:
    """An EQUIVALENT link has no reason to show, so its basis stands under it instead: what the
    evidence is, its period, the opinion and who gave it. A link with reasons keeps only those."""
    lines = demo_text(100).splitlines()
    row = lines.index(next(line for line in lines if "-> stratus-compute-ams" in line))
    block = " ".join(line.strip() for line in lines[row + 1 : row + 6])
    assert block.startswith("why ok: SOC 2 report, type 2, held by Stratus Cloud Nederland B.V.")
    assert "period 2025-10-01 to 2026-09-30" in block
    assert "counts until 2027-09-30" in block  # the day this link stops being ok
    assert "unqualified opinion, reasonable assurance" in block
    assert "by Voorbeeld Assurance N.V. (RE)" in block
    why = [line for line in lines if line.lstrip().startswith("why ok: ")]
    equivalent = [line for line in lines if re.match(r"^\d+ .* EQUIVALENT\b", line)]
    assert len(why) == len(equivalent) >= 1  # one for each ok link judged EQUIVALENT, no more
