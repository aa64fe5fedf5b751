"""Reading check-in words against the real catalogs: the strongest answer wins, a negation
turns "well" round or makes it too mixed to call, and a phrase's own words are its own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from handlers.checkins.reading import UNSURE, read_words, reading_words
from handlers.conversation.catalog import t
from models.checkins import CampaignKind


def _words(kind: CampaignKind, language: str) -> Callable[[str], tuple[str, ...]]:
    # As a conversation reads them: the person's language, then English.
    return reading_words(kind, language)


@pytest.mark.parametrize(
    ("language", "text", "read"),
    [
        # "ما" negates elsewhere, but is part of "على ما يرام" (all right).
        ("ar", "أنا على ما يرام", "checkin_ok"),
        # Asking for something beats saying all is well.
        ("en", "I'm fine but please ring me", "checkin_call"),
        ("pl", "Dobrze, ale potrzebuję pomocy", "checkin_help"),
        # A negation a few words before "well" turns it round...
        ("en", "not feeling too good", "checkin_help"),
        ("cy", "Dw i ddim yn teimlo'n dda iawn", "checkin_help"),
        ("ro", "nu mă simt prea bine", "checkin_help"),
        # ...one further off, or after it, leaves the answer unclear.
        ("en", "not that I know of, fine", UNSURE),
        ("bn", "ভালো আছি, কিন্তু ঘুম হচ্ছে না", UNSURE),
        ("es", "estoy bien, no necesito nada", UNSURE),
        # A greeting is no answer yet, and its words are not "well" ("bore da": good morning).
        ("cy", "bore da", UNSURE),
        ("cy", "bore da, dw i'n iawn", "checkin_ok"),
        ("es", "buenos días", UNSURE),
        # Words that answer nothing are left for the menu.
        ("pl", "jaki mam czynsz", None),
        ("en", "my phone is broken", None),
        ("en", "fine " * 60, None),
    ],
)
def test_check_in_words(language: str, text: str, read: str | None) -> None:
    assert read_words(CampaignKind.CHECKIN, text, _words(CampaignKind.CHECKIN, language)) == read


@pytest.mark.parametrize("language", ["en", "cy", "pl", "ro", "pa", "ur", "ar", "bn", "pt", "es"])
def test_the_call_me_button_typed_out_is_a_call_and_my_phone_is_not(language: str) -> None:
    listed = _words(CampaignKind.CHECKIN, language)
    label = t("checkin.checkin_call", language)
    assert read_words(CampaignKind.CHECKIN, label, listed) == "checkin_call"
    # A call word on its own is a phone or a call, not a request for one.
    for alone in ("phone", "call", "telefon", "telefone", "ffôn", "فون", "ফোন", "ਫ਼ੋਨ", "هاتف"):
        assert read_words(CampaignKind.CHECKIN, alone, listed) is None


@pytest.mark.parametrize(
    ("language", "text", "read"),
    [
        ("pt", "Feito, mas não tocou", "alarm_failed"),
        ("cy", "do, mae'n gweithio", "alarm_done"),
        ("ur", "کام کر رہا ہے", "alarm_done"),
        ("ar", "جربته", "alarm_done"),
    ],
)
def test_alarm_test_words(language: str, text: str, read: str | None) -> None:
    assert (
        read_words(CampaignKind.ALARM_TEST, text, _words(CampaignKind.ALARM_TEST, language)) == read
    )
