"""The variable catalogue: every input a policy may read, typed, with its unit and its source.

A variable's value for a firm is taken *for the rule's period* (a calendar year): statistics are
summed over the year's monthly reports, labels are read as of the year's last day, annual facts
are those filed for that year. A variable with no data is *missing* (SQL NULL), never zero.

Money is in yuan (exact, 2 decimals: the stored fen divided by 100); shares are fractions
(0.6 = 60%); counts are whole numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yuanqu.policies.language.expressions import BOOLEAN, NUMBER, TEXT
from yuanqu.registry.firms import LABEL_NAMES


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    unit: str  # yuan, share, percent, persons, count, years, code, flag
    source: str  # registry, label, stats, facts, derived
    zh: str
    en: str
    definition: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "type": self.type,
            "unit": self.unit,
            "source": self.source,
            "zh": self.zh,
            "en": self.en,
            "definition": self.definition,
        }


@dataclass(frozen=True)
class Fact:
    """An annual firm fact kept by the policies domain (``policy_facts``): integer values only."""

    name: str
    unit: str  # fen or count
    zh: str
    en: str


#: Facts the registry and the monthly statistics do not hold, filed per firm and year.
FACTS: tuple[Fact, ...] = (
    Fact("tech_staff", "count", "科技人员数", "technical staff (persons)"),
    Fact(
        "high_tech_product_revenue", "fen", "高新技术产品（服务）收入", "high-tech product revenue"
    ),
    Fact(
        "invention_patents", "count", "发明专利数（I类知识产权）", "invention patents (class I IP)"
    ),
    Fact("class2_ip", "count", "实用新型等II类知识产权数", "utility models etc. (class II IP)"),
    Fact(
        "clinical_trials_approved",
        "count",
        "获批临床试验的新药数",
        "new drugs approved for clinical trials",
    ),
    Fact("rockets_launched", "count", "商业火箭成功发射次数", "commercial rocket launches"),
    Fact("satellites_delivered", "count", "交付卫星数", "satellites delivered"),
    Fact("tech_insurance_premium", "fen", "科技保险保费", "tech insurance premium paid"),
    # Written when a 亩均效益评价 is published: A = 1, B = 2, C = 3, D = 4 (yuanqu.mu).
    Fact("mu_grade", "count", "亩均效益评价等级（A=1，B=2，C=3，D=4）", "mu grade (A=1 ... D=4)"),
    Fact("annual_employees", "count", "年末从业人员数", "employees at year end"),
    Fact(
        "annual_revenue", "fen", "年度营业收入（财务报表）", "annual revenue (financial statements)"
    ),
    Fact(
        "annual_rd_expense",
        "fen",
        "年度研发费用（财务报表）",
        "annual R&D expense (financial statements)",
    ),
    # Filed with the year's statements: the previous year's R&D expense, as the statements'
    # comparative column shows it (a firm with no monthly reports has no other source for it).
    Fact(
        "annual_rd_expense_prev",
        "fen",
        "上年研发费用（财务报表上年数）",
        "previous year's R&D expense (comparative column of the financial statements)",
    ),
)
FACT_NAMES = {f.name: f for f in FACTS}

# Statistics summed over the period's monthly reports (stats domain), in fen.
STAT_SUMS = ("revenue", "rd_expense", "value_added", "gross_output", "profit", "tax")

_V = Variable
_CATALOGUE: list[Variable] = [
    _V(
        "industry_code",
        TEXT,
        "code",
        "registry",
        "国民经济行业代码",
        "industry code (GB/T 4754)",
        "bare digits; use in_industry(...) to test membership at any level",
    ),
    _V("industry_section", TEXT, "code", "registry", "行业门类", "industry section (letter)"),
    _V("task_force", TEXT, "code", "registry", "产业专班", "task force code"),
    _V("sub_area", TEXT, "code", "registry", "片区", "sub-area"),
    _V(
        "years_since_established",
        NUMBER,
        "years",
        "registry",
        "成立年限（整年）",
        "full years since establishment",
        "whole years from the establishment date to the period's last day",
    ),
    _V("registered_capital", NUMBER, "yuan", "registry", "注册资本", "registered capital"),
    *(
        _V(
            f"label_{label}",
            BOOLEAN,
            "flag",
            "label",
            f"{zh}（期末有效）",
            f"{en} (valid at period end)",
        )
        for label, (zh, en) in LABEL_NAMES.items()
    ),
    _V(
        "revenue",
        NUMBER,
        "yuan",
        "stats",
        "营业收入",
        "operating revenue",
        "sum of the period's monthly reports; "
        "falls back to the annual_revenue fact when the firm has no monthly reports",
    ),
    _V(
        "rd_expense",
        NUMBER,
        "yuan",
        "stats",
        "研发费用",
        "R&D expense",
        "sum over the period; falls back to the annual_rd_expense fact",
    ),
    _V(
        "value_added",
        NUMBER,
        "yuan",
        "stats",
        "工业增加值",
        "industrial value added",
        "sum over the period",
    ),
    _V(
        "value_added_prev",
        NUMBER,
        "yuan",
        "stats",
        "上年工业增加值",
        "value added, previous year",
        "",
    ),
    _V(
        "gross_output",
        NUMBER,
        "yuan",
        "stats",
        "工业总产值",
        "gross industrial output",
        "sum over the period",
    ),
    _V("profit", NUMBER, "yuan", "stats", "利润总额", "profit", "sum over the period"),
    _V("tax", NUMBER, "yuan", "stats", "税收", "tax", "sum over the period"),
    _V("revenue_prev", NUMBER, "yuan", "stats", "上年营业收入", "revenue, previous year", ""),
    _V(
        "rd_expense_prev",
        NUMBER,
        "yuan",
        "stats",
        "上年研发费用",
        "R&D expense, previous year",
        "sum of the previous year's monthly reports; falls back to the annual_rd_expense_prev "
        "fact (the comparative column of the period's statements) when there are none",
    ),
    _V(
        "employees",
        NUMBER,
        "persons",
        "stats",
        "从业人员",
        "employees",
        "the last monthly report of the period; else the annual_employees fact",
    ),
    _V(
        "rd_ratio",
        NUMBER,
        "share",
        "derived",
        "研发费用占营业收入比例",
        "R&D expense / revenue",
        "rd_expense / revenue, exact to 10 decimals; missing when revenue is missing or zero",
    ),
    _V(
        "value_added_yoy_pct",
        NUMBER,
        "percent",
        "derived",
        "工业增加值同比增速（%）",
        "value added growth (%)",
        "(value_added / value_added_prev - 1) x 100; missing without a positive previous year",
    ),
    _V(
        "rd_expense_growth",
        NUMBER,
        "yuan",
        "derived",
        "研发费用增量",
        "R&D expense increase",
        "rd_expense - rd_expense_prev",
    ),
    _V("tech_staff", NUMBER, "persons", "facts", "科技人员数", "technical staff"),
    _V(
        "tech_staff_share",
        NUMBER,
        "share",
        "derived",
        "科技人员占比",
        "technical staff share",
        "tech_staff / employees",
    ),
    _V(
        "high_tech_product_revenue",
        NUMBER,
        "yuan",
        "facts",
        "高新技术产品（服务）收入",
        "high-tech product revenue",
    ),
    _V(
        "high_tech_product_share",
        NUMBER,
        "share",
        "derived",
        "高新技术产品收入占比",
        "high-tech product revenue share",
        "high_tech_product_revenue / revenue",
    ),
    _V(
        "invention_patents",
        NUMBER,
        "count",
        "facts",
        "发明专利数（I类知识产权）",
        "invention patents (class I IP)",
    ),
    _V("class2_ip", NUMBER, "count", "facts", "II类知识产权数", "class II IP count"),
    _V(
        "clinical_trials_approved",
        NUMBER,
        "count",
        "facts",
        "获批临床试验的新药数",
        "new drugs approved for clinical trials",
    ),
    _V(
        "rockets_launched",
        NUMBER,
        "count",
        "facts",
        "商业火箭成功发射次数",
        "commercial rocket launches",
    ),
    _V("satellites_delivered", NUMBER, "count", "facts", "交付卫星数", "satellites delivered"),
    _V("tech_insurance_premium", NUMBER, "yuan", "facts", "科技保险保费", "tech insurance premium"),
    _V(
        "mu_grade",
        NUMBER,
        "count",
        "facts",
        "亩均效益评价等级（A=1，B=2，C=3，D=4，未参评为 0）",
        "mu evaluation grade (A=1, B=2, C=3, D=4; 0 when not graded)",
    ),
]

VARIABLES: dict[str, Variable] = {v.name: v for v in _CATALOGUE}


#: The range a numeric variable of each unit is declared to stay in: `policy check` proves a
#: policy's arithmetic stays in range for any inputs in these ranges, and the variables table
#: reads a value outside its range as missing (see :func:`yuanqu.policies.inputs.variables_select`),
#: so an absurd figure in the data cannot overflow an evaluation either. Money: ±1,000 万亿 yuan;
#: counts: a million patents or launches; shares: a million times (a ratio over a tiny revenue).
DECLARED_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "yuan": (Decimal(-(10**15)), Decimal(10**15)),
    "share": (Decimal(-(10**6)), Decimal(10**6)),
    "percent": (Decimal(-(10**8)), Decimal(10**8)),
    "persons": (Decimal(0), Decimal(10**7)),
    "count": (Decimal(0), Decimal(10**6)),
    "years": (Decimal(0), Decimal(500)),
}


def declared_range(name: str) -> tuple[Decimal, Decimal] | None:
    """The declared range of a numeric variable (None for text and flags)."""
    variable = VARIABLES[name]
    return DECLARED_RANGES.get(variable.unit) if variable.type == NUMBER else None


def variable_types() -> dict[str, str]:
    return {v.name: v.type for v in _CATALOGUE}


def catalogue() -> list[Variable]:
    return list(_CATALOGUE)


#: What each derived variable is computed from, so a missing input is named at its source.
DEPENDS: dict[str, tuple[str, ...]] = {
    "rd_ratio": ("rd_expense", "revenue"),
    "value_added_yoy_pct": ("value_added", "value_added_prev"),
    "rd_expense_growth": ("rd_expense", "rd_expense_prev"),
    "tech_staff_share": ("tech_staff", "employees"),
    "high_tech_product_share": ("high_tech_product_revenue", "revenue"),
}
