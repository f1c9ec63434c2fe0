"""The indicators of the monthly bulletin, written once as data.

Each indicator is an expression over the measure columns of a monthly report (amounts in fen).
The analytics engine compiles these definitions to SQL (DuckDB here, Spark SQL at scale), so
nothing here is evaluated row by row in Python.

- ``kind="flow"``: the window's value is the sum over its months (output, revenue...).
- ``kind="stock"``: the window's value is the average month (headcount: 平均用工人数), i.e. the
  sum over the window divided by its number of calendar months.
- ``deflate``: growth is computed at comparable prices when a price index exists for the
  period (industrial output and value added, as the NBS does); other amounts stay nominal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from yuanqu.core.errors import ValidationError
from yuanqu.stats.models import MEASURE_FIELDS

Kind = Literal["flow", "stock"]
Unit = Literal["fen", "persons"]

# The columns an expression may name: the measures of a monthly report, amounts in fen.
COLUMNS: dict[str, str] = {
    field: (field if field == "employees" else f"{field}_fen") for field in MEASURE_FIELDS
}


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    name_en: str
    expression: str
    unit: Unit = "fen"
    kind: Kind = "flow"
    deflate: bool = False

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "gross_output", "工业总产值", "Gross industrial output", "gross_output", deflate=True
    ),
    Indicator("value_added", "工业增加值", "Industrial value added", "value_added", deflate=True),
    Indicator("revenue", "营业收入", "Operating revenue", "revenue"),
    Indicator("profit", "利润总额", "Total profit", "profit"),
    Indicator("tax", "税金", "Taxes", "tax"),
    Indicator("rd_expense", "研发费用", "R&D expense", "rd_expense"),
    Indicator(
        "fixed_asset_investment", "固定资产投资", "Fixed-asset investment", "fixed_asset_investment"
    ),
    Indicator("employees", "从业人员", "Employees", "employees", unit="persons", kind="stock"),
)

_BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
_TOKEN = re.compile(r"\s*(?:(?P<name>[a-z_]+)|(?P<number>\d+(?:\.\d+)?)|(?P<op>[-+*/()]))")


def get_indicator(key: str) -> Indicator:
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise ValidationError(
            f"未知的指标 '{key}'（可用：{known}）",
            f"unknown indicator '{key}' (known: {known})",
            details={"indicator": key},
        ) from None


def compile_expression(expression: str, *, table: str = "") -> str:
    """The SQL of an indicator expression: names checked against :data:`COLUMNS`, nothing else
    than numbers, + - * / and parentheses allowed, so a definition can never run arbitrary SQL."""
    out: list[str] = []
    position = 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValidationError(
                f"指标表达式无法解析：{expression!r}", f"cannot parse expression {expression!r}"
            )
        position = match.end()
        if match["name"]:
            column = COLUMNS.get(match["name"])
            if column is None:
                raise ValidationError(
                    f"指标表达式中的未知字段 '{match['name']}'",
                    f"unknown field '{match['name']}' in expression {expression!r}",
                )
            out.append(f"{table}.{column}" if table else column)
        else:
            out.append(match["number"] or match["op"])
    return " ".join(out)
