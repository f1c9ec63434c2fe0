"""Every list says its true total and pages to its last row (issue 18), found from the route
table so that a new list cannot escape: every JSON route that pages (``page``/``offset``) or
answers a total beside its rows, and every HTML page that pages.

Each list is walked to its last page: the rows seen are as many as the total it reports, none is
seen twice, every page reports the same total, and a sum it reports beside its rows (``total_fen``,
``invested_fen``...) is the sum over every row, not over a page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import Site
from tests.web.test_lists import figures  # noqa: F401 (the demo's awards paid: a long case list)
from yuanqu.core.auth import Role

# The roles tried in turn until one may open a list (the administrator reads nearly all).
READERS = (Role.admin, Role.policy_officer, Role.analyst, Role.project_officer, Role.task_force)
PAGING = {"page", "offset"}
SIZES = ("page_size", "size", "limit")
# A route's path parameters, filled to reach a list behind one (a new one fails until named here).
PATH_VALUES = {"year": "mu_year", "uscc": "investor"}
# Lists whose rows are a ranking cut by design (a "top N" with its ``limit``), said in words on
# their pages; they report no total, and the whole list is their drill-down.
TOP_N = {"/api/v1/stats/ranking"}
# The rows of a response with several lists beside its total.
ROWS = {"/api/v1/funds": "funds"}
# Fields beside the rows that are not sums of a row field of the same name.
NOT_SUMS = {"total", "page", "page_size", "pages", "offset", "limit", "groups", "year"}
RATIOS = ("share", "rate", "ratio", "pct", "precision")
# A sum beside the rows named for the total of another row field.
SUM_OF = {"total_fen": "amount_fen"}


def routes(site: Site) -> Iterator[tuple[str, APIRoute]]:
    """Every route of the app with its full path (routers included in routers too)."""

    def walk(items: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in items:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route
            elif hasattr(route, "original_router"):  # an included router
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)

    yield from walk(site.app.routes, "")


def query_names(route: APIRoute) -> set[str]:
    return {p.alias or p.name for p in route.dependant.query_params}


def smallest_size(route: APIRoute, name: str) -> int:
    """A small page (several pages on a small zone), within what the route accepts."""
    param = next(p for p in route.dependant.query_params if (p.alias or p.name) == name)
    low = max(
        (getattr(m, "ge", None) or getattr(m, "gt", 0) or 0 for m in param.field_info.metadata),
        default=0,
    )
    return max(int(low), 7)


def is_file(path: str) -> bool:
    return path.endswith((".xlsx", ".csv", ".parquet", ".pdf", ".json"))


def first_open(site: Site, path: str, params: dict[str, Any]) -> tuple[TestClient, Any]:
    for role in READERS:
        client = site.client(role)
        response = client.get(path, params=params)
        if response.status_code == 200:
            return client, response
    raise AssertionError(f"{path}: no role may open this list")


def fill(site: Site, path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PATH_VALUES, f"{path}: a list behind {{{name}}}: name a value in PATH_VALUES"
        return site.extra[PATH_VALUES[name]]

    return re.sub(r"\{(\w+)\}", value, path)


def rows_of(body: Any) -> tuple[str, list[Any]]:
    """The list in a response: the response itself, or its one list of objects."""
    if isinstance(body, list):
        return "", body
    lists = [
        k for k, v in body.items() if isinstance(v, list) and (not v or isinstance(v[0], dict))
    ]
    for key in ("items", "rows"):
        if key in lists:
            return key, body[key]
    assert len(lists) == 1, f"which list is the rows of {sorted(body)}?"
    return lists[0], body[lists[0]]


def reported_total(body: Any, response: Any) -> int | None:
    if "X-Total-Count" in response.headers:
        return int(response.headers["X-Total-Count"])
    if isinstance(body, dict):
        for key in ("total", "groups"):
            if isinstance(body.get(key), int):
                return body[key]
    return None


def reported_sums(body: Any, key: str, rows: list[dict]) -> dict[str, tuple[int, str]]:
    """The sums a list reports beside its rows: a number named as a field of its rows."""
    if not isinstance(body, dict) or not rows:
        return {}
    found = {}
    for name, value in body.items():
        if name in NOT_SUMS or name == key or not isinstance(value, int | float):
            continue
        if name.endswith(RATIOS):  # a share or a rate of the whole is no sum of its rows'
            continue
        field = SUM_OF.get(name, name)
        if field in rows[0]:
            found[name] = (value, field)
    return found


def api_lists(site: Site) -> list[tuple[str, APIRoute]]:
    """The JSON routes that page, or answer a total beside their rows."""
    found = []
    for path, route in routes(site):
        if not path.startswith("/api/") or "GET" not in route.methods or is_file(path):
            continue
        names = query_names(route)
        model = getattr(route.response_model, "model_fields", {})
        if names & PAGING or {"total", "items"} <= set(model):
            found.append((path, route))
    return found


def walk_api(site: Site, path: str, route: APIRoute) -> None:
    names = query_names(route)
    url = fill(site, path)
    size_name = next((n for n in SIZES if n in names), None)
    params: dict[str, Any] = {}
    if size_name:
        params[size_name] = smallest_size(route, size_name)
    client, response = first_open(site, url, params)
    body = response.json()
    key, rows = rows_of(body)
    total = reported_total(body, response)
    assert total is not None, f"{path}: a list that pages says its total"
    seen = list(rows)
    if "page" in names:
        page = 1
        while len(seen) < total:
            page += 1
            response = client.get(url, params=params | {"page": page})
            body = response.json()
            assert reported_total(body, response) == total, f"{path} page {page}: another total"
            more = rows_of(body)[1]
            assert more, f"{path}: page {page} is empty before the total ({len(seen)} of {total})"
            seen += more
        after = client.get(url, params=params | {"page": page + 1})
        assert after.status_code in (200, 422) and (
            after.status_code == 422 or not rows_of(after.json())[1]
        ), f"{path}: rows after the last page"
    elif "offset" in names:
        while True:
            response = client.get(url, params=params | {"offset": len(seen)})
            body = response.json()
            assert reported_total(body, response) == total, f"{path}: another total at an offset"
            more = rows_of(body)[1]
            if not more:
                break
            seen += more
    assert len(seen) == total, f"{path}: {len(seen)} rows for a total of {total}"
    distinct = {json.dumps(r, sort_keys=True, ensure_ascii=False) for r in seen}
    assert len(distinct) == len(seen), f"{path}: a row is seen twice across the pages"
    for name, (value, field) in reported_sums(body, key, seen).items():
        summed = sum(r[field] or 0 for r in seen)
        assert summed == pytest.approx(value), f"{path}: {name} {value} but its rows sum {summed}"


def html_lists(site: Site) -> list[tuple[str, APIRoute]]:
    return [
        (path, route)
        for path, route in routes(site)
        if not path.startswith("/api/")
        and "GET" in route.methods
        and "page" in query_names(route)
        and not is_file(path)
    ]


PAGER = re.compile(r'<nav class="pager".*?</nav>', re.S)
TOTAL = re.compile(r'<span class="pager-total">共 ([\d,]+) 项</span>')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def table_rows(html: str, path: str) -> list[str]:
    """The rows of the table just above the pager (a placeholder row of an empty list aside)."""
    head = html[: PAGER.search(html).start()]  # type: ignore[union-attr]
    body = head[head.rindex("<tbody>") : head.rindex("</tbody>")]
    rows = re.findall(r"<tr[ >].*?</tr>", body, re.S)
    return [r for r in rows if 'class="empty"' not in r and "colspan" not in r]


def walk_page(site: Site, path: str, route: APIRoute) -> None:
    names = query_names(route)
    params: dict[str, Any] = {}
    size_name = next((n for n in SIZES if n in names), None)
    if size_name:
        params[size_name] = smallest_size(route, size_name)
    client, response = first_open(site, path, params)
    html = response.text
    pager = PAGER.search(html)
    assert pager, f"{path}: a paged list shows its pager (its total) even on one page"
    total_text = TOTAL.search(pager.group(0))
    assert total_text, f"{path}: the pager says the list's total"
    total = int(total_text.group(1).replace(",", ""))
    seen = table_rows(html, path)
    pages = 1
    while (link := NEXT.search(PAGER.search(html).group(0))) is not None:  # type: ignore[union-attr]
        html = client.get(link.group(1).replace("&amp;", "&")).text
        pages += 1
        again = TOTAL.search(PAGER.search(html).group(0))  # type: ignore[union-attr]
        assert again and int(again.group(1).replace(",", "")) == total, f"{path}: another total"
        seen += table_rows(html, path)
        assert pages < 10_000
    assert len(seen) == total, f"{path}: {len(seen)} rows over {pages} pages, total {total}"
    assert len(set(seen)) == len(seen), f"{path}: a row is shown twice across the pages"


@pytest.fixture(scope="module")
def zone(site: Site, figures) -> Site:  # noqa: F811 (the fixture imported above)
    from sqlalchemy import func, select

    from yuanqu.core.db import make_engine, session_scope
    from yuanqu.mu.models import MuEvaluation

    engine = make_engine(site.url)
    try:
        with session_scope(engine) as session:
            year = session.scalar(select(func.max(MuEvaluation.year)))
    finally:
        engine.dispose()
    site.extra["mu_year"] = str(year)
    projects = site.client(Role.admin).get("/api/v1/projects").json()["items"]
    site.extra["investor"] = next(p["investor_uscc"] for p in projects if p["investor_uscc"])
    return site


class TestEveryList:
    def test_the_route_table_has_the_lists(self, site: Site) -> None:
        """The discovery finds the lists known today (a broken discovery would test nothing)."""
        api = {p for p, _ in api_lists(site)}
        assert {"/api/v1/enterprises", "/api/v1/grants/cases", "/api/v1/grants/report"} <= api
        pages = {p for p, _ in html_lists(site)}
        assert {"/enterprises", "/grants", "/grants/report", "/mu"} <= pages

    def test_every_api_list_pages_to_its_total(self, zone: Site) -> None:
        for path, route in api_lists(zone):
            if path in TOP_N:
                continue
            walk_api(zone, path, route)

    def test_every_other_json_total_and_sum_is_its_rows(self, zone: Site) -> None:
        """A JSON route that neither pages nor declares a page model, yet answers a total or a
        sum beside its rows (a register, a report): the figures are its rows'."""
        declared = {p for p, _ in api_lists(zone)}
        for path, route in routes(zone):
            if (
                not path.startswith("/api/")
                or "GET" not in route.methods
                or "{" in path
                or is_file(path)
                or path in declared | TOP_N
            ):
                continue
            if any(p.field_info.is_required() for p in route.dependant.query_params):
                continue  # a question, not a list: it needs its parameters
            _, response = first_open(zone, path, {})
            body = response.json()
            if not isinstance(body, dict):
                continue
            lists = [
                k for k, v in body.items() if isinstance(v, list) and v and isinstance(v[0], dict)
            ]
            if len(lists) > 1 and path in ROWS:
                lists = [ROWS[path]]
            if len(lists) != 1:
                assert not isinstance(body.get("total"), int), f"{path}: which rows? see ROWS"
                continue
            rows = body[lists[0]]
            if isinstance(body.get("total"), int):
                assert body["total"] == len(rows), (
                    f"{path}: total {body['total']}, {len(rows)} rows"
                )
            for name, (value, field) in reported_sums(body, lists[0], rows).items():
                summed = sum(r[field] or 0 for r in rows)
                assert summed == pytest.approx(value), f"{path}: {name} {value}, rows sum {summed}"

    def test_every_paged_page_pages_to_its_total(self, zone: Site) -> None:
        for path, route in html_lists(zone):
            walk_page(zone, path, route)
