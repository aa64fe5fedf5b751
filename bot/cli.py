"""The `helpbot` command: serve, migrate, chat, staff accounts, and Telegram set-up."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
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

    commands.add_parser(
        "train-safeguarding",
        help="retrain the safeguarding classifier from the repository's labelled files",
    )

    worker = commands.add_parser(
        "worker",
        help="run background work: incoming Telegram updates, outbound delivery (PostgreSQL)",
    )
    worker.add_argument(
        "--concurrency", type=int, default=16, help="jobs run at once (default: 16)"
    )

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="user", default=None, help="who you are (default: your login)")

    staff = commands.add_parser("staff", help="staff accounts for the admin API")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_commands.add_parser("add", help="create a staff account and print its API token")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["agent", "supervisor", "admin"])
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="also set a password for signing in, read from the first line of standard input",
    )

    retention = commands.add_parser(
        "retention", help="anonymise tickets and erase people past the retention period"
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="only report what would go, changing nothing"
    )
    contacts = commands.add_parser("contacts", help="contacts in bulk")
    contacts_commands = contacts.add_subparsers(dest="contacts_command", required=True)
    load = contacts_commands.add_parser(
        "import", help="create or update people from a CSV file (see the README)"
    )
    load.add_argument("file")

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
    # uvicorn runs on uvloop and parses HTTP with httptools (both dependencies, picked by its
    # "auto" settings): under load the web process's event loop, not the database, is the limit.
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)
    return 0


async def _set_webhook(settings: Settings) -> int:
    from telegram.error import TelegramError

    from bot.channels.telegram import TelegramChannel

    if not settings.telegram_enabled:
        return _fail("TELEGRAM_BOT_TOKEN: required to register the webhook")
    channel = TelegramChannel(settings)
    url = settings.public_base_url.rstrip("/") + "/webhooks/telegram"
    try:
        await channel.application.initialize()
        await channel.set_webhook(url)
    except TelegramError as exc:
        # The library quotes a rejected token in its message; a secret never reaches the terminal.
        reason = exc.message.replace(settings.telegram_bot_token or "", "<TELEGRAM_BOT_TOKEN>")
        return _fail(f"Telegram refused the webhook: {reason}")
    finally:
        await channel.application.shutdown()  # a no-op when initialize() failed
    print(f"Telegram will deliver updates to {url}")
    return 0


async def _chat(settings: Settings, user: str) -> None:
    """Talk to the bot as `user` until end of input or "quit", on the web app's own services."""
    from bot.channels.console import ConsoleSender, typed_event
    from bot.services import running
    from models import Message

    async with running(settings, console=ConsoleSender()) as services:
        print(f"Talking to the help line as {user!r}. Type quit to leave. Say hello to start.")
        while True:
            try:
                line = await asyncio.to_thread(input, "you: ")
            except EOFError:
                break
            event = typed_event(user, line)
            if event is None:
                break
            outcome = await services.receive(event)
            # Only this chat's own replies: other channels' queued messages are not ours to send.
            if outcome.outbound_ids:
                async with services.session_factory() as session:
                    message = await session.get(Message, outcome.outbound_ids[0])
                if message is not None:
                    await services.deliverer.drain(message.identity_id)


async def _add_staff(settings: Settings, args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from admin.schemas.staff import StaffCreate
    from bot.db import create_engine, create_session_factory, transaction
    from bot.migrate import upgrade
    from handlers.actions.errors import ConflictError
    from handlers.actions.staff import do_create_staff
    from models.base import utcnow

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    try:
        new = StaffCreate(email=args.email, name=args.name, role=args.role, password=password)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        return _fail(f"{'.'.join(str(p) for p in first['loc'])}: {message}")
    if settings.is_sqlite:
        # As `serve` does: an embedded database is brought up to date on first use.
        await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            staff, token = await do_create_staff(
                session=session,
                email=new.email,
                name=new.name,
                role=new.role,
                password=new.password,
                now=utcnow(),
            )
    except ConflictError as exc:
        return _fail(exc.detail)
    finally:
        await engine.dispose()
    print(f"Created {staff.role.value} {staff.email} (id {staff.id}). Their API token:")
    print(token)
    print("It is shown only this once. Send it as: Authorization: Bearer <token>")
    return 0


async def _retention(settings: Settings, *, dry: bool) -> int:
    from bot.db import create_engine, create_session_factory
    from bot.migrate import upgrade
    from bot.retention import describe, dry_run, run_retention

    if settings.is_sqlite:
        await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        factory = create_session_factory(engine)
        rules = settings.retention_rules()
        if dry:
            report = await dry_run(factory, rules)
        else:
            report = await run_retention(factory, rules)
    finally:
        await engine.dispose()
    for line in describe(report, done=not dry):
        print(line)
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
        if args.command == "train-safeguarding":
            from handlers.safeguarding.training import main as train

            return train()
        if args.command == "worker":
            if settings.is_sqlite:
                return _fail(
                    "DATABASE_URL: the worker is for PostgreSQL; with SQLite, `helpbot serve` "
                    "delivers messages itself"
                )
            if args.concurrency < 1:
                return _fail("--concurrency: at least 1")
            import uvloop

            from bot.worker import run_worker

            # On uvloop, as the web process: a worker's own CPU goes mostly to its event loop and
            # database driver, and uvloop's loop takes a fraction of asyncio's for each wake-up.
            if settings.worker_niceness:
                os.nice(settings.worker_niceness)
            uvloop.run(run_worker(settings, concurrency=args.concurrency))
            return 0
        if args.command == "chat":
            asyncio.run(_chat(settings, args.user or getpass.getuser()))
            return 0
        if args.command == "staff":
            return asyncio.run(_add_staff(settings, args))
        if args.command == "contacts":
            from pathlib import Path

            from bot.contacts_cli import import_contacts_file

            return asyncio.run(import_contacts_file(settings, Path(args.file)))
        if args.command == "telegram":
            return asyncio.run(_set_webhook(settings))
        if args.command == "retention":
            return asyncio.run(_retention(settings, dry=args.dry_run))
    except (DBAPIError, OSError) as exc:
        return _fail(f"cannot reach the database ({type(exc).__name__}); check DATABASE_URL")
    except KeyboardInterrupt:
        return 130
    return _fail(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
