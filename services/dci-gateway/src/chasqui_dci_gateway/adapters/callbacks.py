"""Callback transport: POST a signed DCI message to a sender's callback URI."""

from __future__ import annotations

import httpx

ACCEPTED = range(200, 300)


class CallbackTransport:
    """One HTTP client for every callback; `post` says what went wrong, or None when accepted."""

    def __init__(self, timeout: float = 10.0) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def post(self, uri: str, body: bytes) -> str | None:
        try:
            response = await self._client.post(
                uri,
                content=body,
                headers={"Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if response.status_code not in ACCEPTED:
            return f"HTTP {response.status_code}: {response.text[:300]}"
        return None

    async def close(self) -> None:
        await self._client.aclose()
