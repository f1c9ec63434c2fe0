"""Working days by China's official calendar, for deadlines (审核期限, 兑现时限...).

China moves working days around public holidays: the State Council's yearly notice
(国务院办公厅关于XXXX年部分节假日安排的通知) lists the days off (放假) and the weekend days worked
in exchange (调休上班). Two sources know these days:

1. the ``chinesecalendar`` library (import name ``chinese_calendar``), which ships every year from
   2004 to the year of its release (2026 for 1.11). For any other year it raises
   ``NotImplementedError``; this module never lets that reach a caller;
2. notices an administrator loads as data (:class:`YearNotice`, usually through
   :func:`parse_notice`), for years the library does not know yet. The notice for a year is
   normally published in November or December of the year before. A loaded year replaces the
   library's data for that year entirely.

For a year neither knows, the calendar counts Monday to Friday as working days and records a
bilingual warning in :attr:`WorkCalendar.warnings` for the page or report to show: a deadline that
may be a few days off is better than a crash, as long as nobody is misled.

The notice format :func:`parse_notice` reads is CSV with a header row ``date,kind`` (an optional
third column ``name``, e.g. 春节, is kept for people and ignored here)::

    date,kind,name
    2027-01-01,holiday,元旦
    2027-02-06,holiday,春节
    2027-02-07,workday,春节

``kind`` is ``holiday`` (放假) or ``workday`` (调休上班); the Chinese words are accepted too.
Dates may be written in any form :func:`yuanqu.core.periods.parse_date` reads. Lines that are
blank or start with ``#`` are skipped. The rules, checked row by row:

- every date lies in the notice's year, or in the last week of December before it, because a
  notice may start the New Year holiday (元旦) in the old year: the 2019 notice, for instance, gave
  2018-12-30/31 off and made Saturday 2018-12-29 a working day;
- a date appears once, and never as both a holiday and a working day;
- a make-up working day falls on a Saturday or Sunday (a weekday is a working day already, so a
  weekday listed as one is a mistake in the data);
- a holiday may fall on any day, since notices give whole ranges (2月10日至17日放假调休，共8天)
  that include the weekend.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import chinese_calendar
from chinese_calendar.constants import holidays as _LIBRARY_HOLIDAYS

from yuanqu.core.errors import ValidationError
from yuanqu.core.periods import parse_date

__all__ = [
    "LIBRARY_YEARS",
    "CalendarWarning",
    "WorkCalendar",
    "YearNotice",
    "notice_rows",
    "parse_notice",
    "unknown_year_warning",
]

#: The years the installed ``chinesecalendar`` knows; it raises NotImplementedError outside them.
LIBRARY_YEARS = range(min(_LIBRARY_HOLIDAYS).year, max(_LIBRARY_HOLIDAYS).year + 1)

#: How far into the previous December a notice may reach (the New Year holiday).
_NEW_YEAR_REACH = timedelta(days=7)

_KINDS = {
    "holiday": "holiday",
    "放假": "holiday",
    "休": "holiday",
    "workday": "workday",
    "上班": "workday",
    "班": "workday",
}


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _notice_date_problem(year: int, day: date, kind: str) -> tuple[str, str] | None:
    """Why ``day`` cannot be a ``kind`` in the notice for ``year``, in zh and en, or None."""
    earliest = date(year, 1, 1) - _NEW_YEAR_REACH
    if not earliest <= day <= date(year, 12, 31):
        return (
            f"日期 {day} 不在 {year} 年内",
            f"the date {day} is not in {year}",
        )
    if kind == "workday" and not _is_weekend(day):
        return (
            f"调休上班日 {day} 不是周六或周日（工作日本来就要上班）",
            f"the make-up working day {day} is not a Saturday or Sunday (weekdays are working "
            "days already)",
        )
    return None


@dataclass(frozen=True, slots=True, init=False)
class YearNotice:
    """One year's holiday arrangement as the State Council published it.

    ``holidays`` are the days off (weekends inside a holiday range may be listed or not);
    ``makeup_workdays`` the weekend days worked instead (调休上班); ``source`` says where the data
    came from (the notice's title and number, e.g. 国办发明电〔2024〕12号), for audit.
    """

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    source: str

    def __init__(
        self,
        year: int,
        holidays: Iterable[date],
        makeup_workdays: Iterable[date],
        source: str,
    ) -> None:
        # A hand-written __init__ so callers may pass sets or lists; stored frozen for hashing.
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "holidays", frozenset(holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(makeup_workdays))
        object.__setattr__(self, "source", source)
        self._check()

    def _check(self) -> None:
        problems: list[dict[str, str]] = []
        if not self.source.strip():
            problems.append(
                {"zh": "缺少来源（通知名称或文号）", "en": "the source (notice title) is missing"}
            )
        if not self.holidays:
            problems.append({"zh": "没有任何放假日期", "en": "no holidays are listed"})
        for day in sorted(self.holidays & self.makeup_workdays):
            problems.append(
                {
                    "date": day.isoformat(),
                    "zh": f"{day} 不能既是放假日又是调休上班日",
                    "en": f"{day} cannot be both a holiday and a make-up working day",
                }
            )
        for kind, days in (("holiday", self.holidays), ("workday", self.makeup_workdays)):
            for day in sorted(days):
                problem = _notice_date_problem(self.year, day, kind)
                if problem:
                    problems.append({"date": day.isoformat(), "zh": problem[0], "en": problem[1]})
        if problems:
            raise _notice_error(self.year, problems)


def _notice_error(year: int, problems: list[dict[str, Any]]) -> ValidationError:
    return ValidationError(
        f"{year}年节假日安排有误：" + "；".join(p["zh"] for p in problems),
        f"the {year} holiday notice is invalid: " + "; ".join(p["en"] for p in problems),
        details=problems,
    )


@dataclass(frozen=True, slots=True)
class CalendarWarning:
    """A year counted by weekends only, because no holiday data is known for it."""

    year: int
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class WorkCalendar:
    """Working days from the library's years overlaid with loaded notices (which win)."""

    __slots__ = ("_by_year", "_override", "_warnings")

    def __init__(self, notices: Iterable[YearNotice] = ()) -> None:
        self._by_year: dict[int, YearNotice] = {}
        for notice in notices:
            if notice.year in self._by_year:
                raise ValidationError(
                    f"{notice.year}年的节假日安排载入了两次",
                    f"the holiday notice for {notice.year} is loaded twice",
                    details={"year": notice.year},
                )
            self._by_year[notice.year] = notice
        # Every date a notice names, including the New Year days it reaches into December.
        self._override: dict[date, bool] = {}
        for notice in self._by_year.values():
            self._override.update(dict.fromkeys(notice.holidays, False))
            self._override.update(dict.fromkeys(notice.makeup_workdays, True))
        self._warnings: dict[int, CalendarWarning] = {}

    @property
    def notices(self) -> list[YearNotice]:
        """The loaded notices, by year."""
        return [self._by_year[year] for year in sorted(self._by_year)]

    @property
    def warnings(self) -> list[CalendarWarning]:
        """Years this calendar has counted by weekends only, in the order first met."""
        return list(self._warnings.values())

    def known(self, year: int) -> bool:
        """Whether the holidays of ``year`` are known (from a loaded notice or the library)."""
        return year in self._by_year or year in LIBRARY_YEARS

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day: make-up days count, holidays and weekends do not."""
        if isinstance(day, datetime):
            day = day.date()
        if day in self._override:
            return self._override[day]
        if day.year in self._by_year:
            return not _is_weekend(day)
        if day.year in LIBRARY_YEARS:
            return _library_workday(day)
        self._warn_unknown(day.year)
        return not _is_weekend(day)

    def add_workdays(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (``start`` itself not counted).

        ``n == 0`` returns ``start`` unchanged, even on a day off. A negative ``n`` counts back:
        the ``|n|``-th working day before ``start``. So ``workdays_between(start, result) == n``.
        """
        if isinstance(start, datetime):
            start = start.date()
        step = timedelta(days=1 if n >= 0 else -1)
        day = start
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def deadline(self, start: date, n: int) -> date:
        """The deadline of a time limit of ``n`` working days from ``start`` (e.g. 受理后15个
        工作日内): the day the limit ends on, as :meth:`add_workdays` counts it."""
        return self.add_workdays(start, n)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``: after ``a``, up to and including ``b``.

        When ``b`` is before ``a`` the count runs backwards over ``[b, a)`` and is negative, which
        keeps it the inverse of :meth:`add_workdays`.
        """
        if isinstance(a, datetime):
            a = a.date()
        if isinstance(b, datetime):
            b = b.date()
        if b < a:
            return -sum(self.is_workday(b + timedelta(days=i)) for i in range((a - b).days))
        return sum(self.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def span_warnings(self, start: date | None, end: date | None) -> list[CalendarWarning]:
        """The warnings of the years in ``[start, end]`` this calendar does not know.

        A deadline stored when it was counted (a case's decision date, a notice's last day) is
        shown later: this says whether the days it spans were counted by weekends only, without
        counting them again. The warnings are recorded in :attr:`warnings` too.
        """
        if start is None or end is None:
            return []
        if isinstance(start, datetime):
            start = start.date()
        if isinstance(end, datetime):
            end = end.date()
        first, last = sorted((start.year, end.year))
        for year in range(first, last + 1):
            if not self.known(year):
                self._warn_unknown(year)
        return [self._warnings[y] for y in range(first, last + 1) if y in self._warnings]

    def _warn_unknown(self, year: int) -> None:
        if year not in self._warnings:
            self._warnings[year] = unknown_year_warning(year)


def unknown_year_warning(year: int) -> CalendarWarning:
    """What a page or report says beside a deadline counted in a year no calendar knows."""
    return CalendarWarning(
        year,
        f"{year}年法定节假日安排尚未导入，期限按仅排除周末计算",
        f"No official holiday notice is loaded for {year}; this deadline counts weekends only",
    )


def parse_notice(
    text_or_rows: str | Iterable[Sequence[str] | Mapping[str, str]],
    *,
    year: int,
    source: str,
) -> YearNotice:
    """Read a year's holiday notice written as data (format in the module docstring).

    ``text_or_rows`` is the CSV text, or rows already read (``{"date": ..., "kind": ...}``
    mappings, or ``(date, kind)`` sequences without a header). Every bad row is reported at once,
    numbered as the administrator sees it (the header is row 1 in CSV text).
    """
    rows = notice_rows(text_or_rows)
    holidays: set[date] = set()
    workdays: set[date] = set()
    seen: dict[date, tuple[int, str | None]] = {}
    problems: list[dict[str, Any]] = []

    def report(row: int, field: str, value: str, zh: str, en: str) -> None:
        problems.append(
            {
                "row": row,
                "field": field,
                "value": value,
                "zh": f"第{row}行：{zh}",
                "en": f"row {row}: {en}",
            }
        )

    for row, raw_date, raw_kind in rows:
        kind = _KINDS.get(raw_kind.strip().lower())
        if kind is None:
            report(
                row,
                "kind",
                raw_kind,
                f"类型 {raw_kind!r} 无效，应为 holiday（放假）或 workday（调休上班）",
                f"kind {raw_kind!r} is not valid; use holiday or workday",
            )
        try:
            day = parse_date(raw_date)
        except ValidationError as error:
            report(row, "date", raw_date, error.zh, error.en)
            continue
        if day in seen:
            first_row, first_kind = seen[day]
            if kind is not None and first_kind is not None and kind != first_kind:
                report(
                    row,
                    "date",
                    raw_date,
                    f"日期 {day} 不能既是放假日又是调休上班日（见第{first_row}行）",
                    f"the date {day} cannot be both a holiday and a workday (see row {first_row})",
                )
            else:
                report(
                    row,
                    "date",
                    raw_date,
                    f"日期 {day} 与第{first_row}行重复",
                    f"the date {day} repeats row {first_row}",
                )
            continue
        seen[day] = (row, kind)
        if kind is None:
            continue
        problem = _notice_date_problem(year, day, kind)
        if problem:
            report(row, "date", raw_date, *problem)
            continue
        (holidays if kind == "holiday" else workdays).add(day)
    if not seen and not problems:
        problems.append(
            {
                "row": None,
                "field": None,
                "zh": "没有任何日期行",
                "en": "the notice has no date rows",
            }
        )
    if problems:
        raise _notice_error(year, problems)
    return YearNotice(year, holidays, workdays, source)


def notice_rows(
    text_or_rows: str | Iterable[Sequence[str] | Mapping[str, str]],
) -> list[tuple[int, str, str]]:
    """(row number, date text, kind text) for every data row, comments and blanks skipped."""
    if isinstance(text_or_rows, str):
        lines = [
            (number, line)
            for number, line in enumerate(text_or_rows.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not lines:
            return []
        reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
        header = [name.strip().lower() for name in reader.fieldnames or []]
        if "date" not in header or "kind" not in header:
            zh, en = (
                "节假日安排的表头应为 date,kind",
                "the holiday notice must start with the header row date,kind",
            )
            raise ValidationError(
                zh,
                en,
                details=[
                    {
                        "row": lines[0][0],
                        "field": "header",
                        "value": ",".join(reader.fieldnames or []),
                        "zh": zh,
                        "en": en,
                    }
                ],
            )
        reader.fieldnames = header
        return [
            (lines[i][0], record.get("date") or "", record.get("kind") or "")
            for i, record in enumerate(reader, start=1)
        ]
    result: list[tuple[int, str, str]] = []
    for number, record in enumerate(text_or_rows, start=1):
        if isinstance(record, Mapping):
            result.append((number, str(record.get("date", "")), str(record.get("kind", ""))))
        else:
            values = [str(value) for value in record]
            values += [""] * (2 - len(values))
            result.append((number, values[0], values[1]))
    return result


@cache
def _library_workday(day: date) -> bool:
    # chinese_calendar validates every call against the min and max of all its holiday tables
    # (about 0.3 ms a day): an overdue list counting years of days took seconds. A day's answer
    # never changes, and the library's years are a bounded set of days.
    return bool(chinese_calendar.is_workday(day))
