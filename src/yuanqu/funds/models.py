"""The fund register (产业基金): the zone's funds and sub-funds, their investments in firms, and
exits. Amounts in fen; a stake in basis points (1% = 100)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class Fund(Base):
    """A fund or a sub-fund (``parent_id``) the zone puts money in."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id"))
    size_fen: Mapped[int] = mapped_column(BigInteger, comment="the fund's size (认缴规模)")
    zone_share_fen: Mapped[int] = mapped_column(BigInteger, comment="the zone's commitment")
    manager: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    track: Mapped[str | None] = mapped_column(String(60), comment="the track (赛道) it serves")

    __table_args__ = (
        CheckConstraint("size_fen > 0", name="size_positive"),
        CheckConstraint("zone_share_fen >= 0 AND zone_share_fen <= size_fen", name="share_within"),
        CheckConstraint("end_year >= start_year", name="period_ordered"),
    )


class FundInvestment(Base):
    """One investment of a fund: in a registry firm (in the zone) or a firm outside it."""

    __tablename__ = "fund_investments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True, comment="NULL: outside"
    )
    investee_name: Mapped[str] = mapped_column(String(200))
    invested_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[str] = mapped_column(String(40), comment="天使轮, A轮, Pre-IPO...")
    stake_bp: Mapped[int] = mapped_column(Integer, comment="stake in basis points")
    exited_on: Mapped[date | None] = mapped_column(Date)
    exit_amount_fen: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("stake_bp > 0 AND stake_bp <= 10000", name="stake_within"),
        CheckConstraint(
            "exited_on IS NULL OR exited_on >= invested_on", name="exit_after_investment"
        ),
    )
