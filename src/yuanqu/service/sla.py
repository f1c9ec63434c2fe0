"""The desk's time limits as data (``data/service/sla.yaml``) and the deadlines they give.

A limit is calendar hours or working days. A limit of N working days ends at the end
(23:59:59 local time) of the Nth working day after the day of receipt, which does not count; the
working days are the official calendar's with the zone's loaded holiday notices
(:func:`yuanqu.core.holidays.work_calendar`). Calendar hours run through nights and holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

import yaml

from yuanqu.core.errors import ValidationError
from yuanqu.core.workdays import WorkCalendar
from yuanqu.data import read_text
from yuanqu.service.models import Urgency

END_OF_DAY = time(23, 59, 59)
#: China Standard Time: the desk's local time (no daylight saving).
CST = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Limit:
    """A time limit: ``hours`` calendar hours, or ``workdays`` working days."""

    hours: int | None = None
    workdays: int | None = None

    def due(self, start: datetime, calendar: WorkCalendar) -> datetime:
        """When a limit started at ``start`` ends."""
        if self.hours is not None:
            return start + timedelta(hours=self.hours)
        assert self.workdays is not None
        return datetime.combine(calendar.add_workdays(start.date(), self.workdays), END_OF_DAY)

    def describe(self, lang: str = "zh") -> str:
        if self.hours is not None:
            return f"{self.hours} hours" if lang == "en" else f"{self.hours}小时"
        return f"{self.workdays} working days" if lang == "en" else f"{self.workdays}个工作日"


@dataclass(frozen=True)
class GoldenCase:
    received: datetime
    urgency: str
    due: datetime


@dataclass(frozen=True)
class Sla:
    """Every limit of the desk, and the golden cases the file carries."""

    answer: dict[str, Limit]
    sign_for: Limit
    first_contact: Limit
    golden: tuple[GoldenCase, ...] = ()

    def answer_due(self, received_at: datetime, urgency: str, calendar: WorkCalendar) -> datetime:
        return self.answer[urgency].due(received_at, calendar)

    def sign_due(self, dispatched_at: datetime, calendar: WorkCalendar) -> datetime:
        return self.sign_for.due(dispatched_at, calendar)

    def contact_due(self, signed_at: datetime, calendar: WorkCalendar) -> datetime:
        return self.first_contact.due(signed_at, calendar)


def _problem(source: str, where: str, zh: str, en: str) -> ValidationError:
    return ValidationError(
        f"{source}：{where} {zh}", f"{source}: {where} {en}", details={"field": where}
    )


def _limit(value: Any, where: str, source: str) -> Limit:
    if not isinstance(value, dict) or len(value) != 1:
        raise _problem(
            source,
            where,
            "应写作 {hours: N} 或 {workdays: N}",
            "must be {hours: N} or {workdays: N}",
        )
    (unit, number), *_ = value.items()
    if unit not in ("hours", "workdays") or not isinstance(number, int) or not 0 < number <= 365:
        raise _problem(
            source,
            where,
            "应为 hours 或 workdays，取 1 到 365 的整数",
            "must be hours or workdays, a whole number from 1 to 365",
        )
    return Limit(**{unit: number})


def _moment(value: Any, where: str, source: str) -> datetime:
    try:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise _problem(
            source, where, "应为 ISO 8601 本地时间", "must be an ISO 8601 local time"
        ) from None


def parse_sla(text: str, *, source: str = "sla.yaml") -> Sla:
    """Read the limits; every mistake names the key and what is expected."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"{source} 不是有效的 YAML：{exc}", f"{source} is not valid YAML: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise _problem(source, "(root)", "应为映射", "must be a mapping")
    answer = data.get("answer") or {}
    missing = [u.value for u in Urgency if u.value not in answer]
    if missing:
        raise _problem(source, "answer", f"缺少 {', '.join(missing)}", f"lacks {missing}")
    unknown = sorted(set(answer) - {u.value for u in Urgency})
    if unknown:
        raise _problem(source, "answer", f"有未知的紧急程度 {unknown}", f"has unknown {unknown}")
    golden = []
    for index, case in enumerate(data.get("golden") or [], start=1):
        where = f"golden[{index}]"
        if not isinstance(case, dict) or case.get("urgency") not in answer:
            raise _problem(
                source, where, "须有 received、urgency、due", "needs received/urgency/due"
            )
        golden.append(
            GoldenCase(
                _moment(case.get("received"), where, source),
                str(case["urgency"]),
                _moment(case.get("due"), where, source),
            )
        )
    return Sla(
        answer={u: _limit(answer[u], f"answer.{u}", source) for u in answer},
        sign_for=_limit(data.get("sign_for"), "sign_for", source),
        first_contact=_limit(data.get("first_contact"), "first_contact", source),
        golden=tuple(golden),
    )


@cache
def shipped_sla() -> Sla:
    """The limits shipped in ``data/service/sla.yaml``."""
    return parse_sla(read_text("service/sla.yaml"))


def is_end_of_day(moment: datetime) -> bool:
    return moment.time() == END_OF_DAY


def due_label(due: datetime | None, lang: str = "zh") -> str:
    """A deadline as a person reads it: a day for working-day limits, a minute for hours."""
    if due is None:
        return "—"
    if is_end_of_day(due):
        return f"end of {due.date()}" if lang == "en" else f"{due.date()} 日终"
    return due.strftime("%Y-%m-%d %H:%M")


def day_of(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment
