"""The unknown-year warning in Chromium: a decision deadline counted into 2027, a year no holiday
notice covers yet, is flagged in the review queue and on the case page, and loading the year's
notice through the API takes the warning away (YUANQU_SCREENSHOTS=DIR keeps screenshots)."""

# ruff: noqa: F811  (pytest fixtures imported from test_browser are parameters of the same name)

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from tests.factories.grants import make_case
from tests.web.test_browser import (  # noqa: F401  (fixtures used by name)
    DESKTOP,
    Served,
    browser,
    log_in,
    page,
    served,
    snap,
)
from yuanqu.core.db import make_engine, session_scope
from yuanqu.core.holidays import HolidayNoticeDay, work_calendar
from yuanqu.grants.workflow import decision_due
from yuanqu.registry.models import Enterprise

pytestmark = pytest.mark.browser

POLICY = "calendar_browser_policy"
NOTICE_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n".encode()


def _blind_case(served: Served) -> int:
    engine = make_engine(served.url)
    try:
        with session_scope(engine) as session:
            firm = session.scalars(
                select(Enterprise).where(Enterprise.uscc != served.other_uscc).limit(1)
            ).one()
            case = make_case(session, firm=firm, policy=POLICY)
            case.submitted_on = date(2026, 12, 1)
            case.due_on = decision_due(work_calendar(session), case.submitted_on)
            assert case.due_on.year == 2027
            return case.id
    finally:
        engine.dispose()


def test_a_deadline_in_an_unknown_year_is_flagged_until_the_notice_loads(
    page, browser, served: Served
) -> None:
    case_id = _blind_case(served)
    log_in(page, served, "policy")
    page.goto(f"/grants?policy={POLICY}")
    warning = page.locator("[data-testid=calendar-warnings]")
    assert warning.is_visible()
    assert "2027年法定节假日安排尚未导入，期限按仅排除周末计算" in warning.inner_text()
    flag = page.locator(f"tr:has(a[href='/grants/cases/{case_id}']) .calendar-flag")
    assert flag.is_visible() and "仅排除周末" in flag.inner_text()
    snap(page, "calendar-warning-queue")
    page.goto(f"/grants/cases/{case_id}")
    assert page.locator("[data-testid=calendar-warnings]").is_visible()
    snap(page, "calendar-warning-case")
    page.goto(f"/grants/cases/{case_id}?lang=en")
    assert (
        "No official holiday notice is loaded for 2027"
        in page.locator("[data-testid=calendar-warnings]").inner_text()
    )

    due_before = page.locator(".card-value").nth(3).inner_text()
    admin = browser.new_context(viewport=DESKTOP, base_url=served.base, locale="zh-CN")
    tab = admin.new_page()
    log_in(tab, served, "admin")
    token = tab.locator("input[name=csrf_token]").first.get_attribute("value")
    loaded = tab.request.post(
        "/api/v1/calendar/notices",
        multipart={
            "file": {"name": "notice-2027.csv", "mimeType": "text/csv", "buffer": NOTICE_2027},
            "source": "浏览器测试示例",
        },
        headers={"X-CSRF-Token": token or ""},
    )
    admin.close()
    try:
        assert loaded.status == 201, loaded.text()
        page.goto(f"/grants/cases/{case_id}")
        assert page.locator("[data-testid=calendar-warnings]").count() == 0
        # counted again: 2027-01-01 is a day off now, so the deadline is a working day later
        assert page.locator(".card-value").nth(3).inner_text() == "2027-02-24" != due_before
        snap(page, "calendar-recounted-case")
    finally:
        engine = make_engine(served.url)
        try:
            with session_scope(engine) as session:
                session.execute(delete(HolidayNoticeDay).where(HolidayNoticeDay.year == 2027))
        finally:
            engine.dispose()
