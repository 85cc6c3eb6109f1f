"""Every string the code and the templates mark for translation is in the Dutch catalog.

tests/test_i18n.py holds each entry of the catalog to a Dutch translation; a string marked in
the code but never extracted into the catalog escapes that test and shows in English on a
Dutch page. This one extracts the marked strings as `make catalogs` does (babel.cfg) and
compares them with the catalog's entries.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "graph" / "locale" / "nl" / "LC_MESSAGES" / "ketenkaart.po"


def test_every_marked_string_is_in_the_dutch_catalog(tmp_path: Path) -> None:
    """`pybabel extract` over the sources finds no message the catalog lacks (run `make
    catalogs` and translate what it adds)."""
    template = tmp_path / "ketenkaart.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "--mapping-file",
            str(ROOT / "babel.cfg"),
            "--keywords",
            "N_",
            "--output-file",
            str(template),
            str(ROOT),
        ]
    )
    with template.open("rb") as handle:
        marked = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(marked - known) == []
