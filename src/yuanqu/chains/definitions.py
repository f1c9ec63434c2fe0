"""Chain definitions (产业链): YAML files read, checked like code, and turned into typed objects.

A file holds one chain: its segments (环节), each with a position (上游/中游/下游), names in zh
and en and the rules that place a firm on it, and the directed edges saying which segment
supplies which.
Every problem is reported with its file and line, all at once, before anything is used.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.core.industry import industry_catalog

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_KEYWORD = 40


class Position(StrEnum):
    upstream = "upstream"
    midstream = "midstream"
    downstream = "downstream"


POSITION_NAMES: dict[str, tuple[str, str]] = {
    Position.upstream: ("上游", "upstream"),
    Position.midstream: ("中游", "midstream"),
    Position.downstream: ("下游", "downstream"),
}


@dataclass(frozen=True)
class Rule:
    """Places a firm when its industry is under one of ``codes`` (if any are given) AND its name or
    business scope contains one of ``keywords`` (if any are given)."""

    codes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.codes:
            parts.append("codes " + ",".join(self.codes))
        if self.keywords:
            parts.append("keywords " + ",".join(self.keywords))
        return " & ".join(parts)


@dataclass(frozen=True)
class Segment:
    key: str
    position: Position
    name_zh: str
    name_en: str
    rules: tuple[Rule, ...]
    # Keywords that veto a rule match (e.g. 汽车租赁 is not vehicle manufacturing).
    exclude: tuple[str, ...] = ()
    line: int = 0

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Edge:
    """``source`` supplies ``target`` (an upstream dependency of ``target``)."""

    source: str
    target: str
    line: int = 0


@dataclass(frozen=True)
class Chain:
    key: str
    name_zh: str
    name_en: str
    segments: tuple[Segment, ...]
    edges: tuple[Edge, ...]
    # The chain's industries: firms in them that no segment takes are listed for review.
    industries: tuple[str, ...] = ()
    task_force: str | None = None
    allow_cycles: bool = False
    file: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    def segment(self, key: str) -> Segment:
        for seg in self.segments:
            if seg.key == key:
                return seg
        raise KeyError(key)

    @functools.cached_property
    def suppliers(self) -> dict[str, list[str]]:
        """Segment -> the segments that supply it directly."""
        result: dict[str, list[str]] = {s.key: [] for s in self.segments}
        for edge in self.edges:
            result[edge.target].append(edge.source)
        return result

    @functools.cached_property
    def customers(self) -> dict[str, list[str]]:
        """Segment -> the segments it supplies directly."""
        result: dict[str, list[str]] = {s.key: [] for s in self.segments}
        for edge in self.edges:
            result[edge.source].append(edge.target)
        return result


def segment_key(chain: str, segment: str) -> str:
    """The global key of a segment, ``chain.segment`` (what leads and projects link to)."""
    return f"{chain}.{segment}"


# --- errors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefinitionIssue:
    file: str
    line: int
    zh: str
    en: str

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "message": self.en if lang == "en" else self.zh,
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.en}"


class ChainDefinitionError(ValidationError):
    """One or more chain files are wrong; ``issues`` lists every problem with file and line."""

    code = "chain_definition_invalid"

    def __init__(self, issues: Sequence[DefinitionIssue]) -> None:
        self.issues = list(issues)
        first = self.issues[0]
        n = len(self.issues)
        super().__init__(
            f"产业链定义有 {n} 处错误，首个：{first.file}:{first.line}: {first.zh}",
            f"{n} error(s) in chain definitions, first: {first}",
            details=[i.to_dict() for i in self.issues],
        )


# --- YAML with line numbers ----------------------------------------------------------------------


class _Map(dict):
    """A mapping read from YAML, remembering its line and the line of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class _List(list):
    line: int
    item_lines: list[int]


class _Reader:
    """Turns a composed YAML node tree into plain values with lines; duplicate keys are errors."""

    def __init__(self, file: str, issues: list[DefinitionIssue]) -> None:
        self.file = file
        self.issues = issues
        self._constructor = yaml.SafeLoader("")

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            result = _Map()
            result.line = node.start_mark.line + 1
            result.key_lines = {}
            for key_node, value_node in node.value:
                key = self.value(key_node)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str | int):
                    self.issue(line, "键必须是文本", "keys must be text")
                    continue
                key = str(key)
                if key in result:
                    self.issue(
                        line,
                        f"重复的键 '{key}'（首次出现在第 {result.key_lines[key]} 行）",
                        f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                    )
                    continue
                result[key] = self.value(value_node)
                result.key_lines[key] = line
            return result
        if isinstance(node, yaml.SequenceNode):
            items = _List(self.value(item) for item in node.value)
            items.line = node.start_mark.line + 1
            items.item_lines = [item.start_mark.line + 1 for item in node.value]
            return items
        return self._constructor.construct_object(node, deep=True)

    def issue(self, line: int, zh: str, en: str) -> None:
        self.issues.append(DefinitionIssue(self.file, line, zh, en))


def _line(container: Any, key: str | None = None) -> int:
    if key is not None and isinstance(container, _Map):
        return container.key_lines.get(key, container.line)
    return getattr(container, "line", 0)


# --- parsing and checking ------------------------------------------------------------------------

_CHAIN_FIELDS = {"key", "name", "task_force", "industries", "allow_cycles", "segments", "edges"}
_SEGMENT_FIELDS = {"key", "position", "name", "rules", "exclude"}
_RULE_FIELDS = {"codes", "keywords"}


class _ChainParser:
    def __init__(self, file: str, issues: list[DefinitionIssue]) -> None:
        self.file = file
        self.issues = issues

    def issue(self, line: int, zh: str, en: str) -> None:
        self.issues.append(DefinitionIssue(self.file, line, zh, en))

    def unknown_fields(self, data: _Map, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.issue(
                    _line(data, key),
                    f"{what}中未知的字段 '{key}'（可用：{known}）",
                    f"unknown field '{key}' in {what} (known: {known})",
                )

    def key(self, data: _Map, what: str) -> str | None:
        value = data.get("key")
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.issue(
                _line(data, "key"),
                f"{what}的 key 须为小写字母开头的 a-z、0-9、_（至多40个字符），实际为 {value!r}",
                f"{what} key must be a-z, 0-9 or _ starting with a letter, found {value!r}",
            )
            return None
        return value

    def names(self, data: _Map, what: str) -> tuple[str, str]:
        names = data.get("name")
        if not isinstance(names, _Map) or not all(
            isinstance(names.get(lang), str) and names.get(lang, "").strip()
            for lang in ("zh", "en")
        ):
            self.issue(
                _line(data, "name"),
                f"{what}须有名称 name: {{zh: ..., en: ...}}",
                f"{what} needs a name: {{zh: ..., en: ...}}",
            )
            return ("", "")
        return (names["zh"].strip(), names["en"].strip())

    def codes(self, values: Any, line: int) -> tuple[str, ...]:
        if values is None:
            return ()
        if not isinstance(values, list):
            self.issue(line, "codes 须为列表", "codes must be a list")
            return ()
        catalog = industry_catalog()
        result: list[str] = []
        lines = getattr(values, "item_lines", [line] * len(values))
        for raw, item_line in zip(values, lines, strict=True):
            text = str(raw).strip()
            # YAML reads 0111 as the integer 111 (or octal); codes must be quoted or four digits.
            if isinstance(raw, int) and not isinstance(raw, bool) and len(text) < 2:
                self.issue(
                    item_line, f"行业代码 {raw} 须加引号", f"industry code {raw} must be quoted"
                )
                continue
            try:
                result.append(catalog.normalize(text))
            except ValidationError:
                self.issue(
                    item_line,
                    f"未知的行业代码 '{text}'（GB/T 4754-2017）",
                    f"unknown industry code '{text}' (GB/T 4754-2017)",
                )
        return tuple(result)

    def keywords(self, values: Any, line: int, field_name: str) -> tuple[str, ...]:
        if values is None:
            return ()
        if not isinstance(values, list):
            self.issue(line, f"{field_name} 须为列表", f"{field_name} must be a list")
            return ()
        result: list[str] = []
        lines = getattr(values, "item_lines", [line] * len(values))
        for raw, item_line in zip(values, lines, strict=True):
            text = str(raw).strip() if isinstance(raw, str | int | float) else ""
            if not text or len(text) > MAX_KEYWORD:
                self.issue(
                    item_line,
                    f"{field_name} 中的关键词须为1到{MAX_KEYWORD}个字符的文本",
                    f"a keyword in {field_name} must be text of 1 to {MAX_KEYWORD} characters",
                )
                continue
            if text in result:
                self.issue(item_line, f"重复的关键词 '{text}'", f"duplicate keyword '{text}'")
                continue
            result.append(text)
        return tuple(result)

    def rules(self, data: _Map, seg_key: str) -> tuple[Rule, ...]:
        raw = data.get("rules")
        line = _line(data, "rules") if "rules" in data else _line(data)
        if not isinstance(raw, list) or not raw:
            self.issue(
                line,
                f"环节 '{seg_key}' 没有放置规则（rules：行业代码或关键词）",
                f"segment '{seg_key}' has no placement rule (rules: codes or keywords)",
            )
            return ()
        rules: list[Rule] = []
        for item in raw:
            if not isinstance(item, _Map):
                self.issue(line, "每条规则须为映射", "each rule must be a mapping")
                continue
            self.unknown_fields(item, _RULE_FIELDS, "规则/rule")
            codes = self.codes(item.get("codes"), _line(item, "codes"))
            keywords = self.keywords(item.get("keywords"), _line(item, "keywords"), "keywords")
            if not codes and not keywords:
                if item.get("codes") or item.get("keywords"):
                    continue  # the bad codes or keywords are reported already
                self.issue(
                    _line(item),
                    f"环节 '{seg_key}' 的规则既无行业代码也无关键词",
                    f"a rule of segment '{seg_key}' has neither codes nor keywords",
                )
                continue
            rules.append(Rule(codes, keywords))
        return tuple(rules)

    def segment(self, data: Any, line: int) -> Segment | None:
        if not isinstance(data, _Map):
            self.issue(line, "每个环节须为映射", "each segment must be a mapping")
            return None
        self.unknown_fields(data, _SEGMENT_FIELDS, "环节/segment")
        key = self.key(data, "环节/segment")
        position = data.get("position")
        if position not in Position.__members__:
            self.issue(
                _line(data, "position"),
                f"环节位置须为 upstream、midstream 或 downstream，实际为 {position!r}",
                f"position must be upstream, midstream or downstream, found {position!r}",
            )
        zh, en = self.names(data, "环节/segment")
        rules = self.rules(data, key or "?")
        exclude = self.keywords(data.get("exclude"), _line(data, "exclude"), "exclude")
        if key is None or position not in Position.__members__ or not rules or not zh:
            return None
        return Segment(key, Position(position), zh, en, rules, exclude, _line(data))

    def edges(self, raw: Any, line: int, keys: set[str]) -> list[Edge]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.issue(line, "edges 须为列表", "edges must be a list")
            return []
        edges: list[Edge] = []
        seen: dict[tuple[str, str], int] = {}
        for item, item_line in zip(raw, raw.item_lines, strict=True):
            if not (
                isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
            ):
                self.issue(
                    item_line,
                    "每条边须写作 [供给环节, 需求环节]",
                    "each edge must be written [supplier, customer]",
                )
                continue
            source, target = item
            bad = [k for k in (source, target) if k not in keys]
            for k in bad:
                self.issue(
                    item_line,
                    f"边引用了未知的环节 '{k}'",
                    f"edge refers to unknown segment '{k}'",
                )
            if bad:
                continue
            if source == target:
                self.issue(
                    item_line,
                    f"环节 '{source}' 不能供给自身",
                    f"segment '{source}' supplies itself",
                )
                continue
            if (source, target) in seen:
                self.issue(
                    item_line,
                    f"重复的边 {source} → {target}（首次在第 {seen[(source, target)]} 行）",
                    f"duplicate edge {source} -> {target} (first at line {seen[(source, target)]})",
                )
                continue
            seen[(source, target)] = item_line
            edges.append(Edge(source, target, item_line))
        return edges

    def check_acyclic(self, segments: Sequence[Segment], edges: Sequence[Edge]) -> None:
        graph: dict[str, list[Edge]] = {s.key: [] for s in segments}
        for edge in edges:
            graph[edge.source].append(edge)
        state: dict[str, int] = {}  # 1 on the DFS path, 2 done
        path: list[str] = []

        def visit(node: str) -> bool:
            state[node] = 1
            path.append(node)
            for edge in graph[node]:
                if state.get(edge.target) == 1:
                    cycle = [*path[path.index(edge.target) :], edge.target]
                    text = " → ".join(cycle)
                    self.issue(
                        edge.line,
                        f"供给关系成环：{text}（如确需成环，请设 allow_cycles: true）",
                        f"the edges form a cycle: {' -> '.join(cycle)} "
                        "(set allow_cycles: true if the chain really loops)",
                    )
                    return True
                if edge.target not in state and visit(edge.target):
                    return True
            path.pop()
            state[node] = 2
            return False

        for seg in segments:
            if seg.key not in state and visit(seg.key):
                return

    def chain(self, data: Any) -> Chain | None:
        if not isinstance(data, _Map):
            self.issue(
                1, "文件须为一个映射（一条产业链）", "the file must hold one mapping (a chain)"
            )
            return None
        self.unknown_fields(data, _CHAIN_FIELDS, "产业链/chain")
        key = self.key(data, "产业链/chain")
        zh, en = self.names(data, "产业链/chain")
        industries = self.codes(data.get("industries"), _line(data, "industries"))
        allow_cycles = data.get("allow_cycles", False)
        if not isinstance(allow_cycles, bool):
            self.issue(
                _line(data, "allow_cycles"),
                "allow_cycles 须为 true 或 false",
                "allow_cycles must be true or false",
            )
            allow_cycles = False
        task_force = data.get("task_force")
        if task_force is not None and not isinstance(task_force, str):
            self.issue(_line(data, "task_force"), "task_force 须为文本", "task_force must be text")
            task_force = None
        raw_segments = data.get("segments")
        segments: list[Segment] = []
        if not isinstance(raw_segments, list) or not raw_segments:
            self.issue(
                _line(data, "segments"),
                "产业链须至少有一个环节",
                "a chain needs at least one segment",
            )
            raw_segments = _List()
            raw_segments.item_lines = []
        seen: dict[str, int] = {}
        for raw, line in zip(raw_segments, raw_segments.item_lines, strict=True):
            seg = self.segment(raw, line)
            raw_key = raw.get("key") if isinstance(raw, _Map) else None
            if isinstance(raw_key, str) and raw_key in seen:
                self.issue(
                    _line(raw, "key"),
                    f"重复的环节 '{raw_key}'（首次在第 {seen[raw_key]} 行）",
                    f"duplicate segment '{raw_key}' (first at line {seen[raw_key]})",
                )
                continue
            if isinstance(raw_key, str):
                seen[raw_key] = _line(raw, "key")
            if seg is not None:
                segments.append(seg)
        edges = self.edges(data.get("edges"), _line(data, "edges"), set(seen))
        if not allow_cycles:
            self.check_acyclic(
                segments,
                [
                    e
                    for e in edges
                    if e.source in {s.key for s in segments}
                    and e.target in {s.key for s in segments}
                ],
            )
        if key is None or not zh:
            return None
        return Chain(
            key=key,
            name_zh=zh,
            name_en=en,
            segments=tuple(segments),
            edges=tuple(edges),
            industries=industries,
            task_force=task_force,
            allow_cycles=allow_cycles,
            file=self.file,
        )


def parse_chain(text: str, *, file: str = "<string>") -> tuple[Chain | None, list[DefinitionIssue]]:
    """One chain from YAML text, and every problem found in it."""
    issues: list[DefinitionIssue] = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [
            DefinitionIssue(
                file, line, f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"
            )
        ]
    if node is None:
        return None, [DefinitionIssue(file, 1, "文件为空", "the file is empty")]
    data = _Reader(file, issues).value(node)
    chain = _ChainParser(file, issues).chain(data)
    return (chain if not issues else None), issues


def load_chains(sources: Iterable[tuple[str, str]]) -> list[Chain]:
    """Chains from ``(file name, YAML text)`` pairs; a ChainDefinitionError lists every problem."""
    issues: list[DefinitionIssue] = []
    chains: list[Chain] = []
    seen: dict[str, str] = {}
    for file, text in sources:
        chain, found = parse_chain(text, file=file)
        issues.extend(found)
        if chain is None:
            continue
        if chain.key in seen:
            issues.append(
                DefinitionIssue(
                    file,
                    1,
                    f"重复的产业链 '{chain.key}'（已在 {seen[chain.key]} 中定义）",
                    f"duplicate chain '{chain.key}' (already defined in {seen[chain.key]})",
                )
            )
            continue
        seen[chain.key] = file
        chains.append(chain)
    if issues:
        raise ChainDefinitionError(issues)
    return chains


def read_chain_files(paths: Iterable[Path]) -> list[Chain]:
    """Chains from YAML files, or every ``*.yaml`` in a directory."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ValidationError(
                f"文件不存在：{path}", f"file not found: {path}", code="file_not_found"
            )
    return load_chains((str(f), f.read_text(encoding="utf-8")) for f in files)


@functools.cache
def shipped_chains() -> tuple[Chain, ...]:
    """The chains shipped in ``yuanqu/data/chains/``, read and checked once."""
    folder = resources.files("yuanqu") / "data" / "chains"
    sources = sorted(
        (f"data/chains/{item.name}", item.read_text(encoding="utf-8"))
        for item in folder.iterdir()
        if item.name.endswith(".yaml")
    )
    return tuple(load_chains(sources))


def get_chain(key: str, chains: Sequence[Chain] | None = None) -> Chain:
    """The chain with this key; a NotFound naming the known chains otherwise."""
    chains = shipped_chains() if chains is None else chains
    for chain in chains:
        if chain.key == key:
            return chain
    known = ", ".join(c.key for c in chains)
    raise NotFound(
        f"没有产业链 '{key}'（可用：{known}）",
        f"no chain '{key}' (known: {known})",
        details={"chain": key},
    )
