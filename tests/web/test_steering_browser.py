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
