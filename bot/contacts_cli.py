"""`helpbot contacts import FILE.csv`: the staff API's import from a terminal, with progress."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.config import Settings
from bot.db import create_engine, create_session_factory, transaction
from bot.migrate import upgrade
from handlers.actions.contact_import import ImportFileError, count_rows, do_import_contacts
from models.base import utcnow

SHOWN_REJECTIONS = 50


async def import_contacts_file(settings: Settings, path: Path) -> int:
    """Import the file in one transaction and print what happened; the exit status."""
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"helpbot: cannot read {path}: {type(exc).__name__}", file=sys.stderr)
        return 2
    if settings.is_sqlite:
        await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    progress = Progress(
        TextColumn("Importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    try:
        with progress:
            bar = progress.add_task("rows", total=count_rows(text))
            async with transaction(create_session_factory(engine)) as session:
                result = await do_import_contacts(
                    session=session,
                    text=text,
                    now=utcnow(),
                    on_progress=lambda n: progress.advance(bar, n),
                )
    except ImportFileError as exc:
        print(f"helpbot: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(f"Created {result.created}, updated {result.updated}, rejected {len(result.rejected)}.")
    for rejected in result.rejected[:SHOWN_REJECTIONS]:
        print(f"  line {rejected.line}: {rejected.reason}")
    if len(result.rejected) > SHOWN_REJECTIONS:
        print(f"  ... and {len(result.rejected) - SHOWN_REJECTIONS} more")
    return 0 if not result.rejected else 1
