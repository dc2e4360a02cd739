"""The DCI gateway end to end: registry events on the real broker become the search projection;
signed DCI searches of every query type are answered, signed, with only the entitled fields;
bad envelopes are refused with the standard's codes; an asynchronous search is answered by a
callback that survives its receiver being down. Every request and response is validated against
the vendored spdci social_api v1.0.0 document."""

from __future__ import annotations

import random
import time
import uuid
from datetime import date
from typing import Any

from chasqui_common.events.registry import (
    Classification,
    Contact,
    CseLevel,
    Disability,
    DisabilitySeverity,
    Household,
    IdentityDocument,
    Member,
    Relationship,
    Sex,
)
from chasqui_common.values import DocumentType
from chasqui_dci_gateway.domain.signatures import canonical_content as content_of
from chasqui_dci_gateway.domain.signatures import jwk_public_key, parse_signature, verify

from .conftest import (
    DciSender,
    Gateway,
    assert_request_valid,
    assert_response_valid,
    callback_errors,
    publish,
    register_sender,
    registered,
    search_message,
)


def dni() -> str:
    return f"{random.randrange(10_000_000, 99_999_999)}"


def person(pid: str, born: date, *, doc: str, sex: Sex = Sex.FEMALE, phone: str | None = None,
           relationship: Relationship = Relationship.HEAD, given: str = "Rosa",
           disability: DisabilitySeverity = DisabilitySeverity.NONE) -> Member:  # fmt: skip
    return Member(
        person_id=pid,
        document=IdentityDocument(type=DocumentType.DNI, number=doc),
        given_names=given,
        paternal_surname="Quispe",
        maternal_surname="Mamani",
        birth_date=born,
        sex=sex,
        relationship=relationship,
        disability=Disability(severity=disability, certified=disability is DisabilitySeverity.SEVERE),
        contact=Contact(phone=phone),
    )


def household(hid: str, members: list[Member], cse: CseLevel, ubigeo: str = "080101") -> Household:
    return Household(
        household_id=hid,
        ubigeo=ubigeo,
        address="Jr. Los Incas 123",
        residence_since=date(2020, 1, 1),
        registering_unit="ULE-080101",
        classification=Classification(
            level=cse, valid_from=date(2024, 1, 1), valid_until=date(2027, 12, 31), source="ULE"
        ),
        members=tuple(members),
    )


async def seed(gw: Gateway, kafka: str) -> dict[str, Any]:
    """Three households: an extreme-poor one with a grandmother and a child, a poor one with a
    severely disabled adult, a non-poor one."""
    tag = uuid.uuid4().hex[:8]
    ids = {"a": f"HH-DCI-{tag}-A", "b": f"HH-DCI-{tag}-B", "c": f"HH-DCI-{tag}-C"}
    docs = {k: dni() for k in ("grandma", "child", "adult", "other")}
    phone = f"+5198{random.randrange(1_000_000, 9_999_999)}"
    households = [
        household(ids["a"], [
            person(f"{tag}-G", date(1955, 3, 11), doc=docs["grandma"], phone=phone, given="Juana"),
            person(f"{tag}-K", date(2016, 5, 1), doc=docs["child"], relationship=Relationship.GRANDCHILD,
                   given="Luz", sex=Sex.FEMALE),
        ], CseLevel.POBRE_EXTREMO),
        household(ids["b"], [
            person(f"{tag}-D", date(1980, 1, 20), doc=docs["adult"], sex=Sex.MALE, given="Pedro",
                   disability=DisabilitySeverity.SEVERE),
        ], CseLevel.POBRE, ubigeo="150101"),
        household(ids["c"], [person(f"{tag}-O", date(1990, 7, 7), doc=docs["other"], given="Ana")],
                  CseLevel.NO_POBRE),
    ]  # fmt: skip
    await publish(kafka, *(registered(h) for h in households))
    await gw.wait_projected(set(ids.values()))
    return {"ids": ids, "docs": docs, "phone": phone, "tag": tag}


def ours(ids: dict[str, str]) -> dict[str, Any]:
    """A predicate restricting a search to this test's households (the topic is shared)."""
    return {"expression1": {"attribute_name": "household_identifier", "operator": "in",
                            "attribute_value": ",".join(ids.values())}}  # fmt: skip


def records(response: Any, index: int = 0) -> list[dict[str, Any]]:
    item = response.json()["message"]["search_response"][index]
    assert item["status"] == "succ", item
    found: list[dict[str, Any]] = item["data"]["reg_records"]
    return found


async def assert_signed_by_gateway(gw: Gateway, body: dict[str, Any]) -> None:
    async with gw.service.client() as anonymous:
        jwks = (await anonymous.get("/.well-known/jwks.json")).json()
    parts = parse_signature(body["signature"])
    assert parts.sender_id == "registry.chasqui.gob.pe"
    key = next(k for k in jwks["keys"] if k["kid"] == parts.key_id)
    raw = jwk_public_key(key)
    assert raw is not None
    verify(parts, content_of(body["header"], body["message"]), raw, now=int(time.time()))


async def test_every_query_type_is_answered_signed_and_paginated(
    gateway: Gateway, kafka_bootstrap_servers: str
) -> None:
    data = await seed(gateway, kafka_bootstrap_servers)
    ids, docs = data["ids"], data["docs"]

    by_dni = await gateway.search(
        {"query_type": "idtype-value", "query": {"type": "UIN", "value": docs["grandma"]}}
    )
    assert by_dni.status_code == 200, by_dni.text
    body = by_dni.json()
    assert body["header"]["action"] == "on-search"
    assert body["header"]["status"] == "succ"
    assert body["header"]["receiver_id"] == gateway.sender.sender_id
    [grandma] = records(by_dni)
    assert grandma["identifier"] == {
        "@type": "Identifier",
        "identifier_type": "UIN",
        "identifier_value": docs["grandma"],
    }
    assert grandma["name"]["given_name"] == "Juana"
    assert grandma["sex"] == "female"
    assert grandma["cse"]["level"] == "POBRE_EXTREMO"
    assert grandma["household_identifier"] == ids["a"]
    assert grandma["address"]["sub_region_code"] == "080101"
    await assert_signed_by_gateway(gateway, body)

    by_phone = await gateway.search(
        {"query_type": "idtype-value", "query": {"type": "MOBILE", "value": data["phone"][3:]}}
    )
    assert [r["identifier"]["identifier_value"] for r in records(by_phone)] == [docs["grandma"]]

    by_household = await gateway.search(
        {"query_type": "idtype-value", "query": {"type": "HOUSEHOLD_ID", "value": ids["a"]}}
    )
    assert {r["name"]["given_name"] for r in records(by_household)} == {"Juana", "Luz"}

    expression = await gateway.search(
        {
            "query_type": "expression",
            "query": {
                "type": "ns:chasqui:QueryType:expression",
                "value": {
                    "expression": f'household_identifier in ["{ids["a"]}", "{ids["b"]}", "{ids["c"]}"] and '
                    'cse in ["POBRE", "POBRE_EXTREMO"] and (age ge 65 or disability_severity eq "severe")'
                },
            },
            "sort": [{"attribute_name": "birth_date", "sort_order": "asc"}],
        }
    )
    assert [r["name"]["given_name"] for r in records(expression)] == ["Juana", "Pedro"]
    assert records(expression)[1]["disability"] == {"severity": "severe", "certified": True}

    predicate = await gateway.search(
        {
            "query_type": "predicate",
            "query": [
                {"seq_num": 1, **ours(ids)},
                {"seq_num": 2, "expression1": {"attribute_name": "birth_date", "operator": "lt",
                                               "attribute_value": "2000-01-01"},
                 "condition": "not",
                 "expression2": {"attribute_name": "sex", "operator": "eq", "attribute_value": "male"}},
            ],
        }
    )  # fmt: skip
    assert sorted(r["name"]["given_name"] for r in records(predicate)) == ["Ana", "Juana"]

    # Pagination: four members, pages of three, sorted by given name descending.
    pages = []
    for number in (1, 2):
        response = await gateway.search(
            {
                "query_type": "predicate",
                "query": [{"seq_num": 1, **ours(ids)}],
                "sort": [{"attribute_name": "given_name", "sort_order": "desc"}],
                "pagination": {"page_size": 3, "page_number": number},
            }
        )
        item = response.json()["message"]["search_response"][0]
        assert item["pagination"] == {"page_size": 3, "page_number": number, "total_count": 4}
        pages.append([r["name"]["given_name"] for r in item["data"]["reg_records"]])
    assert pages == [["Pedro", "Luz", "Juana"], ["Ana"]]

    too_big = await gateway.search(
        {"query_type": "predicate", "query": [{"seq_num": 1, **ours(ids)}], "pagination": {"page_size": 51}}
    )
    item = too_big.json()["message"]["search_response"][0]
    assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.pagination.invalid")


async def test_bad_envelopes_and_criteria_are_refused_as_the_standard_says(
    gateway: Gateway, kafka_bootstrap_servers: str
) -> None:
    path = "/registry/sync/search"
    query = {"query_type": "idtype-value", "query": {"type": "UIN", "value": "10117410"}}

    forged = gateway.sender.envelope("search", search_message(query), signer=DciSender("x").key)
    refused = await gateway.post(path, forged)
    assert refused.status_code == 403
    assert_response_valid(path, refused)
    assert refused.json()["errors"] == [
        {"code": "err.signature.invalid", "message": refused.json()["detail"]}
    ]

    tampered = gateway.sender.envelope("search", search_message(query))
    tampered["message"]["search_request"][0]["search_criteria"]["query"]["value"] = "20117410"
    assert (await gateway.post(path, tampered)).json()["errors"][0]["code"] == "err.signature.invalid"

    unsigned = gateway.sender.envelope("search", search_message(query))
    del unsigned["signature"]
    assert (await gateway.post(path, unsigned)).json()["errors"][0]["code"] == "err.signature.missing"

    stranger = DciSender("nobody.example.org").envelope("search", search_message(query))
    assert (await gateway.post(path, stranger)).json()["errors"][0]["code"] == "err.sender_id.invalid"

    first = gateway.sender.envelope("search", search_message(query), message_id="msg-dup-1")
    assert (await gateway.post(path, first)).status_code == 200
    again = gateway.sender.envelope("search", search_message(query), message_id="msg-dup-1")
    duplicate = await gateway.post(path, again)
    assert duplicate.status_code == 403
    assert_response_valid(path, duplicate)
    assert duplicate.json()["errors"][0]["code"] == "rjct.message_id.duplicate"

    foreign = gateway.sender.envelope(
        "search", search_message(query), sender_uri="https://evil.example.org/cb"
    )
    refused_uri = await gateway.post("/registry/search", foreign)
    assert refused_uri.status_code == 403
    assert refused_uri.json()["errors"][0]["code"] == "err.sender_uri.invalid"

    async with gateway.service.client() as anonymous:
        no_token = await anonymous.post(path, json=gateway.sender.envelope("search", search_message(query)))
    assert no_token.status_code == 401
    assert_response_valid(path, no_token)

    criteria = await gateway.search(
        {"query_type": "predicate",
         "query": [{"expression1": {"attribute_name": "salary", "operator": "gt", "attribute_value": "1000"}}]},
        {"query_type": "predicate",
         "query": [{"expression1": {"attribute_name": "cse", "operator": "like", "attribute_value": "POBRE"}}]},
        {"query_type": "idtype-value", "query": {"type": "BRN", "value": "123"}},
        {"query_type": "idtype-value", "query": {"type": "UIN", "value": "10117410"},
         "sort": [{"attribute_name": "income", "sort_order": "asc"}]},
        valid_request=False,  # `like` is not an operator of the standard either
    )  # fmt: skip
    items = criteria.json()["message"]["search_response"]
    assert [(i["status"], i["status_reason_code"]) for i in items] == [
        ("rjct", "rjct.filter.invalid"),
        ("rjct", "rjct.filter.invalid"),
        ("rjct", "rjct.search_criteria.invalid"),
        ("rjct", "rjct.sort.invalid"),
    ]
    assert "salary" in items[0]["status_reason_message"]


async def test_a_sender_receives_and_filters_only_its_entitled_fields(
    gateway: Gateway, kafka_bootstrap_servers: str
) -> None:
    data = await seed(gateway, kafka_bootstrap_servers)
    narrow = DciSender(f"pronabec-{uuid.uuid4().hex[:6]}.gob.pe")
    assert (
        await register_sender(gateway, narrow, ["identifier", "name", "household_identifier"])
    ).status_code == 200
    body = narrow.envelope(
        "search",
        search_message(
            {"query_type": "idtype-value", "query": {"type": "UIN", "value": data["docs"]["adult"]}},
            {"query_type": "predicate",
             "query": [{"expression1": {"attribute_name": "disability_severity", "operator": "eq",
                                        "attribute_value": "severe"}}]},
        ),
    )  # fmt: skip
    assert_request_valid("/registry/sync/search", body)
    response = await gateway.post("/registry/sync/search", body)
    assert_response_valid("/registry/sync/search", response)
    first, second = response.json()["message"]["search_response"]
    [record] = first["data"]["reg_records"]
    assert set(record) == {"@context", "@type", "identifier", "name", "household_identifier",
                           "registration_date", "last_updated"}  # fmt: skip
    assert (second["status"], second["status_reason_code"]) == ("rjct", "rjct.filter.invalid")
    logged = await gateway.service.runtime.pool.fetchval(
        "SELECT person_ids FROM access_log WHERE sender_id = $1 AND reference_id = 'ref-0'",
        narrow.sender_id,
    )
    assert logged == [f"{data['tag']}-D"]


async def test_async_search_is_answered_by_a_signed_callback_delivered_after_an_outage(
    gateway: Gateway, kafka_bootstrap_servers: str
) -> None:
    data = await seed(gateway, kafka_bootstrap_servers)
    gateway.receiver.down = True
    body = gateway.sender.envelope(
        "search",
        search_message(
            {"query_type": "idtype-value", "query": {"type": "UIN", "value": data["docs"]["child"]}}
        ),
        sender_uri=f"{gateway.receiver.base_url}/dci/on-search",
    )
    assert_request_valid("/registry/search", body)
    ack = await gateway.post("/registry/search", body)
    assert ack.status_code == 200, ack.text
    assert_response_valid("/registry/search", ack)
    assert ack.json()["message"]["ack_status"] == "ACK"
    correlation_id = ack.json()["message"]["correlation_id"]

    deadline = time.monotonic() + 20
    while gateway.receiver.refused < 2 and time.monotonic() < deadline:
        await gateway.receiver.wait_for(10**6, 0.5)
    assert gateway.receiver.refused >= 2  # tried, refused, retried
    gateway.receiver.down = False
    [callback] = await gateway.receiver.wait_for(1, timeout=30)
    assert not callback_errors(callback)
    assert callback["header"]["action"] == "on-search"
    assert callback["message"]["correlation_id"] == correlation_id
    [record] = callback["message"]["search_response"][0]["data"]["reg_records"]
    assert record["name"]["given_name"] == "Luz"
    await assert_signed_by_gateway(gateway, callback)
    await gateway.receiver.wait_for(2, timeout=2)
    assert len(gateway.receiver.bodies) == 1  # delivered once acknowledged

    status_body = gateway.sender.envelope(
        "txn-status",
        {"transaction_id": body["message"]["transaction_id"],
         # A string attribute_value matches two branches of the standard's oneOf; a list of
         # reference ids is the form that validates (docs/dci.md#spec-defects).
         "txnstatus_request": {"reference_id": "st-1", "txn_type": "search", "attribute_type": "reference_id_list",
                               "attribute_value": ["ref-0"]}},
        total_count=1,
    )  # fmt: skip
    assert_request_valid("/registry/sync/txn/status", status_body)
    status = await gateway.post("/registry/sync/txn/status", status_body)
    assert status.status_code == 200, status.text
    assert_response_valid("/registry/sync/txn/status", status)
    answer = status.json()["message"]["txnstatus_response"]["txn_status"]
    assert answer["correlation_id"] == correlation_id
    assert answer["search_response"][0]["data"]["reg_records"][0]["name"]["given_name"] == "Luz"

    # The same status asked asynchronously: ACK, then a signed txn/on-status callback.
    async_status = gateway.sender.envelope(
        "txn-status",
        {"transaction_id": body["message"]["transaction_id"],
         "txnstatus_request": {"reference_id": "st-2", "txn_type": "search", "attribute_type": "reference_id_list",
                               "attribute_value": ["ref-0"]}},
        total_count=1,
        sender_uri=f"{gateway.receiver.base_url}/dci/txn",
    )  # fmt: skip
    acked = await gateway.post("/registry/txn/status", async_status)
    assert acked.status_code == 200, acked.text
    assert acked.json()["message"]["ack_status"] == "ACK"
    bodies = await gateway.receiver.wait_for(2, timeout=30)
    [on_status] = [b for b in bodies if b["header"]["action"] == "txn-on-status"]
    assert not callback_errors(on_status)
    await assert_signed_by_gateway(gateway, on_status)
    kept = on_status["message"]["txnstatus_response"]["txn_status"]
    assert kept["correlation_id"] == correlation_id
    assert kept["search_response"][0]["data"]["reg_records"][0]["name"]["given_name"] == "Luz"
