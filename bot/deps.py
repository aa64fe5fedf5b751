"""Dependencies for routes, so a route reads like prose: `services: ServicesDep`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.inbound import Inbound
from bot.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_inbound(request: Request) -> Inbound:
    inbound: Inbound = request.app.state.inbound
    return inbound


InboundDep = Annotated[Inbound, Depends(get_inbound)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
