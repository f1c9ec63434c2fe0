"""The indicators a commitment may name: their words, their unit and where their actual comes from.

A target is stored in the indicator's base unit (fen, fen per 亩, persons, basis points, or a
date) and shown in the display unit people sign (万元, 万元/亩, 人, %).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from yuanqu.core.errors import ValidationError


class Kind(StrEnum):
    amount = "amount"  # fen; shown in 万元
    per_mu = "per_mu"  # fen per 亩; shown in 万元/亩
    count = "count"  # persons
    share = "share"  # basis points; shown in %
    date = "date"  # a deadline: met when the milestone happened on or before it


@dataclass(frozen=True)
class Indicator:
    key: str
    zh: str
    en: str
    kind: Kind
    #: flows are measured over a calendar year (the term's period); stocks up to the test date
    flow: bool
    source_zh: str
    source_en: str

    def name(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def unit(self, lang: str = "zh") -> str:
        return UNITS[self.kind][lang == "en"]

    def source(self, lang: str = "zh") -> str:
        return self.source_en if lang == "en" else self.source_zh


UNITS: dict[str, tuple[str, str]] = {
    Kind.amount: ("万元", "10k yuan"),
    Kind.per_mu: ("万元/亩", "10k yuan/mu"),
    Kind.count: ("人", "persons"),
    Kind.share: ("%", "%"),
    Kind.date: ("日期", "date"),
}
#: base units per display unit
SCALE: dict[str, int] = {
    Kind.amount: 1_000_000,
    Kind.per_mu: 1_000_000,
    Kind.count: 1,
    Kind.share: 100,
}

_STATS = ("企业月报", "monthly firm reports")
_PROJECT = ("重点项目台账", "key-project ledger")

INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator(
            "fixed_asset_investment",
            "固定资产投资",
            "fixed-asset investment",
            Kind.amount,
            False,
            "项目月度完成投资（累计至考核日）",
            "project's monthly investment to date",
        ),
        Indicator(
            "investment_intensity",
            "投资强度",
            "investment intensity",
            Kind.per_mu,
            False,
            "项目累计投资 ÷ 项目地块亩数",
            "project investment / its parcels' mu",
        ),
        Indicator(
            "tax_per_mu",
            "亩均税收",
            "tax per mu",
            Kind.per_mu,
            True,
            "企业年度税金 ÷ 企业地块亩数",
            "firm's tax of the year / its parcels' mu",
        ),
        Indicator(
            "output_per_mu",
            "亩均产值",
            "output per mu",
            Kind.per_mu,
            True,
            "企业年度工业总产值 ÷ 企业地块亩数",
            "firm's output of the year / its parcels' mu",
        ),
        Indicator("output", "工业总产值", "gross output", Kind.amount, True, *_STATS),
        Indicator("revenue", "营业收入", "revenue", Kind.amount, True, *_STATS),
        Indicator("tax", "税收", "tax", Kind.amount, True, *_STATS),
        Indicator(
            "employees",
            "从业人员",
            "employees",
            Kind.count,
            False,
            "考核日前最近一期月报",
            "latest monthly report up to the test date",
        ),
        Indicator(
            "rd_share",
            "研发投入占比",
            "R&D share of revenue",
            Kind.share,
            True,
            "年度研发费用 ÷ 年度营业收入",
            "R&D expense / revenue of the year",
        ),
        Indicator("start_date", "开工日期", "construction start", Kind.date, False, *_PROJECT),
        Indicator(
            "completion_date",
            "竣工投产日期",
            "completion and production",
            Kind.date,
            False,
            *_PROJECT,
        ),
        Indicator(
            "full_production_date", "达产日期", "full production", Kind.date, False, *_PROJECT
        ),
    )
}

_BY_NAME = {name: key for key, i in INDICATORS.items() for name in (key, i.zh, i.en)}


def indicator(name: str) -> Indicator:
    """The indicator by key, Chinese or English name; a clear error otherwise."""
    key = _BY_NAME.get(name.strip()) if isinstance(name, str) else None
    if key is None:
        known = "、".join(i.zh for i in INDICATORS.values())
        raise ValidationError(
            f"未知的考核指标：{name}（可选：{known}）",
            f"unknown indicator: {name} (one of: {', '.join(INDICATORS)})",
            code="unknown_indicator",
        )
    return INDICATORS[key]


def to_base(ind: Indicator, value: Decimal) -> int:
    """A target as people write it (万元, 万元/亩, 人, %) in the base unit, exactly."""
    scaled = value * SCALE[ind.kind]
    if scaled != scaled.to_integral_value():
        raise ValueError("too many decimals")
    return int(scaled)


def to_display(ind: Indicator, value: int | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value) / SCALE[ind.kind]


def display(ind: Indicator, value: int | date | None) -> float | str | None:
    """A JSON-ready number in the display unit (two decimals), or an ISO date."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    shown = to_display(ind, value)
    assert shown is not None
    rounded = shown.quantize(Decimal("0.01"))
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)
