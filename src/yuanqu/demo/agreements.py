"""The demo's agreements: one per signed project (standard-land where it has a parcel), with
commitments drawn from what the firm and the project actually did, so most are met and a few fall
short; two amended to lower a target (the change log shows it); and, after the year's awards are
paid, one clawback through the grants ledger."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from yuanqu.agreements import assessment, service
from yuanqu.agreements.models import Agreement, Commitment
from yuanqu.agreements.service import RemedyInput, TermInput
from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.projects.models import MonthlyInvestment, Project, ProjectStageDate
from yuanqu.space.models import Parcel
from yuanqu.stats.models import MonthlyReport

OFFICE = Principal(0, "demo:project-office", Role.project_officer)
POLICY_OFFICE = Principal(0, "demo:policy-office", Role.policy_officer)
AS_OF = date(2023, 12, 31)
ASSESSED_ON = date(2024, 6, 30)
CLAWBACK_POLICY = "rd_investment_reward"
WAN = 1_000_000


def _months(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _ints(rows: Any) -> dict[int, int]:
    """Sums as ints (PostgreSQL returns a BIGINT sum as NUMERIC)."""
    return {key: int(value) for key, value in rows if value is not None}


def _factor(rng: np.random.Generator, short: bool) -> float:
    """A target as a share of what was achieved: below it (met), or above it for a short firm."""
    if short and rng.random() < 0.6:
        return float(rng.uniform(1.1, 1.4))
    return float(rng.uniform(0.6, 0.95))


def build_agreements(session: Session, *, seed: int = 2023) -> int:
    """Agreements for the signed projects; returns how many."""
    rng = np.random.default_rng(seed + 30)
    stages: dict[int, dict[str, date]] = {}
    for pid, stage, day in session.execute(
        select(
            ProjectStageDate.project_id, ProjectStageDate.stage, ProjectStageDate.actual_on
        ).where(ProjectStageDate.actual_on.is_not(None))
    ):
        stages.setdefault(pid, {})[stage] = day
    projects = [
        p
        for p in session.scalars(select(Project).order_by(Project.id))
        if "signed" in stages.get(p.id, {})
    ]
    # The projects' monthly investment from their start (the project office's 月度完成投资), for
    # the months the portfolio's own build did not record already.
    recorded = set(session.execute(select(MonthlyInvestment.project_id, MonthlyInvestment.period)))
    invest: list[dict[str, Any]] = []
    for p in projects:
        started = stages[p.id].get("started")
        if started is None:
            continue
        months = _months(started, AS_OF)
        monthly = p.planned_investment_fen / 30
        for period in months:
            if (p.id, period) in recorded:
                continue
            invest.append(
                {
                    "project_id": p.id,
                    "period": period,
                    "actual_fen": int(monthly * float(rng.uniform(0.5, 1.4))),
                }
            )
    if invest:
        session.execute(insert(MonthlyInvestment), invest)
    invested: dict[int, dict[str, int]] = {}
    for pid, period, fen in session.execute(
        select(MonthlyInvestment.project_id, MonthlyInvestment.period, MonthlyInvestment.actual_fen)
    ):
        invested.setdefault(pid, {})[period] = fen
    flows = _ints(
        session.execute(
            select(MonthlyReport.enterprise_id, func.sum(MonthlyReport.tax_fen))
            .where(MonthlyReport.period.like("2023-%"))
            .group_by(MonthlyReport.enterprise_id)
        ).all()
    )
    staff = dict(
        session.execute(
            select(MonthlyReport.enterprise_id, MonthlyReport.employees).where(
                MonthlyReport.period == "2023-12"
            )
        ).all()
    )
    parceled = set(session.scalars(select(Parcel.project_id).where(Parcel.project_id.is_not(None))))
    made = 0
    with audit.appending(session):
        for n, p in enumerate(projects):
            if p.enterprise_id is None:
                continue
            signed = stages[p.id]["signed"]
            short = float(rng.random()) < 0.15

            test_on = signed + timedelta(days=365 * 3)
            done = invested.get(p.id, {})
            so_far = sum(v for period, v in done.items() if period <= f"{test_on:%Y-%m}")
            if so_far and test_on <= ASSESSED_ON:
                target = int(so_far * _factor(rng, short))
            else:
                target = int(p.planned_investment_fen * 0.7)
            terms = [
                TermInput("C1", "fixed_asset_investment", test_on, max(WAN, target // WAN * WAN))
            ]
            started = stages[p.id].get("started")
            if started is None:
                start_target = signed + timedelta(days=540)
            elif short:
                start_target = started - timedelta(days=int(rng.integers(20, 90)))
            else:
                late = timedelta(days=int(rng.integers(10, 120)))
                start_target = max(signed + timedelta(days=180), started + late)
            terms.append(TermInput("C2", "start_date", start_target, target_date=start_target))
            tax = flows.get(p.enterprise_id)
            area = session.scalar(
                select(func.sum(Parcel.area_sqm)).where(Parcel.enterprise_id == p.enterprise_id)
            )
            if tax and area:
                per_mu = tax * 10_000 / (area * 15)
                terms.append(
                    TermInput(
                        "C3",
                        "tax_per_mu",
                        date(2024, 5, 31),
                        max(WAN, int(per_mu * _factor(rng, short)) // 10_000 * 10_000),
                        period_year=2023,
                    )
                )
                terms.append(
                    TermInput(
                        "C4",
                        "tax",
                        date(2024, 5, 31),
                        max(WAN, int(tax * _factor(rng, short)) // WAN * WAN),
                        period_year=2023,
                    )
                )
            if staff.get(p.enterprise_id):
                terms.append(
                    TermInput(
                        "C5",
                        "employees",
                        date(2023, 12, 31),
                        max(10, int(staff[p.enterprise_id] * _factor(rng, short))),
                    )
                )
            land = p.id in parceled
            remedies = [RemedyInput("penalty", "未达约定指标的，按差额比例支付违约金")]
            remedies.append(
                RemedyInput(
                    "clawback",
                    "未达约定指标的，追回已兑现的研发投入奖励",
                    policy_id=CLAWBACK_POLICY,
                )
            )
            if land:
                remedies.append(
                    RemedyInput("land_takeback", "约定期限内未开工满两年的，依法收回土地使用权")
                )
            service.create_agreement(
                session,
                number=f"YZ-XY-{signed.year}-{n + 1:03d}",
                kind="standard_land" if land else "investment",
                title=f"{p.name}{'标准地履约监管协议' if land else '投资协议'}",
                enterprise_id=p.enterprise_id,
                project_id=p.id,
                signed_on=signed,
                terms=terms,
                actor=OFFICE,
                remedies=remedies,
            )
            made += 1
        made += _standard_land(session, rng, flows)
        _amend_two(session)
    return made


def _standard_land(session: Session, rng: np.random.Generator, taxes: dict[int, int]) -> int:
    """标准地: the manufacturers' parcels granted since 2018 each carry a performance agreement on
    亩均税收, 亩均产值 and tax, tested on the 2023 figures."""
    outputs = _ints(
        session.execute(
            select(MonthlyReport.enterprise_id, func.sum(MonthlyReport.gross_output_fen))
            .where(MonthlyReport.period.like("2023-%"))
            .group_by(MonthlyReport.enterprise_id)
        ).all()
    )
    parcels = session.execute(
        select(Parcel.enterprise_id, Parcel.granted_on)
        .where(Parcel.project_id.is_(None), Parcel.granted_on >= date(2018, 1, 1))
        .order_by(Parcel.enterprise_id)
    ).all()
    made = 0
    for n, (firm_id, granted) in enumerate(parcels):
        tax = taxes.get(firm_id)
        area = session.scalar(
            select(func.sum(Parcel.area_sqm)).where(Parcel.enterprise_id == firm_id)
        )
        if not tax or not area:
            continue
        short = float(rng.random()) < 0.12
        mu = area * 15 / 10_000
        per_mu = int(tax / mu * _factor(rng, short)) // 10_000 * 10_000
        total = int(tax * _factor(rng, short)) // WAN * WAN
        terms = [
            TermInput("C1", "tax_per_mu", date(2024, 5, 31), max(10_000, per_mu), period_year=2023),
            TermInput("C2", "tax", date(2024, 5, 31), max(WAN, total), period_year=2023),
        ]
        if outputs.get(firm_id):
            output = int(outputs[firm_id] / mu * _factor(rng, False)) // 10_000 * 10_000
            terms.append(
                TermInput("C3", "output_per_mu", date(2024, 5, 31), output, period_year=2023)
            )
        terms.append(
            TermInput("C4", "tax_per_mu", date(2026, 5, 31), max(10_000, per_mu), period_year=2025)
        )
        service.create_agreement(
            session,
            number=f"YZ-BZD-{granted.year}-{n + 1:03d}",
            kind="standard_land",
            title="标准地履约监管协议",
            enterprise_id=firm_id,
            signed_on=granted,
            terms=terms,
            actor=OFFICE,
            remedies=[
                RemedyInput("penalty", "亩均税收未达约定的，按差额支付违约金"),
                RemedyInput(
                    "clawback", "未达约定的，追回已兑现的奖励资金", policy_id=CLAWBACK_POLICY
                ),
                RemedyInput("deposit_forfeit", "未达约定的，履约保证金不予退还"),
            ],
        )
        made += 1
    return made


def _amend_two(session: Session) -> None:
    """Two amendments that ease a target, as studies found happening: kept visible as versions."""
    rows = list(
        session.execute(
            select(Agreement.id, Commitment.key)
            .join(Commitment, Commitment.agreement_id == Agreement.id)
            .where(Commitment.key == "C1")
            .order_by(Agreement.id)
            .limit(2)
        )
    )
    for agreement_id, _key in rows:
        [term] = [
            t
            for t in assessment.current_terms(session, agreement_ids=[agreement_id])
            if t.key == "C1"
        ]
        assert term.target_value is not None
        lower = TermInput(
            "C1",
            term.indicator,
            term.test_on + timedelta(days=365),
            int(term.target_value * 0.8) // WAN * WAN,
        )
        service.amend(
            session,
            agreement_id=agreement_id,
            made_on=date(2023, 10, 20),
            reason="受市场环境影响，经管委会研究同意调减投资额并延长一年",
            changes={"C1": lower},
            actor=OFFICE,
        )


def demo_clawback(session: Session, *, year: int) -> dict[str, Any] | None:
    """Claw back one award paid for ``year`` from a firm short of its commitments, through the
    recovery workflow (notice, objection, decision, money back); None when no firm qualifies."""
    from yuanqu.grants import recoveries

    rows = assessment.assess(session, assessment.current_terms(session), as_of=ASSESSED_ON)
    short = {}
    for r in rows:
        if r.status == assessment.NOT_MET and r.term.indicator in ("tax_per_mu", "tax"):
            short.setdefault(r.term.uscc, r)
    for uscc, row in sorted(short.items()):
        cases = [c for c in recoveries.paid_cases_of(session, uscc=uscc) if c.year == year]
        cases.sort(key=lambda c: (c.policy_id != CLAWBACK_POLICY, c.id))
        if not cases:
            continue
        case = cases[0]
        with audit.appending(session):
            source = f"协议 {row.term.number} {row.term.key}"
            recovery = recoveries.open_recovery(
                session,
                case_id=case.id,
                amount_fen=None,
                source=source,
                actor=POLICY_OFFICE,
                reason=f"{row.term.firm} {row.term.period_year} 年"
                f"{assessment.INDICATORS[row.term.indicator].zh}未达到协议约定，按协议追回奖励",
                today=date(2024, 7, 1),
            )
            recoveries.notify(
                session, recovery_id=recovery.id, actor=POLICY_OFFICE, on=date(2024, 7, 2)
            )
            firm = Principal(0, "demo:enterprise", Role.enterprise, uscc=uscc)
            recoveries.object_to(
                session,
                recovery_id=recovery.id,
                actor=firm,
                on=date(2024, 7, 10),
                text="产品验证周期延长导致税收未达预期，申请部分减免",
            )
            decided = case.amount_fen * 3 // 4 if case.amount_fen > 100 else case.amount_fen
            recoveries.decide(
                session,
                recovery_id=recovery.id,
                amount_fen=decided,
                actor=POLICY_OFFICE,
                on=date(2024, 7, 25),
                text="部分采纳企业陈述，追回 75%",
            )
            recoveries.receive(
                session,
                recovery_id=recovery.id,
                amount_fen=decided,
                actor=POLICY_OFFICE,
                on=date(2024, 8, 20),
            )
        return recoveries.recovery_dict(recovery)
    return None
