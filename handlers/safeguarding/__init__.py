"""Safeguarding: spotting a message that says someone may be in danger, and answering it first.

`detection.check_text` reads a message against `rules` (built from `vocabulary`) and returns an
`alerts.Alert`; `response.do_raise_alert` answers it with the right numbers and an urgent ticket.
"""
