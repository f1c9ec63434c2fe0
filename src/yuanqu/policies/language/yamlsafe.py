"""Reading an untrusted YAML policy file: bounded, alias-free, with line numbers, no floats.

PyYAML's SafeLoader builds no Python objects beyond plain data, but it still expands aliases
(the "billion laughs" blow-up) and turns ``0.05`` into a binary float. This loader refuses aliases,
reads every non-integer number as an exact ``Decimal`` from its written text, and records the line
of every mapping key so that errors can point at the file and line.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.reader import Reader

MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 20_000


class Located(dict):
    """A mapping that knows the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    line: int = 0
    item_lines: list[int]


class YamlError(Exception):
    def __init__(self, line: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.line, self.zh, self.en = line, zh, en


class _Loader(yaml.SafeLoader):
    nodes_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise YamlError(
                event.start_mark.line + 1,
                "策略文件不允许使用 YAML 别名（*alias）",
                "YAML aliases (*alias) are not allowed in policy files",
            )
        self.nodes_seen += 1
        if self.nodes_seen > MAX_NODES:
            raise YamlError(
                0, "策略文件过大（节点过多）", f"policy file too large (over {MAX_NODES} nodes)"
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    result = Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | bool) and key is not None:
            raise YamlError(key_node.start_mark.line + 1, "键必须是文本", "keys must be text")
        key = str(key)
        if key in result:
            raise YamlError(key_node.start_mark.line + 1, f"重复的键 {key}", f"duplicate key {key}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = str(node.value).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise YamlError(
            node.start_mark.line + 1,
            f"不是有限的数：{text[:20]}",
            f"not a finite number: {text[:20]}",
        )
    return value


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_yaml(data: bytes | str) -> Any:
    """Parse one YAML document under the limits above."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(
            0,
            f"策略文件过大（{len(raw)} 字节，上限 {MAX_FILE_BYTES}）",
            f"policy file too large ({len(raw)} bytes, limit {MAX_FILE_BYTES})",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise YamlError(0, "策略文件必须是 UTF-8 编码", "policy files must be UTF-8") from None
    _refuse_control_characters(text)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = str(error.problem or error)[:200]
        raise YamlError(
            line, f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"
        ) from None
    except yaml.YAMLError as error:
        raise YamlError(
            0, f"YAML 错误：{str(error)[:200]}", f"YAML error: {str(error)[:200]}"
        ) from None
    except RecursionError:
        raise YamlError(0, "YAML 嵌套过深", "YAML nested too deeply") from None
    finally:
        loader.dispose()


def _refuse_control_characters(text: str) -> None:
    """A control character (NUL, BEL, ESC...) anywhere, comments included: its line and code.

    PyYAML refuses them while it builds its reader, before any mark exists, with an error that
    names a character offset; the author wants the line, like every other error."""
    found = Reader.NON_PRINTABLE.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    code = f"U+{ord(found.group()[0]):04X}"
    raise YamlError(
        line,
        f"第 {line} 行有不可打印的控制字符 {code}（请删去）",
        f"line {line} holds the non-printable control character {code} (remove it)",
    )
