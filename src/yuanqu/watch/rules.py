"""The early-warning rules (监测预警规则) as data: reading and checking ``rules.yaml``.

A rule is one of a closed set of kinds, each a condition with typed parameters; a file names
which rules the zone runs, their thresholds and their weights. Nothing in the file runs code.
Every mistake is collected and reported as FILE:LINE with the field and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from yuanqu import data
from yuanqu.core.datafile import Items, Mapping, Problems, load_text

SHIPPED = "watch/rules.yaml"

#: The measures a ``yoy_below`` rule may compare (the monthly report's amounts).
AMOUNT_MEASURES = (
    "gross_output",
    "value_added",
    "revenue",
    "profit",
    "tax",
    "rd_expense",
    "fixed_asset_investment",
)
#: The labels a ``label_expiring`` rule may watch.
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
#: Each kind and its parameters: name -> (type, description for errors).
KINDS: dict[str, dict[str, str]] = {
    "yoy_below": {"measure": "measure", "below": "ratio", "months": "count"},
    "stopped_reporting": {"lookback_months": "count", "silent_months": "count"},
    "label_expiring": {"label": "label", "within_days": "count"},
    "headcount_at_most": {"at_most": "ratio", "minimum_before": "count"},
    "request_mentions": {"months": "count", "words": "words"},
}
_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class Rule:
    """One early-warning rule: its id, names, kind, parameters and weight."""

    id: str
    name_zh: str
    name_en: str
    kind: str
    weight: int
    params: dict[str, object] = field(default_factory=dict)

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    def ratio(self, key: str) -> Fraction:
        """A ratio parameter as an exact fraction (0.80 -> 4/5): thresholds compare integers."""
        return Fraction(str(self.params[key]))

    def count(self, key: str) -> int:
        value = self.params[key]
        assert isinstance(value, int)
        return value

    def words(self) -> tuple[str, ...]:
        value = self.params["words"]
        assert isinstance(value, tuple)
        return value


def _check_param(
    problems: Problems, entry: Mapping, key: str, kind: str
) -> object | None:  # one parameter of a rule, or None after recording why not
    line = entry.line_of(key)
    if key not in entry:
        problems.add(entry.line, f"缺少参数 {key}", f"missing parameter '{key}'")
        return None
    value = entry[key]
    if kind == "ratio":
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or not 0 < value < 1:
            problems.add(
                line, f"{key} 应为 0 与 1 之间的比例，如 0.80", f"{key}: a ratio in (0, 1)"
            )
            return None
        return Decimal(value)
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3660:
            problems.add(line, f"{key} 应为正整数", f"{key}: a positive whole number")
            return None
        return value
    if kind == "measure":
        if value not in AMOUNT_MEASURES:
            problems.add(
                line,
                f"{key} 应为 {'、'.join(AMOUNT_MEASURES)} 之一",
                f"{key}: one of {', '.join(AMOUNT_MEASURES)}",
            )
            return None
        return value
    if kind == "label":
        if value not in LABELS:
            problems.add(line, f"未知的标签 {value!r}", f"unknown label {value!r}")
            return None
        return value
    # words: a non-empty list of non-empty texts
    if (
        not isinstance(value, Items)
        or not value
        or not all(isinstance(w, str) and w.strip() for w in value)
    ):
        problems.add(line, f"{key} 应为非空的词语列表", f"{key}: a non-empty list of words")
        return None
    return tuple(w.strip() for w in value)


def parse_rules(text: str, *, file: str) -> list[Rule]:
    """The rules in ``text``; every problem at once as :class:`DataFileError` (FILE:LINE)."""
    problems = Problems(file)
    document = load_text(text, file=file)
    if not isinstance(document, Mapping) or not isinstance(document.get("rules"), Items):
        problems.add(
            getattr(document, "line", 1), "文件应有 rules: 列表", "the file needs a 'rules:' list"
        )
        problems.raise_if_any()
    rules: list[Rule] = []
    seen: set[str] = set()
    items: Items = document["rules"]
    for entry, line in zip(items, items.item_lines, strict=True):
        if not isinstance(entry, Mapping):
            problems.add(line, "每条规则应为一个映射", "each rule must be a mapping")
            continue
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            problems.add(
                entry.line_of("id"),
                "id 应为小写字母、数字和下划线",
                "id: lower-case letters, digits and underscores",
            )
        elif rule_id in seen:
            problems.add(entry.line_of("id"), f"规则 {rule_id} 重复", f"duplicate rule {rule_id}")
        else:
            seen.add(rule_id)
        for name_key in ("name_zh", "name_en"):
            if not isinstance(entry.get(name_key), str) or not entry[name_key].strip():
                problems.add(entry.line_of(name_key), f"缺少 {name_key}", f"missing {name_key}")
        weight = entry.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 1000:
            problems.add(entry.line_of("weight"), "weight 应为 0 至 1000 的整数", "weight: 0..1000")
        kind = entry.get("kind")
        if kind not in KINDS:
            problems.add(
                entry.line_of("kind"),
                f"未知的规则类型 {kind!r}（可用：{'、'.join(KINDS)}）",
                f"unknown kind {kind!r} (known: {', '.join(KINDS)})",
            )
            continue
        allowed = {"id", "name_zh", "name_en", "kind", "weight", *KINDS[kind]}
        for key in entry:
            if key not in allowed:
                problems.add(
                    entry.line_of(key),
                    f"{kind} 类规则没有参数 {key}",
                    f"a {kind} rule has no parameter '{key}'",
                )
        params = {key: _check_param(problems, entry, key, t) for key, t in KINDS[kind].items()}
        if not problems.found:
            rules.append(
                Rule(
                    id=rule_id,
                    name_zh=entry["name_zh"].strip(),
                    name_en=entry["name_en"].strip(),
                    kind=kind,
                    weight=weight,
                    params=params,
                )
            )
    problems.raise_if_any()
    return rules


def shipped_rules() -> list[Rule]:
    """The rules shipped with yuanqu (``data/watch/rules.yaml``)."""
    return parse_rules(data.read_text(SHIPPED), file=f"yuanqu/data/{SHIPPED}")


def rules_from_file(path: Path) -> list[Rule]:
    return parse_rules(path.read_text(encoding="utf-8"), file=str(path))
