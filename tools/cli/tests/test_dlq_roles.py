"""Dead-letter inspection masks personal data; a replay re-publishes only what the DLQ holds (its
own ce_id and type, to its own topic) and is audited first: on the real broker."""

from __future__ import annotations

import json
import uuid

from chasqui_cli.kafka import AUDIT_TOPIC
from chasqui_testing import collect_records

from .conftest import Cli, Contract
from .test_cli import _dead_letter_headers, produce

PERSONAL = {
    "household_id": "hh-7",
    "seq": 3,
    "given_names": "Rosa Elena",
    "family_names": "Quispe Mamani",
    "document": {"type": "DNI", "number": "45678912"},
    "phone": "+51 987 654 321",
    "address": "Jr. Puno 123, Lima",
    "monthly_income": 850,
    "registered_at": "2026-01-05T10:00:00Z",
}


async def test_show_masks_personal_values_unless_asked(
    cli: Cli, contract: Contract, kafka_bootstrap_servers: str
) -> None:
    topic = contract.topic.name
    headers = [(k, v) for k, v in _dead_letter_headers(topic, 0, "body.invalid") if k != "dlq_detail"]
    headers.append(("dlq_detail", b"document 45678912 of Rosa rejected"))
    await produce(
        kafka_bootstrap_servers, contract.topic.dlq.name, [(b"hh-7", json.dumps(PERSONAL).encode(), headers)]
    )

    shown = await cli("dlq", "show", topic, "--json")
    [letter] = shown.json()["messages"]
    assert letter["masked"] is True
    body = json.loads(letter["value"])
    assert body["household_id"] == "hh-7"
    assert body["seq"] == 3
    assert body["registered_at"] == "2026-01-05T10:00:00Z"
    assert body["document"]["type"] == "DNI"
    for name in ("given_names", "family_names", "phone", "address", "monthly_income"):
        assert body[name] == "***", name
    assert body["document"]["number"] == "***"
    # Whole values only: a short fragment such as "987" may occur by chance in a generated ce_id.
    for secret in ("Rosa Elena", "Quispe", "45678912", "987 654 321", "Jr. Puno"):
        assert secret not in shown.stdout, secret
    table = await cli("dlq", "show", topic)
    assert table.code == 0, table.stderr
    assert "Quispe" not in table.stdout
    assert "45678912" not in table.stdout
    assert "body (masked)" in table.stdout

    unmasked = (await cli("dlq", "show", topic, "--unmasked", "--json")).json()["messages"][0]
    assert json.loads(unmasked["value"]) == PERSONAL
    assert unmasked["masked"] is False


async def test_replay_checks_the_record_and_audits_who_replayed_what(
    cli: Cli, contract: Contract, kafka_bootstrap_servers: str
) -> None:
    topic, dlq = contract.topic.name, contract.topic.dlq.name
    good = _dead_letter_headers(topic, 0, "body.invalid")
    event_id = dict(good)["ce_id"].decode()
    redirected = [(k, b"registry.households" if k == "dlq_original_topic" else v) for k, v in good[1:]]
    redirected.insert(0, ("ce_id", str(uuid.uuid4()).encode()))
    no_id = [(k, v) for k, v in _dead_letter_headers(topic, 2, "body.invalid") if k != "ce_id"]
    await produce(
        kafka_bootstrap_servers,
        dlq,
        [(b"k0", b'{"seq": 0}', good), (b"k1", b'{"seq": 1}', redirected), (b"k2", b'{"seq": 2}', no_id)],
    )

    # The operator names the event they mean; another one at that offset is refused.
    wrong = await cli("dlq", "replay", topic, "--offset", "0", "--event-id", str(uuid.uuid4()))
    assert wrong.code == 1
    assert f"holds event {event_id}" in wrong.stderr
    # A record whose header points at another topic, or that is no event, is never re-published.
    redirect = await cli("dlq", "replay", topic, "--offset", "1")
    assert redirect.code == 1
    assert "registry.households" in redirect.stderr
    anonymous = await cli("dlq", "replay", topic, "--offset", "2")
    assert anonymous.code == 1
    assert "no ce_id/ce_type" in anonymous.stderr
    # --all refuses the whole batch when one record is not replayable.
    assert (await cli("dlq", "replay", topic, "--all")).code == 1

    done = await cli(
        "dlq",
        "replay",
        topic,
        "--offset",
        "0",
        "--event-id",
        event_id,
        "--json",
        CHASQUI_OPERATOR="ana.operadora",
    )
    [item] = done.json()["replayed"]
    assert item["event_id"] == event_id
    records = await collect_records(kafka_bootstrap_servers, topic, count=1, timeout=10, idle_after_count=1)
    assert [r.value for r in records] == [b'{"seq": 0}']
    replayed_headers = dict(records[0].headers)
    assert replayed_headers["ce_id"].decode() == event_id
    assert replayed_headers["ce_type"] == dict(good)["ce_type"]

    audit = [
        json.loads(r.value)
        for r in await collect_records(
            kafka_bootstrap_servers, AUDIT_TOPIC, count=1, timeout=20, idle_after_count=2
        )
    ]
    mine = [a for a in audit if a["ce_id"] == event_id]
    assert [a["status"] for a in mine] == ["replaying", "replayed"]
    assert {a["replayed_by"] for a in mine} == {"ana.operadora"}
    assert mine[0]["dlq"] == {"topic": dlq, "partition": 0, "offset": 0}
    assert mine[1]["to"] == {"partition": item["partition"], "offset": item["offset"]}
    # Nothing was audited (nor published) for the refused records.
    assert not [a for a in audit if a["dlq"]["topic"] == dlq and a["dlq"]["offset"] in (1, 2)]
