"""The `helpbot` command: serve, migrate, chat, and Telegram set-up."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError

from bot.config import Settings, SettingsError, load_settings
from bot.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpbot", description="Help line for tenants and carers."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service (webhooks and staff API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    commands.add_parser("migrate", help="apply database migrations")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="user", default=None, help="who you are (default: your login)")

    telegram = commands.add_parser("telegram", help="Telegram set-up")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    telegram_commands.add_parser(
        "set-webhook", help="register PUBLIC_BASE_URL/webhooks/telegram with the secret token"
    )
    return parser


def _fail(message: str) -> int:
    print(f"helpbot: {message}", file=sys.stderr)
    return 2


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from bot.app import create_app

    print(
        f"Serving on http://{host}:{port} with {settings.database_url.split('://')[0]}.\n"
        "To talk to the bot here, run `make chat` in another terminal.",
        flush=True,
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
    return 0


async def _set_webhook(settings: Settings) -> int:
    from bot.channels.telegram import TelegramChannel

    if not settings.telegram_enabled:
        return _fail("TELEGRAM_BOT_TOKEN: required to register the webhook")
    channel = TelegramChannel(settings)
    url = settings.public_base_url.rstrip("/") + "/webhooks/telegram"
    await channel.application.initialize()
    try:
        await channel.set_webhook(url)
    finally:
        await channel.application.shutdown()
    print(f"Telegram will deliver updates to {url}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `helpbot` command and return its exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    configure_logging(settings.log_level)
    try:
        if args.command == "serve":
            return _serve(settings, args.host, args.port)
        if args.command == "migrate":
            from bot.migrate import upgrade

            asyncio.run(upgrade(settings.database_url))
            print("The database is up to date.")
            return 0
        if args.command == "chat":
            from bot.channels.console import chat

            asyncio.run(chat(settings, args.user or getpass.getuser()))
            return 0
        if args.command == "telegram":
            return asyncio.run(_set_webhook(settings))
    except (DBAPIError, OSError) as exc:
        return _fail(f"cannot reach the database ({type(exc).__name__}); check DATABASE_URL")
    except KeyboardInterrupt:
        return 130
    return _fail(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
