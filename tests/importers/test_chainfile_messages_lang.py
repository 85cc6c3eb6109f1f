"""The chain format's validation errors in the context's language: a set of bad chain files,
read in Dutch and in the pseudo language (the reader's, merge's and the YAML and JSON
parsers' messages)."""

from __future__ import annotations

import pytest

from graph import i18n
from graph.errors import ChainError
from importers.chainfile import load_chain
from importers.chainfile.contract import ID_RULE
from tests.test_pseudo_cli import unmarked

HEAD = "ketenkaart: 1\nofferings: [app]\n"
SUPPLIER = "suppliers:\n  - {id: me, name: Me}\n"
APP = "  - {id: app, name: App, supplier: me, kind: saas}\n"
SERVICES = "services:\n" + APP
VALID = HEAD + SUPPLIER + SERVICES
REPORT = "  - {id: r, scheme: soc2, holder: me, covers: [app], type: 2, "

BAD = {
    "required-missing": HEAD + SUPPLIER + "services:\n  - {id: app, supplier: me, kind: saas}\n",
    "required-empty": HEAD + SUPPLIER + "services:\n  - {id: app, name: '', supplier: me, "
    "kind: saas}\n",
    "unknown-field-hint": VALID.replace("kind: saas}", "kind: saas, nmae: x}"),
    "unknown-field": VALID.replace("kind: saas}", "kind: saas, zzz: x}"),
    "wrong-type-string": VALID.replace("name: App", "name: 12"),
    "wrong-type-bool": VALID.replace("kind: saas}", "kind: saas, personal_data: 'yes'}"),
    "wrong-type-mapping": HEAD + SUPPLIER + "  - oops\n" + SERVICES,
    "wrong-type-list": VALID + "dependencies: 3\n",
    "unknown-choice": VALID.replace("kind: saas", "kind: sass"),
    "choice-not-a-string": VALID.replace("kind: saas", "kind: 3"),
    "invalid-id": HEAD + SUPPLIER + "  - {id: Other, name: Other}\n" + SERVICES,
    "defined-twice": HEAD + SUPPLIER + "  - {id: me, name: Me again}\n" + SERVICES,
    "link-defined-twice": VALID
    + "  - {id: db, name: Db, supplier: me, kind: paas}\n"
    + "dependencies:\n  - {from: app, to: db}\n  - {from: app, to: db}\n",
    "bad-date": VALID + "evidence:\n" + REPORT + "period: {from: 2026-01-01, to: 2026-02-30}}\n",
    "from-after-to": VALID
    + "evidence:\n"
    + REPORT
    + "period: {from: 2026-06-01, to: 2026-01-01}}\n",
    "report-type-missing": VALID
    + "evidence:\n  - {id: r, scheme: soc2, holder: me, covers: [app]}\n",
    "period-missing": VALID + "evidence:\n" + REPORT.rstrip(", ") + "}\n",
    "issued-early": VALID
    + "evidence:\n"
    + REPORT
    + "period: {from: 2026-01-01, to: 2026-06-30}, issued: 2026-05-01}\n",
    "expiry-missing": VALID
    + "evidence:\n  - {id: c, scheme: iso27001, holder: me, covers: [app]}\n",
    "covers-empty": VALID + "evidence:\n  - {id: c, scheme: iso27001, holder: me, covers: [], "
    "valid_until: 2027-01-01}\n",
    "country-case": VALID.replace("{id: me, name: Me}", "{id: me, name: Me, country: nl}"),
    "country-unknown": VALID.replace("{id: me, name: Me}", "{id: me, name: Me, country: XX}"),
    "reason-missing": VALID
    + "  - {id: db, name: Db, supplier: me, kind: paas}\n"
    + "dependencies:\n  - {from: app, to: db, relevant: false}\n",
    "offerings-twice": VALID.replace("offerings: [app]", "offerings: [app, app]"),
    "version": VALID.replace("ketenkaart: 1", "ketenkaart: 2"),
    "not-a-mapping": "- just\n- a list\n",
    "unknown-reference": VALID.replace("supplier: me", "supplier: nobody"),
    "unknown-reference-hint": VALID.replace("supplier: me", "supplier: mee"),
    "parent-cycle": VALID.replace("{id: me, name: Me}", "{id: me, name: Me, parent: me}"),
    "yaml-flow": VALID + "services: [\n",
    "yaml-mapping-values": VALID + "title: a: b\n",
    "yaml-block-key": VALID + "  - {id: db\n",
    "yaml-quoted": VALID + "title: 'open\n",
    "yaml-token": VALID + "title: @x\n",
    "yaml-alias": VALID.replace("name: App", "name: *x"),
    "yaml-anchor": VALID.replace("name: App", "name: &x App"),
    "yaml-tag": VALID.replace("name: App", "name: !!binary App"),
    "yaml-two-documents": VALID + "---\n" + VALID,
    "json-syntax": '{"ketenkaart": 1,}',
    "json-repeated-key": '{"ketenkaart": 1, "ketenkaart": 1}',
    "empty": "",
    "carved-out-without-method": VALID
    + "evidence:\n  - {id: c, scheme: iso27001, holder: me, covers: [app], "
    "valid_until: 2027-01-01, subservices: {carved_out: [app]}}\n",
}
"""A bad chain file for each message the reader (importers/chainfile/reader.py) writes most."""


def messages(text: str, language: str) -> list[str]:
    with i18n.using(language), pytest.raises(ChainError) as err:
        load_chain(text.encode(), filename="bad.yaml")
    return [issue.message for issue in err.value.issues]


def _known(text: str) -> set[str]:
    """What the file itself says (its values and keys), and the contract's codes."""
    found = set(text.replace("{", " ").replace("}", " ").replace(",", " ").split())
    found |= {"x-", "ketenkaart", "offerings", "profiles", "kind", "saas", "paas", "iaas"}
    found |= {"managed", "other", "valid_until", "as_of", "relevant", "method", "from", "to"}
    found |= {"carve-out", "inclusive", "none", "carved_out", "my-service", "soc2", "YYYY"}
    return {item.strip("'[]:") for item in found} | found


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_word_of_a_message_is_marked_in_the_pseudo_language(case: str) -> None:
    """Each message of these bad files is made of catalog text (and the file's own values),
    so nothing English is left outside the markers."""
    found = messages(BAD[case], "pseudo")
    assert found
    left = {message: unmarked(message, _known(BAD[case])) for message in found}
    assert {message: words for message, words in left.items() if words} == {}


@pytest.mark.parametrize(
    ("case", "dutch"),
    [
        ("required-missing", "verplicht veld ontbreekt"),
        ("unknown-field-hint", "onbekend veld 'nmae'; bedoelt u 'name'?"),
        ("bad-date", "'2026-02-30' is geen kalenderdatum (de dag bestaat niet in die maand)"),
        (
            "wrong-type-string",
            'verwacht een tekst, gekregen: het getal 12; zet het tussen aanhalingstekens: "12"',
        ),
        (
            "defined-twice",
            "leverancier 'me' is twee keer gedefinieerd (eerst op suppliers[0], regel 4)",
        ),
        ("unknown-reference-hint", "onbekende leverancier 'mee'; bedoelt u 'me'?"),
        ("parent-cycle", "de moederorganisaties van leveranciers vormen een kring: me -> me"),
        (
            "yaml-flow",
            "geen geldige YAML: de verwachte inhoud van een waarde ontbreekt "
            "(bij het lezen van een inline waarde)",
        ),
        (
            "unknown-choice",
            "onbekende waarde 'sass' voor kind; bedoelt u 'saas'? (een van: "
            "saas, paas, iaas, managed, other)",
        ),
    ],
)
def test_the_commonest_messages_read_dutch(case: str, dutch: str) -> None:
    """Required field, unknown field, wrong type, defined twice, unknown choice in Dutch."""
    assert dutch in messages(BAD[case], "nl")


def test_english_messages_are_as_before() -> None:
    """English reads as it always did."""
    assert 'expected a string, got the number 12; quote it: "12"' in messages(
        BAD["wrong-type-string"], "en"
    )
    assert "supplier 'me' is defined twice (first at suppliers[0], line 4)" in messages(
        BAD["defined-twice"], "en"
    )
    assert messages(BAD["unknown-reference-hint"], "en") == [
        "unknown supplier 'mee'; did you mean 'me'?"
    ]
    assert messages(BAD["parent-cycle"], "en") == [
        "the parents of suppliers form a cycle: me -> me"
    ]
    assert messages(BAD["yaml-flow"], "en") == [
        "the key is repeated (first on line 5)",
        "not valid YAML: did not find expected node content (while parsing a flow node)",
    ]


def test_the_id_rule_is_the_contracts() -> None:
    """The id rule marked for the catalog is the contract's, word for word."""
    from importers.chainfile.reader import _ID_RULE  # noqa: PLC0415

    assert _ID_RULE == ID_RULE


def test_the_size_limit_groups_thousands_as_each_language_does() -> None:
    """A file over the limit names its size and the limit as the reader writes numbers:
    14,000 in English (as always), 14.000 in Dutch."""
    data = ("# " + "x" * 9997 + "\n").encode() + VALID.encode()
    said = {}
    for language in ("en", "nl"):
        with i18n.using(language), pytest.raises(ChainError) as caught:
            load_chain(data, filename="big.yaml", max_bytes=5000)
        said[language] = str(caught.value)
    size = len(data)
    assert said["en"] == f"big.yaml: the file is {size:,} bytes, more than the limit of 5,000"
    dutch_size = f"{size:,}".replace(",", ".")
    assert said["nl"] == f"big.yaml: het bestand is {dutch_size} bytes, meer dan de grens van 5.000"
