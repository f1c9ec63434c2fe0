"""Pages and their JSON twins: login with CSRF, language, directory, profile, import, errors."""

from __future__ import annotations

import re

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role


class TestLogin:
    def test_login_sets_httponly_samesite_cookie_and_lands_home(self, site: Site) -> None:
        client = site.client()
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        account = site.accounts["analyst"]
        response = client.post(
            "/login",
            data={"username": "analyst", "password": account.password, "csrf_token": token},
        )
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert client.get("/").status_code == 200

    def test_form_without_csrf_token_is_refused(self, site: Site) -> None:
        client = site.client()
        client.get("/login")
        response = client.post("/login", data={"username": "admin", "password": "x"})
        assert response.status_code == 403
        assert "CSRF" in response.text

    def test_wrong_password_is_one_vague_error(self, site: Site) -> None:
        client = site.client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        response = client.post(
            "/login", data={"username": "admin", "password": "nope", "csrf_token": token.group(1)}
        )
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text

    def test_enterprise_user_lands_on_own_profile(self, site: Site) -> None:
        client = site.client()
        account = site.accounts["enterprise"]
        login(client, "enterprise", account.password)
        assert account.uscc
        home = client.get("/")  # a firm's home is its own portal
        assert home.status_code == 303 and home.headers["location"] == "/portal"

    def test_logout_needs_csrf_and_ends_the_session(self, site: Site) -> None:
        client = site.client()
        csrf = login(client, "policy", site.accounts["policy"].password)
        assert client.post("/logout").status_code == 403
        assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert client.get("/enterprises").status_code == 303

    def test_open_redirects_are_refused(self, site: Site) -> None:
        response = site.client().get("/lang/en", params={"next": "//evil.example/x"})
        assert response.headers["location"] == "/"


class TestLanguage:
    def test_chinese_by_default_english_remembered(self, site: Site) -> None:
        client = site.client(Role.analyst)
        assert "企业名录" in client.get("/enterprises").text
        switched = client.get("/lang/en", params={"next": "/enterprises"})
        assert switched.headers["location"] == "/enterprises"
        client.cookies.set("yuanqu_lang", switched.cookies["yuanqu_lang"])
        page = client.get("/enterprises").text
        assert "Enterprise directory" in page and "企业名录" not in page

    def test_one_english_word_reads_by_its_meaning(self, site: Site) -> None:
        # "Name" is a person's 姓名 on the accounts page and a firm's 名称 in the directory
        users = site.client(Role.admin).get("/admin/users").text
        assert '<th scope="col">姓名</th>' in users and "名称" not in users
        directory = site.client(Role.analyst).get("/enterprises").text
        assert re.search(r">名称( [↑↓])?</a>", directory)

    def test_money_in_wan_yuan_in_chinese(self, site: Site) -> None:
        page = (
            site.client(Role.analyst)
            .get("/enterprises", params={"sort": "registered_capital", "desc": "true"})
            .text
        )
        assert re.search(r"[\d,.]+(万元|亿元)", page)


class TestDashboard:
    def test_cards_come_from_the_registry(self, site: Site) -> None:
        client = site.client(Role.analyst)
        figures = client.get("/api/v1/dashboard", params={"as_of": "2023-12-31"}).json()
        total = client.get("/api/v1/enterprises", params={"page_size": 1}).json()["total"]
        assert figures["enterprises"] == total
        page = client.get("/", params={"as_of": "2023-12-31"}).text
        high_tech = next(r["count"] for r in figures["labels"] if r["code"] == "high_tech")
        assert f"{high_tech:,}" in page
        assert "echarts.min.js" in page and 'data-chart="sections"' in page


class TestDirectory:
    def test_filter_total_and_description(self, site: Site) -> None:
        client = site.client(Role.analyst)
        params = {"label": "high_tech", "industry": "C", "as_of": "2023-12-31"}
        body = client.get("/api/v1/enterprises", params=params).json()
        assert all(item["industry_section"] == "C" for item in body["items"])
        page = client.get("/enterprises", params=params).text
        assert f"共计: {body['total']:,}" in page
        assert "标签：国家高新技术企业" in page and "行业：C" in page

    def test_htmx_request_gets_the_fragment(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/enterprises", headers={"HX-Request": "true"})
        assert "<html" not in response.text and "<table" in response.text

    def test_bad_industry_code_is_a_clear_error(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/api/v1/enterprises", params={"industry": "Z99"})
        assert response.status_code == 422
        assert set(response.json()) == {"code", "message", "details"}


class TestProfile:
    def test_profile_shows_decoded_code_industry_path_and_slots(self, site: Site) -> None:
        account = site.account(Role.enterprise)
        page = site.client(Role.enterprise).get(f"/enterprises/{account.uscc}").text
        card = site.client(Role.enterprise).get(f"/api/v1/enterprises/{account.uscc}").json()
        assert card["name"] in page and card["industry_path"].split(" › ")[0] in page
        for slot in ("statistics", "policies", "projects", "insurance", "chain"):
            assert f'id="{slot}"' in page

    def test_unknown_firm_is_404_json(self, site: Site) -> None:
        response = site.client(Role.analyst).get("/api/v1/enterprises/91110000MA00000000")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


class TestImport:
    BAD = (
        "uscc,name,industry_code,established,registered_capital,employees,labels\n"
        "91110000MA00000000,坏代码企业,3973,2020-01-01,100,5,\n"
        "91110302MA01ABCD1X,,XX,2020-13-01,-5,many,unknown_label\n"
    ).encode()

    def test_bad_file_lists_every_error_and_writes_nothing(self, site: Site) -> None:
        client = site.client(Role.admin)
        before = client.get("/api/v1/enterprises", params={"page_size": 1}).json()["total"]
        csrf = login(client, "admin", site.accounts["admin"].password)
        del client.headers["Authorization"]
        response = client.post(
            "/registry/import",
            data={"csrf_token": csrf},
            files={"file": ("firms.csv", self.BAD, "text/csv")},
        )
        assert response.status_code == 422
        assert "校验报告" in response.text
        assert response.text.count('<tr><td class="num">') >= 4
        api = site.client(Role.admin).post(
            "/api/v1/registry/import", files={"file": ("firms.csv", self.BAD, "text/csv")}
        )
        assert api.status_code == 422
        body = api.json()
        assert body["code"] == "import_rejected" and len(body["details"]) >= 4
        after = site.client(Role.admin).get("/api/v1/enterprises", params={"page_size": 1})
        assert after.json()["total"] == before


class TestUsers:
    def test_the_kept_users_page_follows_every_account_change(self, site: Site) -> None:
        """Accounts move no data version, so the kept page is keyed by what it shows of every
        account and by its reader: a new account and a disabled one are seen at once, and each
        administrator is offered to disable the others, never themself."""
        admin = site.client(Role.admin)
        me = site.account(Role.admin).username
        first = admin.get("/admin/users").text
        assert f"/admin/users/{me}/disable" not in first
        firm = site.account(Role.enterprise).uscc  # an enterprise account shows its firm's name
        assert admin.get(f"/api/v1/enterprises/{firm}").json()["name"] in first
        for name in ("kept.other", "kept.check"):
            created = admin.post(
                "/api/v1/users",
                json={"username": name, "password": "Correct-Horse-Battery-9", "role": "admin"},
            )
            assert created.status_code == 201, created.text
        page = admin.get("/admin/users").text
        assert "/admin/users/kept.check/disable" in page
        assert "/admin/users/kept.other/disable" in page
        token = admin.post("/api/v1/users/kept.other/tokens", json={"name": "t"}).json()["token"]
        other = site.client()
        other.headers["Authorization"] = f"Bearer {token}"
        theirs = other.get("/admin/users").text
        assert f"/admin/users/{me}/disable" in theirs
        assert "/admin/users/kept.other/disable" not in theirs
        assert admin.post("/api/v1/users/kept.check/disable").status_code == 200
        page = admin.get("/admin/users").text
        assert "kept.check" in page and "/admin/users/kept.check/disable" not in page
        assert f"/admin/users/{me}/disable" not in page
