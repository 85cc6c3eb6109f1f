"""graph.i18n: the language of a piece of work, its catalog, and Dutch dates and numbers."""

from __future__ import annotations

import asyncio
import contextvars
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from graph import i18n

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "graph" / "locale" / "nl" / "LC_MESSAGES" / "ketenkaart.po"


def test_the_language_is_english_unless_a_block_chooses_another() -> None:
    """`using` sets the language for its block only, and back after an error too."""
    assert i18n.current() == "en"
    with i18n.using("nl"):
        assert i18n.current() == "nl"
        with i18n.using("en"):
            assert i18n.current() == "en"
        assert i18n.current() == "nl"
    assert i18n.current() == "en"
    with pytest.raises(RuntimeError), i18n.using("nl"):
        raise RuntimeError
    assert i18n.current() == "en"


@pytest.mark.parametrize("language", ["fr", "NL", "", "nl_NL"])
def test_an_unknown_language_is_refused(language: str) -> None:
    """A language ketenkaart does not write is an error, not English in disguise."""
    with pytest.raises(ValueError, match="choose one of en, nl"), i18n.using(language):
        pass


def test_each_context_keeps_its_own_language() -> None:
    """Two requests served at once each keep the language they chose (contextvars)."""

    async def answer(language: str) -> str:
        with i18n.using(language):
            await asyncio.sleep(0.01)
            return i18n.gettext("Marked out of scope.")

    async def both() -> list[str]:
        return list(await asyncio.gather(answer("nl"), answer("en")))

    # In a thread of its own: a browser test's Playwright may keep an event loop running in
    # this one (pytest-xdist runs the tests of many files in one process).
    with ThreadPoolExecutor(1) as thread:
        answers = thread.submit(asyncio.run, both()).result()
    assert answers == ["Als buiten scope aangemerkt.", "Marked out of scope."]
    assert contextvars.copy_context().run(i18n.current) == "en"


def test_english_is_the_message_itself_and_dutch_comes_from_the_catalog() -> None:
    """The same call gives the English text, or the Dutch one under `using("nl")`."""
    assert i18n.gettext("Marked out of scope.") == "Marked out of scope."
    assert i18n._("Marked out of scope.") == "Marked out of scope."
    with i18n.using("nl"):
        assert i18n.gettext("Marked out of scope.") == "Als buiten scope aangemerkt."
        assert i18n.gettext("not in the catalog") == "not in the catalog"


def test_the_plural_follows_the_number() -> None:
    """ngettext picks the singular for one and the plural otherwise, in every language."""
    one, many = "{n} service", "{n} services"
    assert [i18n.ngettext(one, many, n).format(n=n) for n in (0, 1, 2)] == [
        "0 services",
        "1 service",
        "2 services",
    ]
    with i18n.using("pseudo"):
        assert i18n.ngettext(one, many, 1) == "⟦{n} service⟧"
        assert i18n.ngettext(one, many, 5) == "⟦{n} services⟧"


def test_pseudo_marks_every_message() -> None:
    """The test language wraps each message in markers, so unmarked text stands out."""
    with i18n.using("pseudo"):
        assert i18n.gettext("Marked out of scope.") == "⟦Marked out of scope.⟧"
        assert i18n.format_date(date(2026, 11, 27)).startswith(i18n.OPEN)


@pytest.mark.parametrize(
    ("value", "english", "dutch"),
    [
        (date(2026, 11, 27), "2026-11-27", "27 november 2026"),
        (date(2027, 3, 1), "2027-03-01", "1 maart 2027"),
        (date(9999, 12, 31), "9999-12-31", "31 december 9999"),
    ],
)
def test_dates_as_each_language_writes_them(value: date, english: str, dutch: str) -> None:
    """English keeps the ISO dates of today's output; Dutch writes the month's name."""
    assert i18n.format_date(value) == english
    with i18n.using("nl"):
        assert i18n.format_date(value) == dutch


@pytest.mark.parametrize(
    ("value", "english", "dutch"),
    [(7, "7", "7"), (1234, "1234", "1.234"), (1234567, "1234567", "1.234.567")],
)
def test_numbers_as_each_language_writes_them(value: int, english: str, dutch: str) -> None:
    """Dutch groups thousands with a point; English stays as today's output writes them."""
    assert i18n.format_number(value) == english
    with i18n.using("nl"):
        assert i18n.format_number(value) == dutch


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("nl", "nl"),
        ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", "nl"),
        ("en-GB,en;q=0.9,nl;q=0.8", "en"),
        ("de-DE,de;q=0.9,nl-BE;q=0.5,en;q=0.4", "nl"),
        ("en;q=0.3, nl;q=0.6", "nl"),
        ("nl;q=0, en", "en"),
        ("NL-be", "nl"),
        ("fr, de", None),
        ("*", None),
        ("", None),
        (None, None),
        ("nl;q=abc", None),
        ("pseudo", None),
    ],
)
def test_accept_language_picks_the_best_language_offered(
    header: str | None, chosen: str | None
) -> None:
    """The highest quality wins, the earlier among equals; nothing offered gives None."""
    assert i18n.negotiate(header) == chosen


@pytest.mark.parametrize(
    ("environ", "chosen"),
    [
        ({}, "en"),
        ({"KETENKAART_LANG": "nl"}, "nl"),
        ({"KETENKAART_LANG": "en", "LANG": "nl_NL.UTF-8"}, "en"),
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE@euro"}, "nl"),
        ({"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"}, "nl"),
        ({"LC_ALL": "en_GB.UTF-8", "LC_MESSAGES": "nl_NL.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "nl_NL"}, "nl"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
    ],
)
def test_the_environment_chooses_the_default(environ: dict[str, str], chosen: str) -> None:
    """KETENKAART_LANG first, then the POSIX locale variables in their order, else English."""
    assert i18n.from_environment(environ) == chosen


def test_an_unknown_ketenkaart_lang_is_an_error() -> None:
    """KETENKAART_LANG=fr is a mistake to report, not a reason to write English quietly."""
    with pytest.raises(ValueError, match="KETENKAART_LANG='fr'"):
        i18n.from_environment({"KETENKAART_LANG": "fr"})


def test_a_missing_catalog_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the compiled Dutch catalog, choosing Dutch fails saying how to compile it."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._catalog.cache_clear()
    try:
        with pytest.raises(i18n.CatalogError, match="make catalogs"), i18n.using("nl"):
            pass
    finally:
        i18n._catalog.cache_clear()


def test_the_compiled_catalog_is_there_and_up_to_date() -> None:
    """The build compiled the .po file: the .mo exists and is not older than its source."""
    mo = i18n.catalog_path("nl")
    assert mo.exists(), f"{mo} is missing: run `make catalogs` (or `make unit`)"
    assert mo.stat().st_mtime >= PO.stat().st_mtime, f"{mo} is older than {PO}: recompile"


def test_every_message_has_a_dutch_translation() -> None:
    """No msgid of the Dutch catalog is left empty or fuzzy."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert untranslated == []
    assert len([m for m in catalog if m.id]) >= 1


def test_english_needs_no_babel() -> None:
    """Writing English loads neither Babel nor the catalog machinery (startup cost, issue 13)."""
    code = (
        "import sys\nfrom datetime import date\nfrom graph import i18n\n"
        "i18n.gettext('x'); i18n.ngettext('a', 'b', 2)\n"
        "i18n.format_date(date(2026, 1, 1)); i18n.format_number(1234)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('babel', 'gettext')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def _fields(text: str) -> set[str]:
    """The placeholders of a message: ``{name}`` (Python) and ``%(name)s`` (templates)."""
    return {brace or percent for brace, percent in re.findall(r"\{(\w*)\}|%\((\w+)\)s", text)}


def test_every_translation_keeps_its_placeholders() -> None:
    """A Dutch message names the same {names} as its English: none lost, none invented (a
    sentence made in halves around {provider} needs it exactly once)."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english = set().union(*(_fields(i) for i in ids))
        for string in strings:
            if string and _fields(string) != english:
                wrong.append((ids[0], string))
            if (
                "{provider}" in ids[0]
                and "does not list" in ids[0]
                and string.count("{provider}") != 1
            ):
                wrong.append((ids[0], string))
    assert wrong == []


def test_every_scheme_label_is_in_the_catalog() -> None:
    """Each scheme's label is marked for translation (graph.reasons.SCHEME_LABELS)."""
    from graph.model import Scheme  # noqa: PLC0415
    from graph.reasons import SCHEME_LABELS  # noqa: PLC0415

    assert set(SCHEME_LABELS) == {scheme.label for scheme in Scheme}
