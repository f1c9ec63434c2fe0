"""Chain tables: manual placement overrides (who, when, why) and the external target list.

Chain definitions themselves are data files (``yuanqu/data/chains/*.yaml``), not tables; rows here
refer to a chain and a segment by their keys, as leads and projects do (``chain.segment``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class OverrideAction(StrEnum):
    include = "include"  # the firm sits on the segment whatever the rules say
    exclude = "exclude"  # the firm is taken off the segment whatever the rules say
    clear = "clear"  # the rules decide again


class PlacementOverride(Base):
    """One manual decision about a firm on a segment. Append-only: the latest row per (firm,
    chain, segment) is in force, the earlier ones are its history."""

    __tablename__ = "chain_overrides"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    chain_key: Mapped[str] = mapped_column(String(40))
    segment_key: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, comment="why the rules are overridden")
    decided_by: Mapped[str] = mapped_column(String(100), comment="who decided")
    decided_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), comment="when"
    )

    __table_args__ = (
        CheckConstraint("action IN ('include', 'exclude', 'clear')", name="action_known"),
        Index("ix_chain_overrides_segment", "chain_key", "segment_key"),
    )


class TargetFirm(Base):
    """A firm outside the zone, from an imported list, that could fill a segment (招商目标)."""

    __tablename__ = "chain_targets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    industry_code: Mapped[str | None] = mapped_column(String(4))
    industry_section: Mapped[str | None] = mapped_column(String(1))
    business_scope: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(100), comment="where the firm is")
    contact: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200), comment="the imported file")
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class TargetSegment(Base):
    """A target firm's segment: given in the list, or found by the chain's rules."""

    __tablename__ = "chain_target_segments"

    target_id: Mapped[int] = mapped_column(
        ForeignKey("chain_targets.id", ondelete="CASCADE"), primary_key=True
    )
    chain_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    segment_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    matched: Mapped[str] = mapped_column(String(200), comment="'listed', or the rule that matched")

    __table_args__ = (Index("ix_chain_target_segments_segment", "chain_key", "segment_key"),)
