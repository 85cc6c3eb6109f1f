"""A pseudo-language run of `ketenkaart check` shows no English that missed the catalog.

Under ``KETENKAART_LANG=pseudo`` every translated message is its English between ``⟦`` and
``⟧``. What remains once the marked text, the chain file's own names and ids, the contract's
codes, numbers and punctuation are taken away must be nothing: any word left is a string that
never went through :func:`graph.i18n.gettext`.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from app.cli import main
from app.views.markdown import md
from graph import i18n
from graph.model import Chain, Kind, Scheme
from graph.verdicts import FindingCode, ReasonCode, Severity, Status, Verdict
from importers.chainfile import load_chain

EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "examples" / "kinderopvang.yaml"
AT = "2026-11-27"
_MARKED = re.compile(f"{i18n.OPEN}[^{i18n.OPEN}{i18n.CLOSE}]*{i18n.CLOSE}")
_WORD = re.compile(r"[^\W\d_]{2,}")


def unmarked(text: str, known: Iterable[str]) -> list[str]:
    """The words of ``text`` outside the markers, once the ``known`` texts (names, ids, codes:
    longest first, so a name is taken whole before an id inside it) are removed.

    >>> unmarked("⟦Chain ⟦verdict⟧⟧: GAP app-1 Findings", ["GAP", "app-1"])
    ['Findings']
    """
    text = " ".join(text.split())  # a name wrapped over two lines of the table is one again
    text = re.sub(r"\S*\u2026", " ", text)  # an id the table cut short to fit
    while True:
        stripped = _MARKED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    for item in sorted(set(known), key=len, reverse=True):
        if item:
            text = text.replace(item, " ")
    return _WORD.findall(text)


def known_words(chain: Chain) -> set[str]:
    """What the chain file itself names, and the contract's codes: all may stand unmarked."""
    found = {chain.title or "", "ketenkaart"}
    for supplier in chain.suppliers.values():
        found |= {supplier.id, supplier.name}
    for service in chain.services.values():
        found |= {service.id, service.name, *(service.locations or ())}
    for dependency in chain.dependencies.values():
        found |= {dependency.reason or "", *(dependency.locations or ())}
    for evidence in chain.evidence.values():
        found |= {
            evidence.id,
            evidence.issuer or "",
            *evidence.criteria,
            *(evidence.locations or ()),
        }
        found |= {*evidence.subservices.carved_out, *evidence.subservices.included}
        found |= {evidence.version or ""}
    for enum in (Verdict, Status, ReasonCode, FindingCode, Kind, Scheme, Severity):
        found |= {str(member.value) for member in enum}
    found |= {"zeker-online", "security", "availability", "confidentiality", "processing"}
    found |= {"integrity", "privacy", "EEA"}
    return found


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, language: str) -> str:
    monkeypatch.setenv("KETENKAART_LANG", language)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(args)
    return out.getvalue()


@pytest.fixture
def chain() -> Chain:
    if not EXAMPLE.is_file():
        pytest.skip(f"{EXAMPLE} does not exist")
    return load_chain(EXAMPLE.read_bytes(), filename=EXAMPLE.name)


DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-chain.yaml"


@pytest.mark.parametrize(
    ("source", "when"),
    [
        (EXAMPLE, ("--at", AT)),
        (DEMO, ("--at", AT)),
        (DEMO, ("--period", "2026-01-01..2026-10-31")),
    ],
    ids=["kinderopvang", "demo-at", "demo-period"],
)
def test_the_text_output_has_no_unmarked_english(
    source: Path, when: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every word of the text table is marked, or a name, id or code from the chain: for the
    example, and for the demo chain at a date and over a period (bridge letters, exceptions,
    inclusive reports, uncovered days)."""
    if not source.is_file():
        pytest.skip(f"{source} does not exist")
    chain = load_chain(source.read_bytes(), filename=source.name)
    text = run(["check", str(source), *when, "--format", "text"], monkeypatch, "pseudo")
    assert i18n.OPEN in text
    assert unmarked(text, known_words(chain)) == []


def test_the_markdown_report_has_no_unmarked_english(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every word of the Markdown report is marked, or a name, id or code: the evidence's basis
    (importers/basis.py) and the carve-out notes too."""
    args = ["check", str(EXAMPLE), "--at", AT, "--format", "markdown"]
    text = run(args, monkeypatch, "pseudo")
    known = {md(word) for word in known_words(chain)} | known_words(chain)
    known.add("<br>")  # Markdown table cells break lines so
    assert unmarked(text, known) == []


def test_the_checker_finds_english_left_unmarked(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The English run, read by the same checker, is full of unmarked words."""
    text = run(["check", str(EXAMPLE), "--at", AT, "--format", "text"], monkeypatch, "en")
    left = unmarked(text, known_words(chain))
    assert {"Findings", "evidence", "links"} <= set(left)
