"""Attraction verbs: task-force members and industries, leads and their stages, the funnel.

A lead and a key project in a pre-signing stage are one undertaking seen by two offices. The lead
links to its project (``Lead.project_id``); its stage moves drive the project's pre-signing stage,
and signing it either advances the linked project or creates the project in one step, with the
dates the lead already carries. Nothing is entered twice, and the project's history
(:func:`yuanqu.projects.service.project_history`) starts with the lead's audit records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.attraction.models import (
    LEAD_SOURCES,
    Lead,
    LeadStage,
    TaskForceIndustry,
    TaskForceMember,
)
from yuanqu.attraction.schemas import FunnelRow, LeadRead
from yuanqu.core import audit
from yuanqu.core.errors import Conflict, NotFound, ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.uscc import normalize_uscc
from yuanqu.projects import service as projects
from yuanqu.projects import stages
from yuanqu.projects.permissions import Actor, Role, require_lead_editor, require_officer
from yuanqu.registry.firms import TaskForce

if TYPE_CHECKING:  # the project row, as the projects' service returns it
    from yuanqu.projects.models import Project

ENTITY = "lead"

#: Allowed moves between lead stages (signed and lost are final; a lost lead may be revived).
TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStage.contacted: frozenset({LeadStage.negotiating, LeadStage.intent, LeadStage.lost}),
    LeadStage.negotiating: frozenset({LeadStage.intent, LeadStage.lost, LeadStage.contacted}),
    LeadStage.intent: frozenset({LeadStage.negotiating, LeadStage.lost}),
    LeadStage.lost: frozenset({LeadStage.contacted}),
    LeadStage.signed: frozenset(),
}
_ORDER = [LeadStage.contacted, LeadStage.negotiating, LeadStage.intent, LeadStage.signed]


# --- task forces ---------------------------------------------------------------------------------


def _task_force(session: Session, code: str) -> TaskForce:
    force = session.get(TaskForce, code)
    if force is None:
        raise NotFound(f"没有代码为 {code} 的专班", f"no task force {code}", details={"code": code})
    return force


def add_member(
    session: Session, *, actor: Actor, task_force: str, user: str, name: str, leader: bool = False
) -> TaskForceMember:
    require_officer(actor, "调整专班成员", "change task-force members")
    _task_force(session, task_force)
    member = session.get(TaskForceMember, (task_force, user))
    if member is None:
        member = TaskForceMember(task_force=task_force, user=user, name=name, leader=leader)
        session.add(member)
    else:
        member.name, member.leader = name, leader
    audit.record(
        session,
        actor=actor.user,
        entity_type="task_force",
        entity_id=task_force,
        action="member",
        after={"user": user, "name": name, "leader": leader},
    )
    return member


def cover_industry(session: Session, *, actor: Actor, task_force: str, industry_code: str) -> None:
    require_officer(actor, "调整专班分管行业", "change what a task force covers")
    _task_force(session, task_force)
    code = industry_catalog().normalize(industry_code)
    if session.get(TaskForceIndustry, (task_force, code)) is None:
        session.add(TaskForceIndustry(task_force=task_force, industry_code=code))
        audit.record(
            session,
            actor=actor.user,
            entity_type="task_force",
            entity_id=task_force,
            action="cover_industry",
            after={"industry_code": code},
        )


def actor_for(session: Session, *, user: str, roles: frozenset[str] = frozenset()) -> Actor:
    """The actor of a user: their roles plus membership of task forces from the members table."""
    forces = frozenset(
        session.scalars(select(TaskForceMember.task_force).where(TaskForceMember.user == user))
    )
    extra = {Role.task_force_member.value} if forces else set()
    return Actor(user, frozenset(roles) | extra, forces)


def task_force_summary(session: Session, *, lang: str = "zh") -> list[dict[str, Any]]:
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in session.scalars(select(TaskForceMember).order_by(TaskForceMember.user)):
        members[m.task_force].append({"user": m.user, "name": m.name, "leader": m.leader})
    industries: dict[str, list[str]] = defaultdict(list)
    for i in session.scalars(select(TaskForceIndustry).order_by(TaskForceIndustry.industry_code)):
        industries[i.task_force].append(i.industry_code)
    return [
        {
            "code": f.code,
            "name": f.name(lang),
            "members": members.get(f.code, []),
            "industries": industries.get(f.code, []),
        }
        for f in session.scalars(select(TaskForce).order_by(TaskForce.code))
    ]


# --- leads ---------------------------------------------------------------------------------------


def _snapshot(lead: Lead) -> dict[str, Any]:
    return {
        "task_force": lead.task_force,
        "owner": lead.owner,
        "prospect_name": lead.prospect_name,
        "uscc": lead.uscc,
        "source": lead.source,
        "industry_code": lead.industry_code,
        "chain_gap": lead.chain_gap,
        "expected_investment_fen": lead.expected_investment_fen,
        "stage": lead.stage,
        "next_action": lead.next_action,
        "next_action_on": lead.next_action_on,
        "lost_reason": lead.lost_reason,
        "project_id": lead.project_id,
    }


def get_lead(session: Session, *, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"没有编号为 {lead_id} 的线索", f"no lead {lead_id}")
    return lead


def create_lead(
    session: Session,
    *,
    actor: Actor,
    task_force: str,
    prospect_name: str,
    source: str,
    contacted_on: date,
    expected_investment_fen: int = 0,
    owner: str | None = None,
    uscc: str | None = None,
    industry_code: str | None = None,
    chain_gap: str | None = None,
    next_action: str | None = None,
    next_action_on: date | None = None,
) -> Lead:
    require_lead_editor(actor, task_force)
    _task_force(session, task_force)
    if source not in LEAD_SOURCES:
        raise ValidationError(
            f"线索来源应为 {', '.join(LEAD_SOURCES)}",
            f"source must be one of {', '.join(LEAD_SOURCES)}",
        )
    if not prospect_name.strip():
        raise ValidationError("意向企业名称不能为空", "the prospect's name is required")
    if expected_investment_fen < 0:
        raise ValidationError("预计投资不能为负", "expected investment must not be negative")
    lead = Lead(
        task_force=task_force,
        owner=owner or actor.user,
        prospect_name=prospect_name.strip(),
        uscc=normalize_uscc(uscc) if uscc else None,
        source=source,
        industry_code=industry_catalog().normalize(industry_code) if industry_code else None,
        chain_gap=chain_gap or None,
        expected_investment_fen=expected_investment_fen,
        stage=LeadStage.contacted,
        contacted_on=contacted_on,
        next_action=next_action,
        next_action_on=next_action_on,
    )
    session.add(lead)
    session.flush()  # the audit record needs the lead's id
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=lead.id,
        action="create",
        after=_snapshot(lead),
    )
    return lead


def set_next_action(
    session: Session, lead: Lead, *, actor: Actor, action: str, on: date | None
) -> Lead:
    require_lead_editor(actor, lead.task_force)
    before = _snapshot(lead)
    lead.next_action, lead.next_action_on = action.strip() or None, on
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=lead.id,
        action="next_action",
        before={k: before[k] for k in ("next_action", "next_action_on")},
        after={"next_action": lead.next_action, "next_action_on": on},
    )
    return lead


def move_lead(
    session: Session,
    lead: Lead,
    *,
    actor: Actor,
    to: str,
    on: date,
    reason: str | None = None,
    today: date | None = None,
) -> Lead:
    """Move a lead to negotiating, intent, lost (with a reason) or back; sign with sign_lead."""
    require_lead_editor(actor, lead.task_force)
    today = today or date.today()
    if to == LeadStage.signed:
        raise Conflict("签约请使用签约操作", "use sign_lead to sign a lead", code="use_sign")
    if to not in TRANSITIONS.get(lead.stage, frozenset()):
        raise Conflict(
            f"线索不能从 {lead.stage} 变为 {to}",
            f"a lead cannot move from {lead.stage} to {to}",
            code="bad_transition",
        )
    if on > today or on < lead.contacted_on:
        raise ValidationError(
            f"日期 {on} 应在首次接触 {lead.contacted_on} 与今天之间",
            f"{on} must lie between the first contact ({lead.contacted_on}) and today",
        )
    backwards = (
        to in _ORDER and lead.stage in _ORDER and _ORDER.index(to) < _ORDER.index(lead.stage)
    )
    if (to == LeadStage.lost or backwards or lead.stage == LeadStage.lost) and not (
        reason and reason.strip()
    ):
        raise ValidationError(
            "流失、退回或重新激活线索须说明理由",
            "losing, reviving or moving a lead back needs a reason",
            code="reason_required",
        )
    before = _snapshot(lead)
    lead.stage = to
    if to == LeadStage.negotiating and lead.negotiating_on is None:
        lead.negotiating_on = on
    if to == LeadStage.intent:
        lead.intent_on = lead.intent_on or on
        lead.negotiating_on = lead.negotiating_on or on
    if to == LeadStage.lost:
        lead.lost_on, lead.lost_reason = on, reason.strip() if reason else None
    elif before["stage"] == LeadStage.lost:
        lead.lost_on, lead.lost_reason = None, None
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=lead.id,
        action="stage",
        before=before,
        after=_snapshot(lead),
        reason=reason,
    )
    _sync_project(session, lead, actor=actor, on=on, reason=reason, today=today)
    return lead


def _sync_project(
    session: Session, lead: Lead, *, actor: Actor, on: date, reason: str | None, today: date
) -> None:
    """Keep a linked pre-signing project at the stage matching the lead's."""
    if lead.project_id is None or lead.stage in (LeadStage.lost, LeadStage.signed):
        return
    project = projects.get_project(session, project_id=lead.project_id)
    pipeline = projects.active_pipeline(session)
    target = pipeline.lead_stage(lead.stage)
    if pipeline.index(project.stage) >= pipeline.signed.index or project.stage == target.key:
        return
    stages.move_stage(
        session,
        project,
        actor=actor,
        to=target.key,
        on=on,
        reason=reason or f"lead {lead.id}: {lead.stage}",
        today=today,
    )


def link_project(session: Session, lead: Lead, project: Project, *, actor: Actor) -> Lead:
    """Join a lead to the project office's pre-signing project: one undertaking from now on."""
    require_lead_editor(actor, lead.task_force)
    pipeline = projects.active_pipeline(session)
    if lead.project_id is not None:
        raise Conflict("该线索已关联项目", "the lead is already linked to a project")
    if pipeline.index(project.stage) >= pipeline.signed.index:
        raise Conflict(
            "只能关联签约前的项目", "only a project before signing can be linked to a lead"
        )
    if session.scalar(select(Lead.id).where(Lead.project_id == project.id)) is not None:
        raise Conflict("该项目已关联其他线索", "the project is already linked to another lead")
    lead.project_id = project.id
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=lead.id,
        action="link_project",
        after={"project_id": project.id},
    )
    return lead


def sign_lead(
    session: Session,
    lead: Lead,
    *,
    actor: Actor,
    signed_on: date,
    planned_investment_fen: int | None = None,
    project_name: str | None = None,
    sub_area: str | None = None,
    code: str | None = None,
    today: date | None = None,
) -> Project:
    """The lead signs: its project (linked, or created now from the lead) reaches signing."""
    require_lead_editor(actor, lead.task_force)
    today = today or date.today()
    if lead.stage in (LeadStage.signed, LeadStage.lost):
        raise Conflict(
            f"线索处于 {lead.stage} 状态，不能签约", f"a {lead.stage} lead cannot be signed"
        )
    if signed_on > today or signed_on < lead.contacted_on:
        raise ValidationError(
            f"签约日期 {signed_on} 应在首次接触与今天之间",
            f"the signing date {signed_on} must lie between the first contact and today",
        )
    before = _snapshot(lead)
    pipeline = projects.active_pipeline(session)
    if lead.project_id is not None:
        project = projects.get_project(session, project_id=lead.project_id)
        if planned_investment_fen is not None:
            project.planned_investment_fen = planned_investment_fen
        stages.move_stage(
            session, project, actor=actor, to=pipeline.signed.key, on=signed_on, today=today
        )
    else:
        dates: dict[str, date] = {pipeline.lead_stage("contacted").key: lead.contacted_on}
        if lead.negotiating_on:
            dates[pipeline.lead_stage("negotiating").key] = lead.negotiating_on
        if lead.intent_on:
            dates.setdefault(pipeline.lead_stage("intent").key, lead.intent_on)
        dates[pipeline.signed.key] = signed_on
        project = projects.create_project(
            session,
            actor=actor,
            name=project_name or f"{lead.prospect_name}项目",
            investor_name=lead.prospect_name,
            uscc=lead.uscc,
            industry_code=lead.industry_code,
            chain_segment=lead.chain_gap,
            task_force=lead.task_force,
            sub_area=sub_area,
            planned_investment_fen=(
                lead.expected_investment_fen
                if planned_investment_fen is None
                else planned_investment_fen
            ),
            stage=pipeline.signed.key,
            stage_dates=dates,
            code=code,
            today=today,
            action="create_from_lead",
            reason=f"lead {lead.id}",
        )
        lead.project_id = project.id
    lead.stage, lead.signed_on = LeadStage.signed, signed_on
    lead.next_action, lead.next_action_on = None, None
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=lead.id,
        action="sign",
        before=before,
        after=_snapshot(lead),
    )
    return project


# --- reports -------------------------------------------------------------------------------------


def list_leads(
    session: Session,
    *,
    task_force: str | None = None,
    stage: str | None = None,
    owner: str | None = None,
) -> list[LeadRead]:
    stmt = select(Lead)
    if task_force:
        stmt = stmt.where(Lead.task_force == task_force)
    if stage:
        stmt = stmt.where(Lead.stage == stage)
    if owner:
        stmt = stmt.where(Lead.owner == owner)
    rows = session.scalars(stmt.order_by(Lead.task_force, Lead.contacted_on, Lead.id))
    return [LeadRead.model_validate(r, from_attributes=True) for r in rows]


def funnel(session: Session, *, start: date, end: date) -> list[FunnelRow]:
    """Per task force, leads first contacted in [start, end] and how far they have got.

    A lead counts at every stage it has reached (a signed lead was also contacted, negotiated and
    stated intent), so the funnel narrows; conversion is signed / contacted.
    """
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lead in session.scalars(
        select(Lead).where(Lead.contacted_on >= start, Lead.contacted_on <= end)
    ):
        r = rows[lead.task_force]
        r["contacted"] += 1
        if lead.negotiating_on or lead.stage == LeadStage.signed:
            r["negotiating"] += 1
        if lead.intent_on or lead.stage == LeadStage.signed:
            r["intent"] += 1
        if lead.stage == LeadStage.signed:
            r["signed"] += 1
            r["fen"] += lead.expected_investment_fen
        if lead.stage == LeadStage.lost:
            r["lost"] += 1
    return [
        FunnelRow(
            task_force=tf,
            contacted=r["contacted"],
            negotiating=r["negotiating"],
            intent=r["intent"],
            signed=r["signed"],
            lost=r["lost"],
            signed_investment_fen=r["fen"],
            conversion=(r["signed"] / r["contacted"]) if r["contacted"] else None,
        )
        for tf, r in sorted(rows.items())
    ]


def lead_ids_for_projects(session: Session, project_ids: Sequence[int]) -> dict[int, int]:
    """project id -> the id of the lead that signed into it (projects that came from a lead)."""
    if not project_ids:
        return {}
    rows = session.execute(
        select(Lead.project_id, Lead.id).where(Lead.project_id.in_(list(project_ids)))
    )
    return {p: lead for p, lead in rows if p is not None}


def lead_holders(session: Session, lead_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """lead id -> who is behind it: ``name`` (the prospect), ``uscc`` (when it has one) and
    ``task_force`` (space matching names its candidates by these)."""
    wanted = sorted(set(lead_ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        for lead_id, name, uscc, task_force in session.execute(
            select(Lead.id, Lead.prospect_name, Lead.uscc, Lead.task_force).where(
                Lead.id.in_(wanted[start : start + 500])
            )
        ):
            found[lead_id] = {"name": name, "uscc": uscc, "task_force": task_force}
    return found


def require_lead(session: Session, lead_id: int) -> None:
    """NotFound unless a lead has this id (a clear 404, not a foreign-key failure)."""
    if not 1 <= lead_id < 2**63 or session.get(Lead, lead_id) is None:
        raise NotFound(
            f"没有编号为 {lead_id} 的招商线索", f"no lead {lead_id}", details={"lead_id": lead_id}
        )
