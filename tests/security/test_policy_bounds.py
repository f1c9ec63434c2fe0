"""Policy files and simulations are untrusted input: a hostile file or override gets FILE:LINE or
a 422 naming the parameter, never a traceback or a 500 (issue #17)."""

from __future__ import annotations

import pytest

from yuanqu.core.auth import Role
from yuanqu.policies.service import shipped_dir

GOOD = (shipped_dir() / "rd_investment_reward.yaml").read_text(encoding="utf-8")


def check(cli, tmp_path, text: str):
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path, cli("--lang", "en", "policy", "check", path)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if fragment in row)


class TestStaticBounds:
    """A policy that passes `check` never overflows when evaluated: where the language cannot
    prove its numbers stay below 10^18 (and an award below what fen can hold), it refuses."""

    @pytest.mark.parametrize(
        ("old", "new", "where"),
        [
            (
                "amount: rd_expense_growth * reward_rate",
                "amount: rd_expense * 9999999999999999999999999999",
                "amount:",
            ),
            (
                "amount: rd_expense_growth * reward_rate",
                "amount: " + " * ".join(["9" * 28] * 40),
                "amount:",
            ),
            (
                "when: rd_expense >= rd_floor",
                "when: rd_expense * rd_expense >= rd_floor",
                "when: rd_expense *",
            ),
            (
                "amount: rd_expense_growth * reward_rate",
                "amount: min(rd_expense_growth / rd_ratio, 100)",
                "amount:",
            ),
            ("cap_per_firm: 5000万", "cap_per_firm: 99999999999999999", "cap_per_firm:"),
        ],
    )
    def test_unprovable_is_refused_with_file_and_line(self, cli, tmp_path, old, new, where):
        text = GOOD.replace(old, new)
        assert text != GOOD
        path, result = check(cli, tmp_path, text)
        assert result.exit_code == 2, result.stdout
        assert f"{path}:{line_of(text, where)}: " in result.stderr
        assert "cannot prove" in result.stderr and "Traceback" not in result.stderr

    def test_every_shipped_policy_passes(self, cli) -> None:
        files = sorted(shipped_dir().glob("*.yaml"))
        result = cli("policy", "check", *files)
        assert result.exit_code == 0, result.stderr

    def test_a_bounded_policy_passes(self, cli, tmp_path) -> None:
        text = GOOD.replace(
            "amount: rd_expense_growth * reward_rate",
            "amount: min(rd_expense_growth, 1000000) * reward_rate * 3",
        )
        _, result = check(cli, tmp_path, text)
        assert result.exit_code == 0, result.stderr

    def test_the_proof_holds_for_the_largest_inputs(self, session) -> None:
        """The shipped policies evaluated with every input at the edge of its declared range
        and every parameter at the largest a simulation may set: no overflow anywhere."""
        from decimal import Decimal

        from yuanqu.policies.language.definition import parameter_range
        from yuanqu.policies.language.expressions import evaluate
        from yuanqu.policies.language.variables import VARIABLES, declared_range
        from yuanqu.policies.service import shipped_policies

        for policy in shipped_policies():
            for pick in (0, 1):
                env = {
                    name: (bounds[pick] if bounds is not None else None)
                    for name in VARIABLES
                    if (bounds := declared_range(name)) is not None
                }
                scalars = {
                    n: (parameter_range(p).hi if pick else parameter_range(p).lo)
                    for n, p in policy.parameters.items()
                    if p.kind == "scalar"
                }
                bands = {
                    n: [b for v in p.versions for b in v.bands][:1]
                    for n, p in policy.parameters.items()
                    if p.kind == "band"
                }
                nodes = [c.node for c in policy.conditions]
                nodes += [n for n in (policy.amount, policy.cap_per_firm) if n is not None]
                for node in nodes:
                    value = evaluate(node, env, scalars=scalars, bands=bands)
                    assert (
                        value is None
                        or not isinstance(value, Decimal)
                        or (abs(value) < Decimal(10) ** 18)
                    )

    def test_out_of_range_data_reads_as_missing(self) -> None:
        import duckdb

        from yuanqu.policies.inputs import BASE_SCHEMA, base_table, variables_select

        row = {"firm_id": 1, "uscc": "X", "revenue_fen": 10**18, "rd_expense_fen": 5}
        table = base_table([row])
        assert table.schema == BASE_SCHEMA
        con = duckdb.connect()
        con.register("base", table)
        from datetime import date

        cursor = con.execute(variables_select("base", date(2023, 12, 31)))
        values = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
        assert values["revenue"] is None  # 10^16 yuan: beyond the declared 10^15
        assert values["rd_expense"] == 5


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
            ("rd_investment_reward", "rd_floor", NINES, ("0", "10000000000")),
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
