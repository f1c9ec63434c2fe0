"""Lists and close-out (清单制/清账制): tasks, problems and milestones, closed item by item (销号).

Each item has an owner and a time limit in working days, counted by China's official calendar
(:class:`~yuanqu.core.workdays.WorkCalendar`), so a limit set before the Spring Festival or National
Day ends after the holiday, not during it. An item is closed only with a resolution and a date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.errors import Conflict, NotFound, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.workdays import WorkCalendar
from yuanqu.projects.models import ITEM_CATEGORIES, ItemKind, ItemStatus, Project, ProjectItem
from yuanqu.projects.permissions import Actor, require_project_editor
from yuanqu.projects.schemas import ItemRead

ENTITY = "project_item"


def _snapshot(item: ProjectItem) -> dict[str, Any]:
    return {
        "project_id": item.project_id,
        "kind": item.kind,
        "category": item.category,
        "title": item.title,
        "owner": item.owner,
        "opened_on": item.opened_on,
        "workdays": item.workdays,
        "due_on": item.due_on,
        "status": item.status,
        "resolution": item.resolution,
        "closed_on": item.closed_on,
    }


def get_item(session: Session, *, item_id: int) -> tuple[ProjectItem, Project]:
    row = session.execute(
        select(ProjectItem, Project)
        .join(Project, Project.id == ProjectItem.project_id)
        .where(ProjectItem.id == item_id)
    ).first()
    if row is None:
        raise NotFound(f"没有编号为 {item_id} 的清单事项", f"no list item {item_id}")
    return row[0], row[1]


def open_item(
    session: Session,
    project: Project,
    *,
    actor: Actor,
    kind: str,
    title: str,
    owner: str,
    opened_on: date,
    workdays: int,
    category: str = "other",
    calendar: WorkCalendar | None = None,
) -> ProjectItem:
    """Add an item to a project's ledger; it is due ``workdays`` working days after opening."""
    require_project_editor(actor, project.task_force)
    if kind not in ItemKind.__members__:
        raise ValidationError(
            f"清单类型应为 {', '.join(ItemKind)}", f"kind must be one of {', '.join(ItemKind)}"
        )
    if category not in ITEM_CATEGORIES:
        raise ValidationError(
            f"类别应为 {', '.join(ITEM_CATEGORIES)}",
            f"category must be one of {', '.join(ITEM_CATEGORIES)}",
        )
    if not title.strip() or not owner.strip():
        raise ValidationError("事项和责任人不能为空", "title and owner are required")
    if not 0 <= workdays <= 750:
        raise ValidationError(
            "时限应为 0 到 750 个工作日", "the time limit must be 0 to 750 working days"
        )
    calendar = calendar or work_calendar(session)
    item = ProjectItem(
        project_id=project.id,
        kind=kind,
        category=category,
        title=title.strip(),
        owner=owner.strip(),
        opened_on=opened_on,
        workdays=workdays,
        due_on=calendar.deadline(opened_on, workdays),
        status=ItemStatus.open,
    )
    session.add(item)
    session.flush()  # the audit record needs the item's id
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=item.id,
        action="open",
        after=_snapshot(item),
    )
    return item


def start_item(session: Session, item: ProjectItem, project: Project, *, actor: Actor) -> None:
    require_project_editor(actor, project.task_force)
    if item.status != ItemStatus.open:
        raise Conflict(
            f"只有未开始的事项可以标记为办理中（当前：{item.status}）",
            f"only an open item can be started (it is {item.status})",
        )
    before = _snapshot(item)
    item.status = ItemStatus.in_progress
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=item.id,
        action="start",
        before=before,
        after=_snapshot(item),
    )


def close_item(
    session: Session,
    item: ProjectItem,
    project: Project,
    *,
    actor: Actor,
    resolution: str,
    closed_on: date,
    today: date | None = None,
) -> None:
    """销号: close an item, only with how it was resolved and when."""
    require_project_editor(actor, project.task_force)
    today = today or date.today()
    if item.status == ItemStatus.closed:
        raise Conflict("该事项已销号", "the item is already closed", code="already_closed")
    if not resolution or not resolution.strip():
        raise ValidationError(
            "销号须写明办理结果", "closing an item needs its resolution", code="reason_required"
        )
    if closed_on < item.opened_on or closed_on > today:
        raise ValidationError(
            f"销号日期 {closed_on} 应在立项日期 {item.opened_on} 与今天之间",
            f"the closing date {closed_on} must lie between {item.opened_on} and today",
        )
    before = _snapshot(item)
    item.status = ItemStatus.closed
    item.resolution = resolution.strip()
    item.closed_on = closed_on
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=item.id,
        action="close",
        before=before,
        after=_snapshot(item),
    )


def reopen_item(
    session: Session, item: ProjectItem, project: Project, *, actor: Actor, reason: str
) -> None:
    require_project_editor(actor, project.task_force)
    if item.status != ItemStatus.closed:
        raise Conflict("只有已销号的事项可以重新打开", "only a closed item can be reopened")
    if not reason.strip():
        raise ValidationError("重新打开须说明理由", "reopening needs a reason")
    before = _snapshot(item)
    item.status, item.resolution, item.closed_on = ItemStatus.open, None, None
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=item.id,
        action="reopen",
        before=before,
        after=_snapshot(item),
        reason=reason.strip(),
    )


def _read(
    item: ProjectItem, project: Project, as_of: date | None, calendar: WorkCalendar
) -> ItemRead:
    overdue = 0
    blind = {w.year for w in calendar.span_warnings(item.opened_on, item.due_on)}
    if as_of is not None and item.status != ItemStatus.closed and item.due_on < as_of:
        overdue = calendar.workdays_between(item.due_on, as_of)
        blind |= {w.year for w in calendar.span_warnings(item.due_on, as_of)}
    return ItemRead(
        id=item.id,
        project_id=project.id,
        project_name=project.name,
        task_force=project.task_force,
        kind=item.kind,
        category=item.category,
        title=item.title,
        owner=item.owner,
        opened_on=item.opened_on,
        workdays=item.workdays,
        due_on=item.due_on,
        status=item.status,
        resolution=item.resolution,
        closed_on=item.closed_on,
        overdue_workdays=overdue,
        unknown_years=sorted(blind),
    )


def list_items(
    session: Session,
    *,
    project_id: int | None = None,
    owner: str | None = None,
    task_force: str | None = None,
    status: str | None = None,
    as_of: date | None = None,
    calendar: WorkCalendar | None = None,
) -> list[ItemRead]:
    calendar = calendar or work_calendar(session)
    stmt = select(ProjectItem, Project).join(Project, Project.id == ProjectItem.project_id)
    if project_id is not None:
        stmt = stmt.where(ProjectItem.project_id == project_id)
    if owner:
        stmt = stmt.where(ProjectItem.owner == owner)
    if task_force:
        stmt = stmt.where(Project.task_force == task_force)
    if status == "unclosed":
        stmt = stmt.where(ProjectItem.status != ItemStatus.closed)
    elif status:
        stmt = stmt.where(ProjectItem.status == status)
    rows = session.execute(stmt.order_by(ProjectItem.due_on, ProjectItem.id))
    return [_read(i, p, as_of, calendar) for i, p in rows]


def overdue_items(
    session: Session,
    *,
    as_of: date,
    owner: str | None = None,
    task_force: str | None = None,
    calendar: WorkCalendar | None = None,
) -> list[ItemRead]:
    """Items not closed whose deadline is before ``as_of``, most overdue first."""
    calendar = calendar or work_calendar(session)
    stmt = (
        select(ProjectItem, Project)
        .join(Project, Project.id == ProjectItem.project_id)
        .where(ProjectItem.status != ItemStatus.closed, ProjectItem.due_on < as_of)
    )
    if owner:
        stmt = stmt.where(ProjectItem.owner == owner)
    if task_force:
        stmt = stmt.where(Project.task_force == task_force)
    rows = session.execute(stmt.order_by(ProjectItem.due_on, ProjectItem.id))
    return [_read(i, p, as_of, calendar) for i, p in rows]


def overdue_by(
    session: Session, *, as_of: date, by: str, calendar: WorkCalendar | None = None
) -> dict[str, list[ItemRead]]:
    """Overdue items grouped by ``owner`` or ``task_force`` (the pages of each)."""
    if by not in ("owner", "task_force"):
        raise ValidationError("分组应为 owner 或 task_force", "group by owner or task_force")
    groups: dict[str, list[ItemRead]] = {}
    for item in overdue_items(session, as_of=as_of, calendar=calendar):
        key = (item.owner if by == "owner" else item.task_force) or ""
        groups.setdefault(key, []).append(item)
    return dict(sorted(groups.items()))


def recount_deadlines(
    session: Session, *, old: WorkCalendar, new: WorkCalendar, year: int, actor: str
) -> int:
    """Count again the deadlines of the items not closed whose time limit touches ``year`` (a
    holiday notice was loaded for it): the item's own working days from its opening day."""
    items = session.scalars(
        select(ProjectItem)
        .where(
            ProjectItem.status != ItemStatus.closed,
            ProjectItem.opened_on <= date(year, 12, 31),
            ProjectItem.due_on >= date(year - 1, 12, 1),  # a notice may reach into December
        )
        .order_by(ProjectItem.id)
        .with_for_update()
    ).all()
    moved = 0
    for item in items:
        due = new.deadline(item.opened_on, item.workdays)
        if due == item.due_on:
            continue
        before = _snapshot(item)
        item.due_on = due
        moved += 1
        audit.record(
            session,
            actor=actor,
            entity_type=ENTITY,
            entity_id=item.id,
            action="recount_deadline",
            before=before,
            after=_snapshot(item),
            reason=f"{year}年节假日安排载入 / the {year} holiday notice was loaded",
        )
    return moved
