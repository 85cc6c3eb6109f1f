"""/docs: Swagger UI, served from the service's own static files under its strict
Content-Security-Policy (no inline script, nothing from another origin)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient

from app.security import CSP

VENDORED = Path(__file__).resolve().parents[2] / "app" / "static" / "swagger-ui"


class _Page(HTMLParser):
    """The scripts, styles and inline code of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self.spec: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self._in_script = "src" not in given
            if given.get("src"):
                self.sources.append(str(given["src"]))
        if tag == "link" and given.get("rel") == "stylesheet":
            self.sources.append(str(given["href"]))
        if tag == "style":
            self.inline.append("<style>")
        if given.get("data-spec"):
            self.spec = given["data-spec"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)


def _page(client: TestClient) -> _Page:
    answer = client.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(answer.text)
    return page


def test_docs_is_served_under_the_strict_policy(client: TestClient) -> None:
    """/docs answers its page with the service's own CSP, and the page has no inline script,
    no inline style and no event handler attribute: the policy needs no exception."""
    assert client.get("/docs").headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP
    assert "'unsafe-eval'" not in CSP
    page = _page(client)
    assert page.inline == []
    assert page.handlers == []


def test_every_asset_of_docs_is_this_origins_and_loads(client: TestClient) -> None:
    """Swagger UI's script and style and the page's own start script come from /static, each
    answered with its type; the page reads the OpenAPI document of this service."""
    page = _page(client)
    assert page.sources == [
        "/static/swagger-ui/swagger-ui.css",
        "/static/api-docs.css",
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/api-docs.js",
    ]
    for source in page.sources:
        answer = client.get(source)
        assert answer.status_code == 200, source
        kind = "text/css" if source.endswith(".css") else "javascript"
        assert kind in answer.headers["content-type"], source
    assert page.spec == "/openapi.json"
    assert "/api/v1/workspaces/{ws}/suppliers" in client.get(page.spec).json()["paths"]
    start = client.get("/static/api-docs.js").text
    assert "SwaggerUIBundle(" in start
    assert "validatorUrl: null" in start  # no badge from the online validator


def test_the_vendored_swagger_ui_is_whole_with_its_licence() -> None:
    """The vendored Swagger UI names its version, and carries its licence and notice."""
    release = json.loads((VENDORED / "package.json").read_text(encoding="utf-8"))
    assert release["name"] == "swagger-ui-dist"
    assert release["license"] == "Apache-2.0"
    assert "Apache License" in (VENDORED / "LICENSE").read_text(encoding="utf-8")
    assert (VENDORED / "NOTICE").is_file()
    assert (VENDORED / "swagger-ui-bundle.js.LICENSE.txt").is_file()


def test_every_api_operation_declares_the_token(client: TestClient) -> None:
    """The document names the bearer token, so /docs offers "Authorize" and a generated
    client sends it; every /api/v1 operation takes it, health checks do not."""
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            wanted = [{"token": []}] if path.startswith("/api/v1/") else None
            assert operation.get("security") == wanted, (method, path)
