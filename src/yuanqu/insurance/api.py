"""The insurance JSON API (/api/v1): coverage, a firm's cover, premium subsidies, imports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, STAFF, Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.insurance import service
from yuanqu.insurance.importer import ImportKind, import_insurance
from yuanqu.insurance.schemas import (
    CoverageReportRead,
    FirmInsurance,
    InsuranceImportRead,
    SubsidyReport,
)
from yuanqu.registry.service import visible_enterprise

router = APIRouter(tags=["insurance"])
IMPORTERS = (Role.admin, Role.analyst)
#: Who sees the money the subsidy would pay each firm.
SUBSIDY_READERS = (Role.admin, Role.policy_officer)
Year = Annotated[int | None, Query(ge=1990, le=2100, description="default: the latest year")]
Lang = Annotated[str, Query(pattern="^(zh|en)$")]


@router.get("/insurance/coverage", response_model=CoverageReportRead)
def get_coverage(
    year: Year = None,
    as_of: date | None = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> dict[str, Any]:
    """Policies written in the year by product, insurer, industry, label and month; high-tech
    cover on ``as_of``; claim cycle times and loss ratios (amounts in fen)."""
    year = year or service.latest_year(session)
    return service.report_dict(service.coverage_report(session, year=year, as_of=as_of), lang=lang)


@router.get("/enterprises/{uscc}/insurance", response_model=FirmInsurance)
def get_firm_insurance(
    uscc: Annotated[str, Path(max_length=40)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """One firm's policies and claims (a firm user: its own only)."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    return {"uscc": firm.uscc, **service.firm_insurance(session, enterprise_id=firm.id, lang=lang)}


@router.get("/insurance/subsidies", response_model=SubsidyReport)
def get_subsidies(
    year: Year = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(SUBSIDY_READERS),
) -> dict[str, Any]:
    """The premium subsidy of ``year`` computed from the imported book (nothing is paid)."""
    result = service.premium_subsidies(session, year=year or service.latest_year(session))
    session.rollback()  # computing writes the premium facts it reads; a GET keeps nothing
    result["awards"] = [a.__dict__ for a in result["awards"]]
    return result


@router.post("/insurance/import", response_model=InsuranceImportRead)
def post_import(
    file: UploadFile = File(),
    kind: ImportKind = Form(ImportKind.policies),
    replace: bool = Form(False),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(IMPORTERS),
) -> dict[str, Any]:
    """Import an insurer's policies or claims file: all rows or none (422 lists every error)."""
    result = import_insurance(
        session, source=file.file.read(), kind=kind, filename=file.filename, replace=replace
    )
    return result.__dict__
