"""Benchmark ``ketenkaart check`` against the floor, on a synthetic chain.

What it measures: the wall time and peak memory (RSS) of two separate processes on the same chain
file, run in the same session, alternating, ``--repeat`` times each:

- the floor (``floor.py``): read the JSON, build a networkx graph, walk it once from the
  offerings; the least any checker has to do;
- the check: ``python -m app.cli check FILE --format json`` with its output sent to /dev/null.

It reports the median time of each, the ratio check/floor (the bar: at most 3x, issue 13; the
aim: 2x) and the peak RSS of each (the bar: the check under 2 GiB at 100,000 services). The
ratio, not the seconds, is the figure to compare between machines and runs: both sides slow down
together on a busy or slower machine. Before the timed runs, one untimed run of each warms the
file cache, and the check's output of that run is read to confirm the check analysed the chain.

Usage::

    python bench/bench_check.py --services 20000
    python bench/bench_check.py --services 100000 --repeat 1 --json
    python bench/bench_check.py --file chain.json

Exit status 0 when both programs ran, whatever the figures (PASS/OVER is printed); 1 when the
check is missing or failed (exit status 2, a crash, or a timeout), with its stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from generate import SHAPES  # bench/ is on the path when this runs as a script

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RATIO_BAR = 3.0
RATIO_AIM = 2.0
RSS_BAR_MIB = 2048.0
RSS_BAR_SERVICES = 100_000
MIB = 2**20
SUMMARY_TAIL_BYTES = 64 * 1024
WRITER_MAX_MIB = 2048.0  # parsed, a document takes about five times its size in memory


class CheckFailedError(Exception):
    """The check did not run to the end: missing, unusable input, crash or timeout."""


@dataclass(frozen=True, slots=True)
class Run:
    """One child process: its wall time, peak RSS, exit code and what it wrote to stderr."""

    seconds: float
    peak_rss_mib: float
    exit_code: int
    stderr: str
    timed_out: bool


@dataclass(slots=True)
class Side:
    """All timed runs of one program."""

    name: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    def median_seconds(self) -> float:
        """The median wall time of the timed runs."""
        return statistics.median(run.seconds for run in self.runs)

    def peak_rss_mib(self) -> float:
        """The largest peak RSS of any timed run."""
        return max(run.peak_rss_mib for run in self.runs)


@dataclass(frozen=True, slots=True)
class ChainShape:
    """What the chain file holds, and how many links a check should report."""

    services: int
    links: int
    evidence: int
    reachable_links: int


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Time `ketenkaart check` against the floor.")
    parser.add_argument("--services", type=int, default=20_000, help="generate this many (20000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument("--file", type=Path, help="use this chain file instead of generating one")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each program (5)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run (1800)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--shape",
        choices=(*SHAPES, "all"),
        default="all",
        help="the chain's shape, see generate.py (all: each in turn)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def progress(message: str) -> None:
    """A progress line on stderr, so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


def rss_mib(max_rss: int) -> float:
    """``ru_maxrss`` in MiB: Linux reports KiB, macOS bytes."""
    return max_rss / MIB if sys.platform == "darwin" else max_rss / 1024


def run_child(command: Sequence[str], *, timeout: float, stdout: IO[bytes] | None = None) -> Run:
    """Run one child process; time it and read its own peak RSS with ``os.wait4``."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=stdout or subprocess.DEVNULL, stderr=stderr
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        text = stderr.read().decode("utf-8", errors="replace")
    timed_out = process.returncode == -9 and seconds >= timeout
    return Run(seconds, rss_mib(usage.ru_maxrss), process.returncode, text, timed_out)


def generate(services: int, seed: int, directory: Path, timeout: float, shape: str) -> Path:
    """Write a synthetic chain of ``shape`` with ``generate.py`` and return its path."""
    path = directory / f"chain-{services}-{seed}-{shape}.json"
    command = [sys.executable, str(BENCH_DIR / "generate.py"), "--services", str(services)]
    command += ["--seed", str(seed), "--shape", shape, "--output", str(path)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
    progress(completed.stdout.strip())
    return path


def chain_shape(path: Path) -> ChainShape:
    """Count the chain's entries, and the links whose consumer a check's walk reaches."""
    with path.open("rb") as handle:
        chain: dict[str, Any] = json.load(handle)
    links: list[dict[str, Any]] = chain.get("dependencies") or []
    providers: dict[str, list[str]] = {}
    for link in links:
        if link.get("relevant", True):
            providers.setdefault(link["from"], []).append(link["to"])
    reached = set(chain["offerings"])
    queue = deque(reached)
    while queue:
        for provider in providers.get(queue.popleft(), []):
            if provider not in reached:
                reached.add(provider)
                queue.append(provider)
    return ChainShape(
        services=len(chain.get("services") or []),
        links=len(links),
        evidence=len(chain.get("evidence") or []),
        reachable_links=sum(1 for link in links if link["from"] in reached),
    )


def check_command(path: Path) -> list[str]:
    """The check under test, as the brief names it."""
    return [sys.executable, "-m", "app.cli", "check", str(path), "--format", "json"]


def floor_command(path: Path) -> list[str]:
    """The floor."""
    return [sys.executable, str(BENCH_DIR / "floor.py"), str(path)]


def check_failure(run: Run) -> str | None:
    """Why a run of the check does not count, or None when it finished (exit 0 or 1)."""
    if run.timed_out:
        return "the check timed out"
    if "No module named app.cli" in run.stderr or "No module named 'app.cli'" in run.stderr:
        return "the check command is not there yet: python -m app.cli: No module named app.cli"
    if run.exit_code in (0, 1) and "Traceback (most recent call last)" not in run.stderr:
        return None
    return f"the check failed with exit status {run.exit_code}; its stderr:\n{run.stderr.rstrip()}"


def warm_up(path: Path, output: Path, timeout: float) -> None:
    """One untimed run of each program; the check's output goes to ``output``."""
    floor = run_child(floor_command(path), timeout=timeout)
    if floor.exit_code != 0:
        raise SystemExit(f"the floor failed ({floor.exit_code}):\n{floor.stderr}")
    with output.open("wb") as handle:
        run = run_child(check_command(path), timeout=timeout, stdout=handle)
    failure = check_failure(run)
    if failure:
        raise CheckFailedError(failure)


def read_summary(output: Path) -> dict[str, Any]:
    """The ``summary`` of the check's output, read from the end of the file.

    The output for a large chain runs to hundreds of MiB, and parsing it whole would cost the
    bench process gigabytes; ``summary`` is the last key of the output, so its tail is enough.
    """
    size = output.stat().st_size
    with output.open("rb") as handle:
        handle.seek(max(0, size - SUMMARY_TAIL_BYTES))
        tail = handle.read().decode("utf-8", errors="replace")
    start = tail.rfind('"summary"')
    if start < 0:
        return {}
    try:
        value, _ = json.JSONDecoder().raw_decode(tail[tail.index(":", start) + 1 :].lstrip())
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def measure(floor: Side, check: Side | None, *, repeat: int, timeout: float) -> None:
    """The timed runs, alternating which program goes first."""
    for index in range(repeat):
        sides = [floor] if check is None else [floor, check] if index % 2 == 0 else [check, floor]
        for side in sides:
            run = run_child(side.command, timeout=timeout)
            if side is check:
                failure = check_failure(run)
                if failure:
                    raise CheckFailedError(failure)
            elif run.exit_code != 0:
                raise SystemExit(f"the floor failed ({run.exit_code}):\n{run.stderr}")
            side.runs.append(run)
            progress(f"  run {index + 1}/{repeat} {side.name}: {run.seconds:.2f} s")


def measure_writer(output: Path, floor: Side, timeout: float) -> dict[str, Any]:
    """The standard writer's time (``writer.py``) on the check's document, against the floor:
    not a bar, the share of the check's time that the contract's document alone asks for."""
    mib = output.stat().st_size / MIB
    if mib > WRITER_MAX_MIB:
        return {"seconds": None, "ratio": None, "skipped": f"the output is {mib:,.0f} MiB"}
    command = [sys.executable, str(BENCH_DIR / "writer.py"), str(output)]
    try:
        completed = subprocess.run(command, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:  # the figures measured so far still count
        return {"seconds": None, "ratio": None, "skipped": f"over the {timeout:.0f} s timeout"}
    if completed.returncode != 0:
        return {"seconds": None, "ratio": None, "skipped": completed.stderr.decode()[-500:]}
    seconds = float(json.loads(completed.stdout)["seconds"])
    progress(f"  writer: {seconds:.2f} s")
    ratio = round(seconds / floor.median_seconds(), 3)
    return {"seconds": seconds, "ratio": ratio, "skipped": None}


def verdict(passed: bool) -> str:
    """PASS or OVER."""
    return "PASS" if passed else "OVER"


@dataclass(frozen=True, slots=True)
class Output:
    """What the warm-up run of the check wrote: its size, its summary, and what looks wrong."""

    mib: float
    summary: dict[str, Any]
    warnings: list[str]


def inspect_output(output: Path, shape: ChainShape) -> Output:
    """Size up the check's output and compare its summary with the chain."""
    size = output.stat().st_size
    with output.open("rb") as handle:
        handle.seek(max(0, size - 1024))
        ending = handle.read().rstrip()
    summary = read_summary(output)
    warnings: list[str] = []
    if not ending.endswith(b"}"):
        warnings.append(f"the check's output ({size:,} bytes) does not end in '}}': truncated?")
    if not summary:
        warnings.append("no summary at the end of the check's output")
    elif summary.get("links") != shape.reachable_links:
        warnings.append(
            f"the check reported {summary.get('links')} links; "
            f"{shape.reachable_links} are reachable from the offerings"
        )
    return Output(round(size / MIB, 1), summary, warnings)


def results(
    shape: ChainShape,
    floor: Side,
    check: Side | None,
    output: Output | None,
    error: str | None,
    *,
    writer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of the benchmark, JSON-ready."""
    report: dict[str, Any] = {
        "chain": asdict(shape),
        "repeat": len(floor.runs),
        "floor": side_figures(floor),
        "check": None,
        "check_output_mib": None if output is None else output.mib,
        "check_summary": None if output is None else output.summary,
        "ratio": None,
        "ratio_bar": RATIO_BAR,
        "ratio_aim": RATIO_AIM,
        "ratio_verdict": None,
        "rss_bar_mib": RSS_BAR_MIB,
        "rss_verdict": None,
        "warnings": [] if output is None else output.warnings,
        "error": error,
        "writer": writer,
    }
    if check is not None and check.runs:
        ratio = check.median_seconds() / floor.median_seconds()
        report["check"] = side_figures(check)
        report["ratio"] = round(ratio, 3)
        report["ratio_verdict"] = verdict(ratio <= RATIO_BAR)
        report["rss_verdict"] = verdict(check.peak_rss_mib() < RSS_BAR_MIB)
    return report


def side_figures(side: Side) -> dict[str, Any]:
    """The figures of one program."""
    return {
        "command": side.command,
        "median_s": round(side.median_seconds(), 3),
        "runs_s": [round(run.seconds, 3) for run in side.runs],
        "peak_rss_mib": round(side.peak_rss_mib(), 1),
    }


def row(label: str, value: str, note: str = "") -> None:
    """One line of the table: a label, a right-aligned value, a note."""
    print(f"{label:<18}{value:>10}  {note}".rstrip())


def print_table(report: dict[str, Any]) -> None:
    """The results as a small table, with PASS/OVER for both bars."""
    chain, floor, check = report["chain"], report["floor"], report["check"]
    row("services", str(chain["services"]))
    row("links", str(chain["links"]))
    row("evidence", str(chain["evidence"]))
    row("runs of each", str(report["repeat"]))
    row("floor median", f"{floor['median_s']:.2f}", "s")
    if check is None:
        row("check median", "-", report["error"])
        row("floor peak RSS", f"{floor['peak_rss_mib']:.0f}", "MiB")
        return
    row("check median", f"{check['median_s']:.2f}", "s")
    bars = f"(bar {RATIO_BAR:.0f}x, aim {RATIO_AIM:.0f}x)"
    row("ratio check/floor", f"{report['ratio']:.2f}", f"x  {report['ratio_verdict']} {bars}")
    row("floor peak RSS", f"{floor['peak_rss_mib']:.0f}", "MiB")
    scale = "" if chain["services"] >= RSS_BAR_SERVICES else ", set for 100,000 services"
    row(
        "check peak RSS",
        f"{check['peak_rss_mib']:.0f}",
        f"MiB  {report['rss_verdict']} (bar 2 GiB{scale})",
    )
    print_check_output(report)
    writer = report["writer"]
    if writer is not None and writer["seconds"] is not None:
        row(
            "writer (json.dumps)",
            f"{writer['seconds']:.2f}",
            f"s  {writer['ratio']:.2f}x the floor: the standard encoder writing the check's "
            "document, nothing judged (not a bar)",
        )
    elif writer is not None:
        row("writer (json.dumps)", "-", f"not measured: {writer['skipped']}")


def print_check_output(report: dict[str, Any]) -> None:
    """The size and summary of the check's output, and any warning about it."""
    row("check output", f"{report['check_output_mib']:.1f}", "MiB")
    summary = report["check_summary"]
    if summary:
        print("check summary     " + ", ".join(f"{key} {value}" for key, value in summary.items()))
    for warning in report["warnings"]:
        print(f"WARNING: {warning}")


def benchmark(args: argparse.Namespace, directory: Path, shape: str) -> int:
    """Prepare the chain, warm up, measure, and print the results.

    Nothing big is loaded into this process before the last child has run: on Linux a child's
    ``ru_maxrss`` starts from its parent's peak RSS (the memory map it was spawned from), so a
    large parent would inflate the peak RSS measured for both programs.
    """
    path = args.file or generate(args.services, args.seed, directory, args.timeout, shape)
    if not args.file:
        progress(f"shape: {shape}")
    output = directory / "check-output.json"
    floor = Side("floor", floor_command(path))
    check: Side | None = Side("check", check_command(path))
    error: str | None = None
    try:
        warm_up(path, output, args.timeout)
        measure(floor, check, repeat=args.repeat, timeout=args.timeout)
    except CheckFailedError as failure:
        error = str(failure)
        progress(f"CHECK FAILED: {error}\nmeasuring the floor alone")
        check = None
        floor.runs.clear()
        measure(floor, None, repeat=args.repeat, timeout=args.timeout)
    shape = chain_shape(path)
    inspected = None if check is None else inspect_output(output, shape)
    writer = None if check is None else measure_writer(output, floor, args.timeout)
    report = results(shape, floor, check, inspected, error, writer=writer)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0 if error is None else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark in a temporary directory that is removed afterwards."""
    args = parse_args(argv)
    shapes = SHAPES if args.shape == "all" and not args.file else (args.shape,)
    failed = 0
    for shape in shapes:
        if len(shapes) > 1 and not args.json:
            print(f"\n## {shape}")
        with tempfile.TemporaryDirectory(prefix="ketenkaart-bench-") as directory:
            failed |= benchmark(args, Path(directory), shape)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
