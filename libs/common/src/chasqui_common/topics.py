"""The topic catalogue: every Kafka topic, its key, retention, owner and whether it holds personal data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from chasqui_common.kafka_security import PLAINTEXT, KafkaSecurity

DAY_MS = 24 * 60 * 60 * 1000
DLQ_SUFFIX = ".dlq"

# Retention (Ley 29733 art. 8, DS 016-2024-JUS: keep personal data no longer than needed;
# docs/adr/0010-erasure-and-kafka-retention.md). A topic is a conduit, not a store of record: a
# record with personal data outlives a cancellation by at most its topic's retention.
PERSONAL_RETENTION_MS = 7 * DAY_MS
OTHER_RETENTION_MS = 30 * DAY_MS
PERSONAL_DLQ_RETENTION_MS = 14 * DAY_MS
OTHER_DLQ_RETENTION_MS = 90 * DAY_MS
ARCO_RETENTION_MS = 3 * DAY_MS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topic:
    name: str
    owner: str
    key: str
    description: str
    personal_data: bool
    partitions: int = 6
    retention_ms: int = 0
    """How long the broker keeps a record; 0 means the default of its kind: PERSONAL_RETENTION_MS
    for a topic with personal data, OTHER_RETENTION_MS otherwise (docs/operations.md, Retention)."""
    dead_letters: bool = True  # False for topics no Chasqui service consumes (integrators' only)

    def __post_init__(self) -> None:
        if self.retention_ms <= 0:
            default = PERSONAL_RETENTION_MS if self.personal_data else OTHER_RETENTION_MS
            object.__setattr__(self, "retention_ms", default)

    @property
    def dlq(self) -> Topic:
        """The dead-letter topic of this topic: same key, longer retention, read by operators."""
        return Topic(
            name=self.name + DLQ_SUFFIX,
            owner=self.owner,
            key=self.key,
            description=f"Messages from {self.name} that a consumer could not process, with the reason",
            personal_data=self.personal_data,
            partitions=1,
            retention_ms=PERSONAL_DLQ_RETENTION_MS if self.personal_data else OTHER_DLQ_RETENTION_MS,
        )


REGISTRY_HOUSEHOLDS = Topic(
    name="registry.households",
    owner="registry",
    key="household id",
    description="Households, their members and their socioeconomic classification (CSE)",
    personal_data=True,
)
ELIGIBILITY_DECISIONS = Topic(
    name="eligibility.decisions",
    owner="eligibility",
    key="household id",
    description="Program eligibility decisions when their outcome or benefit changes",
    personal_data=True,
)
EMPLOYMENT_JOB_SEEKERS = Topic(
    name="employment-matching.job-seekers",
    owner="employment-matching",
    key="job seeker id",
    description="Job seekers and what happens to them: registration, updates, proposed matches, "
    "applications and formal placements",
    personal_data=True,
)
EMPLOYMENT_VACANCIES = Topic(
    name="employment-matching.vacancies",
    owner="employment-matching",
    key="vacancy id",
    description="Vacancies published and closed (no personal data: employers are companies)",
    personal_data=False,
)
MIGRANT_SERVICES_MIGRANTS = Topic(
    name="migrant-services.migrants",
    owner="migrant-services",
    key="migrant id",
    description="Migrants attended at Migracentros, their appointments and their expiring documents",
    personal_data=True,
)
MIGRANT_SERVICES_CASES = Topic(
    name="migrant-services.cases",
    owner="migrant-services",
    key="case id",
    description="Cases at Migracentros: opened, referrals issued to other services, closed",
    personal_data=True,
)
NOTIFICATIONS_DELIVERIES = Topic(
    name="notifications.deliveries",
    owner="notifications",
    key="person id",
    description="Delivery status of citizen notifications per channel",
    personal_data=False,
)
CITIZEN_ATTENTION_ATTENTIONS = Topic(
    name="citizen-attention.attentions",
    owner="citizen-attention",
    key="attention id",
    description="Attentions recorded at municipal offices (CIAM, DEMUNA, OMAPED, ULE): ids, office, "
    "counts and times; never the content of DEMUNA records",
    personal_data=True,
)
CITIZEN_ATTENTION_REFERRALS = Topic(
    name="citizen-attention.referrals",
    owner="citizen-attention",
    key="referral id",
    description="Referrals between municipal offices and from Migracentros: made, accepted, rejected, "
    "completed, deadline missed (ids and offices, no reasons or notes)",
    personal_data=True,
)
CITIZEN_ATTENTION_REQUESTS = Topic(
    name="citizen-attention.requests",
    owner="citizen-attention",
    key="request id",
    description="ULE household classification requests (S100): registered, home visit done, result "
    "recorded with the household's classification",
    personal_data=True,
)
AUDIT = Topic(
    name="chasqui.audit",
    owner="services",
    key="record id",
    description="The access record: who read or changed personal data, when, for what and with what "
    "outcome (documents only as keyed hashes); read by the auditor principal alone",
    personal_data=True,
    partitions=3,
    retention_ms=400 * DAY_MS,  # a year of audits and their follow-up; the tables keep the record
    dead_letters=False,  # no service consumes it
)
"""Written by every service (chasqui_common.audit), so outside TOPICS (one owner each)."""

TOPICS: tuple[Topic, ...] = (
    REGISTRY_HOUSEHOLDS,
    ELIGIBILITY_DECISIONS,
    EMPLOYMENT_JOB_SEEKERS,
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_MIGRANTS,
    MIGRANT_SERVICES_CASES,
    NOTIFICATIONS_DELIVERIES,
    CITIZEN_ATTENTION_ATTENTIONS,
    CITIZEN_ATTENTION_REFERRALS,
    CITIZEN_ATTENTION_REQUESTS,
)


# Programs whose decisions eligibility announces (one rule file each in the eligibility service;
# its tests check the two lists agree). Each has its own topic so that a program office reads its
# own program's decisions only (Ley 29733 art. 8 and DS 016-2024-JUS: minimisation); see
# docs/adr/0008-per-programme-decision-topics.md.
DECISION_PROGRAMS: tuple[str, ...] = (
    "BECA_18",
    "CIAM",
    "CONTIGO",
    "CUNA_MAS_DAY_CARE",
    "CUNA_MAS_HOME_VISITS",
    "JUNTOS",
    "OMAPED",
    "PENSION_65",
    "ULE_RECLASSIFICATION",
)


def program_decisions_topic(program: str) -> Topic:
    """`eligibility.decisions.<program>` (code lower case, `_` as `-`): one program's decisions,
    for that program's integrators; LookupError for a program not in DECISION_PROGRAMS."""
    if program not in DECISION_PROGRAMS:
        raise LookupError(f"program {program!r} has no decisions topic (DECISION_PROGRAMS)")
    return Topic(
        name=f"{ELIGIBILITY_DECISIONS.name}.{program.lower().replace('_', '-')}",
        owner="eligibility",
        key="household id",
        description=f"{program} eligibility decisions only, for that program's integrators",
        personal_data=True,
        dead_letters=False,
    )


PROGRAM_DECISIONS: tuple[Topic, ...] = tuple(program_decisions_topic(p) for p in DECISION_PROGRAMS)
"""One topic per program, read by integrators only (no Chasqui service consumes them: no DLQ)."""


# ARCO rights (Ley 29733 arts. 19-22): an operator's request about one person, read by every
# service; each service's answer, read by the operator's CLI (chasqui_common.application.arco).
ARCO_REQUESTS = Topic(
    name="chasqui.arco-requests",
    owner="operators",
    key="request id",
    description="ARCO requests (access, cancellation, opposition) naming one person by document",
    personal_data=True,
    partitions=3,
    retention_ms=ARCO_RETENTION_MS,
)
ARCO_ANSWERS = Topic(
    name="chasqui.arco-answers",
    owner="operators",
    key="request id",
    description="Each service's answer to an ARCO request: what it holds, erased or stopped",
    personal_data=True,
    partitions=3,
    retention_ms=ARCO_RETENTION_MS,
    dead_letters=False,
)
ARCO_TOPICS: tuple[Topic, ...] = (ARCO_REQUESTS, ARCO_ANSWERS)
"""Written and read by every service and the operators' CLI, so outside TOPICS (one owner each)."""


def topic_named(name: str) -> Topic:
    for topic in ARCO_TOPICS:
        if topic.name == name:
            return topic
        if topic.dead_letters and topic.dlq.name == name:
            return topic.dlq
    for topic in (*PROGRAM_DECISIONS, AUDIT):
        if topic.name == name:
            return topic
    for topic in TOPICS:
        if topic.name == name:
            return topic
        if topic.dlq.name == name:
            return topic.dlq
    raise LookupError(f"topic {name!r} is not in the catalogue")


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[Topic],
    *,
    with_dlq: bool = True,
    security: KafkaSecurity = PLAINTEXT,
) -> list[str]:
    """Create the topics (and their DLQs) that do not exist yet; returns the names created."""
    wanted: dict[str, Topic] = {}
    for topic in topics:
        wanted[topic.name] = topic
        if with_dlq and topic.dead_letters and not topic.name.endswith(DLQ_SUFFIX):
            wanted[topic.dlq.name] = topic.dlq
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        **security.client_options(),
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [topic for name, topic in wanted.items() if name not in existing]
        created: list[str] = []
        replicas = await _replication_factor(admin) if missing else 1
        for topic in missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            name=topic.name,
                            num_partitions=topic.partitions,
                            replication_factor=replicas,
                            topic_configs={"retention.ms": str(topic.retention_ms)},
                        )
                    ]
                )
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        if created:
            await _wait_for_metadata(admin, created)
            log.info("created topics %s", ", ".join(created))
        await _align_retention(admin, [t for name, t in wanted.items() if name in existing])
        return created
    finally:
        await admin.close()


async def _align_retention(admin: AIOKafkaAdminClient, topics: list[Topic]) -> None:
    """Give topics that already exist the catalogue's retention.ms (a shortened retention applies
    to topics created before it); the topic's other dynamic settings are kept."""
    if not topics:
        return
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic.name) for topic in topics]
        )
    except Exception as exc:  # a principal without DescribeConfigs: Strimzi owns the configs then
        log.warning("could not read topic configs to align retention: %s: %s", type(exc).__name__, exc)
        return
    current: dict[str, dict[str, str]] = {}
    for response in described:
        for _, _, _, name, entries in response.resources:
            # entry: (name, value, read_only, config_source, is_sensitive, synonyms); 1 = topic's own
            current[name] = {e[0]: e[1] for e in entries if len(e) > 3 and e[3] == 1 and e[1] is not None}
    changes = [
        ConfigResource(
            ConfigResourceType.TOPIC,
            topic.name,
            configs={**current.get(topic.name, {}), "retention.ms": str(topic.retention_ms)},
        )
        for topic in topics
        if current.get(topic.name, {}).get("retention.ms") != str(topic.retention_ms)
    ]
    if changes:
        try:
            await admin.alter_configs(changes)
            log.info("set retention.ms of %s", ", ".join(str(c.name) for c in changes))
        except Exception as exc:
            log.warning("could not align topic retention: %s: %s", type(exc).__name__, exc)


async def _replication_factor(admin: AIOKafkaAdminClient) -> int:
    """3 replicas on a real cluster; 1 on a local stack with fewer than 3 brokers."""
    cluster = await admin.describe_cluster()
    return 3 if len(cluster["brokers"]) >= 3 else 1


async def _wait_for_metadata(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    for _ in range(50):
        if set(names) <= set(await admin.list_topics()):
            return
        await asyncio.sleep(0.1)
