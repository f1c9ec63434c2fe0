"""What the space and agreements domains read from the registry and the projects: ids for credit
codes and project codes. One place, so these look-ups follow the registry's and the projects'
public faces (``registry.firms.ids_for_codes`` on main) without hunting through the importers."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.projects.models import Project
from yuanqu.registry.models import Enterprise

CHUNK = 500


def firm_ids(session: Session, usccs: Iterable[str]) -> dict[str, int]:
    """The registry ids of the firms holding these (normalised) credit codes."""
    codes = sorted(set(usccs))
    found: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        stmt = select(Enterprise.uscc, Enterprise.id).where(
            Enterprise.uscc.in_(codes[start : start + CHUNK])
        )
        found.update(session.execute(stmt).all())
    return found


def project_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """The ids of the key projects with these codes (项目编号)."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(Project.code, Project.id).where(
            Project.code.in_(wanted[start : start + CHUNK])
        )
        found.update(session.execute(stmt).all())
    return found


def annual_tax_output(
    session: Session, enterprise_ids: Iterable[int], year: int
) -> dict[int, tuple[int | None, int | None]]:
    """Per firm: the year's tax and gross output (fen) from its monthly reports."""
    from sqlalchemy import func

    from yuanqu.stats.models import MonthlyReport

    ids = sorted(set(enterprise_ids))
    found: dict[int, tuple[int | None, int | None]] = {}
    for start in range(0, len(ids), CHUNK):
        stmt = (
            select(
                MonthlyReport.enterprise_id,
                func.sum(MonthlyReport.tax_fen),
                func.sum(MonthlyReport.gross_output_fen),
            )
            .where(
                MonthlyReport.enterprise_id.in_(ids[start : start + CHUNK]),
                MonthlyReport.period.like(f"{year:04d}-%"),
            )
            .group_by(MonthlyReport.enterprise_id)
        )
        for firm, tax, output in session.execute(stmt):
            found[firm] = (
                None if tax is None else int(tax),
                None if output is None else int(output),
            )
    return found


def latest_complete_year(session: Session) -> int | None:
    """The latest year whose December the firms reported."""
    from sqlalchemy import func

    from yuanqu.stats.models import MonthlyReport

    last = session.scalar(
        select(func.max(MonthlyReport.period)).where(MonthlyReport.period.like("%-12"))
    )
    return int(last[:4]) if last else None


def check_holder(session: Session, *, lead_id: int | None, project_id: int | None) -> None:
    """The lead and the project a hold or a requirement names must exist (a clear 404, not a
    foreign-key failure)."""
    from yuanqu.attraction.models import Lead
    from yuanqu.core.errors import NotFound

    if lead_id is not None and (not 1 <= lead_id < 2**63 or session.get(Lead, lead_id) is None):
        raise NotFound(
            f"没有编号为 {lead_id} 的招商线索", f"no lead {lead_id}", details={"lead_id": lead_id}
        )
    if project_id is not None and (
        not 1 <= project_id < 2**63 or session.get(Project, project_id) is None
    ):
        raise NotFound(
            f"没有编号为 {project_id} 的重点项目",
            f"no project {project_id}",
            details={"project_id": project_id},
        )
