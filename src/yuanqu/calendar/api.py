"""The official calendar's JSON API (/api/v1/calendar): read a year, and (administrators) load a
State Council holiday notice, with the validation and the audit of `yuanqu calendar load`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from sqlalchemy.orm import Session

from yuanqu.core import holidays
from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db

router = APIRouter(prefix="/calendar", tags=["calendar"])

LOADERS = (Role.admin,)


@router.get("/{year}")
def show_year(
    year: Annotated[int, Path(ge=1900, le=2100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """A year's days off and make-up workdays, where they come from, and whether it is known
    (an unknown year counts weekends only: ``warning`` says so in zh and en)."""
    return holidays.show_year(session, year=year)


@router.post("/notices", status_code=201)
def load_notice(
    file: UploadFile = File(description="CSV with the header date,kind,name"),
    source: Annotated[str, Form(max_length=200, description="the notice's title or number")] = "",
    year: Annotated[int | None, Form(ge=1900, le=2100)] = None,
    replace: Annotated[bool, Form(description="overwrite a year loaded before")] = False,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(LOADERS),
) -> dict[str, Any]:
    """Load a year's holiday notice: every bad row is named (422) and nothing is written; a year
    loaded before is refused (409) unless ``replace`` is set. The load is audited, and the open
    deadlines counted while the year was unknown are counted again (``recounted``: how many)."""
    text = holidays.decode_notice(file.file.read(holidays.MAX_NOTICE_BYTES + 1))
    loaded = holidays.load_notice(
        session,
        text=text,
        actor=principal,
        source=source or file.filename or "upload.csv",
        year=year,
        replace=replace,
    )
    return holidays.show_year(session, year=loaded.year) | {"recounted": loaded.recounted}
