"""The language ketenkaart writes in: English or Dutch, chosen once for a piece of work.

Every sentence a person reads goes through :func:`gettext` (or :func:`ngettext`) when it is made,
under the language of the current context (:func:`current`, set for a block by :func:`using`).
English is the source language and needs no catalog: its messages come back as written, its
dates as ISO dates and its numbers as Python writes them, so that English output stays what it
was. Dutch reads the compiled catalog ``graph/locale/nl/LC_MESSAGES/ketenkaart.mo`` (made by
``make catalogs`` from the ``.po`` file under version control) and writes dates and numbers
through Babel as Dutch readers write them. A third language, ``pseudo``, is for tests only: each
message is its English text between ``⟦`` and ``⟧``, so that text that never went through the
catalog stands out.

>>> from datetime import date
>>> with using("nl"):
...     format_date(date(2026, 11, 27)), format_number(1234)
('27 november 2026', '1.234')
>>> format_date(date(2026, 11, 27)), format_number(1234)
('2026-11-27', '1234')
>>> with using("pseudo"):
...     gettext("No evidence is on record.")
'⟦No evidence is on record.⟧'
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

from graph.errors import KetenkaartError

if TYPE_CHECKING:
    import gettext as _gettext

LANGUAGES: Final = ("en", "nl")
"""The languages a person can choose, the source language first."""

DEFAULT: Final = "en"

PSEUDO: Final = "pseudo"
"""The test-only language: every message its English text between :data:`OPEN` and
:data:`CLOSE`."""

OPEN: Final = "⟦"
CLOSE: Final = "⟧"

DOMAIN: Final = "ketenkaart"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"

_KNOWN = (*LANGUAGES, PSEUDO)
_BABEL_LOCALE = {"nl": "nl_NL", PSEUDO: "en"}

_language: ContextVar[str] = ContextVar("ketenkaart_language", default=DEFAULT)


class CatalogError(KetenkaartError):
    """A language's compiled catalog is missing or unreadable: the build did not compile it."""


def current() -> str:
    """The language of this context: ``"en"`` unless :func:`using` chose another.

    >>> current()
    'en'
    """
    return _language.get()


@contextmanager
def using(language: str) -> Iterator[str]:
    """Write in ``language`` inside the block, and in the language before it afterwards.

    >>> with using("nl"):
    ...     current()
    'nl'
    >>> current()
    'en'
    >>> with using("fr"):
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: unknown language 'fr': choose one of en, nl
    """
    if language not in _KNOWN:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    if language == "nl":
        _catalog(language)  # a missing catalog fails here, loudly, not later in English
    token = _language.set(language)
    try:
        yield language
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    """``message`` in the current language.

    >>> gettext("Marked out of scope.")
    'Marked out of scope.'
    >>> with using("nl"):
    ...     gettext("Marked out of scope.")
    'Als buiten scope aangemerkt.'
    """
    language = _language.get()
    if language == DEFAULT:
        return message
    if language == PSEUDO:
        return f"{OPEN}{message}{CLOSE}"
    return _catalog(language).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` in the current language, by that language's rule for ``n``.

    >>> ngettext("{n} exception", "{n} exceptions", 1).format(n=1)
    '1 exception'
    >>> with using("pseudo"):
    ...     ngettext("{n} exception", "{n} exceptions", 2).format(n=2)
    '⟦2 exceptions⟧'
    """
    language = _language.get()
    if language == DEFAULT:
        return singular if n == 1 else plural
    if language == PSEUDO:
        return f"{OPEN}{singular if n == 1 else plural}{CLOSE}"
    return _catalog(language).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """``message`` itself, marked for extraction: for a string translated later, by
    :func:`gettext`, where it is read."""
    return message


def format_date(value: date) -> str:
    """A date as the current language writes it: ISO in English, ``27 november 2026`` in Dutch.

    >>> format_date(date(2026, 1, 5))
    '2026-01-05'
    """
    language = _language.get()
    if language == DEFAULT:
        return value.isoformat()
    return _babel_date(language, value)


def format_number(value: int, *, grouped: bool = False) -> str:
    """A whole number as the current language writes it: ``1234`` in English (as before;
    ``1,234`` where the English text always grouped thousands: ``grouped``), ``1.234`` in Dutch.

    >>> with using("nl"):
    ...     format_number(20000), format_number(20000, grouped=True)
    ('20.000', '20.000')
    >>> format_number(20000), format_number(20000, grouped=True)
    ('20000', '20,000')
    """
    language = _language.get()
    if language == DEFAULT:
        return f"{value:,}" if grouped else str(value)
    return _babel_number(language, value)


@functools.lru_cache(maxsize=4096)  # and the same few dates
def _babel_date(language: str, value: date) -> str:
    from babel.dates import format_date as babel_format_date  # noqa: PLC0415 - Dutch only

    text = babel_format_date(value, format="long", locale=_BABEL_LOCALE[language])
    return f"{OPEN}{text}{CLOSE}" if language == PSEUDO else text


@functools.lru_cache(maxsize=4096)  # a large check writes the same few counts many times
def _babel_number(language: str, value: int) -> str:
    from babel.numbers import format_decimal  # noqa: PLC0415 - Dutch only

    text = format_decimal(value, locale=_BABEL_LOCALE[language])
    return f"{OPEN}{text}{CLOSE}" if language == PSEUDO else text


def catalog_path(language: str) -> Path:
    """Where the compiled catalog of ``language`` lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


@functools.cache
def _catalog(language: str) -> _gettext.GNUTranslations:
    import gettext as stdlib_gettext  # noqa: PLC0415 - only a language other than English

    path = catalog_path(language)
    try:
        with path.open("rb") as handle:
            return stdlib_gettext.GNUTranslations(handle)
    except OSError as err:
        raise CatalogError(
            f"the {language} catalog {path} is missing ({err.strerror}): "
            "compile it with `make catalogs` (pybabel compile -d graph/locale -D ketenkaart)"
        ) from None


def negotiate(accept_language: str | None) -> str | None:
    """The best of :data:`LANGUAGES` for an HTTP ``Accept-Language`` header, or ``None`` when
    it names none of them (or is absent): the caller then falls back to a setting.

    Each range counts by its quality (``q``, 1 when absent, 0 meaning "not this one"), the
    earlier range first among equals; a range matches a language by its primary subtag
    (``nl-BE`` asks for Dutch). ``*`` names no language in particular.

    >>> negotiate("de-DE,de;q=0.9,nl;q=0.8,en;q=0.7")
    'nl'
    >>> negotiate("en-GB, nl;q=0"), negotiate("fr"), negotiate(None)
    ('en', None, None)
    """
    if not accept_language:
        return None
    best: tuple[float, int, str] | None = None
    for index, item in enumerate(accept_language.split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        primary = tag.split("-")[0].lower()
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params:
            key, _sep, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, index, primary)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def from_environment(environ: dict[str, str] | None = None) -> str:
    """The language a command chooses by default: ``KETENKAART_LANG``, else the first of the
    POSIX locale variables ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set (``nl_NL.UTF-8``
    means Dutch; any language ketenkaart does not write means English), else English.

    Raises ``ValueError`` when ``KETENKAART_LANG`` names a language ketenkaart does not write.

    >>> from_environment({"LANG": "nl_NL.UTF-8"}), from_environment({"LC_ALL": "C", "LANG": "nl"})
    ('nl', 'en')
    >>> from_environment({"KETENKAART_LANG": "nl", "LANG": "en_US.UTF-8"})
    'nl'
    """
    env = os.environ if environ is None else environ
    chosen = env.get("KETENKAART_LANG", "").strip()
    if chosen:
        if chosen not in _KNOWN:
            raise ValueError(
                f"KETENKAART_LANG={chosen!r} is not a language ketenkaart writes: "
                f"choose one of {', '.join(LANGUAGES)}"
            )
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            primary = value.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            return primary if primary in LANGUAGES else DEFAULT
    return DEFAULT
