"""A target's progress, computed from the data: the actual, the completion, the pace needed, a
forecast at the deadline, and on track / at risk / off track.

The forecast (stated on every target as ``forecast_method``):
- a yearly amount (output, revenue...): the least-squares straight line through the last three
  complete years' totals (two will do; one is held flat), read at the deadline year; when the
  deadline year itself has started, its year-to-date total scaled to twelve months;
- a count of firms: the straight line through the counts at the last three year-ends and on the
  as-of day, read at the deadline;
- key projects, firms attracted (leads signed), investment attracted and space delivered: the
  pace so far since the plan began, kept to the deadline.
On track when the forecast reaches the target, at risk when it reaches 90% of it, off track
otherwise; after the deadline, achieved or missed, judged on the deadline (the deadline year's
total, the count on the deadline day, what was signed or delivered up to it), never on later data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from yuanqu.attraction.service import list_leads
from yuanqu.core.industry import industry_catalog
from yuanqu.core.periods import Period
from yuanqu.plans.definitions import INDICATOR_NAMES, Target
from yuanqu.plans.schemas import Milestone, SeriesPoint, TargetProgress
from yuanqu.projects.reports import SignedProject, seven_batches, signed_projects
from yuanqu.registry.firms import task_force_names
from yuanqu.space.service import handovers
from yuanqu.stats.frames import Scope, labels_at_sql, lit, snapshot

AT_RISK = 0.9
FLOW_UNITS = {"leads_signed": "firms", "investment_attracted": "fen", "space_delivered": "sqm"}
STATUS_NAMES = {
    "on_track": ("进度正常", "On track"),
    "at_risk": ("存在风险", "At risk"),
    "off_track": ("进度滞后", "Off track"),
    "achieved": ("已完成", "Achieved"),
    "missed": ("未完成", "Missed"),
    "no_data": ("暂无数据", "No data"),
}
METHODS = {
    "amount": (
        "近三个完整年度数值的最小二乘直线外推至目标年；目标年已开始时按累计值折算全年",
        "least-squares line through the last three full years, read at the deadline year; "
        "within the deadline year, the year to date scaled to twelve months",
    ),
    "firms": (
        "近三年末及当前企业数的直线外推至截止日",
        "straight line through the counts at the last three year-ends and today, read at the "
        "deadline",
    ),
    "projects": ("按计划开始以来的年均进度推算至截止日", "the pace since the plan began, kept"),
}


def scope_name(session: Session, scope: str, lang: str = "zh") -> str:
    """A target's scope in words: the task force's or industries' names, never their codes."""
    en = lang == "en"
    kind, _sep, value = scope.partition(":")
    if scope == "all":
        return "Whole zone" if en else "全区"
    if scope == "leading_industry":
        return "Leading industries" if en else "主导产业"
    if kind == "task_force":
        return task_force_names(session, lang=lang).get(value, value)
    if kind == "industry":
        catalog = industry_catalog()
        codes = value.split(",")
        names = [f.label(lang) if (f := catalog.find(c)) else c for c in codes]
        return ", ".join(names) if en else "、".join(names)
    return value or scope


def scope_sql(scope: str, as_of: date) -> str | None:
    """A SQL subquery of the firm ids in scope (None: every firm)."""
    kind, _sep, value = scope.partition(":")
    if kind == "industry":
        return "SELECT id FROM firms WHERE " + " OR ".join(
            f"industry_code LIKE {lit(code + '%')}" for code in value.split(",")
        )
    return Scope.parse(scope).firm_ids(as_of)


def _line(points: Sequence[tuple[float, float]], at: float) -> float:
    """The least-squares straight line through ``points`` read at ``at`` (flat for one point)."""
    if len(points) == 1:
        return points[0][1]
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my + slope * (at - mx)


def _years(day: date) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


def amount_series(session: Session, target: Target, latest: Period) -> list[tuple[int, int, int]]:
    """(year, months reported, total in fen) from five years before the deadline to the data's
    latest year, for the firms in scope."""
    first = min(target.deadline.year, latest.year) - 4
    years = list(range(first, latest.year + 1))
    data = snapshot(session, years)
    column = f"{target.indicator}_fen"
    where = [f"year BETWEEN {first} AND {latest.year}", f"{column} IS NOT NULL"]
    where.append(f"(year < {latest.year} OR month <= {latest.month})")
    subquery = scope_sql(target.scope, latest.last_day)
    if subquery:
        where.append(f"enterprise_id IN ({subquery})")
    table = data.query(
        f"SELECT year, CAST(max(month) AS INTEGER) AS months, CAST(sum({column}) AS BIGINT) "
        f"AS total FROM reports WHERE {' AND '.join(where)} GROUP BY year ORDER BY year"
    )
    return [(r["year"], r["months"], r["total"]) for r in table.to_pylist()]


def firm_count(session: Session, target: Target, day: date, latest: Period) -> int:
    # With the latest year's reports: analytics.engine cannot yet load a snapshot with no slice
    # of a sliced table (concat of no tables) when nothing was loaded before.
    data = snapshot(session, [latest.year])
    where = []
    subquery = scope_sql(target.scope, day)
    if target.label:
        sql = f"SELECT DISTINCT enterprise_id AS id FROM ({labels_at_sql(day)}) WHERE label = "
        sql += lit(target.label)
    else:
        sql = "SELECT id FROM firms"
    if subquery:
        where.append(f"id IN ({subquery})")
    query = f"SELECT count(*) FROM ({sql}) AS f" + (
        f" WHERE {' AND '.join(where)}" if where else ""
    )
    return int(data.query(query).column(0)[0].as_py())


def scope_firm_ids(session: Session, scope: str, day: date, latest: Period) -> set[int] | None:
    """The ids of the firms in ``scope`` on ``day`` (None: every firm)."""
    subquery = scope_sql(scope, day)
    if subquery is None:
        return None
    data = snapshot(session, [latest.year])
    return {int(v.as_py()) for v in data.query(subquery).column(0)}


def _project_in_scope(project: SignedProject, scope: str) -> bool:
    kind, _sep, value = scope.partition(":")
    if scope == "all":
        return True
    if kind == "task_force":
        return project.task_force == value
    if kind == "sub_area":
        return project.sub_area == value
    if kind == "industry":
        code = project.industry_code or ""
        return any(code.startswith(prefix) for prefix in value.split(","))
    return False  # leading_industry is refused when the plan is read


def flow_events(
    session: Session, target: Target, *, begin: date, today: date, latest: Period
) -> list[tuple[date, int]]:
    """(day, value) of each event a flow target sums: a lead signed (1), a project signed (its
    investment in fen), a unit handed over (its m²), within [begin, today] and the scope."""
    if target.indicator == "leads_signed":
        task_force = target.scope.partition(":")[2] or None
        return [
            (lead.signed_on, 1)
            for lead in list_leads(session, task_force=task_force, stage="signed")
            if lead.signed_on and begin <= lead.signed_on <= today
        ]
    if target.indicator == "investment_attracted":
        return [
            (p.signed_on, p.investment_fen)
            for p in signed_projects(session, start=begin, end=today)
            if _project_in_scope(p, target.scope)
        ]
    kind, _sep, value = target.scope.partition(":")
    rows = handovers(session, start=begin, end=today)
    if kind == "sub_area":
        return [(h.start_on, h.area_sqm) for h in rows if h.sub_area == value]
    firms = scope_firm_ids(session, target.scope, today, latest)
    return [(h.start_on, h.area_sqm) for h in rows if firms is None or h.enterprise_id in firms]


def _status(target: Target, actual: int | None, forecast: int | None, today: date) -> str:
    value = int(target.value) * (100 if target.is_money else 1)
    if actual is None:
        return "no_data"
    if target.deadline < today:
        return "achieved" if actual >= value else "missed"
    if actual >= value or (forecast is not None and forecast >= value):
        return "on_track"
    if forecast is not None and forecast >= AT_RISK * value:
        return "at_risk"
    return "off_track"


def target_progress(
    session: Session, target: Target, *, latest: Period, start_year: int, lang: str = "zh"
) -> TargetProgress:
    """The progress of one target measured on the last day of ``latest`` (the data's month)."""
    today = latest.last_day
    pick = 1 if lang == "en" else 0
    goal = int(target.value) * (100 if target.is_money else 1)
    series: list[SeriesPoint] = []
    actual: int | None = None
    actual_label: str | None = None
    forecast: float | None = None
    yearly: dict[int, int] = {}
    if target.is_amount:
        kind, unit = "amount", "fen"
        rows = amount_series(session, target, latest)
        for year, months, total in rows:
            label = str(year) if months == 12 else f"{year}年1–{months}月"
            if lang == "en" and months != 12:
                label = f"{year} Jan-{months}"
            series.append(SeriesPoint(label=label, value=total))
            if months == 12:
                yearly[year] = total
        if rows:
            year, months, total = rows[-1]
            actual, actual_label = total, series[-1].label
            full = [(y, t) for y, m, t in rows if m == 12][-3:]
            if year == target.deadline.year and months < 12:
                forecast = total * 12 / months
            elif full:
                forecast = _line([(float(y), float(t)) for y, t in full], target.deadline.year)
            if target.deadline.year < year and target.deadline.year in yearly:
                # past the deadline, the deadline year's total is judged, not a later year's
                actual = forecast = yearly[target.deadline.year]
                actual_label = str(target.deadline.year)
    elif target.indicator == "firms":
        kind, unit = "firms", "firms"
        days = [date(y, 12, 31) for y in range(today.year - 3, today.year) if y >= 2000]
        points = []
        for day in [*days, today]:
            count = firm_count(session, target, day, latest)
            points.append((_years(day), float(count)))
            series.append(SeriesPoint(label=day.isoformat(), value=count))
            if day.month == 12 and day.day == 31:
                yearly[day.year] = count
        actual, actual_label = int(points[-1][1]), today.isoformat()
        if not target.label:
            # the registry keeps no history of a firm's arrival: only today's count is known
            series = series[-1:]
            points = points[-1:]
        forecast = _line(points[-4:], _years(target.deadline))
        if target.deadline < today:  # judged on the deadline, not on a later day
            actual = forecast = firm_count(session, target, target.deadline, latest)
            actual_label = target.deadline.isoformat()
    elif target.indicator in FLOW_UNITS:
        kind, unit = "projects", FLOW_UNITS[target.indicator]
        begin = date(start_year, 1, 1)
        end = min(today, target.deadline)  # what came after the deadline does not count
        events = flow_events(session, target, begin=begin, today=end, latest=latest)
        actual = sum(value for _day, value in events)
        actual_label = f"{begin.isoformat()}..{end.isoformat()}"
        for year in range(start_year, end.year + 1):
            yearly[year] = sum(value for day, value in events if day.year == year)
            series.append(SeriesPoint(label=str(year), value=yearly[year]))
        elapsed = max((end - begin).days, 1)
        forecast = actual * max((target.deadline - begin).days, 1) / elapsed
    else:
        kind, unit = "projects", "projects"
        begin = date(start_year, 1, 1)
        end = min(today, target.deadline)
        report = seven_batches(session, start=begin, end=end, lang=lang)
        row = next((b for b in report.batches if b.stage == target.stage), None)
        actual = row.projects if row else 0
        actual_label = f"{begin.isoformat()}..{end.isoformat()}"
        elapsed = max((end - begin).days, 1)
        forecast = actual * max((target.deadline - begin).days, 1) / elapsed
    status = _status(target, actual, None if forecast is None else round(forecast), today)
    left = (target.deadline - today).days / 365.25
    needed_per_year = needed_growth = None
    if actual is not None and left > 0 and actual < goal:
        base = actual
        if target.is_amount and series and yearly:
            base = yearly[max(yearly)]  # growth is yearly: from the last full year
        needed_per_year = round((goal - base) / max(left, 1e-9))
        if base > 0:
            needed_growth = (goal / base) ** (1 / max(left, 1e-9)) - 1
    milestones = [
        Milestone(
            year=year,
            value=int(value) * (100 if target.is_money else 1),
            actual=yearly.get(year),
            met=None
            if year not in yearly
            else yearly[year] >= int(value) * (100 if target.is_money else 1),
        )
        for year, value in sorted(target.milestones.items())
    ]
    return TargetProgress(
        key=target.key,
        name=target.name(lang),
        indicator=target.indicator,
        indicator_name=INDICATOR_NAMES[target.indicator][pick],
        scope=target.scope,
        scope_name=scope_name(session, target.scope, lang),
        unit=unit,
        target=goal,
        deadline=target.deadline,
        actual=actual,
        actual_label=actual_label,
        completion=None if actual is None else actual / goal,
        forecast=None if forecast is None else max(0, round(forecast)),
        forecast_method=METHODS[kind][pick],
        needed_per_year=needed_per_year,
        needed_growth=needed_growth,
        status=status,
        status_name=STATUS_NAMES[status][pick],
        milestones=milestones,
        series=series,
    )
