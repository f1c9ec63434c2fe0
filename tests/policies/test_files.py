"""Policy files are untrusted input: every check reports FILE:LINE, hostile files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuanqu.policies.language.definition import read_policy
from yuanqu.policies.service import shipped_dir

GOOD = (shipped_dir() / "rd_investment_reward.yaml").read_text(encoding="utf-8")


def issues(text: str) -> list[str]:
    policy, found = read_policy(text, file="p.yaml")
    assert (policy is None) == bool(found)
    return [i.message("en") for i in found]


def test_shipped_files_are_valid() -> None:
    for path in sorted(shipped_dir().glob("*.yaml")):
        assert issues(path.read_text(encoding="utf-8")) == [], path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("rd_expense >= rd_floor", "rd_expence >= rd_floor"),
            "p.yaml:25: conditions.rd_floor: unknown name rd_expence",
        ),
        (("rd_expense >= rd_floor", "rd_expense + 'x'"), "p.yaml:25:"),
        (("to: null", "to: 2020-01-01"), "ends (2020-01-01) before it starts"),
        (("value: 10%", "value: ten"), "not a number"),
        (("allocation: pro_rata", "allocation: lottery"), "allocation must be"),
        (("period: previous_year", "period: last_decade"), "period must be"),
        (("id: rd_investment_reward", "id: Bad-Id"), "id must be"),
    ],
)
def test_errors_name_file_and_line(change: tuple[str, str], message: str) -> None:
    found = issues(GOOD.replace(*change))
    assert any(message in m for m in found), found


BANDS = """
id: banded
title: {zh: 分档, en: bands}
basis: test
effective: {from: 2020-01-01}
parameters:
  rate:
    versions:
      - from: 2020-01-01
        bands:
%s
conditions:
  - id: ok
    label: {zh: 有收入, en: has revenue}
    when: band(rate, revenue) > 0
"""


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (['{range: "[0, 100]", value: 1}', '{range: "[100, inf)", value: 2}'], "overlaps"),
        (['{range: "[0, 100)", value: 1}', '{range: "(100, inf)", value: 2}'], "gap"),
        (['{range: "[0, 100)", value: 1}', '{range: "[200, inf)", value: 2}'], "gap"),
        (['{range: "[0, 100)", value: 1}', '{range: "[50, 300)", value: 2}'], "overlaps"),
        (['{range: "(5, 5)", value: 1}'], "empty"),
        (['{range: "[0, inf]", value: 1}'], "infinite bound"),
        (['{range: "0 to 100", value: 1}'], "bad range"),
    ],
)
def test_band_tables_without_gaps_or_overlaps(rows: list[str], message: str) -> None:
    text = BANDS % "\n".join(f"          - {r}" for r in rows)
    found = issues(text)
    assert any(message in m for m in found), found


def test_a_well_formed_band_table_passes() -> None:
    rows = ['{range: "[0, 100]", value: 1}', '{range: "(100, inf)", value: 2}']
    assert issues(BANDS % "\n".join(f"          - {r}" for r in rows)) == []


class TestHostileFiles:
    def test_yaml_aliases_are_refused(self) -> None:
        bomb = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
        assert any("aliases" in m for m in issues(bomb))

    def test_python_tags_are_refused(self) -> None:
        found = issues("id: !!python/object/apply:os.system ['echo pwned']\n")
        assert found and "YAML" in found[0]

    def test_huge_files_are_refused(self) -> None:
        assert any("too large" in m for m in issues("x: " + "a" * 300_000))

    def test_floats_never_enter(self) -> None:
        policy, found = read_policy(GOOD.replace("value: 10%", "value: 0.1"), file="p.yaml")
        assert not found
        assert str(policy.parameters["reward_rate"].versions[0].value) == "0.1"

    @pytest.mark.parametrize(
        "expression",
        [
            "__import__('os').system('rm -rf /')",
            "rd_expense.__class__.__bases__",
            "(SELECT 1) > 0",
            "rd_expense > 0; DROP TABLE enterprises",
            "read_text('/etc/passwd') = 'x'",
        ],
    )
    def test_hostile_expressions_are_refused_with_a_line(self, expression: str) -> None:
        text = GOOD.replace("when: rd_expense >= rd_floor", f'when: "{expression}"')
        found = issues(text)
        assert found and found[0].startswith("p.yaml:25:"), found

    def test_the_check_command_prints_file_line_and_exits_2(self, cli, tmp_path: Path) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text(GOOD.replace("rd_expense >= rd_floor", "nope > 1"), encoding="utf-8")
        good = tmp_path / "good.yaml"
        good.write_text(GOOD, encoding="utf-8")
        result = cli("--lang", "en", "policy", "check", str(good), str(bad))
        assert result.exit_code == 2
        assert f"{bad}:25: conditions.rd_floor: unknown name nope" in result.stderr
        assert cli("policy", "check", str(good)).exit_code == 0
