"""Named domain actions, by resource, shared by the flows and the staff API.

Verbs carry contracts: `check_*` validates and raises, `access_*` fetches one thing or raises
NotFoundError (recording the read where that is audited), `do_*` writes (and queues any message
it owes the person), and `find_*`/`list_*`/`search_*` only read.
"""
