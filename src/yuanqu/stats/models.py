"""Economic monitoring (经济运行监测): monthly reports, reference totals and price indices.

Amounts are integer fen (分) in ``BigInteger`` columns, as everywhere in yuanqu; files carry yuan.
A period is a calendar month written ``YYYY-MM`` (see :mod:`yuanqu.core.periods`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId

#: The amount columns of a monthly report, in the order of the canonical import file.
AMOUNT_FIELDS = (
    "gross_output",
    "value_added",
    "revenue",
    "profit",
    "tax",
    "rd_expense",
    "fixed_asset_investment",
)
#: Every measure of a monthly report: the amounts plus the headcount.
MEASURE_FIELDS = (*AMOUNT_FIELDS, "employees")


class MonthlyReport(Base):
    """What one firm reported for one month (企业月报); a missing value is NULL, not zero."""

    __tablename__ = "monthly_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The unique (enterprise_id, period) constraint indexes firm look-ups too.
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7), index=True, comment="calendar month YYYY-MM")
    gross_output_fen: Mapped[int | None] = mapped_column(BigInteger, comment="工业总产值 (分)")
    value_added_fen: Mapped[int | None] = mapped_column(BigInteger, comment="工业增加值 (分)")
    revenue_fen: Mapped[int | None] = mapped_column(BigInteger, comment="营业收入 (分)")
    profit_fen: Mapped[int | None] = mapped_column(BigInteger, comment="利润总额 (分), may be < 0")
    tax_fen: Mapped[int | None] = mapped_column(BigInteger, comment="税金 (分)")
    rd_expense_fen: Mapped[int | None] = mapped_column(BigInteger, comment="研发费用 (分)")
    fixed_asset_investment_fen: Mapped[int | None] = mapped_column(
        BigInteger, comment="固定资产投资 (分)"
    )
    employees: Mapped[int | None] = mapped_column(Integer, comment="从业人员 at month end")
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("enterprise_id", "period"),
        CheckConstraint("gross_output_fen >= 0", name="gross_output_not_negative"),
        CheckConstraint("value_added_fen >= 0", name="value_added_not_negative"),
        CheckConstraint("value_added_fen <= gross_output_fen", name="value_added_within_output"),
        CheckConstraint("employees >= 0", name="employees_not_negative"),
    )


class ReferenceTotal(Base):
    """A published total of a wider region (e.g. Beijing's industrial value added), so the
    zone's share of it can be computed. ``month`` and ``cumulative`` (1–N月) are both optional."""

    __tablename__ = "reference_totals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    region: Mapped[str] = mapped_column(String(40), comment="e.g. beijing")
    region_name: Mapped[str | None] = mapped_column(String(100), comment="e.g. 北京市")
    indicator: Mapped[str] = mapped_column(String(40), comment="an indicator key: value_added")
    period: Mapped[str] = mapped_column(String(7), comment="YYYY-MM")
    month_fen: Mapped[int | None] = mapped_column(BigInteger)
    cumulative_fen: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(
        String(300), comment="where the figure was published"
    )

    __table_args__ = (UniqueConstraint("region", "indicator", "period"),)


class PriceIndex(Base):
    """An industrial producer price index by division and month, same month last year = 100
    (上年同月=100); it turns current-price growth into growth at comparable prices."""

    __tablename__ = "price_indices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    division: Mapped[str] = mapped_column(String(2), comment="GB/T 4754 division, e.g. 39")
    period: Mapped[str] = mapped_column(String(7), comment="YYYY-MM")
    price_index: Mapped[float] = mapped_column(Float, comment="same month last year = 100")

    __table_args__ = (
        UniqueConstraint("division", "period"),
        CheckConstraint("price_index > 0", name="index_positive"),
    )
