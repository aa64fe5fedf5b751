"""Everyday look-alikes in the languages beyond English: cutlery, fire drills, a fall told as
over, an assault years ago. Each is paired with the emergency the same words must still find."""

from __future__ import annotations

import pytest

from handlers.safeguarding.detection import check_text, gather


# Cutlery, a fire drill, a blown bulb, a falling price, a blood test: everyday words that share a
# rule's keyword, each beside the emergency the same keyword must still find.
@pytest.mark.parametrize(
    ("everyday", "emergency"),
    [
        (
            "Mae'r drôr cyllyll a ffyrc yn y gegin wedi torri",
            "Mae ganddo gyllell ac mae'n fy mygwth",
        ),
        ("Zgubił się nóż i widelec przy przeprowadzce", "Ma nóż i mi grozi"),
        ("Mutfaktaki çatal bıçak çekmecesi kırıldı", "Kocam bıçakla tehdit ediyor beni"),  # noqa: RUF001
        ("ضاعت سكين وشوكة من الطقم", "اخوي معه سكين وراح يقتلني"),
        (
            "Mindi iyo fargeeto cusub ayaan u baahanahay",
            "Mindi ayuu haystaa wuuna i handadayaa",
        ),
        ("રસોડાનું છરી કાંટાનું ખાનું તૂટી ગયું છે", "એના હાથમાં છરી છે, બચાવો"),
        ("في تجربة لإنذار الحريق بالعمارة بكرا الساعة ١٠", "في حريق بالمطبخ"),  # noqa: RUF001
        ("Jutro próbny alarm pożarowy w bloku o 10", "Pożar w kuchni, pali się"),
        (
            "Nalka jaranjarada ayaa gubtay, mugdi ayaa jira",
            "Guriga ayaa gubanaya, dab ayaa qabsaday",
        ),
        ("Ceny spadły ale czynsz dalej rośnie, czemu?", "Mama upadła i nie może wstać"),
        ("Fiyatlar düştü ama kira hala artıyor", "Annem düştü kalkamıyor"),  # noqa: RUF001
        (
            "Qiimaha guryaha ayaa dhacay, kirada ma saameynaysaa?",
            "Hooyaday way dhacday kici kari mayso",
        ),
        ("Syrthiodd fy incwm pan es i ran amser", "Mae Dad wedi syrthio a methu codi"),
        # A neighbour's cigarette smoke, as the English rules' tobacco veto reads it.
        (
            "Alt kattaki komşunun sigara dumanı banyoya geliyor",  # noqa: RUF001
            "Mutfak duman dolu, nefes alamıyoruz",  # noqa: RUF001
        ),
        (
            "Skończyły mi się leki na ciśnienie, kto odbierze receptę?",
            "Połknęła wszystkie tabletki",
        ),
        (
            "Çarşamba kan aldıracağım, öğleden sonra gelin",  # noqa: RUF001
            "Oğlumun kafasından çok kan geliyor, durmuyor",  # noqa: RUF001
        ),
    ],
)
def test_an_everyday_look_alike_is_no_hit(everyday: str, emergency: str) -> None:
    assert gather(everyday).found == ()
    assert check_text(emergency) is not None


# An event told as over ("the shelf fell, nobody was hurt", "he is fine now") is history, as the
# English rules read "fine now"; the same fall told without it still alerts.
@pytest.mark.parametrize(
    ("over", "now"),
    [
        (
            "Wczoraj spadła półka w kuchni. Nikomu nic się nie stało",
            "Tata spadł ze schodów, leży na podłodze",
        ),
        ("Fırtınada dal düştü ama kimse yaralanmadı", "Babam merdivenden düştü, kafası kanıyor"),  # noqa: RUF001
        (
            "Wiilkaygu wuu dhacay kubbadda, hadda wuu fiican yahay",
            "Wiilkaygu wuu dhacay madaxa ayaa dhiig ka socda",
        ),
        ("الرف وقع بالمطبخ امبارح ما حدا انصاب", "ابوي وقع على الارض وما يقدر يقوم"),
        (
            "Cwympodd y silff oddi ar y wal, neb wedi brifo",
            "Cwympodd Mam ar y grisiau, mae hi'n gwaedu",
        ),
        ("કાલે છાજલી પડી ગઈ, કોઈને વાગ્યું નથી", "બા પડી ગયા, ઊભા થઈ શકતા નથી"),
        (
            "Gabadhaydu way dhacday, jilibka ayaa xoqmay, waan duubnay",
            "Gabadhaydu way dhacday, kici kari mayso",
        ),
    ],
)
def test_an_event_told_as_over_is_no_fall(over: str, now: str) -> None:
    assert "fall" not in [hit.signal for hit in gather(over).found]
    assert "fall" in [hit.signal for hit in gather(now).found]


@pytest.mark.parametrize(
    ("years_ago", "now"),
    [
        (
            "Roedd fy nghyn-bartner yn fy nharo flynyddoedd yn ol",
            "Mae fy mhartner yn fy nharo i nawr",
        ),
        ("Ninkii hore wuu i garaaci jiray sannado ka hor", "Ninkaygu wuu i garaacayaa hadda"),
        ("Eski kocam yıllar önce beni döverdi", "Kocam beni dövüyor"),  # noqa: RUF001
    ],
)
def test_an_assault_dated_years_ago_is_history(years_ago: str, now: str) -> None:
    assert "violence" not in [hit.signal for hit in gather(years_ago).found if hit.clear]
    assert check_text(now) is not None


@pytest.mark.parametrize(
    ("over", "not_over"),
    [
        ("Tata upadł na podłogę, już jest dobrze", "Tata upadł na podłogę, już nie jest dobrze"),
        ("Babam düştü, şimdi iyi", "Babam düştü, şimdi iyi değil"),
        ("ابوي وقع والحين بخير", "ابوي وقع والحين مش بخير"),
        ("Cwympodd Mam, mae hi yn iawn nawr", "Cwympodd Mam, dydy hi ddim yn iawn nawr"),
    ],
)
def test_a_denied_recovery_does_not_end_the_event(over: str, not_over: str) -> None:
    assert "fall" not in [hit.signal for hit in gather(over).found]
    assert "fall" in [hit.signal for hit in gather(not_over).found]
