"""Holiday notices an administrator loads: a year's State Council arrangement kept in the
database, so every deadline counts the year's real working days (see :mod:`core.workdays`).

The file is the CSV :func:`yuanqu.core.workdays.parse_notice` reads (``date,kind,name``). A load
replaces nothing unless asked (``replace=True``) and, invalid, changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import Base, BigId
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.core.periods import parse_date
from yuanqu.core.workdays import LIBRARY_YEARS, WorkCalendar, YearNotice, parse_notice


class HolidayNoticeDay(Base):
    """One day of a loaded holiday notice: a day off (放假) or a weekend day worked (调休上班)."""

    __tablename__ = "holiday_notice_days"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True, comment="the notice's year")
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(8), comment="holiday or workday")
    name: Mapped[str | None] = mapped_column(String(40), comment="e.g. 春节")
    source: Mapped[str] = mapped_column(String(200), comment="the notice's title or number")
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),)


def _need_admin(actor: Principal) -> None:
    if actor.role != Role.admin:
        raise Forbidden(
            "只有管理员可以载入节假日安排", "only an administrator loads holiday notices"
        )


def notice_year(text: str) -> int:
    """The year a notice file is for: the year most of its dates fall in."""
    years: Counter[int] = Counter()
    for record in csv.DictReader(
        io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")))
    ):
        try:
            years[parse_date((record.get("date") or "").strip()).year] += 1
        except (ValidationError, AttributeError):
            continue
    if not years:
        raise ValidationError(
            "无法从文件判断年份（请用 --year 指定）",
            "cannot tell the notice's year from the file (give --year)",
            details={"field": "year"},
        )
    return years.most_common(1)[0][0]


def _names(text: str) -> dict[date, str]:
    names: dict[date, str] = {}
    lines = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    for record in csv.DictReader(io.StringIO(lines)):
        record = {(k or "").strip().lower(): v for k, v in record.items()}
        name = (record.get("name") or "").strip()
        if name:
            names[parse_date(record["date"].strip())] = name[:40]
    return names


def load_notice(
    session: Session,
    *,
    text: str,
    actor: Principal,
    source: str,
    year: int | None = None,
    replace: bool = False,
) -> YearNotice:
    """Validate and store a year's notice; every bad row is named and nothing is written."""
    _need_admin(actor)
    year = year or notice_year(text)
    notice = parse_notice(text, year=year, source=source.strip()[:200])
    loaded = session.scalar(select(HolidayNoticeDay.id).where(HolidayNoticeDay.year == year))
    if loaded is not None and not replace:
        raise Conflict(
            f"{year}年的节假日安排已载入（覆盖请加 --replace）",
            f"the {year} holiday notice is loaded already (use --replace to overwrite)",
            code="notice_loaded",
            details={"year": year},
        )
    session.execute(delete(HolidayNoticeDay).where(HolidayNoticeDay.year == year))
    names = _names(text)
    now = datetime.now(UTC)
    for kind, days in (("holiday", notice.holidays), ("workday", notice.makeup_workdays)):
        for day in sorted(days):
            session.add(
                HolidayNoticeDay(
                    year=year,
                    day=day,
                    kind=kind,
                    name=names.get(day),
                    source=notice.source,
                    loaded_by=actor.username,
                    loaded_at=now,
                )
            )
    session.flush()  # the audit record follows the rows it describes
    audit.record(
        session,
        actor=actor.username,
        entity_type="holiday_notice",
        entity_id=year,
        action="replace" if loaded is not None else "load",
        after={
            "holidays": len(notice.holidays),
            "workdays": len(notice.makeup_workdays),
            "source": notice.source,
        },
    )
    return notice


def loaded_notices(session: Session) -> list[YearNotice]:
    rows = session.execute(
        select(
            HolidayNoticeDay.year,
            HolidayNoticeDay.day,
            HolidayNoticeDay.kind,
            HolidayNoticeDay.source,
        ).order_by(HolidayNoticeDay.year, HolidayNoticeDay.day)
    ).all()
    by_year: dict[int, tuple[set[date], set[date], str]] = {}
    for year, day, kind, source in rows:
        holidays, workdays, _ = by_year.setdefault(year, (set(), set(), source))
        (holidays if kind == "holiday" else workdays).add(day)
    return [YearNotice(y, h, w, s) for y, (h, w, s) in sorted(by_year.items())]


def work_calendar(session: Session) -> WorkCalendar:
    """The official calendar: the library's years overlaid with every loaded notice."""
    return WorkCalendar(loaded_notices(session))


def show_year(session: Session, *, year: int) -> dict[str, Any]:
    """Where a year's working days come from, its listed days, and a warning when unknown."""
    rows = session.scalars(
        select(HolidayNoticeDay).where(HolidayNoticeDay.year == year).order_by(HolidayNoticeDay.day)
    ).all()
    calendar = work_calendar(session)
    if rows:
        origin = "notice"
    elif year in LIBRARY_YEARS:
        origin = "library"
    else:
        origin = "none"
    warning = None
    if not calendar.known(year):
        calendar.is_workday(date(year, 1, 1))
        warning = calendar.warnings[0]
    return {
        "year": year,
        "origin": origin,
        "source": rows[0].source if rows else None,
        "days": [{"date": r.day, "kind": r.kind, "name": r.name} for r in rows],
        "warning": {"zh": warning.zh, "en": warning.en} if warning else None,
    }
