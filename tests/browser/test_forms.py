"""The entity forms in real Chromium: a report with a bridge letter, criteria, a carve-out, an
exception and a CUEC is entered with clicks and typing only, and is stored as the same entity
the same report in a chain file imports to; rows are added and removed with the keyboard alone.
No script error, no CSP violation, no serious accessibility finding; the form is saved as a
screenshot for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from app import accounts, membership, passwords, services
from app.audit import COMMAND_LINE
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from tests.browser.conftest import Watched, serve
from tests.browser.test_pages import CLOCK, EDITOR, PASSWORD, ROOT, assert_clean, sign_in

ENGINE: list[Any] = []

REPORT_YAML = """\
ketenkaart: 1
offerings: [stratus-compute-ams]
suppliers:
  - {id: stratus, name: Stratus Cloud Nederland B.V.}
  - {id: dijk-dc, name: Dijk Datacenters B.V.}
services:
  - {id: stratus-compute-ams, name: Stratus Compute Amsterdam, supplier: stratus, kind: iaas}
  - {id: dijk-ams1, name: Dijk AMS1 colocation, supplier: dijk-dc, kind: other}
evidence:
  - id: form-soc2
    scheme: soc2
    holder: stratus
    covers: [stratus-compute-ams]
    type: 2
    period: {from: 2025-10-01, to: 2026-09-30}
    issued: 2026-10-20
    criteria: [security, availability, confidentiality]
    issuer: Voorbeeld Assurance LLP
    issuer_qualification: cpa
    exceptions:
      - {criterion: CC6.1, description: Two leavers kept their access, response: Access removed}
    subservices:
      method: carve-out
      carved_out: [dijk-ams1]
    cuecs:
      - {id: CUEC-7, text: Customers review their users every quarter, addressed: true}
    bridge_letter: {from: 2026-10-01, to: 2026-12-31, signed_by: Stratus management}
"""


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service on a free port: workspace acme with the demo chain and an editor, and
    workspace yaml with the report of REPORT_YAML imported from its chain file."""
    passwords.use_cheap_hashing()
    folder = tmp_path_factory.mktemp("forms")
    engine = make_engine(f"sqlite:///{folder / 'ketenkaart.db'}")
    upgrade(engine)
    with Session(engine) as session:
        editor = accounts.create_user(
            session, email=EDITOR, display_name="Eddie", password=PASSWORD, actor=COMMAND_LINE
        )
        for slug, name, data in (
            ("acme", "demo-chain.yaml", (ROOT / "examples" / "demo-chain.yaml").read_bytes()),
            ("yaml", "report.yaml", REPORT_YAML.encode()),
        ):
            workspace = membership.create_workspace(
                session, slug=slug, name=None, owner=editor, actor=COMMAND_LINE
            )
            services.import_chain(session, workspace=workspace, name=name, data=data, dry_run=False)
    ENGINE[:] = [engine]
    settings = Settings(database_url="sqlite://", documents_dir=None, plain_http_localhost=True)
    app = create_app(settings, engine=engine)
    app.state.clock = lambda: CLOCK
    with serve(app) as url:
        yield url
    engine.dispose()


def stored(slug: str, section: str, key: str) -> dict[str, Any]:
    """An entity's body as the register holds it."""
    with Session(ENGINE[0]) as session:
        workspace = services.find_workspace(session, slug)
        assert workspace is not None
        return dict(
            services.get_entity(session, workspace=workspace, section=section, key=key).body
        )


def serious_findings(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - a dev dependency

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def pick(page: Any, selector: str, text: str) -> None:
    """Click into a pick list's input and type an id, as a person choosing from it does."""
    page.click(selector)
    page.keyboard.type(text)


def test_a_report_entered_in_the_form_equals_the_one_imported_from_yaml(
    watched: Watched, origin: str, artefacts: Path
) -> None:
    """Every field of the report through its own control (pick lists, date pickers, check
    boxes, rows, the bridge-letter group): the stored entity is the one the chain file gives."""
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/evidence")
    assert page.inner_text("h2#add") == "Add a piece of evidence"
    form = page.locator("form.entity-form")
    pick(page, "#f-id", "form-soc2")
    page.select_option("#f-scheme", "soc2")
    pick(page, "#f-holder", "stratus")
    pick(page, "#f-covers-0", "stratus-compute-ams")
    page.select_option("#f-type", "2")
    page.fill("#f-period_from", "2025-10-01")
    page.fill("#f-period_to", "2026-09-30")
    page.fill("#f-issued", "2026-10-20")
    page.fill("#f-bridge_from", "2026-10-01")
    page.fill("#f-bridge_to", "2026-12-31")
    pick(page, "#f-bridge_signed_by", "Stratus management")
    for criterion in ("Security", "Availability", "Confidentiality"):
        form.get_by_label(criterion, exact=True).check()
    pick(page, "#f-issuer", "Voorbeeld Assurance LLP")
    page.select_option("#f-issuer_qualification", "cpa")
    pick(page, "#f-exceptions-0-criterion", "CC6.1")
    pick(page, "#f-exceptions-0-description", "Two leavers kept their access")
    pick(page, "#f-exceptions-0-response", "Access removed")
    page.select_option("#f-subservices_method", "carve-out")
    pick(page, "#f-carved_out-0", "dijk-ams1")
    pick(page, "#f-cuecs-0-id", "CUEC-7")
    pick(page, "#f-cuecs-0-text", "Customers review their users every quarter")
    page.check("#f-cuecs-0-addressed")
    page.click("button.add-row >> text=Add a CUEC")  # an extra row, left blank: not stored
    assert page.locator("#f-cuecs-1-id").evaluate("e => e === document.activeElement")
    assert serious_findings(page) == []
    form.screenshot(path=str(artefacts / "forms-evidence-filled.png"))
    page.click("form.entity-form .form-actions button")
    page.locator("p.message", has_text="Added form-soc2.").wait_for()
    assert stored("acme", "evidence", "form-soc2") == stored("yaml", "evidence", "form-soc2")

    page.goto(f"{origin}/w/acme/evidence/form-soc2")
    assert page.input_value("#f-carved_out-0") == "dijk-ams1"
    assert page.is_checked("#f-criteria-confidentiality")
    assert page.input_value("#f-cuecs-0-text") == "Customers review their users every quarter"
    assert serious_findings(page) == []
    page.screenshot(path=str(artefacts / "forms-evidence-edit.png"), full_page=True)
    page.click("form.entity-form .form-actions button")
    page.locator("p.message", has_text="Nothing changed in form-soc2").wait_for()
    assert stored("acme", "evidence", "form-soc2") == stored("yaml", "evidence", "form-soc2")
    assert_clean(watched, origin)


def focused(page: Any) -> str:
    """The focused element: its id, else its tag and text."""
    return str(
        page.evaluate(
            "(() => { const e = document.activeElement;"
            " return e.id || `${e.tagName.toLowerCase()}:${e.textContent.trim()}`; })()"
        )
    )


def tab_to(page: Any, wanted: str, limit: int = 250) -> None:
    """Press Tab until the element ``wanted`` (as :func:`focused` names it) has the focus."""
    for _ in range(limit):
        if focused(page) == wanted:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {wanted}; the focus is on {focused(page)}")


def test_rows_are_added_removed_and_saved_with_the_keyboard_alone(
    watched: Watched, origin: str
) -> None:
    """Filter the countries (Enter does not send the form), Tab to the CUECs, type a row, tick
    it with Space, add a row with Enter on "Add a CUEC", add and remove another, Tab to Save
    and press Enter: the two new CUECs are stored, nothing else changes."""
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/evidence/stratus-soc2-2026")
    before = stored("acme", "evidence", "stratus-soc2-2026")
    assert len(before["cuecs"]) == 1
    tab_to(page, "filter-locations")
    page.keyboard.type("neth")
    page.keyboard.press("Enter")  # filters; does not send the form
    assert page.is_visible("#f-locations-NL") and page.is_hidden("#f-locations-AT")
    assert page.url == f"{origin}/w/acme/evidence/stratus-soc2-2026"
    tab_to(page, "f-cuecs-1-id")
    page.keyboard.type("CUEC-8")
    page.keyboard.press("Tab")
    page.keyboard.type("Customers rotate their API keys")
    page.keyboard.press("Tab")
    assert focused(page) == "f-cuecs-1-addressed"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page) == "button:Remove CUEC" or focused(page).startswith("button:Remove")
    page.keyboard.press("Tab")
    assert focused(page) == "button:Add a CUEC"
    page.keyboard.press("Enter")
    assert focused(page) == "f-cuecs-2-id"
    page.keyboard.type("CUEC-9")
    page.keyboard.press("Tab")
    page.keyboard.type("Customers sign in with a second factor")
    tab_to(page, "button:Add a CUEC")
    page.keyboard.press("Enter")
    assert focused(page) == "f-cuecs-3-id"
    page.keyboard.type("a row to remove")
    tab_to(page, "button:Remove a CUEC")
    page.keyboard.press("Enter")
    assert focused(page) == "button:Add a CUEC"
    assert page.locator("#f-cuecs-3-id").count() == 0
    tab_to(page, "button:Save")
    page.keyboard.press("Enter")
    page.locator("p.message", has_text="Saved stratus-soc2-2026.").wait_for()
    after = stored("acme", "evidence", "stratus-soc2-2026")
    assert after["cuecs"] == [
        *before["cuecs"],
        {"id": "CUEC-8", "text": "Customers rotate their API keys", "addressed": True},
        {"id": "CUEC-9", "text": "Customers sign in with a second factor"},
    ]
    assert {k: v for k, v in after.items() if k != "cuecs"} == {
        k: v for k, v in before.items() if k != "cuecs"
    }
    assert_clean(watched, origin)


@pytest.mark.parametrize(
    "path",
    [
        "/w/acme/suppliers",
        "/w/acme/suppliers/stratus",
        "/w/acme/services",
        "/w/acme/services/stratus-postgres",
        "/w/acme/dependencies",
        "/w/acme/dependencies/loonwolk-online/stratus-compute-ams",
    ],
)
def test_every_form_has_no_serious_accessibility_finding(
    watched: Watched, origin: str, artefacts: Path, path: str
) -> None:
    """The add and edit forms of suppliers, services and dependencies pass axe-core without a
    serious or critical finding (the evidence forms are scanned above)."""
    page = watched.page
    sign_in(page, origin)
    page.goto(f"{origin}{path}")
    assert page.locator("form.entity-form").count() == 1
    assert serious_findings(page) == []
    name = path.removeprefix("/w/acme/").replace("/", "-")
    page.locator("form.entity-form").screenshot(path=str(artefacts / f"forms-{name}.png"))
    assert_clean(watched, origin)


def test_the_forms_work_without_javascript(browser: Any, origin: str) -> None:
    """With scripts off there are no Add or Remove buttons, but each group has a blank row:
    a second covered service is typed into it and saved."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, origin)
        page.goto(f"{origin}/w/acme/evidence/dijk-iso27001")
        assert page.locator("button.add-row").first.is_hidden()
        assert page.locator("button.remove-row").first.is_hidden()
        page.fill("#f-covers-1", "kantoor-catering")
        page.click("form.entity-form .form-actions button")
        page.locator("p.message", has_text="Saved dijk-iso27001.").wait_for()
        covers = stored("acme", "evidence", "dijk-iso27001")["covers"]
        assert covers == ["dijk-ams1", "kantoor-catering"]
    finally:
        context.close()


def test_a_form_sent_back_with_an_error_opens_at_it(watched: Watched, origin: str) -> None:
    """A piece of evidence whose tested period ends before it starts: the answer is the form
    again, and the field in error is in view and has the focus (the page opened at its top,
    with the error a screen or two below, out of sight)."""
    page = watched.page
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, origin)
    page.goto(f"{origin}/w/acme/evidence/stratus-soc2-2026")
    page.fill("#f-period_from", "2026-06-30")
    page.fill("#f-period_to", "2026-01-01")
    page.click("form.entity-form .form-actions button")
    page.wait_for_load_state("load")
    assert page.locator(".field-error").count() >= 1
    assert focused(page) in ("f-period_from", "f-period_to")
    box = page.locator(f"#{focused(page)}").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768
    error = page.locator(".field-error").first.bounding_box()
    assert error is not None and error["y"] + error["height"] <= 768
    assert [e for e in watched.errors if "status of 422" not in e] == []  # the browser logs it
    watched.errors.clear()
    assert_clean(watched, origin)
