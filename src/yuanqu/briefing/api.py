"""The briefing over JSON (/api/v1/briefing): the figures the document is written from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from yuanqu.briefing.compose import compose
from yuanqu.briefing.schemas import Briefing
from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db

router = APIRouter(prefix="/briefing", tags=["briefing"])

#: The briefing covers the whole zone and the grants paid: analysts and administrators.
READERS = (Role.admin, Role.analyst)


@router.get("", response_model=Briefing)
def get_briefing(
    period: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """The monthly briefing's figures for a bulletin period (default: the latest)."""
    return compose(session, period=period, lang=lang)
