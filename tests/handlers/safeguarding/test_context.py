"""Alarming words told in an everyday context: a story on the telly, an event that is over, a
denial, a medicine as a prescription. Each case is paired with the emergency it must not hide."""

from __future__ import annotations

import pytest

from handlers.safeguarding.alerts import AlertKind
from handlers.safeguarding.detection import Outcome, assess, check_text, gather
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


# Someone else's threat to kill the writer is violence, whoever says it and in whichever
# language: "me va a matar" (he is going to kill me) is not "me voy a matar" (I am going to
# kill myself). A weapon beside the threat makes it a clear alert, not a question.
@pytest.mark.parametrize(
    "text",
    [
        "میرے بیٹے نے چاقو اٹھا لیا ہے، وہ مجھے مار ڈالے گا",
        "mera beta mujhe maar dalega, uske haath mein churi hai",
        "ਮੇਰਾ ਮੁੰਡਾ ਮੈਨੂੰ ਮਾਰ ਦੇਵੇਗਾ, ਉਹਦੇ ਹੱਥ ਵਿੱਚ ਚਾਕੂ ਹੈ",
        "mera munda mainu maar dauga, ohde hath vich chaku hai",
        "my son says he's going to kill me and he's holding a knife",
        "Mi hijo me va a matar",
        "Mi marido dice que me va a matar esta noche",
        "O meu marido vai-me matar",
        "Fiul meu mă va omorî",
        "Soțul meu o să mă omoare",
        "Mój mąż mnie zabije",
        "Mae fy ngŵr yn mynd i fy lladd i",
        "زوجي سيقتلني",
        "میرا شوہر مجھے مار ڈالے گا",
        "ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਮਾਰ ਦੇਵੇਗਾ",
        "আমার স্বামী আমাকে মেরে ফেলবে",
        "amar shami amake mere felbe",
        "Kocam beni öldürecek",
        "Vyras mane nužudys",
        "Ninkaygu wuu i dili doonaa",
    ],
)
def test_a_threat_to_kill_me_is_a_violence_alert(text: str) -> None:
    alert = check_text(text)
    assert alert is not None and alert.signal == "violence", alert


@pytest.mark.parametrize(
    "text",
    [
        "this heat is going to kill me, can the window be fixed",
        "Este calor me va a matar, ¿pueden arreglar la ventana?",
        "Estas escadas vão me matar, há elevador?",
    ],
)
def test_heat_or_stairs_that_will_kill_me_is_no_violence_alert(text: str) -> None:
    alert = check_text(text)
    assert alert is None or alert.signal != "violence", alert


# Choking or suffocating now is a breathing emergency, not someone unconscious; being
# "suffocated" by the heat is a complaint.
@pytest.mark.parametrize(
    "text",
    [
        "Mă sufoc",
        "Mă sufoc, nu pot să respir, ajutor",
        "Dławię się",
        "Aš dūstu",
        "I'm suffocating",
        "Estou a sufocar",
        "Me estoy ahogando",
        # Arabic typed in Latin letters, with digits for letters.
        "mokhtane2",
        "3am yekhtene2",
        "ma ba2dar atnaffas",
    ],
)
def test_choking_is_a_breathing_alert(text: str) -> None:
    alert = check_text(text)
    assert alert is not None and alert.signal == "breathing", alert


def test_a_razor_in_the_bath_is_self_harm_and_a_razor_for_the_bathroom_is_not() -> None:
    alert = check_text("i'm in the bath with a razor")
    assert alert is not None and alert.kind is AlertKind.SUICIDE, alert
    assert assess("I need a new razor for the bath cabinet").outcome is Outcome.NONE


def test_suffocating_in_the_heat_is_not_choking() -> None:
    assert check_text("Mă sufoc de căldură în apartament, caloriferul nu se oprește") is None
    assert check_text("it's suffocating in here with the heating stuck on") is None


# A carbon monoxide alarm chirping for its battery asks for a repair, not an ambulance; the
# alarm with a headache or sickness is the emergency.
@pytest.mark.parametrize(
    ("battery", "symptoms"),
    [
        (
            "czujnik czadu piszczy, to chyba słaba bateria",
            "czujnik czadu piszczy i boli mnie głowa",
        ),
        (
            "the CO alarm keeps chirping, low battery",
            "the carbon monoxide alarm is going off and I feel dizzy and sick",
        ),
        (
            "the carbon monoxide alarm keeps going off, I think it's the battery",
            "co alarm beeping and the kids have headaches",
        ),
        (
            "alarma de monóxido de carbono pita, creo que es la batería",
            "la alarma de monóxido está sonando y me duele la cabeza",
        ),
        (
            "detectorul de monoxid de carbon piuie, cred că e bateria",
            "detectorul de monoxid piuie și mă doare capul",
        ),
        (
            "anglies monoksido detektorius pypsi, baterija baigiasi",
            "anglies monoksido detektorius pypsi ir skauda galvą",
        ),
    ],
)
def test_a_co_alarm_battery_is_no_alert_but_symptoms_are(battery: str, symptoms: str) -> None:
    assert check_text(battery) is None
    alert = check_text(symptoms)
    assert alert is not None and alert.signal == "gas", alert


# A goodbye said indirectly is worth the safety question at least; with a means or a time it
# is a clear alert. The same words about a repair or a holiday are everyday.
@pytest.mark.parametrize(
    "text",
    [
        "tell my kids I loved them",
        "I won't be around much longer",
        "this is my last message",
        "I've given my cat away, I won't need my things",
        "Dile a mis hijos que los quise",
        "Dei o meu gato, não vou precisar das minhas coisas",
        "Spune-le copiilor mei că i-am iubit",
        "mere bachon ko batana ke main unse pyar karti thi",
        "Pasakykite mano vaikams, kad juos mylėjau",
        # A goodbye alone, which the classifier scores far below the question.
        "goodbye forever",
        "esta é a minha última mensagem",
        "adeus para sempre",
        "acesta e ultimul mesaj",
        "adio pentru totdeauna",
        "یہ میرا آخری پیغام ہے",
        "main kal yahan nahi hunga",
        "এটা আমার শেষ মেসেজ",
        "chirodiner jonno biday",
        "هذه رسالتي الاخيرة",
        "وداعا للابد",
        "hay akher risale mni",
        "ਇਹ ਮੇਰਾ ਆਖਰੀ ਸੁਨੇਹਾ ਹੈ",
    ],
)
def test_an_indirect_goodbye_is_at_least_asked_about(text: str) -> None:
    assert assess(text).outcome is not Outcome.NONE


@pytest.mark.parametrize(
    "text",
    [
        "this is my last message, I've got a rope",
        "I won't be around much longer, I've saved up my tablets",
        "tell my kids I love them, I've got the pills here",
        "Este es mi último mensaje, tengo las pastillas aquí",
        "Acesta este ultimul meu mesaj, am pastilele aici",
    ],
)
def test_a_goodbye_with_a_means_is_a_clear_alert(text: str) -> None:
    alert = check_text(text)
    assert alert is not None and alert.kind is AlertKind.SUICIDE, alert


@pytest.mark.parametrize(
    "text",
    [
        "my last message didn't get a reply",
        "I won't be around much on Tuesday, can the engineer come Wednesday",
        "I've given away the old sofa, can you collect the rubbish",
        "Este es mi último mensaje sobre la reparación",
        "did you get my last message?",
        "a minha última mensagem não teve resposta",
        "ultimul meu mesaj nu a primit raspuns",
        "آخری پیغام کا جواب نہیں آیا",
        "শেষ মেসেজের উত্তর পাইনি",
        "ok biday, dhonnobad",
        "رسالتي الاخيرة ما حدا رد عليها",
    ],
)
def test_a_goodbye_word_about_a_repair_is_no_alert(text: str) -> None:
    assert assess(text).outcome is Outcome.NONE


@pytest.mark.parametrize(
    "text",
    [
        "there was a suicide in the soap on the telly tonight, it upset me",
        "vi una película sobre un suicidio, qué triste",
        "oglądałam film o samobójstwie, smutny",
        "haberlerde bir intihar vardı, çok üzüldüm",  # noqa: RUF001
        "ٹی وی پر خودکشی کی خبر دیکھی",
    ],
)
def test_a_suicide_in_a_story_of_others_is_asked_about_not_alerted(text: str) -> None:
    assert any(hit.framed for hit in gather(text).found)
    assert assess(text).outcome is not Outcome.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "I watched a film last night and now I am going to kill myself",
        "saw a programme about suicide, I've been suicidal for weeks and the pills are ready",
        "am incercat sa ma sinucid anul trecut si acum vreau din nou",
        "he hit me last year and he's come back and he's doing it again",
    ],
)
def test_the_persons_own_danger_beside_a_story_or_the_past_still_alerts(text: str) -> None:
    assert assess(text).outcome is Outcome.CLEAR
