"""Reading a track file (赛道, ``data/tracks/*.yaml``): its industries, chain, policy set, platform
and spaces; every mistake FILE:LINE."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from yuanqu.core.datafile import Items, Mapping, Problems, load_text
from yuanqu.core.errors import NotFound


@dataclass(frozen=True)
class Track:
    key: str
    name_zh: str
    name_en: str
    industries: tuple[str, ...]
    chain: str | None
    policies: tuple[str, ...]
    platform: str | None
    spaces: str | None
    source: str | None

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


def parse_track(text: str, *, file: str) -> Track:
    problems = Problems(file)
    doc = load_text(text, file=file)
    if not isinstance(doc, Mapping):
        problems.add(1, "赛道文件应为一个映射", "a track file is a mapping")
        problems.raise_if_any()
    if not isinstance(doc.get("key"), str) or not re.match(r"^[a-z][a-z0-9_]+$", doc["key"]):
        problems.add(doc.line_of("key"), "key 应为小写字母、数字和下划线", "key: a-z, 0-9, _")
    for name in ("name_zh", "name_en"):
        if not isinstance(doc.get(name), str):
            problems.add(doc.line_of(name), f"缺少 {name}", f"missing {name}")
    lists = {}
    for name in ("industries", "policies"):
        value = doc.get(name, Items())
        if not isinstance(value, Items) or not all(isinstance(v, str) for v in value):
            problems.add(doc.line_of(name), f"{name} 应为文字列表", f"{name}: a list of texts")
            value = Items()
        lists[name] = tuple(value)
    problems.raise_if_any()
    return Track(
        key=doc["key"],
        name_zh=doc["name_zh"],
        name_en=doc["name_en"],
        industries=lists["industries"],
        chain=doc.get("chain"),
        policies=lists["policies"],
        platform=doc.get("platform"),
        spaces=doc.get("spaces"),
        source=doc.get("source"),
    )


@cache
def shipped_tracks() -> tuple[Track, ...]:
    folder = resources.files("yuanqu.data").joinpath("tracks")
    return tuple(
        parse_track(entry.read_text("utf-8"), file=f"yuanqu/data/tracks/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    )


def track_names(lang: str = "zh") -> dict[str, str]:
    """key -> name of every shipped track."""
    return {track.key: track.name(lang) for track in shipped_tracks()}


def get_track(key: str) -> Track:
    for track in shipped_tracks():
        if track.key == key:
            return track
    raise NotFound(f"找不到赛道 {key}", f"no track {key}")
