"""No dead ends: a menu, a tab or a profile section is offered only to a role that may open it,
and a refusal page speaks in words and links to a page its reader may open."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Site
from yuanqu.core.auth import Role


class TestRefusalPage:
    def test_names_no_error_code_and_links_to_the_readers_home(self, site: Site) -> None:
        firm = site.account(Role.enterprise).uscc
        client = site.client(Role.enterprise)
        refused = client.get("/stats/economy")
        assert refused.status_code == 403
        assert "forbidden" not in refused.text
        assert "无权访问" in refused.text
        # A firm's home is its own portal (the service desk's), which shows its profile too.
        assert '<a href="/portal" role="button"' in refused.text
        assert 'class="brand" href="/portal"' in refused.text
        assert client.get("/portal").status_code == 200
        assert client.get(f"/enterprises/{firm}").status_code == 200

    def test_english_refusal_names_the_role_not_its_code(self, site: Site) -> None:
        client = site.client(Role.task_force)
        client.cookies.set("yuanqu_lang", "en")
        refused = client.get("/grants/batches")
        assert refused.status_code == 403
        assert "Task force member" in refused.text and "task_force" not in refused.text


@pytest.mark.parametrize("role", list(Role))
def test_every_menu_entry_and_project_tab_opens(site: Site, role: Role) -> None:
    client = site.client(role)
    home = "/" if role != Role.enterprise else "/portal"
    page = client.get(home).text
    menu = re.search(r'<ul class="menu"[^>]*>(.*?)</ul>', page, re.S)
    assert menu, "the page has its menu"
    entries = re.findall(r'<a href="(/[^"?]*)"', menu.group(1))
    assert entries
    for href in entries:
        if href.startswith("/lang/"):
            continue
        opened = client.get(href, follow_redirects=True)  # /chains opens its first chain
        assert opened.status_code == 200, f"{role}: menu entry {href}"
    if "/projects" in entries:
        tabs = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', client.get("/projects").text, re.S)
        assert tabs
        for href in re.findall(r'<a href="(/[^"]*)"', tabs.group(1)):
            assert client.get(href).status_code == 200, f"{role}: project tab {href}"


@pytest.mark.parametrize("role", [Role.analyst, Role.policy_officer, Role.project_officer])
def test_a_profile_offers_only_the_sections_the_role_may_open(site: Site, role: Role) -> None:
    client = site.client(role)
    profile = client.get(f"/enterprises/{site.other_uscc}").text
    sections = re.findall(r'hx-get="(/enterprises/[0-9A-Z]{18}/[a-z]+)"', profile)
    assert sections, "a profile shows some sections"
    for path in sections:
        assert client.get(path, headers={"HX-Request": "true"}).status_code == 200, path


def test_the_analyst_is_not_offered_the_project_import(site: Site) -> None:
    analyst = site.client(Role.analyst).get("/projects").text
    assert 'href="/projects/import"' not in analyst
    officer = site.client(Role.project_officer).get("/projects").text
    assert 'href="/projects/import"' in officer
