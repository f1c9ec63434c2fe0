"""CLI tables as a person reads them; JSON and CSV as machines read them."""

from __future__ import annotations

import json

import pytest

from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.terminal import OutputFormat, emit_rows

ROWS = [
    {"username": "ana", "active": True, "amount_fen": 123456, "group": "total", "tags": ["a", "b"]},
    {"username": "bo", "active": False, "amount_fen": None, "group": "ic", "tags": []},
]


@pytest.fixture
def language():
    saved = get_settings()

    def use(lang: str) -> None:
        configure(lang=lang)

    yield use
    restore_settings(saved)


class TestTable:
    def test_words_not_python_values(self, capsys, language):
        language("zh")
        emit_rows(ROWS, OutputFormat.table)
        out = capsys.readouterr().out
        assert "是" in out and "否" in out and "True" not in out and "False" not in out
        assert "用户名" in out and "金额（元）" in out and "1,234.56" in out
        assert "合计" in out and "total" not in out and "a、b" in out and "[]" not in out

    def test_english(self, capsys, language):
        language("en")
        emit_rows(ROWS, OutputFormat.table)
        out = capsys.readouterr().out
        assert "yes" in out and "amount (CNY)" in out and "username" in out

    def test_json_and_csv_keep_the_machine_values(self, capsys, language):
        language("zh")
        emit_rows(ROWS, OutputFormat.json)
        assert json.loads(capsys.readouterr().out) == ROWS
        emit_rows(ROWS, OutputFormat.csv)
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "username,active,amount_fen,group,tags" and "True" in lines[1]
