"""Backstage's messages in one language: the type errors (the sentence and the value's
description alike: the description was Dutch inside an English sentence under Dutch), and the
messages of its test files (tests/importers/data/backstage and variants)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest

from graph import i18n
from importers import backstage
from importers.backstage import folder_fetch
from importers.base import Fetch, ImportFailed, ImportIssue, Source
from importers.registry import get, run
from tests.test_pseudo_cli import unmarked

DATA = Path(__file__).parent / "data"
FILES = [
    path
    for folder in (DATA / "backstage", DATA / "variants" / "backstage")
    for path in sorted(folder.iterdir())
    if path.is_file() and not path.name.endswith((".expected.json", ".md"))
]
KINDS = {"System", "Systems", "Component", "Components", "Resource", "Resources", "Group"}
KINDS |= {"User", "Location", "Locations", "URL", "ketenkaart"}

HEAD = "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
BAD = {
    "number-for-string": HEAD + "metadata: {name: 12}\nspec: {type: service, owner: acme}\n",
    "list-for-mapping": HEAD + "metadata: [a]\nspec: {type: service, owner: acme}\n",
    "not-an-entity": "- a\n- b\n",
    "strings": HEAD + "metadata: {name: shop}\n"
    "spec: {type: service, owner: acme, dependsOn: [3]}\n",
}


def _messages(case: str, language: str) -> list[str]:
    with i18n.using(language):
        result = run(get("backstage"), BAD[case].encode(), Source("catalog-info.yaml"))
    return [issue.message for issue in result.issues]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_the_type_errors_are_marked_whole(case: str) -> None:
    """In the pseudo language nothing of a type error is English outside the markers."""
    found = _messages(case, "pseudo")
    assert found
    known = {"12", "apiVersion", "kind", "metadata", "spec", '"12"'}
    assert {message: unmarked(message, known) for message in found} == {m: [] for m in found}


def test_a_type_error_reads_dutch_whole() -> None:
    """Sentence and description both Dutch."""
    assert (
        'verwacht een tekst, gekregen: het getal 12; zet het tussen aanhalingstekens: "12"'
        in _messages("number-for-string", "nl")
    )


def test_english_as_before() -> None:
    """English reads as before."""
    assert 'expected a string, got the number 12; quote it: "12"' in _messages(
        "number-for-string", "en"
    )
    assert "expected a mapping, got a list" in _messages("list-for-mapping", "en")


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_test_files_messages_are_marked(path: Path) -> None:
    """The test files' messages are catalog text, the file's values (quoted), refs and the
    catalog's kinds."""
    with i18n.using("pseudo"):
        result = run(get("backstage"), path.read_bytes(), Source(path.name))
    found = [issue.message for issue in result.issues]
    left = {
        message: unmarked(re.sub(r"'[^']*'|\b[a-z]+:[\w/.-]+", " ", message), KINDS)
        for message in found
    }
    assert {message: words for message, words in left.items() if words} == {}


def test_a_missing_reference_reads_dutch() -> None:
    """A link to an entity the catalog does not hold, in Dutch; English as before."""
    shop = (DATA / "backstage" / "shop.yaml").read_bytes()
    for language, expected in (
        (
            "nl",
            "resource:default/cdn staat niet in de gelezen catalogus; de schakel wordt weggelaten",
        ),
        ("en", "resource:default/cdn is not in the catalog that was read; the link is left out"),
    ):
        with i18n.using(language):
            result = run(get("backstage"), shop, Source("shop.yaml"))
        assert expected in [issue.message for issue in result.issues]


# ---------------------------------------------------------------------------------------------
# Every message of the importer, the places it names and the kinds of its warnings.


def _doc(kind: str, name: str, spec: str = "{}", metadata: str = "", api: str = "") -> str:
    api = api or "backstage.io/v1alpha1"
    head = f"---\napiVersion: {api}\nkind: {kind}\n"
    return f"{head}metadata: {{name: {name}{metadata}}}\nspec: {spec}\n"


def _component(name: str, extra: str = "") -> str:
    return _doc("Component", name, f"{{type: service, owner: team-a{extra}}}")


def _location(target: str, extra: str = "") -> str:
    return _doc("Location", "here", f"{{target: {target!r}{extra}}}")


CASES: dict[str, str | bytes] = {
    "utf16": "kind: Component\n".encode("utf-16"),
    "not-utf8": b"kind: Component\nmetadata: {name: \xff}\n",
    "not-yaml": "kind: Component\nmetadata: {name: [x}\n",
    "not-yaml-context": "kind: 'Component\n",
    "other-api-version": _doc("Component", "a", api="example.com/v1") + _component("b"),
    "misspelled-kind": _doc("component", "a") + _component("b"),
    "invalid-kind": _doc("1x", "a") + _component("b"),
    "kind-not-read": _doc("Widget", "a") + _component("b"),
    "bad-name": _doc("Component", "'-a-'", "{type: service, owner: x}") + _component("b"),
    "bad-namespace": _doc("Component", "a", "{type: service, owner: x}", ", namespace: A_B"),
    "twice": _component("a") + _component("a"),
    "presence": _location("x.yaml", ", presence: maybe") + _component("b"),
    "no-target": _doc("Location", "l", "{type: file}") + _component("b"),
    "url": _location("https://example.com/catalog-info.yaml") + _component("b"),
    "absolute": _location("/etc/catalog.yaml") + _component("b"),
    "pattern": _location("teams/*.yaml") + _component("b"),
    "outside": _location("../other/catalog.yaml") + _component("b"),
    "no-fetch": _location("more.yaml") + _component("b"),
    "unknown-type": _doc("Component", "a", "{type: gadget, owner: x}"),
    "api-without-provider": _component("a", ", consumesApis: [pay]"),
    "no-kind-ref": _component("a", ", dependsOn: [db]"),
    "bad-ref": _component("a", ", dependsOn: ['resource:']"),
    "missing-ref": _component("a", ", dependsOn: ['resource:db']"),
    "many-errors": "".join(_doc("Component", f"c{n}", "{type: 1}") for n in range(25)),
    "many-warnings": "".join(_doc("Component", f"c{n}", "{type: x, owner: o}") for n in range(7)),
    "nothing": _doc("Group", "team-a") + _doc("User", "me"),
    "empty": "",
}

_PLACE_WORDS = re.compile(r"[\w./-]+\.(ya?ml|json)\b|\b[\w-]+(\[\d+\]|\.[\w-]+)+|\b\d+\b")
"""File names, field paths (``spec.dependsOn[0]``) and numbers in a place."""
_KEYS = {"apiVersion", "kind", "metadata", "spec"}


def _issues(data: str | bytes, language: str, fetch: Fetch | None = None) -> list[ImportIssue]:
    raw = data.encode() if isinstance(data, str) else data
    with i18n.using(language):
        return list(run(get("backstage"), raw, Source("catalog-info.yaml", fetch)).issues)


def _left(issue: ImportIssue) -> list[str]:
    """The English words of a message and of its place outside the markers (an ellipsis is
    spelled out: :func:`unmarked` reads one as the end of an id cut short)."""
    message = re.sub(r"'[^']*'|\b[a-z]+:[\w/.-]+", " ", issue.message.replace("\u2026", "..."))
    place = _PLACE_WORDS.sub(" ", issue.where)
    return unmarked(message, KINDS | {"YAML"}) + unmarked(place, _KEYS)


def _all_marked(found: list[ImportIssue]) -> None:
    assert found
    assert {str(issue): _left(issue) for issue in found} == {str(issue): [] for issue in found}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_message_and_place_is_marked(case: str) -> None:
    """In the pseudo language each message and each place is catalog text, values, paths and the
    catalog's kinds."""
    _all_marked(_issues(CASES[case], "pseudo"))


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_the_kinds_of_warnings_are_marked(case: str) -> None:
    """The kind a summary of many warnings names is catalog text too."""
    data = CASES[case]
    with i18n.using("pseudo"):
        result = get("backstage").parse(
            data.encode() if isinstance(data, str) else data, Source("catalog-info.yaml")
        )
    kinds = {issue.kind for issue in result.issues if issue.kind}
    assert {kind for kind in kinds if not kind.startswith(i18n.OPEN)} == set()


def test_reading_locations_is_marked(tmp_path: Path) -> None:
    """The reasons a Location target is not read, and the circle of Locations."""
    (tmp_path / "inside").mkdir()
    inside = tmp_path / "inside"
    (inside / "big.yaml").write_text("x" * 500)
    (inside / "dir.yaml").mkdir()
    (tmp_path / "secret.yaml").write_text("x")
    (inside / "out.yaml").symlink_to(tmp_path / "secret.yaml")
    (inside / "teams").mkdir()
    (inside / "teams" / "a.yaml").write_text(_location("../catalog-info.yaml"))
    catalog = _component("b") + "".join(
        _location(target, extra)
        for target, extra in (
            ("big.yaml", ""),
            ("dir.yaml", ""),
            ("out.yaml", ""),
            ("gone.yaml", ""),
            ("gone-too.yaml", ", presence: optional"),
            ("teams/a.yaml", ""),
        )
    )
    (inside / "catalog-info.yaml").write_text(catalog)
    fetch = folder_fetch(inside, limit_bytes=300)
    found = _issues(catalog, "pseudo", fetch)
    assert len(found) == 6
    _all_marked(found)
    dutch = [str(issue) for issue in _issues(catalog, "nl", fetch)]
    assert (
        "document 5, regel 25, spec.target: kan 'gone.yaml' niet lezen: het bestand bestaat niet"
        in dutch
    )
    assert (
        "document 6, regel 30, spec.target: 'gone-too.yaml' is optioneel en ontbreekt: het "
        "bestand bestaat niet" in dutch
    )


@pytest.mark.parametrize("target", ["", "a\x00b", "/etc/passwd", "../x.yaml", "gone.yaml"])
def test_folder_fetch_refusals_are_marked(tmp_path: Path, target: str) -> None:
    """folder_fetch's own reasons, which a Location's message quotes."""
    with i18n.using("pseudo"), pytest.raises(ImportFailed) as caught:
        folder_fetch(tmp_path)(target)
    (problem,) = caught.value.problems
    assert unmarked(problem.message, ()) == []


@pytest.mark.parametrize(
    ("name", "most", "catalog"),
    [
        ("MAX_FILES", 1, _location("more.yaml") + _component("b")),
        ("MAX_IMPORT_BYTES", 10, _location("more.yaml") + _component("b")),
        (
            "MAX_LINKS",
            1,
            _component("a", ", dependsOn: ['component:b', 'component:c']")
            + _component("b")
            + _component("c"),
        ),
    ],
)
def test_the_bounds_are_marked_and_grouped(
    monkeypatch: pytest.MonkeyPatch, name: str, most: int, catalog: str
) -> None:
    """The messages at the bounds of files, bytes and links."""
    monkeypatch.setattr(backstage, name, most)

    def fetch(path: str) -> bytes:
        return _component("d").encode()

    errors = [issue for issue in _issues(catalog, "pseudo", fetch) if issue.severity == "error"]
    assert len(errors) == 1
    _all_marked(errors)


def test_the_bounds_group_thousands(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound over a thousand reads 1,000 in English as before and 1.000 in Dutch."""
    monkeypatch.setattr(backstage, "MAX_FILES", 1_000)

    def fetch(path: str) -> bytes:
        number = int(posixpath.basename(path).removesuffix(".yaml"))
        return _doc("Location", f"l{number}", f"{{target: '{number + 1}.yaml'}}").encode()

    catalog = _doc("Location", "start", "{target: 1.yaml}")
    for language, expected in (
        ("en", "the catalog has more than 1,000 files; the rest is not read"),
        ("nl", "de catalogus heeft meer dan 1.000 bestanden; de rest wordt niet gelezen"),
    ):
        messages = [issue.message for issue in _issues(catalog, language, fetch)]
        assert expected in messages


@pytest.mark.parametrize(
    ("case", "english", "dutch"),
    [
        (
            "twice",
            "document 2, line 9, metadata.name: component:default/a is declared twice (first at "
            "document 1, line 4, metadata.name)",
            "document 2, regel 9, metadata.name: component:default/a wordt twee keer "
            "gedeclareerd (de eerste keer bij document 1, regel 4, metadata.name)",
        ),
        (
            "no-kind-ref",
            "document 1, line 5, spec.dependsOn[0]: 'db' has no kind; write it as "
            "'<kind>:db', e.g. 'resource:db'",
            "document 1, regel 5, spec.dependsOn[0]: 'db' heeft geen kind; schrijf het als "
            "'<kind>:db', bijv. 'resource:db'",
        ),
        (
            "many-errors",
            "… and 31 more errors",
            "… en nog 31 fouten",
        ),
        (
            "unknown-type",
            "document 1, line 5, spec.type: Component type 'gadget' is not in the kind table; "
            "the service's kind is 'other'",
            "document 1, regel 5, spec.type: Component-type 'gadget' staat niet in de tabel met "
            "soorten; de dienst is van de soort 'other'",
        ),
    ],
)
def test_messages_in_dutch_and_in_english_as_before(case: str, english: str, dutch: str) -> None:
    """A few messages with their places exactly, in Dutch and in English as they always read."""
    assert english in [str(issue) for issue in _issues(CASES[case], "en")]
    assert dutch in [str(issue) for issue in _issues(CASES[case], "nl")]
