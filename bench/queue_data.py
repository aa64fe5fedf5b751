"""A help line's three years, made up in the database itself: contacts, tickets, their timeline
events and messages, shaped like a real queue (most tickets long closed, a backlog of open ones,
a few urgent, postcodes and names that repeat as they do in one city)."""

from __future__ import annotations

import asyncpg

FIRST = [
    "Margaret",
    "Edna",
    "Ruth",
    "Stan",
    "Albert",
    "Hilda",
    "Ena",
    "Minnie",
    "Dev",
    "Zoe",
    "Ngozi",
    "Aisha",
    "Tom",
    "Bill",
    "Rita",
    "Mavis",
    "Emily",
    "Ken",
    "Deirdre",
    "Norris",
]
SURNAMES = [
    "Ellis",
    "Jones",
    "Smith",
    "Patel",
    "Okonkwo",
    "Brown",
    "Ogden",
    "Tatlock",
    "Sharples",
    "Caldwell",
    "Barlow",
    "Platt",
    "Cole",
    "Khan",
    "Murphy",
    "Walsh",
    "Evans",
    "Hughes",
    "Taylor",
    "Wilson",
    "Davies",
    "Roberts",
    "Lewis",
    "Ahmed",
    "Begum",
    "Nowak",
    "Kowalski",
    "Singh",
    "Clarke",
    "Wright",
]
NEEDS = ["rice and tea", "nappies", "insulin", "a lift to the GP", "prescription", "bread"]
NOTES = [
    "Called the food bank, delivery Friday",
    "Pharmacy closed, try again tomorrow",
    "Left a voicemail for the carer",
    "Booked hospital transport",
    "Referred to Age UK",
    "Daughter will collect the prescription",
    "No answer, will ring after lunch",
    "Spoke to the GP surgery, repeat order sent",
    "Parcel left with the neighbour at number 4",
    "Council housing officer informed",
    "Wheelchair access needed for the taxi",
    "Carer on holiday until the 20th",
    "Asked for a Welsh speaker next time",
    "Volunteer driver confirmed for Tuesday",
    "Needs halal food, noted for the pantry",
    "Hearing aid battery flat, phone is hard",
    "Meter top-up arranged through the hub",
    "Warm space at the library suggested",
    "Smoke alarm check booked with the fire service",
    "Benefits advice appointment made",
]
RARE_NOTE = "Fridge broken, insulin at risk"


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


async def _indexes(connection: asyncpg.Connection, tables: list[str]) -> list[tuple[str, str]]:
    rows = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1) "
        "AND indexname NOT LIKE '%pkey' AND indexdef NOT LIKE 'CREATE UNIQUE%'",
        tables,
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


async def load(url: str, tickets: int) -> tuple[int, int]:
    """Fill the database; the busiest staff member's id and a contact with many tickets."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        tables = ["tickets", "ticket_events", "messages", "contacts", "channel_identities"]
        # Indexes are built once after the load: much faster than updating them row by row.
        indexes = await _indexes(connection, tables)
        for name, _ in indexes:
            await connection.execute(f'DROP INDEX "{name}"')
        contacts = max(tickets // 5, 10)
        await connection.execute(f"""
            INSERT INTO staff (email, name, role, is_active, created_at, updated_at)
            SELECT 'staff' || n || '@example.org', 'Staff ' || n,
                   CASE WHEN n = 1 THEN 'supervisor' ELSE 'agent' END, true, now(), now()
            FROM generate_series(1, 20) n;
            INSERT INTO contacts (display_name, language, vulnerable, telecare, has_carer,
                                  created_at, updated_at)
            SELECT ({_array(FIRST)})[1 + n % {len(FIRST)}] || ' ' ||
                   chr(65 + (n / {len(FIRST) * len(SURNAMES)}) % 26) || '. ' ||
                   ({_array(SURNAMES)})[1 + (n / {len(FIRST)}) % {len(SURNAMES)}],
                   'en', n % 9 = 0, n % 11 = 0, n % 13 = 0, now(), now()
            FROM generate_series(1, {contacts}) n;
            INSERT INTO channel_identities (contact_id, channel, external_id, opted_out,
                                            profile, created_at)
            SELECT n, (ARRAY['telegram','whatsapp','sms','console'])[1 + n % 4],
                   'ext-' || n, false, '{{}}', now()
            FROM generate_series(1, {contacts}) n;
        """)
        await connection.execute(f"""
            INSERT INTO tickets (contact_id, identity_id, channel, category, status, priority,
                                 assignee_id, details, due_at, first_response_at, created_at,
                                 updated_at)
            SELECT c, c, (ARRAY['telegram','whatsapp','sms','console'])[1 + c % 4],
                   (ARRAY['food','medicine','transport','respite','welfare','callback','other'])
                       [1 + h1 % 7],
                   CASE WHEN age < 30 THEN
                            (ARRAY['new','new','new','in_progress','in_progress','waiting',
                                   'waiting','resolved','resolved','closed'])[1 + h2 % 10]
                        WHEN h2 % 200 = 0 THEN 'waiting'
                        ELSE (ARRAY['closed','closed','resolved'])[1 + h2 % 3] END,
                   CASE WHEN h3 % 100 < 3 THEN 'urgent' WHEN h3 % 100 < 15 THEN 'high'
                        WHEN h3 % 100 < 30 THEN 'low' ELSE 'normal' END,
                   CASE WHEN age < 30 AND h4 % 10 < 3 THEN NULL ELSE 1 + h4 % 20 END,
                   json_build_object(
                       'postcode', 'LS' || (1 + n % 29) || ' ' || (n % 10) ||
                           chr(65 + (n / 10) % 26) || chr(65 + (n / 260) % 26),
                       'people', 1 + n % 5,
                       'need', ({_array(NEEDS)})[1 + n % {len(NEEDS)}]),
                   created + interval '1 hour' * (1 + n % 40),
                   CASE WHEN age < 30 AND h2 % 10 < 3 THEN NULL
                        ELSE created + interval '2 hours' END,
                   created, created
            FROM (
                -- Independent pseudo-random draws, so no two attributes move together.
                SELECT n, (1 + (n::bigint * 7919) % {contacts})::int AS c,
                       (n::bigint * 2654435761) % 1000003 AS h1,
                       (n::bigint * 40503) % 1000033 AS h2,
                       (n::bigint * 69069) % 1000037 AS h3,
                       (n::bigint * 97) % 1000039 AS h4,
                       (n % 1095) AS age,
                       now() - interval '1 day' * (n % 1095) - interval '1 second' * (n % 86400)
                           AS created
                FROM generate_series(1, {tickets}) n
            ) made;
        """)
        await connection.execute(f"""
            INSERT INTO ticket_events (ticket_id, kind, actor_type, actor_id, data, created_at)
            SELECT id, 'created', 'contact', NULL, '{{}}', created_at FROM tickets;
            INSERT INTO ticket_events (ticket_id, kind, actor_type, actor_id, data, created_at)
            SELECT id, 'status_changed', 'staff', assignee_id,
                   json_build_object('from', 'new', 'to', status), created_at + interval '2 hours'
            FROM tickets;
            INSERT INTO ticket_events (ticket_id, kind, actor_type, actor_id, data, created_at)
            SELECT id, 'note', 'staff', assignee_id,
                   json_build_object('text', CASE WHEN id % 997 = 0 THEN '{RARE_NOTE}'
                       ELSE ({_array(NOTES)})[1 + (id::bigint * 7907) % {len(NOTES)}] END),
                   created_at + interval '3 hours'
            FROM tickets;
            INSERT INTO messages (contact_id, identity_id, ticket_id, channel, direction, body,
                                  payload, status, attempts, created_at, updated_at)
            SELECT contact_id, identity_id, id, channel, 'out', 'HH: we are on it', '{{}}',
                   CASE WHEN id % 97 = 0 THEN 'failed' ELSE 'delivered' END, 1,
                   created_at + interval '1 hour', created_at + interval '1 hour'
            FROM tickets WHERE id % 10 = 0;
        """)
        # Only inserts above, never an update: an index built over updated rows cannot be used
        # by transactions older than it, and another session's long transaction would then
        # hide every index from these measurements.
        for _, definition in indexes:
            await connection.execute(definition)
        await connection.execute("VACUUM ANALYZE")
        return await _chosen(connection)
    finally:
        await connection.close()


async def chosen(url: str) -> tuple[int, int]:
    """In a loaded database: the busiest staff member's id and a contact with many tickets."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return await _chosen(connection)
    finally:
        await connection.close()


async def _chosen(connection: asyncpg.Connection) -> tuple[int, int]:
    busiest = await connection.fetchval(
        "SELECT assignee_id FROM tickets WHERE assignee_id IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    contact = await connection.fetchval(
        "SELECT contact_id FROM tickets GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    return int(busiest), int(contact)
