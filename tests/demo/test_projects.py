from __future__ import annotations

from datetime import date

from yuanqu.core import audit
from yuanqu.demo.projects import build_fangchenggang_portfolio


def test_fangchenggang_2023_figures(session):
    summary = build_fangchenggang_portfolio(session, seed=2023)
    assert summary.tracked_in_year == 175
    assert summary.signed_in_year == 24
    assert summary.signed_investment_fen == 33_130_000_000 * 100
    assert audit.verify_chain(session).intact


def test_yizhuang_portfolio_reads_like_a_zone(session):
    """Whole names, leads that sign, completed investment, targets, and history dated 2020-2023."""
    from sqlalchemy import extract, func, select

    from tests.factories.registry import make_task_force
    from yuanqu.attraction import service as attraction
    from yuanqu.core.audit import AuditRecord
    from yuanqu.core.uscc import make_usccs
    from yuanqu.demo.projects import build_yizhuang_portfolio, project_name
    from yuanqu.projects.models import BatchTarget, MonthlyInvestment, Project
    from yuanqu.registry.importer import EnterpriseRecord, write_records

    named = project_name("北京科朗新能源科技有限公司", "研发中心")
    assert named == "北京科朗新能源科技研发中心项目"
    codes = iter(make_usccs(list(range(7_000_000, 7_001_000))))
    records = []
    for force in ("ic", "bio"):
        make_task_force(session, force)
        records += [
            EnterpriseRecord(
                uscc=next(codes),
                name=f"北京{force}{k}号科技股份有限公司",
                industry_code="3973",
                industry_section="C",
                task_force=force,
                labels=[],
            )
            for k in range(500)
        ]
    write_records(session, records)
    summary = build_yizhuang_portfolio(session, seed=2023, projects=40)
    names = list(session.scalars(select(Project.name)))
    assert names and all(n.endswith("项目") and "有限公" not in n for n in names)
    funnel = attraction.funnel(session, start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert all(row.signed > 0 and row.conversion for row in funnel)
    assert summary.leads == 60
    assert session.scalar(select(func.count()).select_from(MonthlyInvestment)) > 0
    assert session.scalar(select(func.count()).select_from(BatchTarget)) == 7
    years = set(session.scalars(select(func.distinct(extract("year", AuditRecord.occurred_at)))))
    assert years and years <= {2020, 2021, 2022, 2023}
    assert audit.verify_chain(session).intact
