"""Benchmark the browser pages and the downloads of a large register (issue 13, item 4).

On a synthetic chain (``generate.py``, 20,000 services by default) imported into a workspace,
on each database backend (SQLite in a fresh file; PostgreSQL in a fresh database
``kk_pages_<random>``, dropped afterwards), it times what a person waits for, from sending the
request until the whole answer has arrived, ``--repeat`` times each:

- the pages: the workspace's overview (the first visit after a change of the register, and
  the next one), the scoping report of the first offering (its first page after the change,
  and then a later page of its gaps), each register table (suppliers, services,
  dependencies, evidence, and a later page of the dependencies), and the changes page (its
  first visit after a change, with the year up to now, and then the next page of its entities
  by the page's own link; and the changes since the import, the whole register on both sides,
  as an auditor asks what changed since the last visit);
- the downloads: the report's Markdown, CSV, XLSX and offline HTML, the changes page's
  Markdown (by its link), and the register's exports (chain file as YAML and JSON, supplier
  register as XLSX and CSV);
- the graph page of every offering in turn, the first just after a change (the first visits
  after a change: ADR 31 judges the register once for them all), and their sum.

Each round starts with a change of the register (a supplier renamed through the API), so the
first overview and report page of a round read and check the register, as the first visit
after a change does; the service keeps its latest answers for an unchanged register (ADR 29),
which the next requests of the round find. Every figure comes with the answer's size and its
time to the first byte. The bar: each page
answers within 5 seconds (PASS/OVER); the downloads are shown without a bar.

Nothing here imports the project. The database, the account, the workspace and its token are
made with the ``ketenkaart`` command line (``python -m app.cli``), the server is a separate
process (``python -m app.cli serve`` on a free loopback port), the chain goes in through the
API, and the pages are read as a signed-in browser would (the sign-in form, then the session
cookie; ``KETENKAART_PLAIN_HTTP_LOCALHOST=1`` lets the cookie travel over plain HTTP).

Usage::

    python bench/bench_pages.py                                   # 20,000 services, both backends
    python bench/bench_pages.py --services 2000 --backends sqlite --repeat 1
    python bench/bench_pages.py --file chain.json --json

Exit status 0 when every request answered 200, whatever the figures; 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from served import BenchError, Server, generate, ketenkaart, postgresql_database, serve

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
AT = "2026-11-27"
PAGE_BAR_S = 5.0
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql://127.0.0.1:5432/test"
DEFAULT_UPLOAD_LIMIT = 25 * 1024 * 1024
MIB = 2**20
EMAIL = "bench@pages.example"
PASSWORD = secrets.token_urlsafe(24)
SLUG = "pages"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Time the pages and downloads of a large register, as a browser gets them."
    )
    parser.add_argument("--services", type=int, default=20_000, help="generate this many (20000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument("--file", type=Path, help="use this chain file instead of generating one")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (3)")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated, of sqlite and postgresql (both)",
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help=f"a PostgreSQL database to create the bench database from ({DEFAULT_PG_URL})",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per request and per step (600)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = [name for name in args.backends if name not in BACKENDS]
    if unknown or not args.backends:
        parser.error(f"--backends: unknown {', '.join(unknown) or '(none)'}; use sqlite,postgresql")
    return args


def progress(message: str) -> None:
    """A progress line on stderr, so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


# --- the chain and the command line ------------------------------------------------------------


def prepare(url: str, *, timeout: float) -> str:
    """The schema, an account, its workspace and an editor token, with the command line; the
    token."""
    ketenkaart(url, "db", "upgrade", timeout=timeout)
    ketenkaart(
        url,
        *("user", "create", EMAIL, "--name", "Bench", "--password-stdin"),
        timeout=timeout,
        stdin=PASSWORD + "\n",
    )
    ketenkaart(url, "workspace", "create", SLUG, "--owner", EMAIL, timeout=timeout)
    token = ketenkaart(
        url,
        *("token", "create", "--workspace", SLUG, "--role", "editor", "--user", EMAIL),
        timeout=timeout,
    )
    return token.strip()


# --- databases ---------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A fresh SQLite file in ``directory``."""
    yield f"sqlite:///{directory / 'bench-pages.db'}"


# --- the server --------------------------------------------------------------------------------


def server(url: str, *, upload_limit: int) -> contextlib.AbstractContextManager[Server]:
    """``ketenkaart serve`` on a free loopback port, until /healthz answers; stopped after."""
    env = {**os.environ, "KETENKAART_PLAIN_HTTP_LOCALHOST": "1"}
    if upload_limit > DEFAULT_UPLOAD_LIMIT:
        env["KETENKAART_MAX_UPLOAD_BYTES"] = str(upload_limit)
    return serve(
        lambda port: [
            *(sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"),
            *("--port", str(port), "--database-url", url),
        ],
        env,
        kind=Server,
    )


# --- the requests ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A page or download to time: its name, its path, and whether it is a page (with the
    bar) or a download; ``api`` ones carry the token instead of the session cookie."""

    name: str
    path: str
    page: bool
    api: bool = False
    fresh: bool = False
    """Whether the register is changed just before: the page is timed as the first visit
    after a change, with nothing kept from the pages before it."""
    link: str | None = None
    """A pattern whose first group is the address to ask, found in the last page asked before
    (a link a person clicks there); ``path`` is then unused."""


def targets(offering: str, offerings: Sequence[str] = (), since: str = "") -> list[Target]:
    """Everything timed, in the order of a round; last, the graph page of each of
    ``offerings`` in turn, the first of them just after a change (ADR 31: the register is
    judged once for them all). ``since`` is a moment after the import (``...Z``)."""
    ws = f"/w/{SLUG}"
    report = f"{ws}/report/{offering}"
    api = f"/api/v1/workspaces/{SLUG}/export"
    return [
        Target("overview", ws, page=True),
        Target("overview, again", ws, page=True),
        Target("report page", f"{report}?at={AT}", page=True),
        Target("report, gaps page 2", f"{report}?at={AT}&gap_page=2", page=True),
        Target("graph page", f"{ws}/graph/{offering}?at={AT}", page=True, fresh=True),
        Target("graph page, again", f"{ws}/graph/{offering}?at={AT}", page=True),
        # what changes next: the page asks it after it is drawn, by the address it carries
        Target("graph's forecast", "", page=False, link=r'data-url="([^"]*/forecast\?[^"]*)"'),
        *(Target(f"{s} list", f"{ws}/{s}", page=True) for s in SECTIONS),
        Target("dependencies, page 100", f"{ws}/dependencies?page=100", page=True),
        Target("changes page", f"{ws}/changes", page=True, fresh=True),
        # the next page of its entities and its Markdown, by the page's own links (which name
        # the page's two moments exactly, as a person clicking them sends them)
        Target(
            "changes, entities page 2",
            "",
            page=True,
            link=r'href="([^"]*[?&;]entities_page=2(?:[&#][^"]*)?)"',
        ),
        Target("changes .md", "", page=False, link=r'href="([^"]*/changes\.md\?[^"]*)"'),
        # both moments hold the whole register: every entity is on both sides
        Target("changes since import", f"{ws}/changes?from={since}", page=True, fresh=True),
        Target("report .md", f"{report}.md?at={AT}", page=False),
        Target("report .csv", f"{report}.csv?at={AT}", page=False),
        Target("report .xlsx", f"{report}.xlsx?at={AT}", page=False),
        Target("report .html", f"{report}.html?at={AT}", page=False),
        *(
            Target(f"register {fmt}", f"{api}?format={fmt}", page=False, api=True)
            for fmt in ("yaml", "json", "register-xlsx", "register-csv")
        ),
        *(
            Target(graph_name(k, len(offerings)), f"{ws}/graph/{o}", page=True, fresh=k == 1)
            for k, o in enumerate(offerings, 1)
        ),
    ]


def graph_name(k: int, n: int) -> str:
    """The name of the ``k``-th of the ``n`` graph pages asked in turn after a change."""
    return f"graph {k}/{n}, changed"


SECTIONS = ("suppliers", "services", "dependencies", "evidence")


@dataclass(frozen=True, slots=True)
class Timing:
    """One request: its status, seconds to the first byte and to the last, and its size."""

    status: int
    first: float
    seconds: float
    size: int


NOT_ASKED = Timing(0, 0.0, 0.0, 0)
"""A link-following target whose link was not on the page before: not asked (status 0)."""


def fetch(
    client: httpx.Client, target: Target, token: str, path: str, *, keep: bool = False
) -> tuple[Timing, bytes]:
    """GET ``path`` for ``target`` and read the whole answer; its body when ``keep`` (a link
    on it is followed next; the app does not compress its answers, so the bytes are the page)."""
    headers = {"Authorization": f"Bearer {token}"} if target.api else {}
    size = 0
    first = 0.0
    body: list[bytes] = []
    started = time.perf_counter()
    with client.stream("GET", path, headers=headers) as response:
        for chunk in response.iter_raw():
            if not size:
                first = time.perf_counter() - started
            size += len(chunk)
            if keep:
                body.append(chunk)
    seconds = time.perf_counter() - started
    return Timing(response.status_code, first or seconds, seconds, size), b"".join(body)


def address(target: Target, page: bytes) -> str | None:
    """Where ``target`` is asked: its path, or the link it follows in ``page`` (``None`` when
    the page has none: it failed, or the register is too small for a second page)."""
    if target.link is None:
        return target.path
    found = re.search(target.link, page.decode("utf-8", "replace"))
    return None if found is None else html.unescape(found.group(1))


def sign_in(client: httpx.Client) -> None:
    """Sign in with the sign-in form, as a browser does; the client keeps the cookie."""
    form = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if found is None:
        raise BenchError(f"no sign-in form at /login ({form.status_code})")
    data = {"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)}
    answer = client.post("/login", data=data, follow_redirects=False)
    if answer.status_code != 303:
        raise BenchError(f"signing in answered {answer.status_code}: {answer.text[:500]}")


def change_register(client: httpx.Client, token: str, round_no: int) -> None:
    """Rename the register's first supplier (with its ETag): the register's version moves on."""
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get(
        f"/api/v1/workspaces/{SLUG}/suppliers", params={"limit": 1}, headers=headers
    )
    if listed.status_code != 200 or not listed.json()["items"]:
        raise BenchError(f"no supplier to change ({listed.status_code}): {listed.text[:500]}")
    supplier = listed.json()["items"][0]
    path = f"/api/v1/workspaces/{SLUG}/suppliers/{supplier['id']}"
    current = client.get(path, headers=headers)
    name = re.sub(r" \(round \d+\)$", "", supplier["name"]) + f" (round {round_no})"
    answer = client.patch(
        path, json={"name": name}, headers={**headers, "If-Match": current.headers["etag"]}
    )
    if answer.status_code != 200:
        raise BenchError(f"changing a supplier answered {answer.status_code}: {answer.text[:500]}")


def all_offerings(client: httpx.Client, token: str) -> list[str]:
    """The register's offerings (at most 100), the generator's largest first."""
    answer = client.get(
        f"/api/v1/workspaces/{SLUG}/services",
        params={"offering": "true", "limit": 100},
        headers={"Authorization": f"Bearer {token}"},
    )
    if answer.status_code != 200 or not answer.json()["items"]:
        raise BenchError(f"no offering in the register ({answer.status_code}): {answer.text[:500]}")
    return [item["id"] for item in answer.json()["items"]]


@dataclass(slots=True)
class Figures:
    """Every timing of one backend, by target name."""

    backend: str
    import_s: float = 0.0
    offering: str = ""
    offerings: list[str] = field(default_factory=list)
    runs: dict[str, list[Timing]] = field(default_factory=dict)

    def median(self, name: str) -> Timing:
        """The median run of ``name`` (by total time)."""
        ordered = sorted(self.runs[name], key=lambda t: t.seconds)
        return ordered[(len(ordered) - 1) // 2]


def measure(
    backend: str, url: str, chain: Path, *, repeat: int, timeout: float
) -> tuple[Figures, list[str]]:
    """Prepare the database, start the server, import, then time every target ``repeat``
    times (after one untimed round); the figures, and every answer that was not 200."""
    progress(f"[{backend}] preparing the database with the command line")
    token = prepare(url, timeout=timeout)
    data = chain.read_bytes()
    figures = Figures(backend)
    failures: list[str] = []
    with (
        server(url, upload_limit=len(data) + MIB) as running,
        httpx.Client(base_url=running.base_url, timeout=timeout) as client,
    ):
        progress(f"[{backend}] importing {len(data) / MIB:.1f} MiB")
        started = time.perf_counter()
        answer = client.post(
            f"/api/v1/workspaces/{SLUG}/import",
            content=data,
            headers={"Authorization": f"Bearer {token}"},
        )
        figures.import_s = time.perf_counter() - started
        if answer.status_code != 200:
            raise BenchError(f"the import answered {answer.status_code}: {answer.text[:2000]}")
        # a whole second after the import was written, and before any change of a round
        imported = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        time.sleep(max(0.0, (imported - datetime.now(UTC)).total_seconds()) + 0.01)
        since = imported.strftime("%Y-%m-%dT%H:%M:%SZ")
        del data
        sign_in(client)
        figures.offerings = all_offerings(client, token)
        figures.offering = figures.offerings[0]
        for round_no in range(repeat + 1):
            label = "warm-up" if round_no == 0 else f"round {round_no}/{repeat}"
            change_register(client, token, round_no)
            page, asked = b"", targets(figures.offering, figures.offerings, since)
            for index, target in enumerate(asked):
                running.alive()
                if target.fresh:
                    change_register(client, token, 100 + round_no)  # another name
                path = address(target, page)
                if path is None:
                    failures.append(f"{backend} {target.name}: no such link on the page before")
                    timing = NOT_ASKED  # the next link is looked for on the same page
                    progress(f"[{backend}] {label}: {target.name}: no such link on the page before")
                else:
                    follows = index + 1 < len(asked) and asked[index + 1].link is not None
                    timing, page = fetch(client, target, token, path, keep=follows)
                    progress(
                        f"[{backend}] {label}: {target.name}: {timing.status}, "
                        f"{timing.size / MIB:.2f} MiB in {timing.seconds:.2f} s"
                    )
                    if timing.status != 200:
                        failures.append(f"{backend} {target.name}: answered {timing.status}")
                if round_no:
                    figures.runs.setdefault(target.name, []).append(timing)
    return figures, failures


# --- the report --------------------------------------------------------------------------------


def table(all_figures: Sequence[Figures]) -> str:
    """The results as a text table, one group of columns per backend."""
    names = [t.name for t in targets("x", all_figures[0].offerings)]
    pages = {t.name for t in targets("x", all_figures[0].offerings) if t.page}
    lines = [
        f"{'':24}" + "".join(f"  {f.backend:>36}" for f in all_figures),
        f"{'':24}"
        + "".join(f"  {'whole':>9} {'1st byte':>9} {'size':>11} {'bar':>4}" for _ in all_figures),
        f"{'import (setup)':24}" + "".join(f"  {f.import_s:>7.2f} s{'':>27}" for f in all_figures),
    ]
    for name in names:
        cells = []
        for f in all_figures:
            m = f.median(name)
            verdict = ("PASS" if m.seconds <= PAGE_BAR_S else "OVER") if name in pages else ""
            verdict = verdict if m.status == 200 else "FAIL"
            cells.append(
                f"  {m.seconds:>7.2f} s {m.first:>7.2f} s {m.size / MIB:>7.2f} MiB {verdict:>4}"
            )
        lines.append(f"{name:24}" + "".join(cells))
    offering = all_figures[0].offering
    lines.append(
        f"{'all graphs, changed':24}"
        + "".join(f"  {graphs_total(f):>7.2f} s{'':>27}" for f in all_figures)
    )
    lines.append(
        f"(medians; the bar for pages: {PAGE_BAR_S:.0f} s; the report's offering: {offering})"
    )
    return "\n".join(lines)


def graphs_total(f: Figures) -> float:
    """The median seconds of each offering's graph page after a change, added up: what a
    person waits to see every offering's graph after a change, one after the other."""
    n = len(f.offerings)
    return sum(f.median(graph_name(k, n)).seconds for k in range(1, n + 1))


def as_json(all_figures: Sequence[Figures], failures: Sequence[str]) -> dict[str, Any]:
    """The results as a JSON-ready dict."""
    pages = {t.name for f in all_figures for t in targets("x", f.offerings) if t.page}
    return {
        "bar_page_s": PAGE_BAR_S,
        "failures": list(failures),
        "backends": {
            f.backend: {
                "offering": f.offering,
                "graphs_changed_s": round(graphs_total(f), 3),
                "import_s": round(f.import_s, 3),
                "targets": {
                    name: {
                        "page": name in pages,
                        "median_s": round(f.median(name).seconds, 3),
                        "first_byte_s": round(f.median(name).first, 3),
                        "bytes": f.median(name).size,
                        "runs_s": [round(t.seconds, 3) for t in runs],
                        "pass": f.median(name).seconds <= PAGE_BAR_S if name in pages else None,
                    }
                    for name, runs in f.runs.items()
                },
            }
            for f in all_figures
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every answer was 200."""
    args = parse_args(argv)
    all_figures: list[Figures] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kk-bench-pages-") as tmp:
        directory = Path(tmp)
        chain = args.file or generate(
            args.services, args.seed, directory, timeout=args.timeout, say=progress
        )
        for backend in args.backends:
            try:
                if backend == "sqlite":
                    with sqlite_database(directory) as url:
                        found = measure(
                            backend, url, chain, repeat=args.repeat, timeout=args.timeout
                        )
                else:
                    with postgresql_database(
                        args.pg_url, prefix="kk_pages", progress=progress
                    ) as url:
                        found = measure(
                            backend, url, chain, repeat=args.repeat, timeout=args.timeout
                        )
            except ConnectionError as err:
                progress(f"[{backend}] skipped: PostgreSQL does not answer at {args.pg_url}: {err}")
                continue
            except (BenchError, httpx.HTTPError, subprocess.TimeoutExpired) as err:
                progress(f"[{backend}] failed: {err}")
                failures.append(f"{backend}: {err}")
                continue
            all_figures.append(found[0])
            failures += found[1]
    if args.json:
        print(json.dumps(as_json(all_figures, failures), indent=2))
    elif all_figures:
        print(table(all_figures))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures or not all_figures else 0


if __name__ == "__main__":
    sys.exit(main())
