"""The API's typed bodies of the register's entities, made from :mod:`graph.schema`.

For each section (suppliers, services, dependencies, evidence, profiles) three models, as
SQLModel's and FastAPI's docs lay them out, plus the page a listing answers:

- ``SupplierCreate``: the body of a POST, required as the chain format requires;
- ``SupplierUpdate``: the body of a PATCH, every field optional (``null`` removes it);
- ``SupplierPublic``: what the API answers, the chain format's fields plus ``revision``;
- ``SupplierPage``: a page of a listing.

Nested mappings become nested models (``EvidencePeriod``, ``EvidenceCuecsRow``, ...), ``choice``
fields enums; every mapping is closed but for keys that start with ``x-``, as in the file.

They describe the bodies (the OpenAPI document, from which clients are generated); the chain
format's reader stays the one validator of what is stored, so its messages name each field.

>>> sorted(BODIES)
['dependencies', 'evidence', 'profiles', 'services', 'suppliers']
>>> fields = BODIES["suppliers"].public.model_json_schema()["properties"]
>>> [k for k in ("id", "name", "country", "revision") if k in fields]
['id', 'name', 'country', 'revision']
>>> BODIES["services"].create.model_validate(
...     {"id": "api", "name": "API", "supplier": "acme", "kind": "paas", "x-team": "ops"}
... ).model_dump(mode="json", exclude_unset=True)
{'id': 'api', 'name': 'API', 'supplier': 'acme', 'kind': 'paas', 'x-team': 'ops'}
"""

from __future__ import annotations

import datetime
import enum
import keyword
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from app.errors import PROBLEM
from graph.schema import ID_PATTERN, SECTIONS, Section
from graph.schema import Field as SchemaField

Mode = Literal["create", "update", "public"]

COMPONENTS = "#/components/schemas/"

_COUNTRY = Annotated[str, Field(pattern="^[A-Z]{2}$", min_length=2, max_length=2)]
_ID = Annotated[str, Field(pattern=f"^{ID_PATTERN}$")]


def _closed(schema: dict[str, Any]) -> None:
    """Only the declared keys, and any key that starts with ``x-`` (kept, not read)."""
    schema["additionalProperties"] = False
    schema["patternProperties"] = {"^x-": {}}


class FormatMapping(BaseModel):
    """A mapping of the chain format: its fields, and keys that start with ``x-``."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra=_closed,
        # one schema for requests and answers: no "-Input" and "-Output" twins in the document
        json_schema_mode_override="validation",
    )

    @model_validator(mode="after")
    def _only_x_keys(self) -> FormatMapping:
        unknown = [k for k in self.model_extra or {} if not k.startswith("x-")]
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r} (only x- keys are free)")
        return self


def camel(*parts: str) -> str:
    """A model's name from its parts.

    >>> camel("evidence", "issuer_qualification")
    'EvidenceIssuerQualification'
    """
    return "".join(w.capitalize() for p in parts for w in p.replace("-", "_").split("_"))


class _Factory:
    """Builds each nested model and enum once, by name, for the three modes alike."""

    def __init__(self) -> None:
        self.models: dict[str, type[BaseModel]] = {}
        self.enums: dict[str, type[enum.Enum]] = {}

    def choice(self, name: str, choices: tuple[str, ...]) -> type[enum.Enum]:
        known = self.enums.get(name)
        if known is not None:
            assert tuple(m.value for m in known) == choices, name  # noqa: S101 - schema bug
            return known
        members = [(c.upper().replace("-", "_").replace(".", "_"), c) for c in choices]
        made: type[enum.Enum] = enum.Enum(name, members, type=str)  # type: ignore[misc]
        self.enums[name] = made
        return made

    def annotation(self, f: SchemaField, path: tuple[str, ...]) -> Any:
        """The Python type of one field's value (never ``None``)."""
        simple: dict[str, Any] = {
            "id": _ID,
            "text": str,
            "ref": str,
            "refs": list[str],
            "bool": bool,
            "int": int,
            "date": datetime.date,
            "country": _COUNTRY,
            "countries": list[_COUNTRY],
            "texts": list[str],
        }
        if f.type in simple:
            return simple[f.type]
        if f.type == "choice":
            return self.choice(camel(*path[1:]), f.choices)
        if f.type == "choices":
            member = self.choice(camel(*path[1:]), f.choices)
            return list[member]  # type: ignore[valid-type]
        nested = self.nested(f, path)
        return nested if f.type == "mapping" else list[nested]  # type: ignore[valid-type]

    def nested(self, f: SchemaField, path: tuple[str, ...]) -> type[BaseModel]:
        name = camel(*path) + ("Row" if f.type == "rows" else "")
        if name not in self.models:
            self.models[name] = self.model(name, f.doc, f.fields, path, mode="create")
        return self.models[name]

    def model(
        self,
        name: str,
        doc: str,
        fields: tuple[SchemaField, ...],
        path: tuple[str, ...],
        *,
        mode: Mode,
        extra: dict[str, Any] | None = None,
    ) -> type[BaseModel]:
        defined: dict[str, Any] = {}
        for f in fields:
            kind = self.annotation(f, (*path, f.key))
            about = f.doc if f.refers is None else f"{f.doc} (ids of {f.refers})"
            taken = keyword.iskeyword(f.key) or hasattr(BaseModel, f.key)
            alias, attribute = (f.key, f"{f.key}_") if taken else (None, f.key)
            if f.required and mode != "update":
                spec = Field(alias=alias, title=f.label, description=about)
                defined[attribute] = (kind, spec)
            else:
                default = f.default if mode != "update" else None
                spec = Field(default, alias=alias, title=f.label, description=about)
                defined[attribute] = (kind | None, spec)
        defined.update(extra or {})
        return create_model(
            name, __base__=FormatMapping, __doc__=doc, __module__=__name__, **defined
        )


class ProblemError(BaseModel):
    """One thing wrong with a request: where, and what."""

    location: str = Field(description="The field's path (``period.from``), or the request's part.")
    message: str = Field(description="What is wrong there.")
    line: int | None = Field(None, description="The line of a file, where a file was sent.")


class Problem(BaseModel):
    """An answer other than success, as RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(description="Always about:blank: the status says what kind of problem.")
    title: str = Field(description="The status's phrase.")
    status: int = Field(description="The HTTP status.")
    detail: str = Field(description="What went wrong, in a sentence.")
    errors: list[ProblemError] | None = Field(
        None, description="Every error found, each naming its place."
    )


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of these error statuses, each answered as :class:`Problem`
    (the document's components carry it: :func:`problem_schemas`).

    >>> sorted(problems(404, 422))
    [404, 422]
    """
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM: {"schema": {"$ref": f"{COMPONENTS}Problem"}}},
        }
        for status in statuses
    }


def problem_schemas() -> dict[str, Any]:
    """The JSON schemas of :class:`Problem` and :class:`ProblemError`, for the OpenAPI
    document's components (a response's ``model`` would claim ``application/json`` too).

    >>> sorted(problem_schemas())
    ['Problem', 'ProblemError']
    """
    schema = Problem.model_json_schema(ref_template=COMPONENTS + "{model}")
    return {"Problem": schema, **schema.pop("$defs")}


@dataclass(frozen=True, slots=True)
class Bodies:
    """One section's models."""

    create: type[BaseModel]
    update: type[BaseModel]
    public: type[BaseModel]
    page: type[BaseModel]


def _revision() -> Any:
    return (
        int,
        Field(
            title="Revision",
            description="The entity's count of changes, the ETag a PATCH or DELETE sends back.",
        ),
    )


def _bodies(section: Section, factory: _Factory) -> Bodies:
    singular = camel(section.singular)
    own = (section.singular,)
    offering: dict[str, Any] = {}
    public_extra: dict[str, Any] = {"revision": _revision()}
    if section.name == "services":
        about = "Whether the service is one of the offerings under audit."
        offering = {"offering": (bool | None, Field(None, title="Offering", description=about))}
        public_extra["offering"] = (bool, Field(title="Offering", description=about))
    if section.name != "evidence":  # a piece of evidence has a version of its own: its scheme's
        about = "The same count as revision (kept for clients of before revision)."
        public_extra["version"] = (int, Field(title="Version", description=about))
    doc = section.doc
    create = factory.model(
        f"{singular}Create", doc, section.fields, own, mode="create", extra=offering
    )
    changed = f"{doc} A PATCH: only the fields it names change, and null removes a field."
    update = factory.model(
        f"{singular}Update", changed, section.fields, own, mode="update", extra=offering
    )
    public = factory.model(
        f"{singular}Public", doc, section.fields, own, mode="public", extra=public_extra
    )
    page = create_model(
        f"{singular}Page",
        __doc__=f"A page of {section.name}.",
        __module__=__name__,
        total=(int, Field(description="How many match, on every page.")),
        limit=(int, Field(description="The most items a page holds.")),
        offset=(int, Field(description="How many matching items come before this page.")),
        items=(list[public], Field(description="This page's items.")),  # type: ignore[valid-type]
    )
    return Bodies(create, update, public, page)


_FACTORY = _Factory()
BODIES: dict[str, Bodies] = {name: _bodies(s, _FACTORY) for name, s in SECTIONS.items()}
"""Each section's models, by the section's name."""
