"""Every DCI search answered leaves the platform's access record (docs/privacy.md): the sender as
the client, the people answered, their documents as keyed hashes; real Postgres and Kafka."""

from __future__ import annotations

import pytest
from chasqui_common.audit import document_ref

from .conftest import Gateway
from .test_dci_search import seed

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_dci_search_is_in_the_access_record(gateway: Gateway, kafka_bootstrap_servers: str) -> None:
    data = await seed(gateway, kafka_bootstrap_servers)
    child = data["docs"]["child"]
    found = await gateway.search({"query_type": "idtype-value", "query": {"type": "UIN", "value": child}})
    assert found.status_code == 200, found.text
    rows = await gateway.service.runtime.pool.fetch(
        "SELECT * FROM access_records WHERE $1 = ANY(person_refs)", document_ref("DNI", child)
    )
    [row] = rows
    assert (row["subject"], row["operation"], row["outcome"]) == (
        gateway.sender.sender_id,
        "dci-gateway.registry.search",
        "ok",
    )
    assert row["purpose"] == "DCI search"
    assert len(row["resource_ids"]) == 1
