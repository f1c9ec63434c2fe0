"""The policy pages in Chromium: the catalogue, a policy page with its chart, a firm's
entitlements on its profile, and a slider on the simulation page changing the figures."""

from __future__ import annotations

import pytest

from tests.web.test_browser import (  # noqa: F401  # the browser fixtures, reused
    browser,
    log_in,
    page,
    served,
    snap,
)

pytestmark = pytest.mark.browser


def test_catalogue_policy_page_and_its_statistics(page, served) -> None:  # noqa: F811
    log_in(page, served, "policy")
    page.click("nav >> text=惠企政策")
    page.wait_for_selector("[data-testid=policy-catalogue]")
    assert page.locator("[data-testid=policy-catalogue] tbody tr").count() == 6
    snap(page, "policies-catalogue")
    page.click("text=研发投入增量奖励")
    page.wait_for_selector("[data-testid=parameter-rd_floor]")
    assert "2024-01-01" in page.locator("[data-testid=parameter-rd_floor]").inner_text()
    page.select_option("[data-testid=year]", "2024")
    page.wait_for_function(
        "document.querySelector('[data-testid=statistics-subtitle]').innerText.includes('2024')"
    )
    page.wait_for_selector("[data-chart='policy-industry'] svg")
    assert int(page.locator("[data-testid=stat-eligible]").inner_text().replace(",", "")) > 0
    snap(page, "policies-policy")


def test_bands_as_written_on_the_policy_page(page, served) -> None:  # noqa: F811
    log_in(page, served, "enterprise")
    page.goto("/policies/high_tech_enterprise")
    bands = page.locator("[data-testid=parameter-rd_ratio_min]").inner_text()
    assert "(50000000, 200000000]" in bands and "不含" in bands
    assert not page.locator("#statistics").count()  # a firm reads no aggregates
    snap(page, "policies-high-tech")


def test_entitlements_tab_on_the_profile(page, served) -> None:  # noqa: F811
    log_in(page, served, "enterprise")
    own = served.accounts["enterprise"].uscc
    assert page.url.endswith("/portal")  # a firm lands on its portal; its profile is one link away
    page.goto(f"/enterprises/{own}")
    page.wait_for_selector("#policies [data-testid=policies-tab]")
    tab = page.locator("#policies")
    assert "项有效政策" in tab.inner_text()
    first = tab.locator("details.entitlement").first
    first.locator(":scope > summary").click()  # a condition's 规则 is a details of its own
    assert first.locator(".conditions-table tbody tr").count() >= 1
    with page.expect_response(lambda r: "/policies?year=2024" in r.url):
        page.select_option("[data-testid=entitlements-year]", "2024")
    page.wait_for_function(
        "document.querySelector('#policies-tab').textContent.includes('数据年度 2023')"
    )
    tab.scroll_into_view_if_needed()
    snap(page, "policies-profile-tab")


def test_a_slider_changes_the_figures(page, served) -> None:  # noqa: F811
    log_in(page, served, "policy")
    page.goto("/policies/simulate?policy=rd_investment_reward&year=2024")
    page.wait_for_selector("[data-chart='sim-industry'] svg")
    page.wait_for_selector("[data-chart='sim-size'] svg")
    cost = page.locator("[data-testid=sim-cost]").inner_text()
    assert page.locator("[data-testid=changes-table] tbody tr").count() == 1  # nothing moved yet
    snap(page, "policies-simulate")
    with page.expect_response(lambda r: "set.reward_rate=0.25" in r.url):
        page.fill("[data-testid=slider-reward_rate]", "0.25")
    page.wait_for_function(
        "(old) => document.querySelector('[data-testid=sim-cost]').innerText !== old", arg=cost
    )
    assert page.locator("[data-testid=value-reward_rate]").inner_text() == "25%"
    assert page.locator("[data-testid=changes-table] tbody tr a").count() > 0
    assert "set.reward_rate=0.25" in page.url  # htmx pushed the sliders into the address
    page.wait_for_selector("[data-chart='sim-industry'] svg")
    snap(page, "policies-simulate-moved")
