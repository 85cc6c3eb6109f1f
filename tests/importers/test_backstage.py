"""Backstage catalogs (importers/backstage.py): golden files, Locations, hostile input, corpus."""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.coverage import check
from graph.model import Chain, Kind
from graph.verdicts import Status
from importers import backstage, registry
from importers.backstage import (
    IMPORTER,
    RESOURCE_KINDS,
    EntityRef,
    TargetMissing,
    folder_fetch,
    parse_entity_ref,
)
from importers.base import (
    MAX_ERRORS,
    MAX_IMPORT_BYTES,
    ImportFailed,
    ImportIssue,
    ImportResult,
    Source,
)
from importers.chainfile import dump_plain, load_plain

DATA = Path(__file__).parent / "data" / "backstage"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "backstage"
CASES = sorted(path.name.removesuffix(".expected.json") for path in DATA.glob("*.expected.json"))

HEAD = "apiVersion: backstage.io/v1alpha1\n"


def entity(kind: str, name: str, spec: str = "{}", metadata: str = "") -> str:
    """One catalog document (flow-style spec), starting with ``---``."""
    return f"---\n{HEAD}kind: {kind}\nmetadata: {{name: {name}{metadata}}}\nspec: {spec}\n"


def component(name: str, extra: str = "") -> str:
    return entity("Component", name, f"{{type: service, owner: team-a{extra}}}")


def parse(text: str | bytes, fetch: Callable[[str], bytes] | None = None) -> ImportResult:
    data = text.encode() if isinstance(text, str) else text
    return IMPORTER.parse(data, Source("catalog-info.yaml", fetch))


def errors(result: ImportResult) -> list[str]:
    return [str(issue) for issue in result.issues if issue.severity == "error"]


def warnings(result: ImportResult) -> list[str]:
    return [str(issue) for issue in result.warnings]


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def read_tree(folder: Path, files: dict[str, str], root: str = "catalog-info.yaml") -> ImportResult:
    write(folder, files)
    path = folder / root
    return IMPORTER.parse(path.read_bytes(), Source(str(path), folder_fetch(folder)))


# ---------------------------------------------------------------------------------------------
# Golden files.


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    """Each <case>.yaml imports to the chain and the issues in <case>.expected.json."""
    path = DATA / f"{case}.yaml"
    expected = json.loads((DATA / f"{case}.expected.json").read_text())
    result = IMPORTER.parse(path.read_bytes(), Source(path.name, folder_fetch(DATA)))
    issues = [
        {"severity": issue.severity, "where": issue.where, "message": issue.message}
        for issue in result.issues
    ]
    assert issues == expected["issues"]
    assert dump_plain(result.chain) == expected["chain"]


@pytest.mark.parametrize("case", CASES)
def test_golden_results_with_offerings_are_valid_chains(case: str) -> None:
    """A result with offerings passes the chain-file reader unchanged."""
    path = DATA / f"{case}.yaml"
    result = IMPORTER.parse(path.read_bytes(), Source(path.name, folder_fetch(DATA)))
    if result.chain.offerings:
        assert load_plain(dump_plain(result.chain)) == result.chain
    else:
        assert not result.ok


def test_there_are_golden_cases() -> None:
    """The golden test has cases to run (a misplaced data folder would skip them all)."""
    assert {"shop", "components-only", "escape"} <= set(CASES)


# ---------------------------------------------------------------------------------------------
# The mapping.


def test_a_system_relies_on_its_parts_and_is_the_offering() -> None:
    """Components and Resources naming a System become links from it; it is the offering."""
    result = parse(
        entity("System", "shop", "{owner: team-a}")
        + component("web", ", system: shop, dependsOn: [resource:db]")
        + entity("Resource", "db", "{type: database, owner: team-b, system: shop}")
    )
    assert result.ok, result.issues
    assert result.chain.offerings == ("shop",)
    assert set(result.chain.dependencies) == {("shop", "web"), ("shop", "db"), ("web", "db")}
    assert result.chain.dependencies[("shop", "web")].role == "part of the system"
    assert result.chain.dependencies[("web", "db")].role is None


def test_without_systems_the_offerings_are_components_nothing_relies_on() -> None:
    """Resources are never offerings; Components someone relies on are not either."""
    result = parse(
        component("app", ", dependsOn: [component:auth]")
        + component("auth")
        + entity("Resource", "db", "{type: database, owner: team-a}")
    )
    assert result.chain.offerings == ("app",)


def test_dependency_of_points_the_other_way() -> None:
    """``dependencyOf`` on a Resource makes the named entity rely on it."""
    result = parse(
        component("app")
        + entity("Resource", "db", "{type: database, owner: x, dependencyOf: [component:app]}")
    )
    assert list(result.chain.dependencies) == [("app", "db")]


def test_consumers_of_an_api_rely_on_its_providers() -> None:
    """consumesApis/providesApis become a link named after the API."""
    result = parse(
        component("web", ", consumesApis: [orders]")
        + component("orders-svc", ", providesApis: ['api:default/orders']")
    )
    assert result.chain.dependencies[("web", "orders-svc")].role == "API orders"


def test_an_api_nobody_provides_is_a_warning() -> None:
    result = parse(component("web", ", consumesApis: [orders]"))
    assert result.ok
    assert "no Component that was read provides the API api:default/orders" in warnings(result)[0]


def test_references_outside_the_catalog_are_left_out_with_a_warning() -> None:
    """A link to an entity that was not read is left out, not invented."""
    result = parse(component("web", ", dependsOn: [resource:db, group:ops]"))
    assert result.ok
    assert result.chain.dependencies == {}
    assert warnings(result) == [
        "document 1, line 5, spec.dependsOn[0]: resource:default/db is not in the catalog "
        "that was read; the link is left out",
        "document 1, line 5, spec.dependsOn[1]: group:default/ops is not a System, Component "
        "or Resource; the link is left out",
    ]


def test_depends_on_needs_a_kind() -> None:
    """Backstage gives ``dependsOn`` no default kind; a bare name is an error with a hint."""
    result = parse(component("web", ", dependsOn: [db]"))
    assert errors(result) == [
        "document 1, line 5, spec.dependsOn[0]: 'db' has no kind; "
        "write it as '<kind>:db', e.g. 'resource:db'"
    ]
    assert result.chain.services == {}


def test_references_are_compared_without_case_and_in_the_entity_namespace() -> None:
    """``Resource:DB`` finds ``db``; a ref without namespace takes the entity's namespace."""
    result = parse(
        entity("Component", "web", "{type: service, owner: x, dependsOn: [Resource:DB]}")
        + entity("Resource", "db", "{type: database, owner: x}")
        + entity(
            "Component",
            "api",
            "{type: service, owner: x, dependsOn: [resource:db]}",
            ", namespace: ops",
        )
        + entity("Resource", "db", "{type: database, owner: x}", ", namespace: ops")
    )
    assert set(result.chain.dependencies) == {("web", "db"), ("ops.api", "ops.db")}


def test_names_shared_by_two_kinds_get_the_kind_in_front() -> None:
    result = parse(
        component("search", ", dependsOn: [resource:search]")
        + entity("Resource", "search", "{type: database, owner: x}")
    )
    assert list(result.chain.services) == ["component.search", "resource.search"]
    assert list(result.chain.dependencies) == [("component.search", "resource.search")]


def test_owners_become_suppliers_named_after_their_group_or_user() -> None:
    """The Group's title or the User's display name names the supplier; else the ref's name."""
    result = parse(
        entity("Component", "a", "{type: service, owner: ops}")
        + entity("Component", "b", "{type: service, owner: 'user:jane'}")
        + entity("Component", "c", "{type: service, owner: 'group:elsewhere/Sales'}")
        + entity("Group", "ops", "{type: team}", ", title: Operations")
        + entity("User", "jane", "{profile: {displayName: Jane Doe}}")
    )
    names = {s.id: s.name for s in result.chain.suppliers.values()}
    assert names == {"ops": "Operations", "jane": "Jane Doe", "elsewhere.sales": "Sales"}
    assert result.chain.services["b"].supplier == "jane"
    assert result.chain.suppliers["ops"].extra == {"x-backstage": "group:default/ops"}


@pytest.mark.parametrize(
    ("kind", "type_", "expected"),
    [
        ("Component", "service", Kind.SAAS),
        ("Component", "website", Kind.SAAS),
        ("Component", "library", Kind.OTHER),
        ("Resource", "database", Kind.PAAS),
        ("Resource", "S3-Bucket", Kind.IAAS),
        ("Resource", "cluster", Kind.PAAS),
        ("Resource", "vm", Kind.IAAS),
    ],
)
def test_kind_follows_the_type_table(kind: str, type_: str, expected: Kind) -> None:
    result = parse(entity(kind, "x", f"{{type: {type_}, owner: o}}"))
    assert result.chain.services["x"].kind is expected
    assert result.warnings == ()


def test_every_resource_type_in_the_table_is_lower_case() -> None:
    """Types are looked up in lower case, so the table must hold only lower-case keys."""
    assert all(key == key.lower() for key in RESOURCE_KINDS)


def test_an_unknown_type_gives_other_and_a_warning() -> None:
    result = parse(entity("Resource", "x", "{type: mainframe, owner: o}"))
    assert result.chain.services["x"].kind is Kind.OTHER
    assert warnings(result) == [
        "document 1, line 5, spec.type: Resource type 'mainframe' is not in the kind table; "
        "the service's kind is 'other'"
    ]


def test_other_kinds_are_skipped_silently_or_with_a_warning() -> None:
    """Domain and Template are skipped silently; an unknown kind with a warning."""
    result = parse(
        component("web")
        + entity("Domain", "retail", "{owner: x}")
        + "---\napiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\n"
        + "---\napiVersion: example.com/v1\nkind: Pipeline\nmetadata: {name: p}\n"
        + entity("component", "lower", "{type: service, owner: x}")
    )
    assert result.ok
    assert list(result.chain.services) == ["web"]
    assert warnings(result) == [
        "document 4, line 16, kind: entities of kind 'Pipeline' are not read; skipped",
        "document 5, line 20, kind: unknown kind 'component', skipped; kinds are spelled "
        "'Component'",
    ]


def test_a_catalog_without_services_is_refused_saying_what_it_holds() -> None:
    """A catalog of Groups and Users yields nothing to check: refused, with the kinds counted."""
    result = parse(
        entity("Group", "ops", "{type: team}")
        + entity("User", "ann", "{memberOf: [ops]}")
        + entity("Group", "dev", "{type: team}")
        + entity("User", "bob", "{memberOf: [dev]}")
        + entity("Group", "sec", "{type: team}")
    )
    assert not result.ok
    assert result.chain.services == {}
    assert errors(result) == [
        "the catalog holds 3 Group and 2 User entities, and no System, Component or Resource, "
        "the kinds ketenkaart reads as services"
    ]


def test_a_catalog_of_one_api_is_refused_saying_so() -> None:
    result = parse(entity("API", "orders", "{type: openapi, owner: x, definition: x}"))
    assert errors(result) == [
        "the catalog holds 1 API entity, and no System, Component or Resource, the kinds "
        "ketenkaart reads as services"
    ]


def test_a_catalog_whose_components_were_all_skipped_says_the_warnings_tell_why() -> None:
    """A Component under a foreign apiVersion is skipped, warned; the refusal points there."""
    result = parse("---\napiVersion: example.com/v1\nkind: Component\nmetadata: {name: a}\n")
    assert warnings(result) == [
        "document 1, line 2, apiVersion: 'example.com/v1' is not a Backstage apiVersion "
        "(backstage.io/v1alpha1 or backstage.io/v1beta1); the Component is skipped"
    ]
    assert errors(result) == [
        "the catalog holds 1 Component entity, and no System, Component or Resource that could "
        "be read (the warnings say why)"
    ]


@pytest.mark.parametrize("text", ["# only a comment\n", "---\n---\n"])
def test_a_catalog_without_entities_is_refused(text: str) -> None:
    assert errors(parse(text)) == [
        "the catalog holds no entity; ketenkaart reads its Systems, Components and Resources "
        "as services"
    ]


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        ("s3", Kind.IAAS),
        ("rds-instance", Kind.PAAS),
        ("postgres", Kind.PAAS),
        ("cosmosdb", Kind.PAAS),
        ("sqs-queue", Kind.PAAS),
        ("redis", Kind.PAAS),
        ("cloudfront", Kind.IAAS),
        ("route53-zone", Kind.IAAS),
        ("kms-key", Kind.PAAS),
        ("cognito-user-pool", Kind.SAAS),
        ("ses", Kind.SAAS),
        ("datadog", Kind.SAAS),
    ],
)
def test_resource_types_seen_in_the_wild_get_a_kind_without_a_warning(
    type_: str, expected: Kind
) -> None:
    result = parse(entity("Resource", "x", f"{{type: {type_}, owner: o}}"))
    assert result.chain.services["x"].kind is expected
    assert result.warnings == ()


def test_words_in_the_title_decide_when_the_type_is_unknown() -> None:
    """An unknown type with a telling title ("database") takes the title's kind, unwarned."""
    result = parse(
        entity("Resource", "x", "{type: mainframe-db, owner: o}", ", title: Ledger database")
        + entity("Resource", "y", "{type: thing, owner: o}", ", description: Ledger IaaS")
    )
    assert result.chain.services["x"].kind is Kind.PAAS
    assert result.chain.services["y"].kind is Kind.IAAS
    assert result.warnings == ()


def test_a_service_model_word_in_a_system_title_names_its_kind() -> None:
    result = parse(entity("System", "cloud", "{owner: o}", ", title: Acme IaaS"))
    assert result.chain.services["cloud"].kind is Kind.IAAS


@pytest.mark.parametrize(
    ("text", "default_kind", "expected"),
    [
        ("component:default/web", None, ("component", "default", "web")),
        ("resource:db", None, ("resource", "here", "db")),
        ("ops/team", "Group", ("group", "ops", "team")),
        ("team", "Group", ("group", "here", "team")),
        ("ns/odd:name", "Group", ("group", "ns", "odd:name")),
        ("a:b:c", None, ("a", "here", "b:c")),
    ],
)
def test_entity_references_follow_backstage_rules(
    text: str, default_kind: str | None, expected: tuple[str, str, str]
) -> None:
    ref = parse_entity_ref(text, default_kind=default_kind, default_namespace="here")
    assert ref.key == expected


@pytest.mark.parametrize("text", [":web", "component:", "component:/web", "/web", "ns/"])
def test_entity_references_with_an_empty_part_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not of the form \[<kind>:\]\[<namespace>/\]<name>"):
        parse_entity_ref(text, default_kind="Component")


def test_entity_ref_text_is_canonical() -> None:
    assert str(EntityRef("Component", "Default", "Web")) == "component:default/web"


# ---------------------------------------------------------------------------------------------
# Locations.


def test_locations_are_followed_relative_to_the_file_that_holds_them(tmp_path: Path) -> None:
    """A Location in a sub-folder names its targets relative to itself."""
    result = read_tree(
        tmp_path,
        {
            "catalog-info.yaml": component("web", ", dependsOn: [resource:db]")
            + entity("Location", "more", "{targets: [./infra/all.yaml]}"),
            "infra/all.yaml": entity("Location", "infra", "{target: db.yaml}"),
            "infra/db.yaml": entity("Resource", "db", "{type: database, owner: x}"),
        },
    )
    assert result.ok, result.issues
    assert list(result.chain.dependencies) == [("web", "db")]


def test_a_location_cycle_is_read_once_with_a_warning(tmp_path: Path) -> None:
    result = read_tree(
        tmp_path,
        {
            "catalog-info.yaml": component("web") + entity("Location", "to-b", "{target: b.yaml}"),
            "b.yaml": entity("Resource", "db", "{type: database, owner: x}")
            + entity("Location", "back", "{targets: [./catalog-info.yaml, b.yaml]}"),
        },
    )
    assert result.ok, result.issues
    assert list(result.chain.services) == ["web", "db"]
    assert warnings(result) == [
        "b.yaml, document 2, line 10, spec.targets[0]: the Locations go round in a circle "
        "(catalog-info.yaml -> b.yaml -> catalog-info.yaml); not read again",
        "b.yaml, document 2, line 10, spec.targets[1]: the Locations go round in a circle "
        "(catalog-info.yaml -> b.yaml -> b.yaml); not read again",
    ]


def test_a_file_two_locations_name_is_read_once(tmp_path: Path) -> None:
    """Two roads to one file are no cycle: the file is read once, without a warning."""
    result = read_tree(
        tmp_path,
        {
            "catalog-info.yaml": entity("Location", "a", "{targets: [a.yaml, b.yaml]}"),
            "a.yaml": entity("Location", "x", "{target: shared.yaml}"),
            "b.yaml": entity("Location", "y", "{target: ./sub/../shared.yaml}"),
            "shared.yaml": component("web"),
        },
    )
    assert result.ok, result.issues
    assert result.issues == ()
    assert list(result.chain.services) == ["web"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("../../etc/passwd", "leads outside the folder of the imported file"),
        ("sub/../../secret.yaml", "leads outside the folder of the imported file"),
        ("/etc/passwd", "is an absolute path"),
        ("C:/Windows/win.ini", "is an absolute path"),
    ],
)
def test_location_escapes_are_refused(tmp_path: Path, target: str, message: str) -> None:
    """Escapes are errors, and nothing outside the folder is read even by the fetch."""
    read: list[str] = []

    def fetch(path: str) -> bytes:
        read.append(path)
        return b""

    result = parse(component("web") + entity("Location", "x", f"{{target: '{target}'}}"), fetch)
    assert not result.ok
    assert message in errors(result)[0]
    assert read == []
    assert result.chain.services == {}


def test_url_and_pattern_targets_are_not_fetched(tmp_path: Path) -> None:
    result = read_tree(
        tmp_path,
        {
            "catalog-info.yaml": component("web")
            + entity(
                "Location",
                "x",
                "{type: url, targets: ['https://example.com/c.yaml', './teams/*.yaml']}",
            )
        },
    )
    assert result.ok
    assert warnings(result) == [
        "document 2, line 10, spec.targets[0]: the URL 'https://example.com/c.yaml' is not "
        "fetched; import that catalog on its own",
        "document 2, line 10, spec.targets[1]: the pattern './teams/*.yaml' is not followed; "
        "name each file instead",
    ]


def test_a_missing_target_is_an_error_unless_optional(tmp_path: Path) -> None:
    files = {"catalog-info.yaml": component("web") + entity("Location", "x", "{target: no.yaml}")}
    result = read_tree(tmp_path, files)
    assert errors(result) == [
        "document 2, line 10, spec.target: cannot read 'no.yaml': no such file"
    ]
    optional = entity("Location", "x", "{target: no.yaml, presence: optional}")
    result = read_tree(tmp_path, {"catalog-info.yaml": component("web") + optional})
    assert result.ok
    assert "'no.yaml' is optional and not there" in warnings(result)[0]


def test_without_a_fetch_targets_are_not_read_with_a_warning() -> None:
    result = parse(component("web") + entity("Location", "x", "{target: more.yaml}"))
    assert result.ok
    assert warnings(result) == [
        "document 2, line 10, spec.target: 'more.yaml' is not read: this import has no folder "
        "to read from"
    ]


def test_a_fetch_that_refuses_is_an_error_naming_the_location() -> None:
    def fetch(path: str) -> bytes:
        raise ImportFailed([ImportIssue(path, "not in the upload")], filename="upload")

    result = parse(entity("Location", "x", "{target: more.yaml}"), fetch)
    assert errors(result) == [
        "document 1, line 5, spec.target: cannot read 'more.yaml': not in the upload"
    ]


def test_the_number_of_files_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Location chain that goes on and on stops at MAX_FILES with an error."""
    monkeypatch.setattr(backstage, "MAX_FILES", 5)

    def fetch(path: str) -> bytes:
        number = int(posixpath.basename(path).removesuffix(".yaml"))
        return entity("Location", f"l{number}", f"{{target: '{number + 1}.yaml'}}").encode()

    result = parse(entity("Location", "start", "{target: 1.yaml}"), fetch)
    assert errors(result) == [
        "4.yaml, document 1, line 5, spec.target: the catalog has more than "
        "5 files; the rest is not read"
    ]


def test_a_location_needs_a_target() -> None:
    result = parse(entity("Location", "x", "{type: file}"))
    assert errors(result) == [
        "document 1, line 5, spec: a Location needs spec.target or spec.targets"
    ]


# ---------------------------------------------------------------------------------------------
# folder_fetch.


def test_folder_fetch_reads_inside_the_folder(tmp_path: Path) -> None:
    write(tmp_path, {"a/b.yaml": "hello"})
    assert folder_fetch(tmp_path, 100)("a/b.yaml") == b"hello"
    assert folder_fetch(tmp_path, 100)("./a/./b.yaml") == b"hello"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("../outside.yaml", "'..' leads outside"),
        ("a/../../outside.yaml", "'..' leads outside"),
        ("/etc/passwd", "an absolute path is not read"),
        ("", "not a file name"),
        ("a\x00b", "not a file name"),
    ],
)
def test_folder_fetch_refuses_paths_that_leave(tmp_path: Path, target: str, message: str) -> None:
    write(tmp_path, {"inside/x.yaml": "x", "outside.yaml": "secret"})
    with pytest.raises(ImportFailed) as caught:
        folder_fetch(tmp_path / "inside", 100)(target)
    assert message in caught.value.problems[0].message


def test_folder_fetch_refuses_a_symlink_out_but_follows_one_inside(tmp_path: Path) -> None:
    write(tmp_path, {"inside/real.yaml": "ok", "secret.yaml": "secret"})
    (tmp_path / "inside" / "out.yaml").symlink_to(tmp_path / "secret.yaml")
    (tmp_path / "inside" / "in.yaml").symlink_to(tmp_path / "inside" / "real.yaml")
    (tmp_path / "inside" / "dir").symlink_to(tmp_path, target_is_directory=True)
    fetch = folder_fetch(tmp_path / "inside", 100)
    assert fetch("in.yaml") == b"ok"
    for target in ("out.yaml", "dir/secret.yaml"):
        with pytest.raises(ImportFailed, match="outside the catalog's folder") as caught:
            fetch(target)
        assert not isinstance(caught.value, TargetMissing)


def test_folder_fetch_refuses_big_files_folders_and_pipes(tmp_path: Path) -> None:
    write(tmp_path, {"big.yaml": "x" * 101, "sub/x.yaml": "x"})
    os.mkfifo(tmp_path / "pipe.yaml")
    fetch = folder_fetch(tmp_path, 100)
    with pytest.raises(ImportFailed, match="more than 100 bytes"):
        fetch("big.yaml")
    with pytest.raises(ImportFailed, match="not a regular file"):
        fetch("sub")
    with pytest.raises(ImportFailed, match="not a regular file"):
        fetch("pipe.yaml")  # would block for ever if it were opened for a plain read
    with pytest.raises(TargetMissing, match="no such file"):
        fetch("gone.yaml")


# ---------------------------------------------------------------------------------------------
# YAML safety, and errors with their place.


def test_anchors_and_aliases_are_refused() -> None:
    """The billion-laughs file is refused at its first anchor, nothing expanded."""
    laughs = HEAD + "kind: Component\nmetadata:\n  name: lol\n  a: &a [lol, lol, lol]\n"
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs += f"  {level}: &{level} [*{previous}, *{previous}, *{previous}]\n"
    laughs += "spec: {type: service, owner: x}\n"
    result = parse(laughs)
    assert not result.ok
    assert errors(result)[0] == (
        "document 1, line 5, metadata.a: anchors (&a) are not allowed; write the value out in full"
    )
    assert result.chain.services == {}


@pytest.mark.parametrize("depth", [150, 10_000])
def test_deep_nesting_is_refused(depth: int) -> None:
    result = parse(HEAD + "kind: Component\nmetadata: " + "[" * depth + "]" * depth + "\n")
    assert not result.ok
    message = errors(result)[0]
    assert "nested more than 100 levels deep" in message or "maximum nesting depth" in message
    assert "document 1" in message


def test_yaml_1_2_keeps_no_and_on_as_strings() -> None:
    """``NO`` and ``on`` are names, not booleans (YAML 1.1 would read false and true)."""
    result = parse(entity("Component", "NO", "{type: service, owner: on}", ", title: Off"))
    assert result.ok, result.issues
    service = result.chain.services["no"]
    assert (service.name, service.supplier) == ("Off", "on")


def test_other_tags_and_repeated_keys_are_refused() -> None:
    result = parse(HEAD + "kind: !!python/object:os.system Component\nkind: System\n")
    assert errors(result)[:2] == [
        "document 1, line 2, kind: the tag !!python/object:os.system is not "
        "allowed; only !!str, !!int, !!float, !!bool, !!null, !!map and !!seq may be written",
        "document 1, line 3, kind: the key is repeated (first on line 2)",
    ]


def test_errors_name_the_file_document_line_and_field(tmp_path: Path) -> None:
    result = read_tree(
        tmp_path,
        {
            "catalog-info.yaml": component("web") + entity("Location", "x", "{target: b.yaml}"),
            "b.yaml": component("ok") + entity("Resource", "db", "{type: 12, owner: [x]}"),
        },
    )
    assert [issue.where for issue in result.issues] == [
        "b.yaml, document 2, line 10, spec.owner",
        "b.yaml, document 2, line 10, spec.type",
    ]
    assert [issue.message for issue in result.issues] == [
        "expected a string, got a list",
        'expected a string, got the number 12; quote it: "12"',
    ]


def test_invalid_names_are_refused() -> None:
    result = parse(entity("Component", "'invalid component'", "{type: service, owner: x}"))
    assert errors(result) == [
        "document 1, line 4, metadata.name: 'invalid component' is not a "
        "valid entity name: at most 63 letters, digits, '-', '_' and '.', starting and ending "
        "with a letter or digit"
    ]


def test_an_entity_declared_twice_is_an_error_naming_both_places(tmp_path: Path) -> None:
    result = read_tree(
        tmp_path,
        {
            "catalog-info.yaml": component("web") + entity("Location", "x", "{target: b.yaml}"),
            "b.yaml": component("Web"),
        },
    )
    assert errors(result) == [
        "b.yaml, document 1, line 4, metadata.name: "
        "component:default/web is declared twice (first at document 1, line 4, metadata.name)"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"- a\n- b\n", "a catalog document is an entity"),
        (b"kind: \xff\n", "not UTF-8 text: byte 0xff"),
        (b"apiVersion: [\n", "not valid YAML"),
        (HEAD.encode() + b"kind: Component\n", "metadata: required"),
        (HEAD.encode() + b"kind: Component\nmetadata: {name: 0123}\nspec: {}\n", "quote it"),
        (HEAD.encode() + b"kind: Component\nmetadata: {name: x}\nspec: {type: service}\n", "owner"),
        (HEAD.encode() + b"kind: '1x'\n", "not a valid kind"),
    ],
)
def test_hostile_or_broken_input_is_refused_whole(data: bytes, message: str) -> None:
    """Every broken file gives an error with its place and no entities at all."""
    result = parse(component("fine").encode() + b"---\n" + data)
    assert not result.ok
    assert any(message in text for text in errors(result)), errors(result)
    assert result.chain.services == {}
    assert result.chain.dependencies == {}


def test_utf16_is_refused_with_a_hint() -> None:
    result = parse(component("web").encode("utf-16"))
    assert errors(result) == ["the file is UTF-16 text; save it as UTF-8"]


def test_a_file_over_the_limit_is_refused() -> None:
    result = parse(b"#" * (MAX_IMPORT_BYTES + 1))
    assert errors(result) == [
        f"the file has {MAX_IMPORT_BYTES + 1:,} bytes; at most {MAX_IMPORT_BYTES:,} are read"
    ]


def test_links_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """API consumers times providers cannot grow the chain without end."""
    monkeypatch.setattr(backstage, "MAX_LINKS", 3)
    text = "".join(component(f"c{n}", ", consumesApis: [a]") for n in range(2))
    text += "".join(component(f"p{n}", ", providesApis: [a]") for n in range(2))
    result = parse(text)
    assert errors(result) == [
        "document 2, line 10, spec.consumesApis[0]: the catalog makes more than 3 links"
    ]


# ---------------------------------------------------------------------------------------------
# Sniffing.


@pytest.mark.parametrize(
    ("head", "filename", "expected"),
    [
        (b"", "catalog-info.yaml", True),
        (b"", "sub/Catalog-Info.yml", True),
        (b"# c\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\n", "groups.yaml", True),
        (b'{"apiVersion": "backstage.io/v1beta1", "kind": "System"}', "c.json", True),
        (b"apiVersion: scaffolder.backstage.io/v1beta3\n", "t.yaml", True),
        (b"ketenkaart: 1\nofferings: [a]\n", "chain.yaml", False),
        (b"apiVersion: v1\nkind: Pod\n", "pod.yaml", False),
    ],
)
def test_sniff(head: bytes, filename: str, expected: bool) -> None:
    assert IMPORTER.sniff(head, filename) is expected


# ---------------------------------------------------------------------------------------------
# The shared corpus.


def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus is not here: {CORPUS} is missing")
    return CORPUS


def declared(path: Path) -> tuple[set[str], set[tuple[str, str]], bool]:
    """What a catalog file declares, read with PyYAML: the refs of its Systems, Components and
    Resources (its Locations followed), the links between them, and whether one is invalid."""
    entities: dict[str, dict[str, object]] = {}
    seen: set[Path] = set()
    todo = [path]
    invalid = False
    while todo:
        file = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        for doc in yaml.safe_load_all(file.read_text()):
            if not isinstance(doc, dict):
                continue
            spec = doc.get("spec") or {}
            if doc["kind"] == "Location":
                targets = [
                    *spec.get("targets", []),
                    *([spec["target"]] if "target" in spec else []),
                ]
                todo += [(file.parent / target).resolve() for target in targets]
            elif doc["kind"] in ("System", "Component", "Resource"):
                name = doc["metadata"]["name"]
                invalid = invalid or " " in name
                entities[f"{doc['kind'].lower()}:default/{name.lower()}"] = spec
    links: set[tuple[str, str]] = set()
    providers = {
        api: ref
        for ref, spec in entities.items()
        for api in spec.get("providesApis", [])  # type: ignore[attr-defined]
    }

    def qualified(text: str, kind: str) -> str:
        head, _, rest = text.partition(":") if ":" in text else (kind, ":", text)
        return f"{head}:{rest if '/' in rest else 'default/' + rest}".lower()

    for ref, spec in entities.items():
        for target in spec.get("dependsOn", []):  # type: ignore[attr-defined]
            links.add((ref, qualified(target, "")))
        if "system" in spec:
            links.add((qualified(str(spec["system"]), "system"), ref))
        if "subcomponentOf" in spec:
            links.add((qualified(str(spec["subcomponentOf"]), "component"), ref))
        for api in spec.get("consumesApis", []):  # type: ignore[attr-defined]
            if api in providers:
                links.add((ref, providers[api]))
    inside = {(a, b) for a, b in links if a in entities and b in entities}
    return set(entities), inside, invalid


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.rglob("*.yaml"))


@pytest.mark.parametrize(
    "path", corpus_files(), ids=lambda p: str(p.relative_to(CORPUS)) if CORPUS.is_dir() else p
)
def test_corpus_catalogs_import_to_what_they_declare(path: Path) -> None:
    """Every corpus catalog imports to its Systems, Components and Resources and their links
    (refs compared through the x-backstage key each service keeps; internal links kept)."""
    corpus()
    source = Source(str(path), folder_fetch(path.parent), keep_internal=True)
    result = IMPORTER.parse(path.read_bytes(), source)
    refs, links, invalid = declared(path)
    if invalid:  # the upstream example of a name Backstage refuses
        assert "is not a valid entity name" in errors(result)[0]
        return
    if not refs:  # only APIs, Groups, Users: nothing to check, refused saying what is there
        assert errors(result)[0].startswith("the catalog holds "), errors(result)
        assert "and no System, Component or Resource" in errors(result)[0]
        return
    assert result.ok, errors(result)
    by_id = {sid: str(s.extra["x-backstage"]) for sid, s in result.chain.services.items()}
    assert set(by_id.values()) == refs
    assert {(by_id[a], by_id[b]) for a, b in result.chain.dependencies} == links
    if result.chain.offerings:
        assert load_plain(dump_plain(result.chain)) == result.chain


def test_corpus_janus_showcase_from_its_root_location() -> None:
    """all.yaml leads through five Location files to the System, its website and 5 Resources;
    the website, a Component of the System's own owner, is part of its own system."""
    root = corpus() / "janus-idp-showcase" / "all.yaml"
    result = IMPORTER.parse(root.read_bytes(), Source(str(root), folder_fetch(root.parent)))
    assert result.ok
    assert [str(issue) for issue in result.issues] == [
        "1 link between services of one provider, nested or marked as internal, is written as "
        "out of scope: part of Janus-IDP's own system: janus-idp -> backstage-showcase; "
        "--keep-internal keeps them as links"
    ]
    chain = result.chain
    website = chain.dependencies[("janus-idp", "backstage-showcase")]
    assert (website.relevant, website.reason) == (False, "part of Janus-IDP's own system")
    assert all(d.relevant for key, d in chain.dependencies.items() if key != website.key)
    assert chain.offerings == ("janus-idp",)
    resources = ["pgdb", "argocd", "obc", "keycloak", "github"]
    assert {p for c, p in chain.dependencies if c == "backstage-showcase"} == set(resources)
    assert {p for c, p in chain.dependencies if c == "janus-idp"} == {
        "backstage-showcase",
        *resources,
    }
    assert chain.services["pgdb"].kind is Kind.PAAS
    assert chain.services["obc"].kind is Kind.IAAS
    assert chain.suppliers["janus-authors"].name == "Janus-IDP Authors"


def test_corpus_upstream_examples_as_one_catalog() -> None:
    """The upstream examples, gathered by one Location, link across files (API and parts)."""
    folder = corpus() / "backstage-upstream-examples"
    targets = sorted(p.name for p in folder.glob("*.yaml") if p.name != "invalid-component.yaml")
    location = entity("Location", "examples", json.dumps({"targets": targets}))
    result = IMPORTER.parse(
        location.encode(), Source(str(folder / "catalog-info.yaml"), folder_fetch(folder))
    )
    assert result.ok, result.issues
    assert set(result.chain.dependencies) == {
        ("artist-lookup", "artists-db"),
        ("artist-engagement-portal", "artist-lookup"),
        ("artist-engagement-portal", "artists-db"),
        ("wayback-archive", "wayback-archive-storage"),
        ("wayback-search", "wayback-archive"),
    }
    assert result.chain.offerings == ("artist-engagement-portal",)
    assert load_plain(dump_plain(result.chain)) == result.chain


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                HEAD,
                "kind: Component\n",
                "kind: Location\n",
                "metadata: {name: a}\n",
                "metadata:\n  name: b\n",
                "spec: {type: service, owner: x, dependsOn: [component:a]}\n",
                "spec: {target: ../x.yaml}\n",
                "spec: {targets: [a.yaml, 'b.yaml']}\n",
                "---\n",
                "- [\n",
                "&a x: *a\n",
                "}\n",
                "  ",
                ": :\n",
                "\t\n",
            ]
        ),
        max_size=12,
    ),
    st.binary(max_size=8),
)
def test_any_input_gives_a_result_never_an_exception(parts: list[str], tail: bytes) -> None:
    """Whatever the bytes, parse returns issues or a chain, and an error leaves nothing."""
    files = {"a.yaml": component("a").encode(), "b.yaml": b"- [\n"}

    def fetch(path: str) -> bytes:
        if path not in files:
            raise TargetMissing([ImportIssue(path, "no such file")], filename="x")
        return files[path]

    result = parse("".join(parts).encode() + tail, fetch)
    if not result.ok:
        assert result.chain.services == {}
    elif result.chain.offerings:
        assert load_plain(dump_plain(result.chain)) == result.chain


# ---------------------------------------------------------------------------------------------
# Variants (data/variants/backstage): refusal, resource types, a provider's own components.

VARIANTS = Path(__file__).parent / "data" / "variants" / "backstage"


def variant(name: str, *, keep_internal: bool = False) -> ImportResult:
    path = VARIANTS / name
    source = Source(path.name, folder_fetch(VARIANTS), keep_internal=keep_internal)
    return IMPORTER.parse(path.read_bytes(), source)


def test_variant_people_only_catalog_is_refused_saying_what_it_holds() -> None:
    result = variant("people-only.yaml")
    assert not result.ok
    assert errors(result) == [
        "the catalog holds 3 Group and 2 User entities, and no System, Component or Resource, "
        "the kinds ketenkaart reads as services"
    ]


def test_variant_cloud_resource_types_each_get_their_kind() -> None:
    result = variant("resource-types.yaml")
    assert result.issues == ()
    kinds = {sid: s.kind for sid, s in result.chain.services.items() if sid != "app"}
    assert kinds == {
        "files": Kind.IAAS,  # s3
        "orders": Kind.PAAS,  # rds-instance
        "events": Kind.PAAS,  # sqs-queue
        "sessions": Kind.PAAS,  # elasticache
        "static": Kind.IAAS,  # cloudfront
        "zone": Kind.IAAS,  # route53-zone
        "keys": Kind.PAAS,  # kms-key
        "users": Kind.SAAS,  # cognito-user-pool
        "mail": Kind.SAAS,  # ses
        "metrics": Kind.SAAS,  # cloudwatch
    }


def _statuses(chain: Chain) -> dict[tuple[str, str], Status]:
    result = check(chain, at=date(2026, 12, 4))
    return {(link.consumer, link.provider): link.verdict.status for link in result.links}


PARTS = ["gateway", "employees", "payslips", "tax-rules", "portal"]


def test_variant_a_system_s_own_components_are_out_of_scope_and_no_gaps() -> None:
    """Five Components of the System's owner in the System: five links out of scope with the
    reason, one warning; the Resources and the other team's Component behind them are still
    checked, linked from the System."""
    result = variant("internal-system.yaml")
    assert result.ok
    for part in PARTS:
        link = result.chain.dependencies[("payroll", part)]
        assert (link.relevant, link.reason) == (False, "part of Acme Payroll Online's own system")
    assert [str(issue) for issue in result.issues] == [
        "5 links between services of one provider, nested or marked as internal, are written as "
        "out of scope: part of Acme Payroll Online's own system: payroll -> gateway, "
        "payroll -> employees, payroll -> payslips, payroll -> tax-rules, payroll -> portal; "
        "what they rely on outside it is linked directly: payroll -> employees-db (via "
        "employees), payroll -> fraud-check (via employees), payroll -> payslip-archive (via "
        "payslips); --keep-internal keeps them as links"
    ]
    assert _statuses(result.chain) == {
        **{("payroll", part): Status.OUT_OF_SCOPE for part in PARTS},
        ("payroll", "employees-db"): Status.GAP,
        ("payroll", "fraud-check"): Status.GAP,
        ("payroll", "payslip-archive"): Status.GAP,
    }
    assert load_plain(dump_plain(result.chain)) == result.chain


def test_variant_keep_internal_keeps_the_components_as_links() -> None:
    result = variant("internal-system.yaml", keep_internal=True)
    assert result.issues == ()
    assert all(link.relevant for link in result.chain.dependencies.values())
    statuses = _statuses(result.chain)
    assert all(statuses[("payroll", part)] is Status.GAP for part in PARTS)


def test_a_resource_of_the_system_s_own_owner_stays_a_link() -> None:
    """A Resource stands for infrastructure someone delivers (a bucket at a cloud provider)."""
    result = parse(
        entity("System", "shop", "{owner: team}")
        + entity("Resource", "bucket", "{type: s3, owner: team, system: shop}")
    )
    assert result.chain.dependencies[("shop", "bucket")].relevant
    assert result.warnings == ()


def test_subcomponents_of_one_owner_are_internal_without_a_system() -> None:
    result = parse(
        component("app")
        + entity("Component", "lib", "{type: library, owner: team-a, subcomponentOf: app}")
    )
    link = result.chain.dependencies[("app", "lib")]
    assert (link.relevant, link.reason) == (False, "part of app's own system")


# ---------------------------------------------------------------------------------------------
# The common caps: errors and repeated warnings


def test_errors_are_capped_at_twenty_lines_with_a_count() -> None:
    result = parse("".join(entity("Component", f"c{n}", "{type: service}") for n in range(30)))
    assert len(errors(result)) == MAX_ERRORS
    assert errors(result)[0] == "document 1, line 5, spec.owner: required"
    assert errors(result)[-1] == "… and 11 more errors"
    shown = registry.run(
        IMPORTER,
        "".join(entity("Component", f"c{n}", "{type: service}") for n in range(30)).encode(),
        Source("catalog-info.yaml"),
    )
    assert [str(issue) for issue in shown.issues] == errors(result)


def test_unknown_types_are_one_summarised_warning_in_the_common_run() -> None:
    text = component("app") + "".join(
        entity("Resource", f"r{n}", f"{{type: widget-{n}, owner: team-a}}") for n in range(8)
    )
    result = registry.run(IMPORTER, text.encode(), Source("catalog-info.yaml"))
    assert result.ok
    assert [str(issue) for issue in result.warnings] == [
        "8 warnings of one kind (type not in the kind table); the first 3: document 2, line 10, "
        "spec.type: Resource type 'widget-0' is not in the kind table; the service's kind is "
        "'other'; document 3, line 15, spec.type: Resource type 'widget-1' is not in the kind "
        "table; the service's kind is 'other'; document 4, line 20, spec.type: Resource type "
        "'widget-2' is not in the kind table; the service's kind is 'other'"
    ]
