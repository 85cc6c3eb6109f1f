"""A service's kind from what a source says (importers/kinds.py): models, words, types, order."""

from __future__ import annotations

import pytest

from graph.model import Kind
from importers.kinds import (
    RESOURCE_TYPES,
    kind_of,
    model_kind,
    plain_word,
    resource_type_kind,
    service_model_word,
)


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("saas", Kind.SAAS),
        ("SaaS", Kind.SAAS),
        ("Software as a Service", Kind.SAAS),
        ("software-as-a-service", Kind.SAAS),
        ("Software as a Service (SaaS)", Kind.SAAS),
        ("PaaS", Kind.PAAS),
        ("platform_as_a_service", Kind.PAAS),
        ("IAAS", Kind.IAAS),
        ("Infrastructure as a Service", Kind.IAAS),
        ("infrastructuur als een dienst", Kind.IAAS),
        ("IaaS, PaaS", Kind.IAAS),
        ("managed service", Kind.MANAGED),
        ("other", Kind.OTHER),
    ],
)
def test_model_spellings(model: str, kind: Kind) -> None:
    """An explicit service model is read whatever its case, spaces or hyphens."""
    assert model_kind(model) is kind


@pytest.mark.parametrize("model", ["hybrid", "", "cloud", "SaaSy"])
def test_unknown_model_is_none(model: str) -> None:
    """A model that names no kind gives None, so the caller can look further and warn."""
    assert model_kind(model) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("AWS GovCloud (IaaS)", Kind.IAAS),
        ("Salesforce Platform as a Service", Kind.PAAS),
        ("Een SaaS-oplossing voor salarisverwerking", Kind.SAAS),
        ("Software als dienst", Kind.SAAS),
        ("A SaaS product running on an IaaS", Kind.SAAS),  # the first word decides
    ],
)
def test_service_model_words(text: str, kind: Kind) -> None:
    """IaaS/PaaS/SaaS words and their spelled-out forms, English and Dutch, in a text."""
    assert service_model_word([text]) is kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Managed hosting", Kind.IAAS),  # "managed" alone is no word of the table
        ("Webhosting", Kind.IAAS),
        ("Rekencentrum Amsterdam", Kind.IAAS),
        ("Equinix data center AM3", Kind.IAAS),
        ("Datacentrum Noord", Kind.IAAS),
        ("Virtual machines in Frankfurt", Kind.IAAS),
        ("Orders database", Kind.PAAS),
        ("Klantendatabank", Kind.PAAS),  # a Dutch compound
        ("De databank van klanten", Kind.PAAS),
        ("Cloud platform", Kind.PAAS),
        ("Back-up naar tweede locatie", Kind.MANAGED),
        ("Nightly backups", Kind.MANAGED),
        ("Applicatiebeheer", Kind.MANAGED),
        ("24/7 monitoring", Kind.MANAGED),
        ("Servicedesk", Kind.MANAGED),
        ("E-mail voor medewerkers", Kind.SAAS),
        ("Payroll", None),
        ("Databases for hosting", Kind.PAAS),  # the first word in the text decides
    ],
)
def test_plain_words(text: str, kind: Kind | None) -> None:
    """Plain English and Dutch words, whole words or the Dutch compounds the table allows."""
    assert plain_word([text]) is kind


def test_title_before_description() -> None:
    """The first text with a word decides: a title before a description."""
    assert plain_word(["Backup service", "stores the database"]) is Kind.MANAGED
    assert plain_word([None, "", "stores the database"]) is Kind.PAAS


@pytest.mark.parametrize(
    ("resource_type", "kind"),
    [
        # object storage
        ("s3", Kind.IAAS),
        ("s3-bucket", Kind.IAAS),
        ("bucket", Kind.IAAS),
        ("blob", Kind.IAAS),
        ("azure-blob-storage", Kind.IAAS),
        ("gcs-bucket", Kind.IAAS),
        # managed databases
        ("rds-instance", Kind.PAAS),
        ("database", Kind.PAAS),
        ("postgres", Kind.PAAS),
        ("cosmosdb", Kind.PAAS),
        ("dynamodb-table", Kind.PAAS),
        ("AWS::RDS::DBInstance", Kind.PAAS),
        # queues, caches, key management
        ("sqs-queue", Kind.PAAS),
        ("kafka-topic", Kind.PAAS),
        ("redis", Kind.PAAS),
        ("elasticache-cluster", Kind.PAAS),
        ("kms-key", Kind.PAAS),
        ("key-vault", Kind.PAAS),
        # CDNs and DNS
        ("cdn", Kind.IAAS),
        ("cloudfront-distribution", Kind.IAAS),
        ("route53-zone", Kind.IAAS),
        ("dns", Kind.IAAS),
        # identity, e-mail, monitoring
        ("cognito-user-pool", Kind.SAAS),
        ("identity-provider", Kind.SAAS),
        ("ses", Kind.SAAS),
        ("email", Kind.SAAS),
        ("monitoring", Kind.SAAS),
        ("Datadog", Kind.SAAS),
        # someone's work
        ("backup", Kind.MANAGED),
    ],
)
def test_resource_types(resource_type: str, kind: Kind) -> None:
    """The common cloud resource types seen in Backstage catalogs each have a kind."""
    assert resource_type_kind(resource_type) is kind


@pytest.mark.parametrize("resource_type", ["quantum-widget", "", None, "-"])
def test_unknown_type_is_none(resource_type: str | None) -> None:
    """A type outside the table gives None (the caller warns, naming it)."""
    assert resource_type_kind(resource_type) is None


def test_table_keys_are_normalised() -> None:
    """Every key is already in the form types are compared in, or it could never match."""
    for key in RESOURCE_TYPES:
        assert resource_type_kind(key) is RESOURCE_TYPES[key], key
        assert key == key.lower().strip("-"), key


def test_order_model_then_words_then_type_then_plain_words() -> None:
    """An explicit model wins; then a service-model word; then the type; then plain words."""
    assert kind_of(model="PaaS", texts=["IaaS hosting"], resource_type="s3") is Kind.PAAS
    assert kind_of(model="hybrid", texts=["IaaS"], resource_type="rds") is Kind.IAAS
    assert kind_of(texts=["Database back-ups"], resource_type="s3") is Kind.IAAS
    assert kind_of(texts=["Database back-ups"], resource_type="widget") is Kind.PAAS
    assert kind_of(texts=["Orders"], resource_type="widget") is None
    assert kind_of() is None


def test_a_callers_own_type_table() -> None:
    """A caller may give its own table (Backstage Components have types of their own)."""
    table = {"website": Kind.SAAS}
    assert kind_of(resource_type="website", types=table) is Kind.SAAS
    assert kind_of(resource_type="s3", types=table) is None
