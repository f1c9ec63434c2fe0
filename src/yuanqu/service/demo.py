"""The Yizhuang demo's service desk: a year (2023) of requests calibrated to 亦企服务港 (5,385
requests, 99.9% closed), advisers for the task forces' firms, their visits, and the issues found on
visits raised as requests owned by the visiting unit. Written in bulk (a few seconds at most)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.holidays import work_calendar
from yuanqu.service.generator import AREA_UNITS, FirmRow, generate
from yuanqu.service.models import ServiceAdviser, ServiceRequest, ServiceVisit
from yuanqu.service.sla import shipped_sla
from yuanqu.service.units import add_member, sync_units

YEAR = 2023
#: 亦企服务港's year: requests collected, for the demo's 90,000 firms.
REQUESTS_AT_FULL_SIZE = 5_400
FULL_SIZE = 90_000
#: Demo accounts' units (the accounts are created after the demo; membership is by username).
DEMO_MEMBERS = (("policy", "policy_office", False), ("project", "project_office", False))
TOPICS = (
    "生产经营情况与年度目标",
    "政策申报与兑现进度",
    "扩产与空间需求",
    "人才招聘与住房",
    "融资与上市计划",
    "供应链与配套需求",
)
PEOPLE = ("总经理", "副总经理", "行政总监", "财务总监", "董事会秘书", "人事经理")


@dataclass(frozen=True)
class ServiceDemoSummary:
    requests: int
    closed: int
    open: int
    reopened: int
    advisers: int
    visits: int
    raised_on_visits: int


def _firms(session: Session, rng: np.random.Generator, count: int) -> list[FirmRow]:
    """``count`` firms drawn at random (by id, without reading the whole registry)."""
    from yuanqu.registry.firms import Enterprise

    top = session.scalar(select(func.max(Enterprise.id))) or 0
    wanted = sorted(int(i) for i in rng.permutation(top)[: min(count, top)] + 1)
    found: list[FirmRow] = []
    for start in range(0, len(wanted), 900):
        rows = session.execute(
            select(Enterprise.uscc, Enterprise.name, Enterprise.task_force, Enterprise.sub_area)
            .where(Enterprise.id.in_(wanted[start : start + 900]))
            .order_by(Enterprise.id)
        ).all()
        found.extend(FirmRow(*row) for row in rows)
    return found


def build_service_demo(
    session: Session, *, seed: int = 2023, firms: int = FULL_SIZE
) -> ServiceDemoSummary:
    """Write the desk's year; the session's owner commits."""
    rng = np.random.default_rng(seed + 19)
    sync_units(session)
    for username, unit, head in DEMO_MEMBERS:
        add_member(session, unit=unit, username=username, is_head=head)
    n = max(40, round(REQUESTS_AT_FULL_SIZE * firms / FULL_SIZE))
    pool = _firms(session, rng, max(30, round(n * 0.65)))
    _feature_demo_firm(session, pool)
    if not pool:
        return ServiceDemoSummary(0, 0, 0, 0, 0, 0, 0)
    calendar = work_calendar(session)
    rows = generate(
        rng,
        firms=pool,
        n=n,
        year=YEAR,
        calendar=calendar,
        limits=shipped_sla(),
        open_at_end=5 if n >= 1000 else 1,
        reopened=6 if n >= 1000 else 1,
        late_share=0.002,
    )
    advisers = _advisers(session, rng)
    areas = {f.uscc: f.sub_area or "" for f in pool}
    visits, raised = _visits(session, rng, rows, advisers, areas)
    # Core executemany: the ORM's bulk insert splits rows by which values are None.
    session.connection().execute(ServiceRequest.__table__.insert(), rows)
    # The generated year is history, not moves made today: one audited event records it (each
    # request's timeline shows the times it carries); every move made on the site is audited.
    audit.record(
        session,
        actor="demo:service",
        entity_type="service_requests",
        entity_id=YEAR,
        action="demo_import",
        after={
            "requests": len(rows),
            "first": rows[0]["ticket_no"] if rows else None,
            "last": rows[-1]["ticket_no"] if rows else None,
        },
        reason="yuanqu demo",
    )
    return ServiceDemoSummary(
        requests=len(rows),
        closed=sum(1 for r in rows if r["closed_at"] is not None),
        open=sum(1 for r in rows if r["closed_at"] is None),
        reopened=sum(r["reopens"] for r in rows),
        advisers=advisers_count(advisers),
        visits=visits,
        raised_on_visits=raised,
    )


def _feature_demo_firm(session: Session, pool: list[FirmRow]) -> None:
    """The demo firm account's firm (the first integrated-circuit firm by credit code) comes to
    the desk several times a year, so its portal has a history to show."""
    from yuanqu.registry.firms import Enterprise

    first = session.execute(
        select(Enterprise.uscc, Enterprise.name, Enterprise.task_force, Enterprise.sub_area)
        .where(Enterprise.task_force == "ic")
        .order_by(Enterprise.uscc)
        .limit(1)
    ).first()
    if first is None:
        return
    firm = FirmRow(*first)
    pool[:] = [f for f in pool if f.uscc != firm.uscc]
    pool.insert(min(50, len(pool) // 10), firm)  # among the frequent: a few requests a year


def advisers_count(advisers: dict[str, list[tuple[str, str]]]) -> int:
    return sum(len(v) for v in advisers.values())


def _advisers(session: Session, rng: np.random.Generator) -> dict[str, list[tuple[str, str]]]:
    """One task-force firm in ten (the key firms) gets an adviser of its task force; the demo's
    task-force account looks after the first integrated-circuit firms (the demo firm account's
    among them)."""
    from yuanqu.registry.firms import Enterprise

    firms = session.execute(
        select(Enterprise.uscc, Enterprise.task_force)
        .where(Enterprise.task_force.is_not(None))
        .order_by(Enterprise.uscc)
    ).all()
    by_force: dict[str, list[str]] = {}
    for uscc, force in firms:
        by_force.setdefault(force, []).append(uscc)
    rows: list[dict[str, Any]] = []
    assigned: dict[str, list[tuple[str, str]]] = {}
    for force, usccs in sorted(by_force.items()):
        staff = max(2, len(usccs) // 400)
        for i, uscc in enumerate(usccs):
            if i >= 40 and rng.random() >= 0.1:
                continue
            if force == "ic" and i < 40:
                username, display = "taskforce", "演示专班成员"
            else:
                k = int(rng.integers(staff)) + 1
                username, display = f"tf-{force}-{k:02d}", f"{force}专班服务管家{k:02d}"
            rows.append(
                {
                    "uscc": uscc,
                    "username": username,
                    "display_name": display,
                    "unit_code": force,
                    "since": date(2022, 1 + int(rng.integers(12)), 1),
                }
            )
            assigned.setdefault(uscc, []).append((username, force))
    if rows:
        session.execute(insert(ServiceAdviser), rows)
    return assigned


def _visits(
    session: Session,
    rng: np.random.Generator,
    rows: list[dict[str, Any]],
    advisers: dict[str, list[tuple[str, str]]],
    areas: dict[str, str],
) -> tuple[int, int]:
    """A visit for every request raised on one (owned by the visiting unit: 首接负责), and
    visits that found nothing, about two per issue found."""
    visits: list[ServiceVisit] = []
    raised: list[tuple[ServiceVisit, dict[str, Any]]] = []
    for row in rows:
        if row["channel"] != "visit":
            continue
        adviser = advisers.get(row["uscc"])
        unit = adviser[0][1] if adviser else AREA_UNITS.get(areas.get(row["uscc"], ""), "area_core")
        visitor = adviser[0][0] if adviser else f"{unit}-visitor"
        visit = ServiceVisit(
            uscc=row["uscc"],
            firm_name=row["firm_name"],
            visited_on=row["received_at"].date(),
            unit_code=unit,
            visitor=visitor,
            people_met=PEOPLE[int(rng.integers(len(PEOPLE)))],
            topics=TOPICS[int(rng.integers(len(TOPICS)))],
            issues=row["content"],
        )
        row["owner_unit"] = unit
        visits.append(visit)
        raised.append((visit, row))
    advised = sorted(advisers)
    for _ in range(2 * len(raised)):
        if not advised:
            break
        uscc = advised[int(rng.integers(len(advised)))]
        username, unit = advisers[uscc][0]
        day = date(YEAR, 1, 3) + timedelta(days=int(rng.integers(360)))
        visits.append(
            ServiceVisit(
                uscc=uscc,
                firm_name=uscc,  # named below in one query
                visited_on=day,
                unit_code=unit,
                visitor=username,
                people_met=PEOPLE[int(rng.integers(len(PEOPLE)))],
                topics=TOPICS[int(rng.integers(len(TOPICS)))],
                issues=None,
            )
        )
    _name_firms(session, visits)
    columns = ("uscc", "firm_name", "visited_on", "unit_code", "visitor", "people_met", "topics")
    values = [{c: getattr(v, c) for c in columns} | {"issues": v.issues} for v in visits]
    ids = session.scalars(
        insert(ServiceVisit).returning(ServiceVisit.id, sort_by_parameter_order=True), values
    ).all()
    position = {id(visit): i for i, visit in enumerate(visits)}
    for visit, row in raised:
        row["visit_id"] = ids[position[id(visit)]]
    return len(visits), len(raised)


def _name_firms(session: Session, visits: list[ServiceVisit]) -> None:
    from yuanqu.service.firms import firms_by_uscc

    names = firms_by_uscc(session, {v.uscc for v in visits if v.firm_name == v.uscc})
    for visit in visits:
        if visit.firm_name == visit.uscc and visit.uscc in names:
            visit.firm_name = names[visit.uscc].name


def demo_moment(year: int = YEAR) -> datetime:
    """The moment the demo's figures are read at: the end of its year."""
    return datetime(year, 12, 31, 23, 59, 59)
