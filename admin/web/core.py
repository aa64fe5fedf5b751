"""What every staff page shares: its settings, its words, and rendering a template."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

import handlers
from handlers.actions.staff_sessions import SessionRules

HERE = Path(__file__).parent
CATALOG = Path(handlers.__file__).parent / "locales" / "staff" / "en.toml"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = str(value)
    return flat


@cache
def words() -> dict[str, str]:
    """Every word the staff page shows, keyed like `queue.heading`."""
    with CATALOG.open("rb") as handle:
        return _flatten(tomllib.load(handle))


def say(key: str, /, **values: object) -> str:
    """The staff page's text for `key`, placeholders filled; a missing key is a bug and raises."""
    text = words()[key]
    return text.format(**values) if values else text


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    # Only this site's own scripts, styles and forms; never inside another site's frame.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class WebConfig:
    """How the staff page behaves in this deployment."""

    rules: SessionRules = field(default_factory=SessionRules)
    secure_cookies: bool = False
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    poll_seconds: int = 10


class Pages:
    """The staff page's templates, with the helpers every template uses."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.templates = Jinja2Templates(directory=HERE / "templates")
        env = self.templates.env
        env.globals.update(_=say, when=self.when, duration=duration, language_label=language_label)
        env.trim_blocks = True
        env.lstrip_blocks = True

    def when(self, moment: datetime | None, style: str = "short") -> str:
        """A moment in the team's time zone, e.g. `Mon 23 Nov 14:05`."""
        if moment is None:
            return ""
        local = moment.astimezone(self.config.zone)
        pattern = "%a %d %b %Y %H:%M" if style == "long" else "%a %d %b %H:%M"
        return local.strftime(pattern)

    def render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        """A template as a page, never cached: it holds people's details."""
        response = self.templates.TemplateResponse(
            request, name, {"poll": self.config.poll_seconds, **context}, status_code=status_code
        )
        response.headers.update(SECURITY_HEADERS)
        return response


def language_label(code: str) -> str:
    """A language as staff read it ("Welsh"), or its code when the page has no name for it."""
    return words().get(f"language.{code}", code)


def duration(value: timedelta | float | None) -> str:
    """A length of time as staff read it: `45 min`, `3.5 h`, `2.1 d`."""
    if value is None:
        return say("units.none")
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    minutes = seconds / 60
    if minutes < 90:
        return say("units.minutes", n=round(minutes))
    if minutes < 48 * 60:
        return say("units.hours", n=f"{minutes / 60:.1f}")
    return say("units.days", n=f"{minutes / 1440:.1f}")
