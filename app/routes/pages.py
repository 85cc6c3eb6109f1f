"""The browser pages of a workspace: overview, register tables with their forms, import, the
graph of an offering and its scoping report.

Every page is rendered on the server (Jinja2, autoescaping every value) and checks the
signed-in browser's access the way the API does: no session leads to the sign-in page, no way
into the workspace is a 404 page, a role that may not do this is a 403 page. Every form carries
the session's CSRF token, checked before anything is read or changed; every change names the
person, the address and the request in the audit trail. Routes stay thin: they read the form,
call one service and render its answer or its errors, each error next to the field it names.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ParamSpec
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import accounts, audit, documents, services
from app import repository as repo
from app.accounts import Access
from app.audit import Actor
from app.deps import (
    READ,
    SAFE_METHODS,
    WRITE,
    Browser,
    SessionDep,
    browser_session,
    check_csrf,
    now,
    today,
    user_actor,
)
from app.errors import Forbidden, Invalid, NotFound, PreconditionFailed, Problem, issue_errors
from app.models import ServiceRow
from app.views.graph import STATUS_STYLES, offline_html, render_graph_page
from app.views.markdown import render_markdown
from app.views.pages import page, templates
from graph.errors import ChainError, UsageError
from graph.model import (
    Assurance,
    Chain,
    DateRange,
    IssuerQualification,
    Kind,
    Opinion,
    Scheme,
    SubserviceMethod,
    Verification,
)
from graph.profiles import BUILTIN_PROFILES, find_profile
from graph.verdicts import CheckResult, LinkResult, Status
from importers.basis import link_bases
from importers.chainfile import dump_plain, load_plain
from importers.worksheet import check_csv, check_xlsx

router = APIRouter(include_in_schema=False)

SECTIONS = ("suppliers", "services", "dependencies", "evidence")
DEFAULT_PROFILE = "zeker-online"
EXPIRING_DAYS = 90
PAGE_SIZE = 200
STALE = "Someone changed this {what} since you opened it"
WsPath = Annotated[str, Path(max_length=64)]

P = ParamSpec("P")


# --- access ---------------------------------------------------------------------------------


class _Leave(Exception):  # noqa: N818 - not an error: a page that answers otherwise
    """Leave the route with this response (a redirect to the sign-in page)."""

    def __init__(self, response: Response) -> None:
        super().__init__("leave")
        self.response = response


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in browser in a workspace: who, as what, and how the audit trail names it."""

    browser: Browser
    access: Access
    actor: Actor

    @property
    def workspace(self) -> Any:
        return self.access.workspace

    @property
    def scope(self) -> frozenset[str] | None:
        return self.access.scope

    @property
    def can_write(self) -> bool:
        return self.access.role in WRITE


def _visit(
    request: Request,
    session: Session,
    ws: str,
    roles: Sequence[str],
    form: FormData | None = None,
) -> Visit:
    """The signed-in browser's access to ``ws`` in one of ``roles``; a form's CSRF token is
    checked before anything else is done."""
    browser = browser_session(request, session)
    if browser is None:
        target = request.url.path if request.method in SAFE_METHODS else f"/w/{ws}"
        if request.method in SAFE_METHODS and request.url.query:
            target += "?" + request.url.query
        raise _Leave(RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303))
    request.state.browser = browser
    workspace = services.find_workspace(session, ws)
    access = (
        None
        if workspace is None
        else accounts.user_access(session, browser.user, workspace, today=today(request))
    )
    if access is None:
        raise NotFound(f"no workspace '{ws}'")
    if request.method not in SAFE_METHODS:
        given = None if form is None else form.get("csrf_token")
        check_csrf(request, browser.record, given if isinstance(given, str) else None)
    if access.role not in roles:
        raise Forbidden(
            f"this needs the role {' or '.join(roles)}; you are {access.role} in this workspace"
        )
    return Visit(browser, access, user_actor(request, browser.user))


def _problem_page(request: Request, problem: Problem | UsageError) -> Response:
    status = problem.status if isinstance(problem, Problem) else 400
    title = problem.title if isinstance(problem, Problem) else "Bad Request"
    detail = problem.detail if isinstance(problem, Problem) else str(problem)
    browser: Browser | None = getattr(request.state, "browser", None)
    return page(
        request,
        "message.html",
        status_code=status,
        title=title,
        text=detail,
        link="/workspaces" if browser else "/login",
        user=browser.user if browser else None,
        csrf_token=browser.record.csrf_token if browser else "",
        messages=(),
    )


def guarded(func: Callable[P, Response]) -> Callable[P, Response]:
    """A page route whose problems become pages: the sign-in redirect, 404, 403 and the rest
    as a readable message with their status."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return func(*args, **kwargs)
        except _Leave as leave:
            return leave.response
        except (Problem, UsageError) as problem:
            request = kwargs["request"]
            assert isinstance(request, Request)  # noqa: S101 - every page route takes it
            return _problem_page(request, problem)

    return run


async def read_form(request: Request) -> FormData:
    """The request's form, with fields as large as an upload may be (a previewed chain file
    travels back in one)."""
    limit: int = request.app.state.settings.max_upload_bytes
    return await request.form(max_part_size=limit, max_files=2, max_fields=200)


FormDep = Annotated[FormData, Depends(read_form)]


def _context(request: Request, visit: Visit, **context: Any) -> dict[str, Any]:
    messages = list(context.pop("messages", ()))
    done = request.query_params.get("done")
    key = request.query_params.get("key", "")[:300]
    if done in _DONE:
        messages.append({"kind": "info", "text": _DONE[done].format(key=key)})
    return {
        "user": visit.browser.user,
        "csrf_token": visit.browser.record.csrf_token,
        "messages": messages,
        "ws": visit.workspace,
        "role": visit.access.role,
        "scope": visit.scope,
        "can_write": visit.can_write,
        "sections": SECTIONS,
        "import_formats": IMPORT_FORMATS,
        **context,
    }


_DONE = {
    "created": "Added {key}.",
    "updated": "Saved {key}.",
    "deleted": "Deleted {key}.",
    "unchanged": "Nothing changed in {key}; nothing was saved.",
    "uploaded": "Stored the document of {key}.",
    "imported": "Imported the file.",
}


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


# --- the overview ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferingRow:
    """One offering on the overview: its verdict and links by status."""

    id: str
    name: str
    verdict: str
    verdict_label: str
    summary: dict[str, int]


@router.get("/w/{ws}", response_class=HTMLResponse)
@guarded
def overview(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The workspace: its offerings with their verdicts today, and evidence that expires."""
    visit = _visit(request, session, ws, READ)
    day = today(request)
    rows: list[OfferingRow] = []
    soon: list[services.Expiring] = []
    empty = False
    try:
        chain, results, soon = services.overview(
            session,
            workspace=visit.workspace,
            today=day,
            days=EXPIRING_DAYS,
            profile=DEFAULT_PROFILE,
            scope=visit.scope,
        )
    except Problem:
        empty = True
    else:
        rows = [
            OfferingRow(
                offering,
                chain.services[offering].name,
                result.verdict.value,
                STATUS_STYLES[result.verdict].label,
                dict(result.summary),
            )
            for offering, result in results
        ]
    return page(
        request,
        "overview.html",
        **_context(
            request,
            visit,
            offerings=rows,
            expiring=soon,
            empty=empty,
            today=day,
            days=EXPIRING_DAYS,
            statuses=STATUS_STYLES,
        ),
    )


# --- register tables and forms --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """One control of an entity form: where its value goes in the chain format's body.

    ``kind`` is the control: ``text``, ``area`` (several lines), ``date``, ``select`` (one of
    ``choices``; ``default`` is the format's default, left out of the body), ``tristate`` (yes,
    no or unsaid), ``check``, ``ref`` (one id from the pick list ``pick``), ``refs`` (repeatable
    rows of ids from ``pick``), ``multi`` (check boxes of ``choices`` plus an "other" input) or
    ``rows`` (repeatable rows of ``columns``). ``group`` is the legend of the fieldset it sits in;
    ``item`` names one row of ``refs`` or ``rows`` ("an exception"), or the others of ``multi``.
    """

    name: str
    label: str
    path: tuple[str, ...]
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""
    integer: bool = False
    pick: str = ""
    columns: tuple[Field, ...] = ()
    group: str = ""
    item: str = ""
    key: bool = False
    required: bool = False
    default_true: bool = False
    column: bool = False
    hint: str = ""


CRITERIA = (
    ("security", "Security"),
    ("availability", "Availability"),
    ("processing-integrity", "Processing integrity"),
    ("confidentiality", "Confidentiality"),
    ("privacy", "Privacy"),
)
"""The trust services criteria offered as check boxes; others go in the criteria's "other"."""

# The countries offered as check boxes and in the country pick list: the EEA first, then
# others often seen in cloud contracts (ISO 3166-1 alpha-2 codes; any other goes in "other").
# fmt: off
COUNTRIES = (
    ("AT", "Austria"), ("BE", "Belgium"), ("BG", "Bulgaria"), ("HR", "Croatia"),
    ("CY", "Cyprus"), ("CZ", "Czechia"), ("DK", "Denmark"), ("EE", "Estonia"),
    ("FI", "Finland"), ("FR", "France"), ("DE", "Germany"), ("GR", "Greece"),
    ("HU", "Hungary"), ("IS", "Iceland"), ("IE", "Ireland"), ("IT", "Italy"),
    ("LV", "Latvia"), ("LI", "Liechtenstein"), ("LT", "Lithuania"), ("LU", "Luxembourg"),
    ("MT", "Malta"), ("NL", "Netherlands"), ("NO", "Norway"), ("PL", "Poland"),
    ("PT", "Portugal"), ("RO", "Romania"), ("SK", "Slovakia"), ("SI", "Slovenia"),
    ("ES", "Spain"), ("SE", "Sweden"),
    ("AU", "Australia"), ("BR", "Brazil"), ("CA", "Canada"), ("CN", "China"),
    ("HK", "Hong Kong"), ("IN", "India"), ("IL", "Israel"), ("JP", "Japan"),
    ("NZ", "New Zealand"), ("SG", "Singapore"), ("ZA", "South Africa"), ("KR", "South Korea"),
    ("CH", "Switzerland"), ("AE", "United Arab Emirates"), ("GB", "United Kingdom"),
    ("US", "United States"),
)
# fmt: on


def _values(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


_BLANK = (("", "—"),)

FIELDS: dict[str, tuple[Field, ...]] = {
    "suppliers": (
        Field("id", "Id", ("id",), key=True, required=True, column=True),
        Field("name", "Name", ("name",), required=True, column=True),
        Field(
            "country",
            "Country",
            ("country",),
            kind="ref",
            pick="countries",
            column=True,
            hint="ISO code, e.g. NL",
        ),
        Field(
            "parent",
            "Parent supplier",
            ("parent",),
            kind="ref",
            pick="suppliers",
            column=True,
            hint="the (ultimate) parent company",
        ),
        Field("ids_kvk", "KvK number", ("ids", "kvk"), group="Legal identifiers"),
        Field("ids_lei", "LEI", ("ids", "lei"), group="Legal identifiers"),
        Field("ids_euid", "EUID", ("ids", "euid"), group="Legal identifiers"),
        Field("ids_duns", "DUNS", ("ids", "duns"), group="Legal identifiers"),
        Field("ids_vat", "VAT number", ("ids", "vat"), group="Legal identifiers"),
        Field("contact_name", "Name", ("contact", "name"), group="Contact"),
        Field("contact_address", "Address", ("contact", "address"), kind="area", group="Contact"),
        Field("contact_email", "E-mail", ("contact", "email"), group="Contact"),
    ),
    "services": (
        Field("id", "Id", ("id",), key=True, required=True, column=True),
        Field("name", "Name", ("name",), required=True, column=True),
        Field(
            "supplier",
            "Supplier",
            ("supplier",),
            kind="ref",
            pick="suppliers",
            required=True,
            column=True,
        ),
        Field(
            "kind",
            "Kind",
            ("kind",),
            kind="select",
            choices=_BLANK + _values(*(k.value for k in Kind)),
            required=True,
            column=True,
        ),
        Field(
            "locations",
            "Locations",
            ("locations",),
            kind="multi",
            item="country codes",
            choices=COUNTRIES,
            hint="where the service stores or processes data",
        ),
        Field("personal_data", "Personal data", ("personal_data",), kind="check"),
        Field("description", "Description", ("description",), kind="area"),
    ),
    "dependencies": (
        Field(
            "from",
            "From (consumer)",
            ("from",),
            kind="ref",
            pick="services",
            key=True,
            required=True,
            column=True,
        ),
        Field(
            "to",
            "To (provider)",
            ("to",),
            kind="ref",
            pick="services",
            key=True,
            required=True,
            column=True,
        ),
        Field("role", "Role", ("role",), column=True, hint="hosting, backup, e-mail, ..."),
        Field("relevant", "Relevant", ("relevant",), kind="check", default_true=True),
        Field("reason", "Reason (when not relevant)", ("reason",), column=True),
        Field("critical", "Critical", ("critical",), kind="check", column=True),
        Field(
            "personal_data",
            "Personal data",
            ("personal_data",),
            kind="tristate",
            choices=(("", "as the provider service says"), ("true", "yes"), ("false", "no")),
        ),
        Field(
            "locations",
            "Locations",
            ("locations",),
            kind="multi",
            item="country codes",
            choices=COUNTRIES,
            hint="where the consumer's data live; none ticked: the provider service's",
        ),
        Field("contract", "Contract", ("contract",), hint="a contract reference"),
    ),
    "evidence": (
        Field("id", "Id", ("id",), key=True, required=True, column=True),
        Field(
            "scheme",
            "Scheme",
            ("scheme",),
            kind="select",
            choices=_BLANK + tuple((s.value, f"{s.value}: {s.label}") for s in Scheme),
            required=True,
            column=True,
        ),
        Field(
            "holder",
            "Holder (supplier)",
            ("holder",),
            kind="ref",
            pick="suppliers",
            required=True,
            column=True,
        ),
        Field(
            "covers",
            "Covers (services)",
            ("covers",),
            kind="refs",
            item="a service",
            pick="services",
            required=True,
            column=True,
        ),
        Field(
            "type",
            "Report type",
            ("type",),
            kind="select",
            integer=True,
            choices=(
                ("", "—"),
                ("1", "type 1 (design)"),
                ("2", "type 2 (operating effectiveness)"),
            ),
            hint="assurance reports",
        ),
        Field(
            "period_from", "From", ("period", "from"), kind="date", group="Tested period (type 2)"
        ),
        Field("period_to", "To", ("period", "to"), kind="date", group="Tested period (type 2)"),
        Field("as_of", "Design date (type 1)", ("as_of",), kind="date", group="Dates"),
        Field("issued", "Issued", ("issued",), kind="date", group="Dates"),
        Field(
            "valid_until", "Valid until", ("valid_until",), kind="date", column=True, group="Dates"
        ),
        Field("bridge_from", "From", ("bridge_letter", "from"), kind="date", group="Bridge letter"),
        Field("bridge_to", "To", ("bridge_letter", "to"), kind="date", group="Bridge letter"),
        Field(
            "bridge_signed_by", "Signed by", ("bridge_letter", "signed_by"), group="Bridge letter"
        ),
        Field(
            "criteria",
            "Criteria",
            ("criteria",),
            kind="multi",
            item="criteria",
            choices=CRITERIA,
            hint="criteria or control areas in scope",
        ),
        Field(
            "locations",
            "Locations",
            ("locations",),
            kind="multi",
            item="country codes",
            choices=COUNTRIES,
            hint="in scope; none ticked: not restricted",
        ),
        Field("scope", "Scope statement", ("scope",), kind="area"),
        Field(
            "scheme_version",  # not "version": the form's version is the entity's, for 412
            "Scheme version",
            ("version",),
            hint="e.g. ISO/IEC 27001:2022",
        ),
        Field("issuer", "Name", ("issuer",), group="Issuer"),
        Field(
            "issuer_qualification",
            "Qualification",
            ("issuer_qualification",),
            kind="select",
            choices=_BLANK + _values(*(q.value for q in IssuerQualification)),
            group="Issuer",
        ),
        Field(
            "accreditation_body",
            "Accreditation body",
            ("accreditation", "body"),
            group="Accreditation (certificates)",
        ),
        Field(
            "accreditation_iaf_mla",
            "Signatory of the IAF MLA",
            ("accreditation", "iaf_mla"),
            kind="tristate",
            choices=(("", "—"), ("true", "yes"), ("false", "no")),
            group="Accreditation (certificates)",
        ),
        Field(
            "assurance",
            "Assurance",
            ("assurance",),
            kind="select",
            choices=_values(*(a.value for a in Assurance)),
            default=Assurance.REASONABLE.value,
            group="Conclusion",
        ),
        Field(
            "opinion",
            "Opinion",
            ("opinion",),
            kind="select",
            choices=_values(*(o.value for o in Opinion)),
            default=Opinion.UNQUALIFIED.value,
            group="Conclusion",
        ),
        Field(
            "exceptions",
            "Exceptions",
            ("exceptions",),
            kind="rows",
            item="an exception",
            hint="deviations the auditor reported",
            columns=(
                Field("criterion", "Criterion", ("criterion",)),
                Field("description", "Description", ("description",)),
                Field("response", "Management's response", ("response",)),
            ),
        ),
        Field(
            "subservices_method",
            "Method",
            ("subservices", "method"),
            kind="select",
            choices=_values(*(m.value for m in SubserviceMethod)),
            default=SubserviceMethod.NONE.value,
            group="Sub-services",
        ),
        Field(
            "carved_out",
            "Carved out (services)",
            ("subservices", "carved_out"),
            kind="refs",
            item="a carved-out service",
            pick="services",
            group="Sub-services",
        ),
        Field(
            "included",
            "Included (services)",
            ("subservices", "included"),
            kind="refs",
            item="an included service",
            pick="services",
            group="Sub-services",
        ),
        Field(
            "cuecs",
            "Complementary user entity controls (CUECs)",
            ("cuecs",),
            kind="rows",
            item="a CUEC",
            columns=(
                Field("id", "Id", ("id",)),
                Field("text", "Text", ("text",)),
                Field("addressed", "Addressed", ("addressed",), kind="check"),
            ),
        ),
        Field(
            "verification",
            "Verification",
            ("verification",),
            kind="select",
            choices=_values(*(v.value for v in Verification)),
            default=Verification.SIGHTED.value,
            hint="how far the document itself was seen",
        ),
        Field("document_name", "File name", ("document", "name"), group="Document pointer"),
        Field("document_sha256", "SHA-256", ("document", "sha256"), group="Document pointer"),
    ),
}
OTHER = "other"
"""The form field holding the body's extension (``x-``) keys as JSON: nothing is lost on an
edit, and every field of the chain format has a control of its own."""

ADD_TITLES = {
    "suppliers": ("Add a supplier", "Add supplier"),
    "services": ("Add a service", "Add service"),
    "dependencies": ("Add a dependency", "Add dependency"),
    "evidence": ("Add a piece of evidence", "Add evidence"),
}
"""The heading and the button of each section's add form."""


@dataclass(frozen=True, slots=True)
class Block:
    """A run of a form's fields: one on its own, or a group in a fieldset with a legend."""

    legend: str
    fields: tuple[Field, ...]


def layout(section: str) -> list[Block]:
    """The form's fields in order, each group of them in one block.

    >>> [(b.legend, len(b.fields)) for b in layout("suppliers")][4:]
    [('Legal identifiers', 5), ('Contact', 3)]
    """
    blocks: list[Block] = []
    for field in FIELDS[section]:
        if field.group and blocks and blocks[-1].legend == field.group:
            blocks[-1] = Block(field.group, (*blocks[-1].fields, field))
        else:
            blocks.append(Block(field.group, (field,)))
    return blocks


def _nested(section: str) -> set[str]:
    """The mappings of a section's body that the form fills field by field."""
    return {f.path[0] for f in FIELDS[section] if len(f.path) > 1}


def _get(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _extensions(section: str, body: dict[str, Any]) -> dict[str, Any]:
    """The ``x-`` keys of a body, at its top and in its mappings the form fills field by field
    (a mapping the form would not write, such as an empty ``document``, is kept too)."""
    found = {k: v for k, v in body.items() if k.startswith("x-")}
    for name in sorted(_nested(section)):
        inner = body.get(name)
        if isinstance(inner, dict):
            own = {k: v for k, v in inner.items() if k.startswith("x-")}
            if own or len(own) == len(inner):
                found[name] = own
    return found


def _row_values(field: Field, item: Any) -> dict[str, Any]:
    item = item if isinstance(item, dict) else {}
    row: dict[str, Any] = {
        c.name: (item.get(c.name) is True) if c.kind == "check" else _text(item.get(c.name))
        for c in field.columns
    }
    extra = {k: v for k, v in item.items() if k not in {c.name for c in field.columns}}
    row["x"] = json.dumps(extra, ensure_ascii=False) if extra else ""
    return row


def form_values(section: str, body: dict[str, Any]) -> dict[str, Any]:
    """The form's values for an entity body: one per control, and the ``x-`` keys as JSON.

    >>> v = form_values("evidence", {"id": "e", "covers": ["a", "b"],
    ...                              "criteria": ["security", "c9"],
    ...                              "period": {"from": "2026-01-01", "to": "2026-06-30"},
    ...                              "cuecs": [{"id": "C1", "x-n": 1}], "x-a": True})
    >>> v["covers"], v["period_from"], v["criteria"], v["criteria_other"], v["assurance"]
    (['a', 'b'], '2026-01-01', ['security', 'c9'], 'c9', 'reasonable')
    >>> v["cuecs"], v["other"]
    ([{'id': 'C1', 'text': '', 'addressed': False, 'x': '{"x-n": 1}'}], '{\\n  "x-a": true\\n}')
    """
    values: dict[str, Any] = {}
    for field in FIELDS[section]:
        value = _get(body, field.path)
        if field.kind in ("refs", "multi"):
            items = [_text(v) for v in value] if isinstance(value, list) else []
            values[field.name] = items
            if field.kind == "multi":
                known = {c for c, _ in field.choices}
                values[f"{field.name}_other"] = ", ".join(v for v in items if v not in known)
        elif field.kind == "rows":
            items = value if isinstance(value, list) else []
            values[field.name] = [_row_values(field, item) for item in items]
        elif field.kind == "check":
            values[field.name] = value is not False if field.default_true else value is True
        else:
            values[field.name] = _text(value) or field.default
    rest = _extensions(section, body)
    values[OTHER] = json.dumps(rest, indent=2, ensure_ascii=False) if rest else ""
    return values


def _json_object(text: str, where: str, what: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except json.JSONDecodeError as error:
        raise Invalid(
            f"the {what} are not JSON",
            errors=[{"location": where, "message": f"not JSON: {error}"}],
        ) from None
    if not isinstance(found, dict):
        raise Invalid(
            f"the {what} must be a JSON object",
            errors=[{"location": where, "message": "expected a JSON object {...}"}],
        )
    return found


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _rows(field: Field, form: FormData) -> list[dict[str, Any]] | None:
    """The filled rows of a repeatable group (inputs named ``name.INDEX.column``), in order."""
    prefix = field.name + "."
    indexes = sorted(
        {int(i) for k in form if k.startswith(prefix) and (i := k.split(".")[1]).isdigit()}
    )
    rows = []
    for index in indexes:
        row: dict[str, Any] = {}
        for column in field.columns:
            name = f"{prefix}{index}.{column.name}"
            if column.kind == "check":
                if form.get(name) is not None:
                    row[column.name] = True
            elif text := _field(form, name):
                row[column.name] = text
        extra = _field(form, f"{prefix}{index}.x")
        if extra:
            row.update(_json_object(extra, field.name, f"hidden fields of row {index + 1}"))
        if row:
            rows.append(row)
    return rows or None


def _parsed(field: Field, form: FormData, text: str) -> Any:
    """The body's value of one control (``None``: left out of the body)."""
    if field.kind == "check":
        ticked = form.get(field.name) is not None
        return (None if ticked else False) if field.default_true else (True if ticked else None)
    if field.kind == "tristate":
        return {"true": True, "false": False}.get(text)
    if field.kind == "refs":
        return [
            v.strip() for v in form.getlist(field.name) if isinstance(v, str) and v.strip()
        ] or None
    if field.kind == "multi":
        boxes = [v for v in form.getlist(field.name) if isinstance(v, str) and v]
        given = boxes + _split_list(_field(form, f"{field.name}_other"))
        return list(dict.fromkeys(given)) or None
    if field.kind == "rows":
        return _rows(field, form)
    if field.kind == "select" and (not text or text == field.default):
        return None
    if field.integer and text.isdigit():
        return int(text)
    return text or None


def body_of(
    section: str,
    form: FormData,
    *,
    key: dict[str, str] | None = None,
    extensions: bool = True,
) -> dict[str, Any]:
    """The entity body a form describes (``key``: the id fields of an entity being edited;
    ``extensions=False`` leaves out the ``x-`` keys' JSON).

    Raises
    ------
    Invalid
        When the JSON of the extension keys is not an object of ``x-`` keys, naming ``other``.
    """
    body: dict[str, Any] = {}
    for field in FIELDS[section]:
        text = key[field.name] if key and field.name in key else _field(form, field.name)
        value = _parsed(field, form, text)
        if value is None:
            continue
        if len(field.path) == 1:
            body[field.path[0]] = value
        else:
            body.setdefault(field.path[0], {})[field.path[1]] = value
    other = _field(form, OTHER) if extensions else ""
    if other:
        _merge_extensions(section, body, _json_object(other, OTHER, "extension fields"))
    return body


def _merge_extensions(section: str, body: dict[str, Any], extra: dict[str, Any]) -> None:
    nested = _nested(section)
    for name, value in extra.items():
        if name.startswith("x-"):
            body[name] = value
        elif (
            name in nested
            and isinstance(value, dict)
            and all(isinstance(k, str) and k.startswith("x-") for k in value)
        ):
            body.setdefault(name, {}).update(value)
        else:
            raise Invalid(
                "only x- keys go in the extension fields",
                errors=[
                    {
                        "location": OTHER,
                        "message": f"'{name}' has its own input above; only x- keys go here",
                    }
                ],
            )


def cell_text(field: Field, value: Any) -> str:
    """A form value as one line of text, for a table cell or a read-only page.

    >>> cell_text(FIELDS["evidence"][3], ["a", "b"])
    'a, b'
    """
    if field.kind == "check":
        return "yes" if value else "no"
    if field.kind in ("refs", "multi"):
        return ", ".join(value)
    if field.kind == "rows":
        return "; ".join(
            " · ".join(
                f"{c.label}: {'yes' if row[c.name] else 'no'}" if c.kind == "check" else row[c.name]
                for c in field.columns
                if row[c.name] or c.kind == "check"
            )
            for row in value
        )
    if field.choices and value:
        return str(dict(field.choices).get(value, value))
    return str(value or "")


def place_errors(
    section: str, errors: Sequence[dict[str, Any]]
) -> tuple[dict[str, list[str]], list[str]]:
    """Errors by the form field they name, and the rest (with their place) for the top.

    An entity's own field goes next to its control (a group's own error next to its first
    control); an extension key next to the JSON of the ``x-`` keys; a place elsewhere in the
    register goes to the top.

    >>> placed, rest = place_errors("evidence", [
    ...     {"location": "period.from", "message": "bad date"},
    ...     {"location": "covers[1]", "message": "unknown service"},
    ...     {"location": "cuecs[0].id", "message": "required"},
    ...     {"location": "bridge_letter", "message": "from after to"},
    ...     {"location": "x-a.b", "message": "odd"},
    ...     {"location": "services[2].supplier", "message": "unknown supplier", "line": 7}])
    >>> placed["period_from"], placed["covers"], placed["cuecs"], placed["bridge_from"]
    (['bad date'], ['covers[1]: unknown service'], ['cuecs[0].id: required'], ['from after to'])
    >>> placed["other"], rest
    (['x-a.b: odd'], ['services[2].supplier (line 7): unknown supplier'])
    """
    by_path = {".".join(f.path): f.name for f in FIELDS[section]} | {OTHER: OTHER}
    for field in FIELDS[section]:
        by_path.setdefault(field.path[0], field.name)
    placed: dict[str, list[str]] = {}
    rest: list[str] = []
    for error in errors:
        where = str(error.get("location", ""))
        message = str(error.get("message", ""))
        head = where.split("[", 1)[0]
        first = head.split(".", 1)[0]
        shown = message if where == head else f"{where}: {message}"
        if head in by_path:
            placed.setdefault(by_path[head], []).append(shown)
        elif first in by_path:
            placed.setdefault(by_path[first], []).append(f"{where}: {message}")
        elif where and first not in (*repo.KINDS, "offerings"):
            placed.setdefault(OTHER, []).append(f"{where}: {message}")
        else:
            line = f" (line {error['line']})" if error.get("line") else ""
            rest.append(f"{where}{line}: {message}" if where else message)
    return placed, rest


def _key_of(section: str, body: dict[str, Any]) -> str:
    return repo.KINDS[section].key_of(body)


def _visible_rows(
    session: Session, visit: Visit, section: str, q: str, offset: int
) -> tuple[int, list[tuple[repo.EntityRow, dict[str, Any]]]]:
    """The rows of a table page with the bodies shown: a scoped auditor's cut to the scope."""
    kind = repo.KINDS[section]
    filters = {"q": q} if q else {}
    wid = visit.workspace.id or 0
    if visit.scope is None:
        total, rows = repo.page(session, kind, wid, limit=PAGE_SIZE, offset=offset, filters=filters)
        return total, [(row, row.body) for row in rows]
    part = services.register_document(session, visit.workspace, visit.scope)
    seen = {kind.key_of(body): body for body in part[section]}
    _, every = repo.page(session, kind, wid, limit=None, offset=0, filters=filters)
    matching = [(row, seen[key]) for row in every if (key := kind.key_of(row.body)) in seen]
    return len(matching), matching[offset : offset + PAGE_SIZE]


def _item_url(ws: str, section: str, key: str) -> str:
    return f"/w/{quote(ws)}/{section}/{quote(key)}"


def _section_page(
    request: Request,
    session: Session,
    visit: Visit,
    section: str,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    general: Sequence[str] = (),
) -> Response:
    q = request.query_params.get("q", "")[:200]
    try:
        offset = min(max(0, int(request.query_params.get("offset", "0")[:18])), 2**53)
    except ValueError:
        offset = 0
    total, rows = _visible_rows(session, visit, section, q, offset)
    has_document = (
        repo.evidence_with_documents(session, visit.workspace.id or 0)
        if section == "evidence"
        else set()
    )
    blank = form_values(section, {})
    if section == "dependencies":
        blank["relevant"] = True
    heading, button = ADD_TITLES[section]
    return page(
        request,
        "entities.html",
        status_code=status_code,
        **_context(
            request,
            visit,
            section=section,
            singular=repo.KINDS[section].singular,
            fields=FIELDS[section],
            columns=[f for f in FIELDS[section] if f.column],
            rows=[_row_view(section, row, body, visit.workspace.slug) for row, body in rows],
            has_document=has_document,
            total=total,
            offset=offset,
            page_size=PAGE_SIZE,
            q=q,
            values=values or blank,
            errors=errors or {},
            general=list(general),
            is_new=True,
            blocks=layout(section),
            picks=_picks(session, visit, section),
            add_heading=heading,
            add_button=button,
            action=f"/w/{quote(visit.workspace.slug)}/{section}",
        ),
    )


def _row_view(section: str, row: repo.EntityRow, body: dict[str, Any], ws: str) -> dict[str, Any]:
    values = form_values(section, body)
    key = _key_of(section, body)
    return {
        "key": key,
        "cells": {f.name: cell_text(f, values[f.name]) for f in FIELDS[section] if f.column},
        "offering": isinstance(row, ServiceRow) and row.offering is not None,
        "url": _item_url(ws, section, key),
        "document_url": f"/api/v1/workspaces/{quote(ws)}/evidence/{quote(key)}/document",
    }


def _picks(session: Session, visit: Visit, section: str) -> dict[str, list[tuple[str, str]]]:
    """The pick lists a section's form offers: ids with names, and the countries."""
    if not visit.can_write:
        return {}
    wanted = {f.pick for f in FIELDS[section] if f.pick} - {"countries"}
    picks: dict[str, list[tuple[str, str]]] = {"countries": list(COUNTRIES)}
    for name in sorted(wanted):
        _, rows = repo.page(
            session, repo.KINDS[name], visit.workspace.id or 0, limit=None, offset=0, filters={}
        )
        picks[name] = sorted((str(r.body.get("id", "")), str(r.body.get("name", ""))) for r in rows)
    return picks


def _edit_page(
    request: Request,
    session: Session,
    visit: Visit,
    section: str,
    row: repo.EntityRow,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    general: Sequence[str] = (),
    stale: str | None = None,
    document: Any = None,
    body: dict[str, Any] | None = None,
) -> Response:
    key = _key_of(section, row.body)
    shown = values or form_values(section, row.body if body is None else body)
    if isinstance(row, ServiceRow) and values is None:
        shown["offering"] = row.offering is not None
    return page(
        request,
        "entity_form.html",
        status_code=status_code,
        **_context(
            request,
            visit,
            section=section,
            singular=repo.KINDS[section].singular,
            key=key,
            fields=FIELDS[section],
            values=shown,
            version=row.version,
            errors=errors or {},
            general=list(general),
            stale=stale,
            is_new=False,
            blocks=layout(section),
            picks=_picks(session, visit, section),
            readonly=[
                (f"{f.group}: {f.label}" if f.group else f.label, cell_text(f, shown[f.name]))
                for f in FIELDS[section]
            ],
            action=_item_url(visit.workspace.slug, section, key),
            document=document,
            document_url=(
                f"/api/v1/workspaces/{quote(visit.workspace.slug)}/evidence/{quote(key)}/document"
            ),
        ),
    )


def _submitted(section: str, form: FormData, key: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's values as typed, to show again beside its errors (blank rows dropped)."""
    try:
        body = body_of(section, form, key=key)
    except Invalid:
        body = body_of(section, form, key=key, extensions=False)
    values = form_values(section, body)
    values[OTHER] = _field(form, OTHER)
    values["offering"] = form.get("offering") is not None
    return values


def _document_of(session: Session, visit: Visit, section: str, key: str) -> Any:
    if section != "evidence":
        return None
    return repo.document_of(session, visit.workspace.id or 0, key)


def _key_params(section: str, request: Request) -> dict[str, str]:
    """The id fields of the entity a path names."""
    params = request.path_params
    if section == "dependencies":
        return {"from": str(params["frm"]), "to": str(params["to"])}
    return {"id": str(params["key"])}


def _done(ws: str, section: str, done: str, key: str) -> RedirectResponse:
    target = f"/w/{quote(ws)}/{section}?{urlencode({'done': done, 'key': key})}"
    return RedirectResponse(target, status_code=303)


def _create(section: str, request: Request, session: Session, ws: str, form: FormData) -> Response:
    visit = _visit(request, session, ws, WRITE, form)
    try:
        body = body_of(section, form)
        services.create_entity(
            session,
            workspace=visit.workspace,
            section=section,
            body=body,
            offering=section == "services" and form.get("offering") is not None,
            actor=visit.actor,
        )
    except Problem as problem:
        session.rollback()
        placed, rest = place_errors(section, problem.errors)
        return _section_page(
            request,
            session,
            visit,
            section,
            status_code=problem.status,
            values=_submitted(section, form),
            errors=placed,
            general=[problem.detail, *rest],
        )
    return _done(ws, section, "created", _key_of(section, body))


def _version_of(form: FormData) -> int:
    """The version the form was opened at (-1, never current, when it carries none)."""
    text = _field(form, "version")
    return int(text) if text.isdigit() else -1


def _keep_order(section: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with each check-box list in ``old``'s order when it holds the same values (the
    boxes come in the form's order, the stored list in its own).

    >>> _keep_order("services", {"locations": ["IE", "DE"]}, {"locations": ["DE", "IE"]})
    {'locations': ['IE', 'DE']}
    """
    for field in FIELDS[section]:
        name = field.path[0]
        if (
            field.kind == "multi"
            and isinstance(old.get(name), list)
            and name in new
            and sorted(map(str, old[name])) == sorted(new[name])
        ):
            new = {**new, name: old[name]}
    return new


def _equivalent(
    session: Session, visit: Visit, section: str, stored: dict[str, Any], body: dict[str, Any]
) -> bool:
    """Whether ``body`` says the same as the ``stored`` one: the very same, or equal once read
    the way the chain format reads it (``relevant: true`` is what an absent ``relevant``
    says), which takes reading the register."""
    if body == stored:
        return True
    document = services.register_document(session, visit.workspace)
    kind = repo.KINDS[section]
    key = kind.key_of(stored)
    try:
        before = dump_plain(load_plain(document))[section]
        document[section] = [body if kind.key_of(b) == key else b for b in document[section]]
        after = dump_plain(load_plain(document))[section]
    except ChainError:
        return False
    return before == after


def _change(section: str, request: Request, session: Session, ws: str, form: FormData) -> Response:
    visit = _visit(request, session, ws, WRITE, form)
    key = _key_params(section, request)
    joined = "/".join(key.values())
    singular = repo.KINDS[section].singular
    try:
        row = services.get_entity(session, workspace=visit.workspace, section=section, key=joined)
        body = _keep_order(section, row.body, body_of(section, form, key=key))
        offering = (form.get("offering") is not None) if section == "services" else None
        if (
            _version_of(form) == row.version
            and (offering is None or offering == (getattr(row, "offering", None) is not None))
            and _equivalent(session, visit, section, row.body, body)
        ):
            return _done(ws, section, "unchanged", joined)
        changes: dict[str, Any] = dict.fromkeys(k for k in row.body if k not in body)
        changes.update(body)
        services.update_entity(
            session,
            workspace=visit.workspace,
            section=section,
            key=joined,
            changes=changes,
            version=_version_of(form),
            offering=offering,
            actor=visit.actor,
        )
    except NotFound:
        raise
    except Problem as problem:
        session.rollback()
        current = services.get_entity(
            session, workspace=visit.workspace, section=section, key=joined
        )
        document = _document_of(session, visit, section, joined)
        if isinstance(problem, PreconditionFailed):
            return _edit_page(
                request,
                session,
                visit,
                section,
                current,
                status_code=412,
                stale=f"{STALE.format(what=singular)}: {problem.detail}. Your change was not "
                "saved; the form now shows the current values.",
                document=document,
            )
        placed, rest = place_errors(section, problem.errors)
        return _edit_page(
            request,
            session,
            visit,
            section,
            current,
            status_code=problem.status,
            values=_submitted(section, form, key),
            errors=placed,
            general=[problem.detail, *rest],
            document=document,
        )
    return _done(ws, section, "updated", joined)


def _remove(section: str, request: Request, session: Session, ws: str, form: FormData) -> Response:
    visit = _visit(request, session, ws, WRITE, form)
    key = "/".join(_key_params(section, request).values())
    singular = repo.KINDS[section].singular
    try:
        path = services.delete_entity(
            session,
            workspace=visit.workspace,
            section=section,
            key=key,
            version=_version_of(form),
            actor=visit.actor,
        )
    except NotFound:
        raise
    except Problem as problem:
        session.rollback()
        current = services.get_entity(session, workspace=visit.workspace, section=section, key=key)
        stale = (
            f"{STALE.format(what=singular)}: {problem.detail}. Nothing was deleted; the form "
            "now shows the current values."
            if isinstance(problem, PreconditionFailed)
            else None
        )
        _, rest = place_errors(section, problem.errors)
        return _edit_page(
            request,
            session,
            visit,
            section,
            current,
            status_code=problem.status,
            general=[] if stale else [problem.detail, *rest],
            stale=stale,
            document=_document_of(session, visit, section, key),
        )
    documents.forget_file(
        session, documents_dir=request.app.state.settings.documents_dir, path=path
    )
    return _done(ws, section, "deleted", key)


def _section_routes(section: str) -> None:
    item = "/{frm}/{to}" if section == "dependencies" else "/{key}"
    singular = repo.KINDS[section].singular
    base = f"/w/{{ws}}/{section}"

    @router.get(base, response_class=HTMLResponse, name=f"page_{section}")
    @guarded
    def listing(request: Request, session: SessionDep, ws: WsPath) -> Response:
        visit = _visit(request, session, ws, READ)
        return _section_page(request, session, visit, section)

    @router.post(base, response_class=HTMLResponse, name=f"page_add_{singular}")
    @guarded
    def create(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
        return _create(section, request, session, ws, form)

    @router.get(base + item, response_class=HTMLResponse, name=f"page_{singular}")
    @guarded
    def read(request: Request, session: SessionDep, ws: WsPath) -> Response:
        visit = _visit(request, session, ws, READ)
        key = "/".join(_key_params(section, request).values())
        row = services.get_entity(
            session, workspace=visit.workspace, section=section, key=key, scope=visit.scope
        )
        seen = (  # a scoped auditor's: cut to the scope
            None
            if visit.scope is None
            else services.seen_body(session, visit.workspace, visit.scope, section, row.body)
        )
        return _edit_page(
            request,
            session,
            visit,
            section,
            row,
            document=_document_of(session, visit, section, key),
            body=seen,
        )

    @router.post(base + item, response_class=HTMLResponse, name=f"page_change_{singular}")
    @guarded
    def change(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
        return _change(section, request, session, ws, form)

    @router.post(
        base + item + "/delete", response_class=HTMLResponse, name=f"page_delete_{singular}"
    )
    @guarded
    def remove(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
        return _remove(section, request, session, ws, form)


for _section in SECTIONS:
    _section_routes(_section)


@router.post("/w/{ws}/evidence/{key}/document", response_class=HTMLResponse)
@guarded
def upload_document(
    request: Request, session: SessionDep, ws: WsPath, key: str, form: FormDep
) -> Response:
    """Store an uploaded file as the document of a piece of evidence."""
    visit = _visit(request, session, ws, WRITE, form)
    upload = form.get("document")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid(
                "choose a file to upload",
                errors=[{"location": "document", "message": "no file chosen"}],
            )
        documents.put_document(
            session,
            workspace=visit.workspace,
            evidence=key,
            filename=documents.safe_filename(upload.filename),
            media_type=upload.content_type or "",
            content=upload.file.read(),
            documents_dir=request.app.state.settings.documents_dir,
            actor=visit.actor,
        )
    except Problem as problem:
        if isinstance(problem, NotFound):
            raise
        session.rollback()
        row = services.get_entity(session, workspace=visit.workspace, section="evidence", key=key)
        messages = [problem.detail, *(str(e.get("message")) for e in problem.errors)]
        return _edit_page(
            request,
            session,
            visit,
            "evidence",
            row,
            status_code=problem.status,
            errors={"document": messages},
            document=_document_of(session, visit, "evidence", key),
        )
    target = f"/w/{quote(ws)}/evidence/{quote(key)}?{urlencode({'done': 'uploaded', 'key': key})}"
    return RedirectResponse(target, status_code=303)


# --- import and export ----------------------------------------------------------------------


@router.get("/w/{ws}/import", response_class=HTMLResponse)
@guarded
def import_form(request: Request, session: SessionDep, ws: WsPath) -> Response:
    """The upload form of a chain file, and the export's download links."""
    visit = _visit(request, session, ws, READ)
    return page(
        request,
        "import.html",
        **_context(request, visit, report=None, errors=[]),
    )


IMPORT_FORMATS = ("chain", "cyclonedx", "csv", "xlsx", "oscal", "fedramp", "backstage")
"""The formats the import page offers (importers.registry's table; a test keeps them equal)."""

MAX_CARRIED = 4 * 1024 * 1024
"""The largest previewed file that travels back in the page (in base64, byte for byte) for
its apply; a larger one is chosen again."""


@router.post("/w/{ws}/import", response_class=HTMLResponse)
@guarded
def import_file(request: Request, session: SessionDep, ws: WsPath, form: FormDep) -> Response:
    """Preview (a dry run) or apply an uploaded chain file, all or nothing."""
    visit = _visit(request, session, ws, WRITE, form)
    upload = form.get("file")
    carried = form.get("content")
    if isinstance(upload, UploadFile) and upload.filename:
        name = documents.safe_filename(upload.filename, default="upload")
        data = upload.file.read()
    elif isinstance(carried, str) and carried:
        name = documents.safe_filename(_field(form, "filename"), default="upload")
        try:
            data = base64.b64decode(carried, validate=True)
        except binascii.Error:
            raise Invalid(
                "the previewed file came back damaged: choose it again",
                errors=[{"location": "content", "message": "not base64"}],
            ) from None
    else:
        return page(
            request,
            "import.html",
            status_code=422,
            **_context(
                request,
                visit,
                report=None,
                errors=[{"where": "file", "message": "choose a chain file to upload"}],
            ),
        )
    dry_run = _field(form, "mode") != "apply"
    chosen = _field(form, "format")
    fmt = chosen if chosen in IMPORT_FORMATS else None
    try:
        done = services.import_file(
            session,
            workspace=visit.workspace,
            name=name,
            data=data,
            fmt=fmt,
            dry_run=dry_run,
            actor=visit.actor,
        )
    except ChainError as error:
        return _import_errors(request, visit, name, issue_errors(error.issues), error)
    except Problem as problem:
        session.rollback()
        return _import_errors(request, visit, name, problem.errors, problem)
    text = base64.b64encode(data).decode("ascii") if dry_run and len(data) <= MAX_CARRIED else None
    return page(
        request,
        "import.html",
        **_context(
            request,
            visit,
            report=done.report,
            filename=name,
            content=text,
            chosen=fmt or "",
            read_as=done.format,
            warnings=done.warnings,
            errors=[],
            messages=[] if dry_run else [{"kind": "info", "text": f"Imported {name}."}],
        ),
    )


def _import_errors(
    request: Request,
    visit: Visit,
    name: str,
    errors: Sequence[dict[str, Any]],
    error: Exception,
) -> Response:
    listed = [
        {
            "where": ":".join(
                part for part in (name, str(e["line"]) if e.get("line") else "") if part
            )
            + (f": {e['location']}" if e.get("location") else ""),
            "message": str(e.get("message", "")),
        }
        for e in errors
    ]
    detail = error.detail if isinstance(error, Problem) else "the file is not a valid chain file"
    status = error.status if isinstance(error, Problem) else 422
    return page(
        request,
        "import.html",
        status_code=status,
        **_context(
            request,
            visit,
            report=None,
            filename=name,
            errors=listed,
            messages=[{"kind": "error", "text": f"{name}: {detail}; nothing was imported."}],
        ),
    )


# --- graph and report -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """An offering checked for a page: the chain, the result, and the form's values."""

    chain: Chain
    result: CheckResult
    at: str
    period: str
    profile: str


def _parse_when(
    at: str | None, period: str | None, day: date
) -> tuple[date | None, DateRange | None]:
    """The date or audit period a page's GET form asks for (default: today).

    >>> _parse_when(None, "2026-01-01..2026-06-30", date(2026, 11, 27))[1].end
    datetime.date(2026, 6, 30)
    >>> _parse_when("2026-13-01", None, date(2026, 11, 27))
    Traceback (most recent call last):
    ...
    app.errors.Invalid: at '2026-13-01' is not a date YYYY-MM-DD
    """
    if period:
        start, sep, end = period.partition("..")
        try:
            span = DateRange(date.fromisoformat(start), date.fromisoformat(end)) if sep else None
        except ValueError:
            span = None
        if span is None or span.start > span.end:
            raise Invalid(
                f"period '{period}' is not FROM..TO with FROM on or before TO",
                errors=[{"location": "period", "message": "expected YYYY-MM-DD..YYYY-MM-DD"}],
            )
        return None, span
    if at:
        try:
            return date.fromisoformat(at), None
        except ValueError:
            raise Invalid(
                f"at '{at}' is not a date YYYY-MM-DD",
                errors=[{"location": "at", "message": "expected YYYY-MM-DD"}],
            ) from None
    return day, None


def _checked(request: Request, session: Session, visit: Visit, offering: str) -> Checked:
    params = request.query_params
    at_text = params.get("at", "")[:20]
    period_text = params.get("period", "")[:30]
    profile = params.get("profile", "")[:100] or DEFAULT_PROFILE
    at, span = _parse_when(at_text, period_text, today(request))
    chain = services.register_chain(session, visit.workspace, visit.scope)
    if offering not in chain.offerings:
        raise NotFound(f"no offering '{offering}' in workspace '{visit.workspace.slug}'")
    # the report and the graph carry this offering's own title, never another's
    chain = dataclasses.replace(chain, title=services.offering_title(visit.workspace, offering))
    result = services.check_register(
        session,
        workspace=visit.workspace,
        at=at,
        period=span,
        offerings=[offering],
        profile=profile,
        scope=visit.scope,
    )
    return Checked(
        chain,
        result,
        "" if span else (at.isoformat() if at else ""),
        f"{span.start.isoformat()}..{span.end.isoformat()}" if span else "",
        profile,
    )


def _profiles(chain: Chain) -> list[str]:
    return [*BUILTIN_PROFILES, *sorted(chain.profiles)]


def _documents(session: Session, visit: Visit) -> set[str]:
    """The evidence that has a document to link to (one query)."""
    return repo.evidence_with_documents(session, visit.workspace.id or 0)


@router.get("/w/{ws}/graph/{offering}", response_class=HTMLResponse)
@guarded
def graph_page(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The interactive graph of an offering at a date or over an audit period."""
    visit = _visit(request, session, ws, READ)
    try:
        found = _checked(request, session, visit, offering)
    except Invalid as problem:
        return _problem_page(request, problem)
    return render_graph_page(
        templates,
        request,
        found.chain,
        found.result,
        offering=offering,
        document_url=f"/api/v1/workspaces/{quote(ws)}/evidence/{{id}}/document",
        documents=_documents(session, visit),
        profiles=_profiles(found.chain),
        at=found.at or None,
        period=found.period or None,
        extra=_context(request, visit),
    )


@dataclass(frozen=True, slots=True)
class ScopeRow:
    """A sub-service the walk reached, as the report's scope table shows it."""

    rank: int
    service: str
    name: str
    kind: str
    supplier: str
    via: str
    critical: bool
    personal_data: bool
    locations: str


def scope_rows(result: CheckResult, chain: Chain) -> list[ScopeRow]:
    """The sub-services in scope: each provider of an in-scope link, at its first link."""
    first: dict[str, LinkResult] = {}
    for link in result.links:
        if link.status is not Status.OUT_OF_SCOPE:
            first.setdefault(link.provider, link)
    rows = []
    for sid, link in first.items():
        service = chain.services[sid]
        dependency = chain.dependencies[(link.consumer, link.provider)]
        personal = (
            service.personal_data if dependency.personal_data is None else dependency.personal_data
        )
        supplier = chain.suppliers.get(service.supplier)
        rows.append(
            ScopeRow(
                link.rank,
                sid,
                service.name,
                service.kind.value,
                supplier.name if supplier else service.supplier,
                " → ".join(link.path[:-1]),
                dependency.critical,
                bool(personal),
                ", ".join(dependency.locations or service.locations),
            )
        )
    return rows


REPORT_SECTIONS = (
    (Status.GAP, "Gaps: links without equivalent certification"),
    (Status.CONDITIONAL, "Conditional: links covered on conditions"),
    (Status.OK, "Covered: links with equivalent certification"),
    (Status.OUT_OF_SCOPE, "Out of scope"),
)


@router.get("/w/{ws}/report/{offering}.md")
@guarded
def report_markdown(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The scoping report in Markdown, ending like the page with its generated-at line."""
    visit = _visit(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    text = render_markdown(
        found.result,
        found.chain,
        find_profile(found.profile, found.chain),
        stored=_documents(session, visit),
    )
    seq, digest = audit.last_entry(session, audit.chain_of(visit.workspace.id))
    generated = now(request).replace(microsecond=0).isoformat()
    text = (
        text.rstrip("\n")
        + f"\n\nGenerated at {generated} from workspace `{visit.workspace.slug}`; the register's"
        + f" audit trail stood at entry {seq}, hash `{digest}`.\n"
    )
    return _download(text.encode("utf-8"), "text/markdown; charset=utf-8", ws, offering, "md")


@router.get("/w/{ws}/report/{offering}.csv")
@guarded
def report_csv(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The links of the check as CSV."""
    visit = _visit(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    data = check_csv(
        found.result,
        found.chain,
        profile=find_profile(found.profile, found.chain),
        stored=_documents(session, visit),
    )
    return _download(data, "text/csv; charset=utf-8", ws, offering, "csv")


@router.get("/w/{ws}/report/{offering}.xlsx")
@guarded
def report_xlsx(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The check as the auditor's worksheet."""
    visit = _visit(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    data = check_xlsx(
        found.result,
        found.chain,
        profile=find_profile(found.profile, found.chain),
        stored=_documents(session, visit),
    )
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(data, media, ws, offering, "xlsx")


@router.get("/w/{ws}/report/{offering}.html")
@guarded
def report_offline(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The graph as one self-contained HTML file that works offline."""
    visit = _visit(request, session, ws, READ)
    found = _checked(request, session, visit, offering)
    data = offline_html(found.chain, found.result, offering=offering)
    return _download(data, "text/html; charset=utf-8", ws, offering, "html")


def _download(data: bytes, media: str, ws: str, offering: str, ext: str) -> Response:
    name = documents.safe_filename(f"{ws}-{offering}-scoping.{ext}")
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": documents.content_disposition(name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


@router.get("/w/{ws}/report/{offering}", response_class=HTMLResponse)
@guarded
def report_page(request: Request, session: SessionDep, ws: WsPath, offering: str) -> Response:
    """The scoping report of an offering, print-ready, with its downloads."""
    visit = _visit(request, session, ws, READ)
    try:
        found = _checked(request, session, visit, offering)
    except Invalid as problem:
        return _problem_page(request, problem)
    chain, result = found.chain, found.result
    profile = find_profile(found.profile, chain)
    service = chain.services[offering]
    supplier = chain.suppliers.get(service.supplier)
    seq, digest = audit.last_entry(session, audit.chain_of(visit.workspace.id))
    query = urlencode(
        {
            k: v
            for k, v in (("at", found.at), ("period", found.period), ("profile", found.profile))
            if v
        }
    )
    base = f"/w/{quote(ws)}/report/{quote(offering)}"
    stored = _documents(session, visit)
    groups = [
        (status, heading, [link for link in result.links if link.status is status])
        for status, heading in REPORT_SECTIONS
    ]
    return page(
        request,
        "report.html",
        **_context(
            request,
            visit,
            title=chain.title or service.name,
            offering=offering,
            offering_name=service.name,
            supplier_name=supplier.name if supplier else service.supplier,
            result=result,
            verdict_label=STATUS_STYLES[result.verdict].label,
            profile=profile,
            profiles=_profiles(chain),
            at=found.at,
            period=found.period,
            scope_rows=scope_rows(result, chain),
            groups=[g for g in groups if g[2]],
            statuses=STATUS_STYLES,
            services=chain.services,
            bases=link_bases(result, chain, profile=profile, stored=stored),
            documents=stored,
            document_url=f"/api/v1/workspaces/{quote(ws)}/evidence/{{id}}/document",
            generated=now(request).replace(microsecond=0).isoformat(),
            audit_seq=seq,
            audit_hash=digest,
            downloads=[
                (f"{base}.{ext}" + (f"?{query}" if query else ""), label)
                for ext, label in (
                    ("md", "Markdown"),
                    ("csv", "CSV (links)"),
                    ("xlsx", "XLSX worksheet"),
                    ("html", "Graph, offline HTML"),
                )
            ],
            graph_url=f"/w/{quote(ws)}/graph/{quote(offering)}" + (f"?{query}" if query else ""),
        ),
    )


__all__ = ["FIELDS", "Field", "body_of", "form_values", "place_errors", "router", "scope_rows"]
