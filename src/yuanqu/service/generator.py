"""A year of requests as a busy desk sees them, for the demo and the benchmark (vectorised).

Calibrated to 亦企服务港 (Beijing Yizhuang's enterprise service port: 5,385 requests in a year,
99.9% closed) and Beijing 12345's limits: most requests are general ones answered within a few
working days, a few percent are signed for late or closed after the deadline, a handful are still
open at the year's end, and the follow-up finds most firms satisfied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from yuanqu.core.workdays import WorkCalendar
from yuanqu.service.sla import Sla

# (type, share, owning units to choose from, words of the content)
TYPES: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "policy",
        0.27,
        ("econ", "science", "policy_office", "TF"),
        ("政策申报条件咨询", "奖励资金兑现进度", "高新技术企业认定政策", "专精特新申报材料"),
    ),
    (
        "permits",
        0.14,
        ("approvals", "construction"),
        ("施工许可办理进度", "环评批复咨询", "消防验收预约", "营业执照变更"),
    ),
    (
        "land_space",
        0.09,
        ("planning", "construction", "AREA"),
        ("厂房扩租需求", "用地规划调整", "标准厂房入驻", "办公空间续租"),
    ),
    (
        "finance",
        0.10,
        ("finance",),
        ("贷款贴息申请", "融资对接需求", "上市辅导咨询", "保险补贴申请"),
    ),
    (
        "talent_housing",
        0.13,
        ("talent",),
        ("人才公寓申请", "落户指标咨询", "子女入学协调", "人才引进奖励"),
    ),
    (
        "infrastructure",
        0.11,
        ("city_ops", "AREA"),
        ("供电扩容", "道路交通改善", "燃气接入", "污水排放接驳", "通勤班车线路"),
    ),
    ("market_supervision", 0.05, ("market",), ("商标注册指导", "计量检定预约", "产品质量抽检咨询")),
    (
        "complaint",
        0.04,
        ("AREA", "market", "city_ops"),
        ("周边施工噪声", "物业服务投诉", "道路占用投诉"),
    ),
    ("other", 0.07, ("service_port",), ("综合咨询", "企业活动场地", "园区导览对接")),
)
CHANNELS = (
    ("hotline", 0.44),
    ("service_port", 0.27),
    ("visit", 0.13),
    ("portal", 0.13),
    ("letter", 0.03),
)
URGENCIES = (("urgent", 0.02), ("time_critical", 0.08), ("general", 0.80), ("complex", 0.10))
AREA_UNITS = {
    "核心区": "area_core",
    "路东区": "area_east",
    "河西区": "area_west",
    "路南区": "area_south",
    "台湖片区": "area_taihu",
    "马驹桥片区": "area_majuqiao",
    "瀛海片区": "area_yinghai",
    "长子营片区": "area_changziying",
}
#: Typical hours from signing to closing, by urgency (median; lognormal spread).
CLOSE_HOURS = {"urgent": 1.2, "time_critical": 10.0, "general": 70.0, "complex": 200.0}


@dataclass(frozen=True)
class FirmRow:
    uscc: str
    name: str
    task_force: str | None
    sub_area: str | None


def _pick(rng: np.random.Generator, table: Sequence[tuple[Any, ...]], n: int) -> np.ndarray:
    shares = np.array([row[1] for row in table], dtype=float)
    return rng.choice(len(table), size=n, p=shares / shares.sum())


def _workday_moments(
    rng: np.random.Generator, year: int, n: int, calendar: WorkCalendar
) -> list[datetime]:
    days = [
        date(year, 1, 1) + timedelta(days=i)
        for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    ]
    weights = np.array([1.0 if calendar.is_workday(d) else 0.06 for d in days])
    chosen = rng.choice(len(days), size=n, p=weights / weights.sum())
    minutes = rng.integers(8 * 60 + 30, 18 * 60, size=n)
    return sorted(
        datetime.combine(days[d], datetime.min.time()) + timedelta(minutes=int(m))
        for d, m in zip(chosen, minutes, strict=True)
    )


def generate(
    rng: np.random.Generator,
    *,
    firms: Sequence[FirmRow],
    n: int,
    year: int,
    calendar: WorkCalendar,
    limits: Sla,
    open_at_end: int = 5,
    reopened: int = 6,
    late_share: float = 0.012,
    created_by: str = "demo:service",
) -> list[dict[str, Any]]:
    """``n`` requests received in ``year`` as column values of ``service_requests``, the last
    ``open_at_end`` of them still open; ``reopened`` of the unsatisfied ones reopened and closed
    again. Ticket numbers run QY<day>-<n> per day."""
    received = _workday_moments(rng, year, n, calendar)
    kinds = _pick(rng, TYPES, n)
    channels = _pick(rng, CHANNELS, n)
    urgencies = _pick(rng, URGENCIES, n)
    # Firms come back: a Zipf-like choice makes repeat requests realistic.
    weights = 1.0 / np.arange(1, len(firms) + 1) ** 0.6
    firm_index = rng.choice(len(firms), size=n, p=weights / weights.sum())
    dispatch_minutes = rng.gamma(2.0, 12.0, size=n)
    sign_minutes = np.where(rng.random(n) < 0.965, rng.uniform(5, 110, n), rng.uniform(125, 400, n))
    contact_hours = rng.gamma(2.0, 2.5, size=n)
    spread = rng.lognormal(0.0, 0.55, size=n)
    late = rng.random(n) < late_share  # closed after the deadline
    followed = rng.random(n) < 0.96
    solved_draw = rng.random(n)
    satisfaction_draw = rng.random(n)
    interim = rng.random(n) < 0.35
    rows: list[dict[str, Any]] = []
    per_day: dict[date, int] = {}
    end = datetime(year + 1, 1, 31, 23, 59)  # the reopened ones are closed again by then
    open_from = n - open_at_end
    for i in range(n):
        kind, _share, owners, words = TYPES[kinds[i]]
        firm = firms[firm_index[i]]
        urgency = URGENCIES[urgencies[i]][0]
        owner = owners[int(rng.integers(len(owners)))]
        if owner == "TF":
            owner = firm.task_force or "econ"
        elif owner == "AREA":
            owner = AREA_UNITS.get(firm.sub_area or "", "area_core")
        at = received[i]
        day = at.date()
        per_day[day] = per_day.get(day, 0) + 1
        due = limits.answer_due(at, urgency, calendar)
        if urgency == "urgent":  # the desk and the unit drop everything: minutes, not hours
            dispatched = at + timedelta(minutes=float(min(dispatch_minutes[i], 10.0)))
            signed = dispatched + timedelta(minutes=float(min(sign_minutes[i], 20.0)))
        else:
            dispatched = at + timedelta(minutes=float(dispatch_minutes[i]))
            signed = dispatched + timedelta(minutes=float(sign_minutes[i]))
        budget = (due - signed).total_seconds() / 3600
        hours = CLOSE_HOURS[urgency] * float(spread[i])
        if late[i] and urgency in ("general", "complex"):
            hours = budget + float(rng.uniform(4, 60))
        else:
            hours = min(hours, max(budget * 0.97, 0.3))
        closed: datetime | None = signed + timedelta(hours=hours)
        first_contact = min(signed + timedelta(hours=float(contact_hours[i])), closed)
        row: dict[str, Any] = {
            "ticket_no": f"QY{day:%Y%m%d}-{per_day[day]:04d}",
            "channel": CHANNELS[channels[i]][0] if kind != "complaint" else "hotline",
            "uscc": firm.uscc,
            "firm_name": firm.name,
            "task_force": firm.task_force,
            "contact_name": None,
            "contact_phone": None,
            "type": kind,
            "urgency": urgency,
            "content": f"{words[int(rng.integers(len(words)))]}（{firm.name}）",
            "status": "followed_up",
            "owner_unit": owner,
            "origin": "demo",
            "visit_id": None,
            "received_at": at,
            "dispatched_at": dispatched,
            "signed_at": signed,
            "first_contact_at": first_contact,
            "interim_reply_at": None,
            "closed_at": closed,
            "followed_up_at": None,
            "due_at": due,
            "sign_due_at": limits.sign_due(dispatched, calendar),
            "contact_due_at": limits.contact_due(signed, calendar),
            "result": "已答复企业并办理完毕",
            "solved": None,
            "satisfaction": None,
            "escalated_at": None,
            "escalated_to": None,
            "returns": 0,
            "reopens": 0,
            "created_by": created_by,
        }
        if interim[i] and hours > 24:
            row["interim_reply_at"] = signed + timedelta(hours=hours / 2)
        if i >= open_from:
            # still open: signed for, in progress, past due by now
            row.update(status="in_progress", closed_at=None, result=None)
        elif followed[i]:
            solved = bool(solved_draw[i] < 0.94)
            word = (
                "satisfied"
                if satisfaction_draw[i] < (0.90 if solved else 0.35)
                else "basically"
                if satisfaction_draw[i] < (0.985 if solved else 0.75)
                else "unsatisfied"
            )
            assert closed is not None
            row.update(
                solved=solved,
                satisfaction=word,
                followed_up_at=closed + timedelta(hours=float(rng.uniform(20, 70))),
            )
        else:
            row["status"] = "closed"
        rows.append(row)
    _reopen_some(rows, reopened, limits, calendar, end)
    return rows


def _reopen_some(
    rows: list[dict[str, Any]], count: int, limits: Sla, calendar: WorkCalendar, end: datetime
) -> None:
    """复查复核: a few unsatisfied firms had theirs reopened, answered again and followed up."""
    done = 0
    for row in rows:
        if done >= count:
            break
        if row["satisfaction"] != "unsatisfied" or row["urgency"] != "general":
            continue
        again = row["followed_up_at"] + timedelta(hours=2)
        closed = again + timedelta(hours=30)
        if closed + timedelta(days=2) > end:
            continue
        row.update(
            reopens=1,
            due_at=max(row["due_at"], limits.answer_due(again, "general", calendar)),
            closed_at=closed,
            followed_up_at=closed + timedelta(hours=24),
            solved=True,
            satisfaction="basically",
            result="复查后已重新办理",
        )
        done += 1
