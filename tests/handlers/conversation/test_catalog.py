"""Every text the code asks for is in the catalog, and every option fits a Telegram button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers.conversation.catalog import has, messages, t
from handlers.flows.registry import FORMS, MENU_ITEMS

ROOT = Path(__file__).resolve().parents[3]
# Literal keys passed to t(...) or turn.t(...); keys built with f-strings are checked below.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def literal_keys() -> set[str]:
    keys: set[str] = set()
    for path in (ROOT / "handlers").rglob("*.py"):
        keys.update(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_literal_keys_are_found() -> None:
    assert "menu.prompt" in literal_keys()


@pytest.mark.parametrize("key", sorted(literal_keys()))
def test_literal_key_exists(key: str) -> None:
    assert has(key), f"{key} is used in code but missing from handlers/locales/en.toml"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_text_exists(name: str) -> None:
    form = FORMS[name]
    missing = []
    for question in form.questions:
        for suffix in ("", "_summary"):
            if not has(f"{name}.{question.key}{suffix}"):
                missing.append(f"{name}.{question.key}{suffix}")
        for option in question.options:
            own, shared = f"{name}.{question.key}_{option}", f"answers.{option}"
            if not (has(own) or has(shared) or option.isdigit()):
                missing.append(own)
    for key in (f"{name}.next_steps", f"flow.{name}"):
        if not has(key):
            missing.append(key)
    assert missing == []


def test_every_option_id_fits_in_telegram_callback_data() -> None:
    ids = list(MENU_ITEMS) + [
        o for form in FORMS.values() for q in form.questions for o in q.options
    ]
    assert ids
    assert [i for i in ids if len(i.encode()) > 64] == []


def test_placeholders_are_filled() -> None:
    assert "HH-000042" in t("alert.emergency", ref="HH-000042")
    assert "{" not in t("form.done", ref="HH-000001", next_steps="Soon.")


def test_emergency_texts_carry_the_right_numbers() -> None:
    english = messages("en")
    assert "999" in english["alert.emergency"]
    assert "116 123" in english["alert.suicide"] and "999" in english["alert.suicide"]
    assert "111" in english["alert.urgent"]
