"""A policy file: its format, its loading and every check `yuanqu policy check` makes.

One policy per YAML file (see docs/policy-language.md). Loading collects *all* the problems of a
file, each with its line, before refusing it, so an author fixes a file in one pass.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.money import INT64_MAX
from yuanqu.policies.language.expressions import (
    BOOLEAN,
    MAX_MAGNITUDE,
    NUMBER,
    Band,
    ExpressionError,
    Interval,
    Node,
    OutOfRange,
    Scope,
    parse,
    value_range,
)
from yuanqu.policies.language.variables import VARIABLES, declared_range, variable_types
from yuanqu.policies.language.yamlsafe import Located, LocatedList, YamlError, load_yaml

MAX_CONDITIONS = 50
MAX_PARAMETERS = 100
MAX_VERSIONS = 50
MAX_BANDS = 100
MAX_DERIVED = 30
_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_RANGE = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])\s*$")
PERIODS = ("previous_year", "award_year")
ALLOCATIONS = ("pro_rata", "first_come", "ranked")
MID_YEAR = ("by_date", "pro_rata")


@dataclass(frozen=True)
class Issue:
    """One problem in a policy file."""

    file: str
    line: int
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return f"{self.file}:{self.line}: {self.en if lang == 'en' else self.zh}"

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "message": self.en if lang == "en" else self.zh,
        }


class PolicyFileError(ValidationError):
    code = "policy_file"

    def __init__(self, issues: list[Issue], *, lang: str = "zh") -> None:
        first = issues[0]
        super().__init__(
            f"策略文件有 {len(issues)} 处错误，第一处：{first.message('zh')}",
            f"policy file has {len(issues)} error(s), first: {first.message('en')}",
            details=[i.to_dict(lang) for i in issues],
        )
        self.issues = issues


@dataclass(frozen=True)
class ParameterVersion:
    start: date
    value: Decimal | None = None
    bands: tuple[Band, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # scalar or band
    unit: str
    zh: str
    en: str
    mid_year: str
    versions: tuple[ParameterVersion, ...]

    def allowed(self) -> tuple[Decimal, Decimal]:
        """The values a simulation may give this parameter (see :func:`override_range`)."""
        return override_range(self.unit)


#: The values a simulation may set a number of each unit to, both ends included: a share is a
#: fraction of one, points a score, yuan an amount up to 1 万亿 (the largest budget the ledger
#: takes). `policy check` proves every amount stays in range for any value in these ranges.
OVERRIDE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "share": (Decimal(0), Decimal(1)),
    "points": (Decimal(0), Decimal(10_000)),
    "yuan": (Decimal(0), Decimal(10) ** 10),  # a threshold or an amount per unit: 100 亿
    "budget": (Decimal(0), Decimal(10) ** 12),  # a policy's budget: 1 万亿, as the ledger takes
}
#: The largest amount (yuan) a firm's award may reach: its fen must fit a BIGINT.
MAX_AMOUNT = Decimal(INT64_MAX) / 100


def override_range(unit: str) -> tuple[Decimal, Decimal]:
    """The allowed range of a number of ``unit`` (any other unit: that of an amount in yuan)."""
    return OVERRIDE_RANGES.get(unit, OVERRIDE_RANGES["yuan"])


def parameter_range(parameter: Parameter) -> Interval:
    """Every value the parameter may take: its versions' (band values for a band table) and
    any a simulation may give it."""
    low, high = parameter.allowed()
    values = [low, high]
    for version in parameter.versions:
        if version.value is not None:
            values.append(version.value)
        values.extend(band.value for band in version.bands)
    return Interval(min(values), max(values))


def check_override(name: str, value: Decimal, unit: str) -> None:
    """Refuse a simulated value outside its unit's range, naming the parameter and the range."""
    low, high = override_range(unit)
    if low <= value <= high:
        return
    shown = _plain_number(value)
    low_text, high_text = _plain_number(low), _plain_number(high)
    raise ValidationError(
        f"{name} 的取值须在 {low_text} 到 {high_text} 之间（收到 {shown}）",
        f"{name} must be between {low_text} and {high_text} (got {shown})",
        code="override_out_of_range",
        details={"field": name, "value": shown, "minimum": low_text, "maximum": high_text},
    )


def _plain_number(value: Decimal) -> str:
    text = format(value, "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Condition:
    id: str
    zh: str
    en: str
    text: str
    node: Node
    line: int


@dataclass(frozen=True)
class Allocation:
    method: str
    order_by: Node | None = None
    order_text: str | None = None


@dataclass(frozen=True)
class Policy:
    id: str
    title_zh: str
    title_en: str
    basis: str
    effective_from: date
    effective_to: date | None
    period: str
    auto_entitlement: bool
    evidence: tuple[str, ...]
    parameters: dict[str, Parameter]
    derived: dict[str, tuple[str, Node]]
    conditions: tuple[Condition, ...]
    amount: Node | None
    amount_text: str | None
    cap_per_firm: Node | None
    cap_text: str | None
    budget: Decimal | None
    allocation: Allocation
    exclusive_group: str | None
    source: str = ""
    description: dict[str, str] = field(default_factory=dict)
    #: ``recovered_funds: return_to_budget``: money clawed back is available to award again
    recovered_to_budget: bool = False

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh

    def data_year(self, award_year: int) -> int:
        return award_year - 1 if self.period == "previous_year" else award_year

    def in_effect(self, award_year: int) -> bool:
        start, end = date(award_year, 1, 1), date(award_year, 12, 31)
        return self.effective_from <= end and (
            self.effective_to is None or self.effective_to >= start
        )


def parse_number(value: Any) -> Decimal:
    """A number as an author writes it: 0.05, "5%", "500万", "2亿", 1000000 (never a float)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        factor = Decimal(1)
        for suffix, f in (("%", Decimal("0.01")), ("万", Decimal(10**4)), ("亿", Decimal(10**8))):
            if text.endswith(suffix):
                text, factor = text[: -len(suffix)].strip(), f
                break
        if re.fullmatch(r"-?[0-9]{1,28}(\.[0-9]{1,12})?", text):
            result = Decimal(text) * factor
            if result.as_tuple().exponent < -10:  # type: ignore[operator]
                raise ValueError("more than 10 decimals")
            return result
    raise ValueError(f"not a number: {str(value)[:30]}")


@lru_cache(maxsize=4096)
def _industry_known(code: str) -> bool:
    return industry_catalog().find(code) is not None


class _Reader:
    """Reads one policy document, collecting issues instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []
        self.when_lines: dict[str, int] = {}  # a condition's id -> the line of its ``when``

    def issue(self, line: int, zh: str, en: str) -> None:
        self.issues.append(Issue(self.file, line, zh, en))

    def text(
        self, doc: Located, key: str, *, required: bool = True, limit: int = 500
    ) -> str | None:
        value = doc.get(key)
        if value is None:
            if required:
                self.issue(doc.line, f"缺少字段 {key}", f"missing field {key}")
            return None
        if not isinstance(value, str) or len(value) > limit:
            self.issue(
                doc.line_of(key),
                f"{key} 必须是不超过 {limit} 字的文本",
                f"{key} must be text of at most {limit} characters",
            )
            return None
        return value

    def bilingual(self, doc: Located, key: str) -> tuple[str, str]:
        value = doc.get(key)
        if isinstance(value, str):
            return value, value
        if isinstance(value, Located):
            zh, en = self.text(value, "zh"), self.text(value, "en")
            return zh or "", en or ""
        self.issue(doc.line_of(key), f"{key} 需要 zh 和 en 两种写法", f"{key} needs zh and en")
        return "", ""

    def a_date(self, doc: Located, key: str, *, required: bool = True) -> date | None:
        value = doc.get(key)
        if value is None:
            if required:
                self.issue(doc.line, f"缺少日期 {key}", f"missing date {key}")
            return None
        if isinstance(value, date):
            return value
        self.issue(
            doc.line_of(key),
            f"{key} 必须是日期（YYYY-MM-DD）",
            f"{key} must be a date (YYYY-MM-DD)",
        )
        return None

    def expression(
        self, text: Any, scope: Scope, line: int, where: str, type_: str | None
    ) -> Node | None:
        if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
            self.issue(line, f"{where} 必须是表达式文本", f"{where} must be an expression")
            return None
        try:
            node = parse(str(text), scope)
        except ExpressionError as error:
            self.issue(line, f"{where}：{error.zh}", f"{where}: {error.en}")
            return None
        if type_ is not None and node.type != type_:
            want_zh = "真假值" if type_ == BOOLEAN else "数值"
            self.issue(
                line,
                f"{where} 必须得到{want_zh}",
                f"{where} must give a {type_}, not a {node.type}",
            )
            return None
        return node

    # -- parameters -------------------------------------------------------------------------

    def parameters(self, doc: Located) -> dict[str, Parameter]:
        raw = doc.get("parameters") or Located()
        if not isinstance(raw, Located):
            self.issue(
                doc.line_of("parameters"), "parameters 必须是映射", "parameters must be a mapping"
            )
            return {}
        if len(raw) > MAX_PARAMETERS:
            self.issue(
                raw.line,
                f"参数过多（上限 {MAX_PARAMETERS}）",
                f"too many parameters (limit {MAX_PARAMETERS})",
            )
            return {}
        types = variable_types()
        result = {}
        for name, spec in raw.items():
            line = raw.line_of(name)
            if not _ID.match(name) or name in types:
                self.issue(
                    line,
                    f"参数名 {name[:40]} 不合法或与变量重名",
                    f"parameter name {name[:40]} is invalid or shadows a variable",
                )
                continue
            if not isinstance(spec, Located):
                self.issue(line, f"参数 {name} 必须是映射", f"parameter {name} must be a mapping")
                continue
            parameter = self.parameter(name, spec)
            if parameter is not None:
                result[name] = parameter
        return result

    def parameter(self, name: str, spec: Located) -> Parameter | None:
        zh, en = self.bilingual(spec, "label") if "label" in spec else (name, name)
        unit = spec.get("unit", "number")
        mid_year = spec.get("mid_year", "by_date")
        if mid_year not in MID_YEAR:
            self.issue(
                spec.line_of("mid_year"),
                "mid_year 只能是 by_date 或 pro_rata",
                "mid_year must be by_date or pro_rata",
            )
        versions_raw = spec.get("versions")
        if (
            not isinstance(versions_raw, LocatedList)
            or not versions_raw
            or len(versions_raw) > MAX_VERSIONS
        ):
            self.issue(
                spec.line,
                f"参数 {name} 需要 1 到 {MAX_VERSIONS} 个版本（versions）",
                f"parameter {name} needs 1 to {MAX_VERSIONS} versions",
            )
            return None
        versions: list[ParameterVersion] = []
        kinds = set()
        for item, line in zip(versions_raw, versions_raw.item_lines, strict=True):
            if not isinstance(item, Located):
                self.issue(
                    line,
                    "版本必须是映射（from 与 value 或 bands）",
                    "a version is a mapping (from and value or bands)",
                )
                continue
            start = self.a_date(item, "from")
            if "bands" in item:
                kinds.add("band")
                bands = self.bands(item, name)
                if start is not None and bands is not None:
                    versions.append(ParameterVersion(start, bands=bands, line=item.line))
            elif "value" in item:
                kinds.add("scalar")
                try:
                    value = parse_number(item["value"])
                except ValueError as error:
                    self.issue(
                        item.line_of("value"),
                        f"参数 {name} 的值不是数：{error}",
                        f"parameter {name}: {error}",
                    )
                    continue
                if start is not None:
                    versions.append(ParameterVersion(start, value=value, line=item.line))
            else:
                self.issue(item.line, "版本需要 value 或 bands", "a version needs value or bands")
        if len(kinds) > 1:
            self.issue(
                spec.line,
                f"参数 {name} 的版本混用了数值与分档表",
                f"parameter {name} mixes values and band tables",
            )
            return None
        starts = [v.start for v in versions]
        for previous, current in itertools.pairwise(versions):
            if current.start <= previous.start:
                self.issue(
                    current.line,
                    f"参数 {name} 的版本须按生效日期严格递增"
                    f"（{current.start} 不晚于 {previous.start}）",
                    f"versions of {name} must start on strictly increasing dates "
                    f"({current.start} is not after {previous.start})",
                )
        kind = kinds.pop() if kinds else "scalar"
        if kind == "band" and mid_year == "pro_rata":
            self.issue(
                spec.line_of("mid_year"),
                "分档表不能按比例折算（pro_rata）",
                "a band table cannot be pro_rata",
            )
        if not starts:
            return None
        return Parameter(name, kind, str(unit), zh, en, str(mid_year), tuple(versions))

    def bands(self, item: Located, name: str) -> tuple[Band, ...] | None:
        rows = item["bands"]
        if not isinstance(rows, LocatedList) or not rows or len(rows) > MAX_BANDS:
            self.issue(
                item.line_of("bands"),
                f"分档表需要 1 到 {MAX_BANDS} 档",
                f"a band table needs 1 to {MAX_BANDS} bands",
            )
            return None
        bands: list[tuple[Band, int]] = []
        for row, line in zip(rows, rows.item_lines, strict=True):
            if not isinstance(row, Located) or "range" not in row or "value" not in row:
                self.issue(
                    line,
                    '每档写作 {range: "[下限, 上限)", value: 数值}',
                    'each band is {range: "[lower, upper)", value: number}',
                )
                continue
            match = _RANGE.match(str(row["range"]))
            if not match:
                self.issue(
                    line,
                    f"区间 {str(row['range'])[:40]} 写法不对："
                    "用 [ ] 表示含端点，( ) 表示不含，inf 表示无穷",
                    f"bad range {str(row['range'])[:40]}: "
                    "[ ] include the bound, ( ) exclude it, inf is unbounded",
                )
                continue
            open_, lo_text, hi_text, close = match.groups()
            try:
                lower = None if lo_text in ("-inf", "-∞") else parse_number(lo_text)
                upper = None if hi_text in ("inf", "+inf", "∞") else parse_number(hi_text)
                value = parse_number(row["value"])
            except ValueError as error:
                self.issue(line, f"分档表数值错误：{error}", f"band table: {error}")
                continue
            if (lower is None and open_ == "[") or (upper is None and close == "]"):
                self.issue(
                    line,
                    "无穷端点不能包含（用圆括号）",
                    "an infinite bound cannot be included (use parentheses)",
                )
                continue
            if (
                lower is not None
                and upper is not None
                and (lower > upper or (lower == upper and not (open_ == "[" and close == "]")))
            ):
                self.issue(line, f"区间 {row['range']} 为空", f"range {row['range']} is empty")
                continue
            bands.append((Band(lower, open_ == "[", upper, close == "]", value), line))
        if len(bands) != len(rows):
            return None
        ordered = sorted(
            bands, key=lambda b: (b[0].lower is not None, b[0].lower or 0, not b[0].lower_inclusive)
        )
        ok = True
        for (prev, _), (cur, line) in itertools.pairwise(ordered):
            if (
                prev.upper is None
                or cur.lower is None
                or cur.lower < prev.upper
                or (cur.lower == prev.upper and prev.upper_inclusive and cur.lower_inclusive)
            ):
                self.issue(
                    line,
                    f"分档表 {name}：{cur.label()} 与 {prev.label()} 重叠",
                    f"band table {name}: {cur.label()} overlaps {prev.label()}",
                )
                ok = False
            elif cur.lower > prev.upper or not (prev.upper_inclusive or cur.lower_inclusive):
                self.issue(
                    line,
                    f"分档表 {name}：{prev.label()} 与 {cur.label()} 之间有空档",
                    f"band table {name}: gap between {prev.label()} and {cur.label()}",
                )
                ok = False
        return tuple(b for b, _ in ordered) if ok else None

    # -- the document -----------------------------------------------------------------------

    def policy(self, doc: Any, source: str) -> Policy | None:
        if not isinstance(doc, Located):
            self.issue(1, "策略文件必须是一个 YAML 映射", "a policy file must be a YAML mapping")
            return None
        known = {
            "id",
            "title",
            "basis",
            "effective",
            "period",
            "auto_entitlement",
            "evidence",
            "parameters",
            "derived",
            "conditions",
            "amount",
            "cap_per_firm",
            "budget",
            "allocation",
            "exclusive_group",
            "description",
            "recovered_funds",
        }
        for key in doc:
            if key not in known:
                self.issue(doc.line_of(key), f"未知字段 {key[:40]}", f"unknown field {key[:40]}")
        policy_id = self.text(doc, "id", limit=63)
        if policy_id is not None and not _ID.match(policy_id):
            self.issue(
                doc.line_of("id"),
                "id 只能含小写字母、数字和下划线",
                "id must be lowercase letters, digits and underscores",
            )
        title_zh, title_en = self.bilingual(doc, "title")
        basis = self.text(doc, "basis") or ""
        effective = doc.get("effective")
        start = end = None
        if isinstance(effective, Located):
            start = self.a_date(effective, "from")
            end = self.a_date(effective, "to", required=False)
            if start and end and end < start:
                self.issue(
                    effective.line_of("to"),
                    f"有效期在开始（{start}）之前就结束了（{end}）",
                    f"the effective range ends ({end}) before it starts ({start})",
                )
        else:
            self.issue(
                doc.line_of("effective"),
                "缺少 effective: {from: 日期, to: 日期}",
                "missing effective: {from: DATE, to: DATE}",
            )
        period = doc.get("period", "previous_year")
        if period not in PERIODS:
            self.issue(
                doc.line_of("period"),
                "period 只能是 previous_year 或 award_year",
                "period must be previous_year or award_year",
            )
        auto = doc.get("auto_entitlement", False)
        if not isinstance(auto, bool):
            self.issue(
                doc.line_of("auto_entitlement"),
                "auto_entitlement 必须是 true 或 false",
                "auto_entitlement must be true or false",
            )
        evidence = doc.get("evidence") or []
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            self.issue(
                doc.line_of("evidence"),
                "evidence 必须是文本列表",
                "evidence must be a list of text",
            )
            evidence = []
        parameters = self.parameters(doc)
        scope = Scope(
            variables=variable_types(),
            scalars={n: NUMBER for n, p in parameters.items() if p.kind == "scalar"},
            bands=frozenset(n for n, p in parameters.items() if p.kind == "band"),
            industry_check=_industry_known,
        )
        derived = self.derived(doc, scope, parameters)
        scope = Scope(
            scope.variables,
            scope.scalars,
            scope.bands,
            {n: node for n, (_, node) in derived.items()},
            _industry_known,
        )
        conditions = self.conditions(doc, scope)
        amount_text = doc.get("amount")
        amount = None
        if amount_text is not None:
            amount = self.expression(amount_text, scope, doc.line_of("amount"), "amount", NUMBER)
        cap_text = doc.get("cap_per_firm")
        cap = None
        if cap_text is not None:
            with contextlib.suppress(ValueError):  # a plain amount such as 1000万 or 5000000
                cap_text = format(parse_number(cap_text), "f")
            cap = self.expression(
                cap_text, scope, doc.line_of("cap_per_firm"), "cap_per_firm", NUMBER
            )
        budget = None
        if doc.get("budget") is not None:
            try:
                budget = parse_number(doc["budget"])
                if budget < 0:
                    raise ValueError("negative")
            except ValueError as error:
                self.issue(
                    doc.line_of("budget"),
                    f"budget 必须是非负金额（元）：{error}",
                    f"budget must be an amount in yuan: {error}",
                )
        allocation = self.allocation(doc, scope)
        group = doc.get("exclusive_group")
        if group is not None and (not isinstance(group, str) or not _ID.match(group)):
            self.issue(
                doc.line_of("exclusive_group"),
                "exclusive_group 必须是标识符",
                "exclusive_group must be an identifier",
            )
            group = None
        description = doc.get("description")
        recovered = doc.get("recovered_funds", "to_treasury")
        if recovered not in ("to_treasury", "return_to_budget"):
            self.issue(
                doc.line_of("recovered_funds"),
                "recovered_funds 只能是 to_treasury（上缴财政）或 return_to_budget（回到预算）",
                "recovered_funds must be to_treasury or return_to_budget",
            )
        if not self.issues:
            self.ranges(doc, parameters, derived, conditions, amount, cap, allocation)
        if self.issues or policy_id is None or start is None:
            return None
        return Policy(
            id=policy_id,
            title_zh=title_zh,
            title_en=title_en,
            basis=basis,
            effective_from=start,
            effective_to=end,
            period=str(period),
            auto_entitlement=bool(auto),
            evidence=tuple(evidence),
            parameters=parameters,
            derived=derived,
            conditions=tuple(conditions),
            amount=amount,
            amount_text=None if amount_text is None else str(amount_text),
            cap_per_firm=cap,
            cap_text=None if cap_text is None else str(cap_text),
            budget=budget,
            allocation=allocation,
            exclusive_group=group,
            source=source,
            description=dict(description) if isinstance(description, dict) else {},
            recovered_to_budget=recovered == "return_to_budget",
        )

    def ranges(
        self,
        doc: Located,
        parameters: dict[str, Parameter],
        derived: dict[str, tuple[str, Node]],
        conditions: list[Condition],
        amount: Node | None,
        cap: Node | None,
        allocation: Allocation,
    ) -> None:
        """Prove every number the policy computes stays below 10^18 (and an award below what a
        fen amount can hold), for any inputs in their declared ranges and any parameter value a
        simulation may set; where that cannot be proved, say where."""
        variables = {
            name: Interval(*bounds)
            for name in VARIABLES
            if (bounds := declared_range(name)) is not None
        }
        params = {name: parameter_range(p) for name, p in parameters.items()}
        raw_derived = doc.get("derived")
        order_line = doc["allocation"].line if isinstance(doc.get("allocation"), Located) else 0
        checks: list[tuple[Node | None, int, str, Decimal]] = [
            (
                node,
                raw_derived.line_of(name) if isinstance(raw_derived, Located) else 0,
                f"derived.{name}",
                MAX_MAGNITUDE,
            )
            for name, (_, node) in derived.items()
        ]
        checks += [
            (c.node, self.when_lines.get(c.id, c.line), f"conditions.{c.id}", MAX_MAGNITUDE)
            for c in conditions
        ]
        checks += [
            (amount, doc.line_of("amount"), "amount", MAX_AMOUNT),
            (cap, doc.line_of("cap_per_firm"), "cap_per_firm", MAX_AMOUNT),
            (allocation.order_by, order_line, "allocation.order_by", MAX_MAGNITUDE),
        ]
        for node, line, where, limit in checks:
            if node is None:
                continue
            try:
                value_range(node, variables=variables, parameters=params, limit=limit)
            except OutOfRange as error:
                reach = f"{error.interval.magnitude:.3e}"
                bound = "10^18" if limit == MAX_MAGNITUDE else f"{limit:.3e}"
                self.issue(
                    line,
                    f"{where}：无法证明计算值低于 {bound}（按变量的声明范围与参数可取的值，"
                    f"可达 {reach}）；请缩小常量或参数的取值",
                    f"{where}: cannot prove its values stay below {bound} (with the variables' "
                    f"declared ranges and the parameters' possible values it may reach {reach}); "
                    "use smaller constants or narrower parameters",
                )

    def derived(self, doc: Located, scope: Scope, parameters: dict) -> dict[str, tuple[str, Node]]:
        raw = doc.get("derived") or Located()
        if not isinstance(raw, Located) or len(raw) > MAX_DERIVED:
            self.issue(
                doc.line_of("derived"),
                f"derived 必须是不超过 {MAX_DERIVED} 项的映射",
                f"derived must be a mapping of at most {MAX_DERIVED}",
            )
            return {}
        result: dict[str, tuple[str, Node]] = {}
        for name, text in raw.items():
            line = raw.line_of(name)
            if not _ID.match(name) or name in scope.variables or name in parameters:
                self.issue(
                    line,
                    f"派生量名 {name[:40]} 不合法或重名",
                    f"derived name {name[:40]} is invalid or taken",
                )
                continue
            # Earlier derived values only: no cycles by construction.
            here = Scope(
                scope.variables,
                scope.scalars,
                scope.bands,
                {n: v for n, (_, v) in result.items()},
                scope.industry_check,
            )
            node = self.expression(text, here, line, f"derived.{name}", None)
            if node is not None:
                result[name] = (str(text), node)
        return result

    def conditions(self, doc: Located, scope: Scope) -> list[Condition]:
        raw = doc.get("conditions") or []
        if not isinstance(raw, LocatedList) or len(raw) > MAX_CONDITIONS:
            self.issue(
                doc.line_of("conditions"),
                f"conditions 必须是不超过 {MAX_CONDITIONS} 项的列表",
                f"conditions must be a list of at most {MAX_CONDITIONS}",
            )
            return []
        result = []
        ids = set()
        for item, line in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Located):
                self.issue(
                    line,
                    "条件写作 {id, label: {zh, en}, when: 表达式}",
                    "a condition is {id, label: {zh, en}, when: EXPR}",
                )
                continue
            cid = self.text(item, "id", limit=63)
            if cid is not None and (not _ID.match(cid) or cid in ids):
                self.issue(
                    item.line_of("id"),
                    f"条件 id {cid[:40]} 不合法或重复",
                    f"condition id {cid[:40]} is invalid or repeated",
                )
            ids.add(cid)
            zh, en = self.bilingual(item, "label")
            node = self.expression(
                item.get("when"), scope, item.line_of("when"), f"conditions.{cid}", BOOLEAN
            )
            if node is not None and cid is not None:
                result.append(Condition(cid, zh, en, str(item["when"]), node, item.line))
                self.when_lines[cid] = item.line_of("when")
        return result

    def allocation(self, doc: Located, scope: Scope) -> Allocation:
        raw = doc.get("allocation")
        if raw is None:
            return Allocation("pro_rata")
        if isinstance(raw, str):
            raw_method, order = raw, None
            line = doc.line_of("allocation")
        elif isinstance(raw, Located):
            raw_method, order, line = raw.get("method"), raw.get("order_by"), raw.line
        else:
            self.issue(doc.line_of("allocation"), "allocation 写法不对", "bad allocation")
            return Allocation("pro_rata")
        if raw_method not in ALLOCATIONS:
            self.issue(
                line,
                "allocation 只能是 pro_rata、first_come 或 ranked",
                "allocation must be pro_rata, first_come or ranked",
            )
            return Allocation("pro_rata")
        if raw_method == "pro_rata":
            return Allocation("pro_rata")
        if order is None:
            self.issue(
                line,
                f"{raw_method} 需要 order_by 表达式",
                f"{raw_method} needs an order_by expression",
            )
            return Allocation("pro_rata")
        node = self.expression(order, scope, line, "allocation.order_by", NUMBER)
        return Allocation(str(raw_method), node, str(order))


def read_policy(data: bytes | str, *, file: str = "<policy>") -> tuple[Policy | None, list[Issue]]:
    """Parse and check one policy document; the policy is None when there is any issue."""
    reader = _Reader(file)
    try:
        doc = load_yaml(data)
    except YamlError as error:
        return None, [Issue(file, error.line, error.zh, error.en)]
    policy = reader.policy(doc, file)
    return policy, reader.issues


def load_policy(path: Path | str) -> Policy:
    path = Path(path)
    try:
        data = path.read_bytes() if path.stat().st_size <= 1 << 20 else b"x" * (1 << 20)
    except OSError as error:
        raise ValidationError(
            f"无法读取 {path}：{error.strerror}", f"cannot read {path}: {error.strerror}"
        ) from None
    policy, issues = read_policy(data, file=str(path))
    if issues or policy is None:
        raise PolicyFileError(issues or [Issue(str(path), 0, "无效的策略", "invalid policy")])
    return policy
