"""A grading method as data (``data/mu/*.yaml``): its scope, exemptions, groups and indicators, each
written in the policy language, checked with FILE:LINE errors before anything is graded.

A method file names its id, title (zh and en), the first year it applies to (``effective_from``),
the GB/T 4754 sections in scope, the exemptions (a reason and a condition), the groups (a condition
and weighted indicators, each a numerator and a denominator expression), the score cap and the
grade bounds. Several files may carry the same id for different years: the one in force for a year
is the latest ``effective_from`` not after it, as policies' parameters are.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.policies.language.definition import Issue
from yuanqu.policies.language.expressions import (
    BOOLEAN,
    NUMBER,
    TEXT,
    ExpressionError,
    Node,
    Scope,
    parse,
)
from yuanqu.policies.language.yamlsafe import Located, YamlError, load_yaml

#: The variables a method may read, per firm and year, with their type and meaning.
VARIABLES: dict[str, tuple[str, str, str]] = {
    "tax": (NUMBER, "税收（元）", "tax paid (yuan)"),
    "value_added": (NUMBER, "工业增加值（元）", "value added (yuan)"),
    "revenue": (NUMBER, "营业收入（元）", "revenue (yuan)"),
    "rd_expense": (NUMBER, "研发费用（元）", "R&D expense (yuan)"),
    "gross_output": (NUMBER, "工业总产值（元）", "gross output (yuan)"),
    "employees_avg": (NUMBER, "平均从业人员（人）", "average employees (persons)"),
    "land_mu": (NUMBER, "用地面积（亩，含载体折算）", "land held (mu, space included)"),
    "land_space_mu": (
        NUMBER,
        "其中载体按容积率折算的用地（亩）",
        "of which space occupied, at the building's plot ratio (mu)",
    ),
    "energy_tce": (NUMBER, "综合能耗（吨标准煤，等价值）", "energy (tce, equivalent value)"),
    "emissions_t": (NUMBER, "主要污染物排放（吨）", "main pollutant emissions (t)"),
    "electricity_kwh": (NUMBER, "用电量（千瓦时）", "electricity (kWh)"),
    "established_years": (NUMBER, "成立年数（评价年减成立年）", "years since established"),
    "above_scale": (BOOLEAN, "规上企业（12月31日）", "above scale on 31 December"),
    "industry_section": (TEXT, "行业门类", "industry section"),
}
SCOPE = Scope(variables={name: spec[0] for name, spec in VARIABLES.items()})
MAX_WEIGHT = Decimal(1000)
SHIPPED = "mu"


class MethodFileError(ValidationError):
    code = "mu_method_file"

    def __init__(self, issues: list[Issue], *, lang: str = "zh") -> None:
        first = issues[0]
        super().__init__(
            f"评价办法文件有 {len(issues)} 处错误，第一处：{first.message('zh')}",
            f"method file has {len(issues)} error(s), first: {first.message('en')}",
            details=[i.to_dict(lang) for i in issues],
        )
        self.issues = issues


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def __call__(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


#: Why a firm whose every indicator lacks an input is not graded (不定等级): a rule of the engine,
#: the same for every method (see :mod:`yuanqu.mu.engine`).
INPUTS_MISSING = Text("评价所需数据均缺失", "inputs missing")


@dataclass(frozen=True)
class Indicator:
    id: str
    name: Text
    numerator: Node
    denominator: Node
    numerator_text: str
    denominator_text: str
    weight: Decimal
    unit: Text
    display_factor: Decimal


@dataclass(frozen=True)
class Group:
    id: str
    name: Text
    when: Node
    when_text: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Exemption:
    reason: Text
    when: Node
    when_text: str


@dataclass(frozen=True)
class Grade:
    grade: str
    up_to: Decimal


@dataclass(frozen=True)
class Method:
    id: str
    title: Text
    effective_from: int
    sections: tuple[str, ...]
    exemptions: tuple[Exemption, ...]
    groups: tuple[Group, ...]
    score_cap: Decimal
    grades: tuple[Grade, ...]
    source: str

    def indicator_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.groups:
            seen.update(dict.fromkeys(i.id for i in group.indicators))
        return list(seen)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def issue(self, line: int, zh: str, en: str) -> None:
        self.issues.append(Issue(self.file, line, zh, en))

    def mapping(self, value: Any, line: int, where: str) -> Located | None:
        if not isinstance(value, Located):
            self.issue(line, f"{where} 必须是映射", f"{where} must be a mapping")
            return None
        return value

    def required(self, doc: Located, key: str) -> Any:
        if key not in doc:
            self.issue(doc.line, f"缺少字段 {key}", f"missing field {key}")
            return None
        return doc[key]

    def text(self, doc: Located, key: str) -> Text | None:
        value = self.required(doc, key)
        if value is None:
            return None
        if (
            isinstance(value, Located)
            and isinstance(value.get("zh"), str)
            and isinstance(value.get("en"), str)
        ):
            return Text(value["zh"], value["en"])
        self.issue(doc.line_of(key), f"{key} 需要 zh 和 en 两种写法", f"{key} needs zh and en")
        return None

    def number(self, doc: Located, key: str, *, low: Decimal, high: Decimal) -> Decimal | None:
        value = self.required(doc, key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.issue(doc.line_of(key), f"{key} 必须是数", f"{key} must be a number")
            return None
        number = Decimal(value)
        if not low <= number <= high:
            self.issue(
                doc.line_of(key),
                f"{key} 应在 {low} 到 {high} 之间（现为 {number}）",
                f"{key} must be between {low} and {high} (is {number})",
            )
            return None
        return number

    def expression(self, doc: Located, key: str, type_: str) -> tuple[Node, str] | None:
        value = self.required(doc, key)
        if value is None:
            return None
        line = doc.line_of(key)
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.issue(line, f"{key} 必须是表达式文本", f"{key} must be an expression")
            return None
        text = str(value)
        try:
            node = parse(text, SCOPE)
        except ExpressionError as error:
            self.issue(line, f"{key}：{error.zh}", f"{key}: {error.en}")
            return None
        if node.type != type_:
            want = "真假值" if type_ == BOOLEAN else "数值"
            self.issue(line, f"{key} 必须得到{want}", f"{key} must give a {type_}")
            return None
        return node, text

    def identifier(self, doc: Located, key: str) -> str | None:
        value = self.required(doc, key)
        if value is None:
            return None
        if (
            not isinstance(value, str)
            or not value.replace("_", "").isalnum()
            or not value.isascii()
        ):
            self.issue(
                doc.line_of(key),
                f"{key} 只能由小写字母、数字和下划线组成",
                f"{key} must be lower-case letters, digits and underscores",
            )
            return None
        return value

    def indicator(self, raw: Any, line: int) -> Indicator | None:
        doc = self.mapping(raw, line, "indicator")
        if doc is None:
            return None
        parts = (
            self.identifier(doc, "id"),
            self.text(doc, "name"),
            self.expression(doc, "numerator", NUMBER),
            self.expression(doc, "denominator", NUMBER),
            self.number(doc, "weight", low=Decimal(0), high=MAX_WEIGHT),
            self.text(doc, "unit"),
            self.number(doc, "display_factor", low=Decimal("1e-8"), high=Decimal(10**8)),
        )
        if any(p is None for p in parts):
            return None
        ident, name, numerator, denominator, weight, unit, factor = parts
        return Indicator(
            ident, name, numerator[0], denominator[0], numerator[1], denominator[1],
            weight, unit, factor,
        )  # fmt: skip

    def group(self, raw: Any, line: int) -> Group | None:
        doc = self.mapping(raw, line, "group")
        if doc is None:
            return None
        ident, name = self.identifier(doc, "id"), self.text(doc, "name")
        when = self.expression(doc, "when", BOOLEAN)
        items = self.required(doc, "indicators")
        indicators: list[Indicator] = []
        if items is not None:
            if not isinstance(items, list) or not items:
                self.issue(
                    doc.line_of("indicators"),
                    "indicators 必须是非空列表",
                    "indicators must be a non-empty list",
                )
            else:
                lines = getattr(items, "item_lines", [doc.line_of("indicators")] * len(items))
                for item, item_line in zip(items, lines, strict=True):
                    found = self.indicator(item, item_line)
                    if found is not None:
                        indicators.append(found)
                ids = [i.id for i in indicators]
                if len(set(ids)) != len(ids):
                    self.issue(doc.line_of("indicators"), "指标 id 重复", "indicator ids repeat")
        if ident is None or name is None or when is None or not indicators:
            return None
        return Group(ident, name, when[0], when[1], tuple(indicators))

    def read(self, doc: Any) -> Method | None:
        doc = self.mapping(doc, 1, "method")
        if doc is None:
            return None
        ident, title = self.identifier(doc, "id"), self.text(doc, "title")
        year = self.number(doc, "effective_from", low=Decimal(2000), high=Decimal(2100))
        cap = self.number(doc, "score_cap", low=Decimal(1), high=Decimal(100))
        scope = self.mapping(self.required(doc, "scope"), doc.line_of("scope"), "scope")
        sections: tuple[str, ...] = ()
        exemptions: list[Exemption] = []
        if scope is not None:
            raw = self.required(scope, "sections")
            if (
                not isinstance(raw, list)
                or not raw
                or not all(isinstance(s, str) and len(s) == 1 and s.isupper() for s in raw)
            ):
                self.issue(
                    scope.line_of("sections"),
                    "sections 必须是门类字母的列表，例如 [C]",
                    "sections must be a list of section letters, e.g. [C]",
                )
            else:
                sections = tuple(raw)
            for item, line in _items(scope.get("exempt", []), scope.line_of("exempt")):
                entry = self.mapping(item, line, "exempt")
                if entry is None:
                    continue
                reason, when = self.text(entry, "reason"), self.expression(entry, "when", BOOLEAN)
                if reason is not None and when is not None:
                    exemptions.append(Exemption(reason, when[0], when[1]))
        groups: list[Group] = []
        for item, line in _items(self.required(doc, "groups") or [], doc.line_of("groups")):
            found = self.group(item, line)
            if found is not None:
                groups.append(found)
        if not groups and "groups" in doc:
            self.issue(doc.line_of("groups"), "至少需要一个分组", "at least one group is needed")
        grades: list[Grade] = []
        for item, line in _items(self.required(doc, "grades") or [], doc.line_of("grades")):
            entry = self.mapping(item, line, "grade")
            if entry is None:
                continue
            letter = entry.get("grade")
            bound = self.number(entry, "up_to", low=Decimal(0), high=Decimal(1))
            if not isinstance(letter, str) or not 1 <= len(letter) <= 2:
                self.issue(entry.line, "grade 必须是等级字母", "grade must be a grade letter")
            elif bound is not None:
                grades.append(Grade(letter, bound))
        if grades and (
            [g.up_to for g in grades] != sorted({g.up_to for g in grades}) or grades[-1].up_to != 1
        ):
            self.issue(
                doc.line_of("grades"),
                "等级界限须严格递增，最后一级为 1",
                "grade bounds must increase strictly and the last must be 1",
            )
        if self.issues or None in (ident, title, year, cap) or not sections:
            return None
        return Method(
            id=ident,
            title=title,
            effective_from=int(year),
            sections=sections,
            exemptions=tuple(exemptions),
            groups=tuple(groups),
            score_cap=cap,
            grades=tuple(grades),
            source=self.file,
        )  # type: ignore[arg-type]


def _items(value: Any, line: int) -> list[tuple[Any, int]]:
    if not isinstance(value, list):
        return [(value, line)]
    lines = getattr(value, "item_lines", None) or [line] * len(value)
    return list(zip(value, lines, strict=True))


def read_method(data: bytes | str, *, file: str = "<method>") -> tuple[Method | None, list[Issue]]:
    """Parse and check one method document; the method is None when there is any issue."""
    reader = _Reader(file)
    try:
        doc = load_yaml(data)
    except YamlError as error:
        return None, [Issue(file, error.line, error.zh, error.en)]
    except yaml.YAMLError as error:  # e.g. a control character, refused by PyYAML's reader
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = str(getattr(error, "problem", None) or error).splitlines()[0][:200]
        return None, [Issue(file, line, f"YAML 错误：{problem}", f"YAML error: {problem}")]
    method = reader.read(doc)
    return (method if not reader.issues else None), reader.issues


def load_method(path: Path | str) -> Method:
    """The method in ``path``, or :class:`MethodFileError` listing every issue with its line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(
            f"无法读取 {path}：{error.strerror}", f"cannot read {path}: {error.strerror}"
        ) from None
    method, issues = read_method(data, file=str(path))
    if method is None:
        raise MethodFileError(issues or [Issue(str(path), 0, "无效的评价办法", "invalid method")])
    return method


def shipped_methods() -> list[Method]:
    """Every method shipped in ``yuanqu/data/mu``."""
    folder = resources.files("yuanqu.data").joinpath(SHIPPED)
    return [
        load_method(Path(str(entry)))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]


def method_for(year: int, method_id: str | None = None) -> Method:
    """The method in force for ``year`` (the shipped default unless ``method_id`` says)."""
    wanted = method_id or "default"
    candidates = [m for m in shipped_methods() if m.id == wanted and m.effective_from <= year]
    if not candidates:
        raise NotFound(
            f"没有 {year} 年适用的评价办法 {wanted}",
            f"no method {wanted} in force for {year}",
            details={"method": wanted, "year": year},
        )
    return max(candidates, key=lambda m: m.effective_from)
