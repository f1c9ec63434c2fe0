"""The economy dashboard (经济运行): one service call gathers what the page and its JSON twin show
for a period and a scope (headline figures, trends, the leading industries, the industry treemap,
the ranking), and the checks every statistics page and route shares: which periods have data, and
which scopes a reader may ask for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Forbidden, NotFound, ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.periods import Period, bulletin_months, is_bulletin_period
from yuanqu.core.size_class import SIZE_CLASS_NAMES
from yuanqu.registry.firms import LABEL_NAMES
from yuanqu.registry.service import get_enterprise, list_task_forces
from yuanqu.stats import firms, service
from yuanqu.stats.frames import OTHER, Scope, snapshot
from yuanqu.stats.models import MonthlyReport
from yuanqu.stats.schemas import (
    BulletinRow,
    FirmFigures,
    MonthlyFigures,
    PriceBasis,
    SizeClass,
    TreeNode,
    TrendPoint,
)

#: The indicators of the dashboard's headline cards, in order.
HEADLINE = ("gross_output", "value_added", "revenue", "fixed_asset_investment")
#: The indicators drawn as trends and broken down by leading industry.
TRENDS = ("gross_output", "value_added")
#: How many bulletin months the trend lines cover (two years).
TREND_MONTHS = 24
#: Label scopes offered by the picker (every label is accepted by the routes).
LABEL_SCOPES = ("above_scale", "high_tech", "strategic_emerging", "specialized", "little_giant")
Ranked = Literal["value", "growth"]


class ScopeOption(BaseModel):
    value: str
    name: str


class EconomyDashboard(BaseModel):
    """What the economy dashboard shows for one period and scope (its JSON twin)."""

    period: str
    scope: str
    scope_name: str
    label: str  # the month of the bulletin: 2023年12月 (1-2月 for February)
    cumulative_label: str  # 2023年1-12月
    price_basis: PriceBasis
    firms_reporting: int
    periods: list[str]  # every bulletin period with data, newest first
    scopes: list[ScopeOption]  # the scopes this reader may pick
    headline: list[BulletinRow]  # the zone rows of HEADLINE
    trend: dict[str, list[TrendPoint]]  # per TRENDS indicator, oldest first
    leading_industries: list[BulletinRow]  # TRENDS by leading industry
    treemap: TreeNode  # cumulative gross output: section > division > class
    ranking_by: Ranked
    ranking: list[FirmFigures]


class FirmStatistics(BaseModel):
    """The statistics tab of an enterprise profile: its size class and monthly figures."""

    uscc: str
    name: str
    size_class: SizeClass
    size_class_name: str | None
    months: list[MonthlyFigures]  # oldest first


# --- periods -------------------------------------------------------------------------------------


def period_range(session: Session) -> tuple[Period, Period] | None:
    """The first and last month any firm reported (two index lookups), or None."""
    first = session.scalar(select(func.min(MonthlyReport.period)))
    last = session.scalar(select(func.max(MonthlyReport.period)))
    if first is None or last is None:
        return None
    return Period.parse(first), Period.parse(last)


def available_periods(session: Session) -> list[str]:
    """Every bulletin period between the first and last month reported, newest first."""
    span = period_range(session)
    if span is None:
        return []
    return [str(p) for p in reversed(list(Period.range(*span))) if is_bulletin_period(p)]


def checked_period(session: Session, period: str | None) -> Period:
    """The period asked for, checked against the data (default: the latest bulletin period)."""
    periods = available_periods(session)
    if not periods:
        raise NotFound(
            "还没有统计数据：请先导入月度报表（yuanqu stats import）",
            "no statistics yet: import monthly reports first (yuanqu stats import)",
            code="no_statistics",
        )
    if not period:
        return Period.parse(periods[0])
    p = Period.parse(period)
    bulletin_months(p)  # a January says there is no January bulletin
    if str(p) not in periods:
        raise ValidationError(
            f"{p} 没有统计数据（可选 {periods[-1]} 至 {periods[0]}）",
            f"no statistics for {p} (available: {periods[-1]} to {periods[0]})",
            details={"period": str(p), "first": periods[-1], "last": periods[0]},
        )
    return p


# --- scopes --------------------------------------------------------------------------------------


def reader_scope(principal: Principal, scope: str | None) -> str:
    """The scope a reader gets: as asked, except a task-force member, who reads only the firms of
    its task forces (the first one when none or the whole zone is asked for)."""
    parsed = Scope.parse(scope)
    if principal.role != Role.task_force:
        return str(parsed)
    allowed = [f"task_force:{code}" for code in principal.task_forces]
    if not allowed:
        raise Forbidden("该账号未分配产业专班", "this account follows no task force")
    if parsed.kind == "all":
        return allowed[0]
    if str(parsed) not in allowed:
        raise Forbidden(
            f"无权查看范围 '{parsed}'：只能查看本专班（{'、'.join(allowed)}）",
            f"access denied: scope '{parsed}'; a task force reads only {', '.join(allowed)}",
            details={"scope": str(parsed), "allowed": allowed},
        )
    return str(parsed)


def scope_options(session: Session, principal: Principal, lang: str = "zh") -> list[ScopeOption]:
    """The scopes the picker offers this reader, named in its language."""
    forces = list_task_forces(session)
    if principal.role == Role.task_force:
        forces = [f for f in forces if f.code in principal.task_forces]
        return [ScopeOption(value=f"task_force:{f.code}", name=f.name(lang)) for f in forces]
    en = lang == "en"
    options = [ScopeOption(value="all", name="all firms" if en else "全部企业")]
    options += [
        ScopeOption(value=label, name=LABEL_NAMES[label][1 if en else 0]) for label in LABEL_SCOPES
    ]
    options.append(
        ScopeOption(value="leading_industry", name="leading industries" if en else "主导产业")
    )
    prefix = ("task force: ", "sub-area: ") if en else ("专班：", "片区：")
    options += [
        ScopeOption(value=f"task_force:{f.code}", name=prefix[0] + f.name(lang)) for f in forces
    ]
    options += [
        ScopeOption(value=f"sub_area:{area}", name=prefix[1] + area) for area in sub_areas(session)
    ]
    return options


def sub_areas(session: Session) -> list[str]:
    """The zone's sub-areas, from the firms already in the columnar snapshot (no years needed)."""
    data = snapshot(session)
    found = data.query("SELECT DISTINCT sub_area FROM firms WHERE sub_area <> '' ORDER BY 1")
    return [str(area) for area in found.column("sub_area").to_pylist()]


def scope_name(session: Session, scope: str, lang: str = "zh") -> str:
    """A scope in words."""
    parsed = Scope.parse(scope)
    en = lang == "en"
    if parsed.kind == "all":
        return "all firms" if en else "全部企业"
    if parsed.kind == "leading_industry":
        return "leading industries" if en else "主导产业"
    if parsed.kind == "task_force":
        return group_name(session, by="task_force", group=parsed.value or "", lang=lang)
    if parsed.kind == "sub_area":
        return parsed.value or ""
    return LABEL_NAMES[parsed.kind][1 if en else 0]


def group_name(session: Session, *, by: str, group: str, lang: str = "zh") -> str:
    """The display name of one group of a breakdown (an industry, a task force, a label...)."""
    en = lang == "en"
    if by == "total":
        return "zone total" if en else "全园区"
    if group == OTHER:
        return "other" if en else "其他"
    if by in ("section", "division", "industry_class"):
        item = industry_catalog().find(group)
        return item.label(lang) if item else group
    if by in ("task_force", "leading_industry"):
        force = next((f for f in list_task_forces(session) if f.code == group), None)
        return force.name(lang) if force else group
    if by == "label" and group in LABEL_NAMES:
        return LABEL_NAMES[group][1 if en else 0]
    return group


def industry_level(code: str) -> str:
    """The breakdown an industry code belongs to: a letter is a section, 2 digits a division."""
    if len(code) == 1:
        return "section"
    return "division" if len(code) == 2 else "industry_class"


# --- the dashboard -------------------------------------------------------------------------------


def economy_dashboard(
    session: Session,
    *,
    principal: Principal,
    period: str | None = None,
    scope: str | None = None,
    ranking_by: Ranked = "value",
    ranking_limit: int = 20,
    lang: str = "zh",
) -> EconomyDashboard:
    """Everything the economy dashboard shows for one period and one scope the reader may see."""
    p = checked_period(session, period)
    chosen = reader_scope(principal, scope)
    periods = available_periods(session)
    start = max(p - (TREND_MONTHS - 1), Period.parse(periods[-1]))
    # Every year the bulletin and the trends read, loaded in one pass: each load of the engine
    # is a read of the database (a child process for SQLite), the bulk of a cold request.
    snapshot(session, years=range(start.year - 1, p.year + 1))
    bulletin = service.bulletin(
        session,
        period=p,
        scope=chosen,
        by=["leading_industry"],
        indicators=list(HEADLINE),
        lang=lang,
    )
    return EconomyDashboard(
        period=str(p),
        scope=chosen,
        scope_name=scope_name(session, chosen, lang),
        label=bulletin.label,
        cumulative_label=bulletin.cumulative_label,
        price_basis=bulletin.price_basis,
        firms_reporting=bulletin.firms_reporting,
        periods=periods,
        scopes=scope_options(session, principal, lang),
        headline=[r for r in bulletin.rows if r.by == "total"],
        trend={
            key: service.trend(session, indicator=key, start=start, end=p, scope=chosen, lang=lang)
            for key in TRENDS
        },
        leading_industries=[
            r for r in bulletin.rows if r.by == "leading_industry" and r.indicator in TRENDS
        ],
        treemap=service.treemap(session, period=p, scope=chosen, lang=lang),
        ranking_by=ranking_by,
        ranking=service.ranking(
            session, period=p, scope=chosen, order_by=ranking_by, limit=ranking_limit
        ),
    )


def firm_statistics(session: Session, *, uscc: str, lang: str = "zh") -> FirmStatistics:
    """A firm's statistics tab: its monthly reports with growth and its statistical size class."""
    firm = get_enterprise(session, uscc=uscc)
    size = firms.size_class_of(session, enterprise_id=firm.id)
    names = SIZE_CLASS_NAMES.get(size.size_class or "")
    return FirmStatistics(
        uscc=firm.uscc,
        name=firm.name,
        size_class=size,
        size_class_name=names[1 if lang == "en" else 0] if names else None,
        months=firms.firm_statistics(session, uscc=firm.uscc),
    )
