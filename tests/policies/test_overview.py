"""What the policy pages show, on a real database: a policy's text with its band tables as
written, its statistics with the exclusive group applied, a firm's entitlements agreeing with
explain and evaluate, and the simulation's size classes and band overrides."""

from __future__ import annotations

import pytest

from tests.factories.policies import add_facts
from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from tests.policies.test_service import _zone
from yuanqu.core.errors import ValidationError
from yuanqu.policies import service, views

YEAR = 2024
REWARD, AEROSPACE = "rd_investment_reward", "commercial_aerospace_support"


def _launcher(session, *, rd_2023: int):
    """An aerospace firm with one launch in 2023 (a 1,000万元 award of the ``rd_support`` group)
    and 1,200万元 of R&D in 2022, ``rd_2023`` yuan in 2023 (10% of the growth rewarded)."""
    firm = make_firm(session, industry_code="3742")
    add_reports(
        session,
        [
            report_row(firm.id, f"{y}-{m:02d}", revenue=9_000_000, rd_expense=rd // 12)
            for y, rd in ((2022, 12_000_000), (2023, rd_2023))
            for m in range(1, 13)
        ],
    )
    add_facts(session, firm.id, YEAR - 1, rockets_launched=1)
    return firm


class TestPolicyText:
    def test_band_bounds_are_shown_inclusive_or_exclusive_as_written(self) -> None:
        text = views.policy_text("high_tech_enterprise", "zh")
        (rd,) = [p for p in text["parameters"] if p["name"] == "rd_ratio_min"]
        assert rd["band_input"] == "revenue"
        bands = rd["versions"][0]["bands"]
        assert [b["range"] for b in bands] == [
            "[0, 50000000]",
            "(50000000, 200000000]",
            "(200000000, +∞)",
        ]
        assert (bands[0]["upper_inclusive"], bands[1]["lower_inclusive"]) == (True, False)
        assert bands[1]["lower_text"] == "5,000.00万元" and bands[1]["value_text"] == "4%"

    def test_effective_dated_versions_cap_and_group(self) -> None:
        text = views.policy_text("rd_investment_reward", "en")
        (floor,) = [p for p in text["parameters"] if p["name"] == "rd_floor"]
        assert [str(v["from"]) for v in floor["versions"]] == ["2021-01-01", "2024-01-01"]
        assert text["exclusive_group"] == "rd_support"
        assert [o["id"] for o in text["other_in_group"]] == ["commercial_aerospace_support"]
        assert text["cap_text"] and text["allocation"]["method"] == "pro_rata"


class TestStatistics:
    def test_allocation_takes_the_exclusive_group_into_account(self, session) -> None:
        _zone(session, n=60, seed=11)
        stats = views.policy_statistics(
            session, policy_id="commercial_aerospace_support", year=YEAR
        )
        group = service.evaluate_year(
            session, year=YEAR, policy_ids=["commercial_aerospace_support", "rd_investment_reward"]
        )
        (expected,) = [t for t in group["totals"] if t["policy"] == "commercial_aerospace_support"]
        assert stats["totals"] == expected
        assert sum(g["allocated_fen"] for g in stats["by_industry"]) == expected["allocated_fen"]

    def test_a_year_out_of_effect_says_so(self, session) -> None:
        stats = views.policy_statistics(session, policy_id="rd_investment_reward", year=2005)
        assert stats["in_effect"] is False


class TestEntitlements:
    def test_every_policy_agrees_with_explain_firm(self, session) -> None:
        firms = _zone(session, n=40, seed=5)
        for firm in firms[:6]:
            view = views.firm_entitlements(session, uscc=firm.uscc, year=YEAR, lang="en")
            assert len(view["policies"]) == sum(
                p.in_effect(YEAR) for p in service.shipped_policies()
            )
            for item in view["policies"]:
                alone = service.explain_firm(
                    session, uscc=firm.uscc, policy_id=item["policy"], year=YEAR, lang="en"
                )
                for key in ("status", "failed", "amount_fen", "capped_fen", "allocated_fen"):
                    assert item[key] == alone[key], (firm.uscc, item["policy"], key)
                assert [c["message"] for c in item["conditions"]] == [
                    c["message"] for c in alone["conditions"]
                ]
            assert view["allocated_fen"] == sum(i["allocated_fen"] or 0 for i in view["policies"])

    def test_a_band_condition_names_the_band_and_version(self, session) -> None:
        firms = _zone(session, n=40, seed=5)
        found = False
        for firm in firms:
            view = views.firm_entitlements(session, uscc=firm.uscc, year=YEAR, lang="zh")
            (ht,) = [i for i in view["policies"] if i["policy"] == "high_tech_enterprise"]
            rd = next(c for c in ht["conditions"] if c["id"] == "rd_ratio")
            if rd["verdict"] == "missing":
                continue
            (used,) = rd["parameters_used"]
            assert used["versions"] == ["2016-01-01"]
            assert used["band"] in (
                "[0元, 5,000.00万元]",
                "(5,000.00万元, 2.0亿元]",
                "(2.0亿元, +∞)",
            )
            if rd["verdict"] == "fail":
                assert "研发费用需达到" in rd["to_pass"]
            found = True
        assert found


class TestSimulation:
    def test_size_classes_add_up_to_the_cost(self, session) -> None:
        _zone(session, n=60, seed=3)
        result = service.simulate(
            session, policy_id="rd_investment_reward", year=YEAR, overrides={"reward_rate": "25%"}
        )
        for column in ("industry_section", "task_force", "size_class"):
            rows = result["distribution"][column]
            assert sum(r["allocated_fen"] for r in rows) == result["after"]["cost_fen"]
            assert sum(r["before_fen"] for r in rows) == result["before"]["cost_fen"]
        assert {r["group"] for r in result["distribution"]["size_class"]} <= {
            "large",
            "medium",
            "small",
            "micro",
            None,
        }
        assert all(c["name"] for c in result["changes"])

    def test_size_classes_read_the_revenue_in_yuan(self, session) -> None:
        """A software firm of 150 people is medium from 1,000万元 of revenue, small from 50万元:
        120万元 a year is small, not the medium its 1.2亿 fen would make it. (The R&D reward is
        for manufacturing, IT and research firms, so the firm is a software firm.)"""
        firm = make_firm(session, industry_code="6513")
        add_reports(
            session,
            [
                report_row(firm.id, f"{y}-{m:02d}", revenue=100_000, rd_expense=rd, employees=150)
                for y, rd in ((2022, 1_000_000), (2023, 1_500_000))
                for m in range(1, 13)
            ],
        )
        result = service.simulate(
            session, policy_id="rd_investment_reward", year=YEAR, overrides={"reward_rate": "20%"}
        )
        assert [
            (r["group"], r["firms"], r["before_firms"])
            for r in result["distribution"]["size_class"]
        ] == [("small", 1, 1)]
        assert (result["gainers"], result["losers"]) == (1, 0)
        assert result["changes"][0]["change_fen"] == 60_000_000  # 10% more of the 600万元 growth

    def test_a_firm_a_larger_group_award_pays_gains_when_this_one_becomes_larger(
        self, session
    ) -> None:
        """The R&D reward (480万元 of a 4,800万元 growth) loses to the launch award (1,000万元)
        of the same group; at 25% it is 1,200万元 and the firm moves over."""
        firm = _launcher(session, rd_2023=60_000_000)
        result = service.simulate(
            session, policy_id=REWARD, year=YEAR, overrides={"reward_rate": "25%"}
        )
        assert result["before"] == {
            "eligible": 0,
            "excluded": 1,
            "beneficiaries": 0,
            "cost_fen": 0,
        }
        assert result["after"] == {
            "eligible": 1,
            "excluded": 0,
            "beneficiaries": 1,
            "cost_fen": 1_200_000_000,
        }
        assert (result["gainers"], result["losers"]) == (1, 0)
        (change,) = result["changes"]
        assert (change["uscc"], change["before_fen"], change["after_fen"]) == (
            firm.uscc,
            0,
            1_200_000_000,
        )
        (section,) = result["distribution"]["industry_section"]
        assert (section["before_firms"], section["firms"]) == (0, 1)
        assert (result["exclusive_group"], result["group_policies"]) == ("rd_support", [AEROSPACE])

    def test_a_firm_this_policy_pays_is_lost_when_it_falls_below_the_group_mate(
        self, session
    ) -> None:
        """The R&D reward (2,280万元 of a 2.28亿元 growth) beats the launch award; at 2% it is
        456万元 and the launch award pays the firm instead."""
        firm = _launcher(session, rd_2023=240_000_000)
        result = service.simulate(
            session, policy_id=REWARD, year=YEAR, overrides={"reward_rate": "2%"}
        )
        assert (result["before"]["beneficiaries"], result["before"]["cost_fen"]) == (
            1,
            2_280_000_000,
        )
        assert result["after"] == {
            "eligible": 0,
            "excluded": 1,
            "beneficiaries": 0,
            "cost_fen": 0,
        }
        assert (result["gainers"], result["losers"]) == (0, 1)
        assert [(c["uscc"], c["after_fen"]) for c in result["changes"]] == [(firm.uscc, 0)]

    def test_the_group_mate_simulated_sees_the_same_firm_move(self, session) -> None:
        """From the launch award's side: lowered to 300万元 a launch, the R&D reward (480万元)
        is the larger and the launch award loses the firm; the R&D reward stands as it is."""
        _launcher(session, rd_2023=60_000_000)
        result = service.simulate(
            session, policy_id=AEROSPACE, year=YEAR, overrides={"per_launch": "300万"}
        )
        assert result["group_policies"] == [REWARD]
        assert (result["before"]["cost_fen"], result["after"]["cost_fen"]) == (1_000_000_000, 0)
        assert (result["before"]["excluded"], result["after"]["excluded"]) == (0, 1)
        assert (result["gainers"], result["losers"]) == (0, 1)

    def test_a_policy_without_a_group_names_none(self, session) -> None:
        _launcher(session, rd_2023=60_000_000)
        result = service.simulate(
            session, policy_id="high_tech_enterprise", year=YEAR, overrides={}
        )
        assert (result["exclusive_group"], result["group_policies"]) == (None, [])

    def test_a_band_value_can_be_simulated(self, session) -> None:
        _zone(session, n=60, seed=3)
        strict = service.simulate(
            session,
            policy_id="high_tech_enterprise",
            year=YEAR,
            overrides={
                "rd_ratio_min[1]": "0.5",
                "rd_ratio_min[2]": "0.5",
                "rd_ratio_min[3]": "0.5",
            },
        )
        assert strict["before"]["eligible"] > 0  # the zone has firms meeting the real bands
        assert strict["after"]["eligible"] == 0
        with pytest.raises(ValidationError, match="band 4"):
            service.simulate(
                session,
                policy_id="high_tech_enterprise",
                year=YEAR,
                overrides={"rd_ratio_min[4]": "0.5"},
            )
        with pytest.raises(ValidationError, match="band table"):
            service.simulate(
                session,
                policy_id="rd_investment_reward",
                year=YEAR,
                overrides={"reward_rate[1]": "0.5"},
            )
