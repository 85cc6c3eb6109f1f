"""`ketenkaart forecast`: the days on which links change status, as text, Markdown and JSON, in
English and Dutch, with the exit status a cron job acts on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app.test_cli_lang import DEMO, EXAMPLE, run

needs_example = pytest.mark.skipif(not EXAMPLE.is_file(), reason="../shared/examples is not here")


@needs_example
def test_the_worked_example_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    """Each change on its own line with its date and the sentence for the new status; the
    links that keep theirs after it; exit 1, as links turn to gaps."""
    code, out, _ = run(capsys, "forecast", str(EXAMPLE), "--at", "2026-11-27")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "What changes from 2026-11-27 to 2027-11-27 if no new evidence arrives "
        "(profile zeker-online):"
    )
    assert lines[2] == (
        "2027-02-01  Polder Compute Amsterdam (polder-iaas-ams) -> Kluis Offsite Backup "
        "(kluis-backup): ok -> gap"
    )
    assert "was valid until 2027-01-31, before 2027-02-01." in lines[3]
    assert [line[:10] for line in lines[2:8:2]] == ["2027-02-01", "2027-04-01", "2027-07-01"]
    assert "4 links keep their status:" in lines


@needs_example
def test_the_worked_example_in_dutch(capsys: pytest.CaptureFixture[str]) -> None:
    """Dutch dates, statuses and sentences; the same exit status."""
    code, out, _ = run(capsys, "forecast", str(EXAMPLE), "--at", "2026-11-27", "--lang", "nl")
    assert code == 1
    assert out.startswith("Wat verandert van 27 november 2026 tot en met 27 november 2027 ")
    assert "1 april 2027  KidsPlan Online (kidsplan-online) -> Nimbus App Platform " in out
    assert ": voorwaardelijk -> leemte\n" in out
    assert "4 schakels houden hun status:" in out


@needs_example
def test_json_is_the_same_in_both_languages_but_for_the_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The JSON names every link with its status on the date and its changes; a Dutch run
    differs only in the reasons' messages."""
    args = ("forecast", str(EXAMPLE), "--at", "2026-11-27", "--format", "json")
    english = json.loads(run(capsys, *args)[1])
    dutch = json.loads(run(capsys, *args, "--lang", "nl")[1])
    changed = {(x["from"], x["to"]): [c["on"] for c in x["changes"]] for x in english["links"]}
    assert changed[("kidsplan-online", "nimbus-apps")] == ["2027-04-01"]
    assert changed[("kidsplan-online", "nimbus-mail")] == []
    for link in dutch["links"]:
        for change in link["changes"]:
            for reason in change["reasons"]:
                reason["message"] = "-"
    for link in english["links"]:
        for change in link["changes"]:
            for reason in change["reasons"]:
                reason["message"] = "-"
    assert dutch == english


def test_nothing_turns_worse_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """Ten days ahead nothing in the demo chain lapses: it says so and exits 0."""
    code, out, _ = run(capsys, "forecast", str(DEMO), "--at", "2026-11-27", "--days", "10")
    assert code == 0
    assert "No link changes status." in out


def test_markdown_escapes_labels(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A service name with Markdown in it is shown as text in the report's table."""
    chain = DEMO.read_text().replace(
        "name: Stratus Compute Amsterdam,", "name: '**Stratus** | <b>x</b>',"
    )
    assert chain != DEMO.read_text()
    target = tmp_path / "chain.yaml"
    target.write_text(chain)
    code, out, _ = run(
        capsys, "forecast", str(target), "--at", "2026-11-27", "--format", "markdown"
    )
    assert code in (0, 1)
    assert "**Stratus**" not in out and "<b>" not in out
    assert r"\*\*Stratus\*\* \| &lt;b&gt;x&lt;/b&gt;" in out


@pytest.mark.parametrize("days", ["0", "3661", "many"])
def test_days_outside_the_range_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], days: str
) -> None:
    """--days outside 1..3660 exits 2 with a message that names the option."""
    try:
        code, out, err = run(capsys, "forecast", str(DEMO), "--days", days)
    except SystemExit as stopped:  # argparse refuses a word itself
        code, (out, err) = stopped.code, capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "--days" in err


def test_a_link_no_longer_included_says_why_first(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's backup is included in Stratus Compute's SOC 2 report until it goes stale;
    its own keurmerk lapsed in January: the change in October says the report's reason
    first, then the keurmerk's."""
    code, out, _ = run(capsys, "forecast", str(DEMO), "--at", "2026-11-27")
    assert code == 1
    lines = out.splitlines()
    (at,) = [i for i, line in enumerate(lines) if "-> VeiligOpslag Offsite Backup" in line]
    assert lines[at].startswith("2027-10-01  Stratus Compute Amsterdam (stratus-compute-ams)")
    assert lines[at + 1].startswith(
        "    The report of Stratus Compute Amsterdam (stratus-compute-ams) that included it no "
        "longer counts: SOC 2 report stratus-soc2-2026 "
    )
    assert lines[at + 1].endswith("is stale on 2027-10-01.")
    assert "veilig-zol" in lines[at + 2] and "was valid until 2027-01-14" in lines[at + 2]
