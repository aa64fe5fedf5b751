"""The HTTP client Twilio's library sends with: aiohttp, one pooled session per process."""

from __future__ import annotations

from typing import Any

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient  # type: ignore[import-untyped]

TWILIO_API = "https://api.twilio.com"


class RebasedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """The library's async HTTP client, sending to another host and always with a timeout.

    The library builds every URL on https://api.twilio.com; a test double or a proxy sits
    elsewhere. Without an explicit timeout, aiohttp would wait for ever on a stalled request.
    """

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = (base_url or TWILIO_API).rstrip("/")

    # The signature is the library's own; its `timeout` is a per-request limit, not ours.
    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
        allow_redirects: bool = False,
    ) -> Any:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        headers = dict(headers or {})
        if auth is not None:
            # As a header: aiohttp deprecates the BasicAuth object the library would pass.
            headers["Authorization"] = aiohttp.encode_basic_auth(*auth)
        # aiohttp turns a number into a total time limit, but None into no limit at all.
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout or self.timeout,
            allow_redirects=allow_redirects,
        )
