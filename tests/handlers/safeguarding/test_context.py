"""Alarming words told in an everyday context: a story on the telly, an event that is over, a
denial, a medicine as a prescription. Each case is paired with the emergency it must not hide."""

from __future__ import annotations

import pytest

from handlers.safeguarding.detection import check_text, gather
from handlers.safeguarding.folding import clauses
from handlers.safeguarding.lexicon import hits, lexicon


@pytest.mark.parametrize(
    "text",
    [
        "watched a documentary about a house fire and now I want our smoke alarms checked",
        "the burglar alarm box is hanging off the wall, nobody broke in, it's just old",
        "I've run out of my blood pressure tablets, can someone fetch the prescription",
        "he collapsed on the sofa after his night shift but he's fine now, when is rent due",
        "I've been really ill with flu all week so I missed the appointment",
        "my ex used to hit me but I'm safe now and want him off the tenancy",
        "we learned about choking on the first aid course",
        "assalam o alaikum",
        "Assalamualaikum, mera boiler kharab hai",
        "wa alaikum assalam, shukriya",
    ],
)
def test_an_everyday_story_with_an_alarming_word_does_not_alert(text: str) -> None:
    assert check_text(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "the curtains behind the telly are on fire",
        "we've run out of insulin and his sugar is climbing",
        "he collapsed and he's not breathing",
        "my ex is hitting me right now",
    ],
)
def test_the_emergency_beside_each_story_still_alerts(text: str) -> None:
    assert check_text(text) is not None


def test_a_film_dates_a_story_for_every_language_read() -> None:
    # Romanian text is also read by the Portuguese and Spanish rules, which do not know "film".
    story = "Aseară în film a fost un incendiu, copiii s-au speriat tare"
    assert [hit.signal for hit in gather(story).found if hit.signal == "fire"] == []
    assert "fire" in [hit.signal for hit in gather("Este un incendiu mare în bucătărie").found]


def test_behind_the_television_is_a_place_not_a_programme() -> None:
    welsh = lexicon("cy")
    curtains = "Mae'r llenni tu ol i'r teledu ar dan"
    assert "fire" in [h.signal for h in hits(welsh, clauses(curtains))]
    assert [h.signal for h in hits(welsh, clauses("Gwelais dan ar y teledu neithiwr"))] == []


def test_insulin_is_not_a_misspelt_stroke() -> None:
    lithuanian = lexicon("lt")
    assert [h.signal for h in hits(lithuanian, clauses("Reikia laikyti insuliną šaltai"))] == []
    assert [h.signal for h in hits(lithuanian, clauses("Mamai insultas"))] == ["stroke"]
