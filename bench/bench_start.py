"""Benchmark what a small job pays (issue 13, item 2): the service's start and a small import.

Two figures, each from whole processes started by this script, in one run:

- **start**: ``ketenkaart serve`` on a fresh port and an SQLite database already at the newest
  migration, from starting the process until ``GET /healthz`` has answered 200 (polled every
  10 ms). The bar: within 1 s. The first start, which also creates the database's schema, is
  reported beside it for information.
- **small import**: ``ketenkaart import`` of a one-service CycloneDX 1.6 BOM (a provider with a
  web address and one endpoint, as a vendor's SaaSBOM has them), against ``ketenkaart check`` of
  ``../shared/examples/kinderopvang.yaml --format json``, alternating which goes first, output to
  /dev/null. The bar: the import's median at most 2x the check's.

Like ``bench_check.py`` it imports nothing of the project: it runs the console script of the
interpreter it is started with (``.venv/bin/python bench/bench_start.py``).

Usage::

    python bench/bench_start.py [--repeat 11] [--json]

Exit status 0 when every run worked, whatever the figures (PASS/OVER is printed); 1 when a
process failed or the service did not answer within 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from served import free_port

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
KINDEROPVANG = REPO_ROOT.parent / "shared" / "examples" / "kinderopvang.yaml"
START_BAR_S = 1.0
IMPORT_BAR = 2.0
ONE_SERVICE_BOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "metadata": {
        "component": {"bom-ref": "planner", "type": "application", "name": "KidsPlan Planner"}
    },
    "services": [
        {
            "bom-ref": "mail",
            "name": "Transactional mail",
            "provider": {"name": "Postbode B.V.", "url": ["https://postbode.example"]},
            "endpoints": ["https://api.postbode.example/v2/send"],
        }
    ],
}


def ketenkaart() -> list[str]:
    """The console script beside this interpreter (the project's venv)."""
    return [str(Path(sys.executable).with_name("ketenkaart"))]


def time_start(database: Path) -> float:
    """Seconds from starting ``serve`` until ``/healthz`` answers 200."""
    port = free_port()
    env = {**os.environ, "KETENKAART_DATABASE_URL": f"sqlite:///{database}"}
    began = time.perf_counter()
    server = subprocess.Popen(
        [*ketenkaart(), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - began
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"serve exited with status {server.returncode}")
            if time.perf_counter() - began > 30:
                raise RuntimeError("serve did not answer /healthz within 30 s")
            time.sleep(0.01)
    finally:
        server.terminate()
        server.wait(timeout=30)


def time_command(command: list[str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    took = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)}: status {done.returncode}\n{done.stderr.decode()}")
    return took


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="timed runs of each (11)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if not KINDEROPVANG.is_file():
        print(f"bench_start: {KINDEROPVANG} is missing (../shared beside the repository)")
        return 1
    with tempfile.TemporaryDirectory(prefix="kk-start-") as folder:
        database = Path(folder) / "start.db"
        bom = Path(folder) / "one-service.cdx.json"
        bom.write_text(json.dumps(ONE_SERVICE_BOM), encoding="utf-8")
        try:
            first = time_start(database)  # creates the schema
            starts = [time_start(database) for _ in range(args.repeat)]
            imports, checks = [], []
            import_command = [*ketenkaart(), "import", str(bom)]
            check_command = [*ketenkaart(), "check", str(KINDEROPVANG), "--format", "json"]
            time_command(import_command)  # warm the file cache, untimed
            time_command(check_command)
            for run in range(args.repeat):
                pair = [(imports, import_command), (checks, check_command)]
                for into, command in pair if run % 2 == 0 else reversed(pair):
                    into.append(time_command(command))
        except RuntimeError as err:
            print(f"bench_start: {err}")
            return 1
    start = statistics.median(starts)
    small, check = statistics.median(imports), statistics.median(checks)
    report = {
        "runs": args.repeat,
        "start_median_s": round(start, 3),
        "start_first_s": round(first, 3),
        "start_bar_s": START_BAR_S,
        "start_verdict": "PASS" if start <= START_BAR_S else "OVER",
        "import_median_s": round(small, 3),
        "check_median_s": round(check, 3),
        "import_ratio": round(small / check, 2),
        "import_bar": IMPORT_BAR,
        "import_verdict": "PASS" if small / check <= IMPORT_BAR else "OVER",
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"runs of each            {args.repeat}")
    print(
        f"serve to /healthz       {start:.2f} s median  {report['start_verdict']} "
        f"(bar {START_BAR_S:.0f} s; first start with the schema: {first:.2f} s)"
    )
    print(f"import, one-service BOM {small:.2f} s median")
    print(f"check, kinderopvang     {check:.2f} s median")
    print(
        f"ratio import/check      {small / check:.2f} x  {report['import_verdict']} "
        f"(bar {IMPORT_BAR:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
