"""Security headers on every response, and the Secure flag on every cookie over HTTPS.

The Content-Security-Policy fits the site as it is: scripts and styles come only from
``/static`` (no inline script, no inline event handler, no ``style=`` attribute in the
templates; chart options travel as ``<script type="application/json">`` data, which is not run).
ECharts writes its tooltips as HTML with ``style`` attributes, so attributes (and only they, not
``<style>`` elements) may carry inline style: ``style-src-attr 'unsafe-inline'``. Nothing can
frame the site (``frame-ancestors 'none'``): the approve and pay pages cannot be clickjacked.
"""

from __future__ import annotations

from typing import Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

CookieSecure = Literal["auto", "always", "never"]


def wants_secure_cookies(scope: Scope, setting: CookieSecure) -> bool:
    """``auto``: when the request came over HTTPS, as the server sees it.

    Behind a proxy that ends TLS, uvicorn takes the scheme from ``X-Forwarded-Proto`` when the
    proxy's address is in ``--forwarded-allow-ips`` (``FORWARDED_ALLOW_IPS``; default 127.0.0.1).
    """
    if setting == "always":
        return True
    return setting == "auto" and scope.get("scheme") == "https"


class SecurityHeaders:
    """ASGI middleware: the headers above on every response; ``Secure`` on cookies over HTTPS."""

    def __init__(self, app: ASGIApp, *, cookie_secure: CookieSecure = "auto") -> None:
        self.app = app
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = wants_secure_cookies(scope, self.cookie_secure)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                if secure:
                    headers = [_secure_cookie(name, value) for name, value in headers]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    if name.lower() != b"set-cookie":
        return name, value
    flags = [part.strip().lower() for part in value.split(b";")[1:]]
    return (name, value) if b"secure" in flags else (name, value + b"; Secure")
