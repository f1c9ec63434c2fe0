"""Pydantic v2 shapes of the grants domain at its edges: the API's request bodies and the JSON it
returns (cases, history, public notice, payments, budgets, batches, payouts).

Amounts are integer fen; dates are ``date`` (ISO 8601 in JSON). The services build these shapes as
dicts (:func:`yuanqu.grants.queries.case_dict`, :func:`yuanqu.grants.ledger.budget_dict`,
:func:`yuanqu.grants.batches.batch_dict` ...); the routes declare them as their response models, so
the OpenAPI document describes every field and a key a service drops fails loudly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from yuanqu.core.money import INT64_MAX

# --- request bodies ------------------------------------------------------------------------------


class TransitionBody(BaseModel):
    reason: str | None = Field(None, max_length=2000)
    amount_fen: int | None = Field(None, ge=0, le=INT64_MAX)
    bank_account: str | None = Field(None, max_length=40)
    bank_name: str | None = Field(None, max_length=100)


class ObjectionBody(BaseModel):
    text: str = Field(..., min_length=2, max_length=2000)


class ResolveBody(BaseModel):
    upheld: bool
    reason: str = Field(..., min_length=2, max_length=2000)


class MatchBody(BaseModel):
    year: int = Field(..., ge=2000, le=2100)
    policies: list[str] | None = None


class BudgetBody(BaseModel):
    budget_fen: int = Field(..., ge=0, le=INT64_MAX)


class BatchBody(BaseModel):
    key: str = Field(..., min_length=8, max_length=100)
    policy: str | None = None
    year: int | None = Field(None, ge=2000, le=2100)


# --- cases ---------------------------------------------------------------------------------------


class CaseRead(BaseModel):
    """A case as a list row and as the answer to an application or a transition."""

    id: int
    policy: str
    year: int = Field(description="award year")
    uscc: str
    firm: str
    industry_section: str
    task_force: str | None
    origin: str = Field(description="application or auto (免申即享)")
    status: str
    status_name: str = Field(description="the status in the request's language")
    engine_amount_fen: int = Field(description="what the policy engine computed")
    amount_fen: int = Field(description="the award (never above engine_amount_fen)")
    amount_reason: str | None = Field(description="why the award was lowered")
    due_on: date | None = Field(description="decision deadline (working days)")
    notice_from: date | None
    notice_to: date | None = Field(description="last working day of the public notice (公示)")
    rejection_reason: str | None
    pending: bool = Field(description="awaiting a decision")
    overdue: bool = Field(description="pending past due_on")


class CaseListRow(CaseRead):
    """A case with the deadline warnings of its calendar (the list and the detail)."""

    unknown_years: list[int] = Field(
        description="years of the shown deadlines counted by weekends only (no holiday calendar)"
    )
    calendar_warnings: list[str] = Field(description="the warning to show for each such year")


class EvidenceRead(BaseModel):
    kind: str
    filename: str
    size: int = Field(description="bytes")
    sha256: str


class ObjectionRead(BaseModel):
    id: int
    text: str
    status: str = Field(description="open, upheld or dismissed")
    resolution: str | None


class CaseDetail(CaseListRow):
    """One case in full: the engine's inputs and decision, the bank details, evidence and
    objections."""

    policy_version: str = Field(description="SHA-256 of the policy file the engine ran")
    # The engine's variables and decision as stored with the case: open JSON objects whose keys
    # are the policy's variables and parameters.
    engine_inputs: dict[str, Any]
    engine_result: dict[str, Any]
    bank_account: str | None
    bank_name: str | None
    created_by: str
    evidence: list[EvidenceRead]
    objections: list[ObjectionRead]


class HistoryRecord(BaseModel):
    """One audit record of the case or its payment, oldest first."""

    seq: int
    occurred_at: str = Field(
        description="UTC, ISO 8601 with microseconds, as chained in the audit log"
    )
    actor: str
    entity_type: str
    entity_id: str
    action: str
    # The audited entity before and after: open JSON objects (their keys are the entity's).
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class NoticeRow(BaseModel):
    """A case on public notice (公示); another firm's name and code are masked for a firm."""

    id: int
    policy: str
    year: int
    firm: str
    uscc: str
    amount_fen: int
    notice_from: date | None
    notice_to: date | None
    unknown_years: list[int]
    calendar_warnings: list[str]


class ObjectionCreated(BaseModel):
    id: int
    case: int
    status: str


class ObjectionResolved(BaseModel):
    id: int
    status: str


class MatchResult(BaseModel):
    """免申即享: the cases opened for the year's auto-entitlement awards."""

    year: int
    created: int
    existing: int = Field(description="awards that already had a case (left alone)")
    policies: list[str]


# --- money ---------------------------------------------------------------------------------------


class PaymentRead(BaseModel):
    id: int
    case: int
    batch: int | None
    idempotency_key: str
    policy: str
    year: int
    amount_fen: int
    status: str = Field(description="scheduled or paid")
    replayed: bool = Field(description="a retry with the same Idempotency-Key: the first answer")


class BudgetRead(BaseModel):
    """A policy-year's budget and its running totals (paid <= scheduled <= committed <= budget)."""

    policy: str
    year: int
    budget_fen: int
    committed_fen: int
    scheduled_fen: int
    paid_fen: int
    available_fen: int = Field(description="budget less commitments")


class BatchRead(BaseModel):
    id: int
    key: str
    status: str = Field(description="open or paid")
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    payments: int
    amount_fen: int


class BatchRefusal(BaseModel):
    case: int
    code: str
    message: str


class BatchRun(BatchRead):
    scheduled_now: int = Field(description="payments this run added")
    refused: list[BatchRefusal]


class BatchConfirmed(BatchRead):
    replayed: bool = Field(description="the batch was already confirmed: nothing changed")


class PayoutRow(BaseModel):
    group: str | None = Field(description="policy id, industry section, task force or credit code")
    name: str | None = Field(description="the policy's title or the firm's name")
    firms: int
    payments: int
    amount_fen: int


class Headline(BaseModel):
    zh: str
    en: str


class PayoutReport(BaseModel):
    year: int
    by: str
    rows: list[PayoutRow] = Field(description="one page of groups (``limit`` from ``offset``)")
    offset: int
    groups: int = Field(description="every group, not the page's")
    total_fen: int = Field(description="over every group, never the page's sum")
    firms_over_100m: int = Field(description="firms paid more than 100 million yuan (1 亿元)")
    headline: Headline
