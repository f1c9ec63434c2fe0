"""The site in a real browser: Debian's Chromium driven by Playwright against a served demo zone.

Skipped when Chromium is absent, except where YUANQU_REQUIRE_BROWSER=1 (CI), where that fails.
Set YUANQU_SCREENSHOTS=DIR to keep screenshots of the pages at 1366x768 and phone size.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.web.conftest import seed_site
from yuanqu.accounts.service import DemoAccount
from yuanqu.core.db import dispose_engines, migrate

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BAD_FILE = (
    "uscc,name,industry_code,established,registered_capital,employees,labels\n"
    "91110000MA00000000,坏代码企业,3973,2020-01-01,100,5,\n"
    "91110302MA01ABCD1X,,XX,2020-13-01,-5,many,unknown_label\n"
)


@dataclass
class Served:
    base: str
    accounts: dict[str, DemoAccount]
    other_uscc: str
    url: str = ""  # the database's, for tests that set up data the pages then show


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_SEEDED: dict[Path, tuple[dict[str, DemoAccount], str]] = {}


def seeded_copy(
    tmp_path_factory: pytest.TempPathFactory, path: Path
) -> tuple[dict[str, DemoAccount], str]:
    """A copy at ``path`` of the browser zone, which each test process seeds once: every module
    gets the same fresh zone of its own (a file copy, not a demo build of seconds each)."""
    template = tmp_path_factory.getbasetemp() / "browser-zone.db"
    if template not in _SEEDED:
        url = f"sqlite:///{template}"
        migrate(url)
        accounts, _tokens, other_uscc, _name = seed_site(url)
        _SEEDED[template] = (accounts, other_uscc)
    source, copy = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return _SEEDED[template]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A real uvicorn server on loopback, in a thread, over a seeded SQLite database."""
    import uvicorn

    from yuanqu.app import create_app

    path = tmp_path_factory.mktemp("browser") / "site.db"
    url = f"sqlite:///{path}"
    accounts, other_uscc = seeded_copy(tmp_path_factory, path)
    port = free_port()
    config = uvicorn.Config(
        create_app(url, key="browser-test"), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Served(f"http://127.0.0.1:{port}", accounts, other_uscc, url)
    server.should_exit = True
    thread.join(10)
    dispose_engines()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        if os.environ.get("YUANQU_REQUIRE_BROWSER") == "1":
            pytest.fail("YUANQU_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served: Served):
    context = browser.new_context(viewport=DESKTOP, base_url=served.base, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, served: Served, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", served.accounts[username].password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


class Flight:
    """The requests a page has in flight, so a test can wait until a page and everything it loads
    after it (htmx fragments, chart data) have answered. Playwright's ``networkidle`` waits for
    500 ms without a request after every page, which was most of a crawl's time; an htmx
    fragment starts within milliseconds of the swap that asks for it."""

    QUIET_MS = 150
    STEP_MS = 25

    def __init__(self, page) -> None:
        self.page = page
        self.flying: set = set()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request) -> None:
        self.flying.add(request)
        if request.redirected_from is not None:  # a redirect's first leg is done
            self.flying.discard(request.redirected_from)

    def _end(self, request) -> None:
        self.flying.discard(request)

    def settle(self, timeout_ms: int = 120_000) -> None:
        """Return once no request has been in flight for ``QUIET_MS``."""
        quiet = waited = 0
        while quiet < self.QUIET_MS:
            self.page.wait_for_timeout(self.STEP_MS)
            waited += self.STEP_MS
            quiet = quiet + self.STEP_MS if not self.flying else 0
            if waited > timeout_ms:
                urls = sorted(r.url for r in self.flying)
                raise TimeoutError(f"requests still in flight after {timeout_ms} ms: {urls}")


def snap(page, name: str) -> None:
    folder = os.environ.get("YUANQU_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    "username", ["admin", "analyst", "taskforce", "policy", "project", "enterprise"]
)
def test_each_demo_role_logs_in_and_lands_home(page, served: Served, username: str) -> None:
    log_in(page, served, username)
    assert "/login" not in page.url
    if username == "enterprise":
        assert page.url.endswith("/portal")  # a firm lands on its own portal
        page.goto(f"/enterprises/{served.accounts['enterprise'].uscc}")
        assert page.locator("#identity").is_visible()
        page.goto("/")
        assert page.url.endswith("/portal")
    else:
        assert page.locator("h1").inner_text() == "园区首页"
        page.wait_for_selector("[data-chart='sections'] svg")
    snap(page, f"home-{username}")


def test_dashboard_filter_profile_and_keyboard(page, served: Served) -> None:
    log_in(page, served, "analyst")
    page.wait_for_selector("[data-chart='labels'] svg")
    snap(page, "dashboard-desktop")
    page.goto("/enterprises")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    total_before = page.locator("#results-caption").inner_text()
    with page.expect_response(lambda r: "label=high_tech" in r.url):
        page.select_option("select[name=label]", "high_tech")
    page.wait_for_function(
        "document.querySelector('#results-caption').innerText.includes('国家高新技术企业')"
    )
    assert page.locator("#results-caption").inner_text() != total_before
    assert "label=high_tech" in page.url  # htmx pushed the filter into the address
    snap(page, "directory-desktop")
    first = page.locator("#results tbody a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == name
    assert page.locator("#statistics").is_visible()
    snap(page, "profile-desktop")


def test_language_switch_is_remembered(page, served: Served) -> None:
    log_in(page, served, "analyst")
    page.click("text=English")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Zone dashboard"
    page.goto("/enterprises")
    assert page.locator("h1").inner_text() == "Enterprise directory"
    page.click("text=中文")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "企业名录"


def test_bad_upload_shows_every_error(page, served: Served, tmp_path: Path) -> None:
    bad = tmp_path / "firms.csv"
    bad.write_text(BAD_FILE, encoding="utf-8")
    log_in(page, served, "admin")
    page.goto("/registry/import")
    page.set_input_files("input[type=file]", str(bad))
    page.click("form button[type=submit] >> text=导入")
    page.wait_for_selector(".report")
    assert "未写入任何数据" in page.locator(".report [role=alert]").inner_text()
    assert page.locator(".report tbody tr").count() >= 4
    snap(page, "import-errors")


def test_phone_size_has_no_horizontal_scroll(browser, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, served, "analyst")
        page.wait_for_selector("[data-chart='sections'] svg")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1
        snap(page, "dashboard-phone")
        page.goto("/enterprises")
        snap(page, "directory-phone")
        page.goto(f"/enterprises/{served.accounts['enterprise'].uscc}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        snap(page, "profile-phone")
    finally:
        context.close()


def test_enterprise_user_cannot_open_another_firm(page, served: Served) -> None:
    log_in(page, served, "enterprise")
    response = page.goto(f"/enterprises/{served.other_uscc}")
    assert response.status == 403
    assert "无权" in page.locator("main").inner_text()


def click_busiest_segment(page) -> str:
    """Click, with the mouse, the map's node of the largest measure; returns the segment key."""
    page.wait_for_selector("#chain-map canvas")
    found = page.evaluate(
        """() => {
          const el = document.getElementById('chain-map');
          const chart = echarts.getInstanceByDom(el);
          const nodes = chart.getOption().series[0].data;
          const node = nodes.reduce((a, b) => (b.value > a.value ? b : a));
          const [x, y] = chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]);
          const box = el.getBoundingClientRect();
          return {key: node.id, x: box.left + x, y: box.top + y};
        }"""
    )
    page.mouse.click(found["x"], found["y"])
    return found["key"]


def test_chain_map_click_lists_firms_and_profile_tab(page, served: Served) -> None:
    # The first map of a process loads the statistics snapshot; on a shared, loaded machine
    # that has taken longer than the default 30 s.
    page.set_default_timeout(120_000)
    log_in(page, served, "analyst")
    page.goto("/chains")
    assert page.locator("h1").inner_text() == "产业链图谱"
    page.click(".chain-picker >> text=集成电路")
    page.wait_for_load_state()
    assert "/chains/ic" in page.url
    key = click_busiest_segment(page)
    page.wait_for_selector("#segment-firms table.segment-firms tbody tr")
    assert page.locator("#segment-firms tbody tr").count() >= 1
    assert key  # the node clicked is a segment of the chain
    snap(page, "chain-map-desktop")
    first = page.locator("#segment-firms tbody a").first
    first.click()
    page.wait_for_load_state()
    page.wait_for_selector("#chain table.firm-chain")
    assert "集成电路" in page.locator("#chain").inner_text()
    snap(page, "profile-chain-tab")


def test_chain_map_on_a_phone(browser, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        log_in(page, served, "taskforce")
        page.goto("/chains/ic")
        page.wait_for_selector("#chain-map canvas")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        folder = os.environ.get("YUANQU_SCREENSHOTS")
        if folder:
            page.screenshot(path=str(Path(folder) / "chain-map-phone-screen.png"))
        snap(page, "chain-map-phone")
    finally:
        context.close()
