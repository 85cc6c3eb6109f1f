"""`ketenkaart import` then `ketenkaart check` of a SaaSBOM and a catalog that list a provider's
own components: those links are out of scope and no gaps, unless --keep-internal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

VARIANTS = Path(__file__).resolve().parents[1] / "importers" / "data" / "variants"
FILES = [
    VARIANTS / "cyclonedx" / "saasbom-internal-1.6.json",
    VARIANTS / "backstage" / "internal-system.yaml",
]


def imported_then_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path, *flags: str
) -> tuple[str, dict[str, int]]:
    """The import's stderr, and the check's link statuses counted."""
    assert main(["import", str(path), *flags]) == 0
    out, err = capsys.readouterr()
    chain = tmp_path / "chain.yaml"
    chain.write_text(out, encoding="utf-8")
    assert main(["check", str(chain), "--format", "json"]) == 1  # the real sub-services: gaps
    result = json.loads(capsys.readouterr().out)
    counts: dict[str, int] = {}
    for link in result["links"]:
        counts[link["status"]] = counts.get(link["status"], 0) + 1
    return err, counts


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_own_components_are_no_gaps_in_the_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    err, counts = imported_then_checked(capsys, tmp_path, path)
    assert counts["out-of-scope"] == 5
    assert "5 links between services of one provider" in err
    assert "--keep-internal keeps them as links" in err


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_keep_internal_makes_them_links_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    err, counts = imported_then_checked(capsys, tmp_path, path, "--keep-internal")
    assert "out-of-scope" not in counts
    assert counts["gap"] >= 5 + 2
    assert "between services of one provider" not in err
