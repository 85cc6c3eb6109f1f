"""`ketenkaart check` and `ketenkaart validate` as a user runs them."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"

SMALL = """\
ketenkaart: 1
offerings: [app]
suppliers:
  - {id: acme, name: Acme B.V.}
  - {id: host, name: "Host <b>&</b> Co | NL"}
services:
  - {id: app, name: App, supplier: acme, kind: saas, locations: [NL]}
  - {id: vm, name: VM, supplier: host, kind: iaas, locations: [NL]}
dependencies:
  - {from: app, to: vm, role: hosting}
evidence:
  - id: host-soc2
    scheme: soc2
    type: 2
    holder: host
    covers: [vm]
    period: {from: 2025-07-01, to: 2026-06-30}
    criteria: [security, availability]
    exceptions: [{criterion: CC6.1, description: one late review}]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_demo_chain_has_a_gap_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo chain checked at 2026-11-27 has gaps: exit 1 and a readable table."""
    code, out, err = run(capsys, "check", str(DEMO), "--at", "2026-11-27")
    assert code == 1
    assert err == ""
    assert "Chain verdict: GAP" in out
    assert "loonwolk-online -> postduif-relay" in out
    assert "self-declared:" in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_json_output_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints the verdicts.md document on one line."""
    code, out, _ = run(capsys, "check", str(DEMO), "--at", "2026-11-27", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert list(doc) == [
        "offerings",
        "profile",
        "at",
        "period",
        "verdict",
        "links",
        "findings",
        "summary",
    ]
    assert doc["at"] == "2026-11-27" and doc["period"] is None and doc["verdict"] == "gap"
    assert out.count("\n") == 1
    verdicts = {(link["from"], link["to"]): link["verdict"] for link in doc["links"]}
    assert verdicts[("loonwolk-online", "stratus-compute-ams")] == "EQUIVALENT"
    assert verdicts[("stratus-compute-ams", "veilig-backup")] == "INCLUDED"
    assert verdicts[("loonwolk-online", "stratus-postgres")] == "CONDITIONAL"
    assert verdicts[("stratus-compute-ams", "dijk-ams1")] == "SUPPORTING_ONLY"
    assert verdicts[("loonwolk-online", "renderpeak-pdf")] == "INSUFFICIENT_DATA"
    assert verdicts[("wacht-soc", "sleutel-hsm")] == "NO_EVIDENCE"
    assert verdicts[("loonwolk-online", "kantoor-catering")] == "OUT_OF_SCOPE"


def test_json_is_byte_identical_between_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The same input gives byte-identical JSON."""
    first = run(capsys, "check", str(DEMO), "--at", "2026-11-27", "--format", "json")[1]
    second = run(capsys, "check", str(DEMO), "--at", "2026-11-27", "--format", "json")[1]
    assert first == second


def test_conditional_chain_exits_0_and_1_with_strict(
    capsys: pytest.CaptureFixture[str], small: Path
) -> None:
    """A conditional chain passes, except with --strict."""
    assert run(capsys, "check", str(small), "--at", "2026-11-27")[0] == 0
    assert run(capsys, "check", str(small), "--at", "2026-11-27", "--strict")[0] == 1


def test_ok_chain_exits_0_even_with_strict(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    """A chain whose every link is ok exits 0 with --strict."""
    clean = small.read_text(encoding="utf-8").replace(
        "    exceptions: [{criterion: CC6.1, description: one late review}]\n", ""
    )
    small.write_text(clean, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(small), "--at", "2026-11-27", "--strict")
    assert code == 0
    assert "Chain verdict: OK" in out


def test_period_mode_lists_uncovered_days(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    """--period judges the days of the audit period and lists those nothing covers."""
    code, out, _ = run(
        capsys, "check", str(small), "--period", "2026-01-01..2026-12-31", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 1
    assert doc["at"] is None and doc["period"] == {"from": "2026-01-01", "to": "2026-12-31"}
    (link,) = doc["links"]
    assert link["verdict"] == "NOT_EQUIVALENT"
    assert link["uncovered"] == [{"from": "2026-07-01", "to": "2026-12-31"}]


def test_offering_option_starts_elsewhere(capsys: pytest.CaptureFixture[str]) -> None:
    """--offering may name any service and replaces the file's offerings."""
    _, out, _ = run(
        capsys,
        "check",
        str(DEMO),
        "--at",
        "2026-11-27",
        "--format",
        "json",
        "--offering",
        "wacht-soc",
    )
    doc = json.loads(out)
    assert doc["offerings"] == ["wacht-soc"]
    assert [(link["from"], link["to"]) for link in doc["links"]] == [("wacht-soc", "sleutel-hsm")]


def test_profile_from_a_profile_file(
    capsys: pytest.CaptureFixture[str], small: Path, tmp_path: Path
) -> None:
    """--profile FILE reads a profile file; its thresholds change the verdict."""
    profile = tmp_path / "strict.yaml"
    profile.write_text(
        "ketenkaart: 1\nprofiles:\n  - {id: strict, extends: zeker-online, "
        "min_period_months: 13}\n",
        encoding="utf-8",
    )
    _, out, _ = run(
        capsys,
        "check",
        str(small),
        "--at",
        "2026-11-27",
        "--profile",
        str(profile),
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert doc["profile"] == "strict"
    assert doc["links"][0]["reasons"][0]["code"] == "period-too-short"


def test_markdown_report_escapes_labels(capsys: pytest.CaptureFixture[str], small: Path) -> None:
    """The Markdown report names date and profile, and no label can inject HTML or markup."""
    _, out, _ = run(capsys, "check", str(small), "--at", "2026-11-27", "--format", "markdown")
    assert out.startswith("# Scoping report: App\n")
    assert "- Evaluated at: 2026-11-27" in out
    assert "`zeker-online`" in out
    assert "## Conditional: links covered on conditions (1)" in out
    assert "Host &lt;b&gt;&amp;&lt;/b&gt; Co \\| NL" in out
    assert "<b>" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "missing.yaml"], "missing.yaml: cannot read"),
        (["check", "{small}", "--at", "2026-02-30"], "--at '2026-02-30' is not a calendar date"),
        (["check", "{small}", "--period", "2026-12-31..2026-01-01"], "starts (2026-12-31) after"),
        (["check", "{small}", "--period", "2026"], "is not FROM..TO"),
        (
            ["check", "{small}", "--at", "2026-01-01", "--period", "2026-01-01..2026-02-01"],
            "not allowed with argument",
        ),
        (["check", "{small}", "--offering", "nope"], "unknown offering 'nope'"),
        (["check", "{small}", "--profile", "nope"], "unknown profile 'nope'"),
        (["check", "{small}", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["check"], "the following arguments are required: FILE"),
    ],
)
def test_unusable_arguments_exit_2_with_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str], small: Path, argv: list[str], message: str
) -> None:
    """Unusable input or arguments: exit 2, the error on stderr, nothing on stdout."""
    argv = [a.replace("{small}", str(small)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own errors
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err


def test_invalid_chain_lists_every_error_with_its_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A broken chain file: every error on stderr as FILE:LINE: path: message, exit 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SMALL.replace("supplier: host", "supplier: hots").replace("kind: saas", "kind: sas"),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(bad), "--at", "2026-11-27")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert any(line.startswith(f"{bad}:8: services[1].supplier:") for line in lines), err
    assert any(line.startswith(f"{bad}:7: services[0].kind:") for line in lines), err


def test_validate_says_the_file_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """validate on a good file says so and exits 0."""
    code, out, err = run(capsys, "validate", str(DEMO))
    assert code == 0 and err == ""
    assert f"{DEMO}: valid: 1 offering, 10 suppliers, 10 services" in out


def test_validate_merges_files_so_references_may_cross(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Files given together are merged by id: a service may name a supplier of another file."""
    own = tmp_path / "own.yaml"
    own.write_text(
        "ketenkaart: 1\nofferings: [app]\nsuppliers: [{id: acme, name: Acme}]\n"
        "services: [{id: app, name: App, supplier: acme, kind: saas}]\n"
        "dependencies: [{from: app, to: vm}]\n",
        encoding="utf-8",
    )
    host = tmp_path / "host.yaml"
    host.write_text(
        "ketenkaart: 1\nofferings: [vm]\nsuppliers: [{id: host, name: Host}]\n"
        "services: [{id: vm, name: VM, supplier: host, kind: iaas}]\n",
        encoding="utf-8",
    )
    assert run(capsys, "validate", str(own))[0] == 2
    code, out, _ = run(capsys, "validate", str(own), str(host))
    assert code == 0
    assert "2 services" in out


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    """The installed command answers bad YAML with a located error, not a traceback."""
    bad = tmp_path / "broken.yaml"
    bad.write_text("ketenkaart: 1\nofferings: [app\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"{bad}:")
    assert "Traceback" not in done.stderr


def test_colour_when_forced(
    capsys: pytest.CaptureFixture[str], small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FORCE_COLOR colours the status column; NO_COLOR wins over it."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[33mconditional" in run(capsys, "check", str(small), "--at", "2026-11-27")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "check", str(small), "--at", "2026-11-27")[1]


def test_terminal_escapes_in_labels_are_neutralised(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A title with a terminal escape sequence cannot reach the terminal."""
    path = tmp_path / "evil.yaml"
    path.write_text(SMALL.replace("offerings:", 'title: "x\\e[2Jy"\nofferings:'), encoding="utf-8")
    _, out, _ = run(capsys, "check", str(path), "--at", "2026-11-27")
    assert "\x1b[2J" not in out
    assert "x?[2Jy" in out


def test_the_garbage_collector_is_on_again_after_a_run(
    capsys: pytest.CaptureFixture[str], small: Path
) -> None:
    """main() pauses the cyclic collector for speed and restores it, also after an error."""
    assert gc.isenabled()
    run(capsys, "check", str(small), "--at", "2026-11-27")
    run(capsys, "check", "missing.yaml")
    assert gc.isenabled()


def test_the_console_script_never_collects_during_a_check(small: Path) -> None:
    """The installed command ends at os._exit, so it never switches the collector back on: a
    collection after the check would walk every object the check made (a sixth of the time of
    a 20,000-service check). The collections are counted from the command's start, after the
    arguments are parsed."""
    probe = (
        "import gc, sys\n"
        "import app.cli\n"
        "seen = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and seen.append(phase))\n"
        "lean = app.cli._lean\n"
        "def counted(*args):\n"
        "    seen.clear()\n"
        "    return lean(*args)\n"
        "app.cli._lean = counted\n"
        "import atexit, os\n"
        "real_exit = os._exit\n"
        "def ending(code):\n"
        "    sys.stderr.write(f'collections={len(seen)} enabled={gc.isenabled()}\\n')\n"
        "    sys.stderr.flush()\n"
        "    real_exit(code)\n"
        "os._exit = ending\n"
        "sys.argv = ['ketenkaart', 'check', sys.argv[1], '--at', '2026-11-27']\n"
        "app.cli.run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(small)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "Chain verdict" in done.stdout
    assert done.stderr.strip() == "collections=0 enabled=False"


def test_output_cut_short_by_the_reader_is_not_an_error(tmp_path: Path) -> None:
    """`ketenkaart check ... | head -c 10` ends quietly: no traceback, no BrokenPipeError."""
    services = "".join(
        f"  - {{id: s{i}, name: S{i}, supplier: acme, kind: saas}}\n" for i in range(3000)
    )
    links = "".join(f"  - {{from: s0, to: s{i}}}\n" for i in range(1, 3000))
    big = tmp_path / "big.yaml"
    big.write_text(
        "ketenkaart: 1\nofferings: [s0]\nsuppliers: [{id: acme, name: Acme}]\n"
        f"services:\n{services}dependencies:\n{links}",
        encoding="utf-8",
    )
    with subprocess.Popen(
        [sys.executable, "-m", "app.cli", "check", str(big), "--at", "2026-11-27"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        head = proc.stdout.read(10)
        proc.stdout.close()  # the reader goes away long before 300 kB of report are written
        err = proc.stderr.read().decode()
        proc.wait()
    assert head == b"Chain verd"
    assert proc.returncode == 1  # the verdict (gap) stands
    assert err == ""
