"""Policy files and simulations are untrusted input: a hostile file or override gets FILE:LINE or
a 422 naming the parameter, never a traceback or a 500 (issue #17)."""

from __future__ import annotations

import pytest

from yuanqu.policies.service import shipped_dir

GOOD = (shipped_dir() / "rd_investment_reward.yaml").read_text(encoding="utf-8")


class TestControlCharacters:
    @pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\ufffe"])
    @pytest.mark.parametrize("where", ["comment", "value"])
    def test_check_names_file_and_line(self, cli, tmp_path, char: str, where: str) -> None:
        if where == "comment":
            text = GOOD.replace("# 单个企业最高", f"# 单个{char}企业最高")
        else:
            text = GOOD.replace("zh: 研发投入增量奖励", f"zh: 研发投入{char}增量奖励")
        line = next(n for n, row in enumerate(text.splitlines(), 1) if char in row)
        path = tmp_path / "hostile.yaml"
        path.write_text(text, encoding="utf-8")
        result = cli("--lang", "en", "policy", "check", path)
        assert result.exit_code == 2
        assert "Traceback" not in result.stderr
        assert f"{path}:{line}: " in result.stderr
        assert f"U+{ord(char):04X}" in result.stderr
