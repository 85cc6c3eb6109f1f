"""Writing: Chain -> plain values in contract order -> YAML or JSON text."""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar, cast

from graph.model import (
    FORMAT_VERSION,
    Assurance,
    Chain,
    Dependency,
    Evidence,
    Opinion,
    Profile,
    Service,
    SubserviceMethod,
    Supplier,
    Verification,
)
from importers.chainfile.contract import CONTACT_KEYS, IDS_KEYS, THRESHOLDS
from importers.chainfile.messages import SURROGATE, escape_char

_E = TypeVar("_E", bound=enum.Enum)
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


def dump(chain: Chain, fmt: str) -> bytes:
    plain = chain_plain(chain)
    if fmt == "json":
        text = json.dumps(plain, indent=2, ensure_ascii=False)
        if SURROGATE.search(text):
            text = SURROGATE.sub(escape_char, text)
        return (text + "\n").encode("utf-8")
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}; yaml or json")
    lines: list[str] = []
    for key, value in plain.items():
        entry: list[str] = []
        if key in _SECTIONS:
            entry.append(f"{key}:")
            for entity in cast("list[dict[str, object]]", value):
                _emit_mapping(entry, entity, 4, "  - ")
        else:
            _emit_mapping(entry, {key: value}, 0, "")
        if len(entry) > 1 and lines:
            lines.append("")
        lines.extend(entry)
    return ("\n".join(lines) + "\n").encode("utf-8")


_SECTIONS = frozenset({"suppliers", "services", "dependencies", "evidence", "profiles"})


def _ordered(mapping: Mapping[str, str], order: Sequence[str]) -> dict[str, str]:
    out = {key: mapping[key] for key in order if key in mapping}
    out.update((key, value) for key, value in mapping.items() if key not in out)
    return out


def _put(out: dict[str, object], key: str, value: object) -> None:
    """Set ``out[key]`` unless ``value`` is ``None`` or empty."""
    if value is None or (not value and isinstance(value, list | tuple | dict)):
        return
    out[key] = value


def _supplier_plain(supplier: Supplier) -> dict[str, object]:
    out: dict[str, object] = {"id": supplier.id, "name": supplier.name}
    _put(out, "country", supplier.country)
    _put(out, "ids", _ordered(supplier.ids, IDS_KEYS))
    _put(out, "parent", supplier.parent)
    _put(out, "contact", _ordered(supplier.contact, CONTACT_KEYS))
    out.update(supplier.extra)
    return out


def _service_plain(service: Service) -> dict[str, object]:
    out: dict[str, object] = {
        "id": service.id,
        "name": service.name,
        "supplier": service.supplier,
        "kind": service.kind.value,
    }
    _put(out, "locations", list(service.locations))
    if service.personal_data:
        out["personal_data"] = True
    _put(out, "description", service.description)
    out.update(service.extra)
    return out


def _dependency_plain(dependency: Dependency) -> dict[str, object]:
    out: dict[str, object] = {"from": dependency.consumer, "to": dependency.provider}
    _put(out, "role", dependency.role)
    if not dependency.relevant:
        out["relevant"] = False
    _put(out, "reason", dependency.reason)
    if dependency.critical:
        out["critical"] = True
    _put(out, "personal_data", dependency.personal_data)
    if dependency.locations:
        out["locations"] = list(dependency.locations)
    _put(out, "contract", dependency.contract)
    out.update(dependency.extra)
    return out


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _some(*pairs: tuple[str, object]) -> dict[str, object]:
    """A mapping of the pairs whose value is not ``None`` or empty, in order."""
    out: dict[str, object] = {}
    for key, value in pairs:
        _put(out, key, value)
    return out


def _evidence_plain(evidence: Evidence) -> dict[str, object]:
    period, bridge = evidence.period, evidence.bridge_letter
    accreditation, document = evidence.accreditation, evidence.document
    subservices = evidence.subservices
    out = _some(
        ("id", evidence.id),
        ("scheme", evidence.scheme.value),
        ("holder", evidence.holder),
        ("covers", list(evidence.covers)),
        ("type", evidence.type),
        ("period", period and {"from": _day(period.start), "to": _day(period.end)}),
        ("as_of", _day(evidence.as_of)),
        ("issued", _day(evidence.issued)),
        ("valid_until", _day(evidence.valid_until)),
        ("locations", list(evidence.locations)),
        ("criteria", list(evidence.criteria)),
        ("scope", evidence.scope),
        ("version", evidence.version),
        ("issuer", evidence.issuer),
        ("issuer_qualification", _value(evidence.issuer_qualification)),
        (
            "accreditation",
            accreditation
            and {
                **_some(("body", accreditation.body)),
                "iaf_mla": accreditation.iaf_mla,
                **accreditation.extra,
            },
        ),
        ("assurance", _value(evidence.assurance, Assurance.REASONABLE)),
        ("opinion", _value(evidence.opinion, Opinion.UNQUALIFIED)),
        (
            "exceptions",
            [
                {
                    **_some(
                        ("criterion", exception.criterion),
                        ("description", exception.description),
                        ("response", exception.response),
                    ),
                    **exception.extra,
                }
                for exception in evidence.exceptions
            ],
        ),
        (
            "subservices",
            {
                **_some(
                    ("method", _value(subservices.method, SubserviceMethod.NONE)),
                    ("carved_out", list(subservices.carved_out)),
                    ("included", list(subservices.included)),
                ),
                **subservices.extra,
            },
        ),
        (
            "cuecs",
            [
                {
                    **_some(
                        ("id", cuec.id), ("text", cuec.text), ("addressed", cuec.addressed or None)
                    ),
                    **cuec.extra,
                }
                for cuec in evidence.cuecs
            ],
        ),
        (
            "bridge_letter",
            bridge
            and {
                **_some(
                    ("from", _day(bridge.start)),
                    ("to", _day(bridge.end)),
                    ("signed_by", bridge.signed_by),
                ),
                **bridge.extra,
            },
        ),
        ("verification", _value(evidence.verification, Verification.SIGHTED)),
    )
    if document is not None:  # an empty document ({}) is kept: it is not the same as none
        out["document"] = {
            **_some(("name", document.name), ("sha256", document.sha256)),
            **document.extra,
        }
    out.update(evidence.extra)
    return out


def _value(member: enum.Enum | None, default: enum.Enum | None = None) -> object:
    """An enum member's value, ``None`` when it is ``None`` or ``default``."""
    return None if member is None or member is default else member.value


def _profile_plain(profile: Profile) -> dict[str, object]:
    out: dict[str, object] = {"id": profile.id}
    _put(out, "extends", profile.extends)
    for key in THRESHOLDS:
        _put(out, key, getattr(profile, key))
    if profile.required_criteria is not None:
        out["required_criteria"] = list(profile.required_criteria)
    if profile.accept_as_equivalent is not None:
        out["accept_as_equivalent"] = [scheme.value for scheme in profile.accept_as_equivalent]
    out.update(profile.extra)
    return out


def chain_plain(chain: Chain) -> dict[str, object]:
    """The chain as plain values (dicts, lists, strings...) in contract order."""
    out: dict[str, object] = {"ketenkaart": FORMAT_VERSION}
    _put(out, "title", chain.title)
    out["offerings"] = list(chain.offerings)
    _put(out, "suppliers", [_supplier_plain(s) for s in chain.suppliers.values()])
    _put(out, "services", [_service_plain(s) for s in chain.services.values()])
    _put(out, "dependencies", [_dependency_plain(d) for d in chain.dependencies.values()])
    _put(out, "evidence", [_evidence_plain(e) for e in chain.evidence.values()])
    _put(out, "profiles", [_profile_plain(p) for p in chain.profiles.values()])
    out.update(chain.extra)
    return out


# -- YAML text ------------------------------------------------------------------------------

_WIDTH = 100
_PLAIN_SAFE = re.compile(r"[^\W_](?:[\w ./()@&+'-]*[\w./()@&+'-])?")
_NUMBER_LIKE_CHAR = re.compile(r"[^0-9a-fA-FoOxX._+ -]")
_RESERVED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_MUST_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _yaml_str(text: str) -> str:
    """A string as a YAML scalar: plain when no YAML 1.1 or 1.2 reader can misread it."""
    if (
        _PLAIN_SAFE.fullmatch(text)
        and text.lower() not in _RESERVED_WORDS
        and not (text[0] in "0123456789" and not _NUMBER_LIKE_CHAR.search(text))
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _MUST_ESCAPE.sub(escape_char, quoted) if _MUST_ESCAPE.search(quoted) else quoted


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return _yaml_str(value)
    raise TypeError(f"cannot write a {type(value).__name__} in a chain file")


def _is_container(value: object) -> bool:
    return isinstance(value, dict | list | tuple)


def _yaml_inline(value: object, room: int) -> str | None:
    """Flow text for ``value`` when it fits in ``room`` characters, else ``None``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts: list[str] = []
        used = 0
        for key, item in value.items():
            key_text = _yaml_str(str(key))
            inner = _yaml_inline(item, room - used - len(key_text) - 4)
            if inner is None:
                return None
            parts.append(f"{key_text}: {inner}")
            used += len(parts[-1]) + 2
        text = "{" + ", ".join(parts) + "}"
    elif isinstance(value, list | tuple):
        if not value:
            return "[]"
        parts = []
        used = 0
        for item in value:
            inner = _yaml_inline(item, room - used - 2)
            if inner is None:
                return None
            parts.append(inner)
            used += len(inner) + 2
        text = "[" + ", ".join(parts) + "]"
    else:
        text = _yaml_scalar(value)
    return text if len(text) <= room else None


def _emit_entry(out: list[str], head: str, value: object, indent: int) -> None:
    """Write ``head`` (``key:``, or ``:`` after an explicit key) and ``value`` after it."""
    if not _is_container(value):
        out.append(f"{head} {_yaml_scalar(value)}")
        return
    inline = _yaml_inline(value, _WIDTH - len(head) - 1)
    if inline is not None:
        out.append(f"{head} {inline}")
        return
    out.append(head)
    if isinstance(value, dict):
        _emit_mapping(out, value, indent + 2, " " * (indent + 2))
    else:
        _emit_sequence(out, cast("Sequence[object]", value), indent + 2)


def _emit_mapping(out: list[str], mapping: Mapping[Any, object], indent: int, first: str) -> None:
    """Write a non-empty block mapping; ``first`` prefixes the first key (e.g. ``"  - "``)."""
    pad = " " * indent
    prefix = first
    for key, value in mapping.items():
        key_text = _yaml_str(str(key))
        if len(key_text) > 1000:  # too long for an implicit key
            out.append(f"{prefix}? {key_text}")
            head = pad + ":"
        else:
            head = f"{prefix}{key_text}:"
        _emit_entry(out, head, value, indent)
        prefix = pad


def _emit_sequence(out: list[str], items: Sequence[object], indent: int) -> None:
    """Write a non-empty block sequence."""
    pad = " " * indent
    for item in items:
        inline = _yaml_scalar(item) if not _is_container(item) else None
        inline = inline or _yaml_inline(item, _WIDTH - indent - 2)
        if inline is not None:
            out.append(f"{pad}- {inline}")
        elif isinstance(item, dict):
            _emit_mapping(out, item, indent + 2, pad + "- ")
        else:
            out.append(pad + "-")
            _emit_sequence(out, cast("Sequence[object]", item), indent + 2)
