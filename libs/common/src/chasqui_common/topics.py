"""The topic catalogue: every Kafka topic, its key, retention, owner and whether it holds personal data."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

DAY_MS = 24 * 60 * 60 * 1000
DLQ_SUFFIX = ".dlq"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topic:
    name: str
    owner: str
    key: str
    description: str
    personal_data: bool
    partitions: int = 6
    retention_ms: int = 30 * DAY_MS

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
            retention_ms=90 * DAY_MS,
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

TOPICS: tuple[Topic, ...] = (
    REGISTRY_HOUSEHOLDS,
    ELIGIBILITY_DECISIONS,
    EMPLOYMENT_JOB_SEEKERS,
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_MIGRANTS,
    MIGRANT_SERVICES_CASES,
    NOTIFICATIONS_DELIVERIES,
)


def topic_named(name: str) -> Topic:
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
    ssl_context: ssl.SSLContext | None = None,
) -> list[str]:
    """Create the topics (and their DLQs) that do not exist yet; returns the names created."""
    wanted: dict[str, Topic] = {}
    for topic in topics:
        wanted[topic.name] = topic
        if with_dlq and not topic.name.endswith(DLQ_SUFFIX):
            wanted[topic.dlq.name] = topic.dlq
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        security_protocol="SSL" if ssl_context is not None else "PLAINTEXT",
        ssl_context=ssl_context,
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
        return created
    finally:
        await admin.close()


async def _replication_factor(admin: AIOKafkaAdminClient) -> int:
    """3 replicas on a real cluster; 1 on a local stack with fewer than 3 brokers."""
    cluster = await admin.describe_cluster()
    return 3 if len(cluster["brokers"]) >= 3 else 1


async def _wait_for_metadata(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    for _ in range(50):
        if set(names) <= set(await admin.list_topics()):
            return
        await asyncio.sleep(0.1)
