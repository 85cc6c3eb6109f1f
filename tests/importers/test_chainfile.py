"""Reading, checking, writing and merging chain files (importers/chainfile/)."""

from __future__ import annotations

import gc
import json
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from graph.errors import ChainError, Issue
from graph.model import (
    Chain,
    DateRange,
    Dependency,
    Evidence,
    Kind,
    Profile,
    Scheme,
    Service,
    SubserviceMethod,
    Supplier,
)
from importers.chainfile import (
    MAX_CHAIN_BYTES,
    dump_chain,
    load_chain,
    load_chains,
    load_profile_file,
    merge_chains,
    yaml12,
)

# Lines 1-6; whatever a test adds starts on line 7.
BASE = """\
ketenkaart: 1
offerings: [app]
suppliers:
  - {id: acme, name: Acme B.V., country: NL}
services:
  - {id: app, name: App, supplier: acme, kind: saas}
"""

EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "examples"


def chain_text(more: str = "", base: str = BASE) -> bytes:
    """The base chain plus ``more`` (dedented), as file bytes."""
    return (base + textwrap.dedent(more)).encode()


def issues_of(data: bytes, filename: str = "chain.yaml") -> list[Issue]:
    """The issues loading ``data`` reports (it must fail)."""
    with pytest.raises(ChainError) as caught:
        load_chain(data, filename=filename)
    return list(caught.value.issues)


def only_issue(data: bytes, filename: str = "chain.yaml") -> Issue:
    """The one issue loading ``data`` reports."""
    issues = issues_of(data, filename)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def find(issues: list[Issue], path: str) -> Issue:
    """The issue at ``path``."""
    found = [issue for issue in issues if issue.path == path]
    assert found, f"no issue at {path}:\n" + "\n".join(map(str, issues))
    return found[0]


# -- the happy path -----------------------------------------------------------------------------


def test_minimal_chain_loads() -> None:
    """A minimal chain loads into model objects keyed by id."""
    chain = load_chain(chain_text())
    assert chain.offerings == ("app",)
    assert chain.suppliers == {"acme": Supplier("acme", "Acme B.V.", "NL")}
    assert chain.services == {"app": Service("app", "App", "acme", Kind.SAAS)}
    assert chain.dependencies == {} and chain.evidence == {} and chain.profiles == {}


def test_every_field_is_read() -> None:
    """Every field of the contract lands in its model attribute."""
    text = b"""\
ketenkaart: 1
title: T
offerings: [app]
x-owner: team
suppliers:
  - {id: acme, name: Acme B.V., country: NL, ids: {kvk: '01234567'}, contact: {email: a@b.nl}}
  - {id: host, name: Host, parent: acme}
services:
  - {id: app, name: App, supplier: acme, kind: saas}
  - {id: vm, name: VM, supplier: host, kind: iaas}
  - {id: mail, name: Mail, supplier: host, kind: saas}
dependencies:
  - {from: app, to: vm, role: hosting, critical: true, personal_data: false,
     locations: [DE], contract: C-1}
  - {from: app, to: mail, relevant: false, reason: not used}
evidence:
  - id: soc2
    scheme: soc2
    holder: host
    covers: [vm]
    type: 2
    period: {from: 2025-04-01, to: 2026-03-31}
    issued: 2026-05-15
    locations: [DE, IE]
    criteria: [security]
    issuer: Example LLP
    issuer_qualification: cpa
    assurance: limited
    opinion: qualified
    exceptions: [{criterion: CC6.1, description: late, response: fixed}]
    subservices: {method: carve-out, carved_out: [mail], included: []}
    cuecs: [{id: CUEC-3, text: IAM, addressed: true}, {id: CUEC-4}]
    bridge_letter: {from: 2026-04-01, to: 2026-06-30, signed_by: CFO}
    verification: verified
    document: {name: soc2.pdf, sha256: abc}
profiles:
  - {id: strict, extends: zeker-online, min_period_months: 9,
     required_criteria: [], accept_as_equivalent: [iso27001]}
"""
    chain = load_chain(text)
    assert chain.title == "T" and chain.extra == {"x-owner": "team"}
    assert chain.suppliers["acme"].ids == {"kvk": "01234567"}
    assert chain.suppliers["acme"].contact == {"email": "a@b.nl"}
    assert chain.suppliers["host"].parent == "acme"
    hosting = chain.dependencies[("app", "vm")]
    assert hosting == Dependency("app", "vm", "hosting", True, None, True, False, ("DE",), "C-1")
    assert chain.dependencies[("app", "mail")].relevant is False
    evidence = chain.evidence["soc2"]
    assert evidence.period == DateRange(date(2025, 4, 1), date(2026, 3, 31))
    assert evidence.bridge_letter is not None and evidence.bridge_letter.signed_by == "CFO"
    assert evidence.subservices.method is SubserviceMethod.CARVE_OUT
    assert evidence.subservices.carved_out == ("mail",) and evidence.subservices.included == ()
    assert [cuec.addressed for cuec in evidence.cuecs] == [True, False]
    assert evidence.document is not None and evidence.document.sha256 == "abc"
    assert chain.profiles["strict"] == Profile(
        "strict", "zeker-online", 9, required_criteria=(), accept_as_equivalent=(Scheme.ISO27001,)
    )


def test_example_chain_loads_and_round_trips() -> None:
    """The shared kinderopvang example loads, and survives a YAML and a JSON round trip."""
    path = (EXAMPLES / "kinderopvang.yaml").resolve()
    if not path.exists():
        pytest.skip(f"the shared example {path} is not there")
    chain = load_chain(path.read_bytes(), filename=path.name)
    assert chain.offerings == ("kidsplan-online",)
    assert len(chain.dependencies) == 7 and len(chain.evidence) == 5
    assert load_chain(dump_chain(chain)) == chain
    assert load_chain(dump_chain(chain, fmt="json")) == chain


def test_json_and_yaml_of_one_chain_load_equal() -> None:
    """JSON and YAML carrying the same structure give the same chain."""
    as_yaml = chain_text("evidence:\n  - {id: e, scheme: soc3, holder: acme, covers: [app]}\n")
    as_json = json.dumps(yaml.safe_load(as_yaml)).encode()
    assert load_chain(as_json) == load_chain(as_yaml)


def test_empty_value_is_an_empty_list() -> None:
    """``evidence:`` with nothing after it means no evidence."""
    assert load_chain(chain_text("evidence:\ndependencies:\n")).evidence == {}


def test_empty_location_list_on_a_dependency_is_none() -> None:
    """``locations: []`` on a dependency means the provider's locations, like leaving it out."""
    chain = load_chain(chain_text("dependencies: [{from: app, to: app, locations: []}]\n"))
    assert chain.dependencies[("app", "app")].locations is None


def test_byte_order_mark_is_allowed() -> None:
    """A UTF-8 byte order mark before the text is fine."""
    assert load_chain(b"\xef\xbb\xbf" + chain_text()).offerings == ("app",)


def test_dependency_cycle_is_not_an_error() -> None:
    """A dependency cycle loads; the analysis reports it as a finding."""
    text = chain_text(
        """\
          - {id: db, name: DB, supplier: acme, kind: paas}
        dependencies: [{from: app, to: db}, {from: db, to: app}]
        """
    )
    assert len(load_chain(text).dependencies) == 2


# -- YAML 1.2 --------------------------------------------------------------------------------


def test_country_no_stays_norway() -> None:
    """``country: NO`` is the string NO (YAML 1.2), not the boolean false."""
    chain = load_chain(chain_text().replace(b"country: NL", b"country: NO"))
    assert chain.suppliers["acme"].country == "NO"


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "Yes", "NO"])
def test_yaml_11_booleans_are_strings(word: str) -> None:
    """Only true and false are booleans; ``personal_data: yes`` is an error, not true."""
    issue = only_issue(
        chain_text().replace(b"kind: saas}", f"kind: saas, personal_data: {word}}}".encode())
    )
    assert issue.path == "services[0].personal_data"
    assert issue.line == 6
    assert f"got the string '{word}'" in issue.message


@pytest.mark.parametrize("word", ["true", "True", "TRUE", "false", "False", "FALSE"])
def test_yaml_12_booleans(word: str) -> None:
    """true and false, in the three spellings of YAML 1.2 core, are booleans."""
    text = chain_text().replace(b"kind: saas}", f"kind: saas, personal_data: {word}}}".encode())
    assert load_chain(text).services["app"].personal_data is (word.lower() == "true")


def test_dates_are_strings_checked_by_the_reader() -> None:
    """An unquoted date is read as a calendar date by this reader, not by YAML."""
    text = chain_text(
        "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app], issued: 2026-01-31}]\n"
    )
    assert load_chain(text).evidence["e"].issued == date(2026, 1, 31)


def test_quoted_numbers_and_str_tag_are_strings() -> None:
    """A quoted number, or one tagged !!str, is a string."""
    text = chain_text().replace(
        b"country: NL}", b"country: NL, ids: {kvk: !!str 12345678, lei: '0012'}}"
    )
    assert load_chain(text).suppliers["acme"].ids == {"kvk": "12345678", "lei": "0012"}


def test_anchor_is_refused() -> None:
    """An anchor is refused, with its line."""
    issue = only_issue(chain_text("x-a: &here [1]\n"))
    assert (issue.path, issue.line) == ("x-a", 7)
    assert "anchors (&here) are not allowed" in issue.message


def test_alias_is_refused() -> None:
    """An alias is refused, with its line and path."""
    issues = issues_of(chain_text("x-a: &here [1]\nx-b: [*here]\n"))
    alias = find(issues, "x-b[0]")
    assert alias.line == 8 and "aliases (*here) are not allowed" in alias.message


def test_repeated_key_is_an_error() -> None:
    """A key repeated in one mapping is reported at its second line, naming the first."""
    issue = only_issue(chain_text("title: a\nx-b: 1\ntitle: b\n"))
    assert (issue.path, issue.line) == ("title", 9)
    assert "repeated (first on line 7)" in issue.message


def test_repeated_key_in_a_nested_mapping_is_an_error() -> None:
    """A repeated key deep inside the file names its full path."""
    issue = only_issue(chain_text().replace(b"kind: saas}", b"kind: saas, kind: paas}"))
    assert (issue.path, issue.line) == ("services[0].kind", 6)


@pytest.mark.parametrize("tag", ["!!binary", "!!timestamp", "!custom", "!"])
def test_other_tags_are_refused(tag: str) -> None:
    """Tags other than the core ones are refused."""
    issues = issues_of(chain_text(f"title: {tag} abc\n"))
    assert find(issues, "title").line == 7
    assert "is not allowed" in find(issues, "title").message


def test_core_tags_are_allowed() -> None:
    """!!int, !!float, !!bool, !!null, !!map and !!seq are allowed and mean what they say."""
    text = chain_text(
        "x-a: !!map {i: !!int 0x1F, f: !!float 2, b: !!bool true, n: !!null ~, s: !!seq []}\n"
    )
    assert load_chain(text).extra == {"x-a": {"i": 31, "f": 2.0, "b": True, "n": None, "s": []}}


def test_yaml_12_numbers() -> None:
    """Numbers follow YAML 1.2 core: 0o and 0x ints, floats; 1_000 and 0b1 are strings."""
    text = chain_text("x-n: [0o17, 0x1f, -12, 1.5, 1e3, .5, 1_000, 0b1, 012]\n")
    assert load_chain(text).extra["x-n"] == [15, 31, -12, 1.5, 1000.0, 0.5, "1_000", "0b1", 12]


def test_infinity_is_refused() -> None:
    """.inf and .nan are refused: they would not survive a JSON round trip."""
    assert only_issue(chain_text("x-n: .inf\n")).path == "x-n"


def test_second_document_is_an_error() -> None:
    """A file holds one YAML document."""
    issue = only_issue(chain_text("---\nfoo: 1\n"))
    assert issue.line == 7 and "one YAML document" in issue.message


def test_yaml_syntax_error_is_one_issue_with_its_line() -> None:
    """A syntax error becomes one issue carrying the line of the YAML mark."""
    issue = only_issue(chain_text("title: [unclosed\nx-a: 1\n"))
    assert issue.line == 8 and issue.message.startswith("not valid YAML")


def test_an_unclosed_quote_names_the_line_it_opened_on() -> None:
    """The parser gives up at the end of the file; the message names the line the quoted
    text began on, where the quote is missing."""
    issue = only_issue(chain_text('title: "unclosed\nx-a: 1\n\n\n'))
    assert issue.line is not None and issue.line > 7
    assert issue.message.endswith("(while scanning a quoted scalar that starts on line 7)"), (
        issue.message
    )


def test_an_entry_without_a_usable_id_has_its_references_checked() -> None:
    """A service whose id breaks the rule still has its unknown supplier reported."""
    bad = "  - {id: Bad Id, name: B, supplier: nope, kind: saas}\n"
    paths = {i.path for i in issues_of(chain_text(base=BASE + bad))}
    assert paths == {"services[1].id", "services[1].supplier"}


def test_mapping_as_key_is_refused() -> None:
    """A key must be a plain string, not a list or mapping."""
    issue = only_issue(chain_text("? [a, b]\n: 1\n"))
    assert issue.line == 7 and "plain string" in issue.message


def test_too_deep_nesting_is_refused() -> None:
    """Absurdly deep nesting is one issue, not a crash."""
    issue = only_issue(chain_text("x-a: " + "[" * 300 + "]" * 300 + "\n"))
    assert "nested more than" in issue.message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"# only a comment\n", "the file is empty"),
        (b"- a list\n", "a chain file is a mapping"),
        (b"just text\n", "a chain file is a mapping"),
    ],
)
def test_file_that_is_not_a_mapping(data: bytes, expected: str) -> None:
    """An empty file, or one that is not a mapping, is one clear issue."""
    assert expected in only_issue(data).message


# -- JSON -------------------------------------------------------------------------------------


def test_json_repeated_key_is_an_error() -> None:
    """A repeated key in a JSON object is reported with its path (JSON has no lines)."""
    data = b'{"ketenkaart": 1, "offerings": ["app"], "x-a": {"k": 1, "k": 2},' + (
        b' "suppliers": [{"id": "acme", "name": "A"}],'
        b' "services": [{"id": "app", "name": "A", "supplier": "acme", "kind": "saas"}]}'
    )
    issue = only_issue(data, "c.json")
    assert (issue.path, issue.line, issue.file) == ("x-a.k", None, "c.json")
    assert "repeated" in issue.message


def test_json_syntax_error_has_its_line() -> None:
    """A JSON syntax error carries the line of the decoder."""
    issue = only_issue(b'{"ketenkaart": 1,\n "offerings": ["app",]\n}')
    assert issue.line == 2 and issue.message.startswith("not valid JSON")


def test_json_issues_have_no_line() -> None:
    """Problems in the content of a JSON file name the path but no line."""
    data = json.dumps({"ketenkaart": 1, "offerings": ["nope"]}).encode()
    issue = only_issue(data)
    assert (issue.path, issue.line) == ("offerings[0]", None)


def test_json_nan_is_refused() -> None:
    """NaN is not JSON and is refused."""
    assert "NaN" in only_issue(b'{"ketenkaart": 1, "offerings": ["a"], "x-a": NaN}').message


def test_json_is_detected_after_leading_whitespace() -> None:
    """A file whose first non-blank character is '{' is read as JSON."""
    data = b"\n  " + json.dumps(yaml.safe_load(chain_text())).encode()
    assert load_chain(data).offerings == ("app",)


# -- bytes -------------------------------------------------------------------------------------


def test_invalid_utf8_is_one_issue() -> None:
    """Bytes that are not UTF-8 give one issue with the offending line."""
    issue = only_issue(chain_text("title: caf\xe9\n").replace("é".encode(), b"\xe9"))
    assert issue.line == 7 and "not UTF-8" in issue.message


def test_utf16_is_refused() -> None:
    """UTF-16 text gets a hint to save the file as UTF-8."""
    assert "UTF-16" in only_issue(chain_text().decode().encode("utf-16")).message


def test_size_limit() -> None:
    """A file over the limit is refused naming the file, its size and the limit."""
    with pytest.raises(ChainError) as caught:
        load_chain(chain_text(), filename="big.yaml", max_bytes=100)
    (issue,) = caught.value.issues
    size = len(chain_text())
    assert issue.file == "big.yaml"
    assert f"{size:,} bytes" in issue.message and "100" in issue.message


def test_default_size_limit() -> None:
    """The default limit is 256 MiB."""
    assert MAX_CHAIN_BYTES == 256 * 1024 * 1024


# -- structure -------------------------------------------------------------------------------


def test_unknown_top_level_key_suggests_the_right_one() -> None:
    """An unknown top-level key is an error with a did-you-mean hint."""
    issue = only_issue(chain_text("evidnce: []\n"))
    assert (issue.path, issue.line) == ("evidnce", 7)
    assert "did you mean 'evidence'?" in issue.message


def test_unknown_field_in_an_entity() -> None:
    """An unknown field of a service is named with its path and a hint."""
    issue = only_issue(chain_text().replace(b"kind: saas}", b"kind: saas, suplier: x}"))
    assert (issue.path, issue.line) == ("services[0].suplier", 6)
    assert "did you mean 'supplier'?" in issue.message


def test_unknown_field_in_a_nested_mapping() -> None:
    """Nested mappings are closed too (``ids`` takes kvk, lei, euid, duns, vat)."""
    issue = only_issue(chain_text().replace(b"country: NL}", b"country: NL, ids: {btw: x}}"))
    assert issue.path == "suppliers[0].ids.btw"


def test_x_keys_are_kept_in_extra() -> None:
    """x- keys of the top level and of entities are kept, with any value."""
    text = chain_text("x-top: {a: [1, 2.5, null, true]}\n").replace(
        b"kind: saas}", b"kind: saas, x-tier: gold}"
    )
    chain = load_chain(text)
    assert chain.extra == {"x-top": {"a": [1, 2.5, None, True]}}
    assert chain.services["app"].extra == {"x-tier": "gold"}


def test_x_keys_round_trip() -> None:
    """x- keys survive a YAML and a JSON round trip."""
    text = chain_text("x-top: {a: [1, 2.5, null, true, '1.0']}\n").replace(
        b"kind: saas}", b"kind: saas, x-tier: NO}"
    )
    chain = load_chain(text)
    assert load_chain(dump_chain(chain)) == chain
    assert load_chain(dump_chain(chain, fmt="json")) == chain


def test_x_keys_in_nested_mappings_are_accepted() -> None:
    """x- keys inside nested mappings (period, ids...) are accepted and ignored."""
    text = chain_text().replace(b"country: NL}", b"country: NL, ids: {kvk: '1', x-src: kvk.nl}}")
    assert load_chain(text).suppliers["acme"].ids == {"kvk": "1"}


@pytest.mark.parametrize(
    ("more", "path"),
    [
        ("dependencies: {from: app, to: app}\n", "dependencies"),
        ("evidence: [1]\n", "evidence[0]"),
        ("title: [a]\n", "title"),
        ("dependencies: [{from: app, to: app, locations: NL}]\n", "dependencies[0].locations"),
    ],
)
def test_wrong_container_types(more: str, path: str) -> None:
    """A mapping where a list belongs, or a list where a string belongs, is an error."""
    issue = only_issue(chain_text(more))
    assert (issue.path, issue.line) == (path, 7)


def test_every_problem_is_listed() -> None:
    """All problems of a file are listed together, in line order."""
    issues = issues_of(
        chain_text(
            """\
            dependencies:
              - {from: app, to: ghost}
              - {from: app, to: app, relevant: false}
            evidence:
              - {id: E, scheme: soc9, holder: acme, covers: [app]}
            """
        ).replace(b"country: NL", b"country: UK")
    )
    assert [issue.path for issue in issues] == [
        "suppliers[0].country",
        "dependencies[0].to",
        "dependencies[1].reason",
        "evidence[0].id",
        "evidence[0].scheme",
    ]
    assert [issue.line for issue in issues] == [4, 8, 9, 11, 11]


def test_issue_text_names_file_line_and_path() -> None:
    """Each issue reads FILE:LINE: path: message."""
    text = chain_text().replace(b"supplier: acme", b"supplier: awz")
    assert str(only_issue(text, "chain.yaml")) == (
        "chain.yaml:6: services[0].supplier: unknown supplier 'awz'"
    )


# -- version and offerings ---------------------------------------------------------------------


def test_version_is_required() -> None:
    """``ketenkaart: 1`` is required."""
    assert only_issue(chain_text().replace(b"ketenkaart: 1\n", b"")).path == "ketenkaart"


@pytest.mark.parametrize("version", ["2", "'1'", "1.0", "true"])
def test_other_versions_are_refused(version: str) -> None:
    """Only format version 1 (the number) is read."""
    issue = only_issue(chain_text().replace(b"ketenkaart: 1", f"ketenkaart: {version}".encode()))
    assert (issue.path, issue.line) == ("ketenkaart", 1)


@pytest.mark.parametrize("offerings", ["offerings: []", "offerings:", "x-none: 1"])
def test_offerings_are_required_and_non_empty(offerings: str) -> None:
    """``offerings`` must list at least one service."""
    text = chain_text().replace(b"offerings: [app]", offerings.encode())
    assert only_issue(text).path == "offerings"


def test_repeated_offering() -> None:
    """An offering listed twice is an error at the repeat."""
    issue = only_issue(chain_text().replace(b"[app]", b"[app, app]"))
    assert (issue.path, issue.line) == ("offerings[1]", 2)
    assert "offerings[0]" in issue.message


def test_unknown_offering() -> None:
    """An offering must be a service of the chain."""
    issue = only_issue(chain_text().replace(b"[app]", b"[app, apq]"))
    assert (issue.path, issue.line) == ("offerings[1]", 2)
    assert issue.message == "unknown service 'apq'; did you mean 'app'?"


# -- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["App", "-app", "a b", "'1'x", "_a", "a/b"])
def test_id_syntax(bad: str) -> None:
    """Ids are [a-z0-9][a-z0-9._-]*."""
    text = chain_text(f'evidence: [{{id: "{bad}", scheme: soc3, holder: acme, covers: [app]}}]\n')
    issue = only_issue(text)
    assert (issue.path, issue.line) == ("evidence[0].id", 7)


@pytest.mark.parametrize("good", ["a", "0", "a.b_c-d", "9x"])
def test_valid_ids(good: str) -> None:
    """Lower case letters, digits, '.', '_' and '-' make an id."""
    text = chain_text(f"evidence: [{{id: '{good}', scheme: soc3, holder: acme, covers: [app]}}]\n")
    assert good in load_chain(text).evidence


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        (BASE.replace("NL}\n", "NL}\n  - {id: acme, name: Again}\n"), "suppliers[1].id", 5),
        (BASE + "  - {id: app, name: Again, supplier: acme, kind: paas}\n", "services[1].id", 7),
    ],
)
def test_duplicate_id_names_the_first(text: str, path: str, line: int) -> None:
    """A repeated id is an error on the second, naming the index of the first."""
    issue = only_issue(text.encode())
    assert (issue.path, issue.line) == (path, line)
    assert "[0]" in issue.message and "defined twice" in issue.message


def test_duplicate_evidence_and_profile_ids() -> None:
    """Evidence and profile ids are unique within their list."""
    issues = issues_of(
        chain_text(
            """\
            evidence:
              - {id: e, scheme: soc3, holder: acme, covers: [app]}
              - {id: e, scheme: soc3, holder: acme, covers: [app]}
            profiles:
              - {id: p, extends: zeker-online}
              - {id: p, extends: zeker-online}
            """
        )
    )
    assert [issue.path for issue in issues] == ["evidence[1].id", "profiles[1].id"]


# -- countries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "hint"),
    [("UK", "'GB'"), ("EL", "'GR'"), ("nl", "'NL'"), ("XX", "ISO 3166-1"), ("NLD", "ISO 3166-1")],
)
def test_country_codes(code: str, hint: str) -> None:
    """Country codes are assigned ISO 3166-1 alpha-2 codes in upper case, with hints."""
    issue = only_issue(chain_text().replace(b"country: NL", f"country: {code}".encode()))
    assert (issue.path, issue.line) == ("suppliers[0].country", 4)
    assert hint in issue.message


def test_country_list_item() -> None:
    """Each location is checked, with its index in the path."""
    issue = only_issue(chain_text().replace(b"kind: saas}", b"kind: saas, locations: [NL, UK]}"))
    assert (issue.path, issue.line) == ("services[0].locations[1]", 6)


# -- types -----------------------------------------------------------------------------------


def test_unquoted_number_where_a_string_belongs() -> None:
    """An unquoted number for a string is an error with a hint to quote it as written."""
    issue = only_issue(
        chain_text().replace(b"country: NL}", b"country: NL, ids: {kvk: 012345678}}")
    )
    assert issue.path == "suppliers[0].ids.kvk"
    assert 'quote it: "012345678"' in issue.message


@pytest.mark.parametrize("value", ["1.0", "true", "null"])
def test_non_string_name(value: str) -> None:
    """A name must be a string (and is required)."""
    issue = only_issue(chain_text().replace(b"name: App,", f"name: {value},".encode()))
    assert (issue.path, issue.line) == ("services[0].name", 6)


def test_blank_name() -> None:
    """A required name must not be blank."""
    assert only_issue(chain_text().replace(b"name: App,", b"name: ' ',")).path == "services[0].name"


@pytest.mark.parametrize("value", ["3", "'2'", "2.0", "true"])
def test_report_type_is_1_or_2(value: str) -> None:
    """``type`` is the number 1 or 2."""
    text = chain_text(
        f"evidence: [{{id: e, scheme: soc2, type: {value}, holder: acme, covers: [app]}}]\n"
    )
    assert find(issues_of(text), "evidence[0].type").line == 7


@pytest.mark.parametrize("value", ["-1", "1.5", "'3'", "false"])
def test_profile_thresholds_are_non_negative_ints(value: str) -> None:
    """Profile thresholds are whole numbers of 0 or more."""
    text = chain_text(f"profiles: [{{id: p, extends: zeker-online, expiring_days: {value}}}]\n")
    assert only_issue(text).path == "profiles[0].expiring_days"


def test_boolean_field_with_a_string() -> None:
    """``relevant: no`` is the string 'no', not a boolean."""
    issue = only_issue(
        chain_text("dependencies: [{from: app, to: app, relevant: no, reason: x}]\n")
    )
    assert issue.path == "dependencies[0].relevant" and "only true and false" in issue.message


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("services: [{id: s, name: S, supplier: acme, kind: sas}]", "services[0].kind"),
        ("evidence: [{id: e, scheme: soc-2, holder: acme, covers: [app]}]", "evidence[0].scheme"),
        (
            "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app],"
            " issuer_qualification: ca}]",
            "evidence[0].issuer_qualification",
        ),
        (
            "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app], assurance: high}]",
            "evidence[0].assurance",
        ),
        (
            "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app], opinion: clean}]",
            "evidence[0].opinion",
        ),
        (
            "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app], verification: seen}]",
            "evidence[0].verification",
        ),
        (
            "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app],"
            " subservices: {method: carveout}}]",
            "evidence[0].subservices.method",
        ),
    ],
)
def test_enumerations(line: str, path: str) -> None:
    """Enumerated fields take one of their values, listed in the message."""
    base = BASE if not line.startswith("services") else BASE.replace("services:\n", "x-s:\n")
    issues = issues_of(chain_text(line + "\n", base=base))
    issue = find(issues, path)
    assert issue.line == 7 and "one of:" in issue.message


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-13-01", "2026-1-5", "'1 May 2026'", "20260101"]
)
def test_bad_dates(value: str) -> None:
    """A malformed or impossible date is an error naming the place, not a crash."""
    text = chain_text(
        f"evidence: [{{id: e, scheme: soc3, holder: acme, covers: [app], issued: {value}}}]\n"
    )
    issue = only_issue(text)
    assert (issue.path, issue.line) == ("evidence[0].issued", 7)


def test_bad_date_in_a_period() -> None:
    """Dates inside nested mappings are named with their full path."""
    text = chain_text(
        """\
        evidence:
          - id: e
            scheme: soc2
            type: 2
            holder: acme
            covers: [app]
            period: {from: 2025-02-29, to: 2026-01-01}
        """
    )
    issue = only_issue(text)
    assert (issue.path, issue.line) == ("evidence[0].period.from", 13)


# -- references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "line", "what"),
    [
        (BASE.replace("NL}", "NL, parent: nope}"), "suppliers[0].parent", 4, "supplier"),
        (BASE.replace("supplier: acme", "supplier: nope"), "services[0].supplier", 6, "supplier"),
        (BASE + "dependencies: [{from: nope, to: app}]", "dependencies[0].from", 7, "service"),
        (BASE + "dependencies: [{from: app, to: nope}]", "dependencies[0].to", 7, "service"),
        (
            BASE + "evidence: [{id: e, scheme: soc3, holder: nope, covers: [app]}]",
            "evidence[0].holder",
            7,
            "supplier",
        ),
        (
            BASE + "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app, nope]}]",
            "evidence[0].covers[1]",
            7,
            "service",
        ),
        (
            BASE + "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app],"
            " subservices: {method: carve-out, carved_out: [nope]}}]",
            "evidence[0].subservices.carved_out[0]",
            7,
            "service",
        ),
        (
            BASE + "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app],"
            " subservices: {method: inclusive, included: [nope]}}]",
            "evidence[0].subservices.included[0]",
            7,
            "service",
        ),
    ],
)
def test_unknown_references(text: str, path: str, line: int, what: str) -> None:
    """Every reference must name an existing supplier or service."""
    issue = only_issue(text.encode())
    assert (issue.path, issue.line) == (path, line)
    assert issue.message == f"unknown {what} 'nope'"


def test_reference_of_a_rejected_entry_is_still_checked() -> None:
    """A service with another problem still has its supplier checked."""
    text = chain_text().replace(b"supplier: acme, kind: saas", b"supplier: acne, kind: sas")
    issues = issues_of(text)
    assert sorted(issue.path for issue in issues) == ["services[0].kind", "services[0].supplier"]
    assert find(issues, "services[0].supplier").message.endswith("did you mean 'acme'?")


def test_reference_to_a_rejected_entry_is_not_reported() -> None:
    """A reference to an entry with its own problem is not reported again as unknown."""
    issue = only_issue(chain_text().replace(b"country: NL", b"country: XX"))
    assert issue.path == "suppliers[0].country"


def test_parent_cycle() -> None:
    """Suppliers whose parents form a cycle are an error."""
    text = chain_text().replace(
        b"country: NL}", b"country: NL, parent: b}\n  - {id: b, name: B, parent: acme}"
    )
    issue = only_issue(text)
    assert issue.path == "suppliers[0].parent"
    assert "acme -> b -> acme" in issue.message


def test_own_parent_is_a_cycle() -> None:
    """A supplier that is its own parent is a cycle too."""
    assert (
        "cycle"
        in only_issue(chain_text().replace(b"country: NL}", b"country: NL, parent: acme}")).message
    )


def test_two_dependencies_with_the_same_ends() -> None:
    """Two links with the same from and to are an error on the second."""
    issue = only_issue(
        chain_text("dependencies:\n  - {from: app, to: app}\n  - {from: app, to: app, role: x}\n")
    )
    assert (issue.path, issue.line) == ("dependencies[1].to", 9)
    assert "dependencies[0]" in issue.message


def test_out_of_scope_link_needs_a_reason() -> None:
    """``relevant: false`` without a reason is an error at the link."""
    issue = only_issue(
        chain_text("dependencies:\n  - from: app\n    to: app\n    relevant: false\n")
    )
    assert (issue.path, issue.line) == ("dependencies[0].reason", 10)


def test_out_of_scope_link_with_reason_loads() -> None:
    """An out-of-scope link with a reason is fine."""
    text = chain_text(
        "dependencies: [{from: app, to: app, relevant: false, reason: office cleaning}]\n"
    )
    assert load_chain(text).dependencies[("app", "app")].reason == "office cleaning"


# -- evidence rules --------------------------------------------------------------------------


def evidence_issue(fields: str) -> Issue:
    """The one issue of a chain holding one piece of evidence with ``fields`` (block style)."""
    text = chain_text(
        "evidence:\n  - id: e\n    holder: acme\n    covers: [app]\n"
        + textwrap.indent(textwrap.dedent(fields), "    ")
    )
    return only_issue(text)


@pytest.mark.parametrize(
    "scheme", ["isae3402", "isae3000", "soc1", "soc2", "tpm", "c5", "csa-star-attestation"]
)
def test_assurance_report_needs_a_type(scheme: str) -> None:
    """Assurance reports require ``type``."""
    issue = evidence_issue(f"scheme: {scheme}\n")
    assert (issue.path, issue.line) == ("evidence[0].type", 11)


def test_type_2_needs_a_period() -> None:
    """A type 2 report requires its period."""
    issue = evidence_issue("scheme: soc2\ntype: 2\n")
    assert (issue.path, issue.line) == ("evidence[0].period", 12)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            "scheme: soc2\ntype: 2\nperiod: {from: 2025-01-01, to: 2025-12-31}\n"
            "issued: 2025-12-30\n",
            "before the end of its tested period (2025-12-31)",
        ),
        (
            "scheme: isae3402\ntype: 1\nas_of: 2026-03-01\nissued: 2026-02-28\n",
            "before the date it reports on (as_of 2026-03-01)",
        ),
    ],
)
def test_report_issued_before_what_it_reports_on(fields: str, words: str) -> None:
    """A type 2 report issued before its period ends, or a type 1 report before its ``as_of``,
    is an error at ``issued`` (contract revision of 2026-12)."""
    issue = evidence_issue(fields)
    assert issue.path == "evidence[0].issued"
    assert words in issue.message
    assert issue.line == 14


@pytest.mark.parametrize(
    "fields",
    [
        "scheme: soc2\ntype: 2\nperiod: {from: 2025-01-01, to: 2025-12-31}\nissued: 2025-12-31\n",
        "scheme: isae3402\ntype: 1\nas_of: 2026-03-01\nissued: 2026-03-01\n",
        "scheme: iso27001\nissued: 2020-01-01\nvalid_until: 2026-01-01\n"
        "accreditation: {body: RvA, iaf_mla: true}\n",
    ],
)
def test_report_issued_on_the_day_it_reports_on_is_valid(fields: str) -> None:
    """Issued on the very day its period ends (or its ``as_of``) is fine; the rule is for
    assurance reports only."""
    text = chain_text(
        "evidence:\n  - id: e\n    holder: acme\n    covers: [app]\n"
        + textwrap.indent(fields, "    ")
    )
    assert "e" in load_chain(text).evidence


def test_type_1_needs_no_period() -> None:
    """A type 1 report needs no period."""
    text = chain_text("evidence: [{id: e, scheme: soc2, type: 1, holder: acme, covers: [app]}]\n")
    assert load_chain(text).evidence["e"].type == 1


def test_type_on_other_schemes_is_kept_without_rules() -> None:
    """``type`` on a scheme that is no assurance report needs no period, and is kept."""
    text = chain_text("evidence: [{id: e, scheme: soc3, type: 2, holder: acme, covers: [app]}]\n")
    chain = load_chain(text)
    assert chain.evidence["e"].type == 2
    assert load_chain(dump_chain(chain)) == chain


def test_period_from_after_to() -> None:
    """``period.from`` after ``period.to`` is an error."""
    issue = evidence_issue("scheme: soc2\ntype: 2\nperiod: {from: 2026-02-01, to: 2026-01-31}\n")
    assert (issue.path, issue.line) == ("evidence[0].period.from", 13)


def test_period_needs_both_ends() -> None:
    """A period needs its from and its to."""
    issue = evidence_issue("scheme: soc2\ntype: 2\nperiod: {from: 2026-02-01}\n")
    assert issue.path == "evidence[0].period.to"


def test_bridge_letter_needs_from_and_to() -> None:
    """A bridge letter needs from and to."""
    issue = evidence_issue("scheme: soc2\ntype: 1\nbridge_letter: {to: 2026-02-01}\n")
    assert (issue.path, issue.line) == ("evidence[0].bridge_letter.from", 13)


def test_bridge_letter_from_after_to() -> None:
    """A bridge letter's from after its to is an error."""
    issue = evidence_issue(
        "scheme: soc2\ntype: 1\nbridge_letter: {from: 2026-03-01, to: 2026-02-01}\n"
    )
    assert issue.path == "evidence[0].bridge_letter.from"


@pytest.mark.parametrize(
    "scheme",
    ["iso27001", "nen7510", "hds", "tisax", "csa-star-certification", "zeker-online", "eucs"],
)
def test_certificates_need_valid_until(scheme: str) -> None:
    """Management-system certificates, zeker-online and eucs require valid_until."""
    issue = evidence_issue(f"scheme: {scheme}\n")
    assert (issue.path, issue.line) == ("evidence[0].valid_until", 11)


def test_accreditation_needs_iaf_mla() -> None:
    """An accreditation needs iaf_mla."""
    issue = evidence_issue("scheme: soc3\naccreditation: {body: RvA}\n")
    assert (issue.path, issue.line) == ("evidence[0].accreditation.iaf_mla", 12)


def test_cuec_needs_an_id_and_defaults_to_not_addressed() -> None:
    """A CUEC needs an id; ``addressed`` defaults to false."""
    issue = evidence_issue("scheme: soc3\ncuecs: [{id: C1}, {text: no id}]\n")
    assert issue.path == "evidence[0].cuecs[1].id"
    text = chain_text(
        "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app], cuecs: [{id: C1}]}]\n"
    )
    assert load_chain(text).evidence["e"].cuecs[0].addressed is False


@pytest.mark.parametrize(
    ("subservices", "path"),
    [
        ("{carved_out: [app]}", "evidence[0].subservices.carved_out"),
        ("{method: none, included: [app]}", "evidence[0].subservices.included"),
    ],
)
def test_method_none_cannot_list_services(subservices: str, path: str) -> None:
    """A non-empty carved_out or included with method none is an error."""
    issue = evidence_issue(f"scheme: soc3\nsubservices: {subservices}\n")
    assert (issue.path, issue.line) == (path, 12)


def test_carved_out_and_included_together() -> None:
    """carved_out and included may both be filled with a method other than none."""
    text = chain_text(
        "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app],"
        " subservices: {method: inclusive, carved_out: [app], included: [app]}}]\n"
    )
    assert load_chain(text).evidence["e"].subservices.included == ("app",)


@pytest.mark.parametrize("covers", ["covers: []\n", "covers:\n", ""])
def test_covers_is_required_and_non_empty(covers: str) -> None:
    """``covers`` must list at least one service."""
    text = chain_text("evidence:\n  - id: e\n    scheme: soc3\n    holder: acme\n    " + covers)
    issue = only_issue(text)
    assert issue.path == "evidence[0].covers"


@pytest.mark.parametrize("missing", ["id", "scheme", "holder"])
def test_evidence_required_fields(missing: str) -> None:
    """Evidence needs id, scheme and holder."""
    fields = {"id": "e", "scheme": "soc3", "holder": "acme"}
    del fields[missing]
    body = ", ".join(f"{key}: {value}" for key, value in fields.items())
    issue = only_issue(chain_text(f"evidence: [{{{body}, covers: [app]}}]\n"))
    assert (issue.path, issue.line) == (f"evidence[0].{missing}", 7)
    assert "missing" in issue.message


# -- profiles --------------------------------------------------------------------------------


def test_profile_cannot_take_a_built_in_id() -> None:
    """A profile may not take the id of a built-in profile."""
    issue = only_issue(chain_text("profiles: [{id: zeker-online, extends: zeker-online}]\n"))
    assert (issue.path, issue.line) == ("profiles[0].id", 7)


@pytest.mark.parametrize("extends", ["", ", extends: strict"])
def test_profile_extends_a_built_in_profile(extends: str) -> None:
    """``extends`` is required and must name a built-in profile."""
    issue = only_issue(chain_text(f"profiles: [{{id: p{extends}}}]\n"))
    assert issue.path == "profiles[0].extends"


@pytest.mark.parametrize("scheme", ["soc2", "zeker-online", "iso-27001"])
def test_accept_as_equivalent_takes_management_system_schemes(scheme: str) -> None:
    """Only management-system schemes can be accepted as equivalent."""
    text = chain_text(
        "profiles: [{id: p, extends: zeker-online,"
        f" accept_as_equivalent: [iso27001, {scheme}]}}]\n"
    )
    assert only_issue(text).path == "profiles[0].accept_as_equivalent[1]"


def test_profile_fields_absent_are_none() -> None:
    """Profile thresholds and lists left out are None; an empty list is kept as empty."""
    text = chain_text("profiles: [{id: p, extends: zeker-online, accept_as_equivalent: []}]\n")
    profile = load_chain(text).profiles["p"]
    assert profile.min_period_months is None and profile.required_criteria is None
    assert profile.accept_as_equivalent == ()


def test_profile_file_with_one_profile() -> None:
    """A profile file holds ketenkaart: 1 and one profile."""
    data = b"ketenkaart: 1\nprofiles:\n  - {id: strict, extends: zeker-online, max_age_months: 6}\n"
    assert load_profile_file(data) == Profile("strict", "zeker-online", max_age_months=6)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (b"ketenkaart: 1\nprofiles: []\n", "profiles"),
        (b"ketenkaart: 1\n", "profiles"),
        (
            b"ketenkaart: 1\nprofiles:\n - {id: a, extends: zeker-online}\n"
            b" - {id: b, extends: zeker-online}\n",
            "profiles",
        ),
        (b"ketenkaart: 1\noffering: [a]\nprofiles: [{id: a, extends: zeker-online}]\n", "offering"),
        (b"profiles: [{id: a, extends: zeker-online}]\n", "ketenkaart"),
        (b"ketenkaart: 1\nprofiles: [{id: a, extends: nope}]\n", "profiles[0].extends"),
    ],
)
def test_bad_profile_files(data: bytes, path: str) -> None:
    """A profile file with other than one valid profile, or other keys, is refused."""
    with pytest.raises(ChainError) as caught:
        load_profile_file(data, filename="p.yaml")
    assert [issue.path for issue in caught.value.issues] == [path]
    assert caught.value.issues[0].file == "p.yaml"


# -- merging ---------------------------------------------------------------------------------

HOST = """\
ketenkaart: 1
offerings: [vm]
suppliers:
  - {id: host, name: Host}
services:
  - {id: vm, name: VM, supplier: host, kind: iaas}
"""


def test_merge_resolves_references_across_files() -> None:
    """A file may refer to services and suppliers another file defines."""
    own = chain_text(
        "dependencies: [{from: app, to: vm}]\n"
        "evidence: [{id: e, scheme: soc3, holder: host, covers: [vm]}]\n"
    )
    chain = load_chains([("own.yaml", own), ("host.yaml", HOST.encode())])
    assert list(chain.services) == ["app", "vm"]
    assert chain.dependencies[("app", "vm")].provider == "vm"


def test_merge_keeps_offerings_and_title_of_the_first_file() -> None:
    """Offerings and title are the first file's."""
    own = chain_text("title: Own\n")
    chain = load_chains([("own.yaml", own), ("host.yaml", (HOST + "title: Host\n").encode())])
    assert chain.offerings == ("app",) and chain.title == "Own"


def test_merge_accepts_an_identical_repeat() -> None:
    """The same entity defined identically in two files is fine."""
    host = HOST.replace(
        "suppliers:\n", "suppliers:\n  - {id: acme, name: Acme B.V., country: NL}\n"
    ).replace("services:\n", "services:\n  - {id: app, name: App, supplier: acme, kind: saas}\n")
    chain = load_chains([("a.yaml", chain_text()), ("b.yaml", host.encode())])
    assert set(chain.services) == {"app", "vm"}


def test_merge_conflict_names_both_files() -> None:
    """A conflicting definition of one id is an error naming both files and the id."""
    host = HOST.replace(
        "services:\n", "services:\n  - {id: app, name: Other, supplier: host, kind: saas}\n"
    )
    with pytest.raises(ChainError) as caught:
        load_chains([("a.yaml", chain_text()), ("b.yaml", host.encode())])
    (issue,) = caught.value.issues
    assert (issue.file, issue.line, issue.path) == ("b.yaml", 6, "services[0]")
    assert issue.message.startswith("service 'app' conflicts with its definition in a.yaml:6")
    assert "name, supplier" in issue.message


def test_merge_reference_issue_names_its_own_file() -> None:
    """An unresolved reference in the second file names that file and its line."""
    host = HOST + "dependencies: [{from: vm, to: disk}]\n"
    with pytest.raises(ChainError) as caught:
        load_chains([("a.yaml", chain_text()), ("b.yaml", host.encode())])
    (issue,) = caught.value.issues
    assert str(issue) == "b.yaml:7: dependencies[0].to: unknown service 'disk'"


def test_merge_lists_problems_of_every_file() -> None:
    """Problems of all files are listed together, file by file."""
    with pytest.raises(ChainError) as caught:
        load_chains(
            [("a.yaml", chain_text("title: [x]\n")), ("b.yaml", b"ketenkaart: 3\noffering: []\n")]
        )
    assert [issue.file for issue in caught.value.issues] == ["a.yaml", "b.yaml", "b.yaml", "b.yaml"]


def test_merge_chains_of_model_objects() -> None:
    """merge_chains merges Chain objects and checks references on the result."""
    own = load_chain(chain_text())
    host = Chain(
        offerings=("vm",),
        suppliers={"host": Supplier("host", "Host")},
        services={"vm": Service("vm", "VM", "host", Kind.IAAS)},
        evidence={"e": Evidence("e", Scheme.SOC3, "host", ("vm", "app"))},
    )
    merged = merge_chains([own, host], filenames=["own.yaml", "host.yaml"])
    assert set(merged.services) == {"app", "vm"} and merged.offerings == ("app",)
    broken = Chain(offerings=("vm",), services={"vm": Service("vm", "VM", "nobody", Kind.IAAS)})
    with pytest.raises(ChainError) as caught:
        merge_chains([own, broken], filenames=["own.yaml", "broken.yaml"])
    assert str(caught.value) == "broken.yaml: services[0].supplier: unknown supplier 'nobody'"


def test_merge_chains_needs_a_name_per_chain() -> None:
    """merge_chains needs one file name per chain."""
    with pytest.raises(ValueError, match="one file name per chain"):
        merge_chains([load_chain(chain_text())], filenames=[])


# -- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "NO",
        "yes",
        "On",
        "off",
        "y",
        "n",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "",
        "1.0",
        "1e3",
        "0x1F",
        "0o17",
        "0b11",
        "1_000",
        "012",
        "+1",
        "-1",
        ".5",
        ".inf",
        ".NaN",
        "2026-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "12:30",
        "1:20:30",
        " lead",
        "trail ",
        "a # b",
        "a: b",
        "a:b",
        "#x",
        "- x",
        "-",
        "?",
        "? x",
        "@x",
        "`x",
        "&x",
        "*x",
        "!x",
        "%x",
        "|",
        ">",
        "[a]",
        "{a}",
        "a, b",
        "'q'",
        '"q"',
        "<<",
        "=",
        "line\nbreak",
        "tab\there",
        "nel\x85",
        "ls\u2028",
        "bom\ufeff",
        "nul\x00",
        "del\x7f",
        "Zeker-OnLine keurmerk",
        "café",
        "3pao",
        "Müller & Söhne (NL)",
        "a' b",
    ],
)
def test_risky_strings_survive_yaml_11_and_12_readers(text: str) -> None:
    """Strings that a YAML reader could take for something else are written so both a
    YAML 1.1 reader (PyYAML) and this YAML 1.2 reader read them back as the same string."""
    chain = Chain(
        offerings=("app",),
        suppliers={"acme": Supplier("acme", "Acme", extra={"x-v": text})},
        services={"app": Service("app", text or "x", "acme", Kind.SAAS, description=text)},
    )
    data = dump_chain(chain)
    assert load_chain(data) == chain
    loaded = yaml.safe_load(data)
    assert loaded["suppliers"][0]["x-v"] == text
    assert loaded["services"][0]["description"] == text


def test_yaml_output_quotes_only_what_needs_it() -> None:
    """Plain strings stay plain; dates and look-alikes are double-quoted."""
    chain = load_chain(
        chain_text(
            "evidence: [{id: e, scheme: iso27001, holder: acme, covers: [app],"
            " valid_until: 2027-01-31}]\n"
        )
    )
    text = dump_chain(chain).decode()
    assert "    name: Acme B.V.\n" in text
    assert '    valid_until: "2027-01-31"\n' in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_yaml_output_follows_contract_order_and_omits_defaults() -> None:
    """Fields come in contract order; defaults and empty values are left out."""
    text = chain_text(
        "dependencies: [{contract: C, from: app, to: app, critical: false, relevant: true}]\n"
    )
    out = dump_chain(load_chain(text)).decode()
    assert "  - from: app\n    to: app\n    contract: C\n" in out
    assert "critical" not in out and "relevant" not in out


def test_json_output_is_indented_in_contract_order() -> None:
    """JSON output has indent 2, keys in contract order, non-ASCII kept, and a final newline."""
    chain = load_chain(chain_text().replace(b"Acme B.V.", "Acmé".encode()))
    out = dump_chain(chain, fmt="json").decode()
    assert out.startswith('{\n  "ketenkaart": 1,\n  "offerings": [\n    "app"\n  ],')
    assert "Acmé" in out and out.endswith("}\n")
    assert list(json.loads(out)["services"][0]) == ["id", "name", "supplier", "kind"]


def test_long_x_key_is_written_as_an_explicit_key() -> None:
    """A key too long for a YAML implicit key still round trips."""
    chain = replace(load_chain(chain_text()), extra={"x-" + "k" * 2000: {"a": [1, {"b": 2}]}})
    assert load_chain(dump_chain(chain)) == chain


def test_nested_x_values_round_trip() -> None:
    """Nested lists and mappings in x- values are written as YAML blocks and read back."""
    value = {"rows": [[1, 2], [], {}, [{"a": None, "b": "x" * 120}]], "empty": {}, "s": "NO"}
    chain = replace(load_chain(chain_text()), extra={"x-data": value})
    assert load_chain(dump_chain(chain)) == chain
    assert yaml.safe_load(dump_chain(chain))["x-data"] == value


def test_unknown_format_is_refused() -> None:
    """dump_chain knows yaml and json only."""
    with pytest.raises(ValueError, match="unknown format"):
        dump_chain(load_chain(chain_text()), fmt="xml")  # type: ignore[arg-type]


def test_load_chain_leaves_the_garbage_collector_as_it_was() -> None:
    """Reading pauses the cyclic garbage collector only while it runs, even on errors."""
    was_enabled = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            load_chain(chain_text())
            assert gc.isenabled() is enabled
            with pytest.raises(ChainError):
                load_chain(b"ketenkaart: 2\n")
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_pure_python_yaml_parser_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, the pure-Python parser gives the same chain and the same lines."""
    good = chain_text(
        "evidence: [{id: e, scheme: soc3, holder: acme, covers: [app]}]\nx-a: [1, NO]\n"
    )
    bad = chain_text("x-a: &a 1\ntitle: !!binary x\ndependencies: [{from: app, to: no}]\n")
    with_libyaml = (load_chain(good), [str(issue) for issue in issues_of(bad)])
    monkeypatch.setattr(yaml12, "_YAML_LOADER", yaml.SafeLoader)
    assert (load_chain(good), [str(issue) for issue in issues_of(bad)]) == with_libyaml


@pytest.mark.parametrize("locations", ["[{a: 1}]", "[[NL]]", "[1]", "NL"])
def test_locations_of_the_wrong_type(locations: str) -> None:
    """Locations that are not a list of codes are an error, not a crash."""
    issue = only_issue(
        chain_text().replace(b"kind: saas}", f"kind: saas, locations: {locations}}}".encode())
    )
    assert issue.path.startswith("services[0].locations") and issue.line == 6
