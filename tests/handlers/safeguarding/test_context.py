"""Alarming words told in an everyday context: a story on the telly, an event that is over, a
denial, a medicine as a prescription. Each case is paired with the emergency it must not hide."""

from __future__ import annotations

import pytest

from handlers.safeguarding.detection import check_text, gather
from handlers.safeguarding.folding import clauses
from handlers.safeguarding.language import likely_languages
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


# Each language's "on the television" dates a story; a fire behind or beside the set is not one.
@pytest.mark.parametrize(
    ("language", "behind", "on_screen"),
    [
        ("ar", "الستائر خلف التلفزيون فيها حريق", "شفنا حريق في التلفزيون امس"),
        (
            "ro",
            "Perdeaua de lângă televizor a luat foc",
            "Am văzut un incendiu la televizor aseară",
        ),
        ("pl", "Pali się za tv w salonie", "Widziałam pożar w tv wczoraj"),
        ("pt", "A cortina atrás da tv pegou fogo", "Vi um incêndio na tv ontem"),
        ("es", "Hay fuego en la pared detrás de la tele", "Vi un incendio en la tele anoche"),
        (
            "so",
            "Dab ayaa ka kacay telefishanka gadaashiisa",
            "Telefishanka ku daawaday dab qabsaday",
        ),
        ("ur", "ٹی وی کے پیچھے آگ لگ گئی ہے", "ٹی وی پر آگ لگی دیکھی"),
        ("ur", "tv ke peeche aag lag gayi hai", "tv pe aag lagi dekhi"),
        ("gu", "ટીવીની પાછળ આગ લાગી છે", "ટીવી પર આગ લાગી જોઈ"),
    ],
)
def test_only_on_the_television_dates_a_fire(language: str, behind: str, on_screen: str) -> None:
    rules = lexicon(language)
    assert "fire" in [h.signal for h in hits(rules, clauses(behind))]
    assert "fire" not in [h.signal for h in hits(rules, clauses(on_screen))]


# "These stairs will kill me", "this bill is killing me": a complaint, beside the assault it must
# not hide.
@pytest.mark.parametrize(
    ("idiom", "assault"),
    [
        (
            "یہ سیڑھیاں مجھے مار ڈالیں گی، لفٹ کب ٹھیک ہوگی",
            "میرا شوہر مجھے مار رہا ہے، سیڑھیوں پر ہوں",
        ),
        (
            "kamar ka dard mujhe maar raha hai, grab rail lagwa dein",
            "mera shohar mujhe maar raha hai abhi",
        ),
        ("આ દાદર મને મારી નાખશે, લિફ્ટ ક્યારે ચાલુ થશે", "મારો પતિ મને મારી રહ્યો છે, બચાવો"),
        ("આ બિલ મને મારી રહ્યું છે, હપ્તામાં ભરી શકું?", "મારો પતિ મને મારી રહ્યો છે, બચાવો"),
        (
            "Bu merdivenler beni öldürecek, asansör ne zaman tamir edilecek",
            "Kocam beni dövüyor, merdivenlerdeyim",
        ),
        (
            "Jaranjaradan ayaa i dili doonta, wiishka goorma la hagaajinayaa",
            "Ninkaygu wuu i garaacayaa hadda",
        ),
        (
            "Dhabarkaygu wuu i dilayaa, ma la ii geli karaa gacan qabsi",
            "Ninkaygu wuu i garaacayaa hadda",
        ),
        ("هالدرج راح يقتلني، متى يصلحون المصعد", "اخوي معه سكين وراح يقتلني"),
        ("الدرج سيقتلني يوما ما، المصعد معطل منذ اسبوعين", "زوجي يضربني الان على الدرج"),
        (
            "Mae fy nghefn yn fy lladd i, oes modd cael canllaw yn y bath",
            "Mae fy ngŵr yn fy nharo i ar y grisiau",
        ),
        ("Scările astea mă omoară, se poate un apartament la parter?", "Soțul mă bate acum"),
        ("ਮੇਰੀ ਕਮਰ ਦਾ ਦਰਦ ਮੈਨੂੰ ਮਾਰ ਰਿਹਾ ਹੈ", "ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਮਾਰ ਰਿਹਾ ਹੈ"),
    ],
)
def test_a_complaint_that_something_will_kill_me_is_no_assault(idiom: str, assault: str) -> None:
    assert "violence" not in [hit.signal for hit in gather(idiom).found]
    assert check_text(assault) is not None


@pytest.mark.parametrize(
    ("story", "emergency"),
    [
        # The neighbours' barbecue smoke comes in; a stranger coming in is a break-in.
        ("Komşunun mangal dumani her akşam içeri giriyor", "Evime biri girdi, şu an içeride"),
        # "Two years ago" said the Levantine way dates a fall.
        ("امي وقعت من سنتين وهي منيحه هلق، بدنا درابزين", "امي وقعت على الارض وما بتقدر تقوم"),
    ],
)
def test_everyday_words_beside_an_emergency(story: str, emergency: str) -> None:
    assert [hit for hit in gather(story).found if hit.clear] == []
    assert check_text(emergency) is not None


def test_accented_letters_choose_whose_rules_read_latin_text() -> None:
    # "We're suffocating from the heat": Portuguese rules read "sufoc" as choking, but "ă" and
    # "ș" are Romanian; English still reads every message, as people mix it in.
    heat = "Ne sufocăm de căldură în casă"
    assert "pt" not in likely_languages(heat, clauses(heat))
    assert gather(heat).found == ()
    assert check_text("Mă sufoc, nu pot să respir, ajutor") is not None
    mixed = "Mama e inconștientă, she is not breathing"
    assert {"en", "ro"} <= set(likely_languages(mixed, clauses(mixed)))
    assert check_text(mixed) is not None


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
