"""Entity forms and bodies: the form's values for a body, the body a form describes, a value
as text, and errors placed next to the control they name."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import FormData

from app import repository as repo
from app.errors import Invalid
from app.routes.pages.fields import FIELDS, Field
from app.views.pages import choice_text
from graph.i18n import gettext


def form_field(form: FormData, name: str) -> str:
    """The text of a form's input ``name``, stripped (\"\" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


OTHER = "other"
"""The form field holding the body's extension (``x-``) keys as JSON: nothing is lost on an
edit, and every field of the chain format has a control of its own."""


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
            gettext("the {what} are not JSON").format(what=what),
            errors=[
                {"location": where, "message": gettext("not JSON: {error}").format(error=error)}
            ],
        ) from None
    if not isinstance(found, dict):
        raise Invalid(
            gettext("the {what} must be a JSON object").format(what=what),
            errors=[{"location": where, "message": gettext("expected a JSON object {...}")}],
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
            elif text := form_field(form, name):
                row[column.name] = text
        extra = form_field(form, f"{prefix}{index}.x")
        if extra:
            row.update(
                _json_object(
                    extra,
                    field.name,
                    gettext("hidden fields of row {n}").format(n=index + 1),
                )
            )
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
        given = boxes + _split_list(form_field(form, f"{field.name}_other"))
        return list(dict.fromkeys(given)) or None
    if field.kind == "rows":
        return _rows(field, form)
    if field.kind == "select" and (not text or text == field.default):
        return None
    if field.integer and text.isdigit():
        return int(text)
    return text or None


def body_of(
    section: str, form: FormData, *, key: dict[str, str] | None = None, extensions: bool = True
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
        text = key[field.name] if key and field.name in key else form_field(form, field.name)
        value = _parsed(field, form, text)
        if value is None:
            continue
        if len(field.path) == 1:
            body[field.path[0]] = value
        else:
            body.setdefault(field.path[0], {})[field.path[1]] = value
    other = form_field(form, OTHER) if extensions else ""
    if other:
        _merge_extensions(section, body, _json_object(other, OTHER, gettext("extension fields")))
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
                gettext("only x- keys go in the extension fields"),
                errors=[
                    {
                        "location": OTHER,
                        "message": gettext(
                            "'{name}' has its own input above; only x- keys go here"
                        ).format(name=name),
                    }
                ],
            )


def cell_text(field: Field, value: Any) -> str:
    """A form value as one line of text, for a table cell or a read-only page.

    >>> cell_text(FIELDS["evidence"][3], ["a", "b"])
    'a, b'
    """
    yes, no = gettext("yes"), gettext("no")
    if field.kind == "check":
        return yes if value else no
    if field.kind in ("refs", "multi"):
        return ", ".join(value)
    if field.kind == "rows":
        return "; ".join(
            " · ".join(
                f"{gettext(c.label)}: {yes if row[c.name] else no}"
                if c.kind == "check"
                else row[c.name]
                for c in field.columns
                if row[c.name] or c.kind == "check"
            )
            for row in value
        )
    if field.choices and value:
        return choice_text(str(dict(field.choices).get(value, value)))
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


def keep_order(section: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with each check-box list in ``old``'s order when it holds the same values (the
    boxes come in the form's order, the stored list in its own).

    >>> keep_order("services", {"locations": ["IE", "DE"]}, {"locations": ["DE", "IE"]})
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
