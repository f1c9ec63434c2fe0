"""The import page in Chromium: the template link, the column guide, and a phone-size page that
does not scroll sideways with the guide open."""

from __future__ import annotations

import pytest

# The served site, the browser and the log-in of the directory's browser tests (fixtures).
from tests.web.test_browser import (  # noqa: F401 (pytest finds fixtures by name)
    PHONE,
    browser,
    log_in,
    page,
    served,
    snap,
)

pytestmark = pytest.mark.browser


def test_guide_opens_and_the_template_downloads(page, served) -> None:  # noqa: F811
    log_in(page, served, "admin")
    page.goto("/registry/import")
    link = page.locator("a[href='/registry/import/template.xlsx']")
    assert "下载导入模板" in link.inner_text()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "registry-import-template.xlsx"
    page.click("details.column-guide summary")
    rows = page.locator("details.column-guide tbody tr")
    assert rows.count() == 11 and "统一社会信用代码" in rows.nth(0).inner_text()
    snap(page, "import-guide")


def test_phone_size_import_page_has_no_horizontal_scroll(browser, served) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    phone = context.new_page()
    try:
        log_in(phone, served, "admin")
        phone.goto("/registry/import")
        phone.click("details.column-guide summary")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
        snap(phone, "import-guide-phone")
    finally:
        context.close()
