"""Read-only use cases: a sender's registration and the state of the callback queue."""

from __future__ import annotations

from chasqui_common.application.unit_of_work import Reader
from chasqui_common.errors import NotFound

from chasqui_dci_gateway.adapters import repository
from chasqui_dci_gateway.application.commands import sender_view
from chasqui_dci_gateway.application.models import CallbackStats, GetSender, SenderView
from chasqui_dci_gateway.domain.callbacks import FAILING_AFTER


async def get_sender(reader: Reader, query: GetSender) -> SenderView:
    sender = await repository.get_sender(reader.conn, query.sender_id)
    if sender is None:
        raise NotFound(
            f"no DCI sender {query.sender_id!r}",
            field="sender_id",
            value=query.sender_id,
            expected="a registered sender",
        )
    return sender_view(sender)


async def senders_without_topic(reader: Reader, query: None) -> list[str]:
    """Senders taking callbacks on Kafka whose topic is still to be made sure of."""
    return await repository.senders_without_topic(reader.conn)


async def callback_stats(reader: Reader, query: None) -> CallbackStats:
    pending, failing, delivered = await repository.callback_counts(reader.conn, FAILING_AFTER)
    return CallbackStats(pending, failing, delivered)
