"""The main menu's flows, in the order the menu shows them.

This list is the one place that knows every menu flow: the menu's options, the needs read in
free text, and the forms that stored conversation state names all come from it. Adding a flow
is its module (with its `FLOW`), its catalog entries, and one line here.
"""

from __future__ import annotations

from handlers.conversation.forms import Form
from handlers.conversation.menu_flow import MenuFlow
from handlers.flows import callback, food, medicine, my_requests, respite, transport

MENU: tuple[MenuFlow, ...] = (
    food.FLOW,
    medicine.FLOW,
    transport.FLOW,
    respite.FLOW,
    callback.FLOW,
    my_requests.FLOW,
)

MENU_ITEMS: tuple[str, ...] = tuple(flow.item for flow in MENU)

FORMS: dict[str, Form] = {flow.form.name: flow.form for flow in MENU if flow.form is not None}


def menu_flow(item: str) -> MenuFlow:
    """The flow behind a menu item."""
    return next(flow for flow in MENU if flow.item == item)


def form_named(name: str) -> Form:
    """The form a stored conversation is in, by the name it was saved under."""
    return FORMS[name]
