"""Staff accounts and their tokens. Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from admin.deps import AdminDep, SessionDep
from admin.errors import AUTH_ERRORS, BAD_BODY, CONFLICT, NOT_FOUND
from admin.schemas.common import PageFilters
from admin.schemas.staff import (
    StaffCreate,
    StaffCreated,
    StaffListPublic,
    StaffPublic,
    StaffTokenPublic,
    StaffTokensPublic,
    StaffUpdate,
    TokenCreate,
    TokenCreated,
)
from handlers.actions.staff import (
    access_staff,
    do_create_staff,
    do_issue_token,
    do_revoke_token,
    do_update_staff,
    list_staff,
    list_tokens,
)
from models.base import utcnow
from models.text import MAX_DB_ID

router = APIRouter(prefix="/staff", tags=["staff"], responses={**AUTH_ERRORS})

StaffId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[3])]
TokenId = Annotated[int, Path(ge=1, le=MAX_DB_ID, examples=[7])]


@router.get("", response_model=StaffListPublic)
async def list_accounts(
    page: Annotated[PageFilters, Query()], admin: AdminDep, session: SessionDep
) -> StaffListPublic:
    """Every staff account, oldest first."""
    return StaffListPublic.of(
        await list_staff(session=session, cursor=page.cursor, limit=page.limit)
    )


@router.post(
    "",
    response_model=StaffCreated,
    status_code=status.HTTP_201_CREATED,
    responses={**CONFLICT, **BAD_BODY},
)
async def create_account(new: StaffCreate, admin: AdminDep, session: SessionDep) -> StaffCreated:
    """Create an account. Its first API token is in the answer, and is never shown again."""
    staff, token = await do_create_staff(
        session=session,
        email=new.email,
        name=new.name,
        role=new.role,
        password=new.password,
        actor=admin,
        now=utcnow(),
    )
    await session.commit()
    return StaffCreated(staff=StaffPublic.of(staff), token=token)


@router.get("/{staff_id}", response_model=StaffPublic, responses={**NOT_FOUND})
async def get_account(staff_id: StaffId, admin: AdminDep, session: SessionDep) -> StaffPublic:
    """One account."""
    return StaffPublic.of(await access_staff(session=session, staff_id=staff_id))


@router.patch(
    "/{staff_id}", response_model=StaffPublic, responses={**NOT_FOUND, **CONFLICT, **BAD_BODY}
)
async def change_account(
    staff_id: StaffId, changes: StaffUpdate, admin: AdminDep, session: SessionDep
) -> StaffPublic:
    """Change name, role, password or whether the account is active.

    Deactivating an account locks out all its tokens. Admins cannot demote or deactivate
    themselves.
    """
    staff = await access_staff(session=session, staff_id=staff_id)
    await do_update_staff(
        session=session, staff=staff, changes=changes.changes(), actor=admin, now=utcnow()
    )
    await session.commit()
    return StaffPublic.of(staff)


@router.get("/{staff_id}/tokens", response_model=StaffTokensPublic, responses={**NOT_FOUND})
async def list_account_tokens(
    staff_id: StaffId, admin: AdminDep, session: SessionDep
) -> StaffTokensPublic:
    """An account's tokens, newest first, without the tokens themselves."""
    staff = await access_staff(session=session, staff_id=staff_id)
    records = await list_tokens(session=session, staff=staff)
    return StaffTokensPublic(items=[StaffTokenPublic.of(r) for r in records])


@router.post(
    "/{staff_id}/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, **BAD_BODY},
)
async def create_account_token(
    staff_id: StaffId, new: TokenCreate, admin: AdminDep, session: SessionDep
) -> TokenCreated:
    """Issue another API token for an account; it is shown this once."""
    staff = await access_staff(session=session, staff_id=staff_id)
    record, token = await do_issue_token(
        session=session, staff=staff, label=new.label, actor=admin, now=utcnow()
    )
    await session.commit()
    return TokenCreated(token=token, record=StaffTokenPublic.of(record))


@router.delete(
    "/{staff_id}/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND},
)
async def revoke_account_token(
    staff_id: StaffId, token_id: TokenId, admin: AdminDep, session: SessionDep
) -> None:
    """Revoke a token: requests made with it get 401 from now on."""
    staff = await access_staff(session=session, staff_id=staff_id)
    await do_revoke_token(
        session=session, staff=staff, token_id=token_id, actor=admin, now=utcnow()
    )
    await session.commit()
