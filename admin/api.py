"""The staff API's routers, collected; `bot.app` mounts them under `/api/v1`."""

from __future__ import annotations

from fastapi import APIRouter

from admin.errors import add_error_handlers
from admin.routes import (
    auth,
    campaigns,
    contact_import,
    contacts,
    directory,
    privacy,
    staff,
    tickets,
)

__all__ = ["add_error_handlers", "router"]

router = APIRouter()
router.include_router(auth.router)
router.include_router(tickets.router)
router.include_router(contact_import.router)
router.include_router(contacts.router)
router.include_router(campaigns.router)
router.include_router(directory.router)
router.include_router(staff.router)
router.include_router(privacy.router)
