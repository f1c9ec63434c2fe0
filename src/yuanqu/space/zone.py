"""The zone's settings for land and space (``data/space/zone.yaml``, or the file named by
``YUANQU_SPACE_SETTINGS``): the plot ratios (容积率) at which rented space counts as land in the
亩均效益评价, and whether matching puts the firms graded A and B first.

One typed value, parsed once per file version and checked with FILE:LINE errors, so the service and
the pages read the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from yuanqu.core.config import get_settings
from yuanqu.core.datafile import DataFileError, Mapping, Problems, load_text
from yuanqu.data import read_text
from yuanqu.space.models import BUILDING_KIND_NAMES

SHIPPED = "space/zone.yaml"
#: The highest plot ratio accepted (a typo's extra digit, not a tower, beyond it).
MAX_PLOT_RATIO = Decimal(20)


@dataclass(frozen=True)
class ZoneSpaceSettings:
    """Plot ratios by building code and by building kind; the matching's grade-first switch."""

    plot_ratio_kinds: dict[str, Decimal] = field(default_factory=dict)
    plot_ratio_buildings: dict[str, Decimal] = field(default_factory=dict)
    mu_grade_first: bool = False
    source: str = SHIPPED

    def plot_ratio(self, *, building_code: str, kind: str) -> Decimal | None:
        """The building's plot ratio: its own entry, else its kind's, else None (not counted)."""
        own = self.plot_ratio_buildings.get(building_code)
        return own if own is not None else self.plot_ratio_kinds.get(kind)


def _ratios(doc: Mapping, key: str, problems: Problems, *, kinds: bool) -> dict[str, Decimal]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(doc.line_of(key), f"{key} 必须是映射", f"{key} must be a mapping")
        return {}
    out: dict[str, Decimal] = {}
    for name, ratio in value.items():
        line = value.line_of(name)
        if kinds and name not in BUILDING_KIND_NAMES:
            known = ", ".join(BUILDING_KIND_NAMES)
            problems.add(
                line, f"未知的建筑类型 {name}（可选：{known}）", f"unknown kind {name} ({known})"
            )
            continue
        if isinstance(ratio, bool) or not isinstance(ratio, int | Decimal):
            problems.add(line, f"{name} 的容积率必须是数", f"{name}: the plot ratio is a number")
            continue
        if not 0 < Decimal(ratio) <= MAX_PLOT_RATIO:
            problems.add(
                line,
                f"{name} 的容积率应大于 0、不超过 {MAX_PLOT_RATIO}（现为 {ratio}）",
                f"{name}: the plot ratio must be above 0 and at most {MAX_PLOT_RATIO} (is {ratio})",
            )
            continue
        out[str(name)] = Decimal(ratio)
    return out


def parse_zone_settings(text: str, *, file: str = SHIPPED) -> ZoneSpaceSettings:
    """The settings in ``text``; every mistake named FILE:LINE (a DataFileError)."""
    doc = load_text(text, file=file)
    problems = Problems(file)
    if doc is None:
        return ZoneSpaceSettings(source=file)
    if not isinstance(doc, Mapping):
        problems.add(1, "文件须是映射", "the file must be a mapping")
        problems.raise_if_any()
    for key in doc:
        if key not in ("plot_ratio", "matching"):
            problems.add(doc.line_of(key), f"未知的设置 {key}", f"unknown setting {key}")
    plot: Any = doc.get("plot_ratio") or Mapping()
    matching: Any = doc.get("matching") or Mapping()
    kinds = buildings = {}
    if isinstance(plot, Mapping):
        kinds = _ratios(plot, "kinds", problems, kinds=True)
        buildings = _ratios(plot, "buildings", problems, kinds=False)
    else:
        problems.add(doc.line_of("plot_ratio"), "plot_ratio 必须是映射", "plot_ratio: a mapping")
    first = False
    if isinstance(matching, Mapping):
        first = matching.get("mu_grade_first", False)
        if not isinstance(first, bool):
            problems.add(
                matching.line_of("mu_grade_first"),
                "mu_grade_first 只能是 true 或 false",
                "mu_grade_first is true or false",
            )
    else:
        problems.add(doc.line_of("matching"), "matching 必须是映射", "matching: a mapping")
    problems.raise_if_any()
    return ZoneSpaceSettings(
        plot_ratio_kinds=kinds,
        plot_ratio_buildings=buildings,
        mu_grade_first=bool(first),
        source=file,
    )


_cache: dict[tuple[str, float], ZoneSpaceSettings] = {}


def zone_settings() -> ZoneSpaceSettings:
    """The zone's settings: the file ``YUANQU_SPACE_SETTINGS`` names, else the shipped one (read
    again when the file changes)."""
    path: Path | None = get_settings().space_settings
    if path is None:
        key = (SHIPPED, 0.0)
        if key not in _cache:
            _cache[key] = parse_zone_settings(read_text(SHIPPED), file=SHIPPED)
        return _cache[key]
    if not path.is_file():
        raise DataFileError(
            [(str(path), 0, "找不到载体设置文件（YUANQU_SPACE_SETTINGS）", "no such settings file")]
        )
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        _cache.clear()
        _cache[key] = parse_zone_settings(path.read_text("utf-8"), file=str(path))
    return _cache[key]
