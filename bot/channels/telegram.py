"""The Telegram channel: Bot API updates in, inline keyboards out. It only translates."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import aiohttp
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram import Message as TgMessage
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels.base import DeliveryError, Limit, OutboundMessage, StartError
from bot.channels.telegram_http import AiohttpRequest
from bot.config import Settings
from handlers.conversation.events import IncomingEvent, Keyword, Location, Media, MediaKind
from models.enums import Channel

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64
# Updates we act on; everything else (edits, polls, chat member changes) is acknowledged only.
ALLOWED_UPDATES = ("message", "callback_query")
# A message queued while the Bot API is still out of reach waits this long between tries, or
# until just after the channel's next start-up try when that comes sooner.
NOT_UP_RETRY_AFTER = timedelta(seconds=30)
AFTER_START_TRY = timedelta(seconds=1)
# Connections kept open to the Bot API, shared by every concurrent send of this process.
CONNECTIONS = 128
# How long a send waits for Telegram's answer before its outcome counts as unknown.
READ_TIMEOUT = 10.0
# Telegram tolerates short bursts over its per-chat rate: a greeting and a question at once.
PER_CHAT_BURST = 3
# Forbidden answers that mean the person turned the bot away: they count as opting out.
# What the bot's texts tell people to send to stop its messages. On Telegram it holds until the
# person writes again (as after blocking the bot): their own message asks for an answer.
OPT_OUT_WORDS = frozenset({"STOP", "/STOP", "UNSUBSCRIBE"})
_TURNED_AWAY = ("blocked by the user", "user is deactivated")
# A text goes by `do_api_request`, which returns Telegram's answer as it came: `send_message`
# made a `Message` of it (about 70 µs of CPU for each message sent) to read two numbers. The
# library then suggests its typed method, which is the one this avoids.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def _request() -> AiohttpRequest:
    """PTB's HTTP layer on aiohttp: one pool per process, connections reused."""
    return AiohttpRequest(connections=CONNECTIONS)


def _outcome_unknown(exc: NetworkError) -> bool:
    """Whether the request may have reached Telegram: a transport failure after connecting.

    An HTTP error answer (a 5xx) and a connection never made both mean it was not sent.
    """
    cause = exc.__cause__
    # A 5xx has no cause; a connection refused, or none had from the pool or the network in
    # time, sent nothing. Anything else aiohttp raises (the whole request's time running out
    # among them) came after the request could have left.
    return isinstance(cause, aiohttp.ClientError | TimeoutError) and not isinstance(
        cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    )


def _media_of(message: TgMessage) -> tuple[Media, ...]:
    kinds = (
        (message.photo, MediaKind.PHOTO),
        (message.voice, MediaKind.VOICE),
        (message.audio, MediaKind.AUDIO),
        (message.video, MediaKind.VIDEO),
        (message.video_note, MediaKind.VIDEO),
        (message.sticker, MediaKind.STICKER),
        (message.document, MediaKind.DOCUMENT),
        (message.animation, MediaKind.VIDEO),
    )
    for present, kind in kinds:
        if present:
            return (Media(kind),)
    if message.contact is not None and message.contact.user_id != getattr(
        message.from_user, "id", None
    ):
        return (Media(MediaKind.CONTACT_CARD),)
    return ()


def translate_update(update: Update) -> IncomingEvent | None:
    """The neutral event in a Telegram update, or None when it is nothing a private chat said."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or user.is_bot or chat.type != chat.PRIVATE:
        # Groups and channels never start a conversation: the bot speaks with one person at a time.
        return None
    common = event_fields(
        update.update_id, chat.id, user.first_name, user.username, user.language_code
    )
    if update.callback_query is not None:
        return IncomingEvent(choice=update.callback_query.data or "", **common)
    message = update.message
    if message is None:
        return None
    text = message.text or message.caption
    location = None
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
    if message.contact is not None and message.contact.user_id == user.id:
        # The person shared their own number with the "share contact" button: that is an answer.
        text = message.contact.phone_number
    return IncomingEvent(
        text=text,
        location=location,
        media=_media_of(message),
        keyword=opt_out_keyword(text),
        **common,
    )


def event_fields(
    update_id: int, chat_id: int, first_name: str, username: str | None, language: str | None
) -> dict[str, Any]:
    """What every event of a private chat's update says: who, from where, and which update."""
    return {
        "channel": Channel.TELEGRAM,
        "external_id": str(chat_id),
        "provider_id": f"update:{update_id}",
        "display_name": first_name,
        "profile": {"username": username} if username else {},
        "language": language,
    }


def opt_out_keyword(text: str | None) -> Keyword | None:
    """OPT_OUT when the message is one of the words the bot's texts say stop its messages."""
    word = (text or "").strip().rstrip(".!").upper()
    return Keyword.OPT_OUT if word in OPT_OUT_WORDS else None


def _keyboard(message: OutboundMessage) -> InlineKeyboardMarkup | None:
    if not message.options:
        return None
    for option in message.options:
        if len(option.id.encode()) > CALLBACK_DATA_LIMIT:
            raise DeliveryError(f"option id {option.id[:20]!r} is too long", retryable=False)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(option.label, callback_data=option.id)]
            for option in message.options
        ]
    )


class TelegramChannel:
    """Owns the python-telegram-bot `Application` (no updater: updates arrive by webhook)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("Telegram needs TELEGRAM_BOT_TOKEN")
        base = settings.telegram_api_base_url.rstrip("/")
        self.secret = settings.telegram_webhook_secret or ""
        # Whether the Bot API has accepted our token (getMe) since this process started, and,
        # when it is being started in the background (bot.startup), how soon it is tried again.
        self.up = False
        self.next_start_try: Callable[[], float | None] = lambda: None
        # The bot's id is the token's first half: the key its shared rate limit is kept under.
        self.bot_key = "telegram:bot:" + settings.telegram_bot_token.split(":", 1)[0]
        self.max_per_second = settings.telegram_max_per_second
        self.max_per_chat = settings.telegram_max_per_chat_per_second
        self.read_timeout = READ_TIMEOUT
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .request(_request())
            .get_updates_request(_request())
            .updater(None)
            .build()
        )

    @property
    def bot(self) -> Any:
        return self.application.bot

    async def start(self) -> None:
        """Check the token with the Bot API (getMe) and start the application; `StartError`
        when the Bot API cannot be reached or refuses. Can be called again after a failure."""
        try:
            await self.application.initialize()
        except InvalidToken as exc:
            # The library's own message quotes the token.
            raise StartError("the Bot API refused the token (check TELEGRAM_BOT_TOKEN)") from exc
        except NetworkError as exc:
            raise StartError(f"the Bot API cannot be reached ({type(exc).__name__})") from exc
        except TelegramError as exc:
            raise StartError(f"the Bot API refused getMe ({type(exc).__name__})") from exc
        await self.application.start()
        self.up = True

    async def stop(self) -> None:
        self.up = False
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        # After a failed start the application is not initialised, but its HTTP clients are.
        await self.application.bot.shutdown()

    def parse(self, data: Any) -> Update | None:
        """An `Update` from webhook JSON, or None when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        try:
            return Update.de_json(data, self.bot)
        except Exception:
            # A wrong shape fails inside the library in many ways (a string where an object
            # belongs, a date the platform cannot hold); each means this is not a usable update.
            return None

    async def acknowledge(self, update: Update) -> None:
        """Answer a button press so the person's app stops its spinner; failure is harmless."""
        if update.callback_query is None:
            return
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.info("could not answer a callback query: %s", type(exc).__name__)

    def parts(self, message: OutboundMessage) -> Sequence[str]:
        """A Telegram message always goes whole."""
        return [message.text]

    def limits(self, message: OutboundMessage) -> Sequence[Limit]:
        """The bot's own limit and the per-chat one; either is lifted at 0."""
        limits = [
            Limit(self.bot_key, self.max_per_second),
            Limit(f"telegram:chat:{message.external_id}", self.max_per_chat, PER_CHAT_BURST),
        ]
        return [limit for limit in limits if limit.per_second > 0]

    async def send_part(self, message: OutboundMessage, part: str, *, last: bool) -> str:
        """Send the message; the provider id is `chat:message`, unique across chats."""
        if not self.up:
            raise DeliveryError(
                "Telegram is not up yet",
                retryable=True,
                retry_after=self._not_up_wait(),
                channel_starting=True,
            )
        markup = _keyboard(message)
        try:
            if message.document is not None:
                document = message.document
                sent = await self.bot.send_document(
                    chat_id=int(message.external_id),
                    document=InputFile(document.content, filename=document.filename),
                    caption=part,
                    reply_markup=markup,
                    read_timeout=self.read_timeout,
                )
            else:
                answer = await self.bot.do_api_request(
                    "sendMessage",
                    {"chat_id": int(message.external_id), "text": part, "reply_markup": markup},
                    read_timeout=self.read_timeout,
                )
                return f"{answer['chat']['id']}:{answer['message_id']}"
        except RetryAfter as exc:
            with warnings.catch_warnings():
                # PTB 22 warns that this becomes a timedelta; both shapes are handled here.
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = exc.retry_after
            if not isinstance(wait, timedelta):
                wait = timedelta(seconds=wait)
            raise DeliveryError(
                f"rate limited by Telegram ({wait.total_seconds():g}s)",
                retryable=True,
                retry_after=wait,
            ) from exc
        except Forbidden as exc:
            turned_away = any(words in exc.message for words in _TURNED_AWAY)
            raise DeliveryError(
                f"Telegram refused: {exc.message}", retryable=False, opted_out=turned_away
            ) from exc
        except BadRequest as exc:
            raise DeliveryError(
                f"Telegram rejected the message: {exc.message}", retryable=False
            ) from exc
        except NetworkError as exc:
            # TimedOut is a NetworkError too; PTB turns a 5xx answer into a bare NetworkError.
            raise DeliveryError(
                f"could not reach Telegram: {exc.message}",
                retryable=True,
                outcome_unknown=_outcome_unknown(exc),
            ) from exc
        return f"{sent.chat_id}:{sent.message_id}"

    def _not_up_wait(self) -> timedelta:
        """How long a message waits for the channel: until just after its next start-up try."""
        seconds = self.next_start_try()
        if seconds is None:
            return NOT_UP_RETRY_AFTER
        return min(NOT_UP_RETRY_AFTER, timedelta(seconds=seconds) + AFTER_START_TRY)

    async def send(self, message: OutboundMessage) -> str:
        """Send a whole message at once (no rate limit; for set-up and tests)."""
        return await self.send_part(message, message.text, last=True)

    async def set_webhook(self, url: str) -> bool:
        """Register our webhook URL with the secret token Telegram will send back."""
        result: bool = await self.bot.set_webhook(
            url=url, secret_token=self.secret, allowed_updates=list(ALLOWED_UPDATES)
        )
        return result
