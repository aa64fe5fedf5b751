"""The HTTP layer python-telegram-bot sends with: aiohttp, one pooled session per instance."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# HTTPXRequest's own defaults, so swapping the HTTP layer changes no limit.
CONNECTIONS = 256
READ_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
WRITE_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A per-call timeout, or the instance's own when the caller left it unset."""
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """PTB's `BaseRequest` straight on aiohttp: no httpx layers between the bot and the socket.

    The session is made in `initialize`, inside the running event loop it belongs to, and its
    connector keeps up to `connections` connections open for reuse by every send.
    """

    __slots__ = ("_connect_timeout", "_connections", "_pool_timeout", "_read_timeout", "_session")

    def __init__(
        self,
        connections: int = CONNECTIONS,
        read_timeout: float | None = READ_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout a request gets when its caller gives none."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session, unless it is open already (PTB may call this more than once)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; nothing to do when none is open."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request and return Telegram's status and body, whatever the status."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        files = request_data is not None and request_data.contains_files
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        limits = (pool, connect, write, read)
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no limit on writing the request alone, and its read limit starts once
            # the body is sent: the whole request is capped at the sum, so a stalled upload
            # still ends.
            total=None if None in limits else sum(t for t in limits if t is not None),
            # aiohttp's `connect` covers the wait for a pooled connection and making a new one.
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with session.request(
                method,
                url,
                data=_body(request_data),
                timeout=timeout,
                # A redirect is Telegram's answer for PTB to judge, as with PTB's HTTPXRequest.
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            # aiohttp's ServerTimeoutError is a TimeoutError; ConnectionTimeoutError among them
            # means no connection was had in time, so nothing was sent.
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Timed out waiting for a connection to Telegram; the request was not sent"
                ) from err
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name says most when aiohttp's message is empty.
            raise NetworkError(f"aiohttp.{type(err).__name__}: {_words(err, url)}") from err


def _words(err: aiohttp.ClientError, url: str) -> str:
    """aiohttp's message without the request's path: the Bot API's path holds the bot's token,
    and the message ends up on the undelivered message, where staff read it."""
    path = urlsplit(url).path
    return str(err).replace(path, "/…") if len(path) > 1 else str(err)


def _body(request_data: RequestData | None) -> aiohttp.FormData | None:
    """The parameters as a urlencoded form, or as multipart when files go with them."""
    if request_data is None:
        return None
    form = aiohttp.FormData(request_data.json_parameters)
    if request_data.contains_files:
        # A filename makes aiohttp send the whole form as multipart, as httpx did with `files`.
        for name, (filename, content, mimetype) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
