"""GSM-7 text, segment counting and splitting long SMS, and reading Twilio's inbound forms."""

from __future__ import annotations

import pytest

from bot.channels.gsm import fits_segments, is_gsm7, length, segments, split, to_gsm7
from bot.channels.twilio import sms_parts, translate_form
from handlers.conversation.events import Keyword, MediaKind
from models.enums import Channel


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("It\u2019s \u201cfine\u201d", 'It\'s "fine"'),
        ("menu \u2013 see the choices \u2014 now", "menu - see the choices - now"),
        ("Wait\u2026", "Wait..."),
        ("Hello \U0001f44b there", "Hello there"),
        ("\U0001f35e Food", "Food"),
        ("1\ufe0f\u20e3 Food", "1 Food"),
        ("caf\u00e9 na\u00efve fa\u00e7ade", "caf\u00e9 naive facade"),
        ("\u00a35 or \u20ac5, {ok} [yes]", "\u00a35 or \u20ac5, {ok} [yes]"),
        ("a\u00a0b\tc", "a b c"),
        ("plain text", "plain text"),
    ],
)
def test_to_gsm7(given: str, expected: str) -> None:
    assert to_gsm7(given) == expected
    assert is_gsm7(to_gsm7(given))


def test_segments_for_gsm7() -> None:
    assert segments("") == 0
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    # Characters from the extension table take two septets each.
    assert length("\u20ac" * 80) == 160
    assert segments("\u20ac" * 80) == 1
    assert segments("\u20ac" * 81) == 2


def test_segments_for_ucs2() -> None:
    assert not is_gsm7("\u0645\u0631\u062d\u0628\u0627")
    assert segments("\u0627" * 70) == 1
    assert segments("\u0627" * 71) == 2
    assert segments("\u0627" * 134) == 2
    assert segments("\u0627" * 135) == 3
    # One emoji is two UTF-16 code units.
    assert length("\U0001f600") == 2


def test_split_keeps_short_texts_whole() -> None:
    assert split("  Hello  ", fits_segments(2)) == ["Hello"]
    assert split("", fits_segments(2)) == []


def test_split_breaks_at_paragraphs_and_keeps_options_together() -> None:
    question = "Which of these do you need? " * 8
    options = "\n".join(f"{n}. Option number {n}" for n in range(1, 9))
    parts = split(f"{question.strip()}\n\n{options}", fits_segments(2))
    assert parts == [question.strip(), options]


def test_split_never_breaks_a_word() -> None:
    text = " ".join(f"word{n}" for n in range(200))
    parts = split(text, fits_segments(2))
    assert len(parts) > 1
    assert all(segments(part) <= 2 for part in parts)
    assert " ".join(parts) == text


def test_split_cuts_a_word_only_when_it_must() -> None:
    link = "https://example.org/" + "x" * 700
    parts = split(link, fits_segments(2))
    assert "".join(parts) == link
    assert all(segments(part) <= 2 for part in parts)


def test_sms_parts_are_gsm7_and_two_segments_at_most() -> None:
    text = "\u201cHello\u201d \U0001f44b \u2013 " + "This is a long line of help. " * 30
    parts = sms_parts(text)
    assert len(parts) >= 2
    assert all(is_gsm7(part) and segments(part) <= 2 for part in parts)


def form(body: str, *, whatsapp: bool = False, **fields: str) -> dict[str, str]:
    sender = "whatsapp:+447700900789" if whatsapp else "+447700900456"
    return {"From": sender, "MessageSid": "SM" + "0" * 32, "Body": body, **fields}


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", " STOPALL ", "unsubscribe", "CANCEL"])
def test_sms_opt_out_words(word: str) -> None:
    event = translate_form(form(word))
    assert event is not None
    assert event.keyword is Keyword.OPT_OUT
    assert event.provider_confirms_opt_out


@pytest.mark.parametrize("word", ["END", "quit!", "Cancel"])
def test_more_sms_opt_out_words(word: str) -> None:
    event = translate_form(form(word))
    assert event is not None
    assert event.keyword is Keyword.OPT_OUT


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_sms_opt_in_words(word: str) -> None:
    event = translate_form(form(word))
    assert event is not None
    assert event.keyword is Keyword.OPT_IN


@pytest.mark.parametrize("body", ["stop the request", "please cancel", "yes please", "ends"])
def test_words_inside_a_sentence_are_not_keywords(body: str) -> None:
    event = translate_form(form(body))
    assert event is not None
    assert event.keyword is None
    assert event.text == body


def test_whatsapp_keywords() -> None:
    stop = translate_form(form("STOP", whatsapp=True))
    assert stop is not None
    assert stop.keyword is Keyword.OPT_OUT
    assert not stop.provider_confirms_opt_out
    for word in ("cancel", "END", "quit", "yes"):
        event = translate_form(form(word, whatsapp=True))
        assert event is not None
        assert event.keyword is None, word
    start = translate_form(form("Start", whatsapp=True))
    assert start is not None
    assert start.keyword is Keyword.OPT_IN


@pytest.mark.parametrize("whatsapp", [False, True])
def test_help_and_info_are_the_help_command(whatsapp: bool) -> None:
    for word in ("HELP", "info", "Help?"):
        event = translate_form(form(word, whatsapp=whatsapp))
        assert event is not None
        assert event.text == "help"
        assert event.keyword is None


def test_whatsapp_form_fields() -> None:
    event = translate_form(
        form(
            "",
            whatsapp=True,
            WaId="447700900789",
            ProfileName="Mariam",
            NumMedia="3",
            MediaUrl0="https://example.org/0",
            MediaContentType0="image/jpeg",
            MediaUrl1="https://example.org/1",
            MediaContentType1="video/mp4",
            MediaUrl2="https://example.org/2",
            MediaContentType2="application/pdf",
            Latitude="53.8",
            Longitude="-1.57",
        )
    )
    assert event is not None
    assert event.channel is Channel.WHATSAPP
    assert event.external_id == "+447700900789"
    assert event.phone == "+447700900789"
    assert event.display_name == "Mariam"
    assert event.profile == {"wa_id": "447700900789", "profile_name": "Mariam"}
    assert event.text is None
    assert [m.kind for m in event.media] == [MediaKind.PHOTO, MediaKind.VIDEO, MediaKind.DOCUMENT]
    assert event.media[1].url == "https://example.org/1"
    assert event.location is not None
    assert event.location.latitude == 53.8


@pytest.mark.parametrize(
    "fields",
    [
        {"From": ""},
        {"From": "whatsapp:"},
        {"From": "+44 7700 900456"},
        {"From": "client:anonymous"},
        {"MessageSid": ""},
    ],
)
def test_unusable_forms(fields: dict[str, str]) -> None:
    assert translate_form({**form("hello"), **fields}) is None


def test_nonsense_numbers_are_ignored() -> None:
    event = translate_form(form("hi", NumMedia="lots", Latitude="north", Longitude="1"))
    assert event is not None
    assert event.media == ()
    assert event.location is None
