"""Issue 13 regressions for the registry: control characters, encodings, dates, import size and
status, one import per replica, and a person keeping their person_id across households."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from chasqui_registry.adapters.import_files import CSV_COLUMNS
from chasqui_registry.application import imports
from chasqui_registry.domain.errors import ImportBusy
from chasqui_registry.main import DEFINITION
from chasqui_testing import RunningService, running_service

pytestmark = pytest.mark.asyncio(loop_scope="session")

UNIT = "ULE-150142"


def dni() -> str:
    return f"{uuid.uuid4().int % 100_000_000:08d}"


def row(key: str, number: str, **overrides: str) -> dict[str, str]:
    values = {
        "household_key": key,
        "registering_unit": UNIT,
        "ubigeo": "150142",
        "address": "Sector 1, Grupo 4, Mz. C Lt. 9",
        "residence_since": "2015-03-01",
        "document_type": "DNI",
        "document_number": number,
        "given_names": "Túpac",
        "paternal_surname": "Ñaupa",
        "birth_date": "14/03/1972",
        "sex": "M",
        "relationship": "HEAD",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def member(number: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "document": {"type": "DNI", "number": number},
        "given_names": "Rosa",
        "paternal_surname": "Quispe",
        "birth_date": "1950-03-14",
        "sex": "M",
        "relationship": "HEAD",
        "contact": {"phone": "+51987654321", "consent": {"sms": True}},
    }
    data.update(overrides)
    return data


def household_body(*members: dict[str, Any]) -> dict[str, Any]:
    return {
        "ubigeo": "150142",
        "address": "Sector 2, Grupo 5, Mz. K Lt. 3",
        "residence_since": "2012-07-01",
        "registering_unit": UNIT,
        "members": list(members),
    }


def service_for(service_db: Any, kafka: str, tmp_path: Path) -> Any:
    return running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka,
        auth_dir=tmp_path / "auth",
    )


async def post_import(service: RunningService, name: str, content: bytes, **form: str) -> Any:
    async with service.client("registry:write", "registry:read") as client:
        return await client.post("/v1/imports", files={"file": (name, content)}, data=form)


async def finished(service: RunningService, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    async with service.client("registry:read") as client:
        for _ in range(200):
            status = dict((await client.get(response.json()["location"])).json())
            if status["status"] not in ("queued", "running"):
                return status
            await asyncio.sleep(0.05)
    raise AssertionError(f"import did not finish: {status}")


async def person_of(service: RunningService, number: str) -> list[dict[str, Any]]:
    async with service.client("registry:read") as client:
        found = await client.get("/v1/persons", params={"document_type": "DNI", "document_number": number})
    return list(found.json())


async def test_a_row_with_control_characters_rejects_only_its_household(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    good, bad, other = dni(), dni(), dni()
    content = csv_bytes(
        [
            row("OK-1", good),
            row("NUL", bad, given_names="Ana\x00Maria"),
            row("OK-2", other, address="Av. \x85 1"),
        ]
    )
    lines = [json.dumps({"household_key": "J-OK", **household_body(member(dni()))})]
    lines.append(
        json.dumps({"household_key": "J-NUL", **household_body(member(dni(), given_names="Ana\x00Maria"))})
    )
    lines.append('{"household_key": "J-SUR", "address": "\\ud800"}')
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        status = await finished(service, await post_import(service, "ule.csv", content.encode()))
        assert status["status"] == "completed", status
        assert (status["households_imported"], status["households_rejected"]) == (1, 2), status
        errors = {e["household_key"]: e for e in status["errors"]}
        assert (errors["NUL"]["row_number"], errors["NUL"]["field"]) == (3, "given_names")
        assert errors["NUL"]["value"] == "Ana\\u0000Maria"
        assert "U+0000" in errors["NUL"]["reason"]
        assert (errors["OK-2"]["row_number"], errors["OK-2"]["field"]) == (4, "address")  # C1 U+0085
        assert await person_of(service, good)

        status = await finished(service, await post_import(service, "ule.jsonl", "\n".join(lines).encode()))
        assert status["status"] == "completed", status
        assert (status["households_imported"], status["households_rejected"]) == (1, 2), status
        errors = {e["household_key"]: e for e in status["errors"]}
        assert (errors["J-NUL"]["row_number"], errors["J-NUL"]["field"]) == (2, "members.0.given_names")
        assert (errors["J-SUR"]["row_number"], errors["J-SUR"]["field"]) == (3, "address")

        async with service.client("registry:write") as client:
            answer = await client.post(
                "/v1/households", json=household_body(member(dni(), given_names="Ana\x00Maria"))
            )
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "members.0.given_names"


async def test_windows_1252_is_advised_and_read_and_other_encodings_are_refused_at_the_request(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    number = dni()
    address = "Av. O’Higgins 120 – Mz. Ñ"
    content = csv_bytes([row("W-1", number, address=address)]).encode("windows-1252")
    assert b"\x92" in content
    assert b"\x96" in content
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        refused = await finished(service, await post_import(service, "w.csv", content))
        assert refused["status"] == "failed"
        assert "encoding=windows-1252" in refused["error"]
        assert "latin-1" not in refused["error"]

        accepted = await finished(
            service, await post_import(service, "w.csv", content, encoding="windows-1252")
        )
        assert accepted["households_imported"] == 1, accepted
        found = await person_of(service, number)
        async with service.client("registry:read") as client:
            household = (await client.get(f"/v1/households/{found[0]['household_id']}")).json()["household"]
        assert household["address"] == address

        # As Latin-1, 0x92 and 0x96 are C1 controls: that household is refused, per row.
        as_latin1 = await finished(
            service, await post_import(service, "w2.csv", content.replace(b"W-1", b"W-2"), encoding="latin-1")
        )
        assert as_latin1["households_rejected"] == 1
        assert as_latin1["errors"][0]["field"] == "address"

        for name in ("zlib_codec", "base64", "rot13", "utf-16", "idna", "ascii\x00", "no-such-codec"):
            answer = await post_import(service, "x.csv", content, encoding=name)
            assert answer.status_code == 422, (name, answer.text)
            assert answer.json()["errors"][0]["field"] == "encoding"
        for alias in ("UTF8", "utf-8-sig", "cp1252", "latin1", "ISO-8859-1"):
            plain = csv_bytes(
                [row(f"A-{alias}", dni(), paternal_surname="Quispe", given_names="Rosa")]
            ).encode()
            ok = await finished(service, await post_import(service, "x.csv", plain, encoding=alias))
            assert ok["status"] == "completed", (alias, ok)


async def test_file_and_body_dates_are_iso_or_day_first_only_and_quoted_as_written(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    content = csv_bytes(
        [
            row("ZERO", dni(), birth_date="0"),
            row("US", dni(), birth_date="3/14/1958"),
            row("SINCE", dni(), residence_since="86400"),
            row("OK", dni(), birth_date="14/03/1958"),
        ]
    )
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        status = await finished(service, await post_import(service, "d.csv", content.encode()))
        assert status["households_imported"] == 1, status
        errors = {e["household_key"]: e for e in status["errors"]}
        assert (errors["ZERO"]["field"], errors["ZERO"]["value"]) == ("birth_date", "0")
        assert (errors["US"]["field"], errors["US"]["value"]) == ("birth_date", "3/14/1958")
        assert "YYYY-MM-DD or DD/MM/YYYY" in errors["US"]["reason"]
        assert (errors["SINCE"]["field"], errors["SINCE"]["value"]) == ("residence_since", "86400")

        jsonl = json.dumps({"household_key": "J0", **household_body(member(dni(), birth_date=0))})
        status = await finished(service, await post_import(service, "d.jsonl", jsonl.encode()))
        assert status["households_rejected"] == 1
        assert status["errors"][0]["field"] == "members.0.birth_date"

        async with service.client("registry:write") as client:
            for value in (0, "86400", "3/14/1958", "14/03/1958"):
                answer = await client.post(
                    "/v1/households", json=household_body(member(dni(), birth_date=value))
                )
                assert answer.status_code == 422, (value, answer.text)
                assert answer.json()["errors"][0]["field"] == "members.0.birth_date"


async def test_imports_over_the_maximum_get_413_and_one_import_runs_at_a_time(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPORT_MAX_BYTES", "2000")
    content = csv_bytes([row(f"K-{i}", dni()) for i in range(40)]).encode()
    assert len(content) > 2000
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        answer = await post_import(service, "big.csv", content)
        assert answer.status_code == 413, answer.text
        assert answer.json()["type"] == "https://chasqui.pe/problems/registry-import-too-large"
        assert answer.headers["content-type"].startswith("application/problem+json")

        with imports.reserve_import():
            busy = await post_import(service, "small.csv", content[:500])
            assert busy.status_code == 409, busy.text
            assert busy.json()["type"] == "https://chasqui.pe/problems/registry-import-busy"
            with pytest.raises(ImportBusy):
                imports.reserve_import()
        # The slot is free again.
        small = csv_bytes([row("S-1", dni())]).encode()
        assert (await finished(service, await post_import(service, "small.csv", small)))[
            "status"
        ] == "completed"


async def test_imports_left_running_by_a_crash_are_marked_interrupted_at_start_up(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        pool = service.runtime.pool
        mine, stale, alive = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await pool.execute(
            "INSERT INTO imports (import_id, filename, format, status, instance, heartbeat_at) VALUES "
            "($1, 'a.csv', 'csv', 'running', $4, now()), "
            "($2, 'b.csv', 'csv', 'queued', 'other-pod', now() - interval '1 hour'), "
            "($3, 'c.csv', 'csv', 'running', 'other-pod', now())",
            mine,
            stale,
            alive,
            imports.INSTANCE,
        )
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        pool = service.runtime.pool

        async def statuses() -> dict[Any, str]:
            rows = await pool.fetch("SELECT import_id, status FROM imports")
            return {r["import_id"]: r["status"] for r in rows}

        for _ in range(100):
            if (await statuses())[mine] == "interrupted":
                break
            await asyncio.sleep(0.05)
        found = await statuses()
        assert (found[mine], found[stale], found[alive]) == ("interrupted", "interrupted", "running")
        async with service.client("registry:read") as client:
            shown = (await client.get(f"/v1/imports/{mine}")).json()
        assert shown["status"] == "interrupted"
        assert shown["error"]
        assert shown["finished_at"]


async def test_a_person_keeps_their_person_id_when_moving_between_households(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    father, son = dni(), dni()
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        async with service.client("registry:write") as client:
            a = (
                await client.post(
                    "/v1/households",
                    json=household_body(member(dni()), member(father, relationship="PARENT")),
                )
            ).json()
            b = (await client.post("/v1/households", json=household_body(member(son)))).json()
            a_id, b_id = a["household"]["household_id"], b["household"]["household_id"]
            person_id = a["household"]["members"][1]["person_id"]

            # Adding first, while still a member of A: 409, naming A.
            early = await client.post(
                f"/v1/households/{b_id}/members", json=member(father, relationship="PARENT")
            )
            assert early.status_code == 409, early.text
            assert early.json()["type"] == "https://chasqui.pe/problems/registry-document-taken"
            assert early.json()["existing_household_id"] == a_id

            removed = await client.request(
                "DELETE", f"/v1/households/{a_id}/members/{person_id}", json={"reason": "se mudó con su hijo"}
            )
            assert removed.status_code == 200, removed.text
            added = await client.post(
                f"/v1/households/{b_id}/members", json=member(father, relationship="PARENT")
            )
            assert added.status_code == 201, added.text
            assert added.json()["person_id"] == person_id

            # And back again: the same person, the old row of A current again.
            await client.request(
                "DELETE", f"/v1/households/{b_id}/members/{person_id}", json={"reason": "volvió"}
            )
            back = await client.post(
                f"/v1/households/{a_id}/members", json=member(father, relationship="PARENT")
            )
            assert back.status_code == 201, back.text
            assert back.json()["person_id"] == person_id

        found = await person_of(service, father)
        assert {p["person_id"] for p in found} == {person_id}
        assert [p["household_id"] for p in found if p["registered"]] == [a_id]

        rows = await service.runtime.pool.fetch(
            "SELECT event_type, body FROM outbox WHERE event_type LIKE '%member.%' ORDER BY position"
        )
        events = [(r["event_type"].split(".")[-2], json.loads(bytes(r["body"]))) for r in rows]
        assert [(kind, e["household_id"], e["person_id"]) for kind, e in events] == [
            ("removed", a_id, person_id),
            ("added", b_id, person_id),
            ("removed", b_id, person_id),
            ("added", a_id, person_id),
        ]

        # An import moving him to a new household keeps his person_id too (in the event as well).
        async with service.client("registry:write") as client:
            await client.request(
                "DELETE", f"/v1/households/{a_id}/members/{person_id}", json={"reason": "otra vez"}
            )
        content = csv_bytes(
            [row("MOVE", son.replace(son, dni())), row("MOVE", father, relationship="PARENT")]
        )
        status = await finished(service, await post_import(service, "move.csv", content.encode()))
        assert status["households_imported"] == 1, status
        moved = [p for p in await person_of(service, father) if p["registered"]]
        assert [p["person_id"] for p in moved] == [person_id]
        body = await service.runtime.pool.fetchval(
            "SELECT body FROM outbox WHERE message_key = $1", moved[0]["household_id"]
        )
        assert person_id in bytes(body).decode()


async def test_api_values_follow_the_shared_rules_for_phones_documents_ubigeo_and_parameters(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        service_for(service_db, kafka_bootstrap_servers, tmp_path) as service,
        service.client("registry:write", "registry:read") as client,
    ):
        # One mobile written three ways is stored one way, in E.164 (body, snapshot and event).
        for written in ("987654321", "51987654321", "0051987654321"):
            contact = {"phone": written, "consent": {"sms": True, "whatsapp": True}}
            answer = await client.post("/v1/households", json=household_body(member(dni(), contact=contact)))
            assert answer.status_code == 201, (written, answer.text)
            household = answer.json()["household"]
            assert household["members"][0]["contact"]["phone"] == "+51987654321", written
            stored = (await client.get(f"/v1/households/{household['household_id']}")).json()
            assert stored["household"]["members"][0]["contact"]["phone"] == "+51987654321"
            body = await service.runtime.pool.fetchval(
                "SELECT body FROM outbox WHERE message_key = $1", household["household_id"]
            )
            assert json.loads(bytes(body))["household"]["members"][0]["contact"]["phone"] == "+51987654321"

        # Not a Peruvian number (8 digits after 51): 422 naming the field, the value masked.
        answer = await client.post(
            "/v1/households", json=household_body(member(dni(), contact={"phone": "+5198765432"}))
        )
        assert answer.status_code == 422, answer.text
        error = answer.json()["errors"][0]
        assert error["field"] == "members.0.contact.phone"
        assert error["value"] != "+5198765432"

        # SMS or WhatsApp consent with a landline: 422 naming the consent (a landline alone is fine).
        for channel in ("sms", "whatsapp"):
            contact = {"phone": "(01) 412-3456", "consent": {channel: True}}
            answer = await client.post("/v1/households", json=household_body(member(dni(), contact=contact)))
            assert answer.status_code == 422, answer.text
            assert [e["field"] for e in answer.json()["errors"]] == [f"members.0.contact.consent.{channel}"]
        landline = await client.post(
            "/v1/households", json=household_body(member(dni(), contact={"phone": "014123456"}))
        )
        assert landline.status_code == 201, landline.text
        hid = landline.json()["household"]["household_id"]
        head_id = landline.json()["household"]["members"][0]["person_id"]
        assert landline.json()["household"]["members"][0]["contact"]["phone"] == "+5114123456"
        patched = await client.patch(
            f"/v1/households/{hid}/members/{head_id}",
            json={"contact": {"phone": "014123456", "consent": {"sms": True}}},
        )
        assert patched.status_code == 422, patched.text
        assert patched.json()["errors"][0]["field"] == "members.0.contact.consent.sms"

        # A 13-character passport is accepted (and found again by its number).
        passport = f"AB{uuid.uuid4().int % 10**11:011d}"
        assert len(passport) == 13
        answer = await client.post(
            "/v1/households",
            json=household_body(member(passport, document={"type": "PASSPORT", "number": passport})),
        )
        assert answer.status_code == 201, answer.text
        found = await client.get(
            "/v1/persons", params={"document_type": "PASSPORT", "document_number": passport}
        )
        assert [p["member"]["document"]["number"] for p in found.json()] == [passport]

        # 090708 is no district (Huaribamba is 090709): 422 naming the ubigeo, at POST and PATCH.
        body = household_body(member(dni()))
        body["ubigeo"] = "090708"
        answer = await client.post("/v1/households", json=body)
        assert answer.status_code == 422, answer.text
        assert [(e["field"], e["value"]) for e in answer.json()["errors"]] == [("ubigeo", "090708")]
        answer = await client.patch(f"/v1/households/{hid}", json={"ubigeo": "090708"})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "ubigeo"
        assert (await client.patch(f"/v1/households/{hid}", json={"ubigeo": "090709"})).status_code == 200

        # Free text of remove/deregister bodies: the shared text rule (line breaks allowed).
        for bad in ("moved\x00out", "moved\x85out", "ab", "x" * 301):
            answer = await client.post(f"/v1/households/{hid}/deregister", json={"reason": bad})
            assert answer.status_code == 422, (bad, answer.text)
            assert answer.json()["errors"][0]["field"] == "reason"
        child = await client.post(
            f"/v1/households/{hid}/members",
            json=member(dni(), relationship="CHILD", birth_date="2010-01-01", contact={}),
        )
        assert child.status_code == 201, child.text
        removed = await client.request(
            "DELETE",
            f"/v1/households/{hid}/members/{child.json()['person_id']}",
            json={"reason": "Ana\x00"},
        )
        assert removed.status_code == 422, removed.text
        assert removed.json()["errors"][0]["field"] == "reason"

        # Query parameters: the shared document rule; path ids: UUIDs only.
        for number in ("4012345\x00", "40123459\n", "ABC"):
            answer = await client.get(
                "/v1/persons", params={"document_type": "DNI", "document_number": number}
            )
            assert answer.status_code == 422, (number, answer.text)
            assert answer.json()["errors"][0]["field"] == "document_number"
        for path in ("/v1/households/x%00y", "/v1/households/not-an-id", "/v1/imports/%C2%85"):
            answer = await client.get(path)
            assert answer.status_code == 422, (path, answer.text)
            assert answer.json()["errors"][0]["field"].endswith(("household_id", "import_id"))
        answer = await client.patch(f"/v1/households/{hid}/members/x%00", json={"given_names": "Ana"})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"].endswith("person_id")

        # Text is stored exactly as sent (no stripping): leading and trailing spaces are kept.
        answer = await client.patch(f"/v1/households/{hid}", json={"address": " Jr. Ayacucho 12 "})
        assert answer.status_code == 200, answer.text
        assert answer.json()["household"]["address"] == " Jr. Ayacucho 12 "


async def test_imports_store_phones_in_e164_and_refuse_sms_consent_to_a_landline(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    mobile, landline = dni(), dni()
    content = csv_bytes(
        [
            row("MOBILE", mobile, phone="0051987654321", consent_sms="si"),
            row("LANDLINE", landline, phone="014123456", consent_whatsapp="x"),
            row("BAD", dni(), phone="+5198765432"),
            row("UBIGEO", dni(), ubigeo="090708"),
        ]
    )
    jsonl = json.dumps(
        {
            "household_key": "J-LANDLINE",
            **household_body(member(dni(), contact={"phone": "014123456", "consent": {"sms": True}})),
        }
    )
    async with service_for(service_db, kafka_bootstrap_servers, tmp_path) as service:
        status = await finished(service, await post_import(service, "p.csv", content.encode()))
        assert (status["households_imported"], status["households_rejected"]) == (1, 3), status
        errors = {e["household_key"]: e for e in status["errors"]}
        assert errors["LANDLINE"]["field"] == "consent_whatsapp"
        assert errors["BAD"]["field"] == "phone"
        assert (errors["UBIGEO"]["field"], errors["UBIGEO"]["value"]) == ("ubigeo", "090708")
        [person] = await person_of(service, mobile)
        assert person["member"]["contact"]["phone"] == "+51987654321"

        status = await finished(service, await post_import(service, "p.jsonl", jsonl.encode()))
        assert status["households_rejected"] == 1, status
        assert status["errors"][0]["field"] == "members.0.contact.consent.sms"

        # The file name is text too: a control character in it is 422 on `file`.
        answer = await post_import(service, "ule\x85\x7f.csv", content.encode())
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == "file"
