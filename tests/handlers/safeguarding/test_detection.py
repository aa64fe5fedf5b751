"""The safeguarding detector, measured on messages as older tenants and carers type them."""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from handlers.safeguarding import alerts, detection, folding, rules, vocabulary
from handlers.safeguarding.alerts import Alert, AlertKind
from handlers.safeguarding.classifier import Thresholds
from handlers.safeguarding.detection import Outcome, assess, check_text, decide, gather
from handlers.safeguarding.folding import clauses
from handlers.safeguarding.lexicon import hits, lexicon

E = AlertKind.EMERGENCY
S = AlertKind.SUICIDE
U = AlertKind.URGENT

# Every one of these must alert, with the kind the reply should be built from.
MUST_ALERT: tuple[tuple[str, AlertKind], ...] = (
    # A fall, and being stuck on the floor.
    ("I've fallen and can't get up", E),
    ("mum fell and is on the floor", E),
    ("My husband had a fall in the bathroom, please help", E),
    ("dad has fallen down the stairs and hes crying", E),
    ("ive been on the floor since 6am cant get up", E),
    ("Fell in the kitchen, cant get myself up off the floor", E),
    ("my nan fell over and cant get up", E),
    ("cannot get up after falling in the hall", E),
    ("Mum\u2019s on the bathroom floor and I can\u2019t lift her", E),
    ("I've slipped in the bath and can't get out", E),
    # Collapse.
    ("My wife just collapsed in the kitchen", E),
    ("neighbour has collapsed in the hallway of our block", E),
    # Chest pain.
    ("I have really bad chest pain", E),
    ("my chest feels tight and it's going down my arm", E),
    ("think hes having a heart attack", E),
    # Breathing.
    ("I cant breathe", E),
    ("my son is struggling to breathe", E),
    ("Dad's not breathing", E),
    ("CANT BREATH", E),
    # Stroke.
    ("I think he's having a stroke", E),
    ("Mum's face is drooping on one side and her speech is slurred", E),
    ("He can't lift his left arm and he's talking funny", E),
    # Thoughts of suicide and self-harm.
    ("I want to end it all", S),
    ("i'm going to kill myself", S),
    ("I don't want to live any more", S),
    ("i dont wanna be alive anymore", S),
    ("I feel suicidal since my husband died", S),
    ("everyone would be better off without me", S),
    ("I keep wanting to hurt myself", S),
    ("I've been cutting myself again", S),
    ("im thinking of taking an overdose tonight", S),
    # An overdose already taken is a physical emergency first.
    ("She took too many pills", E),
    ("I think my son has taken an overdose", E),
    ("mum took a whole box of paracetamol because she wants to die", E),
    # Fire, smoke and gas.
    ("There's a fire in the kitchen", E),
    ("the flat is on fire", E),
    ("FIRE!!!", E),
    ("My flat is full of smoke", E),
    ("there's smoke coming from the plug socket", E),
    ("I can smell gas in the flat", E),
    ("think there's a gas leak on the landing", E),
    # Violence and break-ins.
    ("He hit me and I'm scared", E),
    ("I'm being attacked", E),
    ("my neighbour is threatening me with a knife", E),
    ("my partner is strangling me", E),
    ("someone is breaking in", E),
    ("Help someone is trying to break in", E),
    ("there's someone in my house, I can hear them downstairs", E),
    # Seizures.
    ("my daughter is having a fit", E),
    ("He's having a seizure and won't stop shaking", E),
    # Not conscious or not responding.
    ("my husband won't wake up", E),
    ("mum is unconscious", E),
    ("Dad is not responding to me", E),
    # Heavy bleeding.
    ("he's bleeding a lot from his head", E),
    ("cut my hand on the broken window and it won't stop bleeding", E),
    # Urgent but not life-threatening: 111.
    ("I'm very unwell and live alone", U),
    ("my son has a high fever and wont eat", U),
    ("I've run out of my insulin", U),
    ("ran out of my heart medication and the chemist is shut", U),
    ("my daughter is really poorly with a temperature of 39", U),
)

# None of these may alert; the first ones are everyday uses of alarming words.
EVERYDAY: tuple[str, ...] = (
    "I fell behind on rent",
    "the leaves have fallen and blocked the drain",
    "I'm dying to know when the repair is booked",
    "smoke alarm test is due next week",
    # A chirping alarm asks for a battery, not a fire engine; smoke or fire in the text alerts.
    "my smoke alarm is beeping, battery low",
    "my gas bill is too high",
    "how do I send my gas meter reading",
    "the fire door is broken on our landing",
    "we had a fit of laughter at the carers group",
    "the dress doesn't fit",
    "my heart sank when I saw the letter",
    "I'm killing time until the housing officer calls",
    "that joke killed me",
    "is there a break in the weather forecast",
    "I have a fall appointment at the clinic on Tuesday",
    "can I book mum on the falls prevention class",
    "I'd kill for a cup of tea",
    "I need help moving a chest of drawers",
    "I just need some breathing space from caring",
    "my phone died halfway through the call",
    "who is going to cut the grass",
    "I fell asleep and missed your call",
    "I fell out with my sister over mum's care",
    "I have a blood test appointment on Monday",
    "I like to stroke the cat when I'm stressed",
    # Histories that explain a request for an adaptation.
    "I had a fall last year and need a grab rail in the bathroom",
    "mum had a stroke three years ago and needs a ground floor flat",
    "my husband had a heart attack in 2019",
    # Housing words that share a verb with an emergency.
    "the ceiling has collapsed in the bathroom",
    "the council is not responding to my emails",
    "I don't want to live here any more, the damp is awful",
    "the engineer is fitting a new boiler tomorrow",
    "I need a pendant alarm in case I fall and can't get up",
    "there's smoke coming through from next door, they smoke cannabis all day",
    "the gas fire in the lounge isn't working",
    "we've run out of gas on the meter",
    "my electric fire is broken",
    "my back is killing me",
    "I'm so sick of waiting for repairs",
    "I nearly had a heart attack when I saw the bill",
    "the bailiffs threatened me with eviction",
    "he's had a lot of blood tests",
    "the lift is broken again and mum can't get up the stairs",
    "we had a fall in income so we're behind on rent",
    "the fence fell down in the storm",
    "I cut myself shaving",
    # Questions and denials.
    "what should I do if I smell gas",
    "no chest pain, just a bad cough",
)

MIN_RECALL: float = 0.95
MAX_FALSE_ALARM_RATE: float = 0.05

# Every signal the detector reports; the labelled set must exercise each one.
REQUIRED_SIGNALS: frozenset[str] = frozenset(
    {
        "fall",
        "collapse",
        "chest_pain",
        "breathing",
        "stroke",
        "suicide",
        "self_harm",
        "overdose",
        "fire",
        "smoke",
        "gas",
        "violence",
        "break_in",
        "seizure",
        "unconscious",
        "bleeding",
        "urgent_medical",
    }
)

# Read by tests/handlers/conftest.py, which prints them in pytest's summary even on success.
SAFEGUARDING_FIGURES: dict[str, int] = {}


@cache
def _results() -> dict[str, Alert | None]:
    results = {text: check_text(text) for text, _ in MUST_ALERT}
    results.update({text: check_text(text) for text in EVERYDAY})
    SAFEGUARDING_FIGURES.update(
        caught=sum(results[text] is not None for text, _ in MUST_ALERT),
        expected=len(MUST_ALERT),
        false_alarms=sum(results[text] is not None for text in EVERYDAY),
        everyday=len(EVERYDAY),
    )
    return results


def test_labelled_set_is_large_and_has_no_duplicates() -> None:
    alert_texts = [text for text, _ in MUST_ALERT]
    assert len(alert_texts) >= 35
    assert len(EVERYDAY) >= 30
    assert len(set(alert_texts)) == len(alert_texts)
    assert len(set(EVERYDAY)) == len(EVERYDAY)
    assert not set(alert_texts) & set(EVERYDAY)


def test_recall() -> None:
    results = _results()
    missed = [text for text, _ in MUST_ALERT if results[text] is None]
    recall = 1 - len(missed) / len(MUST_ALERT)
    assert recall >= MIN_RECALL, f"recall {recall:.1%}; missed: {missed}"


def test_false_alarm_rate() -> None:
    results = _results()
    alarms = {text: results[text] for text in EVERYDAY if results[text] is not None}
    rate = len(alarms) / len(EVERYDAY)
    assert rate <= MAX_FALSE_ALARM_RATE, f"false alarms {rate:.1%}: {alarms}"


def test_suicidal_messages_get_the_samaritans_kind() -> None:
    results = _results()
    wrong: dict[str, Alert] = {}
    for text, kind in MUST_ALERT:
        alert = results[text]
        if kind is S and alert is not None and alert.kind is not S:
            wrong[text] = alert
    assert not wrong, f"expected SUICIDE: {wrong}"


def test_danger_is_never_downgraded_to_urgent() -> None:
    results = _results()
    downgraded: dict[str, Alert] = {}
    for text, kind in MUST_ALERT:
        alert = results[text]
        if kind is not U and alert is not None and alert.kind is U:
            downgraded[text] = alert
    assert not downgraded, f"life-threatening but answered with 111: {downgraded}"


def test_every_signal_is_exercised() -> None:
    seen = {alert.signal for alert in _results().values() if alert is not None}
    assert seen >= REQUIRED_SIGNALS, f"never seen: {sorted(REQUIRED_SIGNALS - seen)}"


def test_overdose_outranks_the_wish_to_die() -> None:
    alert = check_text("mum took a whole box of paracetamol because she wants to die")
    assert alert == Alert(E, "overdose")


def test_a_very_long_message_returns() -> None:
    text = "The damp in the back bedroom is getting worse. " * 1100
    assert len(text) > 50_000
    assert check_text(text) is None


@pytest.mark.parametrize("text", ["😢😢😢", "🔥", "🆘🙏", "مرحبا، أحتاج إلى مساعدة في الإيجار"])
def test_emoji_and_an_everyday_arabic_message_do_not_alert(text: str) -> None:
    assert check_text(text) is None


def test_arabic_is_read_not_stripped() -> None:
    # "I can't breathe": before the rules read every script, this was stripped to nothing.
    assert check_text("لا أستطيع التنفس") == Alert(E, "breathing")


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_nothing_to_read_does_not_alert(text: str | None) -> None:
    assert check_text(text) is None


def test_emoji_between_the_words_still_alerts() -> None:
    assert check_text("I've fallen 😢 and can't get up") == Alert(E, "fall")


@pytest.mark.parametrize("module", [alerts, vocabulary, rules, folding])
def test_the_english_rules_and_folding_use_only_the_standard_library(module: ModuleType) -> None:
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    # The detector's own modules import each other; nothing else outside the standard library.
    imported = {name for name in imported if not name.startswith("handlers.safeguarding.")}
    top_level = {name.partition(".")[0] for name in imported}
    assert top_level <= sys.stdlib_module_names, sorted(top_level - sys.stdlib_module_names)


def test_an_everyday_phrase_with_a_word_between_takes_its_own_words_away() -> None:
    # "The fire alarm device is beeping": the excuse "device ... fire" skips "alarm" between
    # its words, and must take "fire" with it, not the skipped word.
    arabic = lexicon("ar")
    assert [h.signal for h in hits(arabic, clauses("جهاز إنذار الحريق يصفر"))] == []
    assert "fire" in [h.signal for h in hits(arabic, clauses("في حريق في المطبخ"))]


def test_a_real_word_one_letter_from_a_rule_word_is_not_taken_for_a_typo() -> None:
    english = lexicon("en")
    assert [h.signal for h in hits(english, clauses("cut my finger cooking, he's fine"))] == []
    assert [h.signal for h in hits(english, clauses("my baby is chokin"))] == ["breathing"]


def test_a_short_goodbye_is_asked_about_however_low_the_classifier_scores_it() -> None:
    thresholds = Thresholds(clear=0.9, unclear=0.6, hint=0.3, floor=0.1)
    short = gather("acesta e ultimul mesaj")
    assert decide(short, 0.0, thresholds).outcome is Outcome.UNCLEAR
    # With more said, the classifier has words enough to weigh the goodbye itself.
    long = gather("acesta e ultimul mesaj de pe numarul vechi")
    assert [hit.signal for hit in long.found] == ["suicide"]
    assert decide(long, 0.0, thresholds).outcome is Outcome.NONE
    assert decide(long, 0.3, thresholds).outcome is Outcome.UNCLEAR


def test_a_short_message_sent_again_is_answered_alike_without_reading_it_again() -> None:
    # A Monday's check-in answers: thousands of "fine thanks", and an emergency among them.
    detection._assess_short.cache_clear()
    first = [assess(text) for text in ("fine thanks", "I can't breathe")]
    again = [assess(text) for text in ("fine thanks", "I can't breathe")]
    assert again == first
    assert [a.outcome for a in again] == [Outcome.NONE, Outcome.CLEAR]
    assert detection._assess_short.cache_info().hits == 2
    # A longer message is read each time: few are ever sent twice.
    long = "my neighbour has not opened her door for two days and I am worried"
    assert len(long) > detection.SHORT_MESSAGE_CHARS
    assert assess(long) == assess(long)
    assert detection._assess_short.cache_info().currsize == 2
