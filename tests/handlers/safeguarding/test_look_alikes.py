"""Everyday look-alikes in the languages beyond English: cutlery, fire drills, a fall told as
over, an assault years ago. Each is paired with the emergency the same words must still find."""

from __future__ import annotations

import pytest

from handlers.safeguarding.detection import Outcome, assess, check_text, gather


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


# A gas smell told as fixed is over; a "but" after the telling ("fine now but it's back") is not.
@pytest.mark.parametrize(
    ("over", "back"),
    [
        (
            "Could smell gas in the hall Monday, the plumber tightened a valve, everything ok now",
            "Could smell gas in the hall Monday, everything ok now but it's back, I feel sick",
        ),
        (
            "Pazartesi gaz kokusu geldi, servis baktı, her şey yolunda",  # noqa: RUF001
            "Pazartesi gaz kokusu geldi, her şey yolunda sandık ama yine kokuyor",  # noqa: RUF001
        ),
        (
            "Subaxnimada gaas ayaa urayay, hadda waa caadi",
            "Subaxnimada gaas ayaa urayay, hadda waa caadi laakiin mar kale ayuu uraya",
        ),
    ],
)
def test_a_contrast_undoes_an_event_told_as_over(over: str, back: str) -> None:
    assert check_text(over) is None
    assert check_text(back) is not None


# A stuffy flat takes the breath away in a manner of speaking: the breathing rule asks rather
# than alerts, while the same words with someone's breath failing still alert.
@pytest.mark.parametrize(
    ("stuffy", "failing"),
    [
        (
            "Cant breathe in the bedroom at night, so muggy, is there an air con unit to borrow",
            "My nan cant breathe and her lips are blue",
        ),
        (
            "No se puede respirar en el salón, qué bochorno, ¿hay algún ventilador?",
            "Mi abuelo no puede respirar y tiene los labios morados",
        ),
    ],
)
def test_a_stuffy_flat_is_asked_about(stuffy: str, failing: str) -> None:
    assert not [hit for hit in gather(stuffy).found if hit.signal == "breathing" and hit.clear]
    assert check_text(failing) is not None


# Cold is an emergency for a frail person out in it or without heating who shows its signs
# (shivering, confused, drowsy, blue, numb); being cold, locked out or without heating alone
# asks for a repair or a locksmith.
@pytest.mark.parametrize(
    ("everyday", "emergency"),
    [
        ("it's freezing, please fix my heating", "an older person locked out in freezing weather"),
        ("locked out, need a locksmith", "elderly man locked out in the snow in his pyjamas"),
        ("when is the cold weather payment paid", "I think my neighbour has hypothermia"),
        ("my freezer is broken", "no heating and mum is 90, she can't feel her hands"),
        ("I've got a cold", "my nan is 88 and stuck outside in the cold, she's shivering"),
        (
            "fiquei trancado fora de casa, preciso de um serralheiro",
            "minha mae ta presa la fora no frio tremendo muito",
        ),
        (
            "está um frio de rachar, por favor arranjem o meu aquecimento",
            "sem aquecimento e a minha avó de 90 anos não sente as mãos",
        ),
        (
            "am rămas încuiat afară, am nevoie de un lăcătuș",
            "mama a ramas afara in frig si tremura tare",
        ),
        (
            "congelatorul s-a stricat",
            "fara caldura si bunica de 90 de ani nu isi mai simte mainile",
        ),
        (
            "main bahar lock ho gaya hoon, chabi wala chahiye",
            "ammi bahar sardi mein phans gayi hain, kaanp rahi hain",
        ),
        (
            "ہیٹنگ خراب ہے، بہت ٹھنڈ ہے، کب ٹھیک ہوگی؟",
            "ہیٹنگ نہیں ہے، ابو بہت ٹھنڈے ہیں اور الجھے ہوئے ہیں",
        ),
        (
            "খুব ঠান্ডা, হিটিং ঠিক করে দিন",
            "বাড়িতে হিটিং নেই, দাদু ঝিমাচ্ছে আর হাত টের পাচ্ছে না",
        ),
        (
            "heating noshto, kobe thik korben?",
            "heating nai, nanu jhimacche ar kotha bolte parche na",
        ),
        ("البرد كتير، بدي حدا يصلح التدفئة", "جدي عمره 85 مقفول عليه برا بالبرد وعم يرجف"),
        (
            "التدفئة خربانة من يومين، متى بتيجوا؟",
            "ma fi tadfi2a w sitti jisma bared ktir w mish 3am ti7ki",
        ),
        (
            "heating kharab hai, bahut thand hai, kado theek karoge",
            "heating band hai te bebe de hath neele ho gaye, susat ne",
        ),
    ],
)
def test_cold_alone_is_everyday_and_a_frail_person_in_it_is_an_emergency(
    everyday: str, emergency: str
) -> None:
    assert assess(everyday).outcome is Outcome.NONE
    assert "cold" in [hit.signal for hit in gather(emergency).found if hit.clear]
    assert check_text(emergency) is not None


# A heart attack two years ago explains a move downstairs; a fit now, said with the same word
# "دورہ", still alerts. Stuck ("phans") outside is not a typo of hanging ("phansi").
@pytest.mark.parametrize(
    ("everyday", "emergency", "signal"),
    [
        (
            "شوہر کو دو سال پہلے دل کا دورہ پڑا تھا، سیڑھیاں نہیں چڑھ سکتے"
            "، نیچے والا گھر مل سکتا ہے؟",
            "ابو کو ابھی دورہ پڑا ہے",
            "seizure",
        ),
        (
            "mi-e frica de paianjeni",
            "Mi-e frică să nu-i fac rău mamei, nu mai rezist singură",
            None,
        ),
        ("এই বিদ্যুৎ বিল আমাকে মেরে ফেলবে", "আমার স্বামী আমাকে মেরে ফেলবে", "violence"),
        ("gaari mein phans gaya hoon traffic mein", "abbu ne phansi laga li hai", "suicide"),
    ],
)
def test_a_look_alike_in_ur_ro_bn_is_no_alert(
    everyday: str, emergency: str, signal: str | None
) -> None:
    assert check_text(everyday) is None
    alert = check_text(emergency)
    assert alert is not None and (signal is None or alert.signal == signal), alert


# A farewell with thanks, or about a move, is a person signing off from the helpline: never an
# alert. The same goodbye alone still is one.
@pytest.mark.parametrize(
    ("thanks", "alone"),
    [
        ("Adiós a todos, gracias por la ayuda", "Adiós a todos"),
        ("To moja ostatnia wiadomość, dziękuję za pomoc", "To moja ostatnia wiadomość"),
        ("Hwyl fawr i bawb, diolch am bopeth", "Hwyl fawr i bawb"),
        ("Sudiev visiems, ačiū už pagalbą", "Sudiev visiems"),
    ],
)
def test_a_goodbye_with_thanks_is_no_alert(thanks: str, alone: str) -> None:
    assert assess(thanks).outcome is not Outcome.CLEAR
    assert assess(alone).outcome is Outcome.CLEAR
