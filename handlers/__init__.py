"""Everything the bot decides, once for every channel: the conversation, flows and actions.

No channel or web library is imported here (tests/test_layering.py holds to it).
"""
