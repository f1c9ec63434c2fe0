"""The overdue list's working-day counts: the cached official calendar against the library.

An overdue item counts the working days from its deadline to today, one day at a time. The
``chinese_calendar`` library checks every call against all its holiday tables; ``WorkCalendar``
caches a day's answer. Prints the median of 5 runs of counting 10 items' overdue days (deadlines
spread over 2023) and the ratio to calling the library directly, in the same run.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

import chinese_calendar

from yuanqu.core.workdays import WorkCalendar

AS_OF = date(2025, 12, 31)  # the library knows its years to 2026
DEADLINES = [date(2023, 1, 3) + timedelta(days=7 * i) for i in range(10)]


def library() -> int:
    total = 0
    for due in DEADLINES:
        days = (AS_OF - due).days
        total += sum(
            chinese_calendar.is_workday(due + timedelta(days=i)) for i in range(1, days + 1)
        )
    return total


def cached() -> int:
    calendar = WorkCalendar()
    return sum(calendar.workdays_between(due, AS_OF) for due in DEADLINES)


def median_seconds(run, repeat: int = 5) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


if __name__ == "__main__":
    base, expected = median_seconds(library)
    fast, got = median_seconds(cached)
    assert got == expected, (got, expected)
    print(f"overdue working days of 10 items: {fast * 1000:.1f} ms (median of 5)")
    print(f"library called day by day:        {base * 1000:.1f} ms; ratio {base / fast:.0f}x")
