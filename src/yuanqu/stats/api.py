"""The statistics JSON API (/api/v1/stats/...): the same service calls as the economy pages.

Analysts and administrators read the whole zone; a task-force member reads only its task forces
(the scope is narrowed or refused in :func:`yuanqu.stats.views.reader_scope`); an enterprise
user reads only its own firm's figures.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.core.errors import ValidationError
from yuanqu.core.periods import Period
from yuanqu.registry.service import visible_enterprise
from yuanqu.stats import service, views
from yuanqu.stats.frames import BULLETIN_BREAKDOWNS
from yuanqu.stats.schemas import Bulletin, FirmFigures, TreeNode, TrendPoint

router = APIRouter(prefix="/stats", tags=["statistics"])

#: Who reads the zone's statistics (a task force: scoped to its own).
READERS = (Role.admin, Role.analyst, Role.task_force)
#: Who reads one firm's statistics (an enterprise user: only its own firm).
FIRM_READERS = (*READERS, Role.enterprise)

PeriodQuery = Annotated[
    str | None, Query(max_length=7, description="YYYY-MM; default: the latest bulletin period")
]
ScopeQuery = Annotated[
    str | None,
    Query(
        max_length=100,
        description="all, a label (above_scale...), leading_industry, task_force:CODE, "
        "sub_area:NAME",
    ),
]
IndicatorQuery = Annotated[str, Query(max_length=40, description="gross_output, value_added...")]
LangQuery = Annotated[str, Query(pattern="^(zh|en)$")]
LimitQuery = Annotated[int, Query(ge=1, le=500)]


@router.get("/periods", response_model=list[str])
def get_periods(
    session: Session = Depends(get_db, scope="function"), principal: Principal = allow(READERS)
) -> Any:
    """The bulletin periods with data, newest first."""
    return views.available_periods(session)


@router.get("/economy", response_model=views.EconomyDashboard)
def get_economy(
    period: PeriodQuery = None,
    scope: ScopeQuery = None,
    rank: views.Ranked = "value",
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """The economy dashboard (经济运行) of a period and scope: the JSON twin of /stats/economy."""
    return views.economy_dashboard(
        session, principal=principal, period=period, scope=scope, ranking_by=rank, lang=lang
    )


@router.get("/bulletin", response_model=Bulletin)
def get_bulletin(
    period: PeriodQuery = None,
    scope: ScopeQuery = None,
    by: Annotated[list[str] | None, Query(max_length=10, description="breakdowns")] = None,
    indicator: Annotated[list[str] | None, Query(max_length=20)] = None,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """The monthly bulletin (统计月报): every indicator for the zone and each group."""
    return service.bulletin(
        session,
        period=views.checked_period(session, period),
        scope=views.reader_scope(principal, scope),
        by=by or BULLETIN_BREAKDOWNS,
        indicators=indicator or None,
        lang=lang,
    )


@router.get("/trend", response_model=list[TrendPoint])
def get_trend(
    indicator: IndicatorQuery = "gross_output",
    start: PeriodQuery = None,
    end: PeriodQuery = None,
    scope: ScopeQuery = None,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """An indicator's bulletin months with same-scope growth (default: the last two years)."""
    last = views.checked_period(session, end)
    first = _trend_start(session, start, last)
    return service.trend(
        session,
        indicator=indicator,
        start=first,
        end=last,
        scope=views.reader_scope(principal, scope),
        lang=lang,
    )


def _trend_start(session: Session, start: str | None, last: Period) -> Period:
    span = views.period_range(session)
    earliest = span[0] if span else last
    if not start:
        return max(last - (views.TREND_MONTHS - 1), earliest)
    first = Period.parse(start)
    if first > last:
        raise ValidationError(
            f"起始月份 {first} 晚于结束月份 {last}",
            f"start {first} is after end {last}",
            details={"start": str(first), "end": str(last)},
        )
    return max(first, earliest)


@router.get("/treemap", response_model=TreeNode)
def get_treemap(
    period: PeriodQuery = None,
    indicator: IndicatorQuery = "gross_output",
    scope: ScopeQuery = None,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Cumulative value by industry: section > division > class."""
    return service.treemap(
        session,
        period=views.checked_period(session, period),
        indicator=indicator,
        scope=views.reader_scope(principal, scope),
        lang=lang,
    )


@router.get("/ranking", response_model=list[FirmFigures])
def get_ranking(
    period: PeriodQuery = None,
    indicator: IndicatorQuery = "gross_output",
    order_by: views.Ranked = "value",
    scope: ScopeQuery = None,
    limit: LimitQuery = 20,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Top firms by cumulative value or by cumulative growth."""
    return service.ranking(
        session,
        period=views.checked_period(session, period),
        indicator=indicator,
        order_by=order_by,
        scope=views.reader_scope(principal, scope),
        limit=limit,
    )


@router.get("/drill-down", response_model=list[FirmFigures])
def get_drill_down(
    period: PeriodQuery = None,
    by: Annotated[str, Query(max_length=40, description="a breakdown, or total")] = "total",
    group: Annotated[str, Query(max_length=100, description="the group's code")] = "",
    indicator: IndicatorQuery = "gross_output",
    scope: ScopeQuery = None,
    limit: LimitQuery = 500,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """The firms behind one group of a breakdown, largest first, with their shares of it."""
    return service.drill_down(
        session,
        period=views.checked_period(session, period),
        by=by,
        group=group,
        indicator=indicator,
        scope=views.reader_scope(principal, scope),
        limit=limit,
    )


@router.get("/enterprises/{uscc}", response_model=views.FirmStatistics)
def get_firm_statistics(
    uscc: Annotated[str, Path(max_length=40, description="统一社会信用代码")],
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(FIRM_READERS),
) -> Any:
    """One firm's monthly figures with growth and its size class (its profile's tab)."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    return views.firm_statistics(session, uscc=firm.uscc, lang=lang)
