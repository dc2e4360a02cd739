"""Issue 19, item 2: a database outage longer than the old retry window (6 attempts, 3-6 s) pauses
the consumer instead of dead-lettering. The database is cut off through a TCP proxy this test
controls, once refusing connections and once hanging them (accepted, never answered), for 8 s:
nothing is dead-lettered, every event applies exactly once, order per key holds, the consumer
stays in its group (its max.poll.interval is shorter than the outage), and the pause shows in
`chasqui_consumer_paused` and the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.db.pool import create_pool
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.retry import RetryPolicy, is_transient
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records
from prometheus_client import REGISTRY

OUTAGE_SECONDS = 8.0
EVENTS = 120
KEYS = 6


class FaultyProxy:
    """A TCP forwarder to a real server that a test can make refuse (`refuse`) or hang (`hang`:
    connections are accepted and bytes read, but nothing is forwarded, as behind a dead link)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.target_port = host, port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse(self) -> None:
        """Close the listening socket (connection refused) and reset every open connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._abort_links()

    def hang(self) -> None:
        """Stop forwarding in both directions; new connections are accepted and left silent."""
        self._flowing.clear()

    async def restore(self) -> None:
        """Back to normal; connections that hung are reset (as a dead link ends)."""
        if not self._flowing.is_set():
            self._abort_links()
            self._flowing.set()
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.refuse()

    def _abort_links(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._links.add(writer)
        await self._flowing.wait()
        if writer.transport.is_closing():
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._links.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                if writer.transport.is_closing():
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._links.discard(writer)
            writer.transport.abort()


def _gauge(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("fault", ["refuse", "hang"])
async def test_a_database_outage_pauses_the_consumer_and_nothing_is_dead_lettered(
    fault: str,
    pool: asyncpg.Pool,
    sink: ProducerSink,
    contract,
    kafka_bootstrap_servers: str,
    service_db,
    caplog: pytest.LogCaptureFixture,
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="chasqui_common.messaging.consumer")
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (key text, seq int, applied serial, PRIMARY KEY (key, seq))")
    target = urlsplit(service_db.dsn)
    proxy = FaultyProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    netloc = f"{target.username}:{target.password}@127.0.0.1:{proxy.port}"
    flaky_pool = await create_pool(
        urlunsplit(target._replace(netloc=netloc)),
        schema=service_db.schema,
        max_size=2,
        command_timeout=1.0,
        connect_timeout=1.0,
        acquire_timeout=2.0,
    )
    outbox = Outbox("/chasqui/test", contract.catalogue)
    consumer = EventConsumer(
        f"pause-{fault}-{service_db.schema}",
        topics=[contract.topic],
        catalogue=contract.catalogue,
        retry=RetryPolicy(base_delay=0.1, max_delay=1.0),  # the old window: 6 attempts in ~3 s
    )
    outage = asyncio.Event()
    handled: list[tuple[str, int]] = []

    async def end_outage() -> None:
        await asyncio.sleep(OUTAGE_SECONDS)
        await proxy.restore()

    restorer: asyncio.Task[None] | None = None

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        nonlocal restorer
        handled.append((parcel.key, parcel.seq))
        if len(handled) == 30 and not outage.is_set():
            outage.set()  # the database goes away in the middle of a batch
            if fault == "refuse":
                await proxy.refuse()
            else:
                proxy.hang()
            restorer = asyncio.create_task(end_outage())
        await uow.conn.execute("INSERT INTO effects (key, seq) VALUES ($1, $2)", parcel.key, parcel.seq)

    consumer.bind(flaky_pool, outbox, sink)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers, linger_ms=5)
    await producer.start()
    try:
        for n in range(EVENTS):
            key = f"hh-{n % KEYS}"
            envelope = outbox.envelope(contract.model(key=key, seq=n // KEYS))
            await producer.send(
                contract.topic.name, envelope.body(), key=key.encode(), headers=envelope.kafka_headers()
            )
        await producer.flush()
    finally:
        await producer.stop()

    # max.poll.interval (6 s) is shorter than the outage: only polling while paused keeps the member.
    runner = await consumer.start(kafka_bootstrap_servers, max_records=20, max_poll_interval_ms=6000)
    reasons: set[str] = set()
    gauge_seen = False
    try:
        deadline = time.monotonic() + 90
        while await pool.fetchval("SELECT count(*) FROM effects") < EVENTS:
            assert time.monotonic() < deadline, "events were lost after the outage"
            if runner.paused_reason is not None:
                reasons.add(runner.paused_reason)
                labels = {"consumer": consumer.name, "reason": runner.paused_reason}
                gauge_seen |= _gauge("chasqui_consumer_paused", labels) == 1.0
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        assert runner.running
    finally:
        await runner.stop()
        if restorer is not None:
            with contextlib.suppress(Exception):
                await restorer
        await flaky_pool.close()
        await proxy.close()

    assert outage.is_set()
    assert reasons, "the consumer paused"
    assert reasons <= {"database_unavailable", "database_timeout"}, reasons
    assert gauge_seen, "chasqui_consumer_paused was 1 during the outage"
    for reason in reasons:
        assert _gauge("chasqui_consumer_paused", {"consumer": consumer.name, "reason": reason}) == 0
    rows = await pool.fetch("SELECT key, seq FROM effects ORDER BY applied")
    assert len(rows) == EVENTS, "every event applied exactly once"
    by_key: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_key[row["key"]].append(row["seq"])
    assert all(seqs == list(range(EVENTS // KEYS)) for seqs in by_key.values()), "order per key"
    assert await pool.fetchval("SELECT count(*) FROM inbox") == EVENTS
    dead = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=1, timeout=2)
    assert dead == [], "an outage must not dead-letter"
    assert not REGISTRY.get_sample_value(
        "chasqui_dead_letters_total",
        {"consumer": consumer.name, "topic": contract.topic.name, "reason": "handler.retries_exhausted"},
    )
    messages = [r.getMessage() for r in caplog.records]
    assert any(" paused: database_" in m for m in messages), messages
    assert any(" resumed after " in m for m in messages), messages
    assert not any("gave up its paused batch" in m for m in messages), "the member left its group"


def test_what_counts_as_an_environment_failure() -> None:
    import errno

    from aiokafka.errors import KafkaConnectionError, NotEnoughReplicasError
    from chasqui_common.errors import InvalidValue

    transient = [
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        ConnectionResetError(),
        TimeoutError(),
        OSError("Multiple exceptions: [Errno 111] Connect call failed"),
        OSError(errno.EHOSTUNREACH, "no route"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.TooManyConnectionsError("too many"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
        KafkaConnectionError(),
        NotEnoughReplicasError(),
    ]
    caused_by_the_message = [
        ValueError("bad"),
        KeyError("x"),
        FileNotFoundError(errno.ENOENT, "no such file"),
        PermissionError(errno.EACCES, "denied"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.InvalidTextRepresentationError("invalid input syntax"),
        asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"),
        InvalidValue("bad", field="x", value=1, expected="2"),
    ]
    assert [e for e in transient if not is_transient(e)] == []
    assert [e for e in caused_by_the_message if is_transient(e)] == []
