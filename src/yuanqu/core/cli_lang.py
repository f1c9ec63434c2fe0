"""The CLI in the reader's language: translated `--help`, and usage mistakes as one line.

Help texts are written in English in the source (docstrings and ``help=``); the catalog
``locale/zh/LC_MESSAGES/cli.po`` gives their Chinese. The language is read from the command line
(``--lang``) or ``YUANQU_LANG`` before Click parses anything, because ``yuanqu --help`` is printed
while the root options are still being parsed. Chinese is the default.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

import typer
from babel.messages.pofile import read_po

# Typer >= 0.20 vendors Click as ``typer._click``; older releases use Click itself. The classes
# are taken from ``typer.BadParameter``'s ancestry so both work.
_BAD_PARAMETER: type[Exception] = typer.BadParameter
_USAGE_ERROR: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "UsageError"
)
CLICK_EXCEPTION: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException"
)


def requested_lang(argv: Sequence[str]) -> str:
    """The language the command line asks for: ``--lang X`` wins over ``YUANQU_LANG``; zh."""
    chosen = os.environ.get("YUANQU_LANG") or "zh"
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif arg.startswith("--lang="):
            chosen = arg.split("=", 1)[1]
    return "en" if chosen == "en" else "zh"


@cache
def help_catalog() -> dict[str, str]:
    """English help text -> Chinese, from ``cli.po``."""
    source = resources.files("yuanqu") / "locale" / "zh" / "LC_MESSAGES" / "cli.po"
    with source.open("rb") as po:
        catalog = read_po(io.BytesIO(po.read()), locale="zh_Hans_CN")
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the tree, with its path from the root (the root's path is empty)."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


def help_texts(command: Any) -> Iterator[str]:
    """The help texts a command shows: its own and those of its parameters."""
    if command.help:
        yield command.help
    for param in command.params:
        if getattr(param, "help", None):
            yield param.help


def _help_option(command: Any) -> Any:
    """The ``--help`` option Click makes on demand (it is not among ``params``)."""
    context_class = getattr(command, "context_class", None)
    if context_class is None:
        return None
    try:
        return command.get_help_option(context_class(command))
    except Exception:  # an older Click without the cached option: its text stays English
        return None


def localize(root: Any, lang: str) -> None:
    """Put every help text of the command tree in ``lang`` (the source is English)."""
    _panel_titles(lang)
    if lang == "en":
        return
    catalog = help_catalog()
    for _, command in walk(root):
        if command.help:
            command.help = catalog.get(command.help, command.help)
        if command.short_help:
            command.short_help = catalog.get(command.short_help, command.short_help)
        params = [*command.params, _help_option(command)]
        for param in params:
            if param is not None and getattr(param, "help", None):
                param.help = catalog.get(param.help, param.help)


_PANEL_TITLES = {
    "ARGUMENTS_PANEL_TITLE": ("参数", "Arguments"),
    "OPTIONS_PANEL_TITLE": ("选项", "Options"),
    "COMMANDS_PANEL_TITLE": ("命令", "Commands"),
    "ERRORS_PANEL_TITLE": ("错误", "Error"),
    "DEFAULT_STRING": ("[默认：{}]", "[default: {}]"),
    "ENVVAR_STRING": ("[环境变量：{}]", "[env var: {}]"),
    "REQUIRED_LONG_STRING": ("[必填]", "[required]"),
}


def _panel_titles(lang: str) -> None:
    try:
        from typer import rich_utils
    except ImportError:  # Typer without Rich prints Click's plain help
        return
    for name, (zh, en) in _PANEL_TITLES.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, en if lang == "en" else zh)


def is_usage_error(error: BaseException) -> bool:
    return isinstance(error, _USAGE_ERROR)


def usage_message(error: Any, lang: str) -> str:
    """One line saying what was wrong with the command line and where to read its usage."""
    context = getattr(error, "ctx", None)
    where = context.command_path if context is not None else "yuanqu"
    name = type(error).__name__
    zh = lang != "en"
    if name == "MissingParameter":
        hint = _param_hint(error)
        what = f"缺少 {hint}" if zh else f"missing {hint}"
    elif name == "NoSuchOption":
        option = getattr(error, "option_name", "")
        what = f"没有选项 {option}" if zh else f"no such option {option}"
        if getattr(error, "possibilities", None):
            maybe = ", ".join(sorted(error.possibilities))
            what += f"（是否想用 {maybe}？）" if zh else f" (did you mean {maybe}?)"
    elif name == "BadParameter":
        hint = _param_hint(error)
        value = _bad_value(error.message)
        if zh:
            what = f"{hint} 的值无效：{value}" if value else f"{hint} 的值无效"
        else:
            what = f"invalid value for {hint}: {error.message}"
    elif error.message.startswith("No such command"):
        command = error.message.removeprefix("No such command").strip(" '.\"")
        what = f"没有命令 {command}" if zh else f"no such command {command}"
    elif error.message.startswith("Missing command"):
        what = "缺少命令" if zh else "missing command"
    elif error.message.startswith("Got unexpected extra argument"):
        extra = error.message.rpartition("(")[2].rstrip(")")
        what = f"多余的参数 {extra}" if zh else f"unexpected extra argument {extra}"
    else:
        what = error.message
    if zh:
        return f"用法错误：{what}（{where} --help 查看用法）"
    return f"usage error: {what} (see {where} --help)"


def _param_hint(error: Any) -> str:
    param = getattr(error, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        if opts:
            return opts[0]
        return (param.name or "?").upper()
    return getattr(error, "param_hint", None) or "?"


def _bad_value(message: str) -> str:
    """The offending value and Click's reason, in Chinese where the reason is a common one."""
    message = message.removeprefix("Value error, ")
    if message.startswith("Input should be a valid integer"):  # Typer's Pydantic coercion
        return "应为整数"
    if message.startswith("Input should be a valid number"):
        return "应为数字"
    if message.startswith("Input should be a valid date"):
        return "应为日期 YYYY-MM-DD"
    if message.startswith("Input should be"):
        return message.removeprefix("Input should be ").replace("'", "")
    if "is not a valid integer" in message:
        return message.replace(" is not a valid integer.", " 不是整数").replace(
            " is not a valid integer range.", " 不是有效的整数"
        )
    if "is not a valid float" in message:
        return message.replace(" is not a valid float.", " 不是数字")
    if "is not one of" in message:
        value, _, choices = message.partition(" is not one of ")
        return f"{value} 不在可选值 {choices.rstrip('.')} 之中"
    if "does not match the format" in message:
        value = message.split(" does not match", 1)[0]
        return f"{value} 不是有效日期"
    if "does not exist" in message:
        return message.replace(" does not exist.", " 不存在")
    return message
