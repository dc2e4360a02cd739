"""The only SQL of the DCI gateway: the projection, senders, received messages, transactions, the
callback queue and the access log. Search filters become parameterised SQL here, from the
checked filter tree of the domain: attribute names map to fixed column expressions below and
every value is a bind parameter."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from chasqui_common.db.pool import Connection
from chasqui_common.events.registry import Household
from chasqui_common.values import DocumentType

from chasqui_dci_gateway.domain.filters import And, Condition, Filter, Not, Operator, Or, Page, SortKey
from chasqui_dci_gateway.domain.identifiers import RECORD_IDENTIFIER_TYPE
from chasqui_dci_gateway.domain.records import PersonRecord
from chasqui_dci_gateway.domain.senders import NOTIFY_TOPIC_PREFIX, Sender, SenderKey, kafka_uri
from chasqui_dci_gateway.domain.subscriptions import Subscription


@dataclass(frozen=True)
class StoredTransaction:
    transaction_id: str
    correlation_id: str
    action: str
    status: str
    response_json: str | None


@dataclass(frozen=True)
class QueuedCallback:
    callback_id: int
    message_id: str
    sender_id: str
    uri: str
    action: str
    correlation_id: str | None
    message_json: str
    attempts: int


# -- projection -----------------------------------------------------------------------------------


async def apply_snapshot(
    conn: Connection, household: Household, event_id: UUID, event_time: datetime
) -> bool:
    """Take the household snapshot of a registry event, unless a later event was applied already
    (a redelivered or replayed older event changes nothing). True if applied."""
    cse = household.classification
    applied = await conn.fetchval(
        """
        INSERT INTO households AS h (household_id, status, ubigeo, address, residence_since,
            registering_unit, cse_level, cse_valid_from, cse_valid_until, cse_source,
            registered_at, updated_at, last_event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
        ON CONFLICT (household_id) DO UPDATE SET
            status = EXCLUDED.status, ubigeo = EXCLUDED.ubigeo, address = EXCLUDED.address,
            residence_since = EXCLUDED.residence_since, registering_unit = EXCLUDED.registering_unit,
            cse_level = EXCLUDED.cse_level, cse_valid_from = EXCLUDED.cse_valid_from,
            cse_valid_until = EXCLUDED.cse_valid_until, cse_source = EXCLUDED.cse_source,
            registered_at = LEAST(h.registered_at, EXCLUDED.registered_at),
            updated_at = EXCLUDED.updated_at, last_event_id = EXCLUDED.last_event_id
        WHERE h.updated_at <= EXCLUDED.updated_at
        RETURNING true
        """,
        household.household_id,
        household.status.value,
        household.ubigeo,
        household.address,
        household.residence_since,
        household.registering_unit,
        cse.level.value if cse else None,
        cse.valid_from if cse else None,
        cse.valid_until if cse else None,
        cse.source if cse else None,
        event_time,
        event_id,
    )
    if not applied:
        return False
    await conn.execute("DELETE FROM members WHERE household_id = $1", household.household_id)
    await conn.executemany(
        """
        INSERT INTO members (household_id, person_id, document_type, document_number, given_names,
            paternal_surname, maternal_surname, birth_date, sex, relationship, disability_severity,
            disability_certified, pregnant, pension, phone, email)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
        """,
        [
            (
                household.household_id,
                m.person_id,
                m.document.type.value,
                m.document.number,
                m.given_names,
                m.paternal_surname,
                m.maternal_surname,
                m.birth_date,
                m.sex.value,
                m.relationship.value,
                m.disability.severity.value,
                m.disability.certified,
                m.pregnant,
                m.pension.value,
                m.contact.phone,
                m.contact.email,
            )
            for m in household.members
        ],
    )
    return True


# -- search ---------------------------------------------------------------------------------------

# Every searchable attribute (domain.filters.ATTRIBUTES) and the column expression(s) it compares;
# several columns: any of them may match. `$today` is the Lima date of the search.
COLUMNS: dict[str, tuple[str, ...]] = {
    "identifier_type": ("m.document_type",),
    "identifier_value": ("m.document_number",),
    "given_name": ("m.given_names",),
    "surname": ("m.paternal_surname", "m.maternal_surname"),
    "birth_date": ("m.birth_date",),
    "age": ("date_part('year', age($today, m.birth_date))::int",),
    "sex": ("m.sex",),
    "relationship": ("m.relationship",),
    "household_identifier": ("h.household_id",),
    "household_status": ("h.status",),
    "ubigeo": ("h.ubigeo",),
    "province": ("left(h.ubigeo, 4)",),
    "department": ("left(h.ubigeo, 2)",),
    "cse": ("h.cse_level",),
    "cse_valid_until": ("h.cse_valid_until",),
    "disability_severity": ("m.disability_severity",),
    "disability_certified": ("m.disability_certified",),
    "pregnant": ("m.pregnant",),
    "pension": ("m.pension",),
    "phone_number": ("m.phone",),
    "last_updated": ("(h.updated_at AT TIME ZONE 'America/Lima')::date",),
}
_SQL_OPERATORS = {Operator.EQ: "=", Operator.GT: ">", Operator.GE: ">=", Operator.LT: "<", Operator.LE: "<="}


class _Parameters:
    def __init__(self, today: date) -> None:
        self.values: list[Any] = []
        self._today = today
        self._today_placeholder: str | None = None

    def add(self, value: Any) -> str:
        self.values.append(list(value) if isinstance(value, tuple) else value)
        return f"${len(self.values)}"

    def column(self, expression: str) -> str:
        """`expression` with `$today` bound (once) to the search's date."""
        if "$today" not in expression:
            return expression
        if self._today_placeholder is None:
            self._today_placeholder = self.add(self._today) + "::date"
        return expression.replace("$today", self._today_placeholder)


def _compile(tree: Filter, params: _Parameters) -> str:
    if isinstance(tree, Condition):
        columns = [params.column(column) for column in COLUMNS[tree.attribute]]
        placeholder = params.add(tree.value)
        if tree.operator is Operator.IN:
            tests = [f"{column} = ANY({placeholder})" for column in columns]
        else:
            op = _SQL_OPERATORS[tree.operator]
            tests = [f"{column} {op} {placeholder}" for column in columns]
        return tests[0] if len(tests) == 1 else "(" + " OR ".join(tests) + ")"
    if isinstance(tree, Not):
        # NULL (an absent value) does not match a condition, so NOT matches it.
        return f"(({_compile(tree.part, params)}) IS NOT TRUE)"
    joiner = " AND " if isinstance(tree, And) else " OR "
    assert isinstance(tree, And | Or)
    return "(" + joiner.join(_compile(part, params) for part in tree.parts) + ")"


async def search_persons(
    conn: Connection,
    where: Filter,
    sort: Sequence[SortKey],
    page: Page,
    today: date,
    *,
    within: tuple[str, Sequence[str]] | None = None,
) -> tuple[int, list[PersonRecord]]:
    """The members matching `where`: how many in all, and the page asked for, in `sort` order
    (then household and person id, so pages never overlap). `within`: only these persons of
    this household (a notification's)."""
    params = _Parameters(today)
    condition = _compile(where, params)
    if within is not None:
        condition = (
            f"({condition}) AND m.household_id = {params.add(within[0])} "
            f"AND m.person_id = ANY({params.add(list(within[1]))})"
        )
    # A notification's persons are a handful, all on one page: their count is the page's length.
    total = (
        await conn.fetchval(
            f"SELECT count(*) FROM members m JOIN households h USING (household_id) WHERE {condition}",
            *params.values,
        )
        if within is None
        else None
    )
    order = [
        f"{COLUMNS[key.attribute][0].replace('$today', '$1::date')} {'DESC' if key.descending else 'ASC'} NULLS LAST"
        for key in sort
    ]
    order += ["m.household_id", "m.person_id"]
    size = params.add(page.size)
    offset = params.add(page.offset)
    rows = await conn.fetch(
        f"""
        SELECT m.*, h.status, h.ubigeo, h.address, h.cse_level, h.cse_valid_from, h.cse_valid_until,
               h.registered_at, h.updated_at
        FROM members m JOIN households h USING (household_id)
        WHERE {condition}
        ORDER BY {", ".join(order)}
        LIMIT {size} OFFSET {offset}
        """,
        *params.values,
    )
    records = [
        PersonRecord(
            person_id=r["person_id"],
            identifier_type=RECORD_IDENTIFIER_TYPE.get(DocumentType(r["document_type"])),
            identifier_value=r["document_number"],
            given_name=r["given_names"],
            surname=r["paternal_surname"],
            second_surname=r["maternal_surname"],
            birth_date=r["birth_date"],
            sex=r["sex"],
            relationship=r["relationship"],
            address_line=r["address"],
            ubigeo=r["ubigeo"],
            phone_number=r["phone"],
            email=r["email"],
            household_identifier=r["household_id"],
            household_status=r["status"],
            cse_level=r["cse_level"],
            cse_valid_from=r["cse_valid_from"],
            cse_valid_until=r["cse_valid_until"],
            disability_severity=r["disability_severity"],
            disability_certified=r["disability_certified"],
            pregnant=r["pregnant"],
            pension=r["pension"],
            registration_date=r["registered_at"],
            last_updated=r["updated_at"],
        )
        for r in rows
    ]
    return (len(records) if total is None else int(total)), records


# -- senders --------------------------------------------------------------------------------------


async def save_sender(conn: Connection, sender: Sender, now: datetime) -> None:
    """Create or replace a sender with its keys."""
    await conn.execute(
        """
        INSERT INTO senders (sender_id, name, token_subject, callback_uris, entitled_fields,
            max_page_size, active, created_at, updated_at, requests_per_minute, kafka_delivery)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)
        ON CONFLICT (sender_id) DO UPDATE SET name = EXCLUDED.name,
            token_subject = EXCLUDED.token_subject, callback_uris = EXCLUDED.callback_uris,
            entitled_fields = EXCLUDED.entitled_fields, max_page_size = EXCLUDED.max_page_size,
            active = EXCLUDED.active, updated_at = EXCLUDED.updated_at,
            requests_per_minute = EXCLUDED.requests_per_minute, kafka_delivery = EXCLUDED.kafka_delivery
        """,
        sender.sender_id,
        sender.name,
        sender.token_subject,
        list(sender.callback_uris),
        sorted(sender.entitled_fields),
        sender.max_page_size,
        sender.active,
        now,
        sender.requests_per_minute,
        sender.kafka_delivery,
    )
    await conn.execute("DELETE FROM sender_keys WHERE sender_id = $1", sender.sender_id)
    await conn.executemany(
        "INSERT INTO sender_keys (sender_id, key_id, public_key, jwk) VALUES ($1, $2, $3, $4::jsonb)",
        [(sender.sender_id, k.key_id, k.public_key, json.dumps(dict(k.jwk))) for k in sender.keys],
    )


async def get_sender(conn: Connection, sender_id: str) -> Sender | None:
    return (await get_senders(conn, [sender_id])).get(sender_id)


async def get_senders(conn: Connection, sender_ids: Sequence[str]) -> dict[str, Sender]:
    """The registered senders among `sender_ids`, by id (two queries however many)."""
    rows = await conn.fetch("SELECT * FROM senders WHERE sender_id = ANY($1::text[])", list(sender_ids))
    all_keys = await conn.fetch(
        "SELECT sender_id, key_id, public_key, jwk::text AS jwk FROM sender_keys WHERE sender_id = ANY($1::text[])"
        " ORDER BY sender_id, key_id",
        list(sender_ids),
    )
    return {
        row["sender_id"]: _sender(row, [k for k in all_keys if k["sender_id"] == row["sender_id"]])
        for row in rows
    }


def _sender(row: Any, keys: Sequence[Any]) -> Sender:
    return Sender(
        sender_id=row["sender_id"],
        name=row["name"],
        token_subject=row["token_subject"],
        callback_uris=tuple(row["callback_uris"]),
        entitled_fields=frozenset(row["entitled_fields"]),
        max_page_size=row["max_page_size"],
        active=row["active"],
        requests_per_minute=row["requests_per_minute"],
        kafka_delivery=row["kafka_delivery"],
        keys=tuple(SenderKey(k["key_id"], bytes(k["public_key"]), json.loads(k["jwk"])) for k in keys),
    )


# -- messages, transactions, access log -----------------------------------------------------------


async def remember_message(
    conn: Connection, sender_id: str, message_id: str, action: str, at: datetime
) -> bool:
    """Record a message id of a sender; False if that sender sent it before."""
    inserted = await conn.fetchval(
        """
        INSERT INTO received_messages (sender_id, message_id, action, received_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING RETURNING true
        """,
        sender_id,
        message_id,
        action,
        at,
    )
    return bool(inserted)


async def save_transaction(
    conn: Connection,
    *,
    correlation_id: str,
    sender_id: str,
    transaction_id: str,
    action: str,
    status: str,
    reference_ids: Sequence[str],
    response_json: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO transactions (correlation_id, sender_id, transaction_id, action, status, reference_ids,
            response, created_at, completed_at)
        VALUES ($1, $2, $3, $4, $5::text, $6, $7::jsonb, $8::timestamptz,
                CASE WHEN $5::text IN ('succ', 'rjct') THEN $8::timestamptz END)
        """,
        correlation_id,
        sender_id,
        transaction_id,
        action,
        status,
        list(reference_ids),
        response_json,
        at,
    )


async def find_transaction(
    conn: Connection, sender_id: str, attribute_type: str, value: str | Sequence[str]
) -> StoredTransaction | None:
    """The latest transaction of `sender_id` named by transaction_id, correlation_id or one of a
    list of reference ids."""
    if attribute_type == "correlation_id":
        test, argument = "correlation_id = $2", value
    elif attribute_type == "transaction_id":
        test, argument = "transaction_id = $2", value
    else:
        test, argument = "reference_ids && $2::text[]", list(value)
    row = await conn.fetchrow(
        f"""
        SELECT transaction_id, correlation_id, action, status, response::text AS response
        FROM transactions WHERE sender_id = $1 AND {test}
        ORDER BY created_at DESC LIMIT 1
        """,
        sender_id,
        argument,
    )
    if row is None:
        return None
    return StoredTransaction(
        row["transaction_id"], row["correlation_id"], row["action"], row["status"], row["response"]
    )


async def documents_of(conn: Connection, person_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(type, number) of these members' documents (for the platform's access record)."""
    if not person_ids:
        return []
    rows = await conn.fetch(
        "SELECT document_type, document_number FROM members "
        "WHERE person_id = ANY($1::text[]) AND document_number IS NOT NULL",
        list(person_ids),
    )
    return [(r["document_type"], r["document_number"]) for r in rows]


async def log_access(
    conn: Connection,
    *,
    sender_id: str,
    message_id: str,
    action: str,
    reference_id: str | None,
    query_type: str | None,
    status: str,
    person_ids: Sequence[str],
    fields: Sequence[str],
    at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO access_log (sender_id, message_id, action, reference_id, query_type, status, person_ids,
            fields, at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        sender_id,
        message_id,
        action,
        reference_id,
        query_type,
        status,
        list(person_ids),
        sorted(fields),
        at,
    )


async def purge(conn: Connection, responses_before: datetime, messages_before: datetime) -> tuple[int, int]:
    """Drop kept answers and remembered message ids past their retention; (answers, ids) dropped."""
    responses = await conn.fetchval(
        """
        WITH cleared AS (UPDATE transactions SET response = NULL
                         WHERE response IS NOT NULL AND created_at < $1 RETURNING 1)
        SELECT count(*) FROM cleared
        """,
        responses_before,
    )
    messages = await conn.fetchval(
        "WITH gone AS (DELETE FROM received_messages WHERE received_at < $1 RETURNING 1) SELECT count(*) FROM gone",
        messages_before,
    )
    return int(responses), int(messages)


# -- callback queue -------------------------------------------------------------------------------


async def enqueue_callback(
    conn: Connection,
    *,
    message_id: UUID,
    sender_id: str,
    uri: str,
    action: str,
    correlation_id: str | None,
    message_json: str,
    at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO callbacks (message_id, sender_id, uri, action, correlation_id, message, next_attempt_at,
            created_at)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7)
        ON CONFLICT (message_id) DO NOTHING
        """,
        message_id,
        sender_id,
        uri,
        action,
        correlation_id,
        message_json,
        at,
    )


async def claim_callbacks(
    conn: Connection, now: datetime, lease: timedelta, limit: int
) -> list[QueuedCallback]:
    """Lease up to `limit` due callbacks (oldest first) so no other replica sends them meanwhile."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT callback_id FROM callbacks
            WHERE delivered_at IS NULL AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
            ORDER BY callback_id LIMIT $3 FOR UPDATE SKIP LOCKED
        )
        UPDATE callbacks c SET leased_until = $1 + $2::interval
        FROM due WHERE c.callback_id = due.callback_id
        RETURNING c.callback_id, c.message_id::text AS message_id, c.sender_id, c.uri, c.action, c.correlation_id,
                  c.message::text AS message, c.attempts
        """,
        now,
        lease,
        limit,
    )
    return sorted(
        (
            QueuedCallback(
                r["callback_id"], r["message_id"], r["sender_id"], r["uri"], r["action"], r["correlation_id"],
                r["message"], r["attempts"],
            )
            for r in rows
        ),
        key=lambda callback: callback.callback_id,
    )  # fmt: skip


async def mark_delivered(conn: Connection, callback_id: int, at: datetime) -> int:
    attempts = await conn.fetchval(
        """
        UPDATE callbacks SET delivered_at = $2, attempts = attempts + 1, leased_until = NULL, last_error = NULL
        WHERE callback_id = $1 RETURNING attempts
        """,
        callback_id,
        at,
    )
    return int(attempts or 0)


async def mark_all_delivered(conn: Connection, callback_ids: Sequence[int], at: datetime) -> None:
    """Several callbacks acknowledged in one round: one statement."""
    await conn.execute(
        """
        UPDATE callbacks SET delivered_at = $2, attempts = attempts + 1, leased_until = NULL, last_error = NULL
        WHERE callback_id = ANY($1::bigint[])
        """,
        list(callback_ids),
        at,
    )


async def release_callbacks(conn: Connection, callback_ids: Sequence[int]) -> None:
    """Leased callbacks not tried in the round: due again at once, untouched otherwise."""
    await conn.execute(
        "UPDATE callbacks SET leased_until = NULL WHERE callback_id = ANY($1::bigint[])", list(callback_ids)
    )


async def mark_failed(conn: Connection, callback_id: int, error: str, next_attempt: datetime) -> int:
    attempts = await conn.fetchval(
        """
        UPDATE callbacks SET attempts = attempts + 1, leased_until = NULL, last_error = $2, next_attempt_at = $3
        WHERE callback_id = $1 RETURNING attempts
        """,
        callback_id,
        error,
        next_attempt,
    )
    return int(attempts or 0)


async def callback_attempts(conn: Connection, callback_id: int) -> int:
    return int(await conn.fetchval("SELECT attempts FROM callbacks WHERE callback_id = $1", callback_id) or 0)


async def callback_counts(conn: Connection, failing_after: int) -> tuple[int, int, int]:
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE delivered_at IS NULL) AS pending,
               count(*) FILTER (WHERE delivered_at IS NULL AND attempts >= $1) AS failing,
               count(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered
        FROM callbacks
        """,
        failing_after,
    )
    assert row is not None
    return int(row["pending"]), int(row["failing"]), int(row["delivered"])


# -- rate limits ----------------------------------------------------------------------------------


async def count_request(conn: Connection, sender_id: str, window_start: datetime) -> int:
    """Count one request of `sender_id` in the minute starting at `window_start`; the count so far."""
    count = await conn.fetchval(
        """
        INSERT INTO sender_rate AS r (sender_id, window_start, requests) VALUES ($1, $2, 1)
        ON CONFLICT (sender_id) DO UPDATE SET
            requests = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.requests + 1 ELSE 1 END,
            window_start = EXCLUDED.window_start
        RETURNING requests
        """,
        sender_id,
        window_start,
    )
    return int(count)


# -- subscriptions --------------------------------------------------------------------------------


async def save_subscription(
    conn: Connection, subscription: Subscription, transaction_id: str, at: datetime
) -> None:
    await conn.execute(
        """
        INSERT INTO subscriptions (subscription_code, sender_id, reference_id, transaction_id, reg_event_type,
            filter_type, filter, notify_record_type, uri, starts_at, ends_at, frequency, locale, status,
            created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, 'subscribe', $14)
        """,
        subscription.subscription_code,
        subscription.sender_id,
        subscription.reference_id,
        transaction_id,
        subscription.reg_event_type,
        subscription.filter_type,
        json.dumps(subscription.filter, ensure_ascii=False),
        subscription.notify_record_type,
        subscription.uri,
        subscription.starts_at,
        subscription.ends_at,
        subscription.frequency,
        subscription.locale,
        at,
    )


def _subscription(row: Any) -> Subscription:
    return Subscription(
        subscription_code=row["subscription_code"],
        sender_id=row["sender_id"],
        reference_id=row["reference_id"],
        reg_event_type=row["reg_event_type"],
        filter_type=row["filter_type"],
        filter=json.loads(row["filter"]),
        notify_record_type=row["notify_record_type"],
        uri=row["uri"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        frequency=row["frequency"],
        locale=row["locale"],
        status=row["status"],
    )


_SUBSCRIPTION_COLUMNS = """subscription_code, sender_id, reference_id, reg_event_type, filter_type,
    filter::text AS filter, notify_record_type, uri, starts_at, ends_at, frequency, locale, status"""


async def get_subscription(conn: Connection, code: str) -> Subscription | None:
    row = await conn.fetchrow(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE subscription_code = $1 FOR UPDATE", code
    )
    return None if row is None else _subscription(row)


async def end_subscription(conn: Connection, code: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE subscriptions SET status = 'unsubscribe', ended_at = $2 WHERE subscription_code = $1",
        code,
        at,
    )


async def active_subscriptions(conn: Connection, reg_event_type: str) -> list[Subscription]:
    """The subscriptions to `reg_event_type` not ended, of active senders whose registration still
    lists the subscription's callback URI, oldest first."""
    rows = await conn.fetch(
        f"""
        SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions s
        WHERE s.reg_event_type = $1 AND s.status = 'subscribe'
          AND EXISTS (SELECT 1 FROM senders x WHERE x.sender_id = s.sender_id AND x.active
                      -- callbacks go to registered URIs (or the sender's own topic) only
                      AND (s.uri = ANY(x.callback_uris)
                           OR (x.kafka_delivery AND s.uri = $2 || x.sender_id)))
        ORDER BY s.created_at, s.subscription_code
        """,
        reg_event_type,
        kafka_uri(NOTIFY_TOPIC_PREFIX),
    )
    return [_subscription(r) for r in rows]


# -- Kafka delivery topics ------------------------------------------------------------------------


async def senders_without_topic(conn: Connection) -> list[str]:
    """Senders taking callbacks on Kafka whose topic the gateway has not made sure of yet."""
    rows = await conn.fetch(
        "SELECT sender_id FROM senders WHERE kafka_delivery AND topic_ready_at IS NULL ORDER BY sender_id"
    )
    return [r["sender_id"] for r in rows]


async def mark_topic_ready(conn: Connection, sender_id: str, at: datetime) -> None:
    await conn.execute("UPDATE senders SET topic_ready_at = $2 WHERE sender_id = $1", sender_id, at)
