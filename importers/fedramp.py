"""FedRAMP marketplace data, as ``fedramp`` evidence for services the register already has.

The marketplace lists cloud service offerings (CSOs) by provider (CSP) with their FedRAMP status,
impact level and authorization date. It says nothing about anyone's supply chain, so it is read
against the register the result will join (``Source.existing``): each authorized product becomes
one piece of evidence for the services of that register that are the product.

Two layouts are read: the GSA marketplace data (``{"meta", "data": {"Products": [...]}}``) and
FedRAMP's product export (``{"metadata", "products": [...]}``). FedRAMP's status changelog names
no providers or offerings and is refused with a pointer to the product export.

A product matches a service of the register when

- the service's ``x-fedramp-id`` (the OSCAL importer keeps a leveraged system's FedRAMP package
  id there) is the product's id; or
- the provider names match and the offering names match. Names are compared as words: lower
  case, accents and punctuation dropped, ``&`` read as ``and``; a provider's legal form at the
  end (``Inc.``, ``LLC``, ``B.V.``, ``GmbH``...) is dropped. Provider names match when one's words
  begin the other's (``Amazon`` matches ``Amazon Web Services EMEA SARL``); offering names match
  when the service's name is the CSO's name, or the CSP's and CSO's names together, with or
  without the CSP's legal form (``Akamai Content Delivery Services``).

An authorized product (status ``FedRAMP Authorized``) gives one piece of ``fedramp`` evidence per
supplier of the services it matches: ``issued`` on the authorization date, the 3PAO as issuer,
the FedRAMP revision as ``version``, impact level, path, deployment model, status and package id as
``x-`` keys. A matched product that is not authorized (in process, ready) and a product that
matches no service are warnings, and give nothing. The result holds only the evidence; its holders
and covered services are the register's.

>>> from graph.model import Chain, Kind, Service, Supplier
>>> register = Chain(offerings=("app",),
...     suppliers={"me": Supplier("me", "Me"), "ms": Supplier("ms", "Microsoft Corporation")},
...     services={"app": Service("app", "App", "me", Kind.SAAS),
...               "azure": Service("azure", "Azure Commercial Cloud", "ms", Kind.IAAS)})
>>> data = b'''{"metadata": {}, "products": [{"id": "F1209051525", "csp": "Microsoft",
...   "cso": "Azure Commercial Cloud", "public_status": "FedRAMP Authorized",
...   "impact_level": "High", "auth_date": "2013-10-24T04:00:00.000Z"}]}'''
>>> result = IMPORTER.parse(data, Source("fedramp-products.json", existing=register))
>>> evidence = result.chain.evidence["fedramp-f1209051525"]
>>> evidence.holder, evidence.covers, evidence.issued.isoformat(), evidence.extra["x-impact-level"]
('ms', ('azure',), '2013-10-24', 'High')
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from graph.errors import ChainError
from graph.model import Chain, Service
from importers.base import ImportIssue, ImportResult, Source, too_big
from importers.chainfile import load_plain, merge_chains

__all__ = ["IMPORTER", "FedrampImporter", "names_match", "words"]

_LEGAL_FORMS: Final = frozenset(
    """inc incorporated llc ltd limited corp corporation co company gmbh ag bv nv sa sas sarl
    plc lp llp pty as asa ab oy srl spa kg se""".split()  # noqa: SIM905 - a table reads better
)
_WORD = re.compile(r"[a-z0-9]+")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T[0-9:.]+(?:Z|[+-][0-9:]+)?)?")
_AUTHORIZED = "FedRAMP Authorized"


def words(text: str) -> tuple[str, ...]:
    """The words of a name as the matching compares them.

    >>> words("Amazon Web Services, Inc.")
    ('amazon', 'web', 'services', 'inc')
    >>> words("Office 365 Multi-Tenant & Supporting Services")
    ('office', '365', 'multi', 'tenant', 'and', 'supporting', 'services')
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return tuple(_WORD.findall(ascii_text.lower().replace("&", " and ")))


def _provider_words(text: str) -> tuple[str, ...]:
    found = list(words(text))
    while len(found) > 1 and (found[-1] in _LEGAL_FORMS or found[-1] == "and"):
        found.pop()
    if len(found) > 2 and found[-2:] in (["b", "v"], ["n", "v"], ["s", "a"]):
        del found[-2:]
    return tuple(found)


def names_match(*, csp: str, cso: str, supplier: str, service: str) -> bool:
    """Whether a marketplace product (``csp``, ``cso``) is ``service`` of ``supplier``.

    >>> names_match(csp="Amazon", cso="AWS GovCloud",
    ...             supplier="Amazon Web Services EMEA SARL", service="aws govcloud")
    True
    >>> names_match(csp="Akamai", cso="Content Delivery Services",
    ...             supplier="Akamai Technologies, Inc.",
    ...             service="Akamai Content-Delivery Services")
    True
    >>> names_match(csp="Amazon", cso="AWS GovCloud", supplier="Google LLC", service="AWS GovCloud")
    False
    """
    ours, theirs = _provider_words(supplier), _provider_words(csp)
    shorter = min(len(ours), len(theirs))
    if shorter == 0 or ours[:shorter] != theirs[:shorter]:
        return False
    name = words(service)
    return name in (words(cso), words(csp) + words(cso), theirs + words(cso))


@dataclass(frozen=True, slots=True)
class _Product:
    """One marketplace product, whatever the layout."""

    where: str
    id: str
    csp: str
    cso: str
    status: str
    impact_level: str | None
    authorized: str | None
    assessor: str | None
    path: str | None
    revision: str | None
    deployment: str | None


class _Refused(Exception):  # noqa: N818 - a way out, not an error kind
    """The file cannot be read at all; the issue says why."""


def _text(item: Mapping[str, object], key: str, where: str, issues: list[ImportIssue]) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    issues.append(ImportIssue(f"{where}.{key}", f"expected text, found {type(value).__name__}"))
    return ""


def _products(document: object, issues: list[ImportIssue]) -> list[_Product]:
    if not isinstance(document, dict):
        raise _Refused(ImportIssue("", "the file is not a JSON object"))
    data = document.get("data")
    if isinstance(data, dict) and "Products" in data:
        rows, base, gsa = data["Products"], "data.Products", True
    elif "products" in document and isinstance(document["products"], list):
        rows, base, gsa = document["products"], "products", False
    elif isinstance(document.get("products"), dict):
        raise _Refused(
            ImportIssue(
                "products",
                "this is FedRAMP's status changelog; it names no providers or offerings to match; "
                "import the product export (fedramp-products.json) instead",
            )
        )
    else:
        keys = ", ".join(repr(key) for key in list(document)[:5]) or "none"
        raise _Refused(
            ImportIssue(
                "",
                "not FedRAMP marketplace data: expected 'data.Products' (GSA marketplace) or "
                f"'products' (FedRAMP export) at the top; found {keys}",
            )
        )
    if not isinstance(rows, list):
        raise _Refused(ImportIssue(base, "expected a list of products"))
    found: list[_Product] = []
    for index, row in enumerate(rows):
        where = f"{base}[{index}]"
        if not isinstance(row, dict):
            issues.append(ImportIssue(where, "expected a product object"))
            continue
        ident, csp, cso = (_text(row, key, where, issues) for key in ("id", "csp", "cso"))
        for key, value in (("id", ident), ("csp", csp), ("cso", cso)):
            if not value and not isinstance(row.get(key), list | dict):
                issues.append(ImportIssue(f"{where}.{key}", "missing; a product needs it"))
        if gsa:
            status = _text(row, "status", where, issues)
            path, revision = _text(row, "auth_type", where, issues), ""
            assessor = _text(row, "independent_assessor", where, issues)
            authorized = _text(row, "fedramp_auth", where, issues) or _text(
                row, "auth_date", where, issues
            )
        else:
            status = _text(row, "public_status", where, issues)
            path, revision = (_text(row, key, where, issues) for key in ("auth_path", "auth_type"))
            assessor = _text(row, "3pao_name", where, issues)
            authorized = _text(row, "auth_date", where, issues)
        found.append(
            _Product(
                where=f"{where} ({ident} {csp}: {cso})",
                id=ident,
                csp=csp,
                cso=cso,
                status=status,
                impact_level=_text(row, "impact_level", where, issues) or None,
                authorized=authorized or None,
                assessor=assessor if assessor not in ("", "N/A", "Not Active") else None,
                path=path or None,
                revision=revision or None,
                deployment=_text(row, "deployment_model", where, issues) or None,
            )
        )
    return found


def _matches(product: _Product, register: Chain) -> list[Service]:
    found = []
    for service in register.services.values():
        package = service.extra.get("x-fedramp-id")
        if isinstance(package, str) and product.id and package.upper() == product.id.upper():
            found.append(service)
            continue
        supplier = register.suppliers.get(service.supplier)
        if supplier is not None and names_match(
            csp=product.csp, cso=product.cso, supplier=supplier.name, service=service.name
        ):
            found.append(service)
    return found


def _evidence(
    product: _Product, holder: str, covers: Sequence[str], evidence_id: str
) -> dict[str, object]:
    evidence: dict[str, object] = {
        "id": evidence_id,
        "scheme": "fedramp",
        "holder": holder,
        "covers": list(covers),
    }
    if product.authorized:
        found = _DATE.fullmatch(product.authorized)
        if found is not None:
            evidence["issued"] = found.group(1)
    evidence["scope"] = f"{product.csp}: {product.cso}"
    if product.revision:
        evidence["version"] = product.revision
    if product.assessor:
        evidence["issuer"] = product.assessor
        evidence["issuer_qualification"] = "3pao"
    extra = {
        "x-fedramp-id": product.id,
        "x-impact-level": product.impact_level,
        "x-authorization-path": product.path,
        "x-deployment-model": product.deployment,
        "x-status": product.status,
    }
    evidence.update({key: value for key, value in extra.items() if value})
    return evidence


def _slug(text: str) -> str:
    return "-".join(words(text))[:80].strip("-") or "product"


def read_marketplace(data: bytes, source: Source) -> ImportResult:
    """Import FedRAMP marketplace data as evidence for the services of ``source.existing``.

    Parameters
    ----------
    data : bytes
        The marketplace JSON (GSA marketplace data or FedRAMP's product export).
    source : Source
        Its name, and the register (``existing``) whose services the products are matched to.

    Returns
    -------
    ImportResult
        A chain holding only evidence; unmatched or unauthorized products are warnings.

    Examples
    --------
    >>> result = read_marketplace(b'{"products": []}', Source("fedramp.json"))
    >>> print(result.issues[0].message)  # doctest: +ELLIPSIS
    FedRAMP marketplace data is matched against a register: ...
    """
    big = too_big(data, source)
    if big is not None:
        return big
    empty = Chain(offerings=())
    issues: list[ImportIssue] = []
    register = source.existing
    if register is None:
        issues.append(
            ImportIssue(
                "",
                "FedRAMP marketplace data is matched against a register: import it into a "
                "register that holds the services it authorizes",
            )
        )
        return ImportResult(empty, tuple(issues), filename=source.filename)
    try:
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as err:
            raise _Refused(ImportIssue("", f"not UTF-8 text (byte offset {err.start})")) from None
        except json.JSONDecodeError as err:
            raise _Refused(
                ImportIssue(f"line {err.lineno}, column {err.colno}", f"not valid JSON: {err.msg}")
            ) from None
        except RecursionError:
            raise _Refused(ImportIssue("", "the file is nested too deeply")) from None
        products = _products(document, issues)
    except _Refused as refused:
        return ImportResult(empty, (*issues, refused.args[0]), filename=source.filename)
    evidence: list[dict[str, object]] = []
    for product in products:
        if not (product.id and product.csp and product.cso):
            continue
        services = _matches(product, register)
        if not services:
            issues.append(
                ImportIssue(product.where, "matches no service of the register; skipped", "warning")
            )
            continue
        names = ", ".join(repr(service.id) for service in services)
        if product.status != _AUTHORIZED:
            issues.append(
                ImportIssue(
                    product.where,
                    f"matches {names} but its status is {product.status or 'empty'!r}, not "
                    f"{_AUTHORIZED!r}; no evidence",
                    "warning",
                )
            )
            continue
        if not (product.authorized and _DATE.fullmatch(product.authorized)):
            issues.append(
                ImportIssue(
                    product.where,
                    f"authorized, but the authorization date {product.authorized or ''!r} is not "
                    "a date; the evidence has no issue date",
                    "warning",
                )
            )
        by_holder: dict[str, list[str]] = {}
        for service in services:
            by_holder.setdefault(service.supplier, []).append(service.id)
        for holder, covers in by_holder.items():
            base = f"fedramp-{_slug(product.id)}"
            evidence_id = base if len(by_holder) == 1 else f"{base}-{holder}"
            evidence.append(_evidence(product, holder, covers, evidence_id))
    if any(issue.severity == "error" for issue in issues):
        return ImportResult(empty, tuple(issues), filename=source.filename)
    document_out = {"ketenkaart": 1, "offerings": [], "evidence": evidence}
    try:
        chain = _checked(document_out, register, source.filename)
    except ChainError as err:
        issues.extend(ImportIssue(issue.path, issue.message) for issue in err.issues)
        return ImportResult(empty, tuple(issues), filename=source.filename)
    return ImportResult(chain, tuple(issues), filename=source.filename)


def _checked(document: dict[str, object], register: Chain, filename: str) -> Chain:
    """The evidence as a chain, checked against the register it refers to."""
    if not document["evidence"]:
        return Chain(offerings=())
    own = {
        "ketenkaart": 1,
        "offerings": list(register.services)[:1],  # any service: the evidence is what is checked
        "suppliers": [{"id": key, "name": value.name} for key, value in register.suppliers.items()],
        "services": [
            {"id": key, "name": value.name, "supplier": value.supplier, "kind": value.kind.value}
            for key, value in register.services.items()
        ],
        "evidence": document["evidence"],
    }
    # The evidence's own rules, with its references resolved against the register's ids.
    chain = Chain(offerings=(), evidence=load_plain(own, source=filename).evidence)
    merge_chains([register, chain], filenames=["<register>", filename])
    return chain


@dataclass(frozen=True, slots=True)
class FedrampImporter:
    """FedRAMP marketplace JSON, matched to the register's services."""

    name: str = "fedramp"
    description: str = "FedRAMP marketplace data (JSON): authorizations for the register's services"

    def sniff(self, head: bytes, filename: str) -> bool:
        """Marketplace products (``"csp"`` and ``"cso"`` keys) or the status changelog.

        >>> IMPORTER.sniff(b'{"products": [{"id": "F1", "csp": "A", "cso": "B"}]}', "x.json")
        True
        >>> IMPORTER.sniff(b'{"ketenkaart": 1}', "chain.json")
        False
        """
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return False
        return (b'"csp"' in head and b'"cso"' in head) or b"FedRAMP status changelog" in head

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The evidence the marketplace gives the register; see :func:`read_marketplace`."""
        return read_marketplace(data, source)


IMPORTER: Final = FedrampImporter()
"""The FedRAMP marketplace importer for the registry."""
