"""What is computed ahead of readers (issue #25): the profile's tabs kept as pages, the serve-time
warm-up, and the bound on what is kept. Correctness only: a kept tab is the tab rendered
afresh, a reader never gets another's, an import is seen at once, the bound holds."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories.registry import new_uscc
from tests.web.conftest import Site
from tests.web.test_page_cache import fresh_site, reader  # noqa: F401  # fixtures
from yuanqu.app import create_app
from yuanqu.chains import service as chains
from yuanqu.core.auth import Role
from yuanqu.core.cache import LruCache
from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.db import make_engine, session_factory
from yuanqu.policies import service as policies
from yuanqu.policies import views as policy_views
from yuanqu.policies.load import cache_key
from yuanqu.warmup import Warmer, data_versions
from yuanqu.web import pagecache

TABS = ("policies", "chain")
FRAGMENT = {"HX-Request": "true"}


def tab(client: TestClient, uscc: str, name: str) -> str:
    response = client.get(f"/enterprises/{uscc}/{name}", headers=FRAGMENT)
    assert response.status_code == 200, response.text
    return response.text


def import_firm(client: TestClient, csrf: str) -> str:
    """A registry import through the page (it bumps the registry's data version)."""
    uscc = new_uscc()
    csv = f"统一社会信用代码,企业名称,行业代码\n{uscc},预热失效测试芯片有限公司,3973\n"
    done = client.post(
        "/registry/import",
        files={"file": ("firms.csv", csv.encode(), "text/csv")},
        data={"csrf_token": csrf},
    )
    assert done.status_code == 200, done.text
    return uscc


class TestKeptTabs:
    @pytest.mark.parametrize("name", TABS)
    def test_a_kept_tab_is_the_tab_rendered_afresh(
        self, site: Site, name: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        client, _csrf = reader(site, "analyst")
        first = tab(client, site.other_uscc, name)
        hits = pagecache.PAGES.hits
        second = tab(client, site.other_uscc, name)
        assert pagecache.PAGES.hits == hits + 1  # served from memory
        monkeypatch.setattr(pagecache, "ENABLED", False)
        assert first == second == tab(client, site.other_uscc, name)

    @pytest.mark.parametrize("name", TABS)
    def test_a_firm_never_reads_another_firms_kept_tab(self, site: Site, name: str) -> None:
        analyst, _ = reader(site, "analyst")
        kept = tab(analyst, site.other_uscc, name)  # kept first, by a reader who sees every firm
        assert site.other_uscc in kept or site.other_name in kept or name == "policies"
        firm, _ = reader(site, "enterprise")
        refused = firm.get(f"/enterprises/{site.other_uscc}/{name}", headers=FRAGMENT)
        assert refused.status_code in (403, 404)
        assert site.other_name not in refused.text
        own = site.account(Role.enterprise).uscc
        assert tab(firm, own, name) != kept

    def test_roles_keep_their_own_chain_tab(self, site: Site) -> None:
        """The chain tab links to the maps for staff, not for the firm: each reader scope
        keeps its own copy, so a copy kept for one is never served to the other."""
        own = site.account(Role.enterprise).uscc
        analyst, _ = reader(site, "analyst")
        firm, _ = reader(site, "enterprise")
        staff_view, firm_view = tab(analyst, own, "chain"), tab(firm, own, "chain")
        assert tab(firm, own, "chain") == firm_view
        if 'href="/chains/' in staff_view:
            assert 'href="/chains/' not in firm_view

    def test_an_import_is_seen_at_once_by_a_kept_tab(
        self,
        fresh_site: Site,  # noqa: F811  # the fixture imported above
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        client, csrf = reader(fresh_site, "analyst")
        for name in TABS:
            tab(client, fresh_site.other_uscc, name)
        uscc = import_firm(client, csrf)
        misses = pagecache.PAGES.misses
        after = {name: tab(client, uscc, name) for name in TABS}
        again = {name: tab(client, fresh_site.other_uscc, name) for name in TABS}
        assert pagecache.PAGES.misses == misses + 2 * len(TABS)  # nothing kept from before
        monkeypatch.setattr(pagecache, "ENABLED", False)
        for name in TABS:
            assert after[name] == tab(client, uscc, name)
            assert again[name] == tab(client, fresh_site.other_uscc, name)


class TestBound:
    def test_the_page_cache_keeps_no_more_than_its_setting(self, site: Site) -> None:
        saved = get_settings()
        try:
            configure(page_cache_entries=2)
            app = create_app(site.url, key="test-secret")
            assert pagecache.PAGES.size == 2
            client = TestClient(app, follow_redirects=False)
            from tests.web.conftest import login

            login(client, "analyst", site.accounts["analyst"].password)
            for page in range(1, 5):
                assert client.get(f"/enterprises?page={page}&page_size=5").status_code == 200
                assert len(pagecache.PAGES) <= 2
            configure(page_cache_entries=0)
            create_app(site.url, key="test-secret")
            assert len(pagecache.PAGES) == 0
            assert client.get("/enterprises?page=1&page_size=5").status_code == 200
            assert len(pagecache.PAGES) == 0
        finally:
            restore_settings(saved)
            pagecache.bound(saved.page_cache_entries)

    def test_resize_drops_the_oldest_first(self) -> None:
        cache: LruCache[int] = LruCache(4)
        for key in "abcd":
            cache.get_or_compute(key, lambda k=key: ord(k))
        cache.get("a")  # used: now the newest
        cache.resize(2)
        assert len(cache) == 2 and cache.get("a") == ord("a") and cache.get("d") == ord("d")
        assert cache.get("b") is None and cache.get("c") is None


class TestWarmer:
    def test_warms_at_start_and_again_after_an_import(self, fresh_site: Site) -> None:  # noqa: F811
        engine = make_engine(fresh_site.url)
        sessions = session_factory(engine)
        try:
            warmer = Warmer(sessions, interval=3600)
            assert warmer.check() is True  # the first look warms
            with sessions() as session:
                year = policy_views.default_year(session)
                key = cache_key(session)
                placed = chains.placement_key(session)
                ids = tuple(p.id for p in policies.in_effect_policies(year))
                assert warmer.warmed == data_versions(session)
            # What the pages read is there, under the current versions.
            assert policies._BATCHES.get((key, year, ids)) is not None
            assert placed in chains._PLACEMENTS
            assert warmer.check() is False  # nothing changed: nothing done

            client, csrf = reader(fresh_site, "analyst")
            import_firm(client, csrf)
            assert warmer.check() is True  # the import bumped a version: warmed again
            with sessions() as session:
                new_key, new_placed = cache_key(session), chains.placement_key(session)
            assert new_key != key and new_placed != placed
            assert policies._BATCHES.get((new_key, year, ids)) is not None
            assert new_placed in chains._PLACEMENTS
            assert warmer.runs == 2
        finally:
            engine.dispose()

    def test_what_it_warmed_is_left_out_of_full_collections(self, fresh_site: Site) -> None:  # noqa: F811
        """A full collection walked every kept result, holding every request for 130 ms."""
        import gc

        engine = make_engine(fresh_site.url)
        try:
            gc.unfreeze()
            assert gc.get_freeze_count() == 0
            assert Warmer(session_factory(engine), interval=3600).check() is True
            assert gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
            engine.dispose()

    def test_the_thread_warms_and_stops(self, fresh_site: Site) -> None:  # noqa: F811
        engine = make_engine(fresh_site.url)
        try:
            warmer = Warmer(session_factory(engine), interval=0.05).start()
            import time

            deadline = time.monotonic() + 300
            while warmer.runs == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            warmer.stop()
            assert warmer.runs == 1  # no data changed after the first warm-up
        finally:
            engine.dispose()
