"""Statistical periods (calendar months) and China's monthly reporting conventions.

Every statistic in yuanqu belongs to a calendar month, written ``2023-12``. Two conventions of the
National Bureau of Statistics shape how months are read and published:

- **January and February are published together** (since 2013): the Spring Festival moves between
  the two months, so neither is comparable year on year alone. There is no January bulletin; the
  February bulletin covers 1–2月.
- **Cumulative figures** (累计) cover January to the reporting month (1–N月), and year-on-year
  growth (同比) compares a period with the same period of the previous year.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, overload

from yuanqu.core.errors import ValidationError

__all__ = [
    "JAN_FEB_COMBINED_SINCE",
    "Period",
    "bulletin_label",
    "bulletin_months",
    "cumulative_months",
    "is_bulletin_period",
    "parse_date",
]

Lang = Literal["zh", "en"]

#: First year in which January and February are published as one bulletin (1–2月).
JAN_FEB_COMBINED_SINCE = 2013

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_PERIOD_PATTERNS = (
    re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})"),
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})"),
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月"),
)
_DATE_PATTERNS = (
    re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"),
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"),
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month, the unit of every statistic: ``Period(2023, 12)`` is ``2023-12``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if type(self.year) is not int or type(self.month) is not int:
            raise TypeError("Period year and month must be ints")
        # Years stay within what datetime.date can represent, so first_day/last_day never fail.
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValidationError(
                f"无效的统计期：{self.year}年{self.month}月",
                f"invalid period: year {self.year}, month {self.month}",
                details={"year": self.year, "month": self.month},
            )

    @classmethod
    def parse(cls, value: str | date | Period) -> Period:
        """Read ``"2023-12"``, ``"2023-1"``, ``"202312"``, ``"2023/12"``, ``"2023年12月"``,
        a date or a datetime (its month)."""
        if isinstance(value, Period):
            return value
        if isinstance(value, date):  # datetime is a date too
            return cls(value.year, value.month)
        if isinstance(value, str):
            text = value.strip()
            for pattern in _PERIOD_PATTERNS:
                match = pattern.fullmatch(text)
                if match and 1 <= int(match["month"]) <= 12:
                    return cls(int(match["year"]), int(match["month"]))
        raise ValidationError(
            f"无法识别的统计期：{value!r}，应为“2023-12”这样的年-月",
            f"not a period: {value!r}; expected a year and month such as '2023-12'",
            details={"value": str(value)},
        )

    @classmethod
    def from_index(cls, index: int) -> Period:
        """The period ``index`` months after January of year 0 (the inverse of :attr:`index`)."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @property
    def index(self) -> int:
        """Months since January of year 0: a plain number that orders and subtracts periods."""
        return self.year * 12 + self.month - 1

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __add__(self, months: int) -> Period:
        if type(months) is not int:
            return NotImplemented
        return Period.from_index(self.index + months)

    __radd__ = __add__

    @overload
    def __sub__(self, other: Period) -> int: ...

    @overload
    def __sub__(self, other: int) -> Period: ...

    def __sub__(self, other: int | Period) -> Period | int:
        if isinstance(other, Period):
            return self.index - other.index
        if type(other) is not int:
            return NotImplemented
        return Period.from_index(self.index - other)

    def months_since(self, other: Period) -> int:
        """Months from ``other`` to this period (typed twin of ``self - other``)."""
        return self.index - other.index

    @property
    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The last day of the month."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def same_period_last_year(self) -> Period:
        """The period year-on-year growth (同比) compares against."""
        return Period(self.year - 1, self.month)

    def year_start(self) -> Period:
        """January of the same year: where cumulative (累计) figures start."""
        return Period(self.year, 1)

    def months_in_year_to_date(self) -> list[Period]:
        """January to this month inclusive, the months a cumulative figure sums."""
        return list(Period.range(self.year_start(), self))

    @staticmethod
    def range(first: Period, last: Period) -> Iterator[Period]:
        """Every period from ``first`` to ``last`` inclusive; empty when ``last`` is earlier."""
        for index in range(first.index, last.index + 1):
            yield Period.from_index(index)


def bulletin_months(period: Period) -> list[Period]:
    """The months the monthly bulletin of ``period`` covers (当月数据).

    Since 2013 the February bulletin covers January and February together and there is no
    January bulletin, so asking for one is an error rather than a silent one-month answer.
    """
    if period.year < JAN_FEB_COMBINED_SINCE:
        return [period]
    if period.month == 1:
        raise ValidationError(
            "没有单独的1月月报：1月与2月合并发布（1-2月）",
            "there is no January bulletin: January and February are published together",
            details={"period": str(period)},
        )
    if period.month == 2:
        return [Period(period.year, 1), period]
    return [period]


def cumulative_months(period: Period) -> list[Period]:
    """The months a cumulative (累计, 1–N月) figure for ``period`` covers: January to N."""
    return period.months_in_year_to_date()


def is_bulletin_period(period: Period) -> bool:
    """Whether a monthly bulletin is published for ``period`` (all but a combined January)."""
    return period.month != 1 or period.year < JAN_FEB_COMBINED_SINCE


def bulletin_label(period: Period, lang: Lang = "zh", *, cumulative: bool = False) -> str:
    """The heading of a bulletin: ``"2023年1-2月"`` / ``"Jan-Feb 2023"``, ``"2023年3月"`` /
    ``"Mar 2023"``; with ``cumulative=True`` the year to date: ``"2023年1-12月"`` /
    ``"Jan-Dec 2023"``."""
    months = cumulative_months(period) if cumulative else bulletin_months(period)
    first, last = months[0], months[-1]
    if lang == "en":
        if first == last:
            return f"{_MONTH_ABBR[last.month - 1]} {last.year}"
        return f"{_MONTH_ABBR[first.month - 1]}-{_MONTH_ABBR[last.month - 1]} {last.year}"
    if first == last:
        return f"{last.year}年{last.month}月"
    return f"{last.year}年{first.month}-{last.month}月"


def parse_date(value: str | date) -> date:
    """Read a date written ``"2023-12-31"``, ``"2023/12/31"``, ``"20231231"`` or
    ``"2023年12月31日"`` (months and days may drop the leading zero where separated)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                raise ValidationError(
                    f"日期不存在：{value!r}",
                    f"no such date: {value!r}",
                    details={"value": str(value)},
                ) from None
    raise ValidationError(
        f"无法识别的日期：{value!r}，应为“2023-12-31”这样的年-月-日",
        f"not a date: {value!r}; expected a year, month and day such as '2023-12-31'",
        details={"value": str(value)},
    )
