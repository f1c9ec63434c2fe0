"""The policy pages on a served demo zone: each page agrees with its JSON twin, roles as declared,
an enterprise user sees only its own entitlements, and the simulation page runs the simulate
service with the sliders' values."""

from __future__ import annotations

import re

from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.policies import service

YEAR = 2024


def _decisions(site: Site, policy_id: str) -> list[dict]:
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            return service.evaluate_year(session, year=YEAR, policy_ids=[policy_id])["rows"]
    finally:
        engine.dispose()


class TestCatalogue:
    def test_lists_every_policy_with_its_twin(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        page = client.get("/policies")
        assert page.status_code == 200
        twin = client.get("/api/v1/policies").json()
        for policy in twin:
            assert f'href="/policies/{policy["id"]}"' in page.text
            assert policy["title"] in page.text
        assert "免申即享" in page.text and "依申请" in page.text
        assert 'href="/api/v1/policies?lang=zh"' in page.text

    def test_english_labels_from_the_catalogue(self, site: Site) -> None:
        client = site.client(Role.analyst)
        client.cookies.set("yuanqu_lang", "en")
        page = client.get("/policies/high_tech_enterprise").text
        assert "High-tech enterprise criteria" in page and "Band as written" in page
        assert "registered for at least one year" in page


class TestPolicyPage:
    def test_text_shows_versions_bands_and_conditions(self, site: Site) -> None:
        page = site.client(Role.enterprise).get("/policies/high_tech_enterprise")
        assert page.status_code == 200
        text = page.text
        assert "(50000000, 200000000]" in text  # the band as written
        assert re.search(r"5,000\.00万元\s*<small>\(不含\)</small>", text)
        assert re.search(r"2\.0亿元\s*<small>\(含\)</small>", text)
        assert "注册成立一年以上" in text and "rd_ratio &gt;= band(rd_ratio_min, revenue)" in text
        assert 'data-testid="policy-statistics"' not in text  # a firm reads no aggregates
        reward = site.client(Role.enterprise).get("/policies/rd_investment_reward").text
        assert "2024-01-01" in reward and "1,000.00万元" in reward  # the floor's second version

    def test_statistics_agree_with_the_json_twin(self, site: Site) -> None:
        client = site.client(Role.analyst)
        page = client.get("/policies/rd_investment_reward", params={"year": YEAR}).text
        twin = client.get(
            "/api/v1/policies/rd_investment_reward/statistics", params={"year": YEAR}
        ).json()
        totals = twin["totals"]
        assert totals["eligible"] > 0
        eligible = re.search(r'data-testid="stat-eligible">([\d,]+)<', page)
        assert eligible and int(eligible.group(1).replace(",", "")) == totals["eligible"]
        assert 'data-chart="policy-industry"' in page
        assert sum(g["allocated_fen"] for g in twin["by_industry"]) == totals["allocated_fen"]
        fragment = client.get(
            "/policies/rd_investment_reward/statistics",
            params={"year": 2005},
            headers={"HX-Request": "true"},
        )
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "不在有效期内" in fragment.text

    def test_unknown_policy_is_a_clear_404(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/policies/no_such_policy")
        assert response.status_code == 404 and "no_such_policy" in response.text


class TestEntitlementsTab:
    def test_profile_loads_the_tab(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        page = site.client(Role.enterprise).get(f"/enterprises/{own}").text
        assert f'hx-get="/enterprises/{own}/policies"' in page

    def test_own_firm_only(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        own = site.account(Role.enterprise).uscc
        tab = client.get(f"/enterprises/{own}/policies", headers={"HX-Request": "true"})
        assert tab.status_code == 200 and 'data-testid="policies-tab"' in tab.text
        for path in (
            f"/enterprises/{site.other_uscc}/policies",
            f"/api/v1/enterprises/{site.other_uscc}/policies?year={YEAR}",
        ):
            refused = client.get(path)
            assert refused.status_code == 403
            assert site.other_name not in refused.text

    def test_a_beneficiary_sees_its_amount_and_the_page_agrees_with_explain(
        self, site: Site
    ) -> None:
        rows = _decisions(site, "rd_investment_reward")
        paid = next(r for r in rows if r["allocated_fen"] > 0)
        client = site.client(Role.policy_officer)
        tab = client.get(
            f"/enterprises/{paid['uscc']}/policies",
            params={"year": YEAR},
            headers={"HX-Request": "true"},
        ).text
        twin = client.get(
            f"/api/v1/enterprises/{paid['uscc']}/policies", params={"year": YEAR}
        ).json()
        (item,) = [p for p in twin["policies"] if p["policy"] == "rd_investment_reward"]
        assert item["status"] == "eligible" and item["allocated_fen"] == paid["allocated_fen"]
        alone = client.get(
            f"/api/v1/enterprises/{paid['uscc']}/policies/rd_investment_reward/explain",
            params={"year": YEAR},
        ).json()
        assert [c["verdict"] for c in alone["conditions"]] == [
            c["verdict"] for c in item["conditions"]
        ]
        assert 'data-testid="entitlement-rd_investment_reward"' in tab
        for condition in item["conditions"]:
            assert condition["message"] in tab

    def test_a_failed_threshold_says_what_it_would_take(self, site: Site) -> None:
        rows = _decisions(site, "rd_investment_reward")
        below = next(
            r for r in rows if r["status"] == "ineligible" and r["failed_condition"] == "rd_floor"
        )
        client = site.client(Role.admin)
        client.cookies.set("yuanqu_lang", "en")
        tab = client.get(f"/enterprises/{below['uscc']}/policies", params={"year": YEAR}).text
        assert "R&amp;D expense would need to be at least" in tab
        assert "version of" in tab and "not met" in tab


class TestSimulationPage:
    def test_the_sliders_values_run_the_simulate_service(self, site: Site) -> None:
        client = site.client(Role.policy_officer)
        page = client.get(
            "/policies/simulate",
            params={"policy": "rd_investment_reward", "year": YEAR, "set.reward_rate": "0.2"},
        )
        assert page.status_code == 200
        assert 'name="set.reward_rate"' in page.text and 'name="set.budget"' in page.text
        api = client.post(
            "/api/v1/policies/rd_investment_reward/simulate",
            json={"year": YEAR, "overrides": {"reward_rate": "0.2"}, "top": 20},
        ).json()
        assert api["after"]["cost_fen"] > api["before"]["cost_fen"]
        for change in api["changes"]:
            assert f'href="/enterprises/{change["uscc"]}"' in page.text
        gainers = re.search(r'data-testid="sim-gainers">([\d,]+) /', page.text)
        assert gainers and int(gainers.group(1).replace(",", "")) == api["gainers"]
        fragment = client.get(
            "/policies/simulate",
            params={"policy": "rd_investment_reward", "year": YEAR, "set.reward_rate": "0.2"},
            headers={"HX-Request": "true"},
        ).text
        assert "<html" not in fragment and 'id="chart-sim-size"' in fragment
        assert 'data-testid="sim-group"' in fragment  # moved sliders keep the group's note

    def test_a_grouped_policy_names_the_group_mates_it_was_evaluated_with(self, site: Site) -> None:
        client = site.client(Role.policy_officer)
        params = {"policy": "rd_investment_reward", "year": YEAR}

        def note() -> str:
            page = client.get("/policies/simulate", params=params).text
            found = re.search(r'data-testid="sim-group">(.*?)</p>', page, re.S)
            assert found, "no note of the group"
            return found.group(1)

        zh = note()
        assert "不可兼得组" in zh and "商业航天企业发展支持" in zh
        assert "rd_support" not in zh  # the group is named by its policies, not its id
        assert 'href="/policies/commercial_aerospace_support"' in zh
        client.cookies.set("yuanqu_lang", "en")
        en = note()
        assert "exclusive group" in en and "Commercial aerospace support" in en
        alone = client.get(
            "/policies/simulate", params={"policy": "high_tech_enterprise", "year": YEAR}
        ).text
        assert 'data-testid="sim-group"' not in alone

    def test_band_sliders_for_a_band_table(self, site: Site) -> None:
        page = site.client(Role.admin).get(
            "/policies/simulate", params={"policy": "high_tech_enterprise", "year": YEAR}
        )
        assert page.status_code == 200
        assert 'name="set.rd_ratio_min[2]"' in page.text

    def test_bad_values_are_refused_by_name(self, site: Site) -> None:
        client = site.client(Role.policy_officer)
        bad = client.get(
            "/policies/simulate",
            params={"policy": "rd_investment_reward", "set.reward_rate": "lots"},
        )
        assert bad.status_code == 422 and "reward_rate" in bad.text
        unknown = client.get(
            "/policies/simulate",
            params={"policy": "rd_investment_reward", "set.nothing": "1"},
        )
        assert unknown.status_code == 422 and "nothing" in unknown.text

    def test_only_policy_officers_simulate(self, site: Site) -> None:
        for role in (Role.analyst, Role.enterprise, Role.task_force):
            assert site.client(role).get("/policies/simulate").status_code == 403
