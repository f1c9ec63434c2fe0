"""`yuanqu policy simulate` through the real entry point."""

from __future__ import annotations

import json

from tests.policies.test_overview import _launcher
from yuanqu.core.db import session_scope
from yuanqu.policies import service


def test_simulate_names_the_group_mates_it_took_into_account(committed_db, cli) -> None:
    service.clear_cache()
    with session_scope(committed_db.engine) as session:
        _launcher(session, rd_2023=60_000_000)
    args = ("policy", "simulate", "rd_investment_reward", "--set", "reward_rate=25%")
    table = cli(*args, "--year", "2024")
    assert table.exit_code == 0, table.stderr
    assert "受益企业 0 → 1" in table.stdout
    # The group's other policy and the industry section by name, amounts in 元, headers in words.
    assert "不可兼得组 rd_support" in table.stdout and "商业航天企业发展支持" in table.stdout
    assert "commercial_aerospace_support" not in table.stdout
    assert "研发投入增量奖励：按行业门类" in table.stdout
    assert "C 制造业" in table.stdout and "调整后金额" in table.stdout
    assert "│ 1,200.00万元 │" in table.stdout
    english = cli("--lang", "en", *args, "--year", "2024")
    assert english.exit_code == 0, english.stderr
    assert "by industry section" in english.stdout and "C Manufacturing" in english.stdout
    assert "commercial_aerospace_support" not in english.stdout
    data = json.loads(cli(*args, "--year", "2024", "--format", "json").stdout)
    assert data["group_policies"] == ["commercial_aerospace_support"]
    assert (data["before"]["excluded"], data["after"]["beneficiaries"]) == (1, 1)
    alone = cli("policy", "simulate", "high_tech_enterprise", "--year", "2024")
    assert alone.exit_code == 0, alone.stderr
    assert "不可兼得组" not in alone.stdout
    service.clear_cache()
