"""Building the demo zone into the system of record through the domains' own write paths."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.demo.zone import AS_OF, build_zone
from yuanqu.registry import service as registry
from yuanqu.registry.importer import write_records
from yuanqu.registry.models import Enterprise
from yuanqu.registry.schemas import EnterpriseFilter

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
    # chain -> (firms placed on its segments, firms of its industries left for review)
    chains: dict[str, tuple[int, int]] = field(default_factory=dict)
    placement_seconds: float = 0.0


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
    write_records(session, zone.records, progress=progress)
    summary = summarize(session, seed=seed, started=started)
    place_on_chains(session, summary)
    return summary


def place_on_chains(session: Session, summary: DemoSummary) -> None:
    """Place the zone's firms on the shipped chains and record the counts in the summary."""
    from yuanqu.chains.definitions import shipped_chains
    from yuanqu.chains.service import compute_placements

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
