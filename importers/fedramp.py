"""FedRAMP marketplace data, as ``fedramp`` evidence for services a chain already has.

The marketplace lists cloud service offerings (CSOs) by provider (CSP) with their FedRAMP status,
impact level and authorization date. It says nothing about anyone's supply chain, so it is read
against the chain the result will join (``Source.existing``: ``--existing`` or ``--into`` on the
command line, the register in the service): each authorized product becomes one piece of
evidence for the services of that chain that are the product. Without that chain the file is
refused, saying how to give it.

Three layouts are read (ADR 33):

- the GSA marketplace data (``{"meta", "data": {"Products": [...]}}``), products with ``csp`` and
  ``cso``;
- its older layout, the same with the provider in ``name`` and the offering in
  ``service_offering`` (what later files also call ``csp`` and ``cso``);
- FedRAMP's product export (``{"metadata", "products": [...]}``).

FedRAMP's status changelog names no providers or offerings and is refused with a pointer to the
product export.

A product matches a service of the chain when

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
``x-`` keys. A matched product that is not authorized (in process, ready) is a warning; the
products that match no service are one warning that counts them and names the first few. A file
from which no evidence comes (no products, none matching, none of those authorized) is refused
with those counts. At most :data:`importers.base.MAX_ERRORS` lines of errors are given, the last
counting the errors not listed.

The result is a chain that ``ketenkaart check`` accepts alone and after the chain it was
matched against: the evidence, and what it refers to copied unchanged from that chain (its
offerings, the services they are and the services the evidence covers, their suppliers and
those suppliers' parents), which merges with the chain as identical repeats.

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
>>> result.chain.offerings, list(result.chain.services)
(('app',), ['app', 'azure'])
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from graph.errors import ChainError
from graph.i18n import N_, gettext, ngettext
from graph.model import Chain, Service
from importers.base import ImportIssue, ImportResult, Source, too_big
from importers.chainfile import dump_plain, load_plain, merge_chains
from importers.chainfile.yaml12 import library_words
from importers.errorcap import capped

__all__ = ["IMPORTER", "FedrampImporter", "names_match", "words"]

EXAMPLES: Final = 3
"""How many unmatched products the one warning about them names."""

_LEGAL_FORMS: Final = frozenset(
    """inc incorporated llc ltd limited corp corporation co company gmbh ag bv nv sa sas sarl
    plc lp llp pty as asa ab oy srl spa kg se""".split()  # noqa: SIM905 - a table reads better
)
_WORD = re.compile(r"[a-z0-9]+")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T[0-9:.]+(?:Z|[+-][0-9:]+)?)?")
_AUTHORIZED = "FedRAMP Authorized"
# A product's provider and offering: the current key, then the older layout's.
_NAMES: Final = (("csp", "name"), ("cso", "service_offering"))
_NOT_TEXT: Final = {
    "bool": N_("expected text, found bool"),
    "list": N_("expected text, found list"),
    "dict": N_("expected text, found dict"),
}
"""What a product's field holds instead of text, by the JSON value's Python type."""


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


def _providers_match(ours: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    shorter = min(len(ours), len(theirs))
    return shorter > 0 and ours[:shorter] == theirs[:shorter]


def _offering_names(csp: str, cso: str) -> tuple[tuple[str, ...], ...]:
    """The service names (as words) that are the product ``csp``: ``cso``."""
    return (words(cso), words(csp) + words(cso), _provider_words(csp) + words(cso))


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
    if not _providers_match(_provider_words(supplier), _provider_words(csp)):
        return False
    return words(service) in _offering_names(csp, cso)


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

    @property
    def label(self) -> str:
        return f"{self.csp}: {self.cso}"


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
    found = type(value).__name__
    message = gettext(_NOT_TEXT[found]) if found in _NOT_TEXT else found
    issues.append(ImportIssue(f"{where}.{key}", message))
    return ""


def _name(
    row: Mapping[str, object], keys: tuple[str, str], where: str, issues: list[ImportIssue]
) -> str:
    """A product's provider or offering: the current key (``csp``), else the older one
    (``name``); missing from both is an error naming the key the row's layout uses."""
    current, older = keys
    key = older if current not in row and older in row else current
    value = _text(row, key, where, issues)
    if not value and not isinstance(row.get(key), list | dict):
        if key == current:
            message = gettext(
                "missing (or {older}, as older files call it); a product needs it"
            ).format(older=repr(older))
        else:
            message = gettext("missing; a product needs it")
        issues.append(ImportIssue(f"{where}.{key}", message))
    return value


def _rows(document: object) -> tuple[list[object], str, bool]:
    """The product rows, the path of their list, and whether it is the GSA layout."""
    if not isinstance(document, dict):
        raise _Refused(ImportIssue("", gettext("the file is not a JSON object")))
    data = document.get("data")
    if isinstance(data, dict) and "Products" in data:
        rows, base, gsa = data["Products"], "data.Products", True
    elif "products" in document and isinstance(document["products"], list):
        rows, base, gsa = document["products"], "products", False
    elif isinstance(document.get("products"), dict):
        raise _Refused(
            ImportIssue(
                "products",
                gettext(
                    "this is FedRAMP's status changelog; it names no providers or offerings to "
                    "match; import the product export (fedramp-products.json) instead"
                ),
            )
        )
    else:
        keys = ", ".join(repr(key) for key in list(document)[:5]) or gettext("none")
        message = gettext(
            "not FedRAMP marketplace data: expected 'data.Products' (GSA marketplace) or "
            "'products' (FedRAMP export) at the top; found {keys}"
        )
        raise _Refused(ImportIssue("", message.format(keys=keys)))
    if not isinstance(rows, list):
        raise _Refused(ImportIssue(base, gettext("expected a list of products")))
    if not rows:
        raise _Refused(
            ImportIssue(base, gettext("the file lists no products; there is nothing to import"))
        )
    return rows, base, gsa


def _products(document: object, issues: list[ImportIssue]) -> tuple[list[_Product], str]:
    rows, base, gsa = _rows(document)
    found: list[_Product] = []
    for index, row in enumerate(rows):
        where = f"{base}[{index}]"
        if not isinstance(row, dict):
            issues.append(ImportIssue(where, gettext("expected a product object")))
            continue
        ident = _text(row, "id", where, issues)
        if not ident and not isinstance(row.get("id"), list | dict):
            issues.append(ImportIssue(f"{where}.id", gettext("missing; a product needs it")))
        csp, cso = (_name(row, keys, where, issues) for keys in _NAMES)
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
    return found, base


class _Index:
    """The chain's services by package id and by name (as words), to match products at once."""

    def __init__(self, chain: Chain) -> None:
        self.by_package: dict[str, list[Service]] = {}
        self.by_name: dict[tuple[str, ...], list[tuple[Service, tuple[str, ...]]]] = {}
        for service in chain.services.values():
            package = service.extra.get("x-fedramp-id")
            if isinstance(package, str) and package:
                self.by_package.setdefault(package.upper(), []).append(service)
            supplier = chain.suppliers.get(service.supplier)
            if supplier is not None:
                self.by_name.setdefault(words(service.name), []).append(
                    (service, _provider_words(supplier.name))
                )

    def matches(self, product: _Product) -> list[Service]:
        """The services that are ``product``, in the chain's order, each once."""
        found: dict[str, Service] = {}
        if product.id:
            found.update((s.id, s) for s in self.by_package.get(product.id.upper(), []))
        theirs = _provider_words(product.csp)
        for name in dict.fromkeys(_offering_names(product.csp, product.cso)):
            for service, ours in self.by_name.get(name, []):
                if _providers_match(ours, theirs):
                    found.setdefault(service.id, service)
        return list(found.values())


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
    evidence["scope"] = product.label
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


_NO_REGISTER = N_(
    "FedRAMP marketplace data is evidence for the services of a chain, and names no offering of "
    "its own: give the chain whose services it authorizes with --existing CHAIN (or import it "
    "--into CHAIN); in the service, import it into a register that holds those services"
)


def read_marketplace(data: bytes, source: Source) -> ImportResult:
    """Import FedRAMP marketplace data as evidence for the services of ``source.existing``.

    Parameters
    ----------
    data : bytes
        The marketplace JSON (GSA marketplace data, in its current or older layout, or
        FedRAMP's product export).
    source : Source
        Its name, and the chain (``existing``) whose services the products are matched to.

    Returns
    -------
    ImportResult
        A chain of the evidence and what it refers to in ``source.existing`` (its offerings,
        the covered services, their suppliers); unauthorized or unmatched products are
        warnings. No chain to match against, or no evidence at all, is an error.

    Examples
    --------
    >>> result = read_marketplace(b'{"products": []}', Source("fedramp.json"))
    >>> print(result.issues[0].message)  # doctest: +ELLIPSIS
    FedRAMP marketplace data is evidence for the services of a chain, ...--existing CHAIN...
    """
    big = too_big(data, source)
    if big is not None:
        return big
    empty = Chain(offerings=())
    register = source.existing
    if register is None:
        return ImportResult(
            empty, (ImportIssue("", gettext(_NO_REGISTER)),), filename=source.filename
        )
    issues: list[ImportIssue] = []
    try:
        products, base = _products(_document(data), issues)
    except _Refused as refused:
        return ImportResult(empty, (*issues, refused.args[0]), filename=source.filename)
    if any(issue.severity == "error" for issue in issues):
        return ImportResult(empty, capped(issues), filename=source.filename)
    index = _Index(register)
    evidence: list[dict[str, object]] = []
    unmatched: list[_Product] = []
    matched = 0
    for product in products:
        services = index.matches(product)
        if not services:
            unmatched.append(product)
            continue
        matched += 1
        names = ", ".join(repr(service.id) for service in services)
        if product.status != _AUTHORIZED:
            if product.status:
                message = gettext(
                    "matches {names} but its status is {status}, not {authorized}; no evidence"
                )
            else:
                message = gettext(
                    "matches {names} but its status is 'empty', not {authorized}; no evidence"
                )
            issues.append(
                ImportIssue(
                    product.where,
                    message.format(
                        names=names, status=repr(product.status), authorized=repr(_AUTHORIZED)
                    ),
                    "warning",
                    kind=gettext("matched product not authorized"),
                )
            )
            continue
        if not (product.authorized and _DATE.fullmatch(product.authorized)):
            issues.append(
                ImportIssue(
                    product.where,
                    gettext(
                        "authorized, but the authorization date {date} is not a date; the "
                        "evidence has no issue date"
                    ).format(date=repr(product.authorized or "")),
                    "warning",
                    kind=gettext("authorization date not a date"),
                )
            )
        by_holder: dict[str, list[str]] = {}
        for service in services:
            by_holder.setdefault(service.supplier, []).append(service.id)
        for holder, covers in by_holder.items():
            evidence_id = f"fedramp-{_slug(product.id)}"
            if len(by_holder) > 1:
                evidence_id = f"{evidence_id}-{holder}"
            evidence.append(_evidence(product, holder, covers, evidence_id))
    if not evidence:
        issues.append(ImportIssue(base, _nothing(products, matched, register)))
        return ImportResult(empty, tuple(issues), filename=source.filename)
    if unmatched:
        issues.append(_unmatched(unmatched, base))
    try:
        chain = _carried(evidence, register, source.filename)
    except ChainError as err:
        issues.extend(ImportIssue(issue.path, issue.message) for issue in err.issues)
        return ImportResult(empty, capped(issues), filename=source.filename)
    return ImportResult(chain, tuple(issues), filename=source.filename)


def _document(data: bytes) -> object:
    """The file's JSON; raises :class:`_Refused` when it is not UTF-8 or not JSON."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        message = gettext("not UTF-8 text (byte offset {offset})").format(offset=err.start)
        raise _Refused(ImportIssue("", message)) from None
    except json.JSONDecodeError as err:
        place = gettext("line {line}, column {column}").format(line=err.lineno, column=err.colno)
        message = gettext("not valid JSON: {problem}").format(problem=library_words(err.msg))
        raise _Refused(ImportIssue(place, message)) from None
    except RecursionError:
        raise _Refused(ImportIssue("", gettext("the file is nested too deeply"))) from None


def _nothing(products: Sequence[_Product], matched: int, register: Chain) -> str:
    """Why a file gives no evidence, with what it holds."""
    authorized = sum(product.status == _AUTHORIZED for product in products)
    found = ngettext(
        "the file lists {count} product ({authorized} {status})",
        "the file lists {count} products ({authorized} {status})",
        len(products),
    ).format(count=len(products), authorized=authorized, status=repr(_AUTHORIZED))
    if not matched:
        services = ngettext("{count} service", "{count} services", len(register.services))
        return gettext(
            "nothing to import: {found}, and none of them is a service of the chain "
            "({services}; matched by FedRAMP package id, or by provider and offering name)"
        ).format(found=found, services=services.format(count=len(register.services)))
    return ngettext(
        "nothing to import: {found}; {count} product matches a service of the chain, "
        "but none of those is {status}",
        "nothing to import: {found}; {count} products match a service of the chain, "
        "but none of those is {status}",
        matched,
    ).format(found=found, count=matched, status=repr(_AUTHORIZED))


def _unmatched(products: Sequence[_Product], base: str) -> ImportIssue:
    """One warning for every product that matches no service: the count and a few names.

    >>> print(_unmatched([_product("A", "B"), _product("C", "D")], "products").message)
    2 marketplace products match no service of the chain and give no evidence: 'A: B', 'C: D'
    >>> print(_unmatched([_product("A", "B")] * 4, "products").message)
    4 marketplace products match no service of the chain and give no evidence, e.g. 'A: B', \
'A: B', 'A: B'
    """
    names = ", ".join(repr(product.label) for product in products[:EXAMPLES])
    if len(products) > EXAMPLES:
        message = ngettext(
            "{count} marketplace product matches no service of the chain and gives no "
            "evidence, e.g. {names}",
            "{count} marketplace products match no service of the chain and give no evidence, "
            "e.g. {names}",
            len(products),
        )
    else:
        message = ngettext(
            "{count} marketplace product matches no service of the chain and gives no "
            "evidence: {names}",
            "{count} marketplace products match no service of the chain and give no evidence: "
            "{names}",
            len(products),
        )
    return ImportIssue(
        base,
        message.format(count=len(products), names=names),
        "warning",
        kind=gettext("product matches no service"),
    )


def _product(csp: str, cso: str) -> _Product:
    """A product with only names (for the examples)."""
    return _Product("", "", csp, cso, "", None, None, None, None, None, None)


def _carried(evidence: list[dict[str, object]], register: Chain, filename: str) -> Chain:
    """The evidence as a chain of its own: with the chain's offerings, the services those are
    and the evidence covers, and their suppliers (and parents), all as the chain has them."""
    services = dict.fromkeys(register.offerings)
    for item in evidence:
        covers = item["covers"]
        assert isinstance(covers, list)  # noqa: S101 - built just above, a list of ids
        services.update(dict.fromkeys(covers))
    suppliers: dict[str, None] = {}
    for key in services:
        parent: str | None = register.services[key].supplier
        while parent is not None and parent not in suppliers and parent in register.suppliers:
            suppliers[parent] = None
            parent = register.suppliers[parent].parent
    own = Chain(
        offerings=register.offerings,
        suppliers={k: v for k, v in register.suppliers.items() if k in suppliers},
        services={k: v for k, v in register.services.items() if k in services},
    )
    document = dump_plain(own)
    document["evidence"] = evidence
    chain = load_plain(document, source=filename)
    merge_chains([register, chain], filenames=[gettext("<the chain matched against>"), filename])
    return chain


@dataclass(frozen=True, slots=True)
class FedrampImporter:
    """FedRAMP marketplace JSON, matched to the services of a chain."""

    name: str = "fedramp"
    description: str = "FedRAMP marketplace data (JSON): authorizations for the chain's services"

    def sniff(self, head: bytes, filename: str) -> bool:
        """Marketplace products (``"csp"`` and ``"cso"`` keys, or the older layout's
        ``"Products"`` with ``"service_offering"``) or the status changelog.

        >>> IMPORTER.sniff(b'{"products": [{"id": "F1", "csp": "A", "cso": "B"}]}', "x.json")
        True
        >>> IMPORTER.sniff(b'{"data": {"Products": [{"name": "A", "service_offering": "B"}]}}', "")
        True
        >>> IMPORTER.sniff(b'{"ketenkaart": 1}', "chain.json")
        False
        """
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return False
        return (
            (b'"csp"' in head and b'"cso"' in head)
            or (b'"Products"' in head and b'"service_offering"' in head)
            or b"FedRAMP status changelog" in head
        )

    def parse(self, data: bytes, source: Source) -> ImportResult:
        """The evidence the marketplace gives the chain; see :func:`read_marketplace`."""
        return read_marketplace(data, source)


IMPORTER: Final = FedrampImporter()
"""The FedRAMP marketplace importer for the registry."""
