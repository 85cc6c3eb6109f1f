"""/docs in a real browser: Swagger UI draws the API's operations and the typed bodies, with
no request to another origin and no breach of the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from tests.browser.conftest import Watched, serve


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    """The service on a free port, with an empty database."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    settings = Settings(database_url="sqlite://", documents_dir=None, plain_http_localhost=True)
    with serve(create_app(settings, engine=engine)) as url:
        yield url
    engine.dispose()


def test_docs_shows_the_operations_and_a_suppliers_fields(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """Swagger UI lists the supplier operations and, opened, the body of adding a supplier
    names its fields; everything it loaded came from this origin, under the strict policy."""
    page = watched.page
    page.goto(f"{origin}/docs")
    page.locator(".opblock").first.wait_for()
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/workspaces/{ws}/suppliers" in [o.replace("\u200b", "") for o in operations]
    adding = page.locator("#operations-register_entities-create_supplier")
    adding.locator(".opblock-summary").click()
    adding.get_by_role("tab", name="Schema").first.click()
    schema = adding.locator(".model-box").first  # the request body's, drawn open
    titles = schema.locator(".json-schema-2020-12__title")
    titles.filter(has_text="country").first.wait_for()
    shown = titles.all_inner_texts()
    assert shown[0] == "SupplierCreate"
    assert {"id", "name", "country", "contact"} <= set(shown)
    page.screenshot(path=str(artefacts / "api-docs.png"))
    assert watched.dialogs == []
    assert watched.errors == []
    assert watched.violations() == []
    assert [u for u in watched.requests if not u.startswith(origin + "/")] == []
    loaded = {u.removeprefix(origin) for u in watched.requests}
    assert {"/static/swagger-ui/swagger-ui-bundle.js", "/openapi.json"} <= loaded
