"""The register as a whole: export round trip, check parity with the CLI, expiring evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from importers.chainfile import load_chain
from tests.app.conftest import ROOT, Ws

PROFILE = b"""
profiles:
  - {id: strict-buyer, extends: zeker-online, min_period_months: 9, max_age_months: 12}
"""


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_round_trips(
    client: TestClient, make_workspace: Callable[[str], Ws], demo_bytes: bytes, fmt: str
) -> None:
    """Demo chain -> import -> export -> import elsewhere -> export gives the same bytes, and a
    chain equal to the demo file's."""
    first, second = make_workspace("first"), make_workspace("second")
    assert client.post(first.url("/import"), content=demo_bytes, headers=first.auth()).is_success
    exported = client.get(first.url(f"/export?format={fmt}"), headers=first.auth("viewer"))
    assert exported.status_code == 200
    answer = client.post(second.url("/import"), content=exported.content, headers=second.auth())
    assert answer.status_code == 200, answer.text
    again = client.get(second.url(f"/export?format={fmt}"), headers=second.auth("viewer"))
    assert again.content == exported.content
    assert load_chain(exported.content) == load_chain(demo_bytes)


def test_export_names_a_download(client: TestClient, demo_ws: Ws) -> None:
    """The YAML export is an attachment named after the workspace."""
    answer = client.get(demo_ws.url("/export"), headers=demo_ws.auth("viewer"))
    assert answer.headers["content-type"].startswith("application/yaml")
    assert 'filename="acme.yaml"' in answer.headers["content-disposition"]


def test_export_of_a_workspace_without_offerings_is_409(client: TestClient, ws: Ws) -> None:
    """An empty register has no chain to export yet: 409 saying why."""
    answer = client.get(ws.url("/export"), headers=ws.auth("viewer"))
    assert answer.status_code == 409
    assert "offering" in answer.json()["detail"]


def _cli_check(path: Path, *args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "check", str(path), "--format", "json", *args],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize(
    "case",
    [
        ("at=2026-11-27", ["--at", "2026-11-27"]),
        ("period=2026-01-01..2026-12-31", ["--period", "2026-01-01..2026-12-31"]),
        (
            "at=2026-11-27&offering=stratus-postgres&offering=wacht-soc",
            ["--at", "2026-11-27", "--offering", "stratus-postgres", "--offering", "wacht-soc"],
        ),
        ("at=2026-11-27&profile=strict-buyer", ["--at", "2026-11-27", "--profile", "strict-buyer"]),
    ],
    ids=["at", "period", "offering", "profile"],
)
def test_check_answers_what_the_cli_prints(
    client: TestClient,
    ws: Ws,
    demo_bytes: bytes,
    tmp_path: Path,
    case: tuple[str, list[str]],
) -> None:
    """GET /check answers byte for byte what `ketenkaart check --format json` prints on the
    exported register."""
    query, args = case
    chain = demo_bytes + PROFILE
    assert client.post(ws.url("/import"), content=chain, headers=ws.auth()).is_success
    exported = tmp_path / "register.yaml"
    exported.write_bytes(client.get(ws.url("/export"), headers=ws.auth()).content)
    answer = client.get(ws.url(f"/check?{query}"), headers=ws.auth("viewer"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.content == _cli_check(exported, *args)


def test_check_with_both_at_and_period_is_422(client: TestClient, demo_ws: Ws) -> None:
    """At and period exclude each other."""
    answer = client.get(
        demo_ws.url("/check?at=2026-11-27&period=2026-01-01..2026-12-31"), headers=demo_ws.auth()
    )
    assert answer.status_code == 422


def test_check_with_an_unknown_profile_is_422(client: TestClient, demo_ws: Ws) -> None:
    """A profile the register does not define is a problem, not a crash."""
    answer = client.get(demo_ws.url("/check?at=2026-11-27&profile=nope"), headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


def _label(key: str, until: date, *, holder: str = "host") -> str:
    """A Zeker-OnLine label of ``holder`` for service ``vm-KEY``, valid until ``until``."""
    return (
        f"  - {{id: {key}, scheme: zeker-online, holder: {holder}, covers: [vm-{key}],"
        f" issued: 2024-01-01, valid_until: {until.isoformat()}}}\n"
    )


def _expiring_chain(labels: dict[str, tuple[date, str]]) -> bytes:
    """``app`` relying on one service ``vm-KEY`` of supplier ``host`` per label."""
    services = "".join(
        f"  - {{id: vm-{key}, name: VM {key}, supplier: host, kind: iaas}}\n" for key in labels
    )
    return (
        "ketenkaart: 1\nofferings: [app]\n"
        "suppliers: [{id: me, name: Me}, {id: host, name: Host},"
        " {id: other, name: Other, parent: host}]\n"
        "services:\n  - {id: app, name: App, supplier: me, kind: saas}\n"
        + services
        + "dependencies:\n"
        + "".join(f"  - {{from: app, to: vm-{key}}}\n" for key in labels)
        + "evidence:\n"
        + "".join(_label(key, until, holder=holder) for key, (until, holder) in labels.items())
    ).encode()


def test_expiring_lists_evidence_stopping_soon_soonest_first(client: TestClient, ws: Ws) -> None:
    """GET /expiring?days=N lists the deciding evidence of ok links that stops within N days
    from today, soonest first."""
    today = date.today()  # noqa: DTZ011 - the route counts from the server's calendar day
    chain = _expiring_chain(
        {
            "later": (today + timedelta(days=60), "host"),
            "far": (today + timedelta(days=400), "host"),
            "soon": (today + timedelta(days=5), "host"),
            "gone": (today - timedelta(days=1), "host"),
        }
    )
    assert client.post(ws.url("/import"), content=chain, headers=ws.auth()).is_success
    answer = client.get(ws.url("/expiring?days=90"), headers=ws.auth("viewer"))
    assert answer.status_code == 200
    found = answer.json()
    assert [e["evidence"] for e in found] == ["soon", "later"]
    assert found[0]["stops"] == (today + timedelta(days=5)).isoformat()
    assert found[0]["covers"] == ["vm-soon"]
    wider = client.get(ws.url("/expiring?days=500"), headers=ws.auth("viewer")).json()
    assert [e["evidence"] for e in wider] == ["soon", "later", "far"]


def test_expiring_follows_the_check_conditional_yes_gap_no(client: TestClient, ws: Ws) -> None:
    """The list follows the check's rule: a conditional link's deciding evidence is listed (its
    lapse makes the link a gap); evidence that decides no ok or conditional link is not."""
    today = date.today()  # noqa: DTZ011 - the route counts from the server's calendar day
    chain = _expiring_chain({"parents": (today + timedelta(days=30), "other")})
    chain += (
        "  - {id: iso, scheme: iso27001, holder: host, covers: [vm-parents], issued: 2024-01-01,"
        f" valid_until: {(today + timedelta(days=20)).isoformat()},"
        " accreditation: {body: RvA, iaf_mla: true}}\n"
    ).encode()
    assert client.post(ws.url("/import"), content=chain, headers=ws.auth()).is_success
    check = client.get(ws.url("/check"), headers=ws.auth()).json()
    assert [(x["evidence"], x["status"]) for x in check["links"]] == [("parents", "conditional")]
    found = client.get(ws.url("/expiring?days=90"), headers=ws.auth()).json()
    assert [e["evidence"] for e in found] == ["parents"]


def test_expiring_output_is_json_of_the_demo(client: TestClient, demo_ws: Ws) -> None:
    """The demo chain answers a JSON list (its dates lie around the project's own date)."""
    answer = client.get(demo_ws.url("/expiring?days=3650"), headers=demo_ws.auth())
    assert answer.status_code == 200
    stops = [e["stops"] for e in json.loads(answer.content)]
    assert stops == sorted(stops)


def _printed_forecast(
    client: TestClient, demo_ws: Ws, folder: Path, *options: str
) -> dict[str, Any]:
    """What `ketenkaart forecast --format json OPTIONS` prints for the exported register."""
    exported = client.get(demo_ws.url("/export"), headers=demo_ws.auth()).content
    (folder / "register.yaml").write_bytes(exported)
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "forecast",
            str(folder / "register.yaml"),
            *options,
            "--format",
            "json",
        ],
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    found: dict[str, Any] = json.loads(printed.stdout)
    return found


def test_forecast_is_the_command_lines_on_the_register(
    client: TestClient, demo_ws: Ws, tmp_path: Path
) -> None:
    """GET /forecast?at=&days= answers what `ketenkaart forecast --format json` prints for the
    exported register, to any reader of the workspace."""
    answer = client.get(
        demo_ws.url("/forecast?at=2026-11-27&days=730"), headers=demo_ws.auth("viewer")
    )
    assert answer.status_code == 200
    printed = _printed_forecast(client, demo_ws, tmp_path, "--at", "2026-11-27", "--days", "730")
    assert printed == answer.json()
    changes = [c for link in answer.json()["links"] for c in link["changes"]]
    assert changes and all(c["reasons"] for c in changes if c["status"] != "ok")


def test_forecast_starts_from_the_judging_kept_and_follows_a_change(
    client: TestClient, demo_ws: Ws, tmp_path: Path
) -> None:
    """The forecast of an offering starts from the register judged for the pages and the
    check (ADR 41): after a check has judged it, the answer is still what the command line
    prints, and after a change (a report deleted) it is the new register's, not the kept one."""
    at = "2026-11-27"
    assert client.get(demo_ws.url(f"/check?at={at}"), headers=demo_ws.auth()).status_code == 200
    asked = f"/forecast?at={at}&offering=loonwolk-online"
    before = client.get(demo_ws.url(asked), headers=demo_ws.auth("viewer")).json()
    options = ("--at", at, "--offering", "loonwolk-online")
    assert before == _printed_forecast(client, demo_ws, tmp_path, *options)
    assert any(link["changes"] for link in before["links"])
    gone = client.delete(
        demo_ws.url("/evidence/stratus-isae3402-pg"), headers={**demo_ws.auth(), "If-Match": '"1"'}
    )
    assert gone.status_code == 204, gone.text
    after = client.get(demo_ws.url(asked), headers=demo_ws.auth("viewer")).json()
    assert after == _printed_forecast(client, demo_ws, tmp_path, *options)
    assert after != before


@pytest.mark.parametrize("days", ["0", "3661", "soon"])
def test_forecast_days_outside_the_range_are_refused(
    client: TestClient, demo_ws: Ws, days: str
) -> None:
    """days outside 1..3660 is a 422 that names the parameter."""
    answer = client.get(demo_ws.url(f"/forecast?days={days}"), headers=demo_ws.auth())
    assert answer.status_code == 422
    assert "days" in answer.text
