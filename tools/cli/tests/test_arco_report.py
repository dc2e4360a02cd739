"""`chasqui arco`: the document argument and the report assembled from the services' answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from chasqui_cli.arco import assemble, parse_document
from chasqui_cli.errors import CliError
from chasqui_cli.main import main
from chasqui_common.events.arco import ArcoAnswered, ArcoRequested, ArcoRight, HeldRecord, Purpose
from chasqui_common.values import IdentityDocument

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
REQUEST = ArcoRequested(
    request_id=str(uuid.uuid4()),
    right=ArcoRight.ACCESS,
    document=IdentityDocument(type="DNI", number="41835127"),
    person_ids=["p-1"],
    requested_by="dpo",
    requested_at=AT,
)


def answer(service: str, *, request: ArcoRequested = REQUEST, **fields: object) -> ArcoAnswered:
    return ArcoAnswered(
        request_id=request.request_id,
        right=request.right,
        service=service,
        answered_at=AT + timedelta(seconds=len(service)),
        **fields,
    )


def test_a_document_is_type_colon_number_normalised_by_the_shared_rule() -> None:
    assert parse_document("dni:41835127-1") == IdentityDocument(type="DNI", number="41835127")
    assert parse_document("CPP: a7731904") == IdentityDocument(type="CPP", number="A7731904")


@pytest.mark.parametrize("text", ["41835127", "DNI:4183", "XYZ:41835127"])
def test_a_malformed_document_is_refused_naming_it(text: str) -> None:
    with pytest.raises(CliError, match="--document"):
        parse_document(text)


def test_the_report_has_each_services_part_in_order_and_names_the_silent_ones() -> None:
    record = HeldRecord(store="persons", key="7", fields={"given_names": "Teodora"})
    report = assemble(
        REQUEST,
        [
            answer("notifications", person_ids=["p-1"]),
            answer("registry", person_ids=["p-1", "p-2"], records=[record]),
            answer("registry", request=REQUEST.model_copy(update={"request_id": str(uuid.uuid4())})),
        ],
        expected=("registry", "eligibility", "notifications"),
    )

    assert [part.service for part in report.parts] == ["registry", "notifications"]
    assert report.parts[0].records == [record]
    assert report.person_ids == ["p-1", "p-2"]
    assert report.missing == ["eligibility"]
    assert not report.complete


def test_answers_of_two_instances_of_one_service_are_merged() -> None:
    first = HeldRecord(store="contacts", key="p-1", fields={})
    second = HeldRecord(store="deliveries", key="d-1", fields={})
    request = REQUEST.model_copy(update={"right": ArcoRight.OPPOSITION})
    report = assemble(
        request,
        [
            answer(
                "notifications",
                request=request,
                records=[first],
                erased=1,
                withdrawn=[Purpose.NOTIFICATIONS_SMS],
            ),
            answer("notifications", request=request, records=[first, second], erased=2),
        ],
        expected=("notifications",),
    )

    [part] = report.parts
    assert part.records == [first, second]
    assert part.erased == 3
    assert part.withdrawn == ["notifications.sms"]
    assert report.complete


def test_cancel_asks_for_confirmation_before_anything_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arco", "cancel", "--document", "DNI:41835127"]) == 1
    assert "--yes" in capsys.readouterr().err
