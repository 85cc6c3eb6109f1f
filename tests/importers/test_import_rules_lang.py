"""The import rules' own messages (importers/registry.py, importers/internal.py) in the context's
language: a format not recognised or ambiguous, a file refused before any format reads it, the
cap on errors, the summary of many warnings, a library's warning, nothing usable, the warning
about a provider's own components. Each is read in the pseudo language (nothing English outside
the markers but names, ids and codes) and in Dutch; English as before."""

from __future__ import annotations

import codecs
import warnings
from collections.abc import Callable

import pytest

from graph import i18n
from graph.errors import UsageError
from graph.model import Chain, Dependency, Kind, Service, Supplier
from importers.base import ImportFailed, ImportIssue, ImportResult, Source
from importers.internal import Internal, set_apart
from importers.registry import detect, export, get, run
from tests.test_pseudo_cli import unmarked

FORMATS = {"backstage", "chain", "csv", "cyclonedx", "fedramp", "oscal", "xlsx"}
EXPORTS = {"yaml", "json", "cyclonedx", "register-xlsx", "register-csv", "dora"}
CODES = FORMATS | EXPORTS | {"--format", "--keep-internal", "UTF-8", "UTF-16", "UTF-32"}
QUOTED = {"'ketenkaart'", "'backstage.io'", "apiVersion", "'oscal-version'", "OSCAL", "XML"}
QUOTED |= {"'bomFormat'", "'CycloneDX'", "CycloneDX", "'csp'", "'cso'", "'spdx'", "'pdf'"}


class _Fake:
    """An importer whose parse gives a set result (and may warn as a library would)."""

    name = "csv"
    description = "a register"

    def __init__(self, result: ImportResult, warn: str = "") -> None:
        self.result, self.warn = result, warn

    def sniff(self, head: bytes, filename: str) -> bool:
        return False

    def parse(self, data: bytes, source: Source) -> ImportResult:
        if self.warn:
            warnings.warn(self.warn, UserWarning, stacklevel=1)
        return self.result


def _issues(result: ImportResult) -> list[str]:
    return [issue.message for issue in result.issues]


def _refused(data: bytes, filename: str) -> list[str]:
    with pytest.raises(ImportFailed) as err:
        detect(data, filename)
    found = [issue.message for issue in err.value.issues]
    assert found == _issues(run(get("chain"), data, Source(filename)))
    return found


def _many_errors() -> list[str]:
    errors = tuple(ImportIssue(f"row {n}", i18n.gettext("empty")) for n in range(25))
    result = ImportResult(Chain(offerings=("a",), services=_SERVICES), errors)
    return _issues(run(_Fake(result), b"x", Source("r.csv")))


def _many_warnings() -> list[str]:
    same = tuple(
        ImportIssue(f"row {n}", i18n.gettext("empty"), "warning", "no-match") for n in range(9)
    )
    result = ImportResult(Chain(offerings=("a",), services=_SERVICES), same)
    return _issues(run(_Fake(result), b"x", Source("r.csv")))


def _library_warning() -> list[str]:
    result = ImportResult(Chain(offerings=("a",), services=_SERVICES), ())
    fake = _Fake(result, warn="Workbook contains no default style")
    feature = "Conditional Formatting extension is not supported and will be removed"
    twice = _Fake(result, warn=feature)
    return [
        *_issues(run(fake, b"x", Source("r.xlsx"))),
        *_issues(run(twice, b"x", Source("r.xlsx"))),
    ]


def _nothing_usable() -> list[str]:
    chain = Chain(
        offerings=(),
        suppliers={"me": Supplier("me", "Me")},
        dependencies={("a", "b"): Dependency("a", "b")},
    )
    return _issues(run(_Fake(ImportResult(chain, ())), b"x", Source("r.csv")))


def _internal() -> list[str]:
    services = {
        "shop": Service("shop", "Shop", "acme", Kind.SAAS),
        "cart": Service("cart", "Cart", "acme", Kind.OTHER),
        "db": Service("db", "Database", "cloud", Kind.PAAS),
    }
    links = {("shop", "cart"): Dependency("shop", "cart"), ("cart", "db"): Dependency("cart", "db")}
    chain = Chain(offerings=("shop",), services=services, dependencies=links)
    _, warning = set_apart(chain, [Internal("shop", "cart", "Acme")])
    assert warning is not None
    return [warning.message]


def _usage(call: Callable[[], object]) -> list[str]:
    with pytest.raises(UsageError) as err:
        call()
    return [str(err.value)]


_SERVICES = {"a": Service("a", "A", "me", Kind.SAAS)}

CASES: dict[str, Callable[[], list[str]]] = {
    "unknown-format": lambda: _usage(lambda: detect(b"hello", "notes.txt")),
    "unknown-by-extension": lambda: _usage(lambda: detect(b"{}", "data.xml")),
    "ambiguous": lambda: _usage(
        lambda: detect(b'{"ketenkaart": 1, "bomFormat": "CycloneDX"}', "both.json")
    ),
    "ambiguous-no-extension": lambda: _usage(
        lambda: detect(b'{"ketenkaart": 1, "bomFormat": "CycloneDX"}', "both")
    ),
    "no-such-format": lambda: _usage(lambda: get("spdx")),
    "no-such-export": lambda: _usage(lambda: export(Chain(offerings=()), "pdf")),
    "empty": lambda: _refused(b"", "chain.yaml"),
    "white-space": lambda: _refused(b"  \n", "chain.yaml"),
    "two-marks": lambda: _refused(codecs.BOM_UTF8 * 2 + b"ketenkaart: 1\n", "chain.yaml"),
    "utf-16": lambda: _refused("ketenkaart: 1\n".encode("utf-16"), "chain.yaml"),
    "many-errors": _many_errors,
    "many-warnings": _many_warnings,
    "library-warning": _library_warning,
    "nothing-usable": _nothing_usable,
    "internal": _internal,
}

KNOWN = CODES | QUOTED | {"notes.txt", "data.xml", "both.json", "both", ".xml", ".json"}
KNOWN |= {"no-match", "row", "shop", "cart", "db", "Acme", "->", "conditional formatting"}


def _read(case: str, language: str) -> list[str]:
    with i18n.using(language):
        return CASES[case]()


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_nothing_english_is_left_outside_the_markers(case: str) -> None:
    """Every word of the rule's message is catalog text, a name, an id or a code."""
    found = _read(case, "pseudo")
    assert found
    # an ellipsis marks an id cut short for unmarked(); the cap's line starts with one
    left = {message: unmarked(message.replace("…", "..."), KNOWN) for message in found}
    assert {message: words for message, words in left.items() if words} == {}


@pytest.mark.parametrize(
    ("case", "dutch"),
    [
        ("empty", "het bestand is leeg"),
        ("many-errors", "… en nog 5 fouten"),
        ("nothing-usable", "het bestand beschrijft geen dienst (alleen 1 leverancier en 1 "),
        ("unknown-format", "notes.txt: het formaat is niet herkend"),
        ("internal", "1 schakel tussen diensten van één aanbieder"),
        ("library-warning", "de werkmap heeft geen standaardstijl"),
    ],
)
def test_the_rules_read_dutch(case: str, dutch: str) -> None:
    """A Dutch import says its rules in Dutch."""
    assert any(message.startswith(dutch) for message in _read(case, "nl"))


def test_english_is_as_before() -> None:
    """English reads word for word as it did."""
    assert _read("many-errors", "en")[-1] == "… and 5 more errors"
    assert _read("nothing-usable", "en") == [
        "the file declares no service (only 1 supplier and 1 dependency); there is nothing to "
        "import"
    ]
    assert _read("many-warnings", "en") == [
        "9 warnings of one kind (no-match); the first 3: row 0: empty; row 1: empty; row 2: empty"
    ]
    assert _read("library-warning", "en")[1] == (
        "the workbook uses a spreadsheet feature this reader does not know (a conditional "
        "formatting extension); the feature is left out and the cells are read as they are"
    )
    assert _read("ambiguous-no-extension", "en") == [
        "both: this could be chain, cyclonedx (its content fits does not decide); name the "
        "format with --format"
    ]
    assert _read("utf-16", "en") == [
        "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8"
    ]
