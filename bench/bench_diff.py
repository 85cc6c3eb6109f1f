"""Benchmark the comparison of two registers (``graph.diff.diff``) against judging every link.

What it measures, in one process, on a chain file (``generate.py``, 20,000 services by default):
the links part of the comparison, as the changes page, ``ketenkaart history diff`` and
``ketenkaart diff`` ask it, for edits a register sees between two visits:

- **a supplier renamed, same day**: what ``bench_pages.py`` changes before its changes page;
- **a piece of the largest holder, same day**: the period of one piece held by the supplier
  that holds the most pieces moves 30 days (every service it supplies or the piece lists is
  judged again);
- **a piece of the largest holder, a week later**: the same, checked on two dates a week apart
  (every piece is also looked at for a verdict that moved between the dates);
- **a year later**: the same, a year apart (a yearly re-scope: most reports went stale in
  between, so most links are judged again).

The baseline, timed in the same run and the same process, is what the comparison did before
ADR 48's amendment "only the links that can differ are judged": judge every link of both
chains (``check_links`` twice) and compare. Each figure is the median of ``--repeat`` runs; the
ratio is comparison / baseline (machines are noisy; the ratio is what to read). The comparison
must list exactly the links the baseline lists, both sides of each in full; the benchmark
stops with status 1 when it does not.

Usage::

    python bench/bench_diff.py                          # generates 20,000 services
    python bench/bench_diff.py --file chain.json --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))  # the project, when run as a script

from graph.coverage import check_links  # noqa: E402
from graph.diff import LinkChange, diff, link_changes  # noqa: E402
from graph.model import Chain, DateRange  # noqa: E402
from graph.profiles import ZEKER_ONLINE  # noqa: E402
from importers.chainfile import load_chain  # noqa: E402

AT = date(2026, 11, 27)  # the date bench_pages.py asks its pages at


def NO_ENTITIES(chain: Chain) -> dict[str, object]:  # noqa: N802 - a constant, called
    """No entity of either chain: the links alone are compared."""
    return {}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=20_000, help="generate this many (20000)")
    parser.add_argument("--file", type=Path, help="use this chain file instead of generating one")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (3)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def renamed(chain: Chain) -> Chain:
    """The chain with its first supplier renamed."""
    first = min(chain.suppliers)
    supplier = chain.suppliers[first]
    return replace(
        chain, suppliers={**chain.suppliers, first: replace(supplier, name=f"{supplier.name} 2")}
    )


def moved_piece(chain: Chain) -> Chain:
    """The chain with the period of one piece of the supplier holding most pieces 30 days on."""
    holder, _ = Counter(e.holder for e in chain.evidence.values()).most_common(1)[0]
    reports = [e for e in chain.evidence.values() if e.holder == holder and e.period]
    piece = min(reports, key=lambda e: e.id)
    month = timedelta(days=30)
    period = piece.period or DateRange(AT, AT)  # each has one
    later = DateRange(period.start + month, period.end + month)
    return replace(chain, evidence={**chain.evidence, piece.id: replace(piece, period=later)})


CASES: list[tuple[str, Callable[[Chain], Chain], int]] = [
    ("a supplier renamed, same day", renamed, 0),
    ("a piece of the largest holder, same day", moved_piece, 0),
    ("a piece of the largest holder, a week later", moved_piece, 7),
    ("a year later", moved_piece, 365),
]


def every_link_judged(old: Chain, new: Chain, later: date) -> tuple[LinkChange, ...]:
    """The baseline: both chains checked whole, and their links compared."""
    return link_changes(
        check_links(old, profile=ZEKER_ONLINE, at=AT),
        check_links(new, profile=ZEKER_ONLINE, at=later),
    )


def compared(old: Chain, new: Chain, later: date) -> tuple[LinkChange, ...]:
    """The comparison's links, as the changes page asks them."""
    return diff(old, new, old_at=AT, new_at=later, plain=NO_ENTITIES, profile=ZEKER_ONLINE).links


def timed(
    work: Callable[[Chain, Chain, date], tuple[LinkChange, ...]],
    new: Chain,
    later: date,
    *,
    old: Chain,
    repeat: int,
) -> tuple[float, tuple[LinkChange, ...]]:
    """The median seconds of ``repeat`` runs of ``work``, and what the last one gave."""
    seconds: list[float] = []
    result: tuple[LinkChange, ...] = ()
    for _ in range(repeat):
        started = time.perf_counter()
        result = work(old, new, later)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main(argv: Sequence[str] | None = None) -> int:
    """Time each case against its baseline; print a table."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        path = args.file
        if path is None:
            path = Path(directory) / "chain.json"
            command = [sys.executable, str(BENCH_DIR / "generate.py")]
            command += ["--services", str(args.services), "--output", str(path)]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        old = load_chain(path.read_bytes(), filename=str(path))
    print(
        f"{len(old.services):,} services, {len(old.dependencies):,} links, "
        f"{len(old.evidence):,} pieces of evidence; medians of {args.repeat}"
    )
    print("| edit | links changed | comparison | every link judged | ratio |")
    print("|---|---|---|---|---|")
    every_link_judged(old, old, AT)  # untimed: the first check imports networkx
    failed = False
    for name, edit, days in CASES:
        new, later = edit(old), AT + timedelta(days=days)
        base_s, expected = timed(every_link_judged, new, later, old=old, repeat=args.repeat)
        found_s, found = timed(compared, new, later, old=old, repeat=args.repeat)
        if found != expected:
            failed = True
            print(f"| {name} | DIFFERS from every link judged | | | |")
            continue
        print(
            f"| {name} | {len(found):,} | {found_s:.2f} s | {base_s:.2f} s | "
            f"{found_s / base_s:.2f}x |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
