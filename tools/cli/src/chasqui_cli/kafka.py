"""What the CLI asks Kafka: topics, consumer lag, and the dead-letter topics (list, show, replay, purge).

Dead-letter bookkeeping lives in Kafka itself: the consumer group `chasqui-dlq-replayer` commits, per
DLQ partition, the offset below which every dead letter was replayed or purged. Dead letters replayed
out of order (`--offset N` above that mark) are listed in the commit's metadata until the mark passes
them. So a replay is recorded once and never repeated, and `dlq list` shows what is still pending.

Two principals (docs/integrators.md, "Dead-letter operators"): the inspector (KAFKA_SSL_CERTFILE /
KAFKA_SSL_KEYFILE with KAFKA_SECURITY_PROTOCOL=SSL) reads the DLQs and keeps the bookkeeping; the
replayer (CHASQUI_REPLAYER_SSL_CERTFILE / CHASQUI_REPLAYER_SSL_KEYFILE) only writes: the main topics
and the audit topic `chasqui.dlq-replays`. A replay re-publishes exactly the DLQ record (same key,
value, ce_id and ce_type, checked), to the topic its DLQ belongs to, and records who replayed what
in the audit topic first: no audit, no replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import os
import ssl
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError
from aiokafka.structs import OffsetAndMetadata
from chasqui_common.events import CATALOGUE
from chasqui_common.kafka_security import KafkaSecurity, KafkaSecurityError
from chasqui_common.messaging import deadletter
from chasqui_common.topics import DAY_MS, DLQ_SUFFIX, TOPICS, topic_named

from chasqui_cli.errors import CliError

REPLAYER_GROUP = "chasqui-dlq-replayer"
AUDIT_TOPIC = "chasqui.dlq-replays"
METADATA_PREFIX = "replayed:"
MAX_METADATA = 3500  # brokers keep at most offset.metadata.max.bytes (4096 by default)
TIMEOUT_MS = 10_000


# --- connections ----------------------------------------------------------------------------------


def _unreachable(bootstrap: str, exc: BaseException) -> CliError:
    text = str(exc) if str(exc).startswith(type(exc).__name__) else f"{type(exc).__name__}: {exc}"
    # aiokafka reports a refused SASL login as a failed bootstrap too: name the credentials then.
    sasl = os.environ.get("KAFKA_SECURITY_PROTOCOL", "").upper().startswith("SASL")
    credentials = " and are KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD right" if sasl else ""
    return CliError(
        f"cannot reach Kafka at {bootstrap} ({text}); "
        f"is it running (locally: `chasqui-local status`), is KAFKA_BOOTSTRAP_SERVERS right{credentials}?"
    )


def security(*, replayer: bool = False, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Client security from the environment (chasqui_common.kafka_security): PLAINTEXT unless
    KAFKA_SECURITY_PROTOCOL says otherwise. The replayer's producer is its own principal:
    CHASQUI_REPLAYER_SSL_CERTFILE/KEYFILE for SSL, CHASQUI_REPLAYER_SASL_USERNAME/PASSWORD for SASL
    (the local secure broker, `chasqui-local env`); everything else uses KAFKA_SSL_* / KAFKA_SASL_*."""
    env = dict(os.environ) if environ is None else environ
    protocol = env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper()
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        try:
            client = KafkaSecurity.from_env(env)
        except KafkaSecurityError as exc:
            raise CliError(str(exc)) from None
        if replayer:
            user, password = (
                env.get("CHASQUI_REPLAYER_SASL_USERNAME"),
                env.get("CHASQUI_REPLAYER_SASL_PASSWORD"),
            )
            if not user or not password:
                raise CliError(
                    f"KAFKA_SECURITY_PROTOCOL={protocol} needs the replayer principal's (chasqui-dlq-replayer) "
                    "credentials: CHASQUI_REPLAYER_SASL_USERNAME and CHASQUI_REPLAYER_SASL_PASSWORD"
                )
            client = client.as_user(user, password)
        return client.client_options()
    if protocol != "SSL":
        return {}
    prefix = "CHASQUI_REPLAYER_SSL_" if replayer else "KAFKA_SSL_"
    cert, key = env.get(prefix + "CERTFILE"), env.get(prefix + "KEYFILE")
    if not cert or not key:
        who = "the replayer principal (chasqui-dlq-replayer)" if replayer else "the client"
        raise CliError(
            f"KAFKA_SECURITY_PROTOCOL=SSL needs {who}'s certificate: {prefix}CERTFILE and {prefix}KEYFILE"
        )
    from aiokafka.helpers import create_ssl_context

    context: ssl.SSLContext = create_ssl_context(
        cafile=env.get("KAFKA_SSL_CAFILE"), certfile=cert, keyfile=key
    )
    return {"security_protocol": "SSL", "ssl_context": context}


@contextlib.asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT_MS, **security())
    try:
        await asyncio.wait_for(admin.start(), TIMEOUT_MS / 1000)
    except (KafkaError, OSError, TimeoutError) as exc:
        with contextlib.suppress(Exception):
            await admin.close()
        raise _unreachable(bootstrap, exc) from None
    try:
        yield admin
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def consumer_client(bootstrap: str, group_id: str | None = None) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=TIMEOUT_MS,
        **security(),
    )
    try:
        await asyncio.wait_for(consumer.start(), TIMEOUT_MS / 1000)
    except (KafkaError, OSError, TimeoutError) as exc:
        with contextlib.suppress(Exception):
            await consumer.stop()
        raise _unreachable(bootstrap, exc) from None
    try:
        yield consumer
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def topic_reader(
    bootstrap: str, topic: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    """A group-less consumer assigned every partition of `topic` (none if the topic does not exist),
    for reads that place themselves (at the end, at a time); stopped on exit."""
    async with consumer_client(bootstrap) as consumer:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:  # a fresh client may not have the topic's metadata yet
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if assigned:
            consumer.assign(assigned)
        yield consumer, assigned


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> list[dict[str, Any]]:
    described = await admin.describe_topics([topic])
    found = described[0] if described else {}
    if not found or found.get("error_code", 0) != 0:
        raise CliError(f"topic {topic!r} does not exist on the broker (`chasqui topics list` shows them)")
    partitions: list[dict[str, Any]] = sorted(found.get("partitions", []), key=lambda p: p["partition"])
    return partitions


async def _watermarks(
    consumer: AIOKafkaConsumer, tps: Sequence[TopicPartition]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    if not tps:
        return {}, {}
    start = await consumer.beginning_offsets(list(tps))
    end = await consumer.end_offsets(list(tps))
    return start, end


# --- topics ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicRow:
    name: str
    partitions: int
    messages: int
    owner: str | None
    key: str | None
    personal_data: bool | None
    retention_days: float | None
    dead_letters: bool


@dataclass(frozen=True)
class PartitionRow:
    partition: int
    leader: int
    replicas: list[int]
    isr: list[int]
    start_offset: int
    end_offset: int

    @property
    def messages(self) -> int:
        return self.end_offset - self.start_offset


@dataclass(frozen=True)
class TopicDetail:
    topic: TopicRow
    partitions: list[PartitionRow]
    configs: dict[str, str]
    event_types: list[str]
    consumer_groups: list[str]


def _catalogued(name: str) -> tuple[str | None, str | None, bool | None]:
    try:
        topic = topic_named(name)
    except LookupError:
        return None, None, None
    return topic.owner, topic.key, topic.personal_data


async def _retention_days(admin: AIOKafkaAdminClient, names: Sequence[str]) -> dict[str, dict[str, str]]:
    if not names:
        return {}
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    )
    configs: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            # (error_code, error_message, resource_type, resource_name, config_entries)
            name = resource[3]
            configs[name] = {entry[0]: entry[1] for entry in resource[4] if entry[1] is not None}
    return configs


async def list_topics(bootstrap: str, *, include_internal: bool = False) -> list[TopicRow]:
    async with admin_client(bootstrap) as admin:
        names = sorted(
            name for name in await admin.list_topics() if include_internal or not name.startswith("__")
        )
        described = await admin.describe_topics(names) if names else []
        configs = await _retention_days(admin, names)
    counts: dict[str, int] = {}
    parts: dict[str, int] = {}
    async with consumer_client(bootstrap) as consumer:
        tps = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if t.get("error_code", 0) == 0
            for p in t["partitions"]
        ]
        start, end = await _watermarks(consumer, tps)
    for tp in tps:
        counts[tp.topic] = counts.get(tp.topic, 0) + end[tp] - start[tp]
        parts[tp.topic] = parts.get(tp.topic, 0) + 1
    rows = []
    for name in names:
        owner, key, personal = _catalogued(name)
        retention = configs.get(name, {}).get("retention.ms")
        rows.append(
            TopicRow(
                name=name,
                partitions=parts.get(name, 0),
                messages=counts.get(name, 0),
                owner=owner,
                key=key,
                personal_data=personal,
                retention_days=round(int(retention) / DAY_MS, 2)
                if retention and retention.lstrip("-").isdigit() and int(retention) >= 0
                else None,
                dead_letters=name.endswith(DLQ_SUFFIX),
            )
        )
    return rows


async def describe_topic(bootstrap: str, name: str) -> TopicDetail:
    async with admin_client(bootstrap) as admin:
        partitions = await _partitions(admin, name)
        configs = (await _retention_days(admin, [name])).get(name, {})
        groups = [group for group, _ in await _groups(admin)]
        readers = []
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            if any(tp.topic == name for tp in offsets):
                readers.append(group)
    async with consumer_client(bootstrap) as consumer:
        tps = [TopicPartition(name, p["partition"]) for p in partitions]
        start, end = await _watermarks(consumer, tps)
    rows = [
        PartitionRow(
            partition=p["partition"],
            leader=p["leader"],
            replicas=list(p["replicas"]),
            isr=list(p["isr"]),
            start_offset=start[TopicPartition(name, p["partition"])],
            end_offset=end[TopicPartition(name, p["partition"])],
        )
        for p in partitions
    ]
    owner, key, personal = _catalogued(name)
    retention = configs.get("retention.ms")
    topic = TopicRow(
        name=name,
        partitions=len(rows),
        messages=sum(row.messages for row in rows),
        owner=owner,
        key=key,
        personal_data=personal,
        retention_days=round(int(retention) / DAY_MS, 2) if retention and int(retention) >= 0 else None,
        dead_letters=name.endswith(DLQ_SUFFIX),
    )
    event_types = [spec.type for spec in CATALOGUE if spec.topic.name == name]
    interesting = ("retention.ms", "cleanup.policy", "min.insync.replicas", "max.message.bytes")
    return TopicDetail(
        topic=topic,
        partitions=rows,
        configs={key: value for key, value in sorted(configs.items()) if key in interesting},
        event_types=event_types,
        consumer_groups=sorted(readers),
    )


# --- consumer lag ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LagRow:
    group: str
    topic: str
    partition: int
    committed: int
    end_offset: int

    @property
    def lag(self) -> int:
        return max(0, self.end_offset - self.committed)


async def _groups(admin: AIOKafkaAdminClient) -> list[tuple[str, str]]:
    groups = await admin.list_consumer_groups()
    return sorted((str(entry[0]), str(entry[1])) for entry in groups)


async def consumer_lag(bootstrap: str, group: str | None = None) -> list[LagRow]:
    async with admin_client(bootstrap) as admin:
        groups = [name for name, _ in await _groups(admin)]
        if group is not None:
            if group not in groups:
                raise CliError(
                    f"consumer group {group!r} is unknown to the broker; known: {', '.join(groups) or 'none'}"
                )
            groups = [group]
        committed: dict[str, dict[TopicPartition, OffsetAndMetadata]] = {}
        for name in groups:
            committed[name] = await admin.list_consumer_group_offsets(name)
    tps = sorted({tp for offsets in committed.values() for tp in offsets})
    async with consumer_client(bootstrap) as consumer:
        end = await consumer.end_offsets(tps) if tps else {}
    rows = [
        LagRow(name, tp.topic, tp.partition, meta.offset, end.get(tp, 0))
        for name, offsets in committed.items()
        for tp, meta in sorted(offsets.items())
        if meta.offset >= 0
    ]
    return sorted(rows, key=lambda row: (row.group, row.topic, row.partition))


# --- dead letters ---------------------------------------------------------------------------------


def dlq_name(topic: str) -> str:
    """Accept either the topic or its dead-letter topic."""
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


@dataclass
class _Mark:
    """Per DLQ partition: everything below `offset` is handled, and so is every offset in `extra`."""

    offset: int
    extra: set[int] = field(default_factory=set)

    def handled(self, offset: int) -> bool:
        return offset < self.offset or offset in self.extra

    def add(self, offsets: Iterable[int]) -> None:
        self.extra |= {offset for offset in offsets if offset >= self.offset}
        while self.offset in self.extra:
            self.extra.remove(self.offset)
            self.offset += 1

    def metadata(self) -> str:
        text = METADATA_PREFIX + ",".join(str(offset) for offset in sorted(self.extra))
        if len(text) > MAX_METADATA:
            raise CliError(
                "too many dead letters replayed out of order to record; replay the earlier ones first "
                "(`chasqui dlq replay TOPIC --all`)"
            )
        return text

    @classmethod
    def parse(cls, committed: OffsetAndMetadata | None, start: int) -> _Mark:
        if committed is None or committed.offset < 0:
            return cls(start)
        extra: set[int] = set()
        if committed.metadata and committed.metadata.startswith(METADATA_PREFIX):
            listed = committed.metadata.removeprefix(METADATA_PREFIX)
            extra = {int(item) for item in listed.split(",") if item.strip().isdigit()}
        mark = cls(max(committed.offset, start))
        mark.add(extra)
        return mark


@dataclass(frozen=True)
class DlqSummary:
    topic: str
    original_topic: str
    partitions: int
    total: int
    handled: int

    @property
    def pending(self) -> int:
        return self.total - self.handled


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    pending: bool
    reason: str
    detail: str
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    consumer: str
    attempts: int | None
    failed_at: str
    key: str | None
    event_type: str | None
    event_id: str | None
    headers: list[tuple[str, bytes]] = field(repr=False, default_factory=list)
    value: bytes | None = field(repr=False, default=None)
    key_bytes: bytes | None = field(repr=False, default=None)


@dataclass(frozen=True)
class Replayed:
    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    topic: str
    partition: int
    offset: int
    event_id: str | None


@dataclass
class _DlqState:
    name: str
    tps: list[TopicPartition]
    start: dict[TopicPartition, int]
    end: dict[TopicPartition, int]
    marks: dict[TopicPartition, _Mark]

    def summary(self) -> DlqSummary:
        total = handled = 0
        for tp in self.tps:
            start, end, mark = self.start[tp], self.end[tp], self.marks[tp]
            total += end - start
            handled += max(0, min(mark.offset, end) - start) + sum(1 for o in mark.extra if start <= o < end)
        return DlqSummary(self.name, self.name.removesuffix(DLQ_SUFFIX), len(self.tps), total, handled)


async def _dlq_state(bootstrap: str, name: str, admin: AIOKafkaAdminClient | None = None) -> _DlqState:
    async with contextlib.AsyncExitStack() as stack:
        client = admin if admin is not None else await stack.enter_async_context(admin_client(bootstrap))
        partitions = await _partitions(client, name)
        tps = [TopicPartition(name, p["partition"]) for p in partitions]
        committed = await client.list_consumer_group_offsets(REPLAYER_GROUP, partitions=tps)
    async with consumer_client(bootstrap) as consumer:
        start, end = await _watermarks(consumer, tps)
    marks = {tp: _Mark.parse(committed.get(tp), start[tp]) for tp in tps}
    return _DlqState(name, tps, start, end, marks)


async def dlq_list(bootstrap: str, topic: str | None = None) -> list[DlqSummary]:
    async with admin_client(bootstrap) as admin:
        if topic is not None:
            names = [dlq_name(topic)]
        else:
            names = sorted(name for name in await admin.list_topics() if name.endswith(DLQ_SUFFIX))
        states = [await _dlq_state(bootstrap, name, admin) for name in names]
    summaries = []
    for state in states:
        summaries.append(state.summary())
    return summaries


def _header(headers: dict[str, bytes], name: str) -> str:
    raw = headers.get(name)
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def _int_or_none(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


def _dead_letter(record: Any, pending: bool) -> DeadLetter:
    headers = dict(record.headers)
    key: bytes | None = record.key
    return DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        pending=pending,
        reason=_header(headers, deadletter.H_REASON),
        detail=_header(headers, deadletter.H_DETAIL),
        original_topic=_header(headers, deadletter.H_TOPIC) or record.topic.removesuffix(DLQ_SUFFIX),
        original_partition=_int_or_none(_header(headers, deadletter.H_PARTITION)),
        original_offset=_int_or_none(_header(headers, deadletter.H_OFFSET)),
        consumer=_header(headers, deadletter.H_CONSUMER),
        attempts=_int_or_none(_header(headers, deadletter.H_ATTEMPTS)),
        failed_at=_header(headers, deadletter.H_FAILED_AT),
        key=key.decode("utf-8", errors="replace") if key is not None else None,
        event_type=_header(headers, "ce_type") or None,
        event_id=_header(headers, "ce_id") or None,
        headers=list(record.headers),
        value=record.value,
        key_bytes=key,
    )


async def _read(
    bootstrap: str, state: _DlqState, wanted: dict[TopicPartition, list[int]]
) -> list[DeadLetter]:
    """Read the given offsets of each DLQ partition (offsets sorted ascending)."""
    letters: list[DeadLetter] = []
    async with consumer_client(bootstrap) as consumer:
        targets = {tp: offsets for tp, offsets in wanted.items() if offsets}
        if not targets:
            return []
        consumer.assign(list(targets))
        for tp, offsets in targets.items():
            consumer.seek(tp, offsets[0])
        remaining = {tp: set(offsets) for tp, offsets in targets.items()}
        last = {tp: offsets[-1] for tp, offsets in targets.items()}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while any(remaining.values()):
            if loop.time() > deadline:
                raise CliError(f"timed out reading {state.name} (offsets {remaining} not returned)")
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    if record.offset in remaining.get(tp, set()):
                        remaining[tp].discard(record.offset)
                        letters.append(_dead_letter(record, not state.marks[tp].handled(record.offset)))
                    if record.offset >= last[tp]:
                        consumer.pause(tp)
            for tp, waiting in remaining.items():
                # An offset that never comes back (a transaction marker, a deleted segment): move on.
                if waiting and await consumer.position(tp) > last[tp]:
                    waiting.clear()
    return sorted(letters, key=lambda letter: (letter.partition, letter.offset))


async def dlq_show(
    bootstrap: str, topic: str, *, limit: int = 20, include_handled: bool = False
) -> tuple[DlqSummary, list[DeadLetter]]:
    name = dlq_name(topic)
    state = await _dlq_state(bootstrap, name)
    wanted: dict[TopicPartition, list[int]] = {}
    budget = limit
    for tp in state.tps:
        offsets = [
            offset
            for offset in range(state.start[tp], state.end[tp])
            if include_handled or not state.marks[tp].handled(offset)
        ][:budget]
        budget -= len(offsets)
        wanted[tp] = offsets
    letters = await _read(bootstrap, state, wanted)
    return state.summary(), letters


async def _commit(bootstrap: str, marks: dict[TopicPartition, _Mark]) -> None:
    offsets = {tp: OffsetAndMetadata(mark.offset, mark.metadata()) for tp, mark in marks.items()}
    async with consumer_client(bootstrap, group_id=REPLAYER_GROUP) as consumer:
        consumer.assign(list(marks))
        await consumer.commit(offsets)


def check_replayable(
    name: str, letter: DeadLetter, *, event_id: str | None = None
) -> list[tuple[str, bytes]]:
    """The headers a replay of `letter` publishes (its own, without dlq_*), after checking it is
    an event of the topic its DLQ belongs to: ce_id and ce_type present, the type one of that topic's
    (for a catalogued topic), the original-topic header not pointing elsewhere, and `event_id` (when
    the operator named one) the record's own. Raises CliError naming the record otherwise."""
    where = f"{name}[{letter.partition}]@{letter.offset}"
    original = name.removesuffix(DLQ_SUFFIX)
    if letter.original_topic != original:
        raise CliError(
            f"{where} names {letter.original_topic!r} as its topic, not {original!r}; not replayed"
        )
    if not letter.event_id or not letter.event_type:
        raise CliError(f"{where} has no ce_id/ce_type headers: not an event, not replayed")
    if event_id is not None and letter.event_id != event_id:
        raise CliError(f"{where} holds event {letter.event_id}, not {event_id}; not replayed")
    if original in {t.name for t in TOPICS}:
        spec = CATALOGUE.get(letter.event_type)
        if spec is None or spec.topic.name != original:
            raise CliError(
                f"{where} is a {letter.event_type!r}, which {original} does not carry; not replayed"
            )
    headers = [(k, v) for k, v in letter.headers if not k.startswith("dlq_")]
    sent = dict(headers)
    if sent.get("ce_id", b"").decode(errors="replace") != letter.event_id or (
        sent.get("ce_type", b"").decode(errors="replace") != letter.event_type
    ):
        raise CliError(f"{where}: the replay would not carry the record's own ce_id and ce_type")
    return headers


def replayed_by() -> str:
    """Who replays: CHASQUI_OPERATOR, else the operating-system user."""
    return os.environ.get("CHASQUI_OPERATOR") or getpass.getuser()


async def _ensure_audit_topic(bootstrap: str) -> None:
    async with admin_client(bootstrap) as admin:
        if AUDIT_TOPIC in await admin.list_topics():
            return
        brokers = len((await admin.describe_cluster())["brokers"])
        try:
            await admin.create_topics(
                [NewTopic(AUDIT_TOPIC, num_partitions=1, replication_factor=min(3, brokers))]
            )
        except TopicAlreadyExistsError:
            pass
        except KafkaError as exc:
            raise CliError(
                f"the audit topic {AUDIT_TOPIC} is missing and cannot be created ({exc}); nothing replayed"
            ) from None


def _audit(letter: DeadLetter, name: str, who: str, status: str, **extra: Any) -> bytes:
    record = {
        "status": status,
        "replayed_by": who,
        "at": datetime.now(UTC).isoformat(),
        "dlq": {"topic": name, "partition": letter.partition, "offset": letter.offset},
        "ce_id": letter.event_id,
        "ce_type": letter.event_type,
        "topic": name.removesuffix(DLQ_SUFFIX),
        "reason": letter.reason,
        **extra,
    }
    return json.dumps(record, sort_keys=True).encode()


async def dlq_replay(
    bootstrap: str,
    topic: str,
    *,
    offset: int | None = None,
    partition: int = 0,
    replay_all: bool = False,
    event_id: str | None = None,
    who: str | None = None,
) -> tuple[list[Replayed], list[str]]:
    """Re-publish pending dead letters to their original topic (original key, value and headers
    without the dlq_* ones, checked by `check_replayable`), then record them as replayed. Each is
    first written to the audit topic (who, when, which record, its ce_id and type), then again with
    where it went. Returns what was replayed and notes (e.g. an offset that was already handled)."""
    if (offset is None) == (not replay_all):
        raise CliError("say which dead letters to replay: --offset N (one) or --all (every pending one)")
    if event_id is not None and offset is None:
        raise CliError("--event-id names the event of one dead letter: use it with --offset")
    who = who or replayed_by()
    name = dlq_name(topic)
    state = await _dlq_state(bootstrap, name)
    notes: list[str] = []
    wanted: dict[TopicPartition, list[int]] = {}
    if offset is not None:
        tp = TopicPartition(name, partition)
        if tp not in state.marks:
            raise CliError(f"{name} has no partition {partition} (it has {len(state.tps)})")
        if not state.start[tp] <= offset < state.end[tp]:
            raise CliError(
                f"{name}[{partition}] holds offsets {state.start[tp]}..{state.end[tp] - 1}; "
                f"there is no offset {offset}"
                if state.end[tp] > state.start[tp]
                else f"{name}[{partition}] is empty; there is no offset {offset}"
            )
        if state.marks[tp].handled(offset):
            notes.append(f"{name}[{partition}]@{offset} was already replayed or purged; nothing to do")
            return [], notes
        wanted[tp] = [offset]
    else:
        for tp in state.tps:
            wanted[tp] = [o for o in range(state.start[tp], state.end[tp]) if not state.marks[tp].handled(o)]
    letters = await _read(bootstrap, state, wanted)
    if not letters:
        notes.append(f"{name}: nothing pending to replay")
        return [], notes
    checked = [(letter, check_replayable(name, letter, event_id=event_id)) for letter in letters]
    await _ensure_audit_topic(bootstrap)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=TIMEOUT_MS,
        **security(replayer=True),
    )
    try:
        await asyncio.wait_for(producer.start(), TIMEOUT_MS / 1000)
    except (KafkaError, OSError, TimeoutError) as exc:
        with contextlib.suppress(Exception):
            await producer.stop()
        raise _unreachable(bootstrap, exc) from None
    replayed: list[Replayed] = []
    try:
        # No audit, no replay: every intent is acknowledged (acks=all) before anything is re-published.
        intents = [
            await producer.send(
                AUDIT_TOPIC, value=_audit(letter, name, who, "replaying"), key=letter.event_id.encode()
            )
            for letter, _ in checked
            if letter.event_id is not None
        ]
        for intent in intents:
            await intent
        futures = []
        for letter, headers in checked:
            futures.append(
                await producer.send(
                    letter.original_topic, value=letter.value, key=letter.key_bytes, headers=headers
                )
            )
        for letter, future in zip(letters, futures, strict=True):
            metadata = await future
            await producer.send_and_wait(
                AUDIT_TOPIC,
                value=_audit(
                    letter,
                    name,
                    who,
                    "replayed",
                    to={"partition": metadata.partition, "offset": metadata.offset},
                ),
                key=(letter.event_id or "").encode(),
            )
            replayed.append(
                Replayed(
                    dlq_topic=name,
                    dlq_partition=letter.partition,
                    dlq_offset=letter.offset,
                    topic=metadata.topic,
                    partition=metadata.partition,
                    offset=metadata.offset,
                    event_id=letter.event_id,
                )
            )
    except KafkaConnectionError as exc:
        raise _unreachable(bootstrap, exc) from None
    finally:
        await producer.stop()
    # Only now, with every re-published message acknowledged, record them as handled. A crash in
    # between replays them again next time: consumers' inboxes (by ce_id) make that harmless.
    touched: dict[TopicPartition, _Mark] = {}
    for item in replayed:
        tp = TopicPartition(name, item.dlq_partition)
        state.marks[tp].add([item.dlq_offset])
        touched[tp] = state.marks[tp]
    await _commit(bootstrap, touched)
    return replayed, notes


async def dlq_purge(bootstrap: str, topic: str) -> int:
    """Mark every dead letter of the topic as handled without replaying it; returns how many."""
    name = dlq_name(topic)
    state = await _dlq_state(bootstrap, name)
    purged = state.summary().pending
    for tp in state.tps:
        state.marks[tp] = _Mark(max(state.marks[tp].offset, state.end[tp]))
    if purged:
        await _commit(bootstrap, state.marks)
    return purged
