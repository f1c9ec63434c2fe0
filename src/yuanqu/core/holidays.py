"""Holiday notices an administrator loads: a year's State Council arrangement kept in the
database, so every deadline counts the year's real working days (see :mod:`core.workdays`).

The file is the CSV :func:`yuanqu.core.workdays.parse_notice` reads (``date,kind,name``). A load
replaces nothing unless asked (``replace=True``) and, invalid, changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from yuanqu.core import audit, txcache
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import Base, BigId
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.core.periods import parse_date
from yuanqu.core.workdays import (
    LIBRARY_YEARS,
    WorkCalendar,
    YearNotice,
    notice_rows,
    parse_notice,
)


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


class Recount(Protocol):
    """A domain's recount of the deadlines it stores, when a notice changes ``year``'s working
    days: it counts each open deadline touching ``year`` again (the time limit as ``old``
    counted it, the date as ``new`` counts it), audits each change and returns how many moved."""

    def __call__(
        self, session: Session, *, old: WorkCalendar, new: WorkCalendar, year: int, actor: str
    ) -> int: ...


# Domains that keep deadlines register here (core cannot import them: imports point down).
_RECOUNTS: dict[str, Recount] = {}


def on_notice_loaded(name: str, recount: Recount) -> None:
    """Have ``recount`` run in the unit of work of every notice load (one per ``name``)."""
    _RECOUNTS[name] = recount


@dataclass(frozen=True)
class LoadedNotice:
    """A notice as stored, with the stored deadlines each domain counted again."""

    notice: YearNotice
    recounted: dict[str, int]

    @property
    def year(self) -> int:
        return self.notice.year

    @property
    def holidays(self) -> frozenset[date]:
        return self.notice.holidays

    @property
    def makeup_workdays(self) -> frozenset[date]:
        return self.notice.makeup_workdays


# The unit of work's copy of the loaded notices (core.txcache).
_NOTICES = ("holiday_notices",)

#: A notice lists a few dozen days: anything much larger is not a notice.
MAX_NOTICE_BYTES = 64 * 1024


def decode_notice(data: bytes) -> str:
    """An uploaded notice file's text (UTF-8, with or without a byte-order mark)."""
    if len(data) > MAX_NOTICE_BYTES:
        zh = f"文件过大（{len(data)} 字节，上限 {MAX_NOTICE_BYTES} 字节）"
        en = f"the file is too large ({len(data)} bytes, at most {MAX_NOTICE_BYTES})"
        raise ValidationError(zh, en, details=[{"row": None, "field": "file", "zh": zh, "en": en}])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        zh = f"文件不是 UTF-8 编码的 CSV（第 {error.start} 字节）"
        en = f"the file is not CSV in UTF-8 (byte {error.start})"
        raise ValidationError(
            zh, en, details=[{"row": None, "field": "file", "zh": zh, "en": en}]
        ) from None


def notice_year(text: str) -> int:
    """The year a notice file is for: the year most of its dates fall in."""
    years: Counter[int] = Counter()
    for _row, raw_date, _kind in notice_rows(text):  # checks the header row first
        try:
            years[parse_date(raw_date.strip()).year] += 1
        except ValidationError:
            continue
    if not years:
        zh, en = (
            "无法从文件判断年份（请指定年份 --year）",
            "cannot tell the notice's year from the file (give the year, --year)",
        )
        raise ValidationError(zh, en, details=[{"row": None, "field": "year", "zh": zh, "en": en}])
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
) -> LoadedNotice:
    """Validate and store a year's notice; every bad row is named and nothing is written. The
    open deadlines the domains store are counted again with it (see :func:`on_notice_loaded`)."""
    _need_admin(actor)
    year = year or notice_year(text)
    notice = parse_notice(text, year=year, source=source.strip()[:200])
    old = work_calendar(session)
    loaded = session.scalar(select(HolidayNoticeDay.id).where(HolidayNoticeDay.year == year))
    if loaded is not None and not replace:
        raise Conflict(
            f"{year}年的节假日安排已载入（覆盖请选 replace，命令行加 --replace）",
            f"the {year} holiday notice is loaded already "
            "(set replace, or --replace, to overwrite it)",
            code="notice_loaded",
            details={"year": year},
        )
    txcache.forget(session, _NOTICES)
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
    session.flush()  # the audit record and the recounts read the rows just written
    txcache.forget(session, _NOTICES)
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
    new = work_calendar(session)
    with audit.appending(session):
        recounted = {
            name: recount(session, old=old, new=new, year=year, actor=actor.username)
            for name, recount in sorted(_RECOUNTS.items())
        }
    return LoadedNotice(notice, recounted)


def loaded_notices(session: Session) -> list[YearNotice]:
    """Every loaded notice, read once per unit of work (a load forgets the copy)."""
    kept = txcache.get(session, _NOTICES)
    if kept is not None:
        return list(kept)
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
    notices = [YearNotice(y, h, w, s) for y, (h, w, s) in sorted(by_year.items())]
    txcache.put(session, _NOTICES, tuple(notices))
    return notices


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
    if rows:
        days = [{"date": r.day, "kind": r.kind, "name": r.name} for r in rows]
    elif origin == "library":
        days = _library_days(year)
    else:
        days = []
    return {
        "year": year,
        "known": calendar.known(year),
        "origin": origin,
        "source": rows[0].source if rows else None,
        "loaded_by": rows[0].loaded_by if rows else None,
        "loaded_at": rows[0].loaded_at if rows else None,
        "days": days,
        "warning": {"zh": warning.zh, "en": warning.en} if warning else None,
    }


def _library_days(year: int) -> list[dict[str, Any]]:
    """The days off and make-up workdays of a year the chinese-calendar library ships."""
    from chinese_calendar.constants import holidays as library_holidays
    from chinese_calendar.constants import workdays as library_workdays

    days = [
        {"date": day, "kind": "holiday", "name": _holiday_name(name)}
        for day, name in library_holidays.items()
        if day.year == year
    ] + [
        {"date": day, "kind": "workday", "name": _holiday_name(name)}
        for day, name in library_workdays.items()
        if day.year == year
    ]
    return sorted(days, key=lambda d: d["date"])


#: The library names a day by its holiday's English name; the notices name it in Chinese.
_LIBRARY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _holiday_name(value: Any) -> str | None:
    name = str(getattr(value, "value", value) or "")
    return _LIBRARY_NAMES.get(name, name) or None
