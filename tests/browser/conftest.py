"""Fixtures of the browser tests: headless Chromium through Playwright, and a local server.

The browser is Debian's Chromium (``/usr/bin/chromium``, or the one ``KETENKAART_CHROMIUM``
names). Without one the browser tests are skipped with the reason, unless
``KETENKAART_REQUIRE_BROWSER=1``: then they fail, so that CI cannot pass them silently.
Screenshots go to the folder ``KETENKAART_ARTEFACTS`` names (default: a temporary folder).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Registered before any page script runs; the page's CSP does not apply to it.
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def chromium_path() -> str | None:
    """The Chromium to drive: ``KETENKAART_CHROMIUM``, else Debian's, else one on PATH."""
    given = os.environ.get("KETENKAART_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if os.environ.get("KETENKAART_REQUIRE_BROWSER") == "1":
        pytest.fail(f"KETENKAART_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"browser tests need Chromium: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium, shared by the session's tests."""
    path = chromium_path()
    if path is None:
        _unavailable("no Chromium at /usr/bin/chromium, on PATH or at KETENKAART_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional at collection
    except ImportError as error:  # pragma: no cover - playwright is a dev dependency
        _unavailable(f"the playwright package is missing ({error})")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure means no browser here
            _unavailable(f"{path} did not start ({error})")
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """What a page did that a test may assert on."""

    page: Any
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        """CSP violations the page reported to its own listener."""
        return list(self.page.evaluate("window.__violations || []"))


def watch(page: Any) -> Watched:
    """Record the page's requests, dialogs, console errors and page errors from now on."""
    w = Watched(page)
    page.add_init_script(WATCH_CSP)
    page.on("request", lambda request: w.requests.append(request.url))

    def on_dialog(dialog: Any) -> None:
        w.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda message: w.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: w.errors.append(f"page error: {error}"))
    return w


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh page recording its requests, dialogs, console errors and page errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield watch(context.new_page())
    context.close()


@pytest.fixture(scope="session")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder for screenshots: ``KETENKAART_ARTEFACTS``, else a temporary one."""
    given = os.environ.get("KETENKAART_ARTEFACTS")
    folder = Path(given) if given else tmp_path_factory.mktemp("artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free local port in a thread; yields its origin."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
