"""Reading a shipped or uploaded YAML data file (watch rules, plans) with the line of every
key, so each complaint names FILE:LINE and the field, never a Python traceback.

Aliases are refused and numbers other than integers are kept as exact ``Decimal`` (a ratio of
``0.80`` stays 0.80, not a binary float).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from yuanqu.core.errors import ValidationError

MAX_BYTES = 256 * 1024


class Mapping(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Items(list):
    """A sequence that knows the line of each item."""

    line: int = 0
    item_lines: list[int]


class DataFileError(ValidationError):
    """One or more problems in a data file, each ``FILE:LINE: field: reason``."""

    code = "data_file_invalid"

    def __init__(self, problems: list[tuple[str, int, str, str]]) -> None:
        self.problems = problems
        zh = "\n".join(f"{f}:{line}: {z}" for f, line, z, _e in problems)
        en = "\n".join(f"{f}:{line}: {e}" for f, line, _z, e in problems)
        super().__init__(
            zh,
            en,
            details=[{"file": f, "line": line, "reason": e} for f, line, _z, e in problems],
        )


class Problems:
    """Collects every problem of one file, so a reader fixes them all in one go."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[tuple[str, int, str, str]] = []

    def add(self, line: int, zh: str, en: str) -> None:
        self.found.append((self.file, line, zh, en))

    def raise_if_any(self) -> None:
        if self.found:
            raise DataFileError(self.found)


def _scalar(node: ScalarNode) -> Any:
    value = yaml.SafeLoader.construct_scalar(yaml.SafeLoader(""), node)  # plain text
    if node.style is not None:  # quoted: text as written
        return value
    tag = node.tag
    if tag.endswith(":int"):
        return int(str(value).replace("_", ""))
    if tag.endswith(":float"):
        try:
            return Decimal(str(value).replace("_", ""))
        except InvalidOperation:
            return str(value)
    if tag.endswith(":bool"):
        return str(value).lower() in ("true", "yes", "on")
    if tag.endswith(":null"):
        return None
    return value


def _build(node: Node) -> Any:
    if isinstance(node, MappingNode):
        out = Mapping()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = str(_scalar(key_node)) if isinstance(key_node, ScalarNode) else str(key_node)
            out[key] = _build(value_node)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, SequenceNode):
        items = Items(_build(item) for item in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    assert isinstance(node, ScalarNode)
    return _scalar(node)


def load_text(text: str, *, file: str) -> Any:
    """The document in ``text`` as plain data with lines; a syntax error names FILE:LINE."""
    if len(text.encode()) > MAX_BYTES:
        raise DataFileError([(file, 0, f"文件过大（上限 {MAX_BYTES} 字节）", "file too large")])
    if "*" in text or "&" in text:
        # Refuse aliases and anchors outright (no expansion blow-ups in an uploaded file).
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.split("#", 1)[0]
            if any(tok.startswith(("*", "&")) for tok in stripped.replace(":", " ").split()):
                raise DataFileError(
                    [(file, number, "不允许使用 YAML 锚点或别名", "YAML anchors/aliases refused")]
                )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else 0
        reason = str(error.problem or error)
        raise DataFileError([(file, line, f"YAML 语法错误：{reason}", f"YAML: {reason}")]) from None
    except yaml.YAMLError as error:  # e.g. a control character the reader refuses
        reason = str(error).splitlines()[0]
        raise DataFileError([(file, 1, f"YAML 无法读取：{reason}", f"YAML: {reason}")]) from None
    return None if node is None else _build(node)
