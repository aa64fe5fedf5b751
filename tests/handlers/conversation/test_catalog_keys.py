"""No English text is dead: every key of en.toml is asked for by the code.

A key is used when its name is a string in the code, when the code builds it from declared
data (forms, the menu, the enums it names), or when it is in `DYNAMIC`, the one list of keys
read by a pattern the code cannot spell out.
"""

from __future__ import annotations

import re
from pathlib import Path

from handlers.conversation.catalog import DEFAULT_LANGUAGE, messages
from handlers.conversation.events import MediaKind
from handlers.conversation.navigation import COMMANDS
from handlers.flows.registry import FORMS, MENU_ITEMS
from handlers.safeguarding.alerts import AlertKind
from models.enums import TicketCategory, TicketStatus

ROOT = Path(__file__).resolve().parents[3]
STRING = re.compile(r"""["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
# A top-level key ("greeting") counts only where it is asked for by name.
TOP_LEVEL = re.compile(r"""\bt\(\s*["']([a-z_]+)["']""")

# Keys read by a pattern, each with the code that reads it.
DYNAMIC = {
    # handlers/safeguarding/response.py: advice for a danger signal, when the catalog has some.
    "alert.advice_": "advice for one safeguarding signal",
    # handlers/actions/staff_replies.py lists every key of the table.
    "staff_replies.": "the saved staff replies",
    # handlers/conversation/catalog.py `words`, asked for by what the words mean.
    "words.": "words a person types",
    # catalog.t with `variant`: a channel's wording of a key that is itself used.
    "variants.": "a channel's own wording",
    # handlers/safeguarding/safety.py: the words for "yes" and "no", by the answer.
    "safety.yes_words": "typed yes at the safety question",
    "safety.no_words": "typed no at the safety question",
    # handlers/flows/my_data.py names each channel the person is known on.
    "my_data.channel_": "a channel's name in the summary",
    # handlers/checkins/scripts.py: a check-in's or alarm test's words, by the campaign's kind.
    "checkin.": "a check-in's words",
    "telecare.": "an alarm test's words",
}

DYNAMIC_KEYS = tuple(key for key in DYNAMIC if key != "variants.")


def built_keys() -> set[str]:
    """Keys the code builds from the forms, the menu and the enums it shows."""
    keys = {f"menu.{item}" for item in MENU_ITEMS}
    keys |= {f"category.{c.value}" for c in TicketCategory}
    keys |= {f"status.{s.value}" for s in TicketStatus}
    keys |= {f"media.{k.value}" for k in MediaKind}
    keys |= {f"alert.{k.value}" for k in AlertKind}
    for name, form in FORMS.items():
        keys |= {f"flow.{name}", f"{name}.next_steps", f"{name}.urgent"}
        keys |= {f"{name}.{key}_summary" for key in form.summary_keys}
        for question in form.questions:
            for suffix in ("", "_summary", "_invalid", "_known", "_use_known"):
                keys.add(f"{name}.{question.key}{suffix}")
            for option in question.options:
                keys |= {f"{name}.{question.key}_{option}", f"answers.{option}"}
    return keys


def named_keys() -> set[str]:
    found: set[str] = set()
    # The service says some words itself: a call's prompts, the page behind a data link.
    paths = [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found.update(STRING.findall(text), TOP_LEVEL.findall(text))
    return found


def test_the_words_the_code_asks_for_are_in_english() -> None:
    english = messages(DEFAULT_LANGUAGE)
    for key in (*COMMANDS, "language", "yes", "no", "today", "tomorrow"):
        assert f"words.{key}" in english


def test_every_english_key_is_used() -> None:
    used = named_keys() | built_keys()
    unused = [
        key
        for key in messages(DEFAULT_LANGUAGE)
        if key not in used and not key.startswith(tuple(DYNAMIC))
    ]
    assert unused == []


def test_a_channels_wording_is_of_a_key_that_is_used() -> None:
    used = named_keys() | built_keys()
    variants = [k for k in messages(DEFAULT_LANGUAGE) if k.startswith("variants.")]
    assert variants
    plain = {k: k.split(".", 2)[2] for k in variants}
    assert [
        k for k, key in plain.items() if key not in used and not key.startswith(DYNAMIC_KEYS)
    ] == []


def test_the_check_itself_finds_a_key_nobody_asks_for() -> None:
    used = named_keys() | built_keys()
    assert "food.people" in used
    assert "food.no_such_text" not in used
