"""Pydantic shapes of accounts at the edges."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from yuanqu.core.auth import Role


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: Role
    uscc: str | None = None
    task_forces: list[str] = []
    active: bool
    created_at: datetime | None = None
    last_login_at: datetime | None = None


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(
        min_length=1,
        max_length=200,
        description="at least 10 characters, not a common password, hard to guess (zxcvbn 3/4)",
    )
    role: Role
    display_name: str = Field("", max_length=100)
    uscc: str | None = Field(None, description="required for the enterprise role")
    task_forces: list[str] = Field([], description="required for the task_force role")


class Me(BaseModel):
    username: str
    display_name: str
    role: Role
    uscc: str | None = None
    task_forces: list[str] = []
