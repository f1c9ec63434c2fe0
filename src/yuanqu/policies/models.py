"""The policies domain's table: annual firm facts the registry and the statistics do not hold.

Some criteria read figures no other domain keeps: technical staff, high-tech product revenue,
intellectual property counts, approved clinical trials, rocket launches, insurance premiums, and
the annual financial-statement revenue and R&D expense of firms that file no monthly report.
Rather than widening the registry's or the statistics' tables with columns only policies read,
they live here as one row per (firm, year, fact), with integer values (fen or counts) and the
catalogue of facts in ``policies.language.variables.FACTS``. An absent row is a missing fact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import UniqueConstraint

from yuanqu.core.db import Base, BigId


class PolicyFact(Base):
    """One annual fact about one firm (e.g. 2023 technical staff = 42)."""

    __tablename__ = "policy_facts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer, comment="calendar year the fact is about")
    fact: Mapped[str] = mapped_column(String(40), comment="a name from the facts catalogue")
    value: Mapped[int] = mapped_column(BigInteger, comment="fen for amounts, else a count")
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "fact"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("year BETWEEN 1900 AND 2200", name="year_plausible"),
    )
