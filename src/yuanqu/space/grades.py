"""The previous year's 亩均效益评价 grades, as land and space matching reads them.

The mu domain grades firms and already reads the space domain's land, so space cannot import it:
the grades come through a reader handed over at start-up (:func:`yuanqu.wiring.wire`). With no
reader wired, no firm has a grade and matching ranks as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

#: (session, latest year allowed) -> (the year graded, firm id -> grade A/B/C/D).
GradeReader = Callable[..., tuple[int | None, dict[int, str]]]
_readers: list[GradeReader] = []

#: Where a grade puts a candidate when the zone ranks class A and B firms first.
PRIORITY = {"A": 0, "B": 1}


def read_grades_with(reader: GradeReader) -> None:
    """Start-up wiring: where the published grades come from (set again: replaced)."""
    _readers[:] = [reader]


def previous_grades(session: Session, *, today: date) -> tuple[int | None, dict[int, str]]:
    """The latest published grading of a year before ``today``'s: (year, firm id -> grade)."""
    if not _readers:
        return None, {}
    return _readers[0](session, up_to_year=today.year - 1)


def priority(grade: str | None, *, grade_first: bool) -> int:
    """0 for class A, 1 for class B, 2 for the others when the zone ranks by grade; else 0."""
    return PRIORITY.get(grade or "", 2) if grade_first else 0
