"""The page cache: the same bytes as a fresh render, never one reader's page for another, and
nothing served from before an import."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.factories.registry import new_uscc
from tests.web.conftest import Site, login, seed_site
from yuanqu.app import create_app
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import (
    all_data_versions,
    data_version,
    dispose_engines,
    make_engine,
    migrate,
    session_scope,
)
from yuanqu.registry import service
from yuanqu.web import pagecache
from yuanqu.web.pagecache import reader_scope

PAGES = (
    "/?as_of=2023-12-31",
    "/enterprises?label=high_tech&as_of=2023-12-31&page=2&page_size=10",
    "/enterprises?sort=employees&desc=true&lang=en",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_site(request: pytest.FixtureRequest, tmp_path) -> Iterator[Site]:
    """A site of its own: these tests import into it, which the shared site must not see."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cache.db'}"
    else:
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"{PG_ENV} is not set")
        url = _create_pg_database(base)
    migrate(url)
    accounts, tokens, other_uscc, other_name = seed_site(url)
    app = create_app(url, key="test-secret")
    yield Site(request.param, url, app, accounts, tokens, other_uscc, other_name)
    dispose_engines()
    if request.param == "postgresql":
        _drop_pg_database(url)


def reader(site: Site, username: str) -> tuple[TestClient, str]:
    """A client logged in through the form, and its session's CSRF token."""
    client = TestClient(site.app, follow_redirects=False)
    return client, login(client, username, site.accounts[username].password)


def csrf_in(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


class TestSameBytes:
    @pytest.mark.parametrize("path", PAGES)
    @pytest.mark.parametrize("fragment", [False, True])
    def test_cached_page_is_the_page_rendered_afresh(
        self, site: Site, path: str, fragment: bool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        client, _csrf = reader(site, "analyst")
        headers = {"HX-Request": "true"} if fragment else {}
        first = client.get(path, headers=headers)
        hits = pagecache.PAGES.hits
        second = client.get(path, headers=headers)
        assert pagecache.PAGES.hits == hits + 1  # the second one came from the cache
        monkeypatch.setattr(pagecache, "ENABLED", False)
        fresh = client.get(path, headers=headers)
        assert first.status_code == second.status_code == fresh.status_code == 200
        assert first.text == second.text == fresh.text


# Pages kept by every dataset's version (render_kept), as a reader who may open each.
KEPT = (
    ("analyst", "/stats/economy"),
    ("analyst", "/briefing"),
    ("analyst", "/plans"),
    ("analyst", "/watch"),
    ("analyst", "/mu"),
    ("analyst", "/av"),
    ("analyst", "/agreements"),
    ("analyst", "/projects"),
    ("analyst", "/space"),
    ("analyst", "/leads"),
    ("analyst", "/insurance"),
    ("analyst", "/chains/ic"),
    ("taskforce", "/stats/economy"),
    ("taskforce", "/projects"),
    ("admin", "/grants"),
    ("admin", "/mu"),
    ("policy", "/grants/notice"),
    ("enterprise", "/grants"),
    ("enterprise", "/agreements"),
    ("enterprise", "/portal"),
    ("analyst", "/funds"),
    ("admin", "/funds"),
    ("admin", "/registry/import"),
    ("enterprise", "/account/password"),
)
TABS = ("", "/statistics", "/projects", "/insurance", "/space", "/av", "/chain", "/funds", "/mu")


class TestKeptPages:
    @pytest.mark.parametrize(("username", "path"), KEPT)
    def test_kept_page_is_the_page_rendered_afresh(
        self, site: Site, username: str, path: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        client, csrf = reader(site, username)
        first = client.get(path)
        hits = pagecache.PAGES.hits
        second = client.get(path)
        assert pagecache.PAGES.hits == hits + 1  # kept
        monkeypatch.setattr(pagecache, "ENABLED", False)
        fresh = client.get(path)
        assert first.status_code == second.status_code == fresh.status_code == 200
        assert first.text == second.text == fresh.text
        assert pagecache.CSRF_MARK not in first.text
        assert csrf_in(first.text) <= {csrf}  # every form carries this reader's own token

    @pytest.mark.parametrize("username", ["enterprise", "analyst", "taskforce"])
    @pytest.mark.parametrize("tab", TABS)
    def test_kept_profile_and_tabs_are_rendered_afresh(
        self, site: Site, username: str, tab: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        client, _csrf = reader(site, username)
        path = f"/enterprises/{site.account(Role.enterprise).uscc}{tab}"
        headers = {"HX-Request": "true"} if tab else {}
        first = client.get(path, headers=headers)
        if first.status_code == 403:  # a tab this role may not open stays closed
            return
        second = client.get(path, headers=headers)
        monkeypatch.setattr(pagecache, "ENABLED", False)
        fresh = client.get(path, headers=headers)
        assert first.status_code == 200, first.text[:300]
        assert first.text == second.text == fresh.text

    def test_a_kept_form_carries_each_readers_token(self, site: Site) -> None:
        one, one_csrf = reader(site, "admin")
        two, two_csrf = reader(site, "admin")  # the same account, another session
        assert one_csrf != two_csrf
        assert csrf_in(one.get("/mu").text) <= {one_csrf}
        page = two.get("/mu").text
        assert csrf_in(page) <= {two_csrf} and one_csrf not in page


class TestReaders:
    def test_readers_of_one_url_never_share_a_page(self, site: Site) -> None:
        path = "/enterprises?page=1&page_size=200"
        analyst, analyst_csrf = reader(site, "analyst")
        every = analyst.get(path).text  # cached first, by the reader who sees every firm
        assert site.other_uscc in every
        for username in ("enterprise", "taskforce"):
            client, csrf = reader(site, username)
            page = client.get(path)
            assert page.status_code == 200
            twin = client.get("/api/v1/enterprises", params={"page_size": 200}).json()
            shown = set(re.findall(r'href="/enterprises/([0-9A-Z]{18})"', page.text))
            assert shown == {firm["uscc"] for firm in twin["items"]}
            assert len(shown) < len(set(re.findall(r'href="/enterprises/([0-9A-Z]{18})"', every)))
            assert csrf_in(page.text) == {csrf} != {analyst_csrf}
            assert "演示分析员" not in page.text
        firm_page = reader(site, "enterprise")[0].get(path).text
        assert site.other_uscc not in firm_page
        assert set(re.findall(r'href="/enterprises/([0-9A-Z]{18})"', firm_page)) == {
            site.account(Role.enterprise).uscc
        }
        # the analyst, served from the cache again, still sees its own frame
        again = analyst.get(path).text
        assert csrf_in(again) == {analyst_csrf} and "演示分析员" in again

    def test_readers_of_one_scope_each_see_their_own_name(self, fresh_site: Site) -> None:
        """The whole page is kept per reader's frame: two analysts share the page's blocks
        (their scope is the same) but each sees their own name and token around them."""
        from yuanqu.accounts.schemas import UserCreate
        from yuanqu.accounts.service import create_user

        engine = make_engine(fresh_site.url)
        try:
            with session_scope(engine) as session:
                data = UserCreate(
                    username="analyst2",
                    password="x",
                    role=Role.analyst,
                    display_name="第二位分析员",
                )
                create_user(session, data=data, check_strength=False)
        finally:
            engine.dispose()
        first, first_csrf = reader(fresh_site, "analyst")
        second = TestClient(fresh_site.app, follow_redirects=False)
        second_csrf = login(second, "analyst2", "x")
        for path in ("/chains/aerospace", "/agreements", "/registry/import"):
            mine, theirs = first.get(path).text, second.get(path).text
            again = first.get(path).text
            assert mine == again
            assert "演示分析员" in mine and "第二位分析员" not in mine
            assert "第二位分析员" in theirs and "演示分析员" not in theirs
            assert csrf_in(theirs) <= {second_csrf} and first_csrf not in theirs

    def test_scope_separates_firms_and_task_forces(self) -> None:
        def firm(uscc: str) -> Principal:
            return Principal(user_id=1, username="a", role=Role.enterprise, uscc=uscc)

        def force(*codes: str) -> Principal:
            return Principal(user_id=2, username="b", role=Role.task_force, task_forces=codes)

        assert reader_scope(firm("A")) != reader_scope(firm("B"))
        assert reader_scope(force("ic")) != reader_scope(force("ic", "auto"))
        assert reader_scope(force("ic", "auto")) == reader_scope(force("auto", "ic"))
        analyst = Principal(user_id=3, username="c", role=Role.analyst)
        officer = Principal(user_id=4, username="d", role=Role.policy_officer)
        assert reader_scope(analyst) != reader_scope(officer)


class TestInvalidation:
    def test_an_import_invalidates_cached_pages(self, fresh_site: Site) -> None:
        client, csrf = reader(fresh_site, "analyst")
        search = "/enterprises?q=缓存失效测试"
        before = client.get(search).text
        assert "缓存失效测试" in before and "/enterprises/9" not in before
        assert client.get(search).text == before  # now cached
        dashboard = client.get("/?as_of=2023-12-31").text
        uscc = new_uscc()
        csv = f"统一社会信用代码,企业名称,行业代码\n{uscc},缓存失效测试科技有限公司,3973\n"
        done = client.post(
            "/registry/import",
            files={"file": ("firms.csv", csv.encode(), "text/csv")},
            data={"csrf_token": csrf},
        )
        assert done.status_code == 200, done.text
        after = client.get(search).text
        assert f'href="/enterprises/{uscc}"' in after
        engine = make_engine(fresh_site.url)
        try:
            with session_scope(engine) as session:
                version = data_version(session, "registry")
        finally:
            engine.dispose()
        fresh_dashboard = client.get("/?as_of=2023-12-31").text
        assert f"{version}" in fresh_dashboard and f"{version}" not in dashboard

    def test_a_workflow_write_invalidates_kept_pages(self, fresh_site: Site) -> None:
        """Not only imports: a request filed at the service desk is on the desk's list and in
        the briefing's figures at once (its unit of work bumped the service desk's version)."""
        from tests.factories.service import new_request

        client, _csrf = reader(fresh_site, "admin")
        path = "/service?q=缓存测试诉求"
        before = client.get(path).text
        assert client.get(path).text == before  # kept
        engine = make_engine(fresh_site.url)
        try:
            with session_scope(engine) as session:
                versions = dict(all_data_versions(session))
                filed = new_request(
                    session, None, content="缓存测试诉求：路灯不亮", contact_name="王先生"
                )
                ticket = filed.ticket_no
            with session_scope(engine) as session:
                after_versions = dict(all_data_versions(session))
        finally:
            engine.dispose()
        assert after_versions["service"] > versions.get("service", 0)
        assert ticket not in before
        assert ticket in client.get(path).text

    def test_a_task_force_rename_invalidates_cached_pages(self, fresh_site: Site) -> None:
        client, _csrf = reader(fresh_site, "analyst")
        assert "改名后的专班" not in client.get("/?as_of=2023-12-31").text
        engine = make_engine(fresh_site.url)
        try:
            with session_scope(engine) as session:
                force = service.list_task_forces(session)[0]
                service.upsert_task_force(
                    session, code=force.code, name_zh="改名后的专班", name_en="Renamed"
                )
        finally:
            engine.dispose()
        assert "改名后的专班" in client.get("/?as_of=2023-12-31").text
        assert "改名后的专班" in client.get("/enterprises").text
