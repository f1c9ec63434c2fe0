"""Pydantic v2 shapes of the statistics domain at its edges: JSON-ready typed results.

Amounts are integer fen (``unit="fen"``; pages format them with ``format_yuan``), headcounts are
persons; growth rates and shares are percentages, ``None`` when there is no meaningful figure
(a zero or missing base), shown as "—".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

PriceBasis = Literal["comparable", "nominal"]


class BulletinRow(BaseModel):
    indicator: str
    indicator_name: str
    unit: Literal["fen", "persons"]
    by: str
    group: str
    group_name: str
    month: float | int | None
    cumulative: float | int | None
    month_yoy_pct: float | None  # same scope, comparable prices when available
    cumulative_yoy_pct: float | None
    month_change_pct: float | None  # plain total to total, current prices
    cumulative_change_pct: float | None
    share_of_zone_pct: float | None  # cumulative, of the scope's zone total
    share_of_reference_pct: float | None  # cumulative, of the reference total (total row)

    @property
    def share_pct(self) -> float | None:
        """The bulletin's share column: of the reference for the zone row, else of the zone."""
        return self.share_of_reference_pct if self.by == "total" else self.share_of_zone_pct


class Bulletin(BaseModel):
    period: str
    scope: str
    label: str  # 2023年1-2月
    cumulative_label: str  # 2023年1-12月
    price_basis: PriceBasis
    reference_region: str | None
    firms_reporting: int
    rows: list[BulletinRow]


class FirmFigures(BaseModel):
    """One firm in a drill-down or ranking."""

    uscc: str
    name: str
    industry_code: str
    month: float | int | None
    cumulative: float | int | None
    month_yoy_pct: float | None
    cumulative_yoy_pct: float | None
    share_pct: float | None  # of the group's cumulative total


class TrendPoint(BaseModel):
    period: str  # the bulletin period (2023-02 stands for 1-2月)
    label: str
    indicator: str
    value: float | int | None
    yoy_pct: float | None  # same scope
    change_pct: float | None  # plain


class TreeNode(BaseModel):
    code: str
    name: str
    value: int | float | None
    children: list[TreeNode] = []


class MonthlyFigures(BaseModel):
    """A firm's own report for one month, with its year-on-year growth."""

    period: str
    gross_output_fen: int | None
    value_added_fen: int | None
    revenue_fen: int | None
    profit_fen: int | None
    tax_fen: int | None
    rd_expense_fen: int | None
    fixed_asset_investment_fen: int | None
    employees: int | None
    gross_output_yoy_pct: float | None
    revenue_yoy_pct: float | None


class SizeClass(BaseModel):
    size_class: str | None  # large, medium, small, micro; None when a figure is missing
    year: int | None
    months_reported: int
    revenue_fen: int | None  # annual (annualised when fewer than 12 months were reported)
    employees: float | None  # average headcount


class MissingReport(BaseModel):
    uscc: str
    name: str
    last_period: str | None
