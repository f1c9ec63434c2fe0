"""Reading and checking a plan file (行动计划): its title, issuer, document number, period, owner,
source, and targets, each an indicator yuanqu computes. Every mistake is FILE:LINE: reason.

Indicators:
- ``gross_output``, ``value_added``, ``revenue``, ``fixed_asset_investment``: the year's total of
  the firms in scope (yuan), from the monthly reports;
- ``firms``: firms in scope holding ``label`` on a date (or every firm in scope, no label);
- ``projects``: key projects reaching ``stage`` within the plan's period (zone-wide);
- ``leads_signed``: firms attracted, the task forces' leads signed within the plan's period
  (scope ``all`` or ``task_force:CODE``);
- ``investment_attracted``: investment attracted (签约投资额, yuan), the planned total investment
  of the key projects that reached the signed stage within the plan's period, signed leads
  included (a signed lead makes or moves its project); scoped by the project's task force, sub-area
  or industry (not ``leading_industry``: a project's investor may not be a registry firm yet);
- ``space_delivered``: space delivered (载体交付, m² of floor area), the units let, sold or handed
  over for a firm's own use whose occupancy starts within the plan's period; scoped by the firm
  (``sub_area:NAME`` by the park's sub-area).
A plan whose period is one year holds that year's targets (年度目标), as the task forces' do.
A scope is ``all``, ``task_force:CODE``, ``sub_area:NAME``, ``leading_industry`` or
``industry:CODE[,CODE...]`` (GB/T 4754 codes or their prefixes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from yuanqu.core.datafile import Items, Mapping, Problems, load_text
from yuanqu.core.industry import industry_catalog

AMOUNTS = ("gross_output", "value_added", "revenue", "fixed_asset_investment")
FLOWS = ("leads_signed", "investment_attracted", "space_delivered")  # summed since the plan began
MONEY = (*AMOUNTS, "investment_attracted")  # values in yuan, kept in fen
INDICATORS = (*AMOUNTS, "firms", "projects", *FLOWS)
LABELS = (
    "high_tech",
    "specialized",
    "little_giant",
    "listed",
    "fortune_global_500",
    "unicorn",
    "above_scale",
    "strategic_emerging",
)
INDICATOR_NAMES = {
    "gross_output": ("工业总产值", "Gross output"),
    "value_added": ("工业增加值", "Value added"),
    "revenue": ("营业收入", "Revenue"),
    "fixed_asset_investment": ("固定资产投资", "Fixed-asset investment"),
    "firms": ("企业数", "Firms"),
    "projects": ("重点项目数", "Key projects"),
    "leads_signed": ("招商签约企业数", "Firms attracted (leads signed)"),
    "investment_attracted": ("招商引资签约额", "Investment attracted (signed)"),
    "space_delivered": ("交付载体面积", "Space delivered"),
}
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


@dataclass(frozen=True)
class Target:
    key: str
    name_zh: str
    name_en: str
    indicator: str
    scope: str
    value: Decimal  # yuan for money, m² for space, a count otherwise
    deadline: date
    label: str | None = None
    stage: str | None = None
    milestones: dict[int, Decimal] = field(default_factory=dict)
    source: str | None = None

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    @property
    def is_amount(self) -> bool:
        """A year's total from the monthly reports."""
        return self.indicator in AMOUNTS

    @property
    def is_money(self) -> bool:
        """Valued in yuan (kept in fen)."""
        return self.indicator in MONEY


@dataclass(frozen=True)
class Plan:
    key: str
    title: str
    title_en: str
    issuer: str
    number: str | None
    start_year: int
    end_year: int
    owner: str | None  # task_force:CODE or track:KEY
    source_url: str | None
    source_text: str | None
    verified: bool
    targets: tuple[Target, ...]


def _text(problems: Problems, entry: Mapping, key: str, *, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(entry.line_of(key), f"缺少 {key}（文字）", f"{key}: text required")
        return None
    return value.strip()


def _date(problems: Problems, entry: Mapping, key: str) -> date | None:
    value = entry.get(key)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.add(entry.line_of(key), f"{key} 应为日期 YYYY-MM-DD", f"{key}: a date YYYY-MM-DD")
        return None


def _number(problems: Problems, line: int, key: str, value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value <= 0:
        problems.add(line, f"{key} 应为正数", f"{key}: a positive number")
        return None
    return Decimal(value)


def check_scope(text: str) -> str | None:
    """None when ``text`` is a scope plans understand, else the reason (en)."""
    kind, _sep, value = text.partition(":")
    if text in ("all", "leading_industry"):
        return None
    if kind in ("task_force", "sub_area") and value:
        return None
    if kind == "industry" and value:
        catalog = industry_catalog()
        for code in value.split(","):
            if not code.isdigit() or catalog.find(code) is None:
                return f"unknown industry code {code!r}"
        return None
    return "scope: all, leading_industry, task_force:CODE, sub_area:NAME, industry:CODE[,CODE]"


def _target(problems: Problems, entry: Mapping, plan_years: tuple[int, int]) -> Target | None:
    before = len(problems.found)
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.add(entry.line_of("key"), "key 应为小写字母、数字和下划线", "key: a-z, 0-9, _")
    name_zh = _text(problems, entry, "name_zh")
    name_en = _text(problems, entry, "name_en")
    indicator = entry.get("indicator")
    if indicator not in INDICATORS:
        problems.add(
            entry.line_of("indicator"),
            f"未知的指标 {indicator!r}（可用：{'、'.join(INDICATORS)}）",
            f"unknown indicator {indicator!r} (known: {', '.join(INDICATORS)})",
        )
    scope = str(entry.get("scope", "all"))
    reason = check_scope(scope)
    if reason:
        problems.add(entry.line_of("scope"), f"无效的范围 {scope!r}", reason)
    label = entry.get("label")
    if label is not None and (indicator != "firms" or label not in LABELS):
        problems.add(
            entry.line_of("label"),
            f"label 只用于 firms 指标，且应为 {'、'.join(LABELS)} 之一",
            f"label: only for 'firms', one of {', '.join(LABELS)}",
        )
    stage = entry.get("stage")
    if indicator == "projects":
        if not isinstance(stage, str) or not stage:
            problems.add(
                entry.line, "projects 指标需要 stage（如 signed）", "projects needs a stage"
            )
        if scope != "all":
            problems.add(
                entry.line_of("scope"), "重点项目指标只按全园区计算", "projects are zone-wide: all"
            )
    elif indicator == "leads_signed" and scope != "all" and not scope.startswith("task_force:"):
        problems.add(
            entry.line_of("scope"),
            "招商签约按全园区或产业专班计算",
            "leads_signed: scope all or task_force:CODE",
        )
    elif indicator == "investment_attracted" and scope == "leading_industry":
        problems.add(
            entry.line_of("scope"),
            "招商引资签约额按全区、产业专班、片区或行业计算（签约方可能尚未入库，不能按主导产业）",
            "investment_attracted: scope all, task_force:CODE, sub_area:NAME or industry:CODE "
            "(an investor may not be a registry firm yet)",
        )
    if indicator != "projects" and stage is not None:
        problems.add(entry.line_of("stage"), "stage 只用于 projects 指标", "stage: projects only")
    value = _number(problems, entry.line_of("value"), "value", entry.get("value"))
    deadline = _date(problems, entry, "deadline")
    milestones: dict[int, Decimal] = {}
    raw = entry.get("milestones")
    if raw is None:
        pass
    elif not isinstance(raw, Mapping):
        problems.add(
            entry.line_of("milestones"), "milestones 应为 年份: 数值", "milestones: year: value"
        )
    else:
        for year, amount in raw.items():
            line = raw.line_of(year)
            if not str(year).isdigit() or not plan_years[0] <= int(year) <= plan_years[1]:
                problems.add(
                    line,
                    f"里程碑年份 {year} 不在计划期内",
                    f"milestone year {year} outside the plan",
                )
                continue
            number = _number(problems, line, f"milestones.{year}", amount)
            if number is not None:
                milestones[int(year)] = number
    allowed = {
        "key", "name_zh", "name_en", "indicator", "scope", "label", "stage", "value",
        "deadline", "milestones", "source",
    }  # fmt: skip
    for extra in set(entry) - allowed:
        problems.add(
            entry.line_of(extra), f"目标没有字段 {extra}", f"a target has no field '{extra}'"
        )
    if len(problems.found) > before:
        return None
    assert value is not None and deadline is not None
    return Target(
        key=key,
        name_zh=name_zh or "",
        name_en=name_en or "",
        indicator=indicator,
        scope=scope,
        value=value,
        deadline=deadline,
        label=label,
        stage=stage,
        milestones=milestones,
        source=entry.get("source"),
    )


def parse_plan(text: str, *, file: str) -> Plan:
    """The plan in ``text``; every problem at once as :class:`DataFileError` (FILE:LINE)."""
    problems = Problems(file)
    document = load_text(text, file=file)
    if not isinstance(document, Mapping):
        problems.add(1, "计划文件应为一个映射", "a plan file is a mapping")
        problems.raise_if_any()
    key = document.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.add(document.line_of("key"), "key 应为小写字母、数字和下划线", "key: a-z, 0-9, _")
    title = _text(problems, document, "title")
    title_en = _text(problems, document, "title_en")
    issuer = _text(problems, document, "issuer")
    period = document.get("period")
    years = (0, 0)
    if (
        isinstance(period, Items)
        and len(period) == 2
        and all(isinstance(y, int) and 2000 <= y <= 2100 for y in period)
        and period[0] <= period[1]
    ):
        years = (period[0], period[1])
    else:
        problems.add(
            document.line_of("period"), "period 应为 [起始年, 终止年]", "period: [first, last]"
        )
    owner = document.get("owner")
    if owner is not None and not re.match(r"^(task_force|track):[a-z0-9_]+$", str(owner)):
        problems.add(document.line_of("owner"), "owner 应为 task_force:代码 或 track:代码", "owner")
    source = document.get("source") or Mapping()
    if not isinstance(source, Mapping):
        problems.add(document.line_of("source"), "source 应为映射", "source: a mapping")
        source = Mapping()
    targets: list[Target] = []
    items = document.get("targets")
    if not isinstance(items, Items) or not items:
        problems.add(
            document.line_of("targets"), "targets 应为非空列表", "targets: a non-empty list"
        )
    else:
        seen: set[str] = set()
        for entry, line in zip(items, items.item_lines, strict=True):
            if not isinstance(entry, Mapping):
                problems.add(line, "每个目标应为映射", "each target is a mapping")
                continue
            target = _target(problems, entry, years)
            if target is not None:
                if target.key in seen:
                    problems.add(
                        entry.line_of("key"), f"目标 {target.key} 重复", "duplicate target"
                    )
                seen.add(target.key)
                targets.append(target)
    problems.raise_if_any()
    return Plan(
        key=key,
        title=title or "",
        title_en=title_en or "",
        issuer=issuer or "",
        number=document.get("number"),
        start_year=years[0],
        end_year=years[1],
        owner=owner,
        source_url=source.get("url"),
        source_text=source.get("text"),
        verified=bool(source.get("verified", False)),
        targets=tuple(targets),
    )
