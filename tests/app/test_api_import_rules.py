"""POST /import and the import page follow the same import rules as the command line
(importers.registry.run): the empty file and byte-order marks named, a library's warning
returned as the file's own, errors capped, and a .csv file found as CSV without ?format=."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import services
from app.audit import COMMAND_LINE
from importers import registry
from importers.base import MAX_ERRORS, Importer, ImportResult, Source
from tests.app.conftest import Ws
from tests.app.test_pages import csrf, sign_in, squash

VARIANTS = Path(__file__).resolve().parents[1] / "importers" / "data" / "variants" / "worksheet"
PROBLEM = "application/problem+json"


def post(client: TestClient, ws: Ws, name: str, data: bytes) -> dict[str, object]:
    answer = client.post(
        ws.url(f"/import?filename={name}"), content=data, headers=ws.auth("editor")
    )
    loaded = answer.json()
    assert isinstance(loaded, dict)
    loaded["status"] = answer.status_code
    return loaded


def test_an_empty_file_and_a_doubled_byte_order_mark_are_named(client: TestClient, ws: Ws) -> None:
    """An empty upload is "the file is empty", not an unknown format; two byte-order marks are
    named; both 422 with the place "file"."""
    for name, message in (
        ("empty.csv", "the file is empty"),
        ("two-boms.csv", "the file starts with two byte-order marks; save it again as UTF-8"),
        ("chain-utf16.yaml", "the file is UTF-16 (it starts with a UTF-16 byte-order mark)"),
    ):
        answer = post(client, ws, name, (VARIANTS / name).read_bytes())
        assert answer["status"] == 422
        errors = answer["errors"]
        assert isinstance(errors, list)
        assert errors[0]["location"] == "file"
        assert errors[0]["message"].startswith(message)


def test_a_library_warning_comes_back_as_a_warning_of_the_import(
    client: TestClient, ws: Ws
) -> None:
    """openpyxl's warning about an unknown extension is in the answer's warnings, in words
    about the workbook, and the register is imported."""
    name = "unknown-extension.xlsx"
    answer = post(client, ws, name, (VARIANTS / name).read_bytes())
    assert answer["status"] == 200, answer
    assert answer["format"] == "xlsx"
    assert answer["warnings"] == [
        {
            "location": "file",
            "message": "the workbook uses a spreadsheet feature this reader does not know (an "
            "unknown extension); the feature is left out and the cells are read as they are",
        }
    ]


def test_a_csv_file_that_is_no_register_is_read_as_csv(client: TestClient, ws: Ws) -> None:
    """A .csv upload that no format claims by its content is read as CSV by its name: the
    answer names the register's missing columns, not "format not recognised"."""
    answer = post(client, ws, "not-a-register.csv", (VARIANTS / "not-a-register.csv").read_bytes())
    assert answer["status"] == 422
    errors = answer["errors"]
    assert isinstance(errors, list)
    assert errors[0]["location"] == "row 1"
    assert errors[0]["message"].startswith("the register has no columns 'Supplier'")


def test_errors_are_capped(client: TestClient, ws: Ws) -> None:
    """30 bad rows answer with 20 errors and one counting the rest."""
    rows = "".join(f"Cloud {n},Hosting {n},iaaas,,yes\n" for n in range(30))
    data = f"Supplier,Service,Kind,Used by,Offering\n{rows}".encode()
    answer = post(client, ws, "register.csv", data)
    assert answer["status"] == 422
    errors = answer["errors"]
    assert isinstance(errors, list)
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1] == {"location": "file", "message": "… and 10 more errors"}


def test_the_service_passes_keep_internal_to_the_format(
    engine: Engine, ws: Ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """services.import_file takes keep_internal and gives it to the format through Source."""
    seen: list[bool] = []
    real = registry.run

    def spy(importer: Importer, data: bytes, source: Source) -> ImportResult:
        seen.append(source.keep_internal)
        return real(importer, data, source)

    monkeypatch.setattr(registry, "run", spy)
    bom = (VARIANTS.parents[1] / "cyclonedx" / "ticker-1.4.json").read_bytes()
    with Session(engine) as session:
        workspace = services.workspace_for(session, ws.slug)
        for keep in (False, True):
            services.import_file(
                session,
                workspace=workspace,
                name="ticker.json",
                data=bom,
                fmt=None,
                dry_run=True,
                actor=COMMAND_LINE,
                keep_internal=keep,
            )
    assert seen == [False, True]


def test_the_import_page_names_the_empty_file_and_the_library_warning(
    make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """On the import page, an empty upload says the file is empty, and a workbook openpyxl
    warns about previews with the warning in words about the workbook."""
    web = make_client(plain_http_localhost=True)
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    empty = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview"},
        files={"file": ("empty.csv", b"", "text/csv")},
    )
    assert empty.status_code == 422
    assert "the file is empty" in empty.text
    assert "not recognised" not in empty.text
    book = (VARIANTS / "unknown-extension.xlsx").read_bytes()
    preview = web.post(
        "/w/acme/import",
        data={"csrf_token": token, "mode": "preview"},
        files={"file": ("unknown-extension.xlsx", book, "application/octet-stream")},
    )
    assert preview.status_code == 200, preview.text
    assert "the workbook uses a spreadsheet feature this reader does not know" in squash(
        preview.text
    )


def test_keep_internal_through_the_api_keeps_a_providers_own_components_as_links(
    client: TestClient, ws: Ws
) -> None:
    """POST /import writes a SaaSBOM's own internal services' links as out of scope, with a
    warning naming them; with ?keep-internal=true they are ordinary links, which the check
    judges (the BOM's 5 internal links)."""
    bom = (VARIANTS.parent / "cyclonedx" / "saasbom-internal-1.6.json").read_bytes()
    out_of_scope, warned = {}, {}
    for keep in ("false", "true"):
        answer = client.post(
            ws.url(f"/import?filename=bom.json&keep-internal={keep}"),
            content=bom,
            headers=ws.auth("editor"),
        )
        assert answer.status_code == 200, answer.text
        warned[keep] = any("own system" in str(w) for w in answer.json()["warnings"])
        check = client.get(ws.url("/check?at=2026-11-27"), headers=ws.auth("editor"))
        out_of_scope[keep] = check.json()["summary"]["out-of-scope"]
    assert warned == {"false": True, "true": False}
    assert out_of_scope["false"] - out_of_scope["true"] == 5


def test_the_import_page_keeps_internal_components_when_asked_and_carries_the_choice(
    make_client: Callable[..., TestClient], ws: Ws
) -> None:
    """The import page's box keeps a provider's own components as links: the preview names
    them as out of scope without it and not with it, and the preview's apply form carries the
    choice."""
    web = make_client(plain_http_localhost=True)
    sign_in(web, ws.emails["editor"])
    token = csrf(web.get("/w/acme/import").text)
    bom = (VARIANTS.parent / "cyclonedx" / "saasbom-internal-1.6.json").read_bytes()
    pages = {}
    for keep in (False, True):
        form = {"csrf_token": token, "mode": "preview"} | ({"keep_internal": "yes"} if keep else {})
        answer = web.post(
            "/w/acme/import", data=form, files={"file": ("bom.json", bom, "application/json")}
        )
        assert answer.status_code == 200, answer.text
        pages[keep] = squash(answer.text)
    assert "are written as out of scope" in pages[False]
    assert "are written as out of scope" not in pages[True]
    assert 'name="keep_internal" value="yes"' in pages[True]
