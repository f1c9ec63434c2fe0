"""Importing 12345 exports (xlsx or CSV): every row or none.

Canonical columns ``ticket_no,received_at,channel,uscc,type,urgency,content``, optionally
``unit,signed_at,first_contact_at,closed_at,solved,satisfaction`` (and ``firm_name``,
``contact_name`` for a firm not registered yet or a person); the Chinese headers of the exports
are accepted too. Times are ISO 8601 local time (``2024-09-30T10:00`` or ``2024-09-30 10:00``).
Types, urgencies, channels and satisfactions are read by code or by Chinese name.

A row's state follows from what it says: closed with a follow-up, closed, signed for, given a
unit, or only received. Deadlines are counted as for a request received at the desk. Every bad
cell and every broken rule is reported with its row, column and reason, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal
from yuanqu.core.errors import YuanquError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.tabular import (
    CellError,
    Column,
    ImportRejected,
    RowError,
    map_headers,
    parse_column,
    parse_text,
    read_table,
)
from yuanqu.core.uscc import check_uscc
from yuanqu.service import catalogue, sla, units
from yuanqu.service.firms import firms_by_uscc
from yuanqu.service.models import (
    Channel,
    RequestStatus,
    RequestType,
    Satisfaction,
    ServiceRequest,
    Urgency,
)
from yuanqu.service.requests import ENTITY, iso, local_now, snapshot

COLUMNS = (
    Column("ticket_no", ("工单编号", "工单号", "编号"), required=True),
    Column("received_at", ("受理时间", "来电时间", "登记时间"), required=True),
    Column("channel", ("渠道", "来源渠道", "诉求渠道"), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("type", ("诉求类型", "类型", "问题类型"), required=True),
    Column("urgency", ("紧急程度", "办理时限类型"), required=True),
    Column("content", ("诉求内容", "内容", "问题描述"), required=True),
    Column("firm_name", ("企业名称", "诉求企业")),
    Column("contact_name", ("联系人", "诉求人")),
    Column("unit", ("承办单位", "主办单位")),
    Column("signed_at", ("签收时间",)),
    Column("first_contact_at", ("首次联系时间", "首次联系")),
    Column("closed_at", ("办结时间", "结案时间")),
    Column("solved", ("是否解决", "解决情况")),
    Column("satisfaction", ("满意度", "回访满意度")),
)

_TRUE = {"是", "已解决", "解决", "yes", "y", "true", "1"}
_FALSE = {"否", "未解决", "no", "n", "false", "0"}


def parse_local_time(value: Any) -> datetime:
    """A local time with at least hours and minutes (Excel times, ISO text with T or a space)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # an explicit zone: to the zone's local time
            value = value.astimezone(sla.CST).replace(tzinfo=None)
        return value.replace(microsecond=0)
    text = str(value).strip().replace("/", "-")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CellError(
            "时间应为 ISO 8601 本地时间，如 2024-09-30T10:00",
            "a time must be ISO 8601 local time, e.g. 2024-09-30T10:00",
        ) from None
    if len(text) <= 10:
        raise CellError(
            "须写到时分，如 2024-09-30T10:00", "write the hour and minute, e.g. 2024-09-30T10:00"
        )
    if moment.tzinfo is not None:
        moment = moment.astimezone(sla.CST).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _word(kind: type[StrEnum]):
    def parse(value: Any) -> str:
        try:
            return catalogue.parse(kind, str(value))
        except YuanquError as exc:
            raise CellError(exc.zh, exc.en) from None

    return parse


def _solved(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("应为 是 或 否", "must be yes or no")


def _uscc(value: Any) -> str:
    verdict = check_uscc(str(value))
    if not verdict.valid:
        raise CellError(
            f"统一社会信用代码无效：{verdict.reason_zh}",
            f"invalid credit code: {verdict.reason_en}",
        )
    return verdict.code


@dataclass
class ImportResult:
    rows: int
    created: int
    by_status: dict[str, int] = field(default_factory=dict)
    source: str = ""


def import_requests(
    session: Session,
    *,
    actor: Principal,
    source: Path | str | bytes,
    filename: str | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Read, check and write every request of the file, or none (ImportRejected)."""
    now = now or local_now()
    table = read_table(source, filename=filename)
    columns = map_headers(table.header, COLUMNS)
    errors: list[RowError] = []

    def column(name: str, parser: Any, **kwargs: Any) -> list[Any]:
        return parse_column(table, columns, name, parser, errors, **kwargs)

    def text(name: str, limit: int, required: bool = False) -> list[Any]:
        return column(name, parse_text, required=required, max_length=limit)

    values = {
        "ticket_no": text("ticket_no", 40, True),
        "received_at": column("received_at", parse_local_time, required=True),
        "channel": column("channel", _word(Channel), required=True),
        "uscc": column("uscc", _uscc),
        "type": column("type", _word(RequestType), required=True),
        "urgency": column("urgency", _word(Urgency), required=True),
        "content": text("content", 4000, True),
        "firm_name": text("firm_name", 200),
        "contact_name": text("contact_name", 100),
        "unit": text("unit", 100),
        "signed_at": column("signed_at", parse_local_time),
        "first_contact_at": column("first_contact_at", parse_local_time),
        "closed_at": column("closed_at", parse_local_time),
        "solved": column("solved", _solved),
        "satisfaction": column("satisfaction", _word(Satisfaction)),
    }
    n = len(table.rows)
    rows = [{k: v[i] for k, v in values.items()} for i in range(n)]
    header = {name: col.header for name, col in columns.items()}

    def fail(i: int, name: str, value: Any, zh: str, en: str) -> None:
        shown = "" if value is None else str(value)
        errors.append(RowError(i + 2, header.get(name, name), shown, zh, en))

    known_units = units.all_units(session)
    unit_names = {}
    for unit in known_units.values():
        unit_names.update({unit.code: unit.code, unit.name_zh: unit.code, unit.name_en: unit.code})
    tickets = [r["ticket_no"] for r in rows if r["ticket_no"]]
    existing = set()
    for start in range(0, len(tickets), 900):
        existing.update(
            session.scalars(
                select(ServiceRequest.ticket_no).where(
                    ServiceRequest.ticket_no.in_(tickets[start : start + 900])
                )
            )
        )
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        _check_row(i, row, fail, unit_names, existing, seen, now)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.column)))
    firms = firms_by_uscc(session, [r["uscc"] for r in rows if r["uscc"]])
    calendar = work_calendar(session)
    limits = sla.shipped_sla()
    created: list[ServiceRequest] = []
    by_status: dict[str, int] = {}
    for row in rows:
        req = _request(row, firms, limits, calendar, actor)
        by_status[req.status] = by_status.get(req.status, 0) + 1
        created.append(req)
    session.add_all(created)
    session.flush()  # the audit records name the new ids
    with audit.appending(session):
        for req in created:
            audit.record(
                session,
                actor=actor.username,
                entity_type=ENTITY,
                entity_id=req.id,
                action="import",
                after=snapshot(req) | {"ticket_no": req.ticket_no, "at": iso(req.received_at)},
                reason=table.source or None,
            )
    return ImportResult(n, len(created), by_status, table.source)


def _check_row(
    i: int,
    row: dict[str, Any],
    fail: Any,
    unit_names: dict[str, str],
    existing: set[str],
    seen: dict[str, int],
    now: datetime,
) -> None:
    ticket = row["ticket_no"]
    if ticket:
        if ticket in existing:
            fail(i, "ticket_no", ticket, "工单编号已存在", "the ticket exists already")
        elif ticket in seen:
            fail(
                i, "ticket_no", ticket, f"与第 {seen[ticket]} 行重复", f"repeats row {seen[ticket]}"
            )
        seen.setdefault(ticket, i + 2)
    if row["unit"]:
        code = unit_names.get(row["unit"])
        if code is None:
            fail(i, "unit", row["unit"], "没有该承办单位", "no such unit")
        row["unit"] = code
    received = row["received_at"]
    if received is None:
        return
    if received > now:
        fail(i, "received_at", iso(received), "受理时间晚于现在", "received in the future")
    previous = ("received_at", received)
    for name in ("signed_at", "closed_at"):
        moment = row[name]
        if moment is None:
            continue
        if moment < previous[1]:
            fail(
                i,
                name,
                iso(moment),
                f"早于{previous[0]}（{iso(previous[1])}）",
                f"is before {previous[0]} ({iso(previous[1])})",
            )
        if moment > now:
            fail(i, name, iso(moment), "晚于现在", "is in the future")
        previous = (name, moment)
    contact = row["first_contact_at"]
    if contact is not None and contact < received:
        fail(i, "first_contact_at", iso(contact), "早于受理时间", "is before received_at")
    if (row["signed_at"] or row["closed_at"]) and not row["unit"]:
        fail(
            i,
            "unit",
            "",
            "已签收或办结的诉求须写明承办单位",
            "a signed or closed request needs its unit",
        )
    if row["closed_at"] and not row["signed_at"]:
        row["signed_at"] = None  # closed without a recorded signature: signed when closed
    for name in ("solved", "satisfaction"):
        if row[name] is not None and row["closed_at"] is None:
            fail(
                i,
                name,
                row[name],
                "未办结的诉求不能有回访结果",
                "only a closed request is followed up",
            )
    if row["satisfaction"] is not None and row["solved"] is None:
        fail(i, "solved", "", "有满意度时须写明是否解决", "a follow-up says whether it was solved")
    if not row["uscc"] and not row["firm_name"] and not row["contact_name"]:
        fail(i, "uscc", "", "须写明企业信用代码、企业名称或诉求人", "name the firm or the person")


def _request(
    row: dict[str, Any], firms: dict[str, Any], limits: sla.Sla, calendar: Any, actor: Principal
) -> ServiceRequest:
    received = row["received_at"]
    firm = firms.get(row["uscc"]) if row["uscc"] else None
    unit = row["unit"]
    signed = row["signed_at"] or (row["closed_at"] if row["closed_at"] else None)
    if row["satisfaction"] is not None:
        status = RequestStatus.followed_up
    elif row["closed_at"] is not None:
        status = RequestStatus.closed
    elif signed is not None:
        status = RequestStatus.in_progress
    elif unit is not None:
        status = RequestStatus.dispatched
    else:
        status = RequestStatus.received
    return ServiceRequest(
        ticket_no=row["ticket_no"],
        channel=row["channel"],
        uscc=row["uscc"],
        firm_name=firm.name if firm else row["firm_name"],
        task_force=firm.task_force if firm else None,
        contact_name=row["contact_name"],
        type=row["type"],
        urgency=row["urgency"],
        content=row["content"],
        status=status.value,
        owner_unit=unit,
        origin="import",
        received_at=received,
        dispatched_at=received if unit else None,
        sign_due_at=limits.sign_due(received, calendar) if unit else None,
        signed_at=signed,
        contact_due_at=limits.contact_due(signed, calendar) if signed else None,
        first_contact_at=row["first_contact_at"],
        closed_at=row["closed_at"],
        followed_up_at=row["closed_at"] if row["satisfaction"] else None,
        due_at=limits.answer_due(received, row["urgency"], calendar),
        solved=row["solved"],
        satisfaction=row["satisfaction"],
        created_by=actor.username,
        returns=0,
        reopens=0,
    )
