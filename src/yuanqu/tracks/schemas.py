"""A track's page as JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TrackRead(BaseModel):
    key: str
    name: str
    plans: list[dict[str, Any]] = Field(description="the plans owned by the track, with progress")
    chain: dict[str, str] | None
    policies: list[dict[str, str]]
    projects: list[dict[str, Any]]
    funds: dict[str, Any]
    platform: str | None
    spaces: str | None
    source: str | None
