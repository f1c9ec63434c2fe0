"""Policy files and simulations are untrusted input: a hostile file or override gets FILE:LINE or
a 422 naming the parameter, never a traceback or a 500 (issue #17)."""

from __future__ import annotations

import pytest

from yuanqu.core.auth import Role
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


SIMULATE = "/api/v1/policies/{policy}/simulate"
NINES = "9" * 28


class TestSimulationOverrides:
    """Every override is range-checked before anything is evaluated: 422 naming the parameter
    and the range allowed, on the API and on the page."""

    @pytest.mark.parametrize(
        ("policy", "name", "value", "range_"),
        [
            ("rd_investment_reward", "reward_rate", NINES, ("0", "1")),
            ("rd_investment_reward", "reward_rate", "-0.1", ("0", "1")),
            ("rd_investment_reward", "rd_floor", NINES, ("0", "1000000000000")),
            ("rd_investment_reward", "budget", NINES, ("0", "1000000000000")),
            ("high_tech_enterprise", "rd_ratio_min[2]", "5", ("0", "1")),
        ],
    )
    def test_api_refuses_out_of_range(self, site, policy, name, value, range_) -> None:
        client = site.client(Role.policy_officer)
        response = client.post(
            SIMULATE.format(policy=policy),
            json={"year": 2024, "overrides": {name: value}},
        )
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["details"]["field"] == name
        assert (body["details"]["minimum"], body["details"]["maximum"]) == range_
        assert name in body["message"] and range_[1] in body["message"]

    def test_the_edges_of_the_range_are_allowed(self, site) -> None:
        client = site.client(Role.policy_officer)
        for value in ("0", "1", "100%"):
            response = client.post(
                SIMULATE.format(policy="rd_investment_reward"),
                json={"year": 2024, "overrides": {"reward_rate": value}},
            )
            assert response.status_code == 200, response.text

    def test_page_refuses_out_of_range_by_name(self, site) -> None:
        client = site.client(Role.policy_officer)
        page = client.get(
            "/policies/simulate",
            params={"policy": "rd_investment_reward", "set.reward_rate": NINES},
        )
        assert page.status_code == 422
        assert "reward_rate" in page.text and "0 到 1" in page.text
