"""Findings 9 and 11: no security headers, and no way to turn the cookies' Secure flag on.

Every response carries a Content-Security-Policy that runs no inline script and lets nothing
frame the site, ``nosniff``, a Referrer-Policy; the templates hold no inline script, event
handler or style attribute the policy would block. The Secure flag follows
``YUANQU_COOKIE_SECURE`` (auto: on over HTTPS, as uvicorn sees it behind a proxy).
"""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tests.security.conftest import browser
from tests.web.conftest import Site, login
from yuanqu.app import SESSION_COOKIE, create_app
from yuanqu.core.auth import Role
from yuanqu.core.deps import LANG_COOKIE

TEMPLATES = resources.files("yuanqu") / "web" / "templates"


def _csp(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def _assert_headers(response) -> None:
    policy = _csp(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


class TestHeaders:
    def test_every_kind_of_response_has_them(self, site: Site) -> None:
        client = site.client(Role.policy_officer)
        responses = {
            "login page": browser(site).get("/login"),
            "dashboard": client.get("/"),
            "grants (approve and pay)": client.get("/grants"),
            "api": client.get("/api/v1/me"),
            "static file": client.get("/static/js/charts.js"),
            "not found": client.get("/no/such/page"),
            "refused": site.client(Role.enterprise).get("/grants"),
        }
        for name, response in responses.items():
            assert response.status_code < 500, name
            _assert_headers(response)

    def test_a_page_of_a_logged_in_browser_has_them(self, site: Site) -> None:
        client = browser(site)
        login(client, "admin", site.accounts["admin"].password)
        _assert_headers(client.get("/admin/users"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
HX_ON = re.compile(r"\shx-on[:\-]")  # htmx evaluates it as code: blocked by script-src 'self'
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=")
STYLE_ELEMENT = re.compile(r"<style[\s>]")


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, EVENT_HANDLER, HX_ON, STYLE_ATTRIBUTE, STYLE_ELEMENT],
    ids=["inline script", "event handler", "hx-on", "style attribute", "style element"],
)
def test_templates_hold_nothing_the_policy_blocks(pattern: re.Pattern[str]) -> None:
    found = [
        f"{path.name}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")  # type: ignore[attr-defined]
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []


class TestSecureCookie:
    def _cookies(self, response) -> list[str]:
        return response.headers.get_list("set-cookie")

    def test_auto_leaves_it_off_over_plain_http(self, site: Site) -> None:
        response = browser(site).get("/login")
        cookie = next(c for c in self._cookies(response) if c.startswith(SESSION_COOKIE))
        assert "secure" not in cookie.lower()
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()

    def test_auto_turns_it_on_over_https(self, site: Site) -> None:
        client = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
        session_cookie = next(
            c for c in self._cookies(client.get("/login")) if c.startswith(SESSION_COOKIE)
        )
        assert "; Secure" in session_cookie
        lang = client.get("/lang/en?next=/login")
        assert all("; Secure" in c for c in self._cookies(lang) if c.startswith(LANG_COOKIE))

    def test_auto_behind_a_proxy_that_says_https(self, site: Site) -> None:
        """uvicorn --proxy-headers: X-Forwarded-Proto from a trusted proxy makes it HTTPS."""
        proxied = ProxyHeadersMiddleware(site.app, trusted_hosts="127.0.0.1")
        from_proxy = TestClient(proxied, client=("127.0.0.1", 40000), follow_redirects=False)
        response = from_proxy.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert any("; Secure" in c for c in self._cookies(response))
        untrusted = TestClient(proxied, client=("203.0.113.9", 40000), follow_redirects=False)
        response = untrusted.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert not any("secure" in c.lower() for c in self._cookies(response))

    @pytest.mark.parametrize(("setting", "secure"), [("always", True), ("never", False)])
    def test_the_setting_decides(self, site: Site, settings, setting: str, secure: bool) -> None:
        settings(cookie_secure=setting)
        app = create_app(site.url, key="test-secret")
        scheme = "http" if secure else "https"  # against what auto would do
        client = TestClient(app, base_url=f"{scheme}://testserver", follow_redirects=False)
        cookies = self._cookies(client.get("/login"))
        cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE))
        assert ("; Secure" in cookie) is secure
