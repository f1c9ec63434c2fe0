"""The fund register page (/funds) and a firm profile's funds tab (/enterprises/{uscc}/funds)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db
from yuanqu.funds import service
from yuanqu.funds.api import READERS
from yuanqu.registry.service import visible_enterprise
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/funds", response_class=HTMLResponse)
def funds_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    context = {"register": service.register(session), "json_url": "/api/v1/funds"}
    return render(request, "funds/register.html", context)


@router.get("/enterprises/{uscc}/funds", response_class=HTMLResponse)
def firm_funds_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The zone's funds in this firm (htmx fragment of the profile)."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    items = service.firm_funds(session, uscc=firm.uscc)
    return render(request, "funds/_firm_funds.html", {"items": items})
