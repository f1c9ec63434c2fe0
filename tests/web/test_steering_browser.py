"""Steering in Chromium: the analyst opens the watch list from the menu and opens a visit from a
row, then reads a plan's progress with its charts; the plan page fits a phone."""

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


def test_analyst_opens_a_visit_from_the_watch_list(page, served) -> None:  # noqa: F811
    log_in(page, served, "analyst")
    page.click("nav >> text=监测预警")
    page.wait_for_selector("table.watch-list")
    page.goto("/watch?as_of=2023-12")
    assert "预警规则" in page.locator("body").inner_text()
    rows = page.locator("table.watch-list tbody tr[data-uscc]")
    assert rows.count() > 0
    snap(page, "watch-2023-12")
    row = rows.first
    uscc = row.get_attribute("data-uscc")
    row.locator("summary").click()
    row.locator("input[name=note]").fill("约见企业负责人")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "#cases" in page.url
    cases = page.locator("#cases + .table-wrap tbody").inner_text()
    assert "约见企业负责人" in cases
    assert page.locator(f"tr[data-uscc='{uscc}'] a[href^='#case-']").count() == 1


def test_analyst_reads_a_plans_progress_with_charts(page, served) -> None:  # noqa: F811
    log_in(page, served, "analyst")
    page.click("nav >> text=目标考核")
    page.click("text=北京经济技术开发区关于建设具有全球影响力商业航天产业高地的若干措施")
    page.wait_for_selector(
        "[data-chart='aerospace_cluster'] canvas, [data-chart='aerospace_cluster'] svg"
    )
    body = page.locator("body").inner_text()
    assert "商业航天高新技术企业" in body and "截止时预计" in body
    snap(page, "plan-aerospace")


def test_plan_page_fits_a_phone(browser, served) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, served, "analyst")
        phone.goto("/plans/yizhuang_biotech_2025")
        phone.wait_for_selector("table")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        snap(phone, "plan-phone")
    finally:
        context.close()


def test_administrator_keeps_the_fund_register_in_the_browser(page, served) -> None:  # noqa: F811
    """New fund (a mistake shown beside its field first), an investment in a registry firm, its
    exit; the English form names its mistakes in English."""
    log_in(page, served, "admin")
    page.click("nav >> text=基金名录")
    page.click("[data-action=new-fund]")
    page.fill("#f-name", "浏览器测试基金")
    page.fill("#f-size_wan", "30000")
    page.fill("#f-zone_share_wan", "50000")  # more than the fund: refused
    page.fill("#f-manager", "浏览器测试管理有限公司")
    page.fill("#f-start_year", "2023")
    page.fill("#f-end_year", "2030")
    page.select_option("#f-track", label="商业航天")
    page.click("form.fund-form button[type=submit]")
    error = page.locator("[data-error=zone_share_wan]")
    assert error.inner_text() == "园区出资不能超过基金规模"
    assert page.locator("#f-zone_share_wan").get_attribute("aria-invalid") == "true"
    assert page.input_value("#f-name") == "浏览器测试基金"  # nothing typed is lost
    snap(page, "fund-form-error")
    page.fill("#f-zone_share_wan", "12000")
    with page.expect_navigation():
        page.click("form.fund-form button[type=submit]")
    row = page.locator("tr[data-fund]", has_text="浏览器测试基金")
    assert "商业航天" in row.inner_text()
    row.locator("text=登记投资").click()
    page.fill("#f-uscc", served.other_uscc)
    page.fill("#f-invested_on", "2023-03-15")
    page.fill("#f-round", "B轮")
    page.fill("#f-amount_wan", "2500")
    page.fill("#f-stake_pct", "6")
    with page.expect_navigation():
        page.click("form.fund-form button[type=submit]")
    investment = page.locator("#investments + .table-wrap tr", has_text="浏览器测试基金")
    assert "2,500" in investment.inner_text() and "6.00" in investment.inner_text()
    investment.locator("a[data-exit]").click()
    page.fill("#f-exited_on", "2025-01-20")
    page.fill("#f-exit_amount_wan", "4000")
    with page.expect_navigation():
        page.click("form.fund-form button[type=submit]")
    exited = page.locator("#investments + .table-wrap tr", has_text="浏览器测试基金")
    assert "2025-01-20" in exited.inner_text() and "4,000" in exited.inner_text()
    page.goto("/funds/new?lang=en")
    for field, value in (("name", "Browser fund"), ("size_wan", "lots"), ("zone_share_wan", "1")):
        page.fill(f"#f-{field}", value)
    for field, value in (("manager", "A manager"), ("start_year", "2024"), ("end_year", "2030")):
        page.fill(f"#f-{field}", value)
    page.click("form.fund-form button[type=submit]")
    assert page.locator("[data-error=size_wan]").inner_text() == "a whole number"
    assert "nothing was saved" in page.locator("[role=alert]").inner_text()
    snap(page, "fund-form-error-en")
