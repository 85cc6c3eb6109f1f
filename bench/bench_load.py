"""Load the service: many clients mixing reads and writes on a big register (issue 13, item 5).

Per database backend (SQLite in a fresh file, PostgreSQL in a fresh database
``kk_bench_<random>`` dropped afterwards), it sets up a workspace through the command line
(``python -m app.cli db upgrade``, ``user create``, ``workspace create --owner``, ``token
create``), starts the service as it is run in production (``python -m app.cli serve --workers
2``, loopback only), and imports a synthetic chain through the API, signing a browser in every
half second while the import runs (each sign-in writes its try while the import may hold the
write lock: it must wait and succeed). Then it runs each load in turn (by default 50 clients
for 60 s, then 20 clients for 60 s). Every client loops, drawing one kind of request at a
time:

- ``list``: a page of 100 services at a random offset;
- ``check``: the whole register's check, read to its last byte (about 180 MB at 20,000
  services);
- ``graph``: the graph page of a random offering, as a signed-in browser;
- ``patch``: GET a supplier (one of a small set, so that writers meet), then PATCH it with
  ``If-Match`` and the ETag read; 412 (someone else changed it first) is a conflict, not an
  error.

A 503 is the service's answer "not now": the client waits ``Retry-After`` before its next
request, as a client should. It reports throughput, p50/p95/p99 per kind (of the requests
served), answers by status, errors (any other 5xx, any unexpected 4xx, timeouts, refused
connections), cut responses (a stream that ended before its last byte), the server's RSS (the
sum over its worker processes, sampled every 0.25 s, and once more 2 s after the load's last
answer, when nothing runs: does what a load leaves behind grow?), replaced workers (worker
processes that appeared after the start), ``/healthz`` latency (a probe once a second: does the
worker still answer while it works?), and lost updates: after each load, each supplier's final
version must be its version before plus the PATCHes accepted for it, and its final value the
last accepted PATCH's. It also counts the PATCHes answered with a version that was not their
own (two answers naming one version).

Nothing here imports the project: the service and its command line run as separate processes.

Usage::

    python bench/bench_load.py                               # 20,000 services, both backends
    python bench/bench_load.py --services 2000 --loads 10x15 --backends sqlite
    python bench/bench_load.py --json > load.json

Exit status 0 when every load ran with no error, no cut response, no replaced worker and no
lost update; 1 otherwise (503s with Retry-After are counted and shown, not failures).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import served
from served import BenchError, generate, ketenkaart, postgresql_database, serve

CLI_TIMEOUT_S = 300.0  # each command line run of the set-up

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
AT = "2026-11-27"
BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_MIX = "list=40,check=10,graph=10,patch=40"
KINDS = ("list", "check", "graph", "patch")
SLUG = "bench"
EMAIL = "bench@example.org"
MIB = 2**20
SAMPLE_S = 0.25
IDLE_S = 2.0
"""Seconds after a load's last answer before the workers' idle RSS is read."""


def progress(message: str) -> None:
    """A progress line on stderr, so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Load the service with many clients.")
    parser.add_argument("--services", type=int, default=20_000, help="generate this many (20000)")
    parser.add_argument("--seed", type=int, default=1, help="generator and client seed (1)")
    parser.add_argument("--file", type=Path, help="use this chain file instead of generating one")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgresql (both)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"({DEFAULT_PG_URL})")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    parser.add_argument(
        "--loads",
        default="50x60,20x60",
        help="CLIENTSxSECONDS, comma-separated, run in turn (50x60,20x60)",
    )
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"KIND=WEIGHT,... ({DEFAULT_MIX})")
    parser.add_argument(
        "--suppliers", type=int, default=25, help="how many suppliers the writers share (25)"
    )
    parser.add_argument(
        "--request-timeout", type=float, default=120.0, help="seconds per request (120)"
    )
    parser.add_argument("--server-log", help="write the server's log to SERVER_LOG.BACKEND")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not args.backends or any(b not in BACKENDS for b in args.backends):
        parser.error("--backends: sqlite, postgresql or both")
    try:
        args.loads = [
            (int(c), float(s)) for c, s in (part.split("x") for part in args.loads.split(","))
        ]
        weights = dict(part.split("=") for part in args.mix.split(","))
        args.mix = {kind: float(weights.get(kind, 0)) for kind in KINDS}
    except ValueError:
        parser.error("--loads is CLIENTSxSECONDS,...; --mix is KIND=WEIGHT,...")
    if unknown := set(weights) - set(KINDS):
        parser.error(f"--mix: unknown kind {', '.join(sorted(unknown))}")
    if any(c < 1 or c > 200 or s <= 0 or s > 3600 for c, s in args.loads):
        parser.error("--loads: 1-200 clients for at most 3600 s each")
    if args.workers < 1 or args.suppliers < 1 or sum(args.mix.values()) <= 0:
        parser.error("--workers, --suppliers and the mix's total must be positive")
    return args


# --- setting up, through the command line ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setup:
    """The workspace's editor token and the browser account's password."""

    token: str
    password: str


def prepare(url: str) -> Setup:
    """The schema, a workspace, an editor token, and an editor account for the browser."""
    run = functools.partial(ketenkaart, url, timeout=CLI_TIMEOUT_S)
    run("db", "upgrade")
    password = secrets.token_urlsafe(18)
    run("user", "create", EMAIL, "--name", "Bench", "--password-stdin", stdin=password)
    run("workspace", "create", SLUG, "--name", "Load bench", "--owner", EMAIL)
    token = run("token", "create", "--workspace", SLUG, "--role", "editor")
    return Setup(token.splitlines()[-1].strip(), password)


@contextlib.contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A fresh SQLite file in ``directory``."""
    yield f"sqlite:///{directory / 'bench-load.db'}"


# --- the server and its workers ---------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command's name is in parentheses and may hold spaces: the ppid follows it
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def is_worker(pid: int) -> bool:
    """A worker of uvicorn's supervisor (multiprocessing's spawn), not its resource tracker."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"multiprocessing" in command and b"resource_tracker" not in command


def rss_bytes(pid: int) -> int:
    """The resident set of ``pid`` (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass(slots=True)
class Server(served.Server):
    """A running ``ketenkaart serve`` and what is watched of it."""

    workers: set[int] = field(default_factory=set)
    peak_rss: int = 0
    watching: bool = False

    def current_workers(self) -> list[int]:
        """The worker processes now."""
        return [pid for pid in children(self.process.pid) if is_worker(pid)]

    def sample(self) -> None:
        """Note the workers and their summed RSS."""
        pids = self.current_workers()
        self.workers.update(pids)
        self.peak_rss = max(self.peak_rss, sum(rss_bytes(pid) for pid in pids))


def server(
    url: str, *, workers: int, upload_limit: int
) -> contextlib.AbstractContextManager[Server]:
    """Start ``ketenkaart serve`` on a free loopback port, wait for /healthz and every worker,
    stop it after."""
    env = {
        **os.environ,
        "KETENKAART_PLAIN_HTTP_LOCALHOST": "1",  # the bench's browser signs in over plain HTTP
        "KETENKAART_MAX_UPLOAD_BYTES": str(upload_limit),
    }
    return serve(
        lambda port: [
            *(sys.executable, "-m", "app.cli", "serve", "--database-url", url),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        ],
        env,
        kind=Server,
        ready=lambda running: len(running.current_workers()) >= workers,
        stop_wait=30.0,
    )


@contextlib.contextmanager
def watched(running: Server) -> Iterator[None]:
    """Sample the workers and their RSS every ``SAMPLE_S`` while the block runs."""
    running.watching = True

    def watch() -> None:
        while running.watching:
            running.sample()
            time.sleep(SAMPLE_S)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        running.watching = False
        thread.join()


# --- the browser and the register ---------------------------------------------------------------


def sign_in(base_url: str, password: str) -> str:
    """Sign the bench's account in through the login form; the session cookie's header."""
    with httpx.Client(base_url=base_url, timeout=30.0) as browser:
        form = browser.get("/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if form.status_code != 200 or match is None:
            raise BenchError(f"the login form answered {form.status_code}")
        answer = browser.post(
            "/login",
            data={"email": EMAIL, "password": password, "csrf_token": match.group(1)},
        )
        cookie = browser.cookies.get("ketenkaart")
        if answer.status_code != 303 or not cookie:
            raise BenchError(f"signing in answered {answer.status_code}: {answer.text[:500]}")
        return f"ketenkaart={cookie}"


def import_register(base_url: str, token: str, data: bytes) -> float:
    """POST the chain file to the workspace; the seconds it took."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=1800.0) as client:
        answer = client.post(f"/api/v1/workspaces/{SLUG}/import", content=data, headers=headers)
    if answer.status_code != 200:
        raise BenchError(f"the import answered {answer.status_code}: {answer.text[:2000]}")
    return time.perf_counter() - started


def import_while_signing_in(base_url: str, setup: Setup, data: bytes) -> tuple[str, float, str]:
    """Import the register and, while it runs, sign in every half second (each sign-in writes
    its try, and the import holds the write lock for seconds): the session cookie, the
    import's seconds, and how the sign-ins went."""
    done: list[float] = []
    failure: list[str] = []

    def run() -> None:
        try:
            done.append(import_register(base_url, setup.token, data))
        except (BenchError, httpx.HTTPError) as err:
            failure.append(str(err))

    importing = threading.Thread(target=run, daemon=True)
    importing.start()
    took: list[float] = []
    failed: list[str] = []
    cookie = ""
    while importing.is_alive():
        started = time.perf_counter()
        try:
            cookie = sign_in(base_url, setup.password)
            took.append(time.perf_counter() - started)
        except BenchError as err:
            failed.append(str(err))
        time.sleep(0.5)
    importing.join()
    if not done:
        raise BenchError(f"the import failed: {failure[0] if failure else '?'}")
    during = (
        f"{len(took) + len(failed)} sign-ins during the import, {len(took)} signed in "
        f"(slowest {max(took, default=0):.1f} s)"
        + (f", {len(failed)} failed: {failed[0]}" if failed else "")
    )
    return cookie or sign_in(base_url, setup.password), done[0], during


def versions(base_url: str, token: str, suppliers: Sequence[str]) -> dict[str, tuple[int, Any]]:
    """Each supplier's version (its ETag) and its ``x-bench`` value now."""
    found = {}
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        for key in suppliers:
            answer = client.get(
                f"/api/v1/workspaces/{SLUG}/suppliers/{key}",
                headers={"Authorization": f"Bearer {token}"},
            )
            if answer.status_code != 200:
                raise BenchError(f"GET supplier {key} answered {answer.status_code}")
            found[key] = (int(answer.headers["etag"].strip('"')), answer.json().get("x-bench"))
    return found


# --- the clients ------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """What the clients of one load saw (appended under a lock)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    cut: Counter[str] = field(default_factory=Counter)
    accepted: list[tuple[str, int, str]] = field(default_factory=list)
    """Each accepted PATCH: the supplier, the version it was answered with, the value sent."""
    health: list[float] = field(default_factory=list)
    health_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: str, seconds: float | None) -> None:
        """Count an answer; its time counts when it was served (not a 503 or a failure)."""
        with self.lock:
            self.statuses[kind][status] += 1
            if seconds is not None and status != "503":
                self.latencies[kind].append(seconds)


@dataclass(frozen=True, slots=True)
class Target:
    """What the clients ask for."""

    base_url: str
    token: str
    cookie: str
    offerings: Sequence[str]
    suppliers: Sequence[str]
    services: int
    mix: dict[str, float]
    timeout: float


def ends_well(kind: str, tail: bytes) -> bool:
    """Whether a body read to its end is whole: the check's JSON closes, the page's HTML."""
    if kind == "check":
        return tail.rstrip().endswith(b"}")
    if kind == "graph":
        return tail.rstrip().lower().endswith(b"</html>")
    return True


def request(
    client: httpx.Client,
    tally: Tally,
    kind: str,
    method: str,
    path: str,
    **options: Any,
) -> httpx.Response | None:
    """One timed request, read to its last byte; its answer, or None when it failed. A body
    that ends early, or a connection that drops after the answer began, is a cut response."""
    started = time.perf_counter()
    began = False
    try:
        with client.stream(method, path, **options) as answer:
            began = True
            tail = b""
            content = bytearray() if kind not in ("check", "graph") else None
            for chunk in answer.iter_raw():
                if content is not None:
                    content.extend(chunk)
                tail = (tail + chunk)[-64:]
            seconds = time.perf_counter() - started
        if answer.status_code == 200 and not ends_well(kind, tail):
            with tally.lock:
                tally.cut[kind] += 1
            tally.note(kind, "cut", seconds)
            return None
        answer._content = bytes(content or b"")  # read by stream, kept for .json()
        tally.note(kind, str(answer.status_code), seconds)
        return answer
    except httpx.TimeoutException:
        tally.note(kind, "timeout", None)
    except (httpx.RemoteProtocolError, httpx.ReadError):
        if began:
            with tally.lock:
                tally.cut[kind] += 1
        tally.note(kind, "cut" if began else "connection", None)
    except httpx.HTTPError:
        tally.note(kind, "connection", None)
    return None


def patch_once(
    client: httpx.Client, tally: Tally, target: Target, rng: random.Random, n: str
) -> httpx.Response | None:
    """Read a supplier, then change it with If-Match; record an accepted change."""
    key = rng.choice(target.suppliers)
    path = f"/api/v1/workspaces/{SLUG}/suppliers/{key}"
    read = request(client, tally, "get", "GET", path)
    if read is None or read.status_code != 200:
        return read
    etag = read.headers["etag"]
    answer = request(
        client, tally, "patch", "PATCH", path, json={"x-bench": n}, headers={"If-Match": etag}
    )
    if answer is not None and answer.status_code == 200:
        with tally.lock:
            tally.accepted.append((key, int(answer.headers["etag"].strip('"')), n))
    return answer


def client_loop(index: int, target: Target, tally: Tally, stop_at: float, seed: int) -> None:
    """One client: draw a kind, send it, until ``stop_at``; wait Retry-After after a 503."""
    rng = random.Random(seed * 1000 + index)
    kinds, weights = zip(*target.mix.items(), strict=True)
    headers = {"Authorization": f"Bearer {target.token}"}
    with (
        httpx.Client(base_url=target.base_url, timeout=target.timeout, headers=headers) as client,
        httpx.Client(
            base_url=target.base_url, timeout=target.timeout, headers={"Cookie": target.cookie}
        ) as browser,
    ):
        count = 0
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            count += 1
            answer: httpx.Response | None
            if kind == "list":
                offset = rng.randrange(max(1, target.services - 100))
                answer = request(
                    client,
                    tally,
                    kind,
                    "GET",
                    f"/api/v1/workspaces/{SLUG}/services",
                    params={"limit": 100, "offset": offset},
                )
            elif kind == "check":
                answer = request(
                    client,
                    tally,
                    kind,
                    "GET",
                    f"/api/v1/workspaces/{SLUG}/check",
                    params={"at": AT},
                )
            elif kind == "graph":
                answer = request(
                    browser,
                    tally,
                    kind,
                    "GET",
                    f"/w/{SLUG}/graph/{rng.choice(target.offerings)}",
                    params={"at": AT},
                )
            else:
                answer = patch_once(client, tally, target, rng, f"c{index}-{count}")
            if answer is not None and answer.status_code == 503:
                wait = float(answer.headers.get("retry-after", "1") or 1)
                time.sleep(min(wait, max(0.0, stop_at - time.monotonic())))


def health_loop(base_url: str, tally: Tally, stop_at: float) -> None:
    """Ask /healthz once a second: the time to answer, or a failure after 5 s."""
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = client.get("/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            with tally.lock:
                if ok:
                    tally.health.append(time.perf_counter() - started)
                else:
                    tally.health_failures += 1
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def lost_updates(
    tally: Tally, before: dict[str, tuple[int, Any]], after: dict[str, tuple[int, Any]]
) -> tuple[list[str], list[str]]:
    """The suppliers that lost an accepted PATCH, and those whose PATCHes were answered with
    a version that was not their own.

    Lost: the final version is not the version before plus the PATCHes accepted (each accepted
    PATCH writes one version), or, when the answers name each version once, the final value is
    not that of the PATCH answered with the highest. Misanswered: the answered versions do not
    run from the version before to the final one, each once (a PATCH answered with the version
    another PATCH made after it)."""
    lost, misanswered = [], []
    by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, version, value in tally.accepted:
        by_key[key].append((version, value))
    for key, (start, _) in before.items():
        accepted = sorted(by_key.get(key, []))
        answered = [v for v, _ in accepted]
        final_version, final_value = after[key]
        if final_version != start + len(accepted):
            lost.append(
                f"{key}: {len(accepted)} accepted from version {start}, final version "
                f"{final_version}"
            )
        elif answered != list(range(start + 1, final_version + 1)):
            misanswered.append(
                f"{key}: {len(accepted)} accepted from version {start} to {final_version}, "
                f"answered {[v for v in answered if answered.count(v) > 1]} more than once"
            )
        elif accepted and final_value != accepted[-1][1]:
            lost.append(f"{key}: final value {final_value!r}, last accepted {accepted[-1][1]!r}")
    return lost, misanswered


def run_load(
    running: Server, target: Target, setup: Setup, *, clients: int, seconds: float, seed: int
) -> dict[str, Any]:
    """``clients`` clients for ``seconds``; the figures."""
    before = versions(target.base_url, setup.token, target.suppliers)
    workers_before = set(running.current_workers())
    running.workers = set(workers_before)
    running.peak_rss = 0
    log_before = running.log_text().count("died")
    tally = Tally()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(i, target, tally, stop_at, seed), daemon=True)
        for i in range(clients)
    ]
    threads.append(
        threading.Thread(target=health_loop, args=(target.base_url, tally, stop_at), daemon=True)
    )
    with watched(running):
        for thread in threads:
            thread.start()
        for thread in threads:  # each client's last request ends within its timeout
            thread.join(timeout=max(0.0, stop_at - time.monotonic()) + target.timeout + 30)
        wall = time.monotonic() - started
    running.alive()
    time.sleep(IDLE_S)  # the last answers sent: what the workers hold when nothing runs
    idle_rss = sum(rss_bytes(pid) for pid in running.current_workers())
    after = versions(target.base_url, setup.token, target.suppliers)
    lost, misanswered = lost_updates(tally, before, after)
    kinds = {}
    for kind in (*KINDS, "get"):
        times = tally.latencies.get(kind, [])
        kinds[kind] = {
            "answers": dict(sorted(tally.statuses[kind].items())),
            **(
                {
                    "p50_ms": round(statistics.median(times) * 1000),
                    "p95_ms": round(percentile(times, 95) * 1000),
                    "p99_ms": round(percentile(times, 99) * 1000),
                    "max_ms": round(max(times) * 1000),
                }
                if times
                else {}
            ),
        }
    answered = sum(sum(c.values()) for c in tally.statuses.values())
    statuses: Counter[str] = Counter()
    for counts in tally.statuses.values():
        statuses.update(counts)
    errors = {
        status: count
        for status, count in statuses.items()
        if status not in ("200", "201", "204", "412", "503")
    }
    replaced = len(running.workers - workers_before)
    died = running.log_text().count("died") - log_before
    health = tally.health
    return {
        "clients": clients,
        "seconds": seconds,
        "wall_s": round(wall, 1),
        "requests": answered,
        "throughput_per_s": round(answered / wall, 2),
        "by_kind": kinds,
        "statuses": dict(sorted(statuses.items())),
        "errors": errors,
        "refused_503": statuses.get("503", 0),
        "conflicts_412": statuses.get("412", 0),
        "cut": sum(tally.cut.values()),
        "peak_rss_mib": round(running.peak_rss / MIB),
        "idle_rss_mib": round(idle_rss / MIB),
        "replaced_workers": replaced,
        "died_in_log": died,
        "healthz": {
            "answered": len(health),
            "failed": tally.health_failures,
            **(
                {
                    "p50_ms": round(statistics.median(health) * 1000),
                    "max_ms": round(max(health) * 1000),
                }
                if health
                else {}
            ),
        },
        "accepted_patches": len(tally.accepted),
        "lost_updates": len(lost),
        "lost_detail": lost[:10],
        "misanswered_patches": len(misanswered),
        "misanswered_detail": misanswered[:10],
    }


# --- the benchmark ----------------------------------------------------------------------------


def run_backend(
    name: str, url: str, path: Path, chain: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Set one backend up, serve it, import the register, run every load."""
    progress(f"{name}: setting up")
    setup = prepare(url)
    data = path.read_bytes()
    with server(url, workers=args.workers, upload_limit=len(data) + MIB) as running:
        cookie, seconds, during = import_while_signing_in(running.base_url, setup, data)
        progress(f"{name}: imported {len(data) / MIB:.1f} MiB in {seconds:.1f} s; {during}")
        target = Target(
            base_url=running.base_url,
            token=setup.token,
            cookie=cookie,
            offerings=chain["offerings"],
            suppliers=[s["id"] for s in chain["suppliers"][: args.suppliers]],
            services=len(chain["services"]),
            mix=args.mix,
            timeout=args.request_timeout,
        )
        loads = []
        for clients, duration in args.loads:
            progress(f"{name}: {clients} clients for {duration:.0f} s")
            figures = run_load(
                running, target, setup, clients=clients, seconds=duration, seed=args.seed
            )
            progress(f"{name}: {summary_line(figures)}")
            loads.append(figures)
        if args.server_log:
            Path(f"{args.server_log}.{name}").write_text(running.log_text(), encoding="utf-8")
    return {
        "backend": name,
        "import_s": round(seconds, 1),
        "sign_in_during_import": during,
        "loads": loads,
    }


def summary_line(f: dict[str, Any]) -> str:
    """One line of a load's figures."""
    kinds = ", ".join(
        f"{kind} p50/p95/p99 {v['p50_ms']}/{v['p95_ms']}/{v['p99_ms']} ms"
        for kind, v in f["by_kind"].items()
        if "p50_ms" in v
    )
    return (
        f"{f['requests']} requests in {f['wall_s']} s ({f['throughput_per_s']}/s); {kinds}; "
        f"errors {f['errors'] or 0}, 503 {f['refused_503']}, 412 {f['conflicts_412']}, "
        f"cut {f['cut']}, peak RSS {f['peak_rss_mib']} MiB (idle after "
        f"{f['idle_rss_mib']} MiB), replaced workers "
        f"{f['replaced_workers']}, healthz max {f['healthz'].get('max_ms')} ms "
        f"({f['healthz']['failed']} failed), accepted PATCHes {f['accepted_patches']}, "
        f"lost updates {f['lost_updates']}, PATCHes answered with another's version "
        f"{f['misanswered_patches']}"
    )


def failed(results: list[dict[str, Any]]) -> bool:
    """A failed sign-in during the import, or any error, cut response, replaced worker, lost
    update or PATCH answered with another's version."""
    return any("failed" in result.get("sign_in_during_import", "") for result in results) or any(
        load["errors"]
        or load["cut"]
        or load["replaced_workers"]
        or load["lost_updates"]
        or load["misanswered_patches"]
        for result in results
        for load in result.get("loads", [])
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status."""
    args = parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="kk-load-") as tmp:
        directory = Path(tmp)
        path = args.file or generate(args.services, args.seed, directory, timeout=600, say=progress)
        chain = json.loads(path.read_bytes())
        for name in args.backends:
            try:
                with contextlib.ExitStack() as stack:
                    if name == "postgresql":
                        url = stack.enter_context(
                            postgresql_database(args.pg_url, prefix="kk_bench", progress=progress)
                        )
                    else:
                        url = stack.enter_context(sqlite_database(directory))
                    results.append(run_backend(name, url, path, chain, args))
            except ConnectionError as err:
                progress(f"{name}: skipped, PostgreSQL does not answer ({err})")
                results.append({"backend": name, "skipped": str(err)})
            except BenchError as err:
                progress(f"{name}: {err}")
                results.append({"backend": name, "failed": str(err)})
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            for load in result.get("loads", []):
                print(f"{result['backend']}: {summary_line(load)}")
    return 1 if failed(results) or any("failed" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
