"""The service desk in Chromium: a firm files a request with an attachment from its portal, the
desk dispatches it, the task force signs for it and answers it, and the firm sees the answer and
rates it (YUANQU_SCREENSHOTS=DIR keeps screenshots)."""

# ruff: noqa: F811  (pytest fixtures imported from test_browser are parameters of the same name)

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.test_browser import (  # noqa: F401  (fixtures used by name)
    DESKTOP,
    Served,
    browser,
    log_in,
    page,
    served,
    snap,
)

pytestmark = pytest.mark.browser


def as_user(browser, served: Served, username: str):
    context = browser.new_context(viewport=DESKTOP, base_url=served.base, locale="zh-CN")
    tab = context.new_page()
    log_in(tab, served, username)
    return context, tab


def test_a_firm_files_a_request_sees_it_answered_and_rates_it(
    page, browser, served: Served, tmp_path: Path
) -> None:
    log_in(page, served, "enterprise")
    page.goto("/")
    assert page.url.endswith("/portal")
    page.locator("a[href='/service/new']", has_text="提交诉求").first.click()
    page.select_option("select[name=type]", "land_space")
    page.fill("textarea[name=content]", "申请扩租标准厂房 1500 平方米，用于新产线")
    plan = tmp_path / "扩产计划.pdf"
    plan.write_bytes(b"%PDF-1.4\n% expansion plan\n")
    page.set_input_files("input[name=files]", str(plan))
    page.click("button[type=submit]:has-text('提交诉求')")
    page.wait_for_url(re.compile(r"/service/requests/\d+"))
    ident = re.search(r"/service/requests/(\d+)", page.url).group(1)
    assert page.locator("#request-status").inner_text() == "待派单"
    assert "扩产计划.pdf" in page.content()
    snap(page, "service-filed")

    desk, desk_tab = as_user(browser, served, "admin")
    desk_tab.goto(f"/service/requests/{ident}")
    desk_tab.select_option("select[name=unit]", "ic")
    desk_tab.click("button:has-text('派单')")
    assert desk_tab.locator("#request-status").inner_text() == "待签收"
    desk_tab.goto("/service/report?year=2023")  # the demo's year, drawn
    desk_tab.wait_for_selector(
        "[data-chart='service-monthly'] canvas, [data-chart='service-monthly'] svg"
    )
    assert re.fullmatch(r"\d{1,3}(\.\d)?%", desk_tab.locator("#closed-pct").inner_text())
    snap(desk_tab, "service-report")
    desk.close()

    unit, unit_tab = as_user(browser, served, "taskforce")
    unit_tab.goto(f"/service/requests/{ident}")
    unit_tab.click("button:has-text('签收')")
    assert unit_tab.locator("#request-status").inner_text() == "办理中"
    unit_tab.fill("textarea[name=result]", "已协调台湖片区标准厂房 1500 平方米，下周一看房")
    unit_tab.click("button:has-text('办结')")
    assert unit_tab.locator("#request-status").inner_text() == "已办结待回访"
    unit.close()

    page.goto("/portal")
    row = page.locator(f"#my-requests tr:has(a[href='/service/requests/{ident}'])")
    assert "已办结待回访" in row.inner_text()
    row.locator("a").click()
    assert "下周一看房" in page.locator("#request-answer").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "集成电路产业专班" in timeline or "ic" in timeline
    assert "taskforce" not in timeline and "admin" not in timeline  # units, never staff
    page.check("input[name=solved][value=yes]")
    page.select_option("select[name=satisfaction]", "satisfied")
    page.click("button:has-text('评价答复')")
    assert page.locator("#request-status").inner_text() == "已回访"
    assert "满意" in page.content()
    snap(page, "service-rated")
