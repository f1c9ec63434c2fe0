"""The security regression suite runs against the same served demo zone as the web tests."""

from __future__ import annotations

from tests.web.conftest import Site, site  # noqa: F401 (the fixture, shared with tests/web)

__all__ = ["Site"]
