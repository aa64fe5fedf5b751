"""The flow registry: the menu it makes, and the forms stored state finds through it."""

from __future__ import annotations

from handlers.conversation.catalog import t
from handlers.conversation.intents import detect_intent
from handlers.flows.registry import FORMS, MENU, MENU_ITEMS, form_named


def test_every_menu_form_is_registered() -> None:
    menu_forms = {flow.item: flow.form for flow in MENU if flow.form is not None}
    assert all(form_named(item) is form for item, form in menu_forms.items())
    assert {"food", "medicine", "transport", "respite", "callback"} <= set(FORMS)


def test_menu_names_every_need() -> None:
    labels = [t(f"menu.{item}") for item in MENU_ITEMS]
    assert labels == [
        "Food",
        "Medicine",
        "Transport",
        "Carer respite information",
        "Call me back",
        "My requests",
    ]


def test_needs_in_words_go_to_the_most_specific_flow() -> None:
    assert detect_intent("can you pick up my prescription from the hospital", MENU) == "medicine"
    assert detect_intent("what is the status of my food request", MENU) == "my_requests"
    assert detect_intent("I need a lift to the hospital", MENU) == "transport"
    assert detect_intent("the weather is nice", MENU) is None
