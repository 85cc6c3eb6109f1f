"""Generate a realistic synthetic chain file (format version 1, written as JSON).

What it measures: nothing by itself. It makes the input that ``floor.py`` and ``bench_check.py``
read. It uses the standard library only and does not import the project, so the code under test
cannot shape its own input, and the same seed always gives the same bytes.

The shape of the chain:

- ``--offerings`` SaaS offerings at the top (the roots of the walk), then SaaS, managed and PaaS
  services, IaaS, and data-centre services (kind ``other``) at the bottom.
- Every service below the offerings hangs under one consumer above it (so the whole chain is
  reachable from the offerings); on top of that, every non-leaf service relies on 2-5 providers in
  all, drawn downwards with a Zipf-like popularity in which a few hyperscaler-like suppliers come
  first (high fan-in). About 0.1% of the links point back up and close a cycle.
- About 1.5% of the links are out of scope (``relevant: false`` with a reason).
- Roughly one supplier per 3-8 services, some with a parent group; evidence about 0.85 pieces per
  service, in the mix of schemes, dates, exceptions, CUECs and sub-service treatments that
  auditors meet. A piece covers 1-4 services of one supplier (held by that supplier or its
  parent); a supplier with more than 8 services holds a few broader pieces instead (see
  ``ChainGenerator.evidence_records``).

Usage::

    python bench/generate.py --services 20000 --seed 1 --output chain.json
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

Record = dict[str, Any]

KINDS = ("saas", "managed", "paas", "iaas", "other")
"""Kinds from the top of the chain to the bottom; services are laid out in this order."""

KIND_SHARES = {"saas": 0.30, "managed": 0.18, "paas": 0.17, "iaas": 0.20, "other": 0.15}
"""Share of the services below the offerings, per kind."""

HYPERSCALER_SHARES = {"saas": 0.02, "managed": 0.03, "paas": 0.10, "iaas": 0.25, "other": 0.0}
"""Share of each kind's services that the hyperscaler-like suppliers deliver."""

SERVICES_PER_SUPPLIER = 5.5  # vendors: one supplier per 3-8 services, on average
ZIPF_SUPPLIER_SIZE = 0.6  # how unequal vendor sizes are
ZIPF_POPULARITY = 0.8  # how strongly links go to the popular (hyperscaler-first) services
TREE_SKEW = 1.5  # > 1 hangs services nearer the top: a shallower chain
PROVIDERS_PER_SERVICE = ((2, 30), (3, 30), (4, 22), (5, 18))  # (providers, weight), non-leaves
CYCLE_SHARE = 0.001  # links that point back up and close a cycle
OUT_OF_SCOPE_SHARE = 0.015  # of the links that are not needed to reach a service
EVIDENCE_PER_SERVICE = 0.85
NO_EVIDENCE_SHARE = 0.12  # suppliers (not hyperscalers) without any evidence
SMALL_SUPPLIER = 8  # up to this many services, each piece covers 1-4 of them
BROAD_PIECE_SERVICES = 40  # a larger supplier holds one more (broad) piece per this many
MAX_BROAD_PIECES = 8  # even the largest provider publishes a bounded set of reports
SUBSERVICES_NAMED = 4  # sub-service organisations a report names at most

EEA = (
    *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT"),
    *("LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"),
)
LOCATION_WEIGHTS: dict[str, float] = {
    "NL": 30, "DE": 18, "IE": 12, "FR": 8, "BE": 6, "US": 6, "GB": 5, "SE": 3, "FI": 3, "DK": 3,
    "ES": 3, "IT": 3, "PL": 3, "AT": 2, "LU": 2, "CH": 2, "NO": 1,
}  # fmt: skip
MINOR_EEA_WEIGHT = 0.4
HYPERSCALER_REGIONS = ("IE", "DE", "NL", "FR", "SE")
LEGAL_FORMS = {
    "NL": "B.V.", "DE": "GmbH", "FR": "SAS", "IE": "Ltd.", "GB": "Ltd.", "US": "Inc.",
    "BE": "BV", "SE": "AB", "FI": "Oy", "DK": "ApS", "ES": "S.L.", "IT": "S.r.l.",
    "PL": "Sp. z o.o.", "AT": "GmbH", "LU": "S.a r.l.", "CH": "AG", "NO": "AS",
}  # fmt: skip
ACCREDITATION_BODIES = {
    "NL": "RvA", "DE": "DAkkS", "GB": "UKAS", "US": "ANAB", "FR": "COFRAC", "IE": "INAB",
    "ES": "ENAC", "IT": "ACCREDIA", "BE": "BELAC", "SE": "SWEDAC", "CH": "SAS",
    "AT": "Akkreditierung Austria",
}  # fmt: skip

WORDS = (
    *("blauw", "noord", "zuid", "oost", "west", "polder", "duin", "kluis", "wolk", "haven"),
    *("dijk", "molen", "tulp", "stroom", "brug", "kade", "delta", "gracht", "linde", "eik"),
    *("berg", "veld", "zee", "klok", "ster", "vonk", "rivier", "licht", "anker", "baken"),
    *("bright", "cloud", "data", "stack", "byte", "core", "grid", "vault", "signal", "atlas"),
    *("nova", "pixel", "orbit", "harbor", "summit", "ember", "quartz", "cobalt", "falcon"),
)
CATEGORY_SUFFIXES = {
    "saas": ("soft", "ware", "app", "desk", "flow", "works"),
    "managed": ("it", "beheer", "ops", "services", "support"),
    "paas": ("platform", "cloud", "apps", "stack"),
    "iaas": ("hosting", "compute", "servers", "infra"),
    "other": ("datacenters", "dc", "colo", "facilities"),
    "group": ("group", "holding", "partners"),
    "offering": ("online", "portal", "systems"),
}
HYPERSCALERS = (
    ("nimbus", "US"),
    ("stratus", "US"),
    ("cumulus", "US"),
    ("altus", "DE"),
    ("cirrus", "FR"),
)


class Product(NamedTuple):
    """A kind of service that suppliers sell, and the role a consumer relies on it for."""

    name: str
    role: str
    personal_data_share: float


PRODUCTS = {
    "saas": (
        Product("Mail", "e-mail", 0.9),
        Product("CRM", "customer relations", 0.9),
        Product("Payroll", "payroll processing", 1.0),
        Product("Ticketing", "service desk", 0.7),
        Product("Identity", "identity and access", 0.8),
        Product("Monitoring", "monitoring", 0.2),
        Product("Analytics", "usage analytics", 0.6),
        Product("E-Signing", "document signing", 0.8),
        Product("Chat", "customer chat", 0.8),
        Product("Forms", "web forms", 0.7),
        Product("Payments", "payment processing", 0.9),
        Product("SMS Gateway", "text messages", 0.8),
    ),
    "managed": (
        Product("Managed Backup", "backup", 0.6),
        Product("Patch Management", "patch management", 0.2),
        Product("Managed Firewall", "network security", 0.1),
        Product("SOC", "security monitoring", 0.4),
        Product("Managed Kubernetes", "container hosting", 0.5),
        Product("Service Desk", "first-line support", 0.5),
        Product("Managed Database", "database administration", 0.7),
    ),
    "paas": (
        Product("App Platform", "application platform", 0.5),
        Product("Object Storage", "file storage", 0.6),
        Product("Managed PostgreSQL", "database", 0.7),
        Product("Message Queue", "messaging", 0.3),
        Product("Functions", "serverless compute", 0.3),
        Product("Container Registry", "build and deploy", 0.0),
        Product("CDN", "content delivery", 0.1),
        Product("DNS", "name resolution", 0.0),
    ),
    "iaas": (
        Product("Compute", "hosting", 0.5),
        Product("Block Storage", "storage", 0.5),
        Product("Bare Metal", "hosting", 0.4),
        Product("Private Cloud", "hosting", 0.5),
        Product("VPS", "hosting", 0.4),
    ),
    "other": (
        Product("Colocation", "colocation", 0.0),
        Product("Data Centre", "colocation", 0.0),
        Product("Power and Cooling", "facilities", 0.0),
        Product("Dark Fibre", "connectivity", 0.0),
        Product("Remote Hands", "on-site support", 0.0),
    ),
}
OUT_OF_SCOPE_REASONS = (
    "No access to systems or data",
    "Only public marketing content is processed",
    "Decommissioned; no customer data left at the provider",
    "Used for internal test environments without production data",
    "Covered by the customer's own contract with the provider",
)

REPORT_SCHEMES = ("isae3402", "isae3000", "soc1", "soc2", "tpm", "c5", "csa-star-attestation")
CERTIFICATE_SCHEMES = ("iso27001", "nen7510", "hds", "tisax", "csa-star-certification")
SCHEME_WEIGHTS = {
    "soc2": 28, "isae3402": 22, "iso27001": 21, "zeker-online": 6, "isae3000": 2, "soc1": 1,
    "tpm": 1, "c5": 1.5, "csa-star-attestation": 0.5, "soc3": 3, "nen7510": 1, "hds": 0.5,
    "tisax": 0.5, "csa-star-certification": 0.5, "eucs": 1, "fedramp": 1.5, "pci-dss": 3,
    "csa-star-self": 1, "self-declaration": 4, "bridge-letter": 0.5,
}  # fmt: skip
DATA_CENTRE_SCHEME_WEIGHTS = {
    "iso27001": 55,
    "isae3402": 25,
    "soc2": 10,
    "nen7510": 5,
    "pci-dss": 5,
}
CERTIFICATE_VERSIONS = {
    "iso27001": (
        ("ISO/IEC 27001:2022", 78),
        ("ISO/IEC 27001:2013", 12),
        ("ISO/IEC 27001:2022 + ISO/IEC 27017:2015 + ISO/IEC 27018:2019", 10),
    ),
    "nen7510": (("NEN 7510-1:2017+A1:2020", 1),),
    "hds": (("HDS 2.0", 1),),
    "tisax": (("VDA ISA 6.0", 1),),
    "csa-star-certification": (("CCM v4 + ISO/IEC 27001:2022", 1),),
}
PERIOD_MONTHS = (12, 9, 6, 7, 8, 10, 11, 4, 3)
PERIOD_MONTH_WEIGHTS = (50, 15, 18, 2, 2, 2, 2, 5, 4)
"""Tested periods of type 2 reports: mostly 6-12 months, a few too short."""
REPORT_CRITERIA = ("availability", "confidentiality", "processing-integrity", "privacy")
FINANCIAL_CRITERIA = ["change-management", "logical-access", "computer-operations"]
AUDITORS = (
    ("Voorbeeld IT-Audit B.V.", "re"),
    ("Polder Assurance B.V.", "re"),
    ("Example Assurance LLP", "cpa"),
    ("Sample & Partners LLP", "cpa"),
    ("Musterpruefung GmbH WPG", "wp"),
    ("Kade Register Accountants", "ra"),
)
CERTIFIERS = (
    "Voorbeeld Certificering B.V.",
    "Example Certification Ltd.",
    "Muster Zertifizierung GmbH",
)
EXCEPTION_CRITERIA = ("CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC8.1", "A1.2", "C1.1")
CUEC_TEXTS = (
    "Customers review the access of their own administrators quarterly",
    "Customers manage their own user accounts and passwords",
    "Customers encrypt data before uploading it",
    "Customers configure backups of their own workloads",
    "Customers report security incidents to the provider without delay",
    "Customers restrict network access to their instances",
)


@dataclass(slots=True)
class Supplier:
    """A supplier being planned, with the indexes of the services it delivers."""

    id: str
    name: str
    country: str
    category: str
    parent: str | None = None
    services: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Service:
    """A service being planned; its place in the list is its layer (smaller is higher)."""

    id: str
    name: str
    kind: str
    supplier: str
    product: Product
    locations: list[str]
    personal_data: bool
    hyperscaler: bool


@dataclass(slots=True)
class Link:
    """A dependency being planned: how it came to be decides whether it may go out of scope."""

    consumer: int
    provider: int
    origin: str  # "tree" (keeps the chain reachable), "extra" or "cycle"


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic that clamps to the month's last day."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, days_in_month(year, month + 1)))


def days_in_month(year: int, month: int) -> int:
    """Number of days of a calendar month."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - timedelta(days=1)).day


def month_end(year: int, month: int) -> date:
    """The last day of a calendar month."""
    return date(year, month, days_in_month(year, month))


def zipf_weights(count: int, exponent: float) -> list[float]:
    """Weights 1/(rank+1)^exponent for ranks 0..count-1."""
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


class ChainGenerator:
    """Plans a chain step by step and turns the plan into a chain-file document."""

    def __init__(self, *, services: int, offerings: int, seed: int) -> None:
        self.total = services
        self.offering_count = offerings
        self.seed = seed
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()
        self.suppliers: dict[str, Supplier] = {}
        self.services: list[Service] = []
        self.links: list[Link] = []
        self.link_keys: set[tuple[int, int]] = set()
        self.providers: list[list[int]] = []
        self.tree_consumer: list[int] = []
        self.kind_start: dict[str, int] = {}
        self.groups: list[Supplier] = []
        self.hyperscaler_units: list[Supplier] = []
        locations = dict(LOCATION_WEIGHTS)
        for country in EEA:
            locations.setdefault(country, MINOR_EEA_WEIGHT)
        self.location_codes = list(locations)
        self.location_cum = list(itertools.accumulate(locations.values()))

    # -- the plan ---------------------------------------------------------------------------

    def generate(self) -> Record:
        """The whole chain file as a JSON-ready document."""
        kinds = self.plan_kinds()
        self.make_group_suppliers()
        self.make_hyperscalers()
        self.make_offerings()
        self.make_kind_services(kinds)
        self.link_tree()
        self.link_extra()
        self.link_cycles()
        return {
            "ketenkaart": 1,
            "title": f"Synthetic supply chain of {self.total} services (seed {self.seed})",
            "offerings": [service.id for service in self.services[: self.offering_count]],
            "suppliers": [self.supplier_record(supplier) for supplier in self.suppliers.values()],
            "services": [self.service_record(service) for service in self.services],
            "dependencies": self.dependency_records(),
            "evidence": self.evidence_records(),
        }

    def plan_kinds(self) -> dict[str, int]:
        """How many services of each kind lie below the offerings (at least one each)."""
        below = self.total - self.offering_count
        counts = {kind: max(1, round(below * KIND_SHARES[kind])) for kind in KINDS}
        counts["saas"] += below - sum(counts.values())
        return counts

    # -- suppliers --------------------------------------------------------------------------

    def unique_id(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``... when taken (suppliers and services alike)."""
        candidate = base
        for number in itertools.count(2):
            if candidate not in self.used_ids:
                break
            candidate = f"{base}-{number}"
        self.used_ids.add(candidate)
        return candidate

    def pick_location(self) -> str:
        """One country code, mostly from the EEA, some US, GB and CH."""
        point = self.rng.random() * self.location_cum[-1]
        return self.location_codes[bisect.bisect_right(self.location_cum, point)]

    def new_supplier(self, category: str, *, country: str | None = None) -> Supplier:
        """A supplier with an invented name in the style of its category and country."""
        word = self.rng.choice(WORDS)
        suffix = self.rng.choice(CATEGORY_SUFFIXES[category])
        country = country or self.pick_location()
        supplier_id = self.unique_id(f"{word}{suffix}")
        legal_form = LEGAL_FORMS.get(country, "Ltd.")
        name = f"{word.capitalize()}{suffix} {legal_form}"
        supplier = Supplier(id=supplier_id, name=name, country=country, category=category)
        self.suppliers[supplier_id] = supplier
        return supplier

    def make_group_suppliers(self) -> None:
        """Parent groups (holding companies without services of their own), some nested."""
        count = max(1, round(self.total / SERVICES_PER_SUPPLIER / 40))
        self.groups = [self.new_supplier("group") for _ in range(count)]
        for index, group in enumerate(self.groups[1:], start=1):
            if self.rng.random() < 0.25:
                group.parent = self.rng.choice(self.groups[:index]).id

    def make_hyperscalers(self) -> None:
        """A few big providers: a parent company and regional subsidiaries."""
        for stem, country in HYPERSCALERS:
            parent = self.add_fixed_supplier(stem, f"{stem.capitalize()} Cloud", country)
            self.hyperscaler_units.append(parent)
            for region in HYPERSCALER_REGIONS[: self.rng.randint(2, 4)]:
                unit_id = f"{stem}-{region.lower()}"
                unit = self.add_fixed_supplier(unit_id, f"{stem.capitalize()} Cloud", region)
                unit.parent = parent.id
                self.hyperscaler_units.append(unit)

    def add_fixed_supplier(self, supplier_id: str, name: str, country: str) -> Supplier:
        """A hyperscaler unit, whose id is chosen rather than drawn."""
        supplier_id = self.unique_id(supplier_id)
        legal_name = f"{name} {LEGAL_FORMS.get(country, 'Ltd.')}"
        supplier = Supplier(supplier_id, legal_name, country, "hyperscaler")
        self.suppliers[supplier_id] = supplier
        return supplier

    def maybe_join_group(self, supplier: Supplier) -> None:
        """About one supplier in eight belongs to a parent group."""
        if self.rng.random() < 0.12:
            supplier.parent = self.rng.choice(self.groups).id

    # -- services ---------------------------------------------------------------------------

    def make_offerings(self) -> None:
        """The offerings under audit, each from its own supplier."""
        self.kind_start["offering"] = 0
        for _ in range(self.offering_count):
            supplier = self.new_supplier("offering", country="NL")
            self.maybe_join_group(supplier)
            product = self.rng.choice(PRODUCTS["saas"])
            self.add_service(supplier, "saas", product, hyperscaler=False, personal_data=True)

    def make_kind_services(self, counts: dict[str, int]) -> None:
        """The services of each kind, in layer order, shared between hyperscalers and vendors."""
        for kind in KINDS:
            self.kind_start[kind] = len(self.services)
            hyperscaler_count = round(counts[kind] * HYPERSCALER_SHARES[kind])
            owners = self.hyperscaler_owners(hyperscaler_count)
            owners += self.vendor_owners(kind, counts[kind] - hyperscaler_count)
            self.rng.shuffle(owners)
            for supplier in owners:
                product = self.rng.choice(PRODUCTS[kind])
                personal_data = self.rng.random() < product.personal_data_share
                hyperscaler = supplier.category == "hyperscaler"
                self.add_service(
                    supplier, kind, product, hyperscaler=hyperscaler, personal_data=personal_data
                )
        self.kind_start["end"] = len(self.services)

    def hyperscaler_owners(self, count: int) -> list[Supplier]:
        """The hyperscaler unit delivering each of ``count`` services."""
        return [self.rng.choice(self.hyperscaler_units) for _ in range(count)]

    def vendor_owners(self, kind: str, count: int) -> list[Supplier]:
        """New vendors for ``count`` services: one service each, the rest by Zipf size."""
        if count == 0:
            return []
        vendor_count = max(1, round(count / SERVICES_PER_SUPPLIER))
        vendors = [self.new_supplier(kind) for _ in range(vendor_count)]
        for vendor in vendors:
            self.maybe_join_group(vendor)
        weights = zipf_weights(vendor_count, ZIPF_SUPPLIER_SIZE)
        extra = self.rng.choices(vendors, weights=weights, k=count - vendor_count)
        return vendors + extra

    def add_service(
        self,
        supplier: Supplier,
        kind: str,
        product: Product,
        *,
        hyperscaler: bool,
        personal_data: bool,
    ) -> None:
        """Append one service to the plan."""
        slug = product.name.lower().replace(" and ", "-").replace(" ", "-")
        service_id = self.unique_id(f"{supplier.id}-{slug}-{len(supplier.services) + 1}")
        name = f"{supplier.name.split()[0]} {product.name} {len(supplier.services) + 1}"
        supplier.services.append(len(self.services))
        self.services.append(
            Service(
                id=service_id,
                name=name,
                kind=kind,
                supplier=supplier.id,
                product=product,
                locations=self.service_locations(supplier, hyperscaler),
                personal_data=personal_data,
                hyperscaler=hyperscaler,
            )
        )

    def service_locations(self, supplier: Supplier, hyperscaler: bool) -> list[str]:
        """One to three countries, starting from the supplier's own (or its region)."""
        locations = [supplier.country]
        if hyperscaler and supplier.country == "US":
            locations = [self.rng.choice(HYPERSCALER_REGIONS)]
        while len(locations) < 3 and self.rng.random() < 0.25:
            extra = self.pick_location()
            if extra not in locations:
                locations.append(extra)
        return locations

    # -- links ------------------------------------------------------------------------------

    def add_link(self, consumer: int, provider: int, origin: str) -> bool:
        """Add ``consumer -> provider`` unless it exists or is a self-loop."""
        key = (consumer, provider)
        if consumer == provider or key in self.link_keys:
            return False
        self.link_keys.add(key)
        self.links.append(Link(consumer, provider, origin))
        self.providers[consumer].append(provider)
        return True

    def consumer_range(self, index: int) -> tuple[int, int]:
        """Where the consumer that keeps service ``index`` reachable may lie (above it)."""
        kind = self.services[index].kind
        if kind == "other":
            return self.kind_start["managed"], self.kind_start["other"]
        if kind == "iaas":
            return self.offering_count, index
        return 0, index

    def link_tree(self) -> None:
        """Hang every service below the offerings under one consumer above it."""
        self.providers = [[] for _ in self.services]
        self.tree_consumer = [-1] * len(self.services)
        for index in range(self.offering_count, len(self.services)):
            low, high = self.consumer_range(index)
            consumer = low + int((high - low) * self.rng.random() ** TREE_SKEW)
            self.tree_consumer[index] = consumer
            self.add_link(consumer, index, "tree")

    def popularity_cumulative(self) -> list[float]:
        """Cumulative Zipf popularity per service index; hyperscaler services rank first."""
        ranked = list(range(self.offering_count, len(self.services)))
        self.rng.shuffle(ranked)
        ranked.sort(key=lambda index: not self.services[index].hyperscaler)
        weights = [0.0] * len(self.services)
        for rank, index in enumerate(ranked):
            weights[index] = 1.0 / (rank + 1) ** ZIPF_POPULARITY
        return list(itertools.accumulate(weights))

    def link_extra(self) -> None:
        """Give every non-leaf service 2-5 providers in all, drawn below it by popularity."""
        cumulative = self.popularity_cumulative()
        sizes = [size for size, _ in PROVIDERS_PER_SERVICE]
        size_weights = [weight for _, weight in PROVIDERS_PER_SERVICE]
        for index in range(self.kind_start["other"]):
            target = self.rng.choices(sizes, weights=size_weights)[0]
            attempts = 4 * target
            while len(self.providers[index]) < target and attempts > 0:
                attempts -= 1
                provider = self.draw_below(index, cumulative)
                if provider is not None:
                    self.add_link(index, provider, "extra")

    def draw_below(self, index: int, cumulative: Sequence[float]) -> int | None:
        """A provider with a larger index than ``index``, drawn by popularity."""
        low = cumulative[index]
        span = cumulative[-1] - low
        if span <= 0:
            return None
        point = low + self.rng.random() * span
        provider = bisect.bisect_right(cumulative, point)
        return min(provider, len(cumulative) - 1) if provider > index else None

    def link_cycles(self) -> None:
        """Close a few small cycles: a service relying on the consumer of its consumer.

        Only services reached by their tree link alone, under a consumer reached the same way,
        close a cycle; otherwise the many paths through popular providers would merge the cycles
        into one strongly connected component of thousands of services.
        """
        wanted = max(1, round(len(self.links) * CYCLE_SHARE))
        consumers = [0] * len(self.services)
        for link in self.links:
            consumers[link.provider] += 1
        candidates = [
            index
            for index in range(self.offering_count, len(self.services))
            if self.tree_consumer[index] >= self.offering_count
            and consumers[index] == 1
            and consumers[self.tree_consumer[index]] == 1
        ]
        for index in self.rng.sample(candidates, min(wanted, len(candidates))):
            parent = self.tree_consumer[index]
            grandparent = self.tree_consumer[parent]
            target = grandparent if grandparent >= self.offering_count else parent
            self.add_link(index, target, "cycle")

    # -- records ----------------------------------------------------------------------------

    def supplier_record(self, supplier: Supplier) -> Record:
        """The chain-file entry of one supplier."""
        record: Record = {"id": supplier.id, "name": supplier.name, "country": supplier.country}
        ids = self.legal_ids(supplier)
        if ids:
            record["ids"] = ids
        if supplier.parent:
            record["parent"] = supplier.parent
        if self.rng.random() < 0.2:
            domain = supplier.id.replace(".", "-")
            record["contact"] = {
                "name": "Privacy Office",
                "email": f"privacy@{domain}.example",
            }
        return record

    def legal_ids(self, supplier: Supplier) -> dict[str, str]:
        """Some legal identifiers: a KvK number for Dutch companies, an LEI for some."""
        ids: dict[str, str] = {}
        if supplier.country == "NL" and self.rng.random() < 0.7:
            ids["kvk"] = f"{self.rng.randrange(10**7, 10**8)}"
        if self.rng.random() < 0.15:
            prefix = "".join(self.rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=18))
            ids["lei"] = f"{prefix}{self.rng.randrange(100):02d}"
        return ids

    def service_record(self, service: Service) -> Record:
        """The chain-file entry of one service."""
        record: Record = {
            "id": service.id,
            "name": service.name,
            "supplier": service.supplier,
            "kind": service.kind,
            "locations": service.locations,
        }
        if service.personal_data:
            record["personal_data"] = True
        if self.rng.random() < 0.1:
            record["description"] = f"{service.product.name} for {service.product.role}"
        return record

    def dependency_records(self) -> list[Record]:
        """The chain-file entries of every link, consumers in layer order."""
        self.links.sort(key=lambda link: (link.consumer, link.provider))
        return [self.dependency_record(link) for link in self.links]

    def dependency_record(self, link: Link) -> Record:
        """The chain-file entry of one link."""
        provider = self.services[link.provider]
        record: Record = {
            "from": self.services[link.consumer].id,
            "to": provider.id,
            "role": provider.product.role,
        }
        foundational = provider.kind in ("iaas", "other")
        if self.rng.random() < (0.6 if foundational else 0.25):
            record["critical"] = True
        if link.origin == "extra" and self.rng.random() < OUT_OF_SCOPE_SHARE:
            record["relevant"] = False
            record["reason"] = self.rng.choice(OUT_OF_SCOPE_REASONS)
        if self.rng.random() < 0.05:
            record["personal_data"] = not provider.personal_data
        if len(provider.locations) > 1 and self.rng.random() < 0.3:
            record["locations"] = provider.locations[:1]
        if self.rng.random() < 0.2:
            record["contract"] = f"C-{self.rng.randint(2019, 2026)}-{self.rng.randrange(1000):03d}"
        return record

    # -- evidence ---------------------------------------------------------------------------

    def evidence_records(self) -> list[Record]:
        """About 0.85 pieces of evidence per service, supplier by supplier.

        A small supplier holds pieces in proportion to its services, each covering 1-4 of them.
        A large one (more than ``SMALL_SUPPLIER`` services) holds only a few more pieces than a
        small one, each covering a broad share of its services, as real providers do: one SOC 2
        report for a hundred services, not a hundred reports. Were it otherwise, every link into
        a large supplier would consider hundreds of pieces (all held by the provider's supplier).
        However large, a supplier publishes at most ``MAX_BROAD_PIECES`` broad pieces (a SOC 1,
        SOC 2 and SOC 3 report, ISO certificates, a C5 attestation...).
        """
        holders = [
            supplier
            for supplier in self.suppliers.values()
            if supplier.services
            and (supplier.category == "hyperscaler" or self.rng.random() >= NO_EVIDENCE_SHARE)
        ]
        broad = sum(self.broad_pieces(len(supplier.services)) for supplier in holders)
        target = EVIDENCE_PER_SERVICE * len(self.services) - broad
        base = sum(min(len(supplier.services), SMALL_SUPPLIER) for supplier in holders)
        rate = max(target, 0) / base if base else 0.0
        records: list[Record] = []
        for supplier in holders:
            size = len(supplier.services)
            expected = rate * min(size, SMALL_SUPPLIER)
            count = int(expected) + (self.rng.random() < expected - int(expected))
            count += self.broad_pieces(size)
            for number in range(1, count + 1):
                records.append(self.evidence_record(supplier, number))
        return records

    @staticmethod
    def broad_pieces(size: int) -> int:
        """The pieces a supplier holds beyond those of a small supplier."""
        return min(MAX_BROAD_PIECES, max(0, size - SMALL_SUPPLIER) // BROAD_PIECE_SERVICES)

    def cover_size(self, size: int) -> int:
        """How many of a supplier's ``size`` services one piece covers."""
        if size <= SMALL_SUPPLIER:
            return min(size, self.rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0])
        return self.rng.randint(max(1, size // 8), max(4, size // 3))

    def evidence_holder(self, supplier: Supplier) -> str:
        """Usually the supplier itself; sometimes its parent company."""
        share = 0.4 if supplier.category == "hyperscaler" else 0.25
        if supplier.parent and self.rng.random() < share:
            return supplier.parent
        return supplier.id

    def pick_scheme(self, supplier: Supplier) -> str:
        """A scheme from the mix auditors meet; data centres lean towards ISO 27001."""
        table = DATA_CENTRE_SCHEME_WEIGHTS if supplier.category == "other" else SCHEME_WEIGHTS
        return self.rng.choices(list(table), weights=list(table.values()))[0]

    def evidence_record(self, supplier: Supplier, number: int) -> Record:
        """One piece of evidence covering some services of ``supplier``."""
        scheme = self.pick_scheme(supplier)
        holder = self.evidence_holder(supplier)
        size = self.cover_size(len(supplier.services))
        covered = sorted(self.rng.sample(supplier.services, size))
        record: Record = {
            "id": f"{supplier.id}-{scheme}-{number}",
            "scheme": scheme,
            "holder": holder,
            "covers": [self.services[index].id for index in covered],
        }
        record.update(self.scheme_fields(scheme, supplier, covered))
        record.update(self.common_evidence_fields(record["id"], covered))
        return record

    def scheme_fields(self, scheme: str, supplier: Supplier, covered: list[int]) -> Record:
        """The fields that depend on what kind of evidence it is."""
        if scheme in REPORT_SCHEMES:
            return self.report_fields(scheme, covered)
        if scheme in CERTIFICATE_SCHEMES:
            return self.certificate_fields(scheme, supplier)
        if scheme in ("zeker-online", "pci-dss"):
            return self.yearly_label_fields(scheme)
        if scheme in ("eucs", "fedramp"):
            return self.authorisation_fields(scheme)
        if scheme == "soc3":
            return self.summary_report_fields()
        if scheme == "bridge-letter":
            return self.bridge_letter_only_fields()
        return self.self_declaration_fields()

    def report_end(self) -> date:
        """A tested period's end: mostly current, some stale, a few long gone."""
        roll = self.rng.random()
        if roll < 0.75:
            month_index = self.rng.randint(2025 * 12 + 11, 2026 * 12 + 8)
        elif roll < 0.9:
            month_index = self.rng.randint(2025 * 12 + 5, 2025 * 12 + 10)
        else:
            month_index = self.rng.randint(2024 * 12 + 5, 2025 * 12 + 4)
        year, month = divmod(month_index, 12)
        return month_end(year, month + 1)

    def report_fields(self, scheme: str, covered: list[int]) -> Record:
        """An assurance report: type 1 or 2, period, criteria, exceptions, CUECs, sub-services."""
        issuer, qualification = self.rng.choice(AUDITORS)
        record: Record = {"issuer": issuer, "issuer_qualification": qualification}
        if self.rng.random() < 0.01:
            record["issuer_qualification"] = "none"
        end = self.report_end()
        if self.rng.random() < 0.1:
            record["type"] = 1
            record["as_of"] = end.isoformat()
        else:
            record["type"] = 2
            months = self.rng.choices(PERIOD_MONTHS, PERIOD_MONTH_WEIGHTS)[0]
            start = add_months(end + timedelta(days=1), -months)
            record["period"] = {"from": start.isoformat(), "to": end.isoformat()}
            if self.rng.random() < 0.15:
                record["bridge_letter"] = self.bridge_letter(end)
        record["issued"] = (end + timedelta(days=self.rng.randint(25, 100))).isoformat()
        record.update(self.report_opinion(scheme))
        criteria = self.report_criteria(scheme)
        if criteria:
            record["criteria"] = criteria
        record.update(self.report_findings())
        record["subservices"] = self.subservices(covered)
        return record

    def bridge_letter(self, period_end: date) -> Record:
        """A management bridge letter for up to three months after the period."""
        start = period_end + timedelta(days=1)
        end = add_months(start, self.rng.choice((3, 3, 3, 2, 6))) - timedelta(days=1)
        return {"from": start.isoformat(), "to": end.isoformat(), "signed_by": "management"}

    def report_opinion(self, scheme: str) -> Record:
        """Mostly a reasonable-assurance, unqualified opinion (left as the defaults)."""
        record: Record = {}
        limited_share = 0.15 if scheme == "isae3000" else 0.02
        if self.rng.random() < limited_share:
            record["assurance"] = "limited"
        roll = self.rng.random()
        if roll < 0.04:
            record["opinion"] = "qualified"
        elif roll < 0.05:
            record["opinion"] = self.rng.choice(("adverse", "disclaimer"))
        elif roll < 0.3:
            record["opinion"] = "unqualified"
        return record

    def report_criteria(self, scheme: str) -> list[str]:
        """Trust services criteria, or control areas of a financial-reporting report."""
        roll = self.rng.random()
        financial = scheme in ("isae3402", "soc1")
        if roll < 0.15 or scheme == "c5":
            return []
        if financial and roll < 0.4:
            return list(FINANCIAL_CRITERIA)
        extra = [name for name in REPORT_CRITERIA if self.rng.random() < 0.6]
        if self.rng.random() < 0.08 and "availability" in extra:
            extra.remove("availability")
        return ["security", *extra]

    def report_findings(self) -> Record:
        """Exceptions (some reports) and complementary user entity controls (about half)."""
        record: Record = {}
        if self.rng.random() < 0.15:
            record["exceptions"] = [
                {
                    "criterion": self.rng.choice(EXCEPTION_CRITERIA),
                    "description": "Deviation found in a sample of the tested population",
                    "response": "Management has remediated the deviation",
                }
                for _ in range(self.rng.randint(1, 3))
            ]
        if self.rng.random() < 0.5:
            texts = self.rng.sample(CUEC_TEXTS, self.rng.randint(1, 4))
            record["cuecs"] = [
                {"id": f"CUEC-{number:02d}", "text": text, "addressed": self.rng.random() < 0.7}
                for number, text in enumerate(texts, start=1)
            ]
        return record

    def subservices(self, covered: list[int]) -> Record:
        """Carve-out or inclusive treatment naming the covered services' real providers."""
        # A report names the sub-service organisations its system rests on: the few providers
        # most of the covered services share, not every provider of every covered service.
        usage = Counter(p for index in covered for p in self.providers[index])
        providers = sorted(p for p, _ in usage.most_common(SUBSERVICES_NAMED))
        provider_ids = [self.services[index].id for index in providers]
        roll = self.rng.random()
        if roll < 0.3 or not provider_ids:
            return {"method": "none"} if roll < 0.15 else {"method": "carve-out"}
        named = [pid for pid in provider_ids if self.rng.random() < 0.9]
        if self.rng.random() < 0.03:
            named.append(self.services[self.rng.randrange(len(self.services))].id)
        if roll < 0.85:
            return {"method": "carve-out", "carved_out": sorted(set(named))}
        included = named[: self.rng.randint(1, max(1, len(named)))]
        carved = [pid for pid in named if pid not in included]
        record: Record = {"method": "inclusive", "included": sorted(set(included))}
        if carved:
            record["carved_out"] = sorted(set(carved))
        return record

    def certificate_fields(self, scheme: str, supplier: Supplier) -> Record:
        """A management-system certificate: three-year cycle, accredited certification body."""
        versions = CERTIFICATE_VERSIONS[scheme]
        version = self.rng.choices([v for v, _ in versions], [w for _, w in versions])[0]
        first_year = 2021 if "2013" in version else 2023
        issued = date(first_year, 1, 1) + timedelta(days=self.rng.randint(0, 3 * 365 + 300))
        valid_until = add_months(issued, 36) - timedelta(days=1)
        if "2013" in version:
            valid_until = min(valid_until, date(2025, 10, 31))
        body = ACCREDITATION_BODIES.get(supplier.country, "IAF member body")
        return {
            "version": version,
            "issued": issued.isoformat(),
            "valid_until": valid_until.isoformat(),
            "issuer": self.rng.choice(CERTIFIERS),
            "issuer_qualification": "cb",
            "accreditation": {"body": body, "iaf_mla": self.rng.random() < 0.95},
        }

    def yearly_label_fields(self, scheme: str) -> Record:
        """A label or attestation renewed every year (Zeker-OnLine, PCI DSS)."""
        issued = date(2025, 9, 1) + timedelta(days=self.rng.randint(0, 450))
        record: Record = {
            "issued": issued.isoformat(),
            "valid_until": (add_months(issued, 12) - timedelta(days=1)).isoformat(),
        }
        if scheme == "pci-dss":
            record.update({"version": "PCI DSS v4.0.1", "issuer_qualification": "qsa"})
        return record

    def authorisation_fields(self, scheme: str) -> Record:
        """An EUCS certificate or FedRAMP authorisation, valid for three years."""
        issued = date(2024, 1, 1) + timedelta(days=self.rng.randint(0, 1000))
        qualification = "3pao" if scheme == "fedramp" else "cb"
        return {
            "issued": issued.isoformat(),
            "valid_until": (add_months(issued, 36) - timedelta(days=1)).isoformat(),
            "issuer_qualification": qualification,
            "version": "Moderate" if scheme == "fedramp" else "Substantial",
        }

    def summary_report_fields(self) -> Record:
        """A SOC 3 general-use report: a period, but no test detail."""
        end = self.report_end()
        start = add_months(end + timedelta(days=1), -12)
        return {
            "period": {"from": start.isoformat(), "to": end.isoformat()},
            "issued": (end + timedelta(days=60)).isoformat(),
            "criteria": ["security", "availability"],
        }

    def bridge_letter_only_fields(self) -> Record:
        """A management bridge letter on its own."""
        end = self.report_end()
        return {
            "issued": (end + timedelta(days=10)).isoformat(),
            "bridge_letter": self.bridge_letter(end),
        }

    def self_declaration_fields(self) -> Record:
        """A questionnaire, trust page or CSA STAR level 1 self-assessment."""
        issued = date(2024, 6, 1) + timedelta(days=self.rng.randint(0, 880))
        return {"issued": issued.isoformat(), "issuer_qualification": "none"}

    def common_evidence_fields(self, evidence_id: str, covered: list[int]) -> Record:
        """Fields any piece may carry: locations in scope, verification, a document."""
        record: Record = {}
        if self.rng.random() < 0.2:
            locations = sorted({c for index in covered for c in self.services[index].locations})
            if len(locations) > 1 and self.rng.random() < 0.25:
                locations = locations[:-1]
            record["locations"] = locations
        if self.rng.random() < 0.3:
            names = ", ".join(self.services[index].name for index in covered)
            record["scope"] = f"The information security of {names}"
        roll = self.rng.random()
        if roll < 0.12:
            record["verification"] = "claimed"
        elif roll < 0.22:
            record["verification"] = "verified"
        if self.rng.random() < 0.35:
            digest = f"{self.rng.getrandbits(256):064x}"
            record["document"] = {"name": f"{evidence_id}.pdf", "sha256": digest}
        return record


SHAPES = ("mixed", "offerings", "deep", "fanout", "evidence", "parents")
"""The shapes users have (issue 13): ``mixed`` is the generator's own chain with 10 offerings;
the others add to it what stresses one part of a check:

- ``offerings``: one offering per 10 services (a provider with many products);
- ``deep``: a path of 1,000 links hung under the first offering;
- ``fanout``: one service relied on by 10,000 others (or by all, when fewer);
- ``evidence``: 50 pieces of evidence on each service of the most popular supplier (the rest
  unchanged), as a hyperscaler's page of certificates;
- ``parents``: supplier groups 50 deep (a parent chain of 50 companies over every supplier).
"""


def shaped(chain: Record, shape: str) -> Record:
    """``chain`` with ``shape`` added (the shapes of :data:`SHAPES`, each fixed: no draws)."""
    services, links = chain["services"], chain["dependencies"]
    ids = [service["id"] for service in services]
    if shape == "deep":
        owner = services[0]["supplier"]
        path = [f"deep-{n:04d}" for n in range(1000)]
        services += [
            {"id": sid, "name": f"Deep service {n}", "supplier": owner, "kind": "managed"}
            for n, sid in enumerate(path)
        ]
        pairs = itertools.pairwise([ids[0], *path])
        links += [{"from": a, "to": b, "role": "relies on"} for a, b in pairs]
    elif shape == "fanout":
        hub = {"id": "fan-hub", "name": "Shared platform", "supplier": services[-1]["supplier"]}
        services.append({**hub, "kind": "paas"})
        taken = {(link["from"], link["to"]) for link in links}
        users = [sid for sid in ids if (sid, "fan-hub") not in taken][:10_000]
        links += [{"from": sid, "to": "fan-hub", "role": "platform"} for sid in users]
    elif shape == "evidence":
        held: dict[str, list[str]] = {}
        for service in services:
            held.setdefault(service["supplier"], []).append(service["id"])
        top = max(held, key=lambda supplier: (len(held[supplier]), supplier))
        chain["evidence"] += [
            {
                "id": f"cert-{sid}-{n:02d}",
                "scheme": "iso27001",
                "holder": top,
                "covers": [sid],
                "issued": "2026-01-15",
                "valid_until": f"{2026 + n % 3}-{1 + n % 12:02d}-28",
                "accreditation": {"body": "RvA", "iaf_mla": True},
            }
            for sid in held[top]
            for n in range(50)
        ]
    elif shape == "parents":
        groups = [
            {"id": f"holding-{n:02d}", "name": f"Holding {n}", "country": "NL"} for n in range(50)
        ]
        for upper, lower in itertools.pairwise(groups):
            lower["parent"] = upper["id"]
        for supplier in chain["suppliers"]:
            if "parent" not in supplier:
                supplier["parent"] = groups[-1]["id"]
        chain["suppliers"] = groups + chain["suppliers"]
    return chain


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Generate a synthetic chain file (JSON).")
    parser.add_argument("--services", type=int, required=True, help="number of services")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--offerings", type=int, default=10, help="number of offerings (10)")
    parser.add_argument("--output", type=Path, required=True, help="the JSON file to write")
    parser.add_argument(
        "--shape", choices=SHAPES, default="mixed", help="what to add to the chain (mixed)"
    )
    args = parser.parse_args(argv)
    if args.shape == "offerings":
        args.offerings = max(args.offerings, args.services // 10)
    if args.offerings < 1 or args.services < args.offerings + len(KINDS):
        parser.error("need --offerings >= 1 and --services >= offerings + 5")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the chain, write it and print one summary line."""
    args = parse_args(argv)
    started = time.perf_counter()
    generator = ChainGenerator(services=args.services, offerings=args.offerings, seed=args.seed)
    chain = shaped(generator.generate(), args.shape)
    text = json.dumps(chain, separators=(",", ":"), ensure_ascii=False)
    args.output.write_text(text + "\n", encoding="utf-8")
    elapsed = time.perf_counter() - started
    print(
        f"{args.output}: {len(chain['services'])} services, {len(chain['dependencies'])} links, "
        f"{len(chain['evidence'])} evidence, {len(chain['suppliers'])} suppliers, "
        f"{len(text) / 2**20:.1f} MiB in {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
