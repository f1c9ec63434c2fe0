"""Project verbs: the pipeline, create, read, move through stages, plan and record investment.

Every change checks the actor's role, does its side effects and records an audit event in the
caller's unit of work. Services never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from yuanqu.core import audit
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import Conflict, NotFound, ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.money import format_yuan
from yuanqu.projects.models import (
    AnnualPlan,
    ItemStatus,
    MonthlyInvestment,
    PipelineSetting,
    Project,
    ProjectItem,
    ProjectStageDate,
)
from yuanqu.projects.permissions import Actor, require_officer, require_project_editor
from yuanqu.projects.pipeline import Pipeline, parse_pipeline, shipped_pipeline
from yuanqu.projects.schemas import ProjectDetail, ProjectPage, ProjectRead, StageDateRead
from yuanqu.registry import firms

ENTITY = "project"
DATASET = "projects"


# --- the pipeline --------------------------------------------------------------------------------


def active_pipeline(session: Session) -> Pipeline:
    """The zone's pipeline: the one loaded into its database, else the shipped default."""
    setting = session.get(PipelineSetting, 1)
    if setting is None:
        return shipped_pipeline("default")
    return parse_pipeline(setting.definition, source="database")


def load_pipeline(session: Session, *, actor: Actor, text: str, source: str = "") -> Pipeline:
    """Make ``text`` the zone's pipeline; refused if a project sits in a stage it lacks."""
    require_officer(actor, "修改阶段配置", "change the stage pipeline")
    pipeline = parse_pipeline(text, source=source or "<yaml>")
    keys = {s.key for s in pipeline.stages}
    used = set(session.scalars(select(Project.stage).distinct())) | set(
        session.scalars(select(ProjectStageDate.stage).distinct())
    )
    missing = sorted(used - keys)
    if missing:
        raise Conflict(
            f"已有项目使用新配置中没有的阶段：{', '.join(missing)}",
            f"projects use stages the new pipeline lacks: {', '.join(missing)}",
            details={"missing": missing},
        )
    before = active_pipeline(session)
    setting = session.get(PipelineSetting, 1)
    now = datetime.now(UTC)
    if setting is None:
        session.add(PipelineSetting(id=1, definition=text, loaded_at=now, loaded_by=actor.user))
    else:
        setting.definition, setting.loaded_at, setting.loaded_by = text, now, actor.user
    audit.record(
        session,
        actor=actor.user,
        entity_type="project_pipeline",
        entity_id=1,
        action="load",
        before={"name": before.name, "stages": [s.key for s in before.stages]},
        after={"name": pipeline.name, "stages": [s.key for s in pipeline.stages]},
    )
    return pipeline


# --- reading -------------------------------------------------------------------------------------


def get_project(session: Session, *, project_id: int) -> Project:
    project = session.scalar(
        select(Project).where(Project.id == project_id).options(selectinload(Project.stage_dates))
    )
    if project is None:
        raise NotFound(
            f"没有编号为 {project_id} 的项目",
            f"no project with id {project_id}",
            details={"project_id": project_id},
        )
    return project


def find_project(session: Session, *, ref: str) -> Project:
    """A project by its id or its code (项目编号)."""
    project_id = session.scalar(select(Project.id).where(Project.code == ref.strip()))
    if project_id is None and ref.strip().isdigit():
        project_id = int(ref)
    if project_id is None:
        raise NotFound(f"没有编号为 {ref} 的项目", f"no project {ref}", details={"ref": ref})
    return get_project(session, project_id=project_id)


#: Reads which lead signed into each project: attraction owns that link (a lead signs into a
#: project, so attraction builds on projects, never the reverse) and hands the reader over at
#: start-up (:func:`yuanqu.wiring.wire`). Unset, projects show no lead.
LeadLinks = Callable[[Session, Sequence[int]], dict[int, int]]
_lead_links: list[LeadLinks] = []


def read_lead_links_with(reader: LeadLinks) -> None:
    """Start-up wiring: how to find the lead a project came from (set again: replaced)."""
    _lead_links[:] = [reader]


def _lead_ids(session: Session, project_ids: list[int]) -> dict[int, int]:
    if not project_ids or not _lead_links:
        return {}
    return _lead_links[0](session, project_ids)


def to_read(
    project: Project,
    pipeline: Pipeline,
    *,
    uscc: str | None = None,
    lead_id: int | None = None,
    lang: str = "zh",
) -> ProjectRead:
    return ProjectRead(
        id=project.id,
        code=project.code,
        name=project.name,
        investor_name=project.investor_name,
        investor_uscc=uscc,
        industry_code=project.industry_code,
        chain_segment=project.chain_segment,
        task_force=project.task_force,
        sub_area=project.sub_area,
        land_area_sqm=project.land_area_sqm,
        space=project.space,
        planned_investment_fen=project.planned_investment_fen,
        planned_investment=format_yuan(project.planned_investment_fen, lang=lang),  # type: ignore[arg-type]
        below_fai_threshold=project.below_fai_threshold,
        stage=project.stage,
        stage_name=pipeline.stage(project.stage).name(lang),
        stage_since=project.stage_since,
        officer=project.officer,
        close_out_waiver=project.close_out_waiver,
        lead_id=lead_id,
    )


def list_projects(
    session: Session,
    *,
    stage: str | None = None,
    task_force: str | None = None,
    sub_area: str | None = None,
    enterprise_id: int | None = None,
    below_threshold: bool | None = None,
    q: str | None = None,
    lang: str = "zh",
) -> ProjectPage:
    """Projects matching the filters, in pipeline order then by investment."""
    from yuanqu.projects.models import FAI_THRESHOLD_FEN

    pipeline = active_pipeline(session)
    stmt = select(Project)
    if stage:
        stmt = stmt.where(Project.stage == pipeline.find(stage).key)
    if task_force:
        stmt = stmt.where(Project.task_force == task_force)
    if sub_area:
        stmt = stmt.where(Project.sub_area == sub_area)
    if enterprise_id is not None:
        stmt = stmt.where(Project.enterprise_id == enterprise_id)
    if below_threshold is not None:
        threshold = Project.planned_investment_fen < FAI_THRESHOLD_FEN
        stmt = stmt.where(threshold if below_threshold else ~threshold)
    if q and q.strip():
        text = q.strip()
        stmt = stmt.where(
            Project.name.contains(text, autoescape=True)
            | Project.investor_name.contains(text, autoescape=True)
            | (Project.code == text)
        )
    projects = list(session.scalars(stmt))
    projects.sort(key=lambda p: (pipeline.index(p.stage), -p.planned_investment_fen, p.code))
    usccs = firms.codes_for_ids(session, {p.enterprise_id for p in projects if p.enterprise_id})
    leads = _lead_ids(session, [p.id for p in projects])
    items = [
        to_read(
            p,
            pipeline,
            uscc=usccs.get(p.enterprise_id or 0),
            lead_id=leads.get(p.id),
            lang=lang,
        )
        for p in projects
    ]
    return ProjectPage(total=len(items), items=items)


def project_detail(
    session: Session, *, project_id: int, today: date | None = None, lang: str = "zh"
) -> ProjectDetail:
    """One project with its stage timeline (planned vs actual), plans, investment, open items."""
    today = today or date.today()
    project = get_project(session, project_id=project_id)
    pipeline = active_pipeline(session)
    dates = {d.stage: d for d in project.stage_dates}
    stages = []
    for stage in pipeline.stages:
        row = dates.get(stage.key)
        planned, actual = (row.planned_on, row.actual_on) if row else (None, None)
        late = None
        if planned is not None:
            late = ((actual or today) - planned).days
            if actual is None and late < 0:
                late = None
        stages.append(
            StageDateRead(
                stage=stage.key,
                name=stage.name(lang),
                planned_on=planned,
                actual_on=actual,
                late_days=late,
            )
        )
    plans = {
        p.year: p.planned_fen
        for p in session.scalars(
            select(AnnualPlan).where(AnnualPlan.project_id == project.id).order_by(AnnualPlan.year)
        )
    }
    monthly = {
        m.period: m.actual_fen
        for m in session.scalars(
            select(MonthlyInvestment)
            .where(MonthlyInvestment.project_id == project.id)
            .order_by(MonthlyInvestment.period)
        )
    }
    base = to_read(
        project,
        pipeline,
        uscc=firms.codes_for_ids(
            session, {project.enterprise_id} if project.enterprise_id else set()
        ).get(project.enterprise_id or 0),
        lead_id=_lead_ids(session, [project.id]).get(project.id),
        lang=lang,
    )
    return ProjectDetail(
        **base.model_dump(),
        stages=stages,
        annual_plans=plans,
        monthly_investment=monthly,
        actual_investment_fen=sum(monthly.values()),
        open_items=count_open_items(session, project_id=project.id),
    )


def count_open_items(session: Session, *, project_id: int) -> int:
    return (
        session.scalar(
            select(func.count(ProjectItem.id)).where(
                ProjectItem.project_id == project_id, ProjectItem.status != ItemStatus.closed
            )
        )
        or 0
    )


# --- creating ------------------------------------------------------------------------------------


def _snapshot(project: Project) -> dict[str, Any]:
    return {
        "code": project.code,
        "name": project.name,
        "investor_name": project.investor_name,
        "enterprise_id": project.enterprise_id,
        "industry_code": project.industry_code,
        "chain_segment": project.chain_segment,
        "task_force": project.task_force,
        "sub_area": project.sub_area,
        "land_area_sqm": project.land_area_sqm,
        "space": project.space,
        "planned_investment_fen": project.planned_investment_fen,
        "stage": project.stage,
        "stage_since": project.stage_since,
        "officer": project.officer,
    }


def _check_industry(code: str | None) -> str | None:
    if code is None or not code.strip():
        return None
    catalog = industry_catalog()
    bare = catalog.normalize(code)
    if catalog.get(bare).level < 2:
        raise ValidationError(
            f"行业代码 '{code}' 至少应细到大类",
            f"industry code '{code}' must be a division or finer",
        )
    return bare


def _next_code(session: Session, year: int) -> str:
    prefix = f"{year}-"
    existing = session.scalars(select(Project.code).where(Project.code.startswith(prefix)))
    numbers = [int(c[len(prefix) :]) for c in existing if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_stage_dates(
    pipeline: Pipeline, stage: str, dates: Mapping[str, date], today: date
) -> None:
    """Dates only for reached stages, in order, none in the future, signed before started."""
    current = pipeline.index(stage)
    previous: tuple[str, date] | None = None
    for s in pipeline.stages:
        on = dates.get(s.key)
        if on is None:
            continue
        if s.index > current:
            raise ValidationError(
                f"阶段 {s.zh} 尚未到达，不能有实际日期",
                f"stage {s.en} is not reached yet: it cannot have an actual date",
                details={"stage": s.key},
            )
        if on > today:
            raise ValidationError(
                f"阶段 {s.zh} 的实际日期 {on} 在将来",
                f"the actual date of stage {s.en} ({on}) is in the future",
                details={"stage": s.key, "date": on.isoformat()},
            )
        if previous is not None and on < previous[1]:
            raise ValidationError(
                f"阶段 {s.zh} 的日期 {on} 早于前一阶段 {previous[0]} 的 {previous[1]}",
                f"stage {s.en} on {on} is before the earlier stage {previous[0]} ({previous[1]})",
                details={"stage": s.key},
            )
        previous = (s.key, on)
    if stage not in dates:
        raise ValidationError(
            "当前阶段需要实际日期",
            "the current stage needs its actual date",
            details={"stage": stage},
        )
    for marker in (pipeline.signed, pipeline.started, pipeline.marker("production")):
        if marker is not None and marker.index < current and marker.key not in dates:
            raise ValidationError(
                f"项目已过 {marker.zh} 阶段，须填写 {marker.zh} 日期（不能未签约先开工）",
                f"the project is past {marker.en}: give the {marker.en} date "
                "(no start before signing)",
                details={"stage": marker.key},
            )


def create_project(
    session: Session,
    *,
    actor: Actor,
    name: str,
    investor_name: str,
    planned_investment_fen: int,
    stage: str,
    stage_dates: Mapping[str, date],
    uscc: str | None = None,
    industry_code: str | None = None,
    chain_segment: str | None = None,
    task_force: str | None = None,
    sub_area: str | None = None,
    land_area_sqm: int | None = None,
    space: str | None = None,
    officer: str | None = None,
    code: str | None = None,
    planned_dates: Mapping[str, date] | None = None,
    today: date | None = None,
    action: str = "create",
    reason: str | None = None,
) -> Project:
    """Put a project on the list at ``stage``, with the actual dates of the stages it reached."""
    require_project_editor(actor, task_force)
    today = today or date.today()
    pipeline = active_pipeline(session)
    stage = pipeline.find(stage).key
    dates = {pipeline.find(k).key: v for k, v in stage_dates.items()}
    _check_stage_dates(pipeline, stage, dates, today)
    if not name.strip() or not investor_name.strip():
        raise ValidationError("项目名称和投资方不能为空", "name and investor are required")
    if planned_investment_fen < 0:
        raise ValidationError("计划总投资不能为负", "planned investment must not be negative")
    industry = _check_industry(industry_code)
    task_force = firms.check_task_force(session, task_force)
    code = (code or "").strip() or _next_code(session, dates[stage].year)
    if session.scalar(select(Project.id).where(Project.code == code)) is not None:
        raise Conflict(
            f"项目编号 {code} 已存在", f"project code {code} exists", details={"code": code}
        )
    # The investor is a registry firm, registered first if it is new to the zone.
    enterprise_id = (
        firms.ensure_firm(
            session,
            uscc=uscc,
            name=investor_name.strip(),
            industry_code=industry,
            sub_area=sub_area,
            task_force=task_force,
        )
        if uscc
        else None
    )
    project = Project(
        code=code,
        name=name.strip(),
        enterprise_id=enterprise_id,
        investor_name=investor_name.strip(),
        industry_code=industry,
        chain_segment=chain_segment or None,
        task_force=task_force or None,
        sub_area=sub_area or None,
        land_area_sqm=land_area_sqm,
        space=space or None,
        planned_investment_fen=planned_investment_fen,
        stage=stage,
        stage_since=dates[stage],
        officer=officer or None,
    )
    planned = {pipeline.find(k).key: v for k, v in (planned_dates or {}).items()}
    for key in sorted(set(dates) | set(planned), key=pipeline.index):
        project.stage_dates.append(
            ProjectStageDate(stage=key, planned_on=planned.get(key), actual_on=dates.get(key))
        )
    session.add(project)
    session.flush()  # the audit record needs the project's id
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=project.id,
        action=action,
        after={**_snapshot(project), "stage_dates": dates, "planned_dates": planned},
        reason=reason,
    )
    bump_data_version(session, DATASET)
    return project


def update_project(
    session: Session, project: Project, *, actor: Actor, changes: Mapping[str, Any]
) -> Project:
    """Change descriptive fields (not the stage: that is :func:`move_stage`)."""
    require_project_editor(actor, project.task_force)
    allowed = {
        "name",
        "investor_name",
        "industry_code",
        "chain_segment",
        "task_force",
        "sub_area",
        "land_area_sqm",
        "space",
        "planned_investment_fen",
        "officer",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            f"不能直接修改：{', '.join(sorted(unknown))}",
            f"cannot be changed here: {', '.join(sorted(unknown))}",
        )
    if "task_force" in changes:
        require_project_editor(actor, changes["task_force"])
    before = _snapshot(project)
    for key, value in changes.items():
        if key == "industry_code":
            value = _check_industry(value)
        if key == "task_force":
            value = firms.check_task_force(session, value)
        if key == "planned_investment_fen" and (value is None or value < 0):
            raise ValidationError("计划总投资不能为负", "planned investment must not be negative")
        setattr(project, key, value)
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=project.id,
        action="update",
        before={k: before[k] for k in changes},
        after={k: _snapshot(project)[k] for k in changes},
    )
    bump_data_version(session, DATASET)
    return project


def project_history(session: Session, *, project_id: int) -> list[audit.AuditRecordRead]:
    """The project's audit trail, starting with its lead's when it came from one."""
    entities: list[tuple[str, str | int]] = [(ENTITY, project_id)]
    lead = _lead_ids(session, [project_id]).get(project_id)
    if lead is not None:
        entities.append(("lead", lead))
    item_ids = session.scalars(select(ProjectItem.id).where(ProjectItem.project_id == project_id))
    entities.extend(("project_item", i) for i in item_ids)
    return audit.entity_history(session, entities=entities)


def project_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """The ids of the key projects with these codes (项目编号)."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        stmt = select(Project.code, Project.id).where(Project.code.in_(wanted[start : start + 500]))
        found.update(session.execute(stmt).all())
    return found


def project_holders(session: Session, project_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """project id -> who is behind it: ``name`` (the project), ``investor`` (as signed),
    ``enterprise_id`` (the investor firm, when registered) and ``task_force``."""
    wanted = sorted(set(project_ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        for pid, name, investor, firm, task_force in session.execute(
            select(
                Project.id,
                Project.name,
                Project.investor_name,
                Project.enterprise_id,
                Project.task_force,
            ).where(Project.id.in_(wanted[start : start + 500]))
        ):
            found[pid] = {
                "name": name,
                "investor": investor,
                "enterprise_id": firm,
                "task_force": task_force,
            }
    return found


def require_project(session: Session, project_id: int) -> None:
    """NotFound unless a key project has this id (a clear 404, not a foreign-key failure)."""
    if not 1 <= project_id < 2**63 or session.get(Project, project_id) is None:
        raise NotFound(
            f"没有编号为 {project_id} 的重点项目",
            f"no project {project_id}",
            details={"project_id": project_id},
        )
