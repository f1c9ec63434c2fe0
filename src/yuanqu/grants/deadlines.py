"""Grant deadlines counted again when an administrator loads a holiday notice.

A case stores the dates its deadlines were counted to (the decision's ``due_on``, the public
notice's ``notice_to``), with the calendar of that day: a year nobody had loaded counted weekends
only. When the year's notice is loaded, every open deadline that touches it is counted again: the
same number of working days (as the old calendar counted them) from the same start, by the new
calendar. Closed deadlines (a decided case, a notice already over and paid) stay as they were.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.workdays import WorkCalendar
from yuanqu.grants.models import CaseStatus, GrantCase
from yuanqu.grants.transitions import ENTITY, snapshot
from yuanqu.grants.workflow import PENDING, notice_end


def _touches(start: date | None, end: date | None, year: int) -> bool:
    """Whether ``[start, end]`` meets the days ``year``'s notice may list (from 1 December of
    the year before: the New Year holiday may start in the old year)."""
    return (
        start is not None
        and end is not None
        and start <= date(year, 12, 31)
        and end >= date(year - 1, 12, 1)
    )


def recount_deadlines(
    session: Session, *, old: WorkCalendar, new: WorkCalendar, year: int, actor: str
) -> int:
    """Count again the open decision deadlines and public notices that touch ``year``."""
    last, reach = date(year, 12, 31), date(year - 1, 12, 1)  # as _touches
    cases = session.scalars(
        select(GrantCase)
        .where(
            or_(
                and_(
                    GrantCase.status.in_(PENDING),
                    GrantCase.submitted_on <= last,
                    GrantCase.due_on >= reach,
                ),
                and_(
                    GrantCase.status == CaseStatus.public_notice,
                    GrantCase.notice_from <= last,
                    GrantCase.notice_to >= reach,
                ),
            )
        )
        .order_by(GrantCase.id)
        .with_for_update()
    ).all()
    moved = 0
    for case in cases:
        before = snapshot(case)
        if case.status in PENDING and _touches(case.submitted_on, case.due_on, year):
            assert case.submitted_on is not None and case.due_on is not None
            limit = old.workdays_between(case.submitted_on, case.due_on)
            case.due_on = new.add_workdays(case.submitted_on, limit)
        if case.status == CaseStatus.public_notice and _touches(
            case.notice_from, case.notice_to, year
        ):
            assert case.notice_from is not None and case.notice_to is not None
            # notice_end counts the publication day itself when it is a working day
            days = old.workdays_between(case.notice_from - timedelta(days=1), case.notice_to)
            case.notice_to = notice_end(new, case.notice_from, days)
        after = snapshot(case)
        if after != before:
            moved += 1
            audit.record(
                session,
                actor=actor,
                entity_type=ENTITY,
                entity_id=case.id,
                action="recount_deadline",
                before=before,
                after=after,
                reason=f"{year}年节假日安排载入 / the {year} holiday notice was loaded",
            )
    return moved
