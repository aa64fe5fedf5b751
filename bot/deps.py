"""Dependencies for routes, so a route reads like prose: `services: ServicesDep`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.inbound import Inbound
from bot.services import Services

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


# The getters are coroutines, though they only read: FastAPI runs a plain function in a worker
# thread, and the hand-over there and back cost more CPU than the rest of the dependency.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_inbound(request: Request) -> Inbound:
    inbound: Inbound = request.app.state.inbound
    return inbound


InboundDep = Annotated[Inbound, Depends(get_inbound)]


def reads_only(endpoint: Endpoint) -> Endpoint:
    """Marks a route that only reads: its request's session (the sign-in's check included)
    runs each statement on its own, with no transaction to begin and end around them.

    A write there stands alone too (the staff page's sign-in notes when it was last seen), so
    no route whose writes must land together may carry the mark.
    """
    endpoint.reads_only = True  # type: ignore[attr-defined]
    return endpoint


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[AsyncSession]:
    reads = getattr(request.scope.get("endpoint"), "reads_only", False)
    factory = services.read_session_factory if reads else services.session_factory
    async with factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
