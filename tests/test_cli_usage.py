"""Every command of `yuanqu`, walked from the root: help in the reader's language, and a usage
mistake as one line and exit 2, never a traceback."""

from __future__ import annotations

import re

import pytest
import typer

from yuanqu.cli import app
from yuanqu.core.cli_lang import help_catalog, help_texts, walk

COMMANDS = [path for path, _ in walk(typer.main.get_command(app))]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _squash(text: str) -> str:
    """The text without spaces and box lines, so a wrapped help line still matches."""
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


def _label(path: tuple[str, ...]) -> str:
    return " ".join(path) or "yuanqu"


def test_the_walk_reaches_every_command():
    assert ("registry", "export") in COMMANDS and ("grants", "batch", "confirm") in COMMANDS
    assert len(COMMANDS) > 90


def test_every_help_text_has_its_chinese():
    catalog = help_catalog()
    missing = {
        text
        for _, command in walk(typer.main.get_command(app))
        for text in help_texts(command)
        if text not in catalog
    }
    assert not missing, f"add these to locale/zh/LC_MESSAGES/cli.po: {sorted(missing)}"


@pytest.mark.parametrize("path", COMMANDS, ids=_label)
def test_help_in_both_languages(cli, path):
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    english = command.help.strip().splitlines()[0] if command.help else None

    zh = cli(*path, "--help")
    assert zh.exit_code == 0, zh.stderr
    shown = _squash(zh.stdout)
    assert "选项" in shown and "显示本帮助" in shown
    if english:
        assert _squash(help_catalog()[command.help].splitlines()[0]) in shown

    en = cli("--lang", "en", *path, "--help")
    assert en.exit_code == 0, en.stderr
    shown = _squash(en.stdout)
    assert "Options" in shown and "Showthismessage" in shown
    if english:
        assert _squash(english) in shown


@pytest.mark.parametrize("path", COMMANDS, ids=_label)
def test_a_bogus_option_is_one_line_and_exit_2(cli, path):
    for lang_args, words in ((), "用法错误：没有选项 --bogus"), (("--lang", "en"), "usage error"):
        result = cli(*lang_args, *path, "--bogus")
        assert result.exit_code == 2
        assert "Traceback" not in result.stderr and not result.stdout
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert words in result.stderr


class TestUsageMistakes:
    def test_the_language_follows_the_environment(self, cli, monkeypatch):
        monkeypatch.setenv("YUANQU_LANG", "en")
        assert "Economic monitoring." in cli("stats", "--help").stdout
        assert "missing --period" in cli("stats", "report").stderr
        monkeypatch.delenv("YUANQU_LANG")
        assert "经济运行监测。" in cli("stats", "--help").stdout
        assert not HAN.search(cli("--lang", "en", "stats", "report").stderr.split("(")[0])

    @pytest.mark.parametrize(
        ("args", "zh", "en"),
        [
            (("stats", "report"), "缺少 --period", "missing --period"),
            (("stats", "ranking", "--period", "2023-12", "--limit", "abc"), "应为整数", "integer"),
            (("registry", "count", "--by", "color"), "color 不在可选值", "not 'color'"),
            (("nosuch",), "没有命令 nosuch", "no such command nosuch"),
            (("registry", "list", "extra"), "多余的参数 extra", "unexpected extra argument"),
            (("registry", "list", "-f", "xml"), "--format 的值无效", "invalid value for --format"),
            (("projects", "invest", "P1", "2023-01", "abc"), "abc 不是金额", "not an amount"),
            (("--lang", "fr", "version"), "只能是 zh 或 en", None),
        ],
    )
    def test_mistake_is_one_line_naming_it(self, cli, args, zh, en):
        result = cli(*args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert zh in result.stderr
        if en:
            english = cli("--lang", "en", *args)
            assert english.exit_code == 2 and en in english.stderr, english.stderr
