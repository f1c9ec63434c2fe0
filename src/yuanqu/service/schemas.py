"""Pydantic v2 shapes at the service desk's boundary (API bodies and the pages' forms)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class RequestCreate(BaseModel):
    """A request as the desk or a firm files it (a firm's ``uscc`` and channel are its own)."""

    channel: str = Field("hotline", max_length=30)
    type: str = Field(..., max_length=30)
    urgency: str = Field("general", max_length=30)
    content: str = Field(..., min_length=2, max_length=4000)
    uscc: str | None = Field(None, max_length=30)
    firm_name: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=40)
    received_at: datetime | None = None
    assist_units: list[str] = Field(default_factory=list, max_length=20)


class MoveBody(BaseModel):
    """The arguments of a move; each move reads the ones it needs."""

    unit: str | None = Field(None, max_length=40, description="dispatch: the owning unit")
    assist_units: list[str] = Field(default_factory=list, max_length=20)
    reason: str | None = Field(None, max_length=4000, description="send_back, reopen")
    text: str | None = Field(None, max_length=4000, description="reply, contact, escalate note")
    result: str | None = Field(None, max_length=4000, description="close")
    solved: bool | None = Field(None, description="follow_up")
    satisfaction: str | None = Field(None, max_length=20, description="follow_up")
    at: datetime | None = Field(None, description="local time of the move (default now)")


class VisitCreate(BaseModel):
    uscc: str = Field(..., max_length=30)
    visited_on: date
    unit: str = Field(..., max_length=40)
    people_met: str = Field(..., min_length=2, max_length=300)
    topics: str = Field(..., min_length=2, max_length=4000)
    issues: str | None = Field(None, max_length=4000)


class IssueToRequest(BaseModel):
    """An issue found on a visit, raised as a request in one step."""

    issue: str = Field(..., min_length=2, max_length=4000)
    type: str = Field(..., max_length=30)
    urgency: str = Field("general", max_length=30)


class AdviserAssign(BaseModel):
    uscc: str = Field(..., max_length=30)
    username: str = Field(..., min_length=1, max_length=100)
    display_name: str = Field(..., min_length=1, max_length=100)
    unit: str = Field(..., max_length=40)
    since: date
