"""The policies' JSON API (/api/v1/policies...): the catalogue, a year's evaluation in aggregate,
one firm's explanation, and the simulation of changed parameters.

Roles: everyone reads the catalogue; analysts and policy officers read a year's aggregates;
policy officers simulate; an enterprise user explains only its own entitlements (a task-force
user only its task forces' firms).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.policies import service, views
from yuanqu.policies.schemas import (
    Explanation,
    FirmEntitlements,
    PolicyNotInEffect,
    PolicyStatistics,
    PolicySummary,
    PolicyText,
    Simulation,
    SimulationRequest,
    YearEvaluation,
)
from yuanqu.registry.service import visible_enterprise

router = APIRouter(tags=["policies"])

READERS = (Role.admin, Role.analyst, Role.policy_officer)
SIMULATORS = (Role.admin, Role.policy_officer)
Year = Annotated[int, Query(ge=2000, le=2100, description="award year")]
PolicyId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="policy id")]
Lang = Annotated[str, Query(pattern="^(zh|en)$")]


@router.get("/policies", response_model=list[PolicySummary])
def list_policies(lang: Lang = "zh", principal: Principal = allow(EVERYONE)) -> list[dict]:
    """The shipped policies: title, basis, effective dates, parameters with their versions."""
    return [service.policy_summary(p, lang) for p in service.shipped_policies()]


@router.get("/policies/evaluate", response_model=YearEvaluation)
def evaluate(
    year: Year,
    policy: Annotated[list[str], Query(description="policy id (repeatable); all if none")] = [],  # noqa: B006  # FastAPI copies defaults
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """A year's evaluation in aggregate: per policy the firms by status, claims and allocations,
    and the allocations by industry section and by task force (no per-firm amounts)."""
    result = service.evaluate_year(session, year=year, policy_ids=policy or None)
    return {k: result[k] for k in ("year", "totals", "by_industry", "by_task_force")}


@router.get("/policies/{policy_id}", response_model=PolicyText)
def policy_text(
    policy_id: PolicyId, lang: Lang = "zh", principal: Principal = allow(EVERYONE)
) -> dict[str, Any]:
    """One policy's text: parameters with versions and band tables, conditions, amount, cap,
    budget, allocation and exclusive group (the policy page's twin)."""
    return views.policy_text(policy_id, lang)


@router.get("/policies/{policy_id}/statistics", response_model=PolicyStatistics | PolicyNotInEffect)
def policy_statistics(
    policy_id: PolicyId,
    year: Year,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """One policy's award year in aggregate, its exclusive group taken into account: firms by
    status, claims, allocation, by industry section and task force (no per-firm amounts)."""
    return views.policy_statistics(session, policy_id=policy_id, year=year, lang=lang)


@router.get("/enterprises/{uscc}/policies", response_model=FirmEntitlements)
def entitlements(
    uscc: Annotated[str, Path(max_length=18)],
    year: Year,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """What the firm is entitled to and why not the rest: every policy in effect, explained."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    return views.firm_entitlements(session, uscc=firm.uscc, year=year, lang=lang)


@router.get("/enterprises/{uscc}/policies/{policy_id}/explain", response_model=Explanation)
def explain(
    uscc: Annotated[str, Path(max_length=18)],
    policy_id: PolicyId,
    year: Year,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """Why this firm is or is not entitled, condition by condition, with the amount."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    return service.explain_firm(session, uscc=firm.uscc, policy_id=policy_id, year=year, lang=lang)


@router.post("/policies/{policy_id}/simulate", response_model=Simulation)
def simulate(
    policy_id: PolicyId,
    request: SimulationRequest,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(SIMULATORS),
) -> dict[str, Any]:
    """The policy as it stands against the policy with the overrides: cost, beneficiaries,
    distribution, and the firms that gain or lose. Changes nothing."""
    return service.simulate(
        session,
        policy_id=policy_id,
        year=request.year,
        overrides=request.overrides,
        top=request.top,
    )
