"""Accounts JSON API: who am I, and user administration (admin only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from yuanqu.accounts import service
from yuanqu.accounts.schemas import Me, UserCreate, UserRead
from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db

router = APIRouter(tags=["accounts"])
Username = Annotated[str, Path(max_length=60)]


class TokenCreate(BaseModel):
    name: str = Field("", max_length=100)


class TokenIssued(BaseModel):
    token: str = Field(description="shown once; send it as 'Authorization: Bearer <token>'")


@router.get("/me", response_model=Me)
def me(principal: Principal = allow(EVERYONE)) -> Any:
    """The logged-in user."""
    return Me(
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        uscc=principal.uscc,
        task_forces=list(principal.task_forces),
    )


@router.get("/users", response_model=list[UserRead])
def list_users(
    session: Session = Depends(get_db, scope="function"), principal: Principal = allow(Role.admin)
) -> Any:
    return service.list_users(session)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(
    data: UserCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.admin),
) -> Any:
    return service.create_user(session, data=data, acting=principal.username)


@router.post("/users/{username}/disable", response_model=UserRead)
def disable_user(
    username: Username,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.admin),
) -> Any:
    """Disable an account and revoke its tokens."""
    return service.disable_user(session, username=username, acting=principal.username)


@router.post("/users/{username}/tokens", response_model=TokenIssued, status_code=201)
def issue_token(
    username: Username,
    data: TokenCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.admin),
) -> Any:
    return TokenIssued(token=service.issue_token(session, username=username, name=data.name))
