"""Building the demo zone into the system of record through the domains' own write paths."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.av.demo import build_test_zone
from yuanqu.chains.definitions import shipped_chains
from yuanqu.chains.service import compute_placements
from yuanqu.demo import statistics as demo_stats
from yuanqu.demo.agreements import build_agreements
from yuanqu.demo.facts import FactsSummary, generate_facts
from yuanqu.demo.mu import build_mu
from yuanqu.demo.projects import (
    PortfolioSummary,
    build_fangchenggang_portfolio,
    build_yizhuang_portfolio,
)
from yuanqu.demo.space import build_space
from yuanqu.demo.zone import AS_OF, build_zone
from yuanqu.insurance.demo import build_zone_book
from yuanqu.registry import service as registry
from yuanqu.registry.importer import write_records
from yuanqu.registry.models import Enterprise
from yuanqu.registry.schemas import EnterpriseFilter
from yuanqu.stats import service as stats
from yuanqu.stats.importer import ImportKind, import_stats, write_reports

Progress = Callable[[str, int, int], None]


@dataclass
class DemoSummary:
    seed: int
    seconds: float
    firms: int
    as_of: date
    labels: dict[str, int] = field(default_factory=dict)
    task_forces: dict[str, int] = field(default_factory=dict)
    biotech_and_health: int = 0
    commercial_aerospace: int = 0
    robotics: int = 0
    reporting_firms: int = 0
    monthly_reports: int = 0
    portfolio: PortfolioSummary | None = None
    # chain -> (firms placed on its segments, firms of its industries left for review)
    chains: dict[str, tuple[int, int]] = field(default_factory=dict)
    placement_seconds: float = 0.0
    facts: FactsSummary | None = None
    service: Any = None  # yuanqu.service.demo.ServiceDemoSummary: the desk's year


def registry_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count(Enterprise.id)))


def build_demo(
    session: Session, *, seed: int = 2023, firms: int = 90_000, progress: Progress | None = None
) -> DemoSummary:
    """Generate the Yizhuang demo zone and write it; the session's owner commits."""
    started = time.perf_counter()
    zone = build_zone(seed=seed, firms=firms, progress=progress)
    for force in zone.task_forces:
        registry.upsert_task_force(
            session, code=force.code, name_zh=force.name_zh, name_en=force.name_en
        )
    session.flush()  # task forces must exist before firms reference them
    rng = np.random.default_rng(seed + 1)
    plan = demo_stats.plan_reporters(rng, zone.records)
    demo_stats.end_labels_of_leavers(zone.records, plan)
    write_records(session, zone.records, progress=progress)
    reports = build_statistics(
        session, rng=rng, zone_records=zone.records, plan=plan, progress=progress
    )
    # A few firms in trouble, so the watch list (监测预警) of 2023-12 has every kind of signal.
    from yuanqu.demo.watch import add_firms_in_trouble

    add_firms_in_trouble(session, seed=seed)
    # The zone's plans and targets (行动计划) as shipped, with their sources.
    from yuanqu.plans.service import load_shipped

    load_shipped(session)
    # A fund and a sub-fund (一只基金) with investments in a few of the zone's firms.
    from yuanqu.funds.service import demo_funds

    demo_funds(session, firms=sorted(r.uscc for r in zone.records)[:4])
    portfolio = build_yizhuang_portfolio(session, seed=seed)
    # A small tech-insurance book of the zone's own (about a second); the city-scale book is
    # `yuanqu insurance demo --city shanghai`, in its own database.

    build_zone_book(session, seed=seed)
    # Land, space and agreements (a second or so): parcels under the manufacturers and the
    # signed projects, the standard-factory programme, and the projects' agreements.
    build_space(session, seed=seed)
    build_agreements(session, seed=seed)
    # The 2023 亩均效益评价 of the manufacturers holding land, noticed and published.
    build_mu(session, seed=seed)
    # The autonomous-driving test zone (28 test subjects, over 20 million km by 2023).
    build_test_zone(session, seed=seed)
    # The policy facts last: their calibration evaluates the policies over everything above.
    facts = generate_facts(session, seed=seed, award_year=2023)
    # The service desk's year (亦企服务港): requests, advisers, visits, written in bulk.
    from yuanqu.service.demo import build_service_demo

    service_desk = build_service_demo(session, seed=seed, firms=firms)
    summary = summarize(session, seed=seed, started=started)
    summary.service = service_desk
    summary.facts = facts
    summary.portfolio = portfolio
    summary.reporting_firms = len(plan.reporters)
    summary.monthly_reports = len(reports)
    return summary


def build_statistics(
    session: Session,
    *,
    rng: np.random.Generator,
    zone_records: list,
    plan: demo_stats.StatsPlan,
    progress: Progress | None = None,
) -> list[dict]:
    """Write the demo's monthly reports and Beijing's reference total through the stats
    domain's own write paths."""
    from importlib.resources import files

    ids = dict(session.execute(select(Enterprise.uscc, Enterprise.id)).all())
    reports = demo_stats.generate_reports(rng, zone_records, plan, ids, as_of=AS_OF)
    if progress:
        progress("statistics", 0, len(reports))
    write_reports(
        session,
        reports,
        progress=(lambda _stage, done, total: progress("statistics", done, total))
        if progress
        else None,
    )
    reference = files("yuanqu.data").joinpath("reference/beijing.csv").read_bytes()
    import_stats(session, source=reference, filename="beijing.csv", kind=ImportKind.reference)
    return reports


def calibration(session: Session) -> dict[str, float | None]:
    """The 2023 figures the demo is calibrated to, read back through the bulletin (亿元, %)."""

    def total(scope: str, indicator: str, field: str = "cumulative") -> float | None:
        bulletin = stats.bulletin(session, period="2023-12", scope=scope, by=[])
        row = next(r for r in bulletin.rows if r.indicator == indicator)
        value = getattr(row, field)
        return None if value is None else value

    def yi(value: float | None) -> float | None:
        return None if value is None else value / 100 / 1e8

    bulletin = stats.bulletin(session, period="2023-12", by=["label", "section"])
    rows = {(r.indicator, r.by, r.group): r for r in bulletin.rows}
    output = rows[("gross_output", "total", "total")]
    sei = rows.get(("gross_output", "label", "strategic_emerging"))
    fai = rows[("fixed_asset_investment", "total", "total")]
    fai_industrial = sum(
        (rows[k].cumulative or 0)
        for k in rows
        if k[0] == "fixed_asset_investment" and k[1] == "section" and k[2] in ("B", "C", "D")
    )
    added = rows[("value_added", "total", "total")]
    return {
        "gross_output_yi": yi(output.cumulative),
        "gross_output_yoy_pct": output.cumulative_yoy_pct,
        "value_added_yi": yi(added.cumulative),
        "value_added_share_of_beijing_pct": added.share_of_reference_pct,
        "fixed_asset_investment_yi": yi(fai.cumulative),
        "industrial_fixed_asset_investment_yi": yi(fai_industrial),
        "strategic_emerging_share_pct": sei.share_of_zone_pct if sei else None,
        "above_scale_gross_output_yi": yi(total("above_scale", "gross_output")),
    }


def build_fangchenggang(session: Session, *, seed: int = 2023) -> DemoSummary:
    """The smaller Fangchenggang zone: its task forces, the investors of its projects, the
    2023 portfolio (175 projects in the seven batches, 24 signed for 33.13 billion yuan) and
    the monthly statistics of its above-scale industrial firms (value added +14.2% in 2023)."""
    from yuanqu.demo import fangchenggang_stats

    started = time.perf_counter()
    portfolio = build_fangchenggang_portfolio(session, seed=seed)
    session.flush()  # the task forces must exist before the statistics' firms refer to them
    reports = fangchenggang_stats.build_statistics(session, seed=seed)
    summary = summarize(session, seed=seed, started=started)
    summary.portfolio = portfolio
    summary.reporting_firms = fangchenggang_stats.FIRMS
    summary.monthly_reports = reports
    return summary
    summary = summarize(session, seed=seed, started=started)
    place_on_chains(session, summary)
    return summary


def place_on_chains(session: Session, summary: DemoSummary) -> None:
    """Place the zone's firms on the shipped chains and record the counts in the summary."""
    run = compute_placements(session)
    placements = run.placements.to_pylist()
    left = run.unplaced.column("chain").to_pylist()
    for chain in shipped_chains():
        firms = {p["enterprise_id"] for p in placements if p["chain"] == chain.key}
        summary.chains[chain.key] = (len(firms), left.count(chain.key))
    summary.placement_seconds = run.seconds


def summarize(session: Session, *, seed: int, started: float) -> DemoSummary:
    as_of = AS_OF
    labels = {
        r.group: r.count
        for r in registry.count_enterprises(
            session, filters=EnterpriseFilter(as_of=as_of), by="label"
        )
    }
    forces = {
        r.group: r.count
        for r in registry.count_enterprises(
            session, filters=EnterpriseFilter(as_of=as_of), by="task_force"
        )
        if r.group
    }

    def count(industry: str) -> int:
        rows = registry.count_enterprises(session, filters=EnterpriseFilter(industry=industry))
        return rows[0].count

    return DemoSummary(
        seed=seed,
        seconds=time.perf_counter() - started,
        firms=registry.count_enterprises(session, filters=EnterpriseFilter())[0].count,
        as_of=as_of,
        labels=labels,
        task_forces=forces,
        biotech_and_health=forces.get("biotech", 0),
        commercial_aerospace=count("3742") + count("3743") + count("3749"),
        robotics=count("3491") + count("3492") + count("3964"),
    )
