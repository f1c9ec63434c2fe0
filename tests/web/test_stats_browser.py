"""The economy dashboard in Chromium: as an analyst, change the period and the scope (htmx),
drill down to a group's firms, open a firm and see its statistics tab."""

from __future__ import annotations

import pytest

from tests.web.test_browser import (  # noqa: F401  # the browser fixtures, reused
    PHONE,
    browser,
    log_in,
    page,
    served,
    snap,
)

pytestmark = pytest.mark.browser


def test_economy_period_scope_drill_down_and_profile(page, served) -> None:  # noqa: F811
    log_in(page, served, "analyst")
    page.click("nav >> text=经济运行")
    page.wait_for_selector("[data-chart='trend'] svg")
    page.wait_for_selector("[data-chart='treemap'] svg")
    subtitle = page.locator("[data-testid=economy-subtitle]")
    first = subtitle.inner_text()
    snap(page, "economy-desktop")

    second = page.locator("select[name=period] option").nth(1).get_attribute("value")
    with page.expect_response(lambda r: f"period={second}" in r.url):
        page.select_option("select[name=period]", second)
    page.wait_for_function(
        "(old) => document.querySelector('[data-testid=economy-subtitle]').innerText !== old",
        arg=first,
    )
    assert f"period={second}" in page.url  # htmx pushed the choice into the address
    page.wait_for_selector("[data-chart='trend'] svg")  # redrawn after the swap

    with page.expect_response(lambda r: "scope=above_scale" in r.url):
        page.select_option("select[name=scope]", "above_scale")
    page.wait_for_function(
        "document.querySelector('[data-testid=economy-subtitle]').innerText"
        ".includes('规模以上工业企业')"
    )
    page.wait_for_selector("[data-chart='leading'] svg")
    snap(page, "economy-above-scale")

    group = page.locator("[data-testid=leading-table] tbody a").first
    name = group.inner_text()
    group.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == name
    assert "规模以上工业企业" in page.locator("[data-testid=drill-subtitle]").inner_text()
    snap(page, "economy-drill-down")

    firm = page.locator("[data-testid=drill-table] tbody a").first
    firm_name = firm.inner_text()
    firm.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == firm_name
    page.wait_for_selector("[data-testid=statistics-tab] [data-chart='firm-statistics'] svg")
    assert "企业规模" in page.locator("#statistics").inner_text()
    snap(page, "profile-statistics")


def test_economy_fits_a_phone(browser, served) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, served, "analyst")
        phone.goto("/stats/economy")
        phone.wait_for_selector("[data-chart='trend'] svg")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        snap(phone, "economy-phone")
    finally:
        context.close()


def test_a_role_without_statistics_is_not_offered_the_tab(page, served) -> None:  # noqa: F811
    log_in(page, served, "policy")
    page.goto(f"/enterprises/{served.other_uscc}")
    page.wait_for_selector("#policies")  # a section the policy office may open
    assert not page.locator("#statistics").count()  # none it would be refused
    page.wait_for_load_state("networkidle")  # every offered section has loaded
    assert "无权查看此栏目" not in page.locator("main").inner_text()
