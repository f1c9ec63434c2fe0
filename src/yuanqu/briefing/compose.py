"""Composing the monthly briefing from the domains' own services: the bulletin, the watch list,
the plans' progress, the seven batches and the grants paid. Nothing here is typed by a person."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from yuanqu.briefing.schemas import (
    Batch,
    Briefing,
    Contributor,
    GrantRow,
    GroupRow,
    Headline,
    TargetLine,
    WatchChange,
)
from yuanqu.core.periods import Period
from yuanqu.grants.reports import payouts
from yuanqu.plans import service as plans
from yuanqu.projects.reports import seven_batches
from yuanqu.stats import views as stats_views
from yuanqu.stats.frames import snapshot
from yuanqu.stats.service import bulletin
from yuanqu.watch import service as watch

HEADLINES = ("gross_output", "value_added", "revenue", "fixed_asset_investment", "tax")
YI = 10_000_000_000
TOP = 5


def _contributors(session: Session, p: Period) -> tuple[list[Contributor], list[Contributor], int]:
    """The firms that added most to, and took most from, gross output this year to date."""
    data = snapshot(session, [p.year - 1, p.year])
    rows = data.query(
        "SELECT f.uscc, f.name, "
        f"CAST(sum(r.gross_output_fen) FILTER (WHERE r.year = {p.year}) AS BIGINT) AS cur, "
        f"CAST(sum(r.gross_output_fen) FILTER (WHERE r.year = {p.year - 1}) AS BIGINT) AS prev "
        f"FROM reports r JOIN firms f ON f.id = r.enterprise_id "
        f"WHERE r.year IN ({p.year - 1}, {p.year}) AND r.month <= {p.month} "
        "GROUP BY f.uscc, f.name"
    ).to_pylist()
    base = sum(r["prev"] or 0 for r in rows)
    both = [r for r in rows if r["cur"] is not None and r["prev"] is not None]

    def item(r: dict) -> Contributor:
        change = r["cur"] - r["prev"]
        return Contributor(
            uscc=r["uscc"],
            name=r["name"],
            cumulative=r["cur"],
            change=change,
            points=change / base * 100 if base else None,
        )

    ranked = sorted(both, key=lambda r: (r["cur"] - r["prev"], r["uscc"]))
    growth = [item(r) for r in reversed(ranked[-TOP:]) if r["cur"] > r["prev"]]
    decline = [item(r) for r in ranked[:TOP] if r["cur"] < r["prev"]]
    return growth, decline, base


def _monthly(session: Session, p: Period) -> dict[str, list[float | None]]:
    data = snapshot(session, [p.year - 1, p.year])
    rows = data.query(
        "SELECT year, month, CAST(sum(gross_output_fen) AS BIGINT) AS total FROM reports "
        f"WHERE year IN ({p.year - 1}, {p.year}) GROUP BY year, month"
    ).to_pylist()
    values = {(r["year"], r["month"]): r["total"] for r in rows}
    return {
        str(year): [
            None
            if (year, m) not in values or (year == p.year and m > p.month)
            else round(values[(year, m)] / YI, 2)
            for m in range(1, 13)
        ]
        for year in (p.year - 1, p.year)
    }


def _watch_changes(session: Session, p: Period, lang: str) -> tuple[int, int, list, list]:
    now = watch.watch_list(session, as_of=str(p), lang=lang)
    before = watch.watch_list(session, as_of=str(p - 1), lang=lang)
    old = {e.uscc for e in before.items}
    new = {e.uscc for e in now.items}

    def change(e) -> WatchChange:
        return WatchChange(
            uscc=e.uscc, name=e.name, signals=[s.name for s in e.signal_details], score=e.score
        )

    added = [change(e) for e in now.items if e.uscc not in old]
    cleared = [change(e) for e in before.items if e.uscc not in new]
    return now.total, before.total, added, cleared


def _year_targets(session: Session, p: Period, lang: str) -> tuple[dict, list[TargetLine]]:
    """The plans' targets: the zone-wide yearly amounts due this year (for the headlines) and a
    line per target for the targets section."""
    due: dict[str, tuple[int, str]] = {}
    lines = []
    for plan in plans.plans_progress(session, lang=lang):
        for t in plan.targets:
            lines.append(
                TargetLine(
                    plan=plan.title,
                    target=t.name,
                    status_name=t.status_name,
                    completion=t.completion,
                )
            )
            if t.scope == "all" and t.unit == "fen" and t.deadline.year == p.year:
                due[t.indicator] = (t.target, plan.title)
    return due, lines


def compose(session: Session, *, period: str | None = None, lang: str = "zh") -> Briefing:
    """The briefing of a bulletin period (default: the latest)."""
    p = stats_views.checked_period(session, period)
    report = bulletin(session, period=p, by=("leading_industry", "task_force"), lang=lang)
    due, target_lines = _year_targets(session, p, lang)
    headlines = []
    for row in report.rows:
        if row.by != "total" or row.indicator not in HEADLINES:
            continue
        target = due.get(row.indicator)
        headlines.append(
            Headline(
                indicator=row.indicator,
                name=row.indicator_name,
                unit=row.unit,
                month=row.month,
                cumulative=row.cumulative,
                cumulative_yoy_pct=row.cumulative_yoy_pct,
                target=target[0] if target else None,
                completion=(row.cumulative or 0) / target[0] if target else None,
                target_source=target[1] if target else None,
            )
        )

    def groups(by: str) -> list[GroupRow]:
        return [
            GroupRow(
                group=r.group,
                name=r.group_name,
                cumulative=r.cumulative,
                cumulative_yoy_pct=r.cumulative_yoy_pct,
                share_pct=r.share_of_zone_pct,
            )
            for r in report.rows
            if r.by == by and r.indicator == "gross_output" and r.group != "other"
        ]

    growth, decline, _base = _contributors(session, p)
    zone = next((h for h in headlines if h.indicator == "gross_output"), None)
    total, previous, added, cleared = _watch_changes(session, p, lang)
    batches = seven_batches(session, start=date(p.year, 1, 1), end=p.last_day, lang=lang)
    paid = payouts(session, year=p.year, by="policy", lang=lang)
    title = (
        f"{report.cumulative_label}经济运行分析"
        if lang != "en"
        else f"Economic briefing, {report.cumulative_label}"
    )
    return Briefing(
        period=str(p),
        title=title,
        cumulative_label=report.cumulative_label,
        firms_reporting=report.firms_reporting,
        headlines=headlines,
        leading_industries=groups("leading_industry"),
        task_forces=groups("task_force"),
        growth=growth,
        decline=decline,
        zone_change_pct=zone.cumulative_yoy_pct if zone else None,
        watch_total=total,
        watch_previous=previous,
        watch_new=added[:10],
        watch_cleared=cleared[:10],
        batches=[
            Batch(
                stage=b.stage,
                name=b.name,
                projects=b.ytd_projects,
                investment_fen=b.ytd_investment_fen,
            )
            for b in batches.batches
        ],
        grants_year=p.year,
        grants_total_fen=paid["total_fen"],
        grants=[
            GrantRow(name=r["name"] or r["group"], firms=r["firms"], amount_fen=r["amount_fen"])
            for r in paid["rows"]
        ],
        targets=target_lines,
        monthly=_monthly(session, p),
    )
