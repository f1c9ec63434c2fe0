"""Plans and targets (行动计划 / 目标考核), kept as their YAML text: the file shipped in
``data/plans/`` or the text an administrator edited in the browser, checked by the same reader
(:mod:`yuanqu.plans.definitions`) either way. Progress is computed from the data, never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class PlanSource(Base):
    """One plan's definition as YAML text."""

    __tablename__ = "plan_sources"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True, comment="the plan's key in its file")
    source: Mapped[str] = mapped_column(Text, comment="the YAML text, checked before it is saved")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
