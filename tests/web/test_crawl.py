"""Every menu page as each role reads it, in a real browser, in both languages: Chinese on a
390 px phone, English on a 1366 px screen. A page fails when it shows an internal id where a
person expects a name (a task force's code, a policy's id, a workflow state, any snake_case
word), when its menu or its links lead to a refusal or a missing page, when it is wider than the
phone, when its header wraps past two rows, or when a chart's value axis does not say its unit.

One browser and one small served zone (the fixtures of ``test_browser``) for the whole crawl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.web.test_browser import (
    ARGS,
    CHROMIUM,
    DESKTOP,
    PHONE,
    Flight,
    Served,
    browser,
    served,
)
from yuanqu.core.db import make_engine, session_scope
from yuanqu.grants.models import CaseStatus
from yuanqu.policies.service import shipped_policies
from yuanqu.registry.service import list_task_forces

__all__ = ["ARGS", "CHROMIUM", "browser", "served"]  # the fixtures this module reuses

pytestmark = pytest.mark.browser

ROLES = ["admin", "analyst", "taskforce", "policy", "project", "enterprise"]
#: The header's height at most: on a phone one row (the brand and the 菜单 button; the menu folds
#: behind it), on a screen two rows of menu.
HEADER_BUDGET = {False: 80, True: 130}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: Links a crawl does not follow: files, JSON twins, the language switch.
SKIP = re.compile(
    r"^/(api/|lang/|static/)|\.(json|xlsx|csv|docx|pdf)(\?|$)|/export|/print|/download"
)
#: Hidden before reading a page's words: machine text a person may copy (an API example), and
#: the small grey hints where an id is allowed.
MACHINE = "pre, .id-hint, [data-machine]"
#: Text the crawl reads: the visible words of the page, hints and machine text left out.
VISIBLE_TEXT = """(selector) => {
  const hidden = [...document.querySelectorAll(selector)];
  hidden.forEach(el => { el.dataset.crawlDisplay = el.style.display; el.style.display = 'none'; });
  const text = document.body.innerText;
  hidden.forEach(el => { el.style.display = el.dataset.crawlDisplay; });
  return text;
}"""
#: Value axes of every chart on the page that do not name their unit.
UNNAMED_AXES = """() => {
  const out = [];
  if (!window.echarts) return out;
  document.querySelectorAll('[_echarts_instance_]').forEach(el => {
    const chart = echarts.getInstanceByDom(el);
    if (!chart) return;
    const option = chart.getOption();
    for (const key of ['xAxis', 'yAxis'])
      for (const axis of option[key] || [])
        if (axis.type === 'value' && !axis.name) out.push((el.dataset.chart || el.id) + ' ' + key);
  });
  return out;
}"""


#: The elements that reach past the viewport's right edge (what to fix when a page is too wide).
WIDEST = """(edge) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > edge + 1)
  .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > edge + 1))
  .slice(0, 3)
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' '
       + Math.round(el.getBoundingClientRect().right) + 'px')"""


@dataclass
class Codes:
    """The ids of this zone that must never be a page's text."""

    task_forces: set[str]
    policies: set[str]
    states: set[str] = field(default_factory=lambda: {s.value for s in CaseStatus})

    def found(self, text: str, lang: str) -> set[str]:
        words = set(re.findall(r"(?<![\w/.-])[A-Za-z][\w-]*(?![\w/.-])", text))
        bad = set(SNAKE.findall(text)) | (words & self.task_forces) | (words & self.policies)
        if lang == "zh":  # an English state name in a Chinese page is a raw state
            bad |= words & self.states
        return bad


def shape(path: str) -> str:
    """One page per kind: /enterprises/<uscc>, /projects/<n>, a chain's map and a segment's
    list are each crawled once (every policy is crawled: each has its own rules and words)."""
    path = path.split("?")[0].split("#")[0]
    path = re.sub(r"/[0-9A-Z]{18}(?=/|$)", "/USCC", path)
    path = re.sub(r"^/chains/[a-z0-9_]+", "/chains/CHAIN", path)
    path = re.sub(r"/segments/[a-z0-9_]+", "/segments/SEGMENT", path)
    return re.sub(r"/\d+(?=/|$)", "/N", path)


@pytest.fixture(scope="module")
def codes(served: Served) -> Codes:
    engine = make_engine(served.url)
    try:
        with session_scope(engine) as session:
            forces = {f.code for f in list_task_forces(session)}
    finally:
        engine.dispose()
    return Codes(task_forces=forces, policies={p.id for p in shipped_policies()})


def log_in(page, served: Served, username: str, lang: str) -> None:
    page.goto(f"/lang/{lang}?next=/login")
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", served.accounts[username].password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def crawl(page, codes: Codes, lang: str, viewport: dict[str, int]) -> list[str]:
    """Visit the home, every menu entry and one page of each kind they link to."""
    problems: list[str] = []
    home = page.url.split(page.url.split("/")[2], 1)[1]
    menu = page.eval_on_selector_all(
        "header nav .menu a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    queue = [(home, "home")] + [(m, "menu") for m in menu if not SKIP.search(m)]
    seen: set[str] = set()
    flight = Flight(page)
    while queue:
        url, source = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = page.goto(url)
        flight.settle()
        where = f"{lang} {viewport['width']}px {url} (from {source})"
        if response is None or response.status >= 400:
            problems.append(f"{where}: status {response.status if response else '?'}")
            continue
        loading = page.locator("[hx-trigger~=load] [aria-busy=true]").count()
        if loading:  # the page is checked whole, with every part it loads after it
            problems.append(f"{where}: {loading} part(s) still loading when checked")
        bad = codes.found(page.evaluate(VISIBLE_TEXT, MACHINE), lang)
        if bad:
            problems.append(f"{where}: internal ids shown {sorted(bad)}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"] + 1:
            wide = page.evaluate(WIDEST, viewport["width"])
            problems.append(f"{where}: {width}px wide, past the edge: {wide}")
        header = page.evaluate("document.querySelector('header').offsetHeight")
        budget = HEADER_BUDGET[viewport["width"] >= 1000]
        if header > budget:
            problems.append(f"{where}: header {header}px tall (at most {budget}px)")
        axes = page.evaluate(UNNAMED_AXES)
        if axes:
            problems.append(f"{where}: value axes without a unit {axes}")
        if source in ("home", "menu"):
            links = page.eval_on_selector_all(
                "main a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
            )
            queue += [(link, url) for link in links if not SKIP.search(link)]
    return problems


@pytest.mark.parametrize("username", ROLES)
def test_every_menu_page_speaks_to_its_reader(
    browser, served: Served, codes: Codes, username: str
) -> None:
    problems: list[str] = []
    for lang, viewport in (("zh", PHONE), ("en", DESKTOP)):
        context = browser.new_context(viewport=viewport, base_url=served.base)
        page = context.new_page()
        page.set_default_timeout(120_000)  # a chain map's first load reads the statistics
        try:
            log_in(page, served, username, lang)
            problems += crawl(page, codes, lang, viewport)
        finally:
            context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("username", ROLES)
def test_the_phone_header_is_one_row_and_its_menu_opens(
    browser, served: Served, username: str
) -> None:
    """At 390 px, in both languages, the header is one row; its 菜单 button opens every menu
    entry, and the open menu stays within the phone's width."""
    for lang in ("zh", "en"):
        context = browser.new_context(viewport=PHONE, base_url=served.base, is_mobile=True)
        page = context.new_page()
        try:
            log_in(page, served, username, lang)
            header = page.evaluate("document.querySelector('header').offsetHeight")
            assert header <= HEADER_BUDGET[False], f"{username} {lang}: header {header}px"
            entries = page.locator("header nav .menu a[href^='/']")
            assert entries.count() > 0
            assert not entries.first.is_visible(), f"{username} {lang}: the menu is not folded"
            toggle = page.locator("[data-menu-toggle]")
            assert toggle.inner_text().strip() == ("Menu" if lang == "en" else "菜单")
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
            for i in range(entries.count()):
                assert entries.nth(i).is_visible(), f"{username} {lang}: entry {i} hidden"
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"{username} {lang}: open menu {width}px wide"
            toggle.click()
            assert not entries.first.is_visible()
        finally:
            context.close()


def test_the_crawl_sees_what_it_must_refuse(codes: Codes) -> None:
    """The checks themselves: a code, an id, a raw state and a snake_case word are caught."""
    forces = sorted(codes.task_forces)
    assert codes.found(f"专班 {forces[0]}", "zh") == {forces[0]}
    assert codes.found("rd_investment_reward", "en") == {"rd_investment_reward"}
    assert codes.found("状态 submitted", "zh") == {"submitted"}
    assert codes.found("状态 submitted", "en") == set()
    assert codes.found("集成电路产业专班 · /chains/ic", "zh") == set()
