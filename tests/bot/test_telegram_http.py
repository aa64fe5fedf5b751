"""PTB's HTTP layer on aiohttp, through a real `telegram.Bot`, against a Bot API served over
real HTTP in the test's own event loop."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

from bot.channels.telegram import _outcome_unknown, _request
from bot.channels.telegram_http import AiohttpRequest
from tests.doubles.telegram_api import BOT_USER

TOKEN = "123456:AAHtest-token_for-the-http-layer"
CHAT_ID = 4242


@dataclass(frozen=True)
class Seen:
    """One request the Bot API received: its method, headers, form fields and files."""

    method: str
    content_type: str
    user_agent: str
    fields: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]
    peer: tuple[str, int]


@dataclass
class BotApi:
    """The Bot API's side of the wire. `answer` is how it answers: "ok", "error" (a 500),
    "stall" (not until `release` is set; `stalled` says one is waiting), "hang_up" (the
    connection closes instead) or "garbled" (a status line that is not HTTP)."""

    url: str = ""
    answer: str = "ok"
    release: asyncio.Event = field(default_factory=asyncio.Event)
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    seen: list[Seen] = field(default_factory=list)
    next_message_id: int = 1

    def sent(self, method: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.method == method]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        fields: dict[str, str] = {}
        files: dict[str, tuple[str, bytes, str]] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.file.read(), value.content_type)
            else:
                assert isinstance(value, str)
                fields[name] = value
        method = request.match_info["method"]
        self.seen.append(
            Seen(
                method,
                request.content_type,
                request.headers.get("User-Agent", ""),
                fields,
                files,
                request.transport.get_extra_info("peername"),
            )
        )
        if self.answer in ("hang_up", "garbled"):
            if self.answer == "garbled":
                request.transport.write(b"HTTP/1.1 2x0 Nope\r\nContent-Length: 2\r\n\r\nok")
            request.transport.close()
            return web.Response()
        if self.answer == "error":
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            return web.json_response(body, status=500)
        if self.answer == "stall":
            self.stalled.set()
            await self.release.wait()
        return web.json_response({"ok": True, "result": self._result(method, fields, files)})

    def _result(
        self, method: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
    ) -> Any:
        if method == "getMe":
            return BOT_USER
        message: dict[str, Any] = {
            "message_id": self.next_message_id,
            "date": int(time.time()),
            "chat": {"id": int(fields["chat_id"]), "type": "private"},
        }
        self.next_message_id += 1
        if "text" in fields:
            message["text"] = fields["text"]
        if "document" in files:
            name = files["document"][0]
            message["document"] = {"file_id": "d1", "file_unique_id": "u1", "file_name": name}
        return message


@pytest.fixture
async def bot_api() -> AsyncIterator[BotApi]:
    api = BotApi()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    api.url = f"http://{host}:{port}"
    yield api
    # A stalled answer must not hold up the server's shutdown.
    api.release.set()
    await runner.cleanup()


def bot_for(url: str, request: BaseRequest) -> Bot:
    return Bot(TOKEN, base_url=f"{url}/bot", request=request, get_updates_request=AiohttpRequest())


@asynccontextmanager
async def started_bot(api: BotApi, request: BaseRequest | None = None) -> AsyncIterator[Bot]:
    """A `Bot` sending through `request` (our defaults when none), initialised (getMe)."""
    async with bot_for(api.url, request or AiohttpRequest()) as bot:
        yield bot


async def test_a_message_goes_as_a_form_and_its_answer_comes_back(bot_api: BotApi) -> None:
    text = "Rent & repairs: 100% sorted? Diolch — ✓"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    async with started_bot(bot_api) as bot:
        sent = await bot.send_message(chat_id=CHAT_ID, text=text, reply_markup=markup)

    assert (sent.message_id, sent.chat_id, sent.text) == (1, CHAT_ID, text)
    assert bot.bot.username == BOT_USER["username"]
    [seen] = bot_api.sent("sendMessage")
    assert seen.content_type == "application/x-www-form-urlencoded"
    assert seen.user_agent == BaseRequest.USER_AGENT
    assert seen.fields["chat_id"] == str(CHAT_ID)
    assert seen.fields["text"] == text
    assert json.loads(seen.fields["reply_markup"]) == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]
    }
    assert seen.files == {}


async def test_a_document_goes_as_multipart_with_its_name_and_bytes(bot_api: BotApi) -> None:
    content = bytes(range(256)) * 64
    document = InputFile(content, filename="request-HB7Q2.pdf")
    async with started_bot(bot_api) as bot:
        sent = await bot.send_document(chat_id=CHAT_ID, document=document, caption="Your copy")

    assert sent.document is not None and sent.document.file_name == "request-HB7Q2.pdf"
    [seen] = bot_api.sent("sendDocument")
    assert seen.content_type == "multipart/form-data"
    assert seen.user_agent == BaseRequest.USER_AGENT
    assert seen.files == {"document": ("request-HB7Q2.pdf", content, "application/pdf")}
    assert seen.fields["chat_id"] == str(CHAT_ID)
    assert seen.fields["caption"] == "Your copy"


async def test_no_answer_within_the_read_timeout_may_have_reached_telegram(
    bot_api: BotApi,
) -> None:
    assert AiohttpRequest().read_timeout == 5.0
    assert AiohttpRequest(read_timeout=0.3).read_timeout == 0.3
    async with started_bot(bot_api, AiohttpRequest(read_timeout=0.3)) as bot:
        bot_api.answer = "stall"
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(chat_id=CHAT_ID, text="Are you all right?")
        waited = time.monotonic() - started

    assert 0.25 < waited < 3.0
    assert isinstance(caught.value.__cause__, aiohttp.SocketTimeoutError)
    assert len(bot_api.sent("sendMessage")) == 1
    assert _outcome_unknown(caught.value)


async def test_a_hang_up_before_the_answer_may_have_reached_telegram(bot_api: BotApi) -> None:
    async with started_bot(bot_api) as bot:
        bot_api.answer = "hang_up"
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(chat_id=CHAT_ID, text="Are you all right?")

    assert not isinstance(caught.value, TimedOut)
    assert isinstance(caught.value.__cause__, aiohttp.ServerDisconnectedError)
    assert caught.value.message.startswith("aiohttp.ServerDisconnectedError")
    assert _outcome_unknown(caught.value)


async def test_a_garbled_answer_may_have_reached_telegram_and_keeps_the_token_out(
    bot_api: BotApi,
) -> None:
    async with started_bot(bot_api) as bot:
        bot_api.answer = "garbled"
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(chat_id=CHAT_ID, text="Are you all right?")

    assert isinstance(caught.value.__cause__, aiohttp.ClientResponseError)
    assert caught.value.message.startswith("aiohttp.ClientResponseError: ")
    # aiohttp's message quotes the URL; the staff who read the failure see only its host.
    assert TOKEN in str(caught.value.__cause__)
    assert TOKEN not in caught.value.message
    assert f"{bot_api.url}/…" in caught.value.message
    assert _outcome_unknown(caught.value)


async def test_a_closed_port_is_a_network_error_with_nothing_sent() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    # Closed now: nothing listens there, so the connection is refused at once.
    bot = bot_for(f"http://127.0.0.1:{port}", AiohttpRequest())
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.initialize()
    finally:
        await bot.shutdown()

    assert not isinstance(caught.value, TimedOut)
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert caught.value.message.startswith("aiohttp.ClientConnectorError: ")
    assert not _outcome_unknown(caught.value)


async def test_a_server_error_answer_is_a_network_error_with_nothing_sent(
    bot_api: BotApi,
) -> None:
    async with started_bot(bot_api) as bot:
        bot_api.answer = "error"
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(chat_id=CHAT_ID, text="Are you all right?")

    assert not isinstance(caught.value, TimedOut)
    assert caught.value.message == "Internal Server Error"
    assert caught.value.__cause__ is None
    assert not _outcome_unknown(caught.value)


async def test_no_free_connection_in_time_is_timed_out_with_nothing_sent(
    bot_api: BotApi,
) -> None:
    request = AiohttpRequest(connections=1, pool_timeout=0.2, connect_timeout=0.2)
    async with started_bot(bot_api, request) as bot:
        bot_api.answer = "stall"
        first = asyncio.create_task(bot.send_message(chat_id=CHAT_ID, text="first"))
        await asyncio.wait_for(bot_api.stalled.wait(), timeout=5.0)
        # The only connection is busy with the first send until the server answers it.
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(chat_id=CHAT_ID, text="second")
        bot_api.release.set()
        assert (await first).text == "first"

    assert isinstance(caught.value.__cause__, aiohttp.ConnectionTimeoutError)
    assert [seen.fields["text"] for seen in bot_api.sent("sendMessage")] == ["first"]
    assert not _outcome_unknown(caught.value)


async def test_many_sends_reuse_a_few_connections(bot_api: BotApi) -> None:
    # The service's own request: its pool opens only as many connections as sends overlap.
    async with started_bot(bot_api, _request()) as bot:
        for wave in range(6):
            await asyncio.gather(
                *(bot.send_message(chat_id=CHAT_ID, text=f"{wave}.{i}") for i in range(10))
            )

    sent = bot_api.sent("sendMessage")
    assert len(sent) == 60
    assert len({seen.peer for seen in sent}) <= 10


async def test_the_pool_holds_no_more_connections_than_asked(bot_api: BotApi) -> None:
    async with started_bot(bot_api, AiohttpRequest(connections=4)) as bot:
        answers = await asyncio.gather(
            *(bot.send_message(chat_id=CHAT_ID, text=str(i)) for i in range(40))
        )

    assert sorted(int(answer.text or "") for answer in answers) == list(range(40))
    assert len({seen.peer for seen in bot_api.sent("sendMessage")}) <= 4


async def test_shutdown_then_initialize_again_works(bot_api: BotApi) -> None:
    request = AiohttpRequest()
    # Never initialised: shutting down is harmless, and a send is refused, sending nothing.
    await request.shutdown()
    bot = bot_for(bot_api.url, request)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(chat_id=CHAT_ID, text="too soon")
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert not _outcome_unknown(caught.value)

    async with bot:
        await bot.send_message(chat_id=CHAT_ID, text="one")
    await request.shutdown()
    async with bot:
        await bot.send_message(chat_id=CHAT_ID, text="two")

    assert [seen.fields["text"] for seen in bot_api.sent("sendMessage")] == ["one", "two"]
