"""The policies' JSON API on a served demo zone: aggregates for analysts, simulation for policy
officers, and an enterprise user explaining only its own entitlements."""

from __future__ import annotations

from tests.web.conftest import Site
from yuanqu.core.auth import Role

YEAR = 2024


def test_catalogue_lists_the_shipped_policies(site: Site) -> None:
    body = site.client(Role.enterprise).get("/api/v1/policies").json()
    ids = {p["id"] for p in body}
    assert {"high_tech_enterprise", "rd_investment_reward"} <= ids


def test_analyst_reads_aggregates_without_per_firm_rows(site: Site) -> None:
    response = site.client(Role.analyst).get(
        "/api/v1/policies/evaluate", params={"year": YEAR, "policy": "rd_investment_reward"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"year", "totals", "by_industry", "by_task_force"}
    (total,) = body["totals"]
    assert total["policy"] == "rd_investment_reward"
    assert total["allocated_fen"] <= total["budget_fen"]
    by_industry = sum(
        g["allocated_fen"] for g in body["by_industry"] if g["policy"] == "rd_investment_reward"
    )
    assert by_industry == total["allocated_fen"]
    unknown = site.client(Role.analyst).get(
        "/api/v1/policies/evaluate", params={"year": YEAR, "policy": "no_such_policy"}
    )
    assert unknown.status_code == 404
    assert "no_such_policy" in unknown.json()["message"]


def test_enterprise_explains_its_own_firm_only(site: Site) -> None:
    client = site.client(Role.enterprise)
    own = site.account(Role.enterprise).uscc
    response = client.get(
        f"/api/v1/enterprises/{own}/policies/high_tech_enterprise/explain",
        params={"year": YEAR, "lang": "en"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["uscc"] == own
    other = client.get(
        f"/api/v1/enterprises/{site.other_uscc}/policies/high_tech_enterprise/explain",
        params={"year": YEAR},
    )
    assert other.status_code == 403
    assert other.json()["code"] == "forbidden"
    assert site.other_name not in other.text


def test_policy_officer_simulates_and_nothing_changes(site: Site) -> None:
    client = site.client(Role.policy_officer)
    body = {"year": YEAR, "overrides": {"reward_rate": "20%"}, "top": 5}
    first = client.post("/api/v1/policies/rd_investment_reward/simulate", json=body)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["after"]["cost_fen"] >= result["before"]["cost_fen"]
    assert len(result["changes"]) <= 5
    again = client.post("/api/v1/policies/rd_investment_reward/simulate", json=body).json()
    assert again == result  # a simulation writes nothing
    bad = client.post(
        "/api/v1/policies/rd_investment_reward/simulate",
        json={"year": YEAR, "overrides": {"no_such_parameter": "1"}},
    )
    assert bad.status_code == 422
    assert "no_such_parameter" in bad.json()["message"]
    refused = site.client(Role.analyst).post(
        "/api/v1/policies/rd_investment_reward/simulate", json=body
    )
    assert refused.status_code == 403


def test_simulating_a_year_out_of_effect_is_refused_by_name(site: Site) -> None:
    response = site.client(Role.policy_officer).post(
        "/api/v1/policies/rd_investment_reward/simulate",
        json={"year": 2001, "overrides": {"reward_rate": "20%"}},
    )
    assert response.status_code == 422
    assert response.json()["details"] == {"policy": "rd_investment_reward", "year": 2001}
