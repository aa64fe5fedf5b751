"""The worker's gate on working jobs: at most its limit work at once, a job waiting long on a
provider holds no place, and one back from its wait goes before jobs not yet started."""

from __future__ import annotations

import asyncio

import pytest

from bot.in_flight import InFlightLimit, waiting_outside


async def test_no_more_than_the_limit_work_at_once() -> None:
    gate = InFlightLimit(3)
    working = most = 0

    async def job() -> None:
        nonlocal working, most
        async with gate.place():
            working += 1
            most = max(most, working)
            await asyncio.sleep(0.01)
            working -= 1

    await asyncio.gather(*(job() for _ in range(20)))
    assert most == 3
    assert gate.working == 0


async def test_a_job_waiting_on_a_provider_leaves_its_place_to_another() -> None:
    gate = InFlightLimit(1)
    answer = asyncio.Event()
    done: list[str] = []

    async def slow_provider() -> None:
        async with gate.place():
            async with waiting_outside(grace=0):
                await answer.wait()
            done.append("slow")

    async def quick() -> None:
        async with gate.place():
            done.append("quick")

    slow = asyncio.create_task(slow_provider())
    await asyncio.sleep(0)
    # The first job waits on its provider; the second needs the only place and gets it.
    await asyncio.wait_for(quick(), timeout=1)
    answer.set()
    await slow
    assert done == ["quick", "slow"]


async def test_a_wait_shorter_than_the_grace_keeps_the_place() -> None:
    gate = InFlightLimit(1)
    order: list[str] = []

    async def quick_provider() -> None:
        async with gate.place():
            async with waiting_outside(grace=1.0):
                await asyncio.sleep(0.02)
            order.append("answered")

    async def new() -> None:
        async with gate.place():
            order.append("new")

    first = asyncio.create_task(quick_provider())
    await asyncio.sleep(0)
    await asyncio.gather(first, new())
    assert order == ["answered", "new"]


async def test_a_job_back_from_its_wait_goes_before_new_ones() -> None:
    gate = InFlightLimit(1)
    answer = asyncio.Event()
    leave = asyncio.Event()
    order: list[str] = []

    async def waits_on_provider() -> None:
        async with gate.place():
            async with waiting_outside(grace=0):
                await answer.wait()
            order.append("back from the provider")

    async def holds_the_place() -> None:
        async with gate.place():
            await leave.wait()
        order.append("left")

    async def new(name: str) -> None:
        async with gate.place():
            order.append(name)

    tasks = [asyncio.create_task(waits_on_provider())]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(holds_the_place()))
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(new(f"new {n}")) for n in range(2)]
    await asyncio.sleep(0)
    answer.set()
    for _ in range(3):
        await asyncio.sleep(0)
    leave.set()
    await asyncio.gather(*tasks)
    assert order == ["left", "back from the provider", "new 0", "new 1"]


async def test_a_cancelled_job_gives_its_place_back() -> None:
    gate = InFlightLimit(1)
    leave = asyncio.Event()

    async def holder() -> None:
        async with gate.place():
            await leave.wait()

    async def waiter() -> None:
        async with gate.place():
            pass

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    queued = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    leave.set()
    await held
    # Nothing was lost to the cancelled one: the place is free for the next job.
    await asyncio.wait_for(waiter(), timeout=1)
    assert gate.working == 0


async def test_a_job_cancelled_while_coming_back_holds_nothing_after() -> None:
    gate = InFlightLimit(1)
    leave = asyncio.Event()

    async def waits_on_provider() -> None:
        async with gate.place(), waiting_outside(grace=0):
            await asyncio.sleep(0.01)

    async def holder() -> None:
        async with gate.place():
            await leave.wait()

    coming_back = asyncio.create_task(waits_on_provider())
    await asyncio.sleep(0.005)
    held = asyncio.create_task(holder())
    await asyncio.sleep(0.02)
    # Its wait is over but the place is taken: it is cancelled while queued to come back.
    coming_back.cancel()
    with pytest.raises(asyncio.CancelledError):
        await coming_back
    leave.set()
    await held
    assert gate.working == 0
