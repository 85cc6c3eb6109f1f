"""The column layouts of supplier registers, as data: headings, aliases, parsers, requiredness.

A supplier register is a spreadsheet with one row per service (and per certificate of that
service). Each :class:`Column` says which headings name it (in English and Dutch, plus aliases),
how a cell is read (a parser from this module), whether a register must have it, and how wide
it is in the template. A new layout, or a heading some provider writes differently, is a change
to the data below, not to the importer (:mod:`importers.register`).

Headings are matched after :func:`heading_key`: case, surrounding and repeated white space, a
trailing ``*`` or ``:`` do not matter.

>>> REGISTER.column_for("  Geldig   TOT ").key
'valid_until'
>>> parse_day("31-03-2026"), parse_day("2026-03-31")
(datetime.date(2026, 3, 31), datetime.date(2026, 3, 31))
>>> parse_scheme("SOC 2 Type II")
(<Scheme.SOC2: 'soc2'>, 2)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from graph.i18n import gettext
from graph.model import Kind, Scheme

__all__ = [
    "KIND_WORDS",
    "REGISTER",
    "SCHEME_NAMES",
    "CellError",
    "CellValue",
    "Column",
    "Language",
    "Layout",
    "heading_key",
    "parse_countries",
    "parse_country",
    "parse_day",
    "parse_flag",
    "parse_kind",
    "parse_names",
    "parse_reference",
    "parse_report_type",
    "parse_scheme",
    "parse_text",
    "slug",
]

CellValue = str | int | float | bool | date | None
"""What a cell holds: text from a CSV, or text, a number, a boolean or a date from a workbook
(a ``datetime`` is a ``date``)."""

Language = Literal["en", "nl"]

ID_MAX = 80
"""The longest id :func:`slug` makes."""


class CellError(ValueError):
    """A cell that cannot be read; the message says what is wrong with the value."""


# ---------------------------------------------------------------------------------------------
# Vocabularies: the words a register may use for a kind, a scheme, yes and no, a country.


def _word_key(text: str) -> str:
    """Letters and digits only, lower case, no accents: ``'ISO/IEC 27001'`` -> ``'isoiec27001'``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", plain.lower())


KIND_WORDS: Final[Mapping[Language, Mapping[Kind, str]]] = {
    "en": {kind: kind.value for kind in Kind},
    "nl": {
        Kind.SAAS: "saas",
        Kind.PAAS: "paas",
        Kind.IAAS: "iaas",
        Kind.MANAGED: "beheer",
        Kind.OTHER: "overig",
    },
}
"""The word the template and the exporter write for each kind, per language."""

_KIND_ALIASES: Final[Mapping[str, Kind]] = {
    "softwareasaservice": Kind.SAAS,
    "platformasaservice": Kind.PAAS,
    "infrastructureasaservice": Kind.IAAS,
    "managedservice": Kind.MANAGED,
    "beheerd": Kind.MANAGED,
    "beheerdienst": Kind.MANAGED,
    "beheerdedienst": Kind.MANAGED,
    "anders": Kind.OTHER,
    "ander": Kind.OTHER,
    "overige": Kind.OTHER,
}
_KINDS: Final[Mapping[str, Kind]] = {
    **{_word_key(word): kind for words in KIND_WORDS.values() for kind, word in words.items()},
    **_KIND_ALIASES,
}

SCHEME_NAMES: Final[Mapping[Scheme, tuple[str, str]]] = {
    Scheme.ZEKER_ONLINE: ("Zeker-OnLine", "Zeker-OnLine"),
    Scheme.ISAE3402: ("ISAE 3402", "ISAE 3402"),
    Scheme.ISAE3000: ("ISAE 3000", "ISAE 3000"),
    Scheme.SOC1: ("SOC 1", "SOC 1"),
    Scheme.SOC2: ("SOC 2", "SOC 2"),
    Scheme.TPM: ("TPM", "TPM"),
    Scheme.C5: ("C5", "C5"),
    Scheme.CSA_STAR_ATTESTATION: ("CSA STAR attestation", "CSA STAR attestation"),
    Scheme.SOC3: ("SOC 3", "SOC 3"),
    Scheme.ISO27001: ("ISO 27001", "ISO 27001"),
    Scheme.NEN7510: ("NEN 7510", "NEN 7510"),
    Scheme.HDS: ("HDS", "HDS"),
    Scheme.TISAX: ("TISAX", "TISAX"),
    Scheme.CSA_STAR_CERTIFICATION: ("CSA STAR certification", "CSA STAR certificering"),
    Scheme.EUCS: ("EUCS", "EUCS"),
    Scheme.FEDRAMP: ("FedRAMP", "FedRAMP"),
    Scheme.PCI_DSS: ("PCI DSS", "PCI DSS"),
    Scheme.CSA_STAR_SELF: ("CSA STAR self-assessment", "CSA STAR zelfevaluatie"),
    Scheme.SELF_DECLARATION: ("Self-declaration", "Eigen verklaring"),
    Scheme.BRIDGE_LETTER: ("Bridge letter", "Overbruggingsverklaring"),
}
"""The short name the template and the exporter write for each scheme, in English and Dutch."""

_SCHEME_ALIASES: Final[Mapping[str, Scheme]] = {
    "zol": Scheme.ZEKER_ONLINE,
    "keurmerkzekeronline": Scheme.ZEKER_ONLINE,
    "zekeronlinekeurmerk": Scheme.ZEKER_ONLINE,
    "standaard3402": Scheme.ISAE3402,
    "sr3402": Scheme.ISAE3402,
    "standaard3000": Scheme.ISAE3000,
    "sr3000": Scheme.ISAE3000,
    "richtlijn3000a": Scheme.ISAE3000,
    "richtlijn3000d": Scheme.ISAE3000,
    "ssae18": Scheme.SOC1,
    "ssae16": Scheme.SOC1,
    "thirdpartymededeling": Scheme.TPM,
    "bsic5": Scheme.C5,
    "isoiec27001": Scheme.ISO27001,
    "iso27k": Scheme.ISO27001,
    "nen7510": Scheme.NEN7510,
    "pci": Scheme.PCI_DSS,
    "starattestation": Scheme.CSA_STAR_ATTESTATION,
    "csastarlevel2attestation": Scheme.CSA_STAR_ATTESTATION,
    "starcertification": Scheme.CSA_STAR_CERTIFICATION,
    "csastarlevel2certification": Scheme.CSA_STAR_CERTIFICATION,
    "csastarlevel1": Scheme.CSA_STAR_SELF,
    "csastarselfassessment": Scheme.CSA_STAR_SELF,
    "zelfverklaring": Scheme.SELF_DECLARATION,
    "eigenverklaring": Scheme.SELF_DECLARATION,
    "leveranciersverklaring": Scheme.SELF_DECLARATION,
}
_SCHEMES: Final[Mapping[str, Scheme]] = {
    **{_word_key(scheme.value): scheme for scheme in Scheme},
    **{_word_key(scheme.label): scheme for scheme in Scheme},
    **{_word_key(name): scheme for scheme, names in SCHEME_NAMES.items() for name in names},
    **_SCHEME_ALIASES,
}
# Words after a scheme's name that say nothing more about it.
_SCHEME_NOISE = re.compile(
    r"(certificate|certificaat|certification|certificering|report|rapport|rapportage"
    r"|attestation|verklaring|label|keurmerk)$"
)
# A report type written into the scheme cell: "SOC 2 Type II", "ISAE 3402 type 2".
_TYPE_IN_SCHEME = re.compile(r"^(.*?)[\s,;/-]*type\s*(1|2|i|ii)\s*$", re.IGNORECASE)
# A scheme version written into the scheme cell: "ISO 27001:2022".
_YEAR_IN_SCHEME = re.compile(r"\s*:\s*(19|20)[0-9]{2}\b")

_YES: Final = frozenset({"ja", "j", "yes", "y", "true", "waar", "x", "1"})
_NO: Final = frozenset({"nee", "n", "no", "false", "onwaar", "0"})

_COUNTRY_NAMES: Final[Mapping[str, str]] = {
    name: code
    for code, names in {
        "NL": ("nederland", "netherlands", "thenetherlands", "holland"),
        "BE": ("belgie", "belgium"),
        "LU": ("luxemburg", "luxembourg"),
        "DE": ("duitsland", "germany", "deutschland"),
        "FR": ("frankrijk", "france"),
        "IE": ("ierland", "ireland"),
        "GB": ("verenigdkoninkrijk", "unitedkingdom", "grootbrittannie", "greatbritain"),
        "US": ("verenigdestaten", "unitedstates", "usa", "vs"),
        "DK": ("denemarken", "denmark"),
        "SE": ("zweden", "sweden"),
        "FI": ("finland",),
        "NO": ("noorwegen", "norway"),
        "ES": ("spanje", "spain"),
        "IT": ("italie", "italy"),
        "AT": ("oostenrijk", "austria"),
        "CH": ("zwitserland", "switzerland"),
        "PL": ("polen", "poland"),
        "IN": ("india",),
        "CA": ("canada",),
        "SG": ("singapore",),
        "JP": ("japan",),
        "AU": ("australie", "australia"),
    }.items()
    for name in names
}


def _no_id(text: str) -> str:
    """That ``text`` gives no id (its letters and digits make one)."""
    return gettext("{value} has no letter or digit to make an id of").format(value=repr(text))


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return gettext("; did you mean {value}?").format(value=repr(close[0])) if close else ""


# ---------------------------------------------------------------------------------------------
# Parsers: a cell value in, a model value (or None for an empty cell) out, CellError when bad.

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def parse_text(value: CellValue) -> str | None:
    """A cell as text: stripped, None when empty, a number without ``.0``, a date as ISO.

    A leading ``'`` that :func:`importers.base.safe_cell` put before a formula character is
    taken off again, so an exported register reads back to the same names.

    >>> parse_text("  Polder Hosting B.V. "), parse_text(12345678.0), parse_text("'=1+2")
    ('Polder Hosting B.V.', '12345678', '=1+2')
    >>> parse_text("   ") is None
    True
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        text = text[1:]
    text = text.strip()
    return text or None


def parse_flag(value: CellValue) -> bool | None:
    """Yes or no: ``ja``/``nee``, ``yes``/``no``, ``true``/``false``, ``x``, ``1``/``0``.

    >>> parse_flag("Ja"), parse_flag("no"), parse_flag(None)
    (True, False, None)
    """
    if isinstance(value, bool):
        return value
    text = parse_text(value)
    if text is None:
        return None
    word = text.lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError(
        gettext("{value} is not yes or no (write ja/nee or yes/no)").format(value=repr(text))
    )


def parse_kind(value: CellValue) -> Kind | None:
    """The kind of a service: saas, paas, iaas, managed, other, or a Dutch word for them.

    >>> parse_kind("SaaS"), parse_kind("beheer"), parse_kind("Overig")
    (<Kind.SAAS: 'saas'>, <Kind.MANAGED: 'managed'>, <Kind.OTHER: 'other'>)
    """
    text = parse_text(value)
    if text is None:
        return None
    kind = _KINDS.get(_word_key(text))
    if kind is None:
        words = [kind.value for kind in Kind]
        hint = _did_you_mean(text.lower(), words)
        raise CellError(
            gettext("{value} is not a kind of service (one of: {choices}){hint}").format(
                value=repr(text), choices=", ".join(words), hint=hint
            )
        )
    return kind


def parse_scheme(value: CellValue) -> tuple[Scheme, int | None] | None:
    """The scheme of a certificate or report, with a report type if the cell names one.

    Spelling is tolerant: case, spaces, dashes and slashes do not matter, a trailing word
    such as *certificate*, *rapport* or a version year (``ISO 27001:2022``) is ignored.

    >>> parse_scheme("ISAE 3402 type 2"), parse_scheme("iso/iec 27001:2022 certificaat")
    ((<Scheme.ISAE3402: 'isae3402'>, 2), (<Scheme.ISO27001: 'iso27001'>, None))
    >>> parse_scheme("Zeker-Online keurmerk")
    (<Scheme.ZEKER_ONLINE: 'zeker-online'>, None)
    """
    text = parse_text(value)
    if text is None:
        return None
    report_type: int | None = None
    name = text
    typed = _TYPE_IN_SCHEME.match(name)
    if typed and typed.group(1).strip():
        name = typed.group(1)
        report_type = 1 if typed.group(2).lower() in ("1", "i") else 2
    key = _word_key(_YEAR_IN_SCHEME.sub("", name))
    scheme = _SCHEMES.get(key) or _SCHEMES.get(_SCHEME_NOISE.sub("", key))
    if scheme is None:
        names = [names[0] for names in SCHEME_NAMES.values()]
        hint = _did_you_mean(text, names)
        raise CellError(
            gettext("{value} is not a scheme ketenkaart knows (one of: {choices}){hint}").format(
                value=repr(text), choices=", ".join(names), hint=hint
            )
        )
    return scheme, report_type


def parse_report_type(value: CellValue) -> int | None:
    """A report type: 1 or 2 (also ``I``, ``II``, ``Type 2``).

    >>> parse_report_type(2.0), parse_report_type("Type II"), parse_report_type("1")
    (2, 2, 1)
    """
    text = parse_text(value)
    if text is None:
        return None
    word = re.sub(r"^type\s*", "", text.lower())
    if word in ("1", "i"):
        return 1
    if word in ("2", "ii"):
        return 2
    hint = ""
    if _KINDS.get(_word_key(text)) is not None:
        hint = gettext("; if this column holds the kind of service, call it 'Kind' or 'Soort'")
    raise CellError(
        gettext("{value} is not a report type (1 or 2){hint}").format(value=repr(text), hint=hint)
    )


_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DAY = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")


def parse_day(value: CellValue) -> date | None:
    """A calendar day: a workbook date, ISO ``2026-03-31`` or Dutch ``31-03-2026``
    (also with ``/`` or ``.``; day first, never month first).

    >>> parse_day("1-4-2026"), parse_day("31.12.2025")
    (datetime.date(2026, 4, 1), datetime.date(2025, 12, 31))
    >>> parse_day("31-02-2026")
    Traceback (most recent call last):
    ...
    importers.layouts.CellError: '31-02-2026' is not a date (write 2026-03-31 or 31-03-2026)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = parse_text(value)
    if text is None:
        return None
    text = re.sub(r"[ T]00:00(:00)?$", "", text)
    found = _ISO_DAY.fullmatch(text)
    parts: tuple[str, str, str] | None = None
    if found:
        parts = (found.group(1), found.group(2), found.group(3))
    else:
        found = _DUTCH_DAY.fullmatch(text)
        if found:
            parts = (found.group(3), found.group(2), found.group(1))
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise CellError(
        gettext("{value} is not a date (write 2026-03-31 or 31-03-2026)").format(value=repr(text))
    )


def parse_country(value: CellValue) -> str | None:
    """A country: an ISO 3166-1 code in any case, or a common Dutch or English name.

    Whether a code is assigned is checked with the rest of the chain (``UK`` gets a hint).

    >>> parse_country("nl"), parse_country("Duitsland"), parse_country("United States")
    ('NL', 'DE', 'US')
    """
    text = parse_text(value)
    if text is None:
        return None
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    code = _COUNTRY_NAMES.get(_word_key(text))
    if code is None:
        raise CellError(
            gettext("{value} is not a country code (write a code such as NL, DE or IE)").format(
                value=repr(text)
            )
        )
    return code


def parse_countries(value: CellValue) -> tuple[str, ...]:
    """Countries separated by commas, semicolons, slashes or spaces; repeats dropped.

    >>> parse_countries("NL, de; Ierland")
    ('NL', 'DE', 'IE')
    >>> parse_countries(None)
    ()
    """
    text = parse_text(value)
    if text is None:
        return ()
    found: list[str] = []
    pieces = re.split(r"[,;/\n]+", text)
    if all(re.fullmatch(r"\s*[A-Za-z]{2}(\s+[A-Za-z]{2})*\s*", piece) for piece in pieces):
        pieces = text.replace(",", " ").replace(";", " ").replace("/", " ").split()
    for piece in pieces:
        code = parse_country(piece)
        if code is not None and code not in found:
            found.append(code)
    return tuple(found)


def parse_names(value: CellValue) -> tuple[str, ...]:
    """Names of services, one per line or separated by ``;`` (commas are tried later, when a
    name with commas is not found).

    >>> parse_names("KidsPlan Online; Ouderportaal\\nBackoffice")
    ('KidsPlan Online', 'Ouderportaal', 'Backoffice')
    """
    text = parse_text(value)
    if text is None:
        return ()
    return tuple(piece.strip() for piece in re.split(r"[;\n\r]+", text) if piece.strip())


def slug(text: str) -> str:
    """The id made from a name (the *id rule*).

    Accents are dropped and letters lower-cased; every run of characters other than ``a-z``,
    ``0-9``, ``.``, ``_`` and ``-`` becomes one ``-``; anything but a letter or digit is taken
    off both ends; the result is cut to :data:`ID_MAX` characters. A valid id that ends in a
    letter or digit and is not longer than that stays as it is. An empty result means the name
    has no letter or digit.

    >>> slug("Polder Hosting B.V."), slug("Café Zürich"), slug("aws-soc2-2026")
    ('polder-hosting-b.v', 'cafe-zurich', 'aws-soc2-2026')
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    made = re.sub(r"[^a-z0-9._-]+", "-", plain.lower())
    made = re.sub(r"^[^a-z0-9]+|[^a-z0-9]+$", "", made)
    return re.sub(r"[^a-z0-9]+$", "", made[:ID_MAX])


def parse_reference(value: CellValue) -> str | None:
    """A certificate's own reference, as the evidence id it becomes (see :func:`slug`).

    >>> parse_reference("ISMS 0042"), parse_reference(None)
    ('isms-0042', None)
    """
    text = parse_text(value)
    if text is None:
        return None
    made = slug(text)
    if not made:
        raise CellError(_no_id(text))
    return made


# ---------------------------------------------------------------------------------------------
# Layouts.


def heading_key(text: str) -> str:
    """A heading as it is matched: lower case, white space collapsed, no trailing ``*`` or ``:``.

    >>> heading_key(" Periode\\u00a0 VAN* ")
    'periode van'
    """
    collapsed = " ".join(text.split()).casefold()
    return collapsed.rstrip("*: ").strip()


Parser = Callable[[CellValue], object]


@dataclass(frozen=True, slots=True)
class Column:
    """One column a register may have.

    ``key`` is what the importer calls it; ``en`` and ``nl`` are the headings the template
    writes; ``aliases`` are other headings that mean the same; ``parse`` reads a cell;
    ``required`` columns must be there; ``width`` is the template's column width; ``choices``
    names the list (``"kind"``, ``"scheme"``, ``"flag"``) the template offers in a drop-down.
    """

    key: str
    en: str
    nl: str
    parse: Parser
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 16
    choices: str | None = None

    def heading(self, language: Language) -> str:
        """The heading in ``language``."""
        return self.nl if language == "nl" else self.en


@dataclass(frozen=True, slots=True)
class Layout:
    """A register layout: its columns in template order, and the sheet names it is found on."""

    name: str
    columns: tuple[Column, ...]
    sheet_words: tuple[str, ...] = ()
    sheet_title: Mapping[Language, str] | None = None

    def column_for(self, heading: str) -> Column | None:
        """The column a heading names, or None.

        >>> REGISTER.column_for("LEVERANCIER").key, REGISTER.column_for("Notes") is None
        ('supplier', True)
        """
        wanted = heading_key(heading)
        for column in self.columns:
            names = (column.en, column.nl, *column.aliases)
            if any(heading_key(name) == wanted for name in names):
                return column
        return None

    def column(self, key: str) -> Column:
        """The column called ``key`` (a programming error when there is none)."""
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)


def _column(
    key: str,
    en: str,
    nl: str,
    parse: Parser,
    *aliases: str,
    required: bool = False,
    width: int = 16,
    choices: str | None = None,
) -> Column:
    return Column(key, en, nl, parse, aliases, required, width, choices)


# fmt: off
REGISTER: Final = Layout(
    name="register",
    columns=(
        _column("supplier", "Supplier", "Leverancier", parse_text,
                "supplier name", "vendor", "naam leverancier", "leveranciersnaam",
                required=True, width=28),
        _column("kvk", "KvK number", "KvK-nummer", parse_text,
                "kvk", "kvk nummer", "kvknummer", "chamber of commerce", "coc number",
                width=14),
        _column("country", "Country", "Land", parse_country,
                "supplier country", "vestigingsland", "land leverancier", width=10),
        _column("service", "Service", "Dienst", parse_text,
                "service name", "naam dienst", "dienstnaam", required=True, width=28),
        _column("kind", "Kind", "Soort", parse_kind,
                "service kind", "kind of service", "service type", "soort dienst",
                "type dienst", "dienstsoort", required=True, width=10, choices="kind"),
        _column("description", "Description", "Omschrijving", parse_text,
                "beschrijving", width=32),
        _column("offering", "Offering", "Online dienst", parse_flag,
                "Dienstverlening", "our offering", "own service", "eigen dienst", "onze dienst",
                "aangeboden dienst", width=14, choices="flag"),
        _column("used_by", "Used by", "Gebruikt door", parse_names,
                "consumer", "consumers", "used by service", "afnemer", "afnemers",
                "afnemende dienst", width=28),
        _column("role", "Role", "Rol", parse_text, "purpose", "doel", "functie", width=20),
        _column("critical", "Critical", "Kritiek", parse_flag,
                "critical or important", "kritisch", "kritieke functie", width=10,
                choices="flag"),
        _column("locations", "Locations", "Locaties", parse_countries,
                "location", "data locations", "locatie", "datalocatie", "datalocaties",
                "verwerkingslocaties", width=14),
        _column("personal_data", "Personal data", "Persoonsgegevens", parse_flag,
                "personal data processed", "verwerkt persoonsgegevens", width=14,
                choices="flag"),
        _column("certificate", "Certificate", "Certificaat", parse_scheme,
                "certification", "scheme", "certificering", "keurmerk", "norm", width=22,
                choices="scheme"),
        _column("holder", "Holder", "Houder", parse_text,
                "certificate holder", "issued to", "certificaathouder", "afgegeven aan",
                width=24),
        _column("type", "Type", "Type", parse_report_type,
                "report type", "type rapport", "rapporttype", width=8),
        _column("period_from", "Period from", "Periode van", parse_day,
                "period start", "begin periode", "start periode", "periode vanaf", width=13),
        _column("period_to", "Period to", "Periode tot en met", parse_day,
                "Periode tot", "period end", "einde periode", "eind periode", "periode t/m",
                width=13),
        _column("as_of", "As of", "Peildatum", parse_day, "design date", width=13),
        _column("issued", "Issued", "Uitgegeven", parse_day,
                "issue date", "date of issue", "report date", "uitgiftedatum",
                "datum uitgifte", "rapportdatum", width=13),
        _column("valid_until", "Valid until", "Geldig tot en met", parse_day,
                "Geldig tot", "expires", "expiry", "expiry date", "geldig t/m",
                "vervaldatum", width=13),
        _column("issuer", "Issuer", "Uitgever", parse_text,
                "auditor", "certification body", "certificerende instelling", width=24),
        _column("version", "Version", "Versie", parse_text,
                "scheme version", "normversie", width=18),
        _column("scope", "Scope", "Scope", parse_text,
                "Reikwijdte", "scope statement", "toepassingsgebied", width=32),
        _column("reference", "Certificate id", "Certificaatkenmerk", parse_reference,
                "Kenmerk", "certificate number", "reference", "certificaatnummer", "referentie",
                "rapportkenmerk", width=20),
    ),
    sheet_words=("register", "leverancier", "supplier", "vendor"),
    sheet_title={"en": "Suppliers", "nl": "Leveranciers"},
)
# fmt: on
"""The supplier register: the usual English and Dutch headings of a provider's register.

The Dutch headings the template and the exporter write follow docs/glossary.md ("Online dienst"
for an offering, "Scope", "tot en met" for a last day that counts, "Certificaatkenmerk"); the
headings they wrote before ("Dienstverlening", "Reikwijdte", "Periode tot", "Geldig tot",
"Kenmerk") are the first aliases, so a register written then still imports."""
