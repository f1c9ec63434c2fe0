"""Tables of the enterprise service desk (企业服务 · 接诉即办): units, requests, visits, advisers.

Times of the desk are the zone's local time (China Standard Time, UTC+8, no daylight saving),
stored without a zone: a request "received at 2024-09-30 16:20" and "due at the end of
2024-10-15" are read and written as the desk and the 12345 exports say them, on SQLite and
PostgreSQL alike. Audit records keep their own UTC timestamps.

The workflow invariants the database holds: a request's number is unique, its state is known, a
satisfaction is one of three words, a unit assists a request at most once, and the deadline of a
request is never before its receipt.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class RequestStatus(StrEnum):
    """Where a request stands (see ``workflow.TRANSITIONS``)."""

    received = "received"  # 已受理，待派单
    dispatched = "dispatched"  # 已派单，待承办单位签收
    in_progress = "in_progress"  # 已签收，办理中（可阶段性答复）
    returned = "returned"  # 承办单位退回派单员（非本单位职责），待改派
    closed = "closed"  # 已办结，待回访
    followed_up = "followed_up"  # 已回访（是否解决、满意度）


class Channel(StrEnum):
    hotline = "hotline"  # 12345 企业服务热线
    service_port = "service_port"  # 服务港窗口
    visit = "visit"  # 服务管家走访
    portal = "portal"  # 网上企业服务平台
    letter = "letter"  # 来信


class RequestType(StrEnum):
    policy = "policy"  # 政策咨询
    permits = "permits"  # 审批许可
    land_space = "land_space"  # 土地空间
    finance = "finance"  # 融资金融
    talent_housing = "talent_housing"  # 人才住房
    infrastructure = "infrastructure"  # 基础设施和水电气热
    market_supervision = "market_supervision"  # 市场监管
    complaint = "complaint"  # 投诉
    other = "other"  # 其他


class Urgency(StrEnum):
    urgent = "urgent"  # 紧急：2 小时
    time_critical = "time_critical"  # 时限性：24 小时
    general = "general"  # 一般：7 个工作日
    complex = "complex"  # 复杂：15 个工作日


class Satisfaction(StrEnum):
    satisfied = "satisfied"  # 满意
    basically = "basically"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意


class UnitKind(StrEnum):
    department = "department"  # 委办局
    task_force = "task_force"  # 产业专班
    sub_area = "sub_area"  # 片区（街道、乡镇）办公室
    service_port = "service_port"  # 服务港


def _in(values: type[StrEnum]) -> str:
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


class ServiceUnit(Base):
    """A unit that owns or assists requests: a department, a task force, a sub-area office."""

    __tablename__ = "service_units"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    head: Mapped[str | None] = mapped_column(
        String(100), comment="who an overdue request is escalated to (a title or a username)"
    )
    position: Mapped[int] = mapped_column(Integer, default=0, comment="order in lists")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint(f"kind IN {_in(UnitKind)}", name="kind_known"),
        {"comment": "units of the service desk (承办单位), a configurable list"},
    )

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


class ServiceUnitMember(Base):
    """A staff account working for a unit (task-force members belong to their task forces'
    units without a row here)."""

    __tablename__ = "service_unit_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_code: Mapped[str] = mapped_column(
        ForeignKey("service_units.code", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(100), index=True)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("unit_code", "username"),)


class ServiceVisit(Base):
    """A visit to a firm (走访): who went, whom they met, what was discussed and found."""

    __tablename__ = "service_visits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    firm_name: Mapped[str] = mapped_column(String(200))
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("service_units.code"), index=True)
    visitor: Mapped[str] = mapped_column(String(100), comment="the staff member who went")
    people_met: Mapped[str] = mapped_column(String(300))
    topics: Mapped[str] = mapped_column(Text)
    issues: Mapped[str | None] = mapped_column(Text, comment="issues found, one a line")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = ({"comment": "visits to firms (走访)"},)


class ServiceAdviser(Base):
    """A staff member assigned to look after a firm (服务管家)."""

    __tablename__ = "service_advisers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(ForeignKey("service_units.code"), index=True)
    since: Mapped[date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("uscc", "username"),)


class ServiceRequest(Base):
    """One request of a firm (or a person) to the administration: a ticket with deadlines."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_no: Mapped[str] = mapped_column(String(40), unique=True, comment="工单编号")
    channel: Mapped[str] = mapped_column(String(20))
    uscc: Mapped[str | None] = mapped_column(
        String(18), index=True, comment="the firm; empty for a person or an unregistered firm"
    )
    firm_name: Mapped[str | None] = mapped_column(String(200))
    task_force: Mapped[str | None] = mapped_column(String(40), index=True, comment="the firm's")
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(30), index=True)
    urgency: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    owner_unit: Mapped[str | None] = mapped_column(
        ForeignKey("service_units.code"), index=True, comment="首接负责: the owning unit"
    )
    origin: Mapped[str] = mapped_column(String(20), comment="desk, portal, visit or import")
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("service_visits.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True, comment="local time")
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime)
    interim_reply_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True, comment="the answer's deadline")
    sign_due_at: Mapped[datetime | None] = mapped_column(DateTime, comment="sign for by")
    contact_due_at: Mapped[datetime | None] = mapped_column(DateTime, comment="first contact by")
    result: Mapped[str | None] = mapped_column(Text, comment="the answer given on closing")
    solved: Mapped[bool | None] = mapped_column(Boolean, comment="from the follow-up")
    satisfaction: Mapped[str | None] = mapped_column(String(20), comment="from the follow-up")
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalated_to: Mapped[str | None] = mapped_column(String(100))
    returns: Mapped[int] = mapped_column(Integer, default=0, comment="times sent back")
    reopens: Mapped[int] = mapped_column(Integer, default=0, comment="times reopened (复查)")
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"status IN {_in(RequestStatus)}", name="status_known"),
        CheckConstraint(f"channel IN {_in(Channel)}", name="channel_known"),
        CheckConstraint(f"type IN {_in(RequestType)}", name="type_known"),
        CheckConstraint(f"urgency IN {_in(Urgency)}", name="urgency_known"),
        CheckConstraint(
            f"satisfaction IS NULL OR satisfaction IN {_in(Satisfaction)}",
            name="satisfaction_known",
        ),
        CheckConstraint("due_at >= received_at", name="due_after_receipt"),
        CheckConstraint("returns >= 0 AND reopens >= 0", name="counts_positive"),
        {"comment": "enterprise requests (诉求工单, 接诉即办)"},
    )


class ServiceAssist(Base):
    """A unit assisting the owner of a request (协办单位)."""

    __tablename__ = "service_assists"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    unit_code: Mapped[str] = mapped_column(ForeignKey("service_units.code"), index=True)

    __table_args__ = (UniqueConstraint("request_id", "unit_code"),)


class ServiceAttachment(Base):
    """A file attached to a request, stored under the data directory by its SHA-256 (as grant
    evidence is)."""

    __tablename__ = "service_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),)
