"""The HTTP client Twilio's library sends with: aiohttp, one pooled session per process."""

from __future__ import annotations

from typing import Any

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient  # type: ignore[import-untyped]
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from bot.config import Settings

TWILIO_API = "https://api.twilio.com"
REQUEST_TIMEOUT = 15.0


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


class TwilioAccount:
    """One Twilio account as a channel uses it: the library's client on this event loop, and
    the check of Twilio's signature on the webhooks it posts to us."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ValueError("Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        self.account_sid = settings.twilio_account_sid
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.public_base_url = settings.public_base_url.rstrip("/")
        self._token = settings.twilio_auth_token
        self._base_url = settings.twilio_api_base_url
        self._http: RebasedHttpClient | None = None
        self._client: Any = None

    async def start(self) -> None:
        """Open the HTTP session; it belongs to the running event loop."""
        self._http = RebasedHttpClient(self._base_url, REQUEST_TIMEOUT)
        client = Client(self.account_sid, self._token, http_client=self._http)
        # The library reads TWILIO_EDGE and TWILIO_REGION from the environment; settings come
        # only from bot.config, and an edge host would not match the base URL override.
        client.edge = client.region = None
        self._client = client

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def signature_ok(self, url: str, params: Any, signature: str) -> bool:
        """Whether `signature` is Twilio's for this URL and form, made with our auth token."""
        if not signature:
            return False
        return bool(self.validator.validate(url, params, signature))
