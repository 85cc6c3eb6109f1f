"""The standard writer's time: what the standard library's encoder takes to write a check's
document.

``python bench/writer.py OUTPUT.json`` reads a document that ``ketenkaart check --format json``
wrote, parses it (not timed) and times ``json.dumps`` of it, in the layout the check writes
(``ensure_ascii=False``), once. It prints the seconds and the bytes written, as JSON.

This is not a bar. It tells how much of a check's time the contract's document alone asks for:
verdicts.md fixes what the document holds, and this is the least a program using the standard
library's C encoder pays to write it, without judging anything. ``bench_check.py`` runs it on
the output of its warm-up run and reports it against the floor. Standard library only.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Time the encoding of the document in ``argv[0]``."""
    if len(argv) != 1:
        print("usage: python bench/writer.py OUTPUT.json", file=sys.stderr)
        return 2
    gc.disable()  # as the check runs: millions of objects, no cycles
    with Path(argv[0]).open("rb") as handle:
        document = json.load(handle)
    start = time.perf_counter()
    written = json.dumps(document, ensure_ascii=False).encode("utf-8")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": round(seconds, 3), "bytes": len(written) + 1}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
