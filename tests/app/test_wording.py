"""What ketenkaart says reads as an auditor would write it (issue 10, item 7): counts with the
right number, messages that name what they are about, no blame on the one who changed it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from graph.coverage import check
from graph.reasons import count
from importers.chainfile import load_chains
from tests.app.conftest import Ws

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-chain.yaml"


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 pieces of evidence"), (1, "1 piece of evidence"), (2, "2 pieces of evidence")],
)
def test_counts_take_the_singular_for_one(n: int, text: str) -> None:
    """One is singular, everything else plural."""
    assert count(n, "piece of evidence", "pieces of evidence") == text


def test_validate_says_1_offering_not_offering_s(capsys: pytest.CaptureFixture[str]) -> None:
    """`validate` counts in words: "1 offering", "8 pieces of evidence", "0 profiles"."""
    assert main(["validate", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "1 offering," in out
    assert "8 pieces of evidence" in out
    assert "0 profiles" in out
    assert "(s)" not in out


def test_concentration_says_what_the_group_provides_to_whom() -> None:
    """The concentration finding says the group provides services to its consumers."""
    chain = load_chains([(str(DEMO), DEMO.read_bytes())])
    result = check(chain, at=date(2026, 11, 27))
    (finding,) = [f for f in result.findings if f.code.value == "concentration"]
    assert "provide in-scope services to 3 consumers under 1 offering" in finding.message


def test_the_bridge_reason_names_the_profiles_cap_when_it_ends_first() -> None:
    """The demo's bridge letter runs to 2026-12-31, but the profile's 3-month cap ends the
    bridge on 2026-12-30: the reason says that, instead of an unexplained date one day off."""
    chain = load_chains([(str(DEMO), DEMO.read_bytes())])
    result = check(chain, at=date(2026, 11, 27))
    (link,) = [x for x in result.links if x.provider == "stratus-postgres"]
    message = link.reasons[0].message
    assert "covers 2025-10-01 to 2026-12-31" in message
    assert "at most 3 months past its allowed age" in message
    assert "counts until 2026-12-30" in message


def test_a_stale_version_does_not_blame_someone_else(client: TestClient, demo_ws: Ws) -> None:
    """Sending an old version answers 412 saying the entity changed since that version, not
    that "someone else" changed it (it may have been the same person, in another window)."""
    url = demo_ws.url("/suppliers/stratus")
    headers = {**demo_ws.auth(), "If-Match": '"1"'}
    assert client.patch(url, json={"name": "Stratus 1"}, headers=headers).status_code == 200
    stale = client.patch(url, json={"name": "Stratus 2"}, headers=headers)
    assert stale.status_code == 412
    detail = stale.json()["detail"]
    assert "has changed since the version you sent" in detail
    assert "was changed by someone else" not in detail


def test_an_invalid_entity_names_its_kind(client: TestClient, demo_ws: Ws) -> None:
    """A 422 for a bad service says "this service is not valid", not "the entity"."""
    body = {"id": "bad", "name": "Bad", "supplier": "nobody", "kind": "iaas"}
    answer = client.post(demo_ws.url("/services"), json=body, headers=demo_ws.auth())
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("this service is not valid")


def test_the_readmes_profile_line_runs_on_the_demo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's `--profile` example names a profile file in `examples/` and runs on the
    demo chain: a verdict (exit 0 or 1), not a usage error (exit 2)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.splitlines() if "ketenkaart check" in x and "--profile" in x]
    argv = line.split("#", 1)[0].split()[1:]
    for word in argv:
        if word.endswith((".yaml", ".json")):
            assert (ROOT / word).is_file(), f"the README names {word}, which is not in the repo"
    monkeypatch.chdir(ROOT)
    code = main([*argv, "--at", "2026-11-27"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "profile strict-buyer" in out
