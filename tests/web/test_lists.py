"""Honest lists: every list page and API says its true total, pages reach every row, and a total
is never summed from a cut list. Each is walked to its end and checked against the database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Site
from yuanqu.core.auth import Role
from yuanqu.core.db import make_engine, session_scope
from yuanqu.grants.models import GrantCase, Payment
from yuanqu.grants.reports import latest_paid_year


def database_figures(site: Site) -> dict[str, int]:
    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            year = latest_paid_year(session)
            paid = (
                select(GrantCase.uscc, Payment.amount_fen)
                .join(GrantCase, GrantCase.id == Payment.case_id)
                .where(Payment.year == year, Payment.status == "paid")
                .subquery()
            )
            firms, total = session.execute(
                select(func.count(func.distinct(paid.c.uscc)), func.sum(paid.c.amount_fen))
            ).one()
            return {
                "cases": session.scalar(select(func.count()).select_from(GrantCase)) or 0,
                "year": year or 0,
                "firms": int(firms),
                "total_fen": int(total or 0),
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def figures(site: Site) -> dict[str, int]:
    """The zone's 2023 auto-entitlements matched and paid, as the demo pays them."""
    from yuanqu.grants.demo import pay_demo_awards

    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            paid = select(func.count()).where(Payment.year == 2023, Payment.status == "paid")
            # A few paid cases of other tests are not the demo's awards: pay those too.
            if (session.scalar(paid) or 0) < 50:
                pay_demo_awards(session, year=2023)
    finally:
        engine.dispose()
    found = database_figures(site)
    assert found["cases"] > 0 and found["firms"] > 0, "the test zone has paid grant cases"
    return found


class TestGrantCases:
    def test_api_pages_reach_every_case_and_say_the_total(self, site: Site, figures) -> None:
        client = site.client(Role.policy_officer)
        seen: list[int] = []
        offset = 0
        while True:
            response = client.get(f"/api/v1/grants/cases?limit=7&offset={offset}")
            assert response.status_code == 200
            assert int(response.headers["X-Total-Count"]) == figures["cases"]
            rows = response.json()
            if not rows:
                break
            seen += [r["id"] for r in rows]
            offset += len(rows)
        assert len(seen) == len(set(seen)) == figures["cases"]

    def test_page_pages_reach_every_case_and_say_the_total(self, site: Site, figures) -> None:
        # other tests of the same zone may have paid a few cases before the demo's awards: the
        # smallest page the list takes (10) still needs more cases than that
        assert figures["cases"] > 10, "enough cases for more than one page"
        size = min(20, max(10, figures["cases"] // 2))
        client = site.client(Role.policy_officer)
        seen: list[str] = []
        page = 1
        while True:
            html = client.get(f"/grants?page={page}&size={size}").text
            seen += re.findall(r'<a href="/grants/cases/(\d+)">', html)
            assert f"共 {figures['cases']:,} 项" in html
            if "下一页" not in html and "Next" not in html:
                break
            page += 1
        assert len(seen) == len(set(seen)) == figures["cases"]
        assert page > 1


class TestPayoutsReport:
    def test_api_total_is_every_firm_not_the_page(self, site: Site, figures) -> None:
        client = site.client(Role.policy_officer)
        year = figures["year"]
        first = client.get(f"/api/v1/grants/report?year={year}&by=firm&limit=5").json()
        assert first["groups"] == figures["firms"]
        assert first["total_fen"] == figures["total_fen"]
        assert len(first["rows"]) == min(5, figures["firms"])
        rows: list[dict] = []
        while len(rows) < first["groups"]:
            page = client.get(
                f"/api/v1/grants/report?year={year}&by=firm&limit=5&offset={len(rows)}"
            ).json()
            assert page["rows"], "a page before the last is never empty"
            rows += page["rows"]
        assert len({r["group"] for r in rows}) == figures["firms"]
        assert sum(r["amount_fen"] for r in rows) == figures["total_fen"]

    @pytest.mark.parametrize("by", ["policy", "industry", "task_force", "firm"])
    def test_every_grouping_shows_the_same_total(self, site: Site, figures, by: str) -> None:
        client = site.client(Role.policy_officer)
        report = client.get(f"/api/v1/grants/report?year={figures['year']}&by={by}").json()
        assert report["total_fen"] == figures["total_fen"]
        html = client.get(f"/grants/report?by={by}").text
        assert f"{figures['year']}" in html
        assert "最近有兑付的年份" in html  # opened on the latest year with payments, and says so

    def test_the_headline_firms_are_listed_and_linked(self, site: Site, figures) -> None:
        client = site.client(Role.policy_officer)
        year = figures["year"]
        report = client.get(f"/api/v1/grants/report?year={year}&by=firm").json()
        over = [r for r in report["rows"] if r["amount_fen"] > 10**8 * 100]
        assert len(over) == report["firms_over_100m"]
        html = client.get(f"/grants/report?year={year}&over_100m=true").text
        listed = re.findall(r'<td><a href="/enterprises/([0-9A-Z]{18})">', html)
        assert sorted(listed) == sorted(r["group"] for r in over)
        page = client.get(f"/grants/report?year={year}&by=policy").text
        assert f'href="/grants/report?year={year}&over_100m=true"' in page


class TestEconomyDrillDown:
    def test_pages_reach_every_firm_and_say_the_total(self, site: Site) -> None:
        client = site.client(Role.analyst)
        every = client.get("/api/v1/stats/drill-down", params={"by": "total"}).json()
        assert len(every) > 10, "enough reporting firms for more than one page"
        seen: list[str] = []
        page = 1
        while True:
            html = client.get(f"/stats/economy/firms?by=total&size=10&page={page}").text
            assert f"共 {len(every):,} 项" in html
            seen += re.findall(r'<a href="/enterprises/([0-9A-Z]{18})#statistics">', html)
            if "下一页" not in html:
                break
            page += 1
        assert sorted(seen) == sorted(f["uscc"] for f in every)
