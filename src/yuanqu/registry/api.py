"""The registry's JSON API (/api/v1): the dashboard figures, the directory, profiles, imports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, STAFF, Principal, Role, allow
from yuanqu.core.deps import OptionalDate, get_db, request_lang
from yuanqu.registry import importer, service, views
from yuanqu.registry.schemas import EnterpriseFilter, EnterprisePage, SortKey

router = APIRouter(tags=["registry"])


IMPORTERS = (Role.admin, Role.analyst)


def directory_filter(
    q: Annotated[
        str | None, Query(max_length=200, description="name contains / code starts")
    ] = None,
    label: Annotated[list[str], Query(description="label held on as_of (repeatable)")] = [],  # noqa: B006  # FastAPI copies defaults
    industry: Annotated[str | None, Query(max_length=5, description="GB/T 4754 code")] = None,
    sub_area: Annotated[str | None, Query(max_length=60)] = None,
    task_force: Annotated[str | None, Query(max_length=40)] = None,
    as_of: Annotated[OptionalDate, Query(description="labels judged on this date")] = None,
) -> EnterpriseFilter:
    """The directory's filter from the query string (blank fields mean no criterion)."""
    return EnterpriseFilter(
        q=q or None,
        labels=[item for item in label if item],
        industry=industry or None,
        sub_area=sub_area or None,
        task_force=task_force or None,
        as_of=as_of,
    )


class DirectoryPage(EnterprisePage):
    """A page of the directory, with its filter in words (the JSON twin of the page)."""

    description: list[str]


class ImportWarning(BaseModel):
    """A row written but worth a look (a credit code issued outside the zone's divisions)."""

    row: int
    column: str
    value: str
    reason: str


class ImportSummary(BaseModel):
    rows: int
    created: int
    updated: int
    labels: int
    warnings: list[ImportWarning] = []


@router.get("/dashboard", response_model=views.ZoneSummary)
def get_dashboard(
    as_of: date | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> Any:
    """The zone dashboard's figures (首页), labels as of ``as_of`` (default today)."""
    return views.zone_summary(session, as_of=as_of)


@router.get("/enterprises", response_model=DirectoryPage)
def list_enterprises(
    filters: EnterpriseFilter = Depends(directory_filter),
    sort: SortKey = "name",
    desc: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> Any:
    """The enterprise directory: firms matching the filter (and what the user may see)."""
    scoped = service.restrict_to(filters, principal)
    result = service.list_enterprises(
        session, filters=scoped, sort=sort, descending=desc, page=page, page_size=page_size
    )
    return DirectoryPage(
        **result.model_dump(), description=service.describe_filter(scoped, lang=lang)
    )


@router.get("/enterprises/{uscc}")
def get_enterprise(
    uscc: Annotated[str, Path(max_length=40, description="统一社会信用代码")],
    as_of: date | None = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """One firm's profile (企业画像): decoded credit code, industry path, labels and validity."""
    firm = service.visible_enterprise(session, uscc=uscc, principal=principal)
    return service.profile(firm, lang=lang, as_of=as_of)


@router.get("/task-forces")
def list_task_forces(
    session: Session = Depends(get_db, scope="function"), principal: Principal = allow(STAFF)
) -> list[dict[str, Any]]:
    """The zone's task forces (产业专班)."""
    return [
        {
            "code": f.code,
            "name_zh": f.name_zh,
            "name_en": f.name_en,
            "leading_industry": f.leading_industry,
        }
        for f in service.list_task_forces(session)
    ]


@router.post("/registry/import", response_model=ImportSummary)
def import_registry(
    file: UploadFile = File(description="xlsx or csv in the registry import layout"),
    upsert: bool = Form(False),
    create_sub_area: bool = Form(False, description="accept 片区 the registry does not have"),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(IMPORTERS),
    lang: str = Depends(request_lang),
) -> Any:
    """Import firms; any bad row rejects the whole file (422, every error in ``details``)."""
    data = file.file.read()
    result = importer.import_enterprises(
        session,
        source=data,
        filename=file.filename or "upload.csv",
        upsert=upsert,
        create_sub_areas=create_sub_area,
    )
    return ImportSummary(
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        labels=result.labels,
        warnings=[ImportWarning(**w.to_dict(lang)) for w in result.warnings],
    )
