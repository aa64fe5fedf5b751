"""Rule phrases whose choices are themselves phrases: `a|b c` is "a c" or "b c", so a choice of
two words must be its own phrase. Each case was missed while written as one."""

from __future__ import annotations

import pytest

from handlers.safeguarding.detection import gather


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        # "şimdi|şu an" needed a following "an"; Turkish has a dotless i.
        ("Oğlum beni öldürecek şimdi, bıçağı var", "violence"),  # noqa: RUF001
        ("Kocam beni öldürecek", "violence"),
        ("میں سانس نہیں لے پا رہی", "breathing"),  # "سکتا|پا رہا" ran the two together
        ("امی کو دورہ پڑا ہے", "seizure"),  # "پڑا|پڑ رہا" needed "رہا" after each
        ("زوجي سيقتلني", "violence"),  # "سيقتلني|راح يقتلني" needed "يقتلني" after each
        ("ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਮਾਰਦਾ ਹੈ", "violence"),  # "ਮਾਰਦਾ|ਮਾਰ ਰਿਹਾ" needed "ਰਿਹਾ" after each
        ("Mă sufoc", "breathing"),  # "se sufoca|sufoca" needed "sufoca" after each
    ],
)
def test_each_choice_of_a_rule_phrase_is_a_clear_hit(text: str, signal: str) -> None:
    assert signal in [hit.signal for hit in gather(text).found if hit.clear]


@pytest.mark.parametrize(
    "text",
    [
        "Bu formlar beni öldürecek, doldurmama yardım eder misiniz?",  # noqa: RUF001
        "Bu sıcak beni öldürecek",  # noqa: RUF001
    ],
)
def test_a_form_that_will_kill_me_is_still_a_complaint(text: str) -> None:
    assert [hit.signal for hit in gather(text).found if hit.clear] == []
