"""A service's kind (saas, paas, iaas, managed, other) from what a source says about it.

Formats say what a service is in three ways, read in this order (docs/adr/0034 tells why):

1. an explicit service model (OSCAL's ``cloud-service-model``, a marketplace's service model):
   :func:`model_kind` reads ``iaas``, ``PaaS``, ``Software as a Service`` and other spellings;
2. a service-model word in a title or description ("IaaS", "platform as a service",
   "software als dienst"): :func:`service_model_word`;
3. a type from a table: a Backstage Resource's ``spec.type`` through :data:`RESOURCE_TYPES`
   (:func:`resource_type_kind`), or a caller's own table;
4. plain words in a title or description, in English and Dutch ("hosting", "rekencentrum",
   "database", "back-up", "beheer", ...) through :data:`PLAIN_WORDS`: :func:`plain_word`.

A structured type comes before plain words: ``spec.type: s3`` says more than the word
"database" in "back-ups of the database". :func:`kind_of` applies the four in order and returns
``None`` when none applies, so that the caller chooses the default and says so (a warning
naming the type, when there was one).

>>> kind_of(model="IaaS").value
'iaas'
>>> kind_of(texts=("Rekencentrum Noord", None)).value
'iaas'
>>> kind_of(texts=("Orders", "SaaS-platform for orders"), resource_type="s3").value
'saas'
>>> kind_of(texts=("Back-ups",), resource_type="aws-s3-bucket").value
'iaas'
>>> kind_of(resource_type="quantum-widget") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from graph.model import Kind

__all__ = [
    "PLAIN_WORDS",
    "RESOURCE_TYPES",
    "kind_of",
    "model_kind",
    "plain_word",
    "resource_type_kind",
    "service_model_word",
]

# ---------------------------------------------------------------------------------------------
# 1. An explicit service model.

_MODELS: Final[Mapping[str, Kind]] = MappingProxyType(
    {
        "saas": Kind.SAAS,
        "software-as-a-service": Kind.SAAS,
        "software-als-dienst": Kind.SAAS,
        "software-als-een-dienst": Kind.SAAS,
        "paas": Kind.PAAS,
        "platform-as-a-service": Kind.PAAS,
        "platform-als-dienst": Kind.PAAS,
        "platform-als-een-dienst": Kind.PAAS,
        "iaas": Kind.IAAS,
        "infrastructure-as-a-service": Kind.IAAS,
        "infrastructuur-als-dienst": Kind.IAAS,
        "infrastructuur-als-een-dienst": Kind.IAAS,
        "managed": Kind.MANAGED,
        "managed-service": Kind.MANAGED,
        "managed-services": Kind.MANAGED,
        "other": Kind.OTHER,
    }
)


def _key(text: str) -> str:
    """``text`` in lower case with every run of spaces, ``_``, ``.``, ``:`` and ``/`` as ``-``.

    >>> _key("  Software as a Service "), _key("AWS::S3::Bucket"), _key("rds_instance")
    ('software-as-a-service', 'aws-s3-bucket', 'rds-instance')
    """
    return re.sub(r"[\s_.:/-]+", "-", text.strip().lower()).strip("-")


def model_kind(model: str | None) -> Kind | None:
    """The kind an explicit service model names; ``None`` for a model it does not know.

    Spellings differ in case, spaces and hyphens; a model with its abbreviation in brackets
    (``Software as a Service (SaaS)``) is read as the abbreviation. A model that names two
    (``IaaS, PaaS``) is read as the first it names.

    >>> [model_kind(m).value for m in ("saas", "PaaS", "Infrastructure as a Service")]
    ['saas', 'paas', 'iaas']
    >>> model_kind("Software as a Service (SaaS)").value, model_kind("IaaS, PaaS").value
    ('saas', 'iaas')
    >>> model_kind("hybrid") is None, model_kind(None) is None
    (True, True)
    """
    if model is None:
        return None
    key = _key(model)
    if key in _MODELS:
        return _MODELS[key]
    return service_model_word((model,))


# ---------------------------------------------------------------------------------------------
# 2. A service-model word in a title or description.

_AS_A_SERVICE: Final = r"[\s-]+as[\s-]+a[\s-]+service"
_ALS_DIENST: Final = r"[\s-]+als[\s-]+(?:een[\s-]+)?dienst"
_SERVICE_MODEL_WORDS: Final = (
    (f"iaas|infrastructure{_AS_A_SERVICE}|infrastructuur{_ALS_DIENST}", Kind.IAAS),
    (f"paas|platform{_AS_A_SERVICE}|platform{_ALS_DIENST}", Kind.PAAS),
    (f"saas|software{_AS_A_SERVICE}|software{_ALS_DIENST}", Kind.SAAS),
)
_SERVICE_MODEL_RE: Final = re.compile(
    "|".join(f"(?P<k{n}>\\b(?:{words})\\b)" for n, (words, _) in enumerate(_SERVICE_MODEL_WORDS)),
    re.IGNORECASE,
)


def _first(
    pattern: re.Pattern[str], kinds: Iterable[Kind], texts: Iterable[str | None]
) -> Kind | None:
    """The kind of the first match of ``pattern`` in the first text that has one."""
    table = tuple(kinds)
    for text in texts:
        if not text:
            continue
        found = pattern.search(text)
        if found is not None and found.lastgroup is not None:
            return table[int(found.lastgroup[1:])]
    return None


def service_model_word(texts: Iterable[str | None]) -> Kind | None:
    """The kind of the first service-model word in the first text that has one.

    >>> service_model_word(["Acme Cloud", "A SaaS offering hosted on an IaaS"]).value
    'saas'
    >>> service_model_word(["Rekenkracht: infrastructuur als dienst"]).value
    'iaas'
    >>> service_model_word(["SaaSy payroll", None]) is None
    True
    """
    return _first(_SERVICE_MODEL_RE, (kind for _, kind in _SERVICE_MODEL_WORDS), texts)


# ---------------------------------------------------------------------------------------------
# 3. Types: a Backstage Resource's spec.type.


def _types(table: Mapping[Kind, Iterable[str]]) -> Mapping[str, Kind]:
    return MappingProxyType({name: kind for kind, names in table.items() for name in names})


RESOURCE_TYPES: Final[Mapping[str, Kind]] = _types(
    {
        # A platform the provider runs, holding the consumer's data or code: managed
        # databases, search, queues and streams, caches, key management, functions, clusters.
        Kind.PAAS: (
            "database", "db", "rds", "rds-instance", "rds-cluster", "aurora", "aurora-cluster",
            "postgres", "postgresql", "mysql", "mariadb", "mssql", "sql-server", "sql",
            "sql-database", "azure-sql", "cloud-sql", "cloudsql", "spanner", "oracle",
            "cosmosdb", "cosmos-db", "dynamodb", "dynamodb-table", "table", "mongodb",
            "mongodb-atlas", "documentdb", "firestore", "datastore", "bigtable", "bigquery",
            "redshift", "snowflake", "data-warehouse", "elasticsearch", "opensearch",
            "search", "search-index", "cassandra", "neo4j",
            "queue", "message-queue", "sqs", "sqs-queue", "sns", "sns-topic", "topic",
            "kafka", "kafka-topic", "kafka-cluster", "msk", "pubsub", "pub-sub",
            "pubsub-topic", "service-bus", "servicebus", "event-hub", "eventhub",
            "event-bus", "eventbridge", "kinesis", "kinesis-stream", "stream", "rabbitmq",
            "amazon-mq", "nats",
            "cache", "redis", "elasticache", "memcached", "memorystore", "azure-cache",
            "kms", "kms-key", "key", "key-vault", "keyvault", "vault", "secret", "secrets",
            "secrets-manager", "secret-manager", "hsm", "cloudhsm", "certificate", "acm",
            "function", "lambda", "lambda-function", "cloud-function", "azure-function",
            "cloud-run", "app-service", "app-engine", "heroku", "elastic-beanstalk",
            "cluster", "kubernetes", "kubernetes-cluster", "k8s", "eks", "aks", "gke",
            "ecs", "ecs-cluster", "openshift", "container-registry", "registry", "ecr",
            "acr", "gcr", "artifact-registry", "api-gateway", "apigateway", "api-management",
            "apim", "step-function", "workflow",
        ),
        # Storage, compute and network the consumer runs its own things on: object, file and
        # block storage, machines, networks, load balancers, DNS and CDNs.
        Kind.IAAS: (
            "s3", "s3-bucket", "bucket", "blob", "blob-storage", "blob-container",
            "storage", "storage-account", "storage-bucket", "gcs", "gcs-bucket",
            "cloud-storage", "object-storage", "object-store", "minio", "file-storage",
            "file-share", "efs", "fsx", "nfs", "block-storage", "ebs", "disk", "volume",
            "glacier", "backup-vault",
            "vm", "virtual-machine", "instance", "ec2", "ec2-instance", "compute",
            "compute-instance", "gce", "droplet", "server", "bare-metal", "host",
            "network", "vpc", "vnet", "virtual-network", "subnet", "vpn", "nat-gateway",
            "load-balancer", "loadbalancer", "lb", "alb", "elb", "nlb", "gateway",
            "firewall", "waf",
            "dns", "dns-zone", "dns-record", "route53", "route-53", "route53-zone",
            "hosted-zone", "cloud-dns", "domain",
            "cdn", "cloudfront", "cloudfront-distribution", "distribution", "fastly",
            "akamai", "cloudflare", "front-door", "azure-cdn", "cloud-cdn",
        ),
        # A whole application someone runs for the consumer: identity, e-mail, monitoring
        # and logging tools, code hosting.
        Kind.SAAS: (
            "identity-provider", "idp", "identity", "sso", "auth", "authentication",
            "cognito", "cognito-user-pool", "user-pool", "auth0", "okta", "azure-ad",
            "entra-id", "active-directory", "keycloak",
            "email", "e-mail", "mail", "smtp", "ses", "sendgrid", "mailgun", "postmark",
            "mailchimp", "sms", "twilio", "notification",
            "monitoring", "observability", "logging", "logs", "log-analytics", "tracing",
            "apm", "metrics", "alerting", "cloudwatch", "datadog", "new-relic", "newrelic",
            "grafana", "prometheus", "sentry", "splunk", "pagerduty", "opsgenie",
            "application-insights", "app-insights", "stackdriver",
            "repository", "git-repository", "github", "gitlab", "bitbucket",
            "saas", "third-party", "external-service",
        ),
        # Someone's work rather than a system: back-ups, operations.
        Kind.MANAGED: ("backup", "back-up", "managed-service"),
    }
)  # fmt: skip
"""A Resource's kind by its ``spec.type``, after :func:`resource_type_kind`'s normalising."""

_VENDORS: Final = ("aws", "amazon", "azure", "microsoft", "ms", "gcp", "google", "gcloud")


def resource_type_kind(
    resource_type: str | None, table: Mapping[str, Kind] = RESOURCE_TYPES
) -> Kind | None:
    """The kind ``table`` gives a type; ``None`` when the type is not in it.

    The type is compared in lower case with spaces, ``_``, ``.``, ``:`` and ``/`` read as ``-``;
    a leading vendor (``aws-``, ``azure-``, ``gcp-``, ...) and a trailing part (``-instance``,
    ``-table``, ...) are tried off when the whole is not in the table.

    >>> [resource_type_kind(t).value for t in ("s3", "rds-instance", "AWS::SQS::Queue")]
    ['iaas', 'paas', 'paas']
    >>> [resource_type_kind(t).value for t in ("azure_cosmosdb", "ses", "postgres-db")]
    ['paas', 'saas', 'paas']
    >>> resource_type_kind("quantum-widget") is None
    True
    """
    if not resource_type:
        return None
    key = _key(resource_type)
    candidates = [key]
    head, _, rest = key.partition("-")
    if head in _VENDORS and rest:
        candidates.append(rest)
    for candidate in list(candidates):
        shorter = candidate.rpartition("-")[0]
        if shorter:
            candidates.append(shorter)
    for candidate in candidates:
        if candidate in table:
            return table[candidate]
    return None


# ---------------------------------------------------------------------------------------------
# 4. Plain words in a title or description, English and Dutch.

PLAIN_WORDS: Final[tuple[tuple[str, Kind], ...]] = (
    # infrastructure: hosting, data centres, machines, storage
    (r"\w*hosting", Kind.IAAS),
    (r"data[\s-]?cent(?:er|re)s?|datacentr(?:um|a)|rekencentr(?:um|a)", Kind.IAAS),
    (r"colocation|co-location", Kind.IAAS),
    (r"virtual\s+(?:machines?|servers?)|virtuele\s+(?:machines?|servers?)|vps", Kind.IAAS),
    (r"object\s+storage|storage|\w*opslag", Kind.IAAS),
    # platforms: databases, clusters, queues
    (r"\w*databases?|\w*databank(?:en)?|data\s?warehouse", Kind.PAAS),
    (r"platforms?|platformen", Kind.PAAS),
    (r"kubernetes|serverless|message\s+(?:queue|broker)s?", Kind.PAAS),
    # someone's work: back-ups, administration, monitoring, service desks
    (r"back-?ups?|\w*backups?|disaster\s+recovery|uitwijk", Kind.MANAGED),
    (r"\w*beheer|managed\s+services?|patch\s?management", Kind.MANAGED),
    (r"monitoring|bewaking", Kind.MANAGED),
    (r"service\s?desk|helpdesk|onderhoud", Kind.MANAGED),
    # whole applications
    (r"e-?mail|webmail", Kind.SAAS),
    (r"web\s?applicati(?:on|e)s?|online\s+(?:service|dienst)", Kind.SAAS),
)
"""Plain words and the kind each suggests, as regular expressions matched as whole words
without regard to case (``\\w*`` takes Dutch compounds: "applicatiebeheer", "webhosting").
The first word in a text decides, not the first row of the table."""

_PLAIN_RE: Final = re.compile(
    "|".join(f"(?P<k{n}>\\b(?:{words})\\b)" for n, (words, _) in enumerate(PLAIN_WORDS)),
    re.IGNORECASE,
)


def plain_word(texts: Iterable[str | None]) -> Kind | None:
    """The kind of the first plain word of :data:`PLAIN_WORDS` in the first text with one.

    >>> plain_word(["Acme", "Applicatiebeheer en monitoring van de database"]).value
    'managed'
    >>> plain_word(["Webhosting in ons rekencentrum"]).value
    'iaas'
    >>> plain_word(["Orders database"]).value, plain_word(["Payroll"]) is None
    ('paas', True)
    """
    return _first(_PLAIN_RE, (kind for _, kind in PLAIN_WORDS), texts)


# ---------------------------------------------------------------------------------------------
# All of them.


def kind_of(
    *,
    model: str | None = None,
    texts: Iterable[str | None] = (),
    resource_type: str | None = None,
    types: Mapping[str, Kind] = RESOURCE_TYPES,
) -> Kind | None:
    """A service's kind from its explicit ``model``, the service-model words in ``texts`` (a
    title first, then a description), its ``resource_type`` in ``types``, then the plain
    words in ``texts``; ``None`` when none of them says.

    >>> kind_of(model="other", texts=["IaaS"]).value
    'other'
    >>> kind_of(model="hybrid", texts=["Hosting"]).value
    'iaas'
    >>> kind_of(texts=["Database back-ups"], resource_type="s3").value
    'iaas'
    >>> kind_of(texts=["Payroll"], resource_type="widget") is None
    True
    """
    texts = tuple(texts)
    for found in (
        model_kind(model),
        service_model_word(texts),
        resource_type_kind(resource_type, types),
        plain_word(texts),
    ):
        if found is not None:
            return found
    return None
