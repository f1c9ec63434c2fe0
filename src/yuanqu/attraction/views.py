"""What the lead pages and their JSON twins show, scoped to the reader's task forces."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.attraction import service as attraction
from yuanqu.attraction.models import Lead
from yuanqu.attraction.schemas import FunnelRow, LeadPipeline
from yuanqu.web import charts


def _in_scope(task_force: str | None, scope: frozenset[str] | None) -> bool:
    return scope is None or task_force in scope


def lead_pipeline(
    session: Session,
    *,
    scope: frozenset[str] | None,
    start: date,
    end: date,
    task_force: str | None = None,
    stage: str | None = None,
) -> LeadPipeline:
    leads = [
        lead
        for lead in attraction.list_leads(session, task_force=task_force, stage=stage)
        if _in_scope(lead.task_force, scope)
    ]
    rows = [
        r
        for r in attraction.funnel(session, start=start, end=end)
        if _in_scope(r.task_force, scope) and (task_force is None or r.task_force == task_force)
    ]
    return LeadPipeline(start=start, end=end, task_force=task_force, leads=leads, funnel=rows)


def funnel_charts(rows: list[FunnelRow], *, lang: str = "zh") -> dict[str, Any]:
    labels = (
        ("contacted", "negotiating", "intent", "signed")
        if lang == "en"
        else ("接触", "洽谈", "意向", "签约")
    )
    return {
        row.task_force: charts.funnel(
            list(
                zip(labels, (row.contacted, row.negotiating, row.intent, row.signed), strict=True)
            ),
            name=row.task_force,
        )
        for row in rows
    }


def latest_year(session: Session, kind: str = "leads") -> int | None:
    """The last year a lead was first contacted: the funnel opens on it and says so."""
    last = session.scalar(select(func.max(Lead.contacted_on)))
    if last is None:
        return None
    return last.year if isinstance(last, date) else int(str(last)[:4])
