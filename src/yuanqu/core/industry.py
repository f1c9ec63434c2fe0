"""国民经济行业分类 (GB/T 4754-2017): the four-level industry catalogue shipped in
``yuanqu/data/industry/``, with English names for sections and divisions."""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from yuanqu.core.errors import ValidationError
from yuanqu.data import read_text

# ---------------------------------------------------------------------------------------------
# National industry classification (GB/T 4754-2017)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Industry:
    """One node of GB/T 4754-2017: a section (1), division (2), group (3) or class (4)."""

    code: str
    level: int
    name_zh: str
    name_en: str | None
    section: str
    division: str | None
    group: str | None

    def label(self, lang: str = "zh") -> str:
        """The name in ``lang``; English falls back to Chinese below division level."""
        if lang == "en" and self.name_en:
            return self.name_en
        return self.name_zh


def _fold_code(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().upper()


class IndustryCatalog:
    """The GB/T 4754-2017 catalogue: look-ups, normalisation and navigation of the tree."""

    def __init__(self, industries: Sequence[Industry]) -> None:
        self._items: dict[str, Industry] = {item.code: item for item in industries}
        self._children: dict[str, list[str]] = {code: [] for code in self._items}
        for item in industries:
            parent = self._parent(item)
            if parent is not None:
                self._children[parent].append(item.code)

    @staticmethod
    def _parent(item: Industry) -> str | None:
        return {1: None, 2: item.section, 3: item.division, 4: item.group}[item.level]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Industry]:
        return iter(self._items.values())

    def find(self, code: str) -> Industry | None:
        """The node with this code (bare or prefixed with its section letter), or None."""
        try:
            return self._items[self.normalize(code)]
        except ValidationError:
            return None

    def get(self, code: str) -> Industry:
        """The node with this code; a ValidationError when there is none."""
        return self._items[self.normalize(code)]

    def normalize(self, raw: str) -> str:
        """The bare code ('C3973' -> '3973', ' c ' -> 'C'); rejects unknown or mismatched codes."""
        folded = _fold_code(raw)
        letter, digits = (folded[:1], folded[1:]) if folded[:1].isalpha() else ("", folded)
        if not folded or not (digits == "" or (digits.isdigit() and 2 <= len(digits) <= 4)):
            raise ValidationError(
                f"行业代码 '{raw}' 格式无效", f"industry code '{raw}' is malformed"
            )
        code = digits or letter
        item = self._items.get(code)
        if item is None or (digits == "" and item.level != 1):
            raise ValidationError(
                f"未知的行业代码 '{raw.strip()}'", f"unknown industry code '{raw.strip()}'"
            )
        if letter and digits and item.section != letter:
            raise ValidationError(
                f"行业代码 '{folded}' 的门类字母 {letter} 不符：{code} 属于门类 {item.section}",
                f"industry code '{folded}': {code} belongs to section {item.section}, not {letter}",
                details={"code": raw, "section": item.section},
            )
        return code

    def path(self, code: str) -> list[Industry]:
        """The nodes from the section down to this one."""
        item = self.get(code)
        ancestors = (item.section, item.division, item.group, item.code)[: item.level]
        return [self._items[c] for c in dict.fromkeys(ancestors)]

    def section_of(self, code: str) -> str:
        """The section letter a code belongs to."""
        return self.get(code).section

    def division_of(self, code: str) -> str | None:
        """The two-digit division a code belongs to; None for a section."""
        return self.get(code).division

    def roll_up(self, code: str, level: int) -> str:
        """The ancestor at ``level`` (1 section .. 4 class) of a code at that level or finer."""
        item = self.get(code)
        if not 1 <= level <= 4:
            raise ValidationError(
                f"行业层级应为1-4，实际为{level}", f"industry level must be 1-4, found {level}"
            )
        if level > item.level:
            raise ValidationError(
                f"行业代码 '{item.code}' 是第{item.level}级，无法归到更细的第{level}级",
                f"industry code '{item.code}' is at level {item.level}, "
                f"it cannot roll up to the finer level {level}",
            )
        return self.path(item.code)[level - 1].code

    def children(self, code: str) -> list[Industry]:
        """The nodes one level below this one."""
        return [self._items[c] for c in self._children[self.normalize(code)]]

    def classes_under(self, code: str) -> list[str]:
        """Every class (level-4) code at or under this node."""
        start = self.normalize(code)
        found: list[str] = []
        stack = [start]
        while stack:
            current = stack.pop()
            if self._items[current].level == 4:
                found.append(current)
            stack.extend(reversed(self._children[current]))
        return found

    def is_under(self, code: str, ancestor: str) -> bool:
        """True when ``code`` is ``ancestor`` or lies below it."""
        target = self.normalize(ancestor)
        return any(item.code == target for item in self.path(code))

    def sections(self) -> list[Industry]:
        """The 20 sections, A to T."""
        return [item for item in self._items.values() if item.level == 1]

    def divisions(self) -> list[Industry]:
        """The 97 divisions, 01 to 97."""
        return [item for item in self._items.values() if item.level == 2]


@functools.cache
def industry_catalog() -> IndustryCatalog:
    """The shipped GB/T 4754-2017 catalogue, read once."""
    names_en = {
        row["code"]: row["name_en"]
        for row in csv.DictReader(read_text("industry/names_en.csv").splitlines())
    }
    rows = csv.DictReader(read_text("industry/gbt4754-2017.csv").splitlines())
    return IndustryCatalog(
        [
            Industry(
                code=row["code"],
                level=int(row["level"]),
                name_zh=row["name_zh"],
                name_en=names_en.get(row["code"]),
                section=row["section"],
                division=row["division"] or None,
                group=row["group"] or None,
            )
            for row in rows
        ]
    )


def is_industrial(code: str) -> bool:
    """True for sections B, C and D (mining, manufacturing, utilities): the NBS 'industry'."""
    return industry_catalog().section_of(code) in {"B", "C", "D"}
