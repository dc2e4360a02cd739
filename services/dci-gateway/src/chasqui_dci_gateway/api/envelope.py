"""What a DCI route needs besides its body: the gateway's signer and id, and the signed content
of the request exactly as received (the signature covers the JSON as sent, not as parsed), after
the envelope's text and the sender's rate limit are checked."""

from __future__ import annotations

from typing import Annotated, Any

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases, runtime
from fastapi import Depends, Request

from chasqui_dci_gateway.application.commands import count_request
from chasqui_dci_gateway.application.models import CountRequest
from chasqui_dci_gateway.application.signing import GatewaySigner, signer_for
from chasqui_dci_gateway.domain.signatures import canonical_content
from chasqui_dci_gateway.domain.text import check_message_text

from .scopes import SEARCH


def gateway_signer(request: Request) -> GatewaySigner:
    settings: Any = runtime(request).settings
    return signer_for(settings.dci_signing_key_file, settings.dci_gateway_id)


async def signed_content(request: Request, run: UseCases, _: Principal = Depends(SEARCH)) -> bytes:
    """The canonical `{header}+{message}` as sent. First every string in the envelope must be text
    (a control character is refused naming its field, before the signature is looked at), and the
    sender must be within its requests per minute (429 with Retry-After otherwise)."""
    raw = await request.json()  # the body FastAPI already read, as sent
    if not isinstance(raw, dict):
        return b""  # body validation refuses it with the failing fields
    check_message_text({k: raw[k] for k in ("signature", "header", "message") if k in raw})
    header = raw.get("header")
    sender_id = header.get("sender_id") if isinstance(header, dict) else None
    if isinstance(sender_id, str):
        # SenderRateLimited (429 with Retry-After) beyond the sender's requests per minute.
        await run.command(count_request, CountRequest(sender_id))
    return canonical_content(header, raw.get("message"))


Signer = Annotated[GatewaySigner, Depends(gateway_signer)]
SignedContent = Annotated[bytes, Depends(signed_content)]
