"""The baseline for bench/webhook_replies.py: a python-telegram-bot echo bot on PTB's own webhook
server, answering each text with the same text, against the same Bot API double.

Run: .venv/bin/python bench/echo_bot.py PORT API_URL TOKEN SECRET
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


def main() -> None:
    port, api_url, token, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .concurrent_updates(256)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="webhooks/telegram",
        secret_token=secret,
        webhook_url=f"http://127.0.0.1:{port}/webhooks/telegram",
    )


if __name__ == "__main__":
    main()
