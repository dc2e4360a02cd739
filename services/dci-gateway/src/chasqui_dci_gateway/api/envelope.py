"""What a DCI route needs besides its body: the gateway's signer and id, and the signed content
of the request exactly as received (the signature covers the JSON as sent, not as parsed)."""

from __future__ import annotations

from typing import Annotated, Any

from chasqui_common.bootstrap import runtime
from fastapi import Depends, Request

from chasqui_dci_gateway.application.signing import GatewaySigner, signer_for
from chasqui_dci_gateway.domain.signatures import canonical_content


def gateway_signer(request: Request) -> GatewaySigner:
    settings: Any = runtime(request).settings
    return signer_for(settings.dci_signing_key_file, settings.dci_gateway_id)


async def signed_content(request: Request) -> bytes:
    raw = await request.json()  # the body FastAPI already read and validated, as sent
    return canonical_content(raw.get("header"), raw.get("message"))


Signer = Annotated[GatewaySigner, Depends(gateway_signer)]
SignedContent = Annotated[bytes, Depends(signed_content)]
