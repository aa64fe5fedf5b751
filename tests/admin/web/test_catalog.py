"""Every word on the staff page comes from its catalog, and every key the page asks for is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from admin.web.core import HERE, words
from handlers.actions.checkin_results import COUNT_KEYS
from handlers.actions.oncall import ALERT_KINDS
from handlers.actions.reports import Breakdown, Period
from handlers.actions.ticket_queue import SAVED_VIEWS
from handlers.actions.ticket_search import TicketSort
from models.checkins import CampaignKind, CheckinStatus, RunStatus
from models.enums import (
    Channel,
    ContactRole,
    DeliveryStatus,
    EventKind,
    OncallDestination,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from models.staff import StaffRole

TEMPLATES = sorted((HERE / "templates").glob("*.html"))
LITERAL = re.compile(r"""\b(?:_|say)\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s*[,)]""")
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
READ_ATTRIBUTES = re.compile(r"""\b(?:alt|title|aria-label|placeholder)=["']([^"']*)["']""")


def literal_keys() -> set[str]:
    sources = [*TEMPLATES, *(HERE.glob("*.py"))]
    return {key for path in sources for key in LITERAL.findall(path.read_text(encoding="utf-8"))}


def test_the_scan_finds_keys() -> None:
    assert {"queue.heading", "ticket.text_invalid"} <= literal_keys()


@pytest.mark.parametrize("key", sorted(literal_keys()))
def test_each_literal_key_is_in_the_catalog(key: str) -> None:
    assert key in words(), f"{key} is used but missing from handlers/locales/staff/en.toml"


def test_each_key_built_from_a_value_is_in_the_catalog() -> None:
    built = {f"status.{s}" for s in TicketStatus}
    built |= {f"priority.{p}" for p in TicketPriority}
    built |= {f"category.{c}" for c in TicketCategory}
    built |= {f"channel.{c}" for c in Channel}
    built |= {f"delivery.{d}" for d in DeliveryStatus}
    built |= {f"timeline.{k}" for k in EventKind}
    built |= {f"role.{r}" for r in StaffRole}
    built |= {f"contact.role_{r}" for r in ContactRole}
    built |= {f"views.{v.key}" for v in SAVED_VIEWS}
    built |= {f"sort.{s.name.lower()}" for s in TicketSort}
    built |= {f"reports.period_{p}" for p in Period} | {f"reports.by_{b}" for b in Breakdown}
    built |= {f"ticket.done_{d}" for d in ("assigned", "changed", "noted", "replied")}
    built |= {f"refused.{r}" for r in ("csrf", "role")}
    built |= {f"queue.filter_{f}" for f in ("status", "category", "priority", "channel")}
    built |= {f"oncall.destination.{d}" for d in OncallDestination}
    built |= {f"oncall.kind.{k}" for k in ALERT_KINDS | {"request"}}
    built |= {f"checkin_status.{s}" for s in CheckinStatus} | {f"run_status.{s}" for s in RunStatus}
    built |= {f"campaign_kind.{k}" for k in CampaignKind} | {f"run_count.{k}" for k in COUNT_KEYS}
    assert sorted(built - set(words())) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_hold_no_words_of_their_own(template: Path) -> None:
    source = template.read_text(encoding="utf-8")
    read_aloud = [value for value in READ_ATTRIBUTES.findall(JINJA.sub("", source)) if value]
    text = TAG.sub(" ", JINJA.sub(" ", source))
    words_left = re.findall(r"[A-Za-z]{2,}", text)
    assert (words_left, read_aloud) == ([], [])
