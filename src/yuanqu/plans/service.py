"""The plans' verbs: load the shipped plans, save an administrator's edit (checked first),
list plans with their targets' status, and one plan with every target's computed progress."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core.errors import NotFound
from yuanqu.core.periods import Period
from yuanqu.plans.definitions import Plan, Target, parse_plan
from yuanqu.plans.models import PlanSource
from yuanqu.plans.progress import target_progress
from yuanqu.plans.schemas import PlanPage, PlanRead, PlanSummary
from yuanqu.registry.firms import task_force_names
from yuanqu.stats.service import latest_period


def shipped_files() -> list[tuple[str, str]]:
    """(file name, text) of every plan shipped in ``data/plans``."""
    folder = resources.files("yuanqu.data").joinpath("plans")
    return sorted(
        (entry.name, entry.read_text("utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def save_plan(session: Session, *, text: str, file: str, by: str, key: str | None = None) -> Plan:
    """Check ``text`` (every mistake FILE:LINE) and keep it under its key; ``key``: the plan being
    edited (its key may not change in the editor)."""
    plan = parse_plan(text, file=file)
    if key is not None and plan.key != key:
        from yuanqu.core.errors import ValidationError

        raise ValidationError(
            f"{file}: 计划的 key 不能修改（应为 {key}）",
            f"{file}: a plan's key cannot change (it is {key})",
        )
    row = session.scalar(select(PlanSource).where(PlanSource.key == plan.key))
    if row is None:
        session.add(PlanSource(key=plan.key, source=text, updated_by=by))
    else:
        row.source, row.updated_by = text, by
    session.flush()  # the page reads it back in the same request
    return plan


def load_shipped(session: Session, *, by: str = "system", replace: bool = False) -> list[str]:
    """Keep every shipped plan not kept yet (``replace``: overwrite edits too)."""
    present = set(session.scalars(select(PlanSource.key)))
    loaded = []
    for name, text in shipped_files():
        plan = parse_plan(text, file=f"yuanqu/data/plans/{name}")
        if plan.key not in present or replace:
            save_plan(session, text=text, file=f"yuanqu/data/plans/{name}", by=by)
            loaded.append(plan.key)
    return loaded


def load_file(session: Session, *, path: Path, by: str) -> Plan:
    return save_plan(session, text=path.read_text(encoding="utf-8"), file=str(path), by=by)


@lru_cache(maxsize=128)
def _parsed(text: str, file: str) -> Plan:
    """A stored plan, parsed once per text (it was checked when saved): the briefing, the
    tracks and the plans page ask for every plan on each render, and parsing the YAML took
    most of the briefing's time."""
    return parse_plan(text, file=file)


def _plans(session: Session) -> list[tuple[PlanSource, Plan]]:
    rows = session.scalars(select(PlanSource).order_by(PlanSource.key))
    return [(row, _parsed(row.source, f"{row.key}.yaml")) for row in rows]


def _visible(plan: Plan, task_forces: Sequence[str] | None) -> bool:
    if task_forces is None:
        return True
    scopes = {f"task_force:{code}" for code in task_forces}
    return plan.owner in scopes or any(t.scope in scopes for t in plan.targets)


def _readable_targets(plan: Plan, task_forces: Sequence[str] | None) -> tuple[Target, ...]:
    """The targets a reader sees: every one of a plan its task force owns, else those scoped to
    its task forces (a plan of every task force's annual targets shows each only its own)."""
    if task_forces is None:
        return plan.targets
    scopes = {f"task_force:{code}" for code in task_forces}
    if plan.owner in scopes:
        return plan.targets
    return tuple(t for t in plan.targets if t.scope in scopes)


def plan_text(session: Session, *, key: str) -> str:
    row = session.scalar(select(PlanSource).where(PlanSource.key == key))
    if row is None:
        raise NotFound(f"找不到计划 {key}", f"no plan {key}")
    return row.source


def _owner_name(session: Session, owner: str | None, lang: str) -> str | None:
    if not owner:
        return None
    kind, _sep, code = owner.partition(":")
    if kind == "task_force":
        return task_force_names(session, lang=lang).get(code, code)
    return {"commercial_aerospace": ("商业航天赛道", "Commercial aerospace track")}.get(
        code, (code, code)
    )[1 if lang == "en" else 0]


def plan_progress(
    session: Session, *, key: str, task_forces: Sequence[str] | None = None, lang: str = "zh"
) -> PlanRead:
    """One plan with every target's progress, measured on the latest month with data."""
    found = next((p for _r, p in _plans(session) if p.key == key), None)
    if found is None or not _visible(found, task_forces):
        raise NotFound(f"找不到计划 {key}", f"no plan {key}")
    return _progress(session, found, task_forces, lang, _latest(session))


def plans_progress(
    session: Session, *, task_forces: Sequence[str] | None = None, lang: str = "zh"
) -> list[PlanRead]:
    """Every plan the reader may see with its targets' progress, each plan measured once."""
    return [read for _plan, read in _every_progress(session, task_forces, lang)]


def _every_progress(
    session: Session, task_forces: Sequence[str] | None, lang: str
) -> list[tuple[Plan, PlanRead]]:
    """Each visible plan with its progress, all measured on the one latest month."""
    period = _latest(session)
    return [
        (plan, _progress(session, plan, task_forces, lang, period))
        for _row, plan in _plans(session)
        if _visible(plan, task_forces)
    ]


def _latest(session: Session) -> Period | None:
    latest = latest_period(session)
    return Period.parse(latest) if latest else None


def _progress(
    session: Session,
    plan: Plan,
    task_forces: Sequence[str] | None,
    lang: str,
    period: Period | None,
) -> PlanRead:
    targets = (
        [
            target_progress(session, t, latest=period, start_year=plan.start_year, lang=lang)
            for t in _readable_targets(plan, task_forces)
        ]
        if period
        else []
    )
    return PlanRead(
        key=plan.key,
        title=plan.title_en if lang == "en" else plan.title,
        issuer=plan.issuer,
        number=plan.number,
        period=f"{plan.start_year}–{plan.end_year}",
        owner=plan.owner,
        owner_name=_owner_name(session, plan.owner, lang),
        source_url=plan.source_url,
        source_text=plan.source_text,
        verified=plan.verified,
        as_of=period.last_day if period else None,
        targets=targets,
    )


def list_plans(
    session: Session, *, task_forces: Sequence[str] | None = None, lang: str = "zh"
) -> PlanPage:
    """Every plan the reader may see, with how many of its targets are on track."""
    items = []
    for plan, read in _every_progress(session, task_forces, lang):
        statuses = [t.status for t in read.targets]
        items.append(
            PlanSummary(
                key=plan.key,
                title=read.title,
                period=read.period,
                owner_name=read.owner_name,
                targets=len(_readable_targets(plan, task_forces)),
                on_track=sum(s in ("on_track", "achieved") for s in statuses),
                at_risk=statuses.count("at_risk"),
                off_track=sum(s in ("off_track", "missed") for s in statuses),
            )
        )
    return PlanPage(total=len(items), items=items)
