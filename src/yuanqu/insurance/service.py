"""The insurance verbs: a firm's policies and claims, the coverage report, the premium subsidy.

Services take the Session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal
from yuanqu.core.errors import ValidationError
from yuanqu.grants import cases as grant_cases
from yuanqu.insurance import coverage
from yuanqu.insurance.models import (
    CLAIM_STATUS_NAMES,
    POLICY_STATUS_NAMES,
    PRODUCT_NAMES,
    InsuranceClaim,
    InsurancePolicy,
)
from yuanqu.policies.facts import write_facts
from yuanqu.policies.service import evaluate_year, get_policy
from yuanqu.registry.firms import LABEL_NAMES, Enterprise

SUBSIDY_POLICY = "tech_insurance_premium_subsidy"
PREMIUM_FACT = "tech_insurance_premium"


def product_name(key: str, lang: str = "zh") -> str:
    return PRODUCT_NAMES.get(key, (key, key))[1 if lang == "en" else 0]


# --- one firm ------------------------------------------------------------------------------------


def firm_insurance(session: Session, *, enterprise_id: int, lang: str = "zh") -> dict[str, Any]:
    """A firm's policies (newest first) with their claims, and its totals: the profile tab."""
    en = 1 if lang == "en" else 0
    policies = session.scalars(
        select(InsurancePolicy)
        .where(InsurancePolicy.enterprise_id == enterprise_id)
        .order_by(InsurancePolicy.start_date.desc(), InsurancePolicy.id)
    ).all()
    claims: dict[int, list[InsuranceClaim]] = {}
    if policies:
        for claim in session.scalars(
            select(InsuranceClaim)
            .where(InsuranceClaim.policy_id.in_([p.id for p in policies]))
            .order_by(InsuranceClaim.reported_on)
        ):
            claims.setdefault(claim.policy_id, []).append(claim)
    today = date.today()
    rows = []
    for p in policies:
        # The insurer's status, unless the dates say the cover has run out since.
        status = "expired" if p.status == "in_force" and p.end_date < today else p.status
        rows.append(
            {
                "insurer": p.insurer,
                "policy_no": p.policy_no,
                "product": p.product,
                "product_name": product_name(p.product, lang),
                "sum_insured_fen": p.sum_insured_fen,
                "premium_fen": p.premium_fen,
                "start_date": p.start_date.isoformat(),
                "end_date": p.end_date.isoformat(),
                "status": status,
                "status_name": POLICY_STATUS_NAMES[status][en],
                "in_force_today": p.status != "cancelled" and p.start_date <= today <= p.end_date,
                "claims": [
                    {
                        "claim_no": c.claim_no,
                        "status": c.status,
                        "status_name": CLAIM_STATUS_NAMES[c.status][en],
                        "reported_on": c.reported_on.isoformat(),
                        "assessed_on": c.assessed_on.isoformat() if c.assessed_on else None,
                        "closed_on": c.closed_on.isoformat() if c.closed_on else None,
                        "cycle_days": (c.closed_on - c.reported_on).days if c.closed_on else None,
                        "claimed_fen": c.claimed_fen,
                        "assessed_fen": c.assessed_fen,
                        "paid_fen": c.paid_fen,
                    }
                    for c in claims.get(p.id, [])
                ],
            }
        )
    return {
        "policies": rows,
        "sum_insured_fen": sum(r["sum_insured_fen"] for r in rows if r["in_force_today"]),
        "premium_fen": sum(r["premium_fen"] for r in rows),
        "paid_fen": sum(c["paid_fen"] or 0 for r in rows for c in r["claims"]),
    }


# --- the zone ------------------------------------------------------------------------------------


def coverage_report(
    session: Session, *, year: int, as_of: date | None = None
) -> coverage.CoverageReport:
    """The coverage report of ``year`` on the columnar engine (cached by data version)."""
    coverage.check_year(year)
    return coverage.coverage_report(coverage.snapshot(session), year=year, as_of=as_of)


def report_dict(report: coverage.CoverageReport, *, lang: str = "zh") -> dict[str, Any]:
    """The report as JSON: amounts in fen, percentages to one decimal, names in ``lang``."""

    def named(by: str, group: str) -> str:
        if by == "product":
            return product_name(group, lang)
        if by == "label":
            return LABEL_NAMES.get(group, (group, group))[1 if lang == "en" else 0]
        if by == "month":
            return f"{report.year}-{int(group):02d}"
        return group

    ht = report.high_tech
    return {
        "year": report.year,
        "rows": [
            {
                "by": r.by,
                "group": r.group,
                "name": named(r.by, r.group),
                "policies": r.policies,
                "firms": r.firms,
                "sum_insured_fen": r.sum_insured_fen,
                "premium_fen": r.premium_fen,
            }
            for r in report.rows
        ],
        "high_tech": {
            "as_of": ht.as_of.isoformat(),
            "firms": ht.high_tech_firms,
            "covered": ht.covered_firms,
            "share_pct": ht.share_pct,
        },
        "claims": [
            {
                "by": c.by,
                "group": c.group,
                "name": named(c.by, c.group),
                "settled": c.settled,
                "declined": c.declined,
                "open": c.open,
                "median_days": c.median_days,
                "p90_days": c.p90_days,
                "paid_fen": c.paid_fen,
                "premium_fen": c.premium_fen if c.by == "product" else None,
                "loss_ratio_pct": c.loss_ratio_pct if c.by == "product" else None,
            }
            for c in report.claims
        ],
    }


# --- the premium subsidy -------------------------------------------------------------------------


def premiums_by_firm(session: Session, *, year: int) -> dict[int, int]:
    """Premiums (fen) of the policies each firm took out in ``year`` (cover starting that year,
    not cancelled): the figure the premium-subsidy policy reads."""
    coverage.check_year(year)
    stmt = (
        select(InsurancePolicy.enterprise_id, func.sum(InsurancePolicy.premium_fen))
        .where(
            InsurancePolicy.status != "cancelled",
            InsurancePolicy.start_date >= date(year, 1, 1),
            InsurancePolicy.start_date <= date(year, 12, 31),
        )
        .group_by(InsurancePolicy.enterprise_id)
    )
    return {firm: int(total) for firm, total in session.execute(stmt) if total}


def feed_premium_facts(session: Session, *, year: int) -> int:
    """Hand each firm's premiums of ``year`` to the policies domain as its
    ``tech_insurance_premium`` fact (replacing what was there); returns the firms fed.

    The policies domain reads facts, not our tables: this is the one place the book reaches it.
    """
    premiums = premiums_by_firm(session, year=year)
    rows = [
        {"enterprise_id": firm, "year": year, "fact": PREMIUM_FACT, "value": fen}
        for firm, fen in sorted(premiums.items())
    ]
    if rows:
        write_facts(session, rows, replace=True)
    return len(rows)


@dataclass(frozen=True)
class Subsidy:
    uscc: str
    name: str
    premium_fen: int
    amount_fen: int
    capped_fen: int
    allocated_fen: int


def premium_subsidies(session: Session, *, year: int) -> dict[str, Any]:
    """The zone's premium subsidy for ``year`` computed from the imported book: feeds the premium
    facts, evaluates the shipped policy (rate, cap, budget, pro-rata allocation) and returns each
    eligible firm's award. Nothing is paid here: see :func:`pay_subsidies`."""
    policy = get_policy(SUBSIDY_POLICY)
    if not policy.in_effect(year):
        raise ValidationError(
            f"保费补贴政策在 {year} 年不在有效期内",
            f"the premium subsidy is not in effect in {year}",
            details={"year": year},
        )
    fed = feed_premium_facts(session, year=policy.data_year(year))
    # The facts are flushed in this unit of work; the evaluation reads them on its connection.
    session.flush()
    result = evaluate_year(session, year=year, policy_ids=[SUBSIDY_POLICY], only_eligible=True)
    premiums = premiums_by_firm(session, year=policy.data_year(year))
    ids = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.id).where(
                Enterprise.uscc.in_([r["uscc"] for r in result["rows"]] or [""])
            )
        ).all()
    )
    names = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.name).where(Enterprise.uscc.in_(list(ids)))
        ).all()
    )
    awards = [
        Subsidy(
            r["uscc"],
            names.get(r["uscc"], ""),
            premiums.get(ids.get(r["uscc"], -1), 0),
            int(r["amount_fen"] or 0),
            int(r["capped_fen"] or 0),
            int(r["allocated_fen"] or 0),
        )
        for r in result["rows"]
    ]
    totals = result["totals"][0] if result["totals"] else {}
    return {
        "year": year,
        "policy": SUBSIDY_POLICY,
        "firms_with_premiums": fed,
        "awards": awards,
        "budget_fen": totals.get("budget_fen"),
        "claimed_fen": totals.get("claimed_fen", 0),
        "allocated_fen": totals.get("allocated_fen", 0),
    }


def pay_subsidies(session: Session, *, year: int, actor: Principal) -> dict[str, Any]:
    """Hand the premium subsidies of ``year`` to the grants ledger.

    The boundary: the book's premiums become the ``tech_insurance_premium`` facts (kept, in the
    caller's unit of work), then the grants domain opens its cases from the same policy engine
    (``grants.cases.match``: one case per entitled firm, idempotent, budgeted, audited, paid
    by its payment batches). The shipped subsidy is an auto-entitlement (免申即享): the zone holds
    the insurers' files, so the firm only confirms its bank account.
    """
    computed = premium_subsidies(session, year=year)
    matched = grant_cases.match(session, year=year, actor=actor, policy_ids=[SUBSIDY_POLICY])
    return {"computed_fen": computed["allocated_fen"], **matched}


def latest_year(session: Session) -> int:
    """The last year any imported cover starts in (the reports' default), else this year."""
    last = session.scalar(select(func.max(InsurancePolicy.start_date)))
    if isinstance(last, str):  # SQLite returns aggregates of dates as text
        last = date.fromisoformat(last)
    return last.year if last else date.today().year


# --- other domains' links into the book ----------------------------------------------------------


def find_policy(
    session: Session, *, policy_no: str, insurer: str | None = None, lang: str = "zh"
) -> dict[str, Any] | None:
    """A policy of the book by its number (and insurer, when given), or None: what another
    domain links to (a test vehicle's liability cover, for one)."""
    stmt = select(InsurancePolicy).where(InsurancePolicy.policy_no == policy_no.strip())
    if insurer:
        stmt = stmt.where(InsurancePolicy.insurer == insurer.strip())
    policy = session.scalars(stmt.limit(1)).first()
    if policy is None:
        return None
    return {
        "insurer": policy.insurer,
        "policy_no": policy.policy_no,
        "enterprise_id": policy.enterprise_id,
        "product_name": product_name(policy.product, lang),
        "sum_insured_fen": policy.sum_insured_fen,
        "start_date": policy.start_date,
        "end_date": policy.end_date,
        "status_name": POLICY_STATUS_NAMES.get(policy.status, (policy.status,) * 2)[
            1 if lang == "en" else 0
        ],
    }
