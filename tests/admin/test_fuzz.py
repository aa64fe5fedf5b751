"""A bounded schemathesis run over the whole OpenAPI document: no input gives a 5xx."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from bot.db import SessionFactory, transaction
from handlers.actions.staff import hash_token, new_token
from models import Staff, StaffToken
from models.base import utcnow
from models.enums import Channel
from models.staff import StaffRole
from tests.admin.conftest import Api
from tests.support.tickets import seed_ticket

EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}
# The fuzzing admin's ids are far from the small ids and boundary values the fuzzer favours, so
# it does not revoke its own token or deactivate itself half-way through the run.
FUZZER_ID = 2_000_000_000
# Beyond "no 5xx": answers match the documented statuses, shapes and content types, and
# input the schema forbids is refused.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
]


@dataclass
class Tally:
    """What the run did, for the report and the assertions."""

    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)


async def fuzzing_admin(db: SessionFactory) -> str:
    token = new_token()
    now = utcnow()
    async with transaction(db) as session:
        session.add(
            Staff(
                id=FUZZER_ID,
                email="fuzzer@example.org",
                name="Fuzzer",
                role=StaffRole.ADMIN,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add(
            StaffToken(
                id=FUZZER_ID, staff_id=FUZZER_ID, token_hash=hash_token(token), created_at=now
            )
        )
    return token


def fuzz_operation(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    app_url: str,
    headers: dict[str, str],
    tally: Tally,
) -> None:
    """Call one operation with up to EXAMPLES[mode] generated inputs, checking each answer."""
    name = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode))
        call_headers = dict(headers)
        if name == "DELETE /api/v1/auth/token":
            # Signing out revokes the token used, so that call gets a token of its own.
            issued = httpx.post(
                f"{app_url}/api/v1/staff/{FUZZER_ID}/tokens", json={}, headers=headers
            )
            call_headers["Authorization"] = f"Bearer {issued.json()['token']}"
        response = case.call(base_url=app_url, headers=call_headers, timeout=30)
        tally.calls += 1
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing in this operation can be made invalid (e.g. it takes no input).
        assert mode == GenerationMode.NEGATIVE, name
    except BaseException as exc:  # hypothesis raises groups of failures
        tally.failures[f"{name} ({mode.value})"] = str(exc)[:2000]


def fuzz(app_url: str, token: str) -> Tally:
    """Run every operation with generated input, in this (worker) thread."""
    schema = schemathesis.openapi.from_url(f"{app_url}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails here
        for mode in EXAMPLES:
            fuzz_operation(operation, mode, app_url, headers, tally)
    return tally


async def test_no_generated_request_gets_a_server_error(api: Api, app_url: str) -> None:
    for channel in Channel:
        await seed_ticket(api.db, channel=channel)
    token = await fuzzing_admin(api.db)
    started = time.monotonic()
    tally = await asyncio.to_thread(fuzz, app_url, token)
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis: {tally.calls} calls in {elapsed:.1f}s, "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.failures == {}, "\n\n".join(f"{k}: {v}" for k, v in tally.failures.items())
    assert not [code for code in tally.statuses if code >= 500]
    assert tally.calls > 200
    # The run stayed authenticated: most answers are not 401s.
    assert tally.statuses[401] < tally.calls / 4
