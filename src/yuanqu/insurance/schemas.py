"""Pydantic v2 shapes of the insurance domain at its edges: the JSON the API returns (the coverage
report, a firm's cover, the premium subsidy, an import's counts).

Amounts are integer fen; dates are ``date`` (ISO 8601 in JSON); percentages are to one decimal,
``None`` where there is no base. The services build these shapes as dicts
(:func:`yuanqu.insurance.service.report_dict`, :func:`~yuanqu.insurance.service.firm_insurance`,
:func:`~yuanqu.insurance.service.premium_subsidies`); the routes declare them as their response
models. The import's request is a multipart form (file, kind, replace), declared on its route.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

# --- the coverage report -------------------------------------------------------------------------


class CoverageRow(BaseModel):
    by: str = Field(description="total, product, insurer, industry, label or month")
    group: str
    name: str = Field(description="the group in the request's language")
    policies: int
    firms: int
    sum_insured_fen: int
    premium_fen: int


class HighTechCoverRead(BaseModel):
    as_of: date
    firms: int = Field(description="high-tech firms on as_of")
    covered: int = Field(description="of which with cover in force")
    share_pct: float | None


class ClaimCycleRow(BaseModel):
    by: str = Field(description="product or month (of closing)")
    group: str
    name: str
    settled: int
    declined: int
    open: int
    median_days: float | None = Field(description="report to close, settled claims")
    p90_days: float | None
    paid_fen: int
    premium_fen: int | None = Field(description="by product only")
    loss_ratio_pct: float | None = Field(description="paid over premium, by product only")


class CoverageReportRead(BaseModel):
    year: int
    rows: list[CoverageRow]
    high_tech: HighTechCoverRead
    claims: list[ClaimCycleRow]


# --- one firm ------------------------------------------------------------------------------------


class InsuranceClaimRead(BaseModel):
    claim_no: str
    status: str
    status_name: str
    reported_on: date
    assessed_on: date | None
    closed_on: date | None
    cycle_days: int | None = Field(description="report to close")
    claimed_fen: int | None
    assessed_fen: int | None
    paid_fen: int | None


class InsurancePolicyRead(BaseModel):
    insurer: str
    policy_no: str
    product: str
    product_name: str
    sum_insured_fen: int
    premium_fen: int
    start_date: date
    end_date: date = Field(description="inclusive")
    status: str = Field(description="the insurer's status, expired once the cover has run out")
    status_name: str
    in_force_today: bool
    claims: list[InsuranceClaimRead]


class FirmInsurance(BaseModel):
    """A firm's policies (newest first) with their claims, and its totals."""

    uscc: str
    policies: list[InsurancePolicyRead]
    sum_insured_fen: int = Field(description="of the policies in force today")
    premium_fen: int
    paid_fen: int = Field(description="claims paid")


# --- the premium subsidy -------------------------------------------------------------------------


class SubsidyAward(BaseModel):
    uscc: str
    name: str
    premium_fen: int
    amount_fen: int
    capped_fen: int
    allocated_fen: int


class SubsidyReport(BaseModel):
    """The premium subsidy computed from the imported book (nothing is paid)."""

    year: int
    policy: str
    firms_with_premiums: int
    awards: list[SubsidyAward]
    budget_fen: int | None
    claimed_fen: int
    allocated_fen: int


# --- imports -------------------------------------------------------------------------------------


class InsuranceImportRead(BaseModel):
    kind: str = Field(description="policies or claims")
    rows: int
    created: int
    replaced: int
    source: str
