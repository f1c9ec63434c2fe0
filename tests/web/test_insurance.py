"""The insurance pages and their JSON twins, as each role sees them (the shared demo site)."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.insurance.models import InsurancePolicy
from yuanqu.registry.models import Enterprise


def insured_firm(site: Site) -> str:
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            return session.scalar(
                select(Enterprise.uscc)
                .join(InsurancePolicy, InsurancePolicy.enterprise_id == Enterprise.id)
                .order_by(Enterprise.uscc)
                .limit(1)
            )
    finally:
        engine.dispose()


class TestCoverageDashboard:
    def test_page_and_json_twin_agree(self, site: Site) -> None:
        client = site.client(Role.analyst)
        body = client.get("/api/v1/insurance/coverage", params={"year": 2023}).json()
        total = next(r for r in body["rows"] if r["by"] == "total")
        assert total["policies"] > 0 and body["high_tech"]["firms"] > 0
        page = client.get("/insurance", params={"year": 2023}).text
        assert "科技保险" in page and f"{total['policies']:,}" in page
        options = re.search(r'id="chart-product">(.*?)</script>', page, re.S)
        assert options and json.loads(options.group(1))["series"][0]["data"]
        assert "/api/v1/insurance/coverage?year=2023" in page

    def test_claim_cycle_page_lists_products(self, site: Site) -> None:
        client = site.client(Role.task_force)
        body = client.get("/api/v1/insurance/coverage", params={"year": 2023, "lang": "en"}).json()
        products = [c for c in body["claims"] if c["by"] == "product"]
        assert products and all(c["loss_ratio_pct"] is not None for c in products)
        page = client.get("/insurance/claims", params={"year": 2023}).text
        assert "chart-cycle" in page and products[0]["group"] not in page  # names, not keys
        # "Open" claims are 未结案 here, not the 待支付 of an open payment batch
        assert '<th scope="col" class="num">未结案</th>' in page and "待支付" not in page
        english = client.get("/insurance/claims", params={"year": 2023, "lang": "en"}).text
        assert '<th scope="col" class="num">Open</th>' in english

    def test_bad_year_is_a_clear_error(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/api/v1/insurance/coverage?year=20233")
        assert response.status_code == 422
        assert set(response.json()) == {"code", "message", "details"}

    def test_enterprise_user_cannot_read_the_zone(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        for path in ("/api/v1/insurance/coverage", "/insurance", "/insurance/claims"):
            assert client.get(path).status_code == 403


class TestProfileTab:
    def test_profile_loads_the_tab_with_htmx(self, site: Site) -> None:
        own = site.account(Role.enterprise).uscc
        page = site.client(Role.enterprise).get(f"/enterprises/{own}").text
        assert f'hx-get="/enterprises/{own}/insurance"' in page

    def test_tab_is_a_fragment_for_htmx_and_a_page_otherwise(self, site: Site) -> None:
        uscc = insured_firm(site)
        client = site.client(Role.admin)
        body = client.get(f"/api/v1/enterprises/{uscc}/insurance").json()
        assert body["policies"]
        fragment = client.get(f"/enterprises/{uscc}/insurance", headers={"HX-Request": "true"})
        assert "<html" not in fragment.text
        assert body["policies"][0]["policy_no"] in fragment.text
        assert "<html" in client.get(f"/enterprises/{uscc}/insurance").text

    def test_a_firm_sees_its_own_cover_only(self, site: Site) -> None:
        client = site.client(Role.enterprise)
        own = site.account(Role.enterprise).uscc
        assert client.get(f"/api/v1/enterprises/{own}/insurance").status_code == 200
        other = insured_firm(site)
        if other == own:  # pragma: no cover - the seed decides
            other = site.other_uscc
        for path in (f"/api/v1/enterprises/{other}/insurance", f"/enterprises/{other}/insurance"):
            response = client.get(path)
            assert response.status_code == 403
            assert "policy_no" not in response.text


class TestSubsidies:
    def test_policy_officer_sees_the_computed_subsidy_and_nothing_is_kept(self, site: Site) -> None:
        client = site.client(Role.policy_officer)
        first = client.get("/api/v1/insurance/subsidies", params={"year": 2023}).json()
        assert first["awards"] and first["allocated_fen"] > 0
        assert first["allocated_fen"] <= first["budget_fen"]
        again = client.get("/api/v1/insurance/subsidies", params={"year": 2023}).json()
        assert again == first

    def test_analyst_does_not_see_money_paid_to_firms(self, site: Site) -> None:
        assert site.client(Role.analyst).get("/api/v1/insurance/subsidies").status_code == 403
