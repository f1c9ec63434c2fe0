"""The follow-up of the watch list (监测预警): a case opened on a flagged firm, the visit or
request it led to, and its outcome, fed back so the rules' precision can be reported.

The watch list itself is computed, never stored: only what people did about it is.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class FollowUp(StrEnum):
    """What was opened from the watch list: a visit (走访) or a service request (诉求)."""

    visit = "visit"
    request = "request"


class Outcome(StrEnum):
    """How a case ended: the firm's trouble resolved, a false alarm, or the firm lost."""

    resolved = "resolved"
    false_alarm = "false_alarm"
    lost = "lost"


FOLLOW_UP_NAMES = {FollowUp.visit: ("走访", "Visit"), FollowUp.request: ("诉求", "Request")}
OUTCOME_NAMES = {
    Outcome.resolved: ("已化解", "Resolved"),
    Outcome.false_alarm: ("误报", "False alarm"),
    Outcome.lost: ("已流失", "Lost"),
}


class WatchCase(Base):
    """One firm taken up from the watch list of one as-of period."""

    __tablename__ = "watch_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    as_of: Mapped[str] = mapped_column(String(7), comment="the watch list's period YYYY-MM")
    signals: Mapped[str] = mapped_column(
        String(400), comment="the rule ids the firm had, comma-separated"
    )
    score: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(100), comment="adviser or task force code")
    follow_up: Mapped[str] = mapped_column(String(10), comment="visit or request")
    follow_up_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("follow_up IN ('visit', 'request')", name="follow_up_known"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('resolved', 'false_alarm', 'lost')",
            name="outcome_known",
        ),
    )

    def signal_list(self) -> list[str]:
        return [s for s in self.signals.split(",") if s]
