"""Registry verbs: look firms up, list and count them (labels as of a date), export them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from yuanqu.core.auth import Principal, Role, forbid_other_firm
from yuanqu.core.cache import LruCache
from yuanqu.core.db import bump_data_version, data_version, database_key
from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.money import format_yuan
from yuanqu.core.uscc import check_uscc, normalize_uscc
from yuanqu.registry.firms import FirmRef, get_enterprise, get_ref, label_active, labels_on
from yuanqu.registry.models import LABEL_NAMES, Enterprise, EnterpriseLabel, Label, TaskForce
from yuanqu.registry.schemas import (
    CountBy,
    CountRow,
    EnterpriseFilter,
    EnterprisePage,
    EnterpriseRead,
    SortKey,
)

MAX_PAGE_SIZE = 500


def check_label(label: str) -> str:
    if label not in Label.__members__:
        known = ", ".join(Label.__members__)
        raise ValidationError(
            f"未知的标签 '{label}'（可用：{known}）",
            f"unknown label '{label}' (known: {known})",
            details={"field": "label", "value": label},
        )
    return label


def industry_condition(code: str) -> ColumnElement[bool]:
    """SQL: the firm's industry is ``code`` or under it, at any level of GB/T 4754."""
    catalog = industry_catalog()
    bare = catalog.normalize(code)
    if catalog.get(bare).level == 1:
        return Enterprise.industry_section == bare
    return Enterprise.industry_code.startswith(bare, autoescape=True)


def apply_filter(stmt: Select, filters: EnterpriseFilter) -> Select:
    """Narrow a select over Enterprise to the filter."""
    as_of = filters.as_of or date.today()
    for label in filters.labels:
        stmt = stmt.where(
            exists().where(
                EnterpriseLabel.enterprise_id == Enterprise.id,
                EnterpriseLabel.label == check_label(label),
                label_active(as_of),
            )
        )
    if filters.industry:
        stmt = stmt.where(industry_condition(filters.industry))
    if filters.sub_area:
        stmt = stmt.where(Enterprise.sub_area == filters.sub_area)
    if filters.task_force:
        stmt = stmt.where(Enterprise.task_force == filters.task_force)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        stmt = stmt.where(
            or_(
                Enterprise.name.contains(text, autoescape=True),
                Enterprise.uscc.startswith(text.upper(), autoescape=True),
            )
        )
    if filters.usccs is not None:
        stmt = stmt.where(Enterprise.uscc.in_(filters.usccs))
    if filters.task_forces is not None:
        stmt = stmt.where(Enterprise.task_force.in_(filters.task_forces))
    return stmt


_SORT_COLUMNS = {
    "name": Enterprise.name,
    "uscc": Enterprise.uscc,
    "established": Enterprise.established,
    "registered_capital": Enterprise.registered_capital_fen,
    "employees": Enterprise.employees,
}


def list_enterprises(
    session: Session,
    *,
    filters: EnterpriseFilter,
    sort: SortKey = "name",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> EnterprisePage:
    """One page of the firms matching the filter, with the total."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"页码须 ≥ 1，每页条数须在 1 到 {MAX_PAGE_SIZE} 之间",
            f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}",
        )
    filters = filters.model_copy(update={"as_of": filters.as_of or date.today()})
    version = data_version(session, "registry")
    if version == 0:  # written without an import (tests' factories): no version to trust
        return _list_page(session, filters, sort, descending, page, page_size)
    # The key is the filter as restricted to the reader (``restrict_to`` adds the firm user's own
    # code, the task forces of a task-force member), so one reader's page never serves another.
    query = f"{filters.model_dump_json()}|{sort}|{descending}|{page}|{page_size}"
    key = (database_key(session), version, query)
    return _PAGES.get_or_compute(
        key, lambda: _list_page(session, filters, sort, descending, page, page_size)
    )


def _list_page(
    session: Session,
    filters: EnterpriseFilter,
    sort: SortKey,
    descending: bool,
    page: int,
    page_size: int,
) -> EnterprisePage:
    total = cached_count(session, filters)
    column = _SORT_COLUMNS[sort]
    order = column.desc() if descending else column.asc()
    stmt = (
        apply_filter(select(Enterprise), filters)
        .options(selectinload(Enterprise.labels))
        .order_by(order, Enterprise.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    as_of = filters.as_of or date.today()
    order = list(Label.__members__)
    items = []
    for firm in session.scalars(stmt):
        item = EnterpriseRead.model_validate(firm)
        held = {lab.label for lab in labels_on(firm, as_of)}
        item.active_labels = sorted(held, key=lambda x: order.index(x) if x in order else 99)
        items.append(item)
    return EnterprisePage(total=total, page=page, page_size=page_size, items=items)


# Counts and pages of the directory, remembered per registry data version (every import bumps
# it): the same filtered page is a dictionary lookup until the data changes. Callers get the
# cached object itself, so they must treat it as read-only (the pages and the API only render it).
_COUNTS: LruCache[int] = LruCache(1024)
_PAGES: LruCache[EnterprisePage] = LruCache(256)


def cache_key(session: Session) -> tuple[str, int] | None:
    """The registry's data as a cache key: the database and its data version (every import and
    every task-force change bumps it); None when it has no version (tests' factories)."""
    version = data_version(session, "registry")
    return (database_key(session), version) if version else None


def cached_count(session: Session, filters: EnterpriseFilter) -> int:
    """How many firms match, remembered per registry data version (every import bumps it), so
    paging through a filtered directory of 90,000 firms counts them once, not on every page."""
    filters = filters.model_copy(update={"as_of": filters.as_of or date.today()})
    version = data_version(session, "registry")
    if version == 0:  # written without an import (tests' factories): no version to trust
        return session.scalar(apply_filter(select(func.count(Enterprise.id)), filters)) or 0
    key = (database_key(session), version, filters.model_dump_json())
    return _COUNTS.get_or_compute(
        key, lambda: session.scalar(apply_filter(select(func.count(Enterprise.id)), filters)) or 0
    )


def iter_enterprises(
    session: Session, *, filters: EnterpriseFilter, batch: int = 5000
) -> Iterator[Enterprise]:
    """Every matching firm with its labels, streamed in batches (exports)."""
    last_id = 0
    while True:
        stmt = (
            apply_filter(select(Enterprise), filters)
            .where(Enterprise.id > last_id)
            .options(selectinload(Enterprise.labels))
            .order_by(Enterprise.id)
            .limit(batch)
        )
        firms = list(session.scalars(stmt))
        if not firms:
            return
        yield from firms
        last_id = firms[-1].id
        session.expunge_all()


def count_enterprises(
    session: Session, *, filters: EnterpriseFilter, by: CountBy | None = None
) -> list[CountRow]:
    """How many firms match, in total or per group; labels count as of ``filters.as_of``."""
    if by is None:
        total = session.scalar(apply_filter(select(func.count(Enterprise.id)), filters)) or 0
        return [CountRow(group="total", count=total)]
    if by == "label":
        as_of = filters.as_of or date.today()
        stmt = (
            select(EnterpriseLabel.label, func.count(func.distinct(Enterprise.id)))
            .join(Enterprise, Enterprise.id == EnterpriseLabel.enterprise_id)
            .where(label_active(as_of))
            .group_by(EnterpriseLabel.label)
        )
    else:
        key = {
            "section": Enterprise.industry_section,
            "division": func.substr(Enterprise.industry_code, 1, 2),
            "sub_area": func.coalesce(Enterprise.sub_area, ""),
            "task_force": func.coalesce(Enterprise.task_force, ""),
        }[by]
        stmt = select(key, func.count(Enterprise.id)).group_by(key)
    rows = session.execute(apply_filter(stmt, filters)).all()
    result = [CountRow(group=str(group), count=count) for group, count in rows]
    if by == "label":
        order = list(Label.__members__)
        result.sort(key=lambda r: order.index(r.group) if r.group in order else len(order))
    else:
        result.sort(key=lambda r: r.group)
    return result


def profile(
    firm: Enterprise,
    *,
    lang: str = "zh",
    as_of: date | None = None,
) -> dict:
    """The identity card of a firm (企业画像): decoded code, industry path, labels and validity.
    What other domains know of the firm (its statistical size class, awards, projects...) they
    show in their own profile tabs."""
    as_of = as_of or date.today()
    verdict = check_uscc(firm.uscc)
    catalog = industry_catalog()
    path = catalog.path(firm.industry_code)
    en = lang == "en"
    active = {id(lab) for lab in labels_on(firm, as_of)}
    return {
        "uscc": firm.uscc,
        "name": firm.name,
        "division": verdict.division_en if en else verdict.division,
        "division_code": verdict.division_code,
        "department": verdict.department_en if en else verdict.department,
        "entity_type": verdict.entity_type_en if en else verdict.entity_type,
        "industry_code": firm.industry_code,
        "industry_path": " › ".join(f"{i.code} {i.label(lang)}" for i in path),
        "industry_levels": [
            {"code": i.code, "level": i.level, "name": i.label(lang)} for i in path
        ],
        "established": firm.established.isoformat() if firm.established else None,
        "registered_capital_fen": firm.registered_capital_fen,
        "registered_capital": format_yuan(firm.registered_capital_fen, lang=lang),
        "employees": firm.employees,
        "sub_area": firm.sub_area,
        "task_force": firm.task_force,
        "address": firm.address,
        "as_of": as_of.isoformat(),
        "labels": [
            {
                "label": lab.label,
                "name": LABEL_NAMES.get(lab.label, (lab.label, lab.label))[1 if en else 0],
                "valid_from": lab.valid_from.isoformat() if lab.valid_from else None,
                "valid_to": lab.valid_to.isoformat() if lab.valid_to else None,
                "active": id(lab) in active,
                "certificate": lab.certificate,
                "exchange": lab.exchange,
                "ticker": lab.ticker,
            }
            for lab in firm.labels
        ],
    }


def sub_areas(session: Session) -> list[str]:
    """The zone's sub-areas (片区) that have firms, the largest first."""
    rows = count_enterprises(session, filters=EnterpriseFilter(), by="sub_area")
    return [row.group for row in sorted(rows, key=lambda r: -r.count) if row.group]


def list_task_forces(session: Session) -> list[TaskForce]:
    return list(session.scalars(select(TaskForce).order_by(TaskForce.code)))


def upsert_task_force(
    session: Session, *, code: str, name_zh: str, name_en: str, leading_industry: bool = True
) -> TaskForce:
    """Create a task force, or rename it if the code exists."""
    code = code.strip()
    if not code or len(code) > 40 or not code.replace("_", "").replace("-", "").isalnum():
        raise ValidationError(
            f"专班代码 '{code}' 无效（字母、数字、-、_，至多40个字符）",
            f"invalid task force code '{code}' (letters, digits, - and _)",
            details={"field": "code", "value": code},
        )
    # Registry pages and figures show task forces' names and are cached by this version.
    bump_data_version(session, "registry")
    force = session.get(TaskForce, code)
    if force is None:
        force = TaskForce(
            code=code, name_zh=name_zh, name_en=name_en, leading_industry=leading_industry
        )
        session.add(force)
    else:
        force.name_zh, force.name_en, force.leading_industry = name_zh, name_en, leading_industry
    return force


# --- who sees what -------------------------------------------------------------------------------


def restrict_to(filters: EnterpriseFilter, principal: Principal) -> EnterpriseFilter:
    """The filter narrowed to what the principal may see (own firm; own task forces)."""
    if principal.role == Role.enterprise:
        return filters.model_copy(update={"usccs": [principal.uscc] if principal.uscc else []})
    if principal.role == Role.task_force:
        return filters.model_copy(update={"task_forces": list(principal.task_forces)})
    return filters


def visible_enterprise(session: Session, *, uscc: str, principal: Principal) -> Enterprise:
    """The firm, labels loaded, if the principal may see it (the checks of ``visible_firm``)."""
    return get_enterprise(session, uscc=visible_firm(session, uscc=uscc, principal=principal).uscc)


def visible_firm(session: Session, *, uscc: str, principal: Principal) -> FirmRef:
    """The firm's id, code, name and task force if the principal may see it: 403 otherwise
    (before even looking, for a firm user, so another firm's existence is not revealed). One
    light query: a profile tab asks on every request."""
    if principal.role == Role.enterprise:
        forbid_other_firm(principal, normalize_uscc(uscc), None)
    firm = get_ref(session, uscc=uscc)
    forbid_other_firm(principal, firm.uscc, firm.task_force)
    return firm


def describe_filter(
    filters: EnterpriseFilter, *, lang: str = "zh", task_forces: dict[str, str] | None = None
) -> list[str]:
    """The filter in words, one phrase per criterion (shown above every table); a task force
    by its name in ``task_forces`` (code to name) when given."""
    en = lang == "en"
    forces_named = task_forces or {}
    parts: list[str] = []
    if filters.q:
        parts.append(f'name or code "{filters.q}"' if en else f"名称或代码含“{filters.q}”")
    for label in filters.labels:
        zh, name_en = LABEL_NAMES.get(label, (label, label))
        parts.append(f"label: {name_en}" if en else f"标签：{zh}")
    if filters.industry:
        catalog = industry_catalog()
        item = catalog.find(catalog.normalize(filters.industry))
        name = f"{filters.industry} {item.label(lang)}" if item else filters.industry
        parts.append(f"industry: {name}" if en else f"行业：{name}")
    if filters.sub_area:
        parts.append(f"sub-area: {filters.sub_area}" if en else f"片区：{filters.sub_area}")
    if filters.task_force:
        force = forces_named.get(filters.task_force, filters.task_force)
        parts.append(f"task force: {force}" if en else f"专班：{force}")
    if filters.task_forces is not None:
        forces = ", ".join(forces_named.get(f, f) for f in filters.task_forces) or "—"
        parts.append(f"your task forces: {forces}" if en else f"限本人专班：{forces}")
    if filters.usccs is not None:
        parts.append("your own enterprise only" if en else "仅本企业")
    as_of = (filters.as_of or date.today()).isoformat()
    parts.append(f"labels as of {as_of}" if en else f"标签截至 {as_of}")
    return parts
