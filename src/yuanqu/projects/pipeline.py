"""The stage pipeline of key projects, configured per zone in YAML.

Zones name their "seven batches" (七个一批) differently: one county tracks
谋划、洽谈、签约、开工、建设、投产、达产, another 包装、招商、签约、落地、开工、在建、投产.
A pipeline is an ordered list of stages with their names, plus *markers* saying which stage
counts as signed, started, in production and at full production: the transition rules and the
reports read the markers, never the stage keys.

The shipped default is ``data/projects/pipeline_default.yaml``; an alternative is
``pipeline_packaging.yaml``. The active pipeline of a zone is stored in its database
(`yuanqu projects pipeline --load FILE`), so every process of the zone agrees on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from yuanqu.core.errors import ValidationError

MARKERS = ("signed", "started", "production", "full_production")
LEAD_STAGES = ("contacted", "negotiating", "intent")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Stage:
    key: str
    zh: str
    en: str
    index: int

    def name(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Pipeline:
    """Ordered stages and their markers; ``signed`` and ``started`` are required."""

    name: str
    stages: tuple[Stage, ...]
    markers: dict[str, str | None]
    lead_stages: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        known = ", ".join(s.key for s in self.stages)
        raise ValidationError(
            f"未知的项目阶段 '{key}'（本园区的阶段：{known}）",
            f"unknown project stage '{key}' (this zone's stages: {known})",
            details={"stage": key, "known": [s.key for s in self.stages]},
        )

    def find(self, key_or_name: str) -> Stage:
        """A stage by key or by its Chinese or English name (as spreadsheets write it)."""
        text = key_or_name.strip()
        for stage in self.stages:
            if text in (stage.key, stage.zh) or text.lower() == stage.en.lower():
                return stage
        return self.stage(text)

    def index(self, key: str) -> int:
        return self.stage(key).index

    def marker(self, name: str) -> Stage | None:
        key = self.markers.get(name)
        return self.stage(key) if key else None

    @property
    def signed(self) -> Stage:
        stage = self.marker("signed")
        assert stage is not None
        return stage

    @property
    def started(self) -> Stage:
        stage = self.marker("started")
        assert stage is not None
        return stage

    @property
    def close_out(self) -> Stage:
        """The stage open list items block: full production, or the last stage without one."""
        return self.marker("full_production") or self.stages[-1]

    def lead_stage(self, lead_stage: str) -> Stage:
        """The pre-signing project stage a lead's stage corresponds to."""
        key = self.lead_stages.get(lead_stage)
        return self.stage(key) if key else self.stages[0]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "name": self.name,
            "stages": [{"key": s.key, "name": s.name(lang), "index": s.index} for s in self.stages],
            "markers": dict(self.markers),
            "lead_stages": dict(self.lead_stages),
        }


def _bad(zh: str, en: str, source: str) -> ValidationError:
    return ValidationError(
        f"阶段配置 {source} 无效：{zh}",
        f"invalid stage pipeline {source}: {en}",
        code="invalid_pipeline",
    )


def parse_pipeline(text: str, *, source: str = "<yaml>") -> Pipeline:
    """Read and check a pipeline definition; every problem is a ValidationError saying what."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _bad(f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}", source) from None
    if not isinstance(data, dict) or not isinstance(data.get("stages"), list):
        raise _bad("应有 stages 列表", "expected a mapping with a 'stages' list", source)
    stages: list[Stage] = []
    for i, item in enumerate(data["stages"]):
        if not isinstance(item, dict) or not {"key", "zh", "en"} <= set(item):
            raise _bad(
                f"第 {i + 1} 个阶段应有 key、zh、en",
                f"stage {i + 1} needs key, zh and en",
                source,
            )
        key = str(item["key"])
        if not _KEY.match(key):
            raise _bad(
                f"阶段代码 '{key}' 应为小写字母、数字和下划线",
                f"stage key '{key}' must be lowercase letters, digits and _",
                source,
            )
        if any(s.key == key for s in stages):
            raise _bad(f"阶段 '{key}' 重复", f"stage '{key}' repeats", source)
        stages.append(Stage(key, str(item["zh"]), str(item["en"]), i))
    if len(stages) < 3:
        raise _bad("至少需要三个阶段", "at least three stages are needed", source)
    keys = [s.key for s in stages]
    raw_markers = data.get("markers") or {}
    markers: dict[str, str | None] = {}
    for name in MARKERS:
        value = raw_markers.get(name)
        if value is not None and value not in keys:
            raise _bad(
                f"标记 {name} 指向不存在的阶段 '{value}'",
                f"marker {name} names no stage: '{value}'",
                source,
            )
        markers[name] = value
    for required in ("signed", "started"):
        if markers[required] is None:
            raise _bad(f"必须指定 {required} 标记", f"the {required} marker is required", source)
    order = [keys.index(m) for name in MARKERS if (m := markers[name]) is not None]
    if order != sorted(order) or len(set(order)) != len(order):
        raise _bad(
            "标记的阶段顺序应为 签约 < 开工 < 投产 < 达产",
            "markers must be in the order signed < started < production < full production",
            source,
        )
    lead_stages: dict[str, str] = {}
    for name, value in (data.get("lead_stages") or {}).items():
        if name not in LEAD_STAGES or value not in keys:
            raise _bad(
                f"lead_stages 中 '{name}: {value}' 无效",
                f"invalid lead_stages entry '{name}: {value}'",
                source,
            )
        if keys.index(value) >= keys.index(markers["signed"]):
            raise _bad(
                f"线索阶段 {name} 只能对应签约之前的阶段",
                f"lead stage {name} must map to a stage before signing",
                source,
            )
        lead_stages[name] = value
    return Pipeline(
        name=str(data.get("name") or source),
        stages=tuple(stages),
        markers=markers,
        lead_stages=lead_stages,
        source=source,
    )


def shipped_pipeline(name: str = "default") -> Pipeline:
    """One of the pipelines shipped in ``data/projects`` (``default`` or ``packaging``)."""
    files = resources.files("yuanqu") / "data" / "projects"
    path = files / f"pipeline_{name}.yaml"
    if not path.is_file():
        raise ValidationError(
            f"没有名为 {name} 的内置阶段配置",
            f"no shipped pipeline named {name}",
            details={"name": name},
        )
    return parse_pipeline(path.read_text(encoding="utf-8"), source=f"pipeline_{name}.yaml")
