"""The chain as DORA's register of information: templates B_05.01 and B_05.02 as CSV.

DORA (Regulation (EU) 2022/2554) has financial entities keep a register of information on their
ICT third-party arrangements; the EBA's reporting template names every column by a code. This
module writes two of its templates from a chain:

- **B_05.01**, *ICT third-party service providers*: one row per legal entity (supplier) that
  provides a link of the walk, with its identification code, name, type of person, country and
  ultimate parent;
- **B_05.02**, *ICT service supply chains*: one row per link of the walk, with the contractual
  arrangement it hangs under, the type of ICT service, the provider, the rank and the recipient.

The rank is the walk's (:func:`graph.scope.walk`, the ``rank`` of
:class:`graph.verdicts.LinkResult`): an offering's direct providers are rank 1, their providers
rank 2, as verdicts.md defines it. The offering's supplier is the entity keeping the register.

What the chain does not hold (a LEI, a country, a contract reference, the costs) is left empty
or filled by a documented fallback, and said in a warning the caller shows
(:attr:`Register.warnings`). Every text cell goes through :func:`importers.base.safe_cell`.

>>> from graph.model import Chain, Dependency, Kind, Service, Supplier
>>> chain = Chain(
...     offerings=("app",),
...     suppliers={
...         "acme": Supplier(id="acme", name="Acme B.V.", country="NL"),
...         "host": Supplier(id="host", name="Host SE", country="DE",
...                          ids={"lei": "529900T8BM49AURSDO55"}),
...     },
...     services={
...         "app": Service(id="app", name="App", supplier="acme", kind=Kind.SAAS),
...         "vm": Service(id="vm", name="VM", supplier="host", kind=Kind.IAAS),
...     },
...     dependencies={("app", "vm"): Dependency("app", "vm", contract="C-1")},
... )
>>> print(export_b0502(chain).decode())  # doctest: +NORMALIZE_WHITESPACE
b_05.02.0010,b_05.02.0020,b_05.02.0030,b_05.02.0040,b_05.02.0050,b_05.02.0060,b_05.02.0070
C-1,eba_TA:S17,529900T8BM49AURSDO55,LEI,1,,
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from graph.i18n import gettext
from graph.model import Chain, Dependency, Kind, Supplier
from graph.scope import ScopedLink, walk
from graph.verdicts import CheckResult, LinkResult
from importers.base import ImportIssue, safe_cell


class Column(NamedTuple):
    """A column of an EBA template: its code (the CSV header) and its name in the template."""

    code: str
    name: str


# The column codes and names of the EBA's DORA register of information reporting template,
# "EBA_XLS_Master_Template_DORA_RoI_dryrun_unprotected.xlsx", sheets b_05.01 and b_05.02
# (row 4: the codes, row 5: the names). tests/importers/test_dora.py holds them against it.
B0501_COLUMNS: tuple[Column, ...] = (
    Column("b_05.01.0010", "Identification code of ICT third-party service provider"),
    Column("b_05.01.0020", "Type of code to identify the ICT third-party service provider"),
    Column("b_05.01.0030", "Name of the ICT third-party service provider"),
    Column("b_05.01.0040", "Type of person of the ICT third-party service provider"),
    Column("b_05.01.0050", "Country of the ICT third-party service provider's headquarters"),
    Column("b_05.01.0060", "Currency of the amount reported in RT.05.01.0070"),
    Column(
        "b_05.01.0070",
        "Total annual expense or estimated cost of the ICT third-party service provider",
    ),
    Column(
        "b_05.01.0080",
        "Identification code of the ICT third-party service provider's ultimate parent undertaking",
    ),
    Column(
        "b_05.01.0090",
        "Type of code to identify the ICT third-party service provider's ultimate parent "
        "undertaking",
    ),
)
B0502_COLUMNS: tuple[Column, ...] = (
    Column("b_05.02.0010", "Contractual arrangement reference number"),
    Column("b_05.02.0020", "Type of ICT services"),
    Column("b_05.02.0030", "Identification code of the ICT third-party service provider"),
    Column("b_05.02.0040", "Type of code to identify the ICT third-party service provider"),
    Column("b_05.02.0050", "Rank"),
    Column("b_05.02.0060", "Identification code of the recipient of sub-contracted ICT services"),
    Column("b_05.02.0070", "Type of code to identify the recipient of sub-contracted ICT services"),
)

B0501_FILENAME = "b_05.01.csv"
B0502_FILENAME = "b_05.02.csv"

# Closed sets of the same template ("Drop down" sheet): the types of ICT services of Annex III
# (LISTANNEXIII) and the type of person (LIST0501040); countries are written as eba_GA:<code>.
ICT_SERVICE_TYPES: Mapping[str, str] = {
    "S01": "ICT project management",
    "S02": "ICT Development",
    "S03": "ICT help desk and first level support",
    "S04": "ICT security management services",
    "S05": "Provision of data",
    "S06": "Data analysis",
    "S07": "ICT, facilities and hosting services (excluding Cloud services)",
    "S08": "Computation",
    "S09": "Non-Cloud Data storage",
    "S10": "Telecom carrier",
    "S11": "Network infrastructure",
    "S12": "Hardware and physical devices",
    "S13": "Software licencing (excluding SaaS)",
    "S14": "ICT operation management (including maintenance)",
    "S15": "ICT Consulting",
    "S16": "ICT Risk management",
    "S17": "Cloud services: IaaS",
    "S18": "Cloud services: PaaS",
    "S19": "Cloud services: SaaS",
}
_TYPE_BY_KIND: Mapping[Kind, str] = {
    Kind.IAAS: "S17",
    Kind.PAAS: "S18",
    Kind.SAAS: "S19",
    Kind.MANAGED: "S14",
}
LEGAL_PERSON = "eba_CT:x212"
"""Type of person: "Legal person, excluding individual acting in a business capacity"."""

SERVICE_TYPE_KEY = "x-dora-ict-service"
"""The ``x-`` key on a dependency or a service that sets its type of ICT service (``S01``..)."""

_COUNTRY = re.compile(r"[A-Z]{2}")
_VAT_COUNTRY = {"EL": "GR"}  # Greek VAT numbers start with EL; the template wants ISO 3166


class ProviderCode(NamedTuple):
    """How the register names a legal entity: a code and its type of code (``LEI``,
    ``NL_CRN``, ...; empty when no code of the template's kinds is known)."""

    code: str
    type: str


@dataclass(frozen=True, slots=True)
class Register:
    """The two templates as CSV files by name, and what a person should check or fill in."""

    files: Mapping[str, bytes]
    warnings: tuple[ImportIssue, ...]

    def to_zip(self) -> bytes:
        """The files in one zip, byte for byte the same for the same chain.

        >>> sorted(zipfile.ZipFile(io.BytesIO(Register({"a.csv": b"x"}, ()).to_zip()))
        ...        .namelist())
        ['a.csv']
        """
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.files):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.files[name])
        return out.getvalue()


LinkSource = CheckResult | Iterable[ScopedLink] | None
"""What the links and ranks come from: a check result, the walk itself, or None (walk the
chain's offerings)."""


def provider_code(supplier: Supplier) -> ProviderCode:
    """The code that names ``supplier`` in the register, by the template's rules.

    The LEI (type ``LEI``) when the supplier has one; else its EUID (type ``<country>_CRN``,
    the country from the EUID's first two letters); else its KvK number (``NL_CRN``); else its
    VAT number (``<country>_VAT``, the country from the number's prefix, ``EL`` read as
    ``GR``); else the chain's supplier id with an empty type, which no authority accepts: the
    row stays so the gap shows.

    >>> provider_code(Supplier(id="x", name="X", ids={"lei": "529900T8BM49AURSDO55"}))
    ProviderCode(code='529900T8BM49AURSDO55', type='LEI')
    >>> provider_code(Supplier(id="x", name="X", ids={"euid": "NLNHR.12345678"}))
    ProviderCode(code='NLNHR.12345678', type='NL_CRN')
    >>> provider_code(Supplier(id="x", name="X", ids={"vat": "EL094014201"}))
    ProviderCode(code='EL094014201', type='GR_VAT')
    >>> provider_code(Supplier(id="x", name="X"))
    ProviderCode(code='x', type='')
    """
    ids = supplier.ids
    if ids.get("lei"):
        return ProviderCode(ids["lei"].strip(), "LEI")
    if ids.get("euid"):
        euid = ids["euid"].strip()
        return ProviderCode(euid, _typed(_country_prefix(euid) or supplier.country, "CRN"))
    if ids.get("kvk"):
        return ProviderCode(ids["kvk"].strip(), "NL_CRN")
    if ids.get("vat"):
        vat = ids["vat"].strip()
        prefix = _country_prefix(vat)
        country = _VAT_COUNTRY.get(prefix, prefix) if prefix else supplier.country
        return ProviderCode(vat, _typed(country, "VAT"))
    return ProviderCode(supplier.id, "")


def export_b0501(chain: Chain, links: LinkSource = None) -> bytes:
    """Template B_05.01 (ICT third-party service providers) as UTF-8 CSV.

    Parameters
    ----------
    chain
        The chain the links belong to.
    links
        A :class:`~graph.verdicts.CheckResult`, the :func:`~graph.scope.walk`, or None to walk
        from the chain's offerings.

    Returns
    -------
    bytes
        A header of the template's column codes, then a row per provider, by code. The warnings
        come with :func:`export_register`.

    >>> from graph.model import Service, Dependency
    >>> chain = Chain(
    ...     offerings=("app",),
    ...     suppliers={"a": Supplier(id="a", name="A"),
    ...                "b": Supplier(id="b", name="B GmbH", country="DE")},
    ...     services={"app": Service(id="app", name="App", supplier="a", kind=Kind.SAAS),
    ...               "db": Service(id="db", name="DB", supplier="b", kind=Kind.PAAS)},
    ...     dependencies={("app", "db"): Dependency("app", "db")},
    ... )
    >>> export_b0501(chain).decode().splitlines()[1]
    'b,,B GmbH,eba_CT:x212,eba_GA:DE,,,,'
    """
    return export_register(chain, links).files[B0501_FILENAME]


def export_b0502(chain: Chain, links: LinkSource = None) -> bytes:
    """Template B_05.02 (ICT service supply chains) as UTF-8 CSV.

    Parameters
    ----------
    chain
        The chain the links belong to.
    links
        A :class:`~graph.verdicts.CheckResult`, the :func:`~graph.scope.walk`, or None to walk
        from the chain's offerings.

    Returns
    -------
    bytes
        A header of the template's column codes, then a row per link of the walk between two
        legal entities, by (rank, from, to); identical rows once. The warnings come with
        :func:`export_register`.

    >>> from graph.model import Service, Dependency
    >>> chain = Chain(
    ...     offerings=("a",),
    ...     suppliers={s: Supplier(id=s, name=s, ids={"kvk": f"{n}" * 8})
    ...                for n, s in enumerate(("a", "b", "c"))},
    ...     services={s: Service(id=s, name=s, supplier=s, kind=Kind.PAAS) for s in "abc"},
    ...     dependencies={("a", "b"): Dependency("a", "b", contract="K1"),
    ...                   ("b", "c"): Dependency("b", "c")},
    ... )
    >>> print(export_b0502(chain).decode().splitlines()[2])
    K1,eba_TA:S18,22222222,NL_CRN,2,11111111,NL_CRN
    """
    return export_register(chain, links).files[B0502_FILENAME]


def export_register(chain: Chain, links: LinkSource = None) -> Register:
    """Both templates, by file name (``b_05.01.csv``, ``b_05.02.csv``), with the warnings.

    Parameters
    ----------
    chain
        The chain the links belong to.
    links
        A :class:`~graph.verdicts.CheckResult`, the :func:`~graph.scope.walk`, or None to walk
        from the chain's offerings.

    Returns
    -------
    Register
        The CSV files and the warnings: a provider without a LEI or without a country, a
        direct arrangement without a contract reference, a type of ICT service inferred from
        the service's kind, a link inside one legal entity, the costs the chain does not hold.

    >>> from graph.model import Service, Dependency
    >>> chain = Chain(
    ...     offerings=("app",),
    ...     suppliers={"a": Supplier(id="a", name="A"), "b": Supplier(id="b", name="B")},
    ...     services={"app": Service(id="app", name="App", supplier="a", kind=Kind.SAAS),
    ...               "db": Service(id="db", name="DB", supplier="b", kind=Kind.PAAS)},
    ...     dependencies={("app", "db"): Dependency("app", "db")},
    ... )
    >>> register = export_register(chain)
    >>> sorted(register.files)
    ['b_05.01.csv', 'b_05.02.csv']
    >>> print(register.warnings[0])
    suppliers[b].ids: no LEI, EUID, KvK or VAT number: b_05.01.0010 carries the chain's id 'b' \
and b_05.01.0020 is empty
    """
    warnings = _Warnings()
    scoped = _scoped_links(chain, links)
    codes: dict[str, ProviderCode] = {}

    def code_of(supplier_id: str) -> ProviderCode:
        found = codes.get(supplier_id)
        if found is None:
            found = codes[supplier_id] = provider_code(chain.suppliers[supplier_id])
            _code_warnings(chain.suppliers[supplier_id], found, warnings)
        return found

    rows: dict[tuple[str, ...], None] = {}
    providers: dict[str, None] = {}
    inferred: list[str] = []
    for dependency, rank, path in scoped:
        where = _link_place(dependency)
        consumer = chain.services[dependency.consumer]
        provider = chain.services[dependency.provider]
        if consumer.supplier == provider.supplier:
            warnings.add(
                where,
                gettext(
                    "both services belong to supplier {supplier}: a link inside one legal entity "
                    "is no sub-contracting and is left out of B_05.02; the links beyond it keep "
                    "the walk's rank ({rank} and up), which counts services, not contracts"
                ).format(supplier=repr(provider.supplier), rank=rank + 1),
            )
            continue
        service_type = _service_type(chain, dependency, warnings, inferred)
        code = code_of(provider.supplier)
        providers[provider.supplier] = None
        direct = chain.dependencies[(path[0], path[1])]
        if not direct.contract:
            warnings.add(
                f"{_link_place(direct)}.contract",
                gettext(
                    "no contract reference: b_05.02.0010 is empty for the supply chain of this "
                    "direct arrangement"
                ),
            )
        recipient = ProviderCode("", "") if rank == 1 else code_of(consumer.supplier)
        row = (direct.contract or "", service_type, *code, str(rank), *recipient)
        rows.setdefault(row, None)
    if inferred:
        warnings.add(
            "dependencies",
            gettext(
                "the type of ICT service (b_05.02.0020) of {count} link(s) is inferred from the "
                "provider's kind (iaas S17, paas S18, saas S19, managed S14): {links}; "
                "classifying is the financial entity's call, set {key} on the dependency or the "
                "service to state it"
            ).format(count=len(inferred), links=_some(inferred), key=SERVICE_TYPE_KEY),
        )
    b0501 = [_b0501_row(chain, sid, code_of, warnings) for sid in providers]
    b0501.sort()
    _duplicate_codes(chain, providers, codes, warnings)
    if providers:
        warnings.add(
            "b_05.01.0060, b_05.01.0070",
            gettext(
                "the chain holds no costs: the currency and the total annual expense are empty; "
                "the expense is mandatory for direct providers"
            ),
        )
    return Register(
        files={
            B0501_FILENAME: _csv([c.code for c in B0501_COLUMNS], b0501),
            B0502_FILENAME: _csv([c.code for c in B0502_COLUMNS], list(rows)),
        },
        warnings=warnings.issues(),
    )


class _Warnings:
    """Warnings in the order found, each once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], None] = {}

    def add(self, where: str, message: str) -> None:
        self._seen.setdefault((where, message), None)

    def issues(self) -> tuple[ImportIssue, ...]:
        return tuple(ImportIssue(w, m, severity="warning") for w, m in self._seen)


def _scoped_links(chain: Chain, links: LinkSource) -> list[tuple[Dependency, int, tuple[str, ...]]]:
    """The links of the walk, as (dependency, rank, path), by (rank, from, to)."""
    if links is None:
        from graph.build import build_graph  # noqa: PLC0415 - networkx when the walk is needed

        found: Iterable[ScopedLink | LinkResult] = walk(
            build_graph(chain), offerings=chain.offerings
        )
    elif isinstance(links, CheckResult):
        found = links.links
    else:
        found = links
    out = []
    for link in found:
        if isinstance(link, ScopedLink):
            out.append((link.dependency, link.rank, link.path))
            continue
        dependency = chain.dependencies.get((link.consumer, link.provider))
        if dependency is None:
            raise ValueError(
                f"link {link.consumer} -> {link.provider} of the check result is not a "
                f"dependency of the chain: export the chain that was checked"
            )
        out.append((dependency, link.rank, link.path))
    out.sort(key=lambda item: (item[1], *item[0].key))
    return out


def _service_type(
    chain: Chain, dependency: Dependency, warnings: _Warnings, inferred: list[str]
) -> str:
    """The link's type of ICT service as ``eba_TA:Snn``: stated, else inferred, else empty."""
    provider = chain.services[dependency.provider]
    for where, extra in (
        (_link_place(dependency), dependency.extra),
        (f"services[{provider.id}]", provider.extra),
    ):
        stated = extra.get(SERVICE_TYPE_KEY)
        if stated is None:
            continue
        code = str(stated).strip().removeprefix("eba_TA:").upper()
        if code in ICT_SERVICE_TYPES:
            return f"eba_TA:{code}"
        warnings.add(
            f"{where}.{SERVICE_TYPE_KEY}",
            gettext(
                "{value} is not a type of ICT service of Annex III (S01 to S19); ignored"
            ).format(value=repr(stated)),
        )
    inferred_code = _TYPE_BY_KIND.get(provider.kind)
    if inferred_code is None:
        warnings.add(
            _link_place(dependency),
            gettext(
                "the provider's kind is {kind}: b_05.02.0020 (type of ICT service) is empty; "
                "set {key} (S01 to S19)"
            ).format(kind=repr(provider.kind.value), key=SERVICE_TYPE_KEY),
        )
        return ""
    inferred.append(f"{dependency.consumer} -> {dependency.provider}")
    return f"eba_TA:{inferred_code}"


def _b0501_row(
    chain: Chain, supplier_id: str, code_of: Callable[[str], ProviderCode], warnings: _Warnings
) -> tuple[str, ...]:
    supplier = chain.suppliers[supplier_id]
    country = supplier.country or ""
    if not country:
        warnings.add(
            f"suppliers[{supplier_id}].country",
            gettext("no country: b_05.01.0050 (country of the headquarters) is empty"),
        )
    parent = _ultimate_parent(chain, supplier)
    parent_code = ProviderCode("", "") if parent is None else code_of(parent)
    return (
        *code_of(supplier_id),
        supplier.name,
        LEGAL_PERSON,
        f"eba_GA:{country}" if country else "",
        "",
        "",
        *parent_code,
    )


def _ultimate_parent(chain: Chain, supplier: Supplier) -> str | None:
    """The id of the last supplier up the ``parent`` links, None when there is no parent."""
    seen = {supplier.id}
    current = supplier
    while current.parent is not None and current.parent in chain.suppliers:
        if current.parent in seen:
            break  # a loop of parents: stop at the last one not seen twice
        seen.add(current.parent)
        current = chain.suppliers[current.parent]
    return None if current.id == supplier.id else current.id


def _code_warnings(supplier: Supplier, code: ProviderCode, warnings: _Warnings) -> None:
    where = f"suppliers[{supplier.id}].ids"
    if code.type == "LEI":
        return
    if not code.type:
        warnings.add(
            where,
            gettext(
                "no LEI, EUID, KvK or VAT number: b_05.01.0010 carries the chain's id {id} and "
                "b_05.01.0020 is empty"
            ).format(id=repr(supplier.id)),
        )
        return
    if code.type.startswith("_"):
        warnings.add(
            f"suppliers[{supplier.id}].country",
            gettext("no country for the type of code of {code}: b_05.01.0020 is {type}").format(
                code=repr(code.code), type=repr(code.type)
            ),
        )
    warnings.add(
        where,
        gettext(
            "no LEI: identified by {code} ({type}); the template asks a legal person's LEI"
        ).format(code=repr(code.code), type=code.type),
    )


def _duplicate_codes(
    chain: Chain,
    providers: Iterable[str],
    codes: Mapping[str, ProviderCode],
    warnings: _Warnings,
) -> None:
    by_code: dict[ProviderCode, list[str]] = {}
    for sid in providers:
        by_code.setdefault(codes[sid], []).append(sid)
    for code, sids in sorted(by_code.items()):
        if len(sids) > 1:
            names = ", ".join(repr(s) for s in sorted(sids))
            warnings.add(
                "b_05.01.0010",
                gettext(
                    "suppliers {names} share the code {code}: the template takes one row per "
                    "provider"
                ).format(names=names, code=repr(code.code)),
            )


def _some(items: Sequence[str], shown: int = 10) -> str:
    """The first ``shown`` items, and how many more."""
    more = len(items) - shown
    listed = ", ".join(items[:shown])
    return (
        gettext("{shown} and {more} more").format(shown=listed, more=more) if more > 0 else listed
    )


def _link_place(dependency: Dependency) -> str:
    return f"dependencies[{dependency.consumer} -> {dependency.provider}]"


def _country_prefix(code: str) -> str | None:
    prefix = code[:2].upper()
    return prefix if _COUNTRY.fullmatch(prefix) else None


def _typed(country: str | None, kind: str) -> str:
    return f"{country or ''}_{kind}"


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")
