"""Typed domain errors: a stable code, an HTTP status and a message in Chinese and English.

The API renders them as ``{code, message, details}`` with a 4xx status; the CLI prints the
message in the chosen language and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class YuanquError(Exception):
    """Base of every error a user can cause and fix."""

    code: str = "error"
    status: int = 400

    def __init__(
        self,
        zh: str,
        en: str,
        *,
        code: str | None = None,
        details: Any = None,
        status: int | None = None,
    ) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"code": self.code, "message": self.message(lang), "details": self.details}


class ValidationError(YuanquError):
    """Input that breaks a rule: a bad field, a bad row, a bad file."""

    code = "validation_error"
    status = 422


class NotFound(YuanquError):
    code = "not_found"
    status = 404


class Conflict(YuanquError):
    """The request contradicts the current state (a duplicate, a transition not allowed)."""

    code = "conflict"
    status = 409


class Forbidden(YuanquError):
    code = "forbidden"
    status = 403


class Unauthorized(YuanquError):
    code = "unauthorized"
    status = 401


class RateLimited(YuanquError):
    """Too many attempts: come back after ``retry_after`` seconds (sent as ``Retry-After``)."""

    code = "too_many_requests"
    status = 429

    def __init__(self, zh: str, en: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(zh, en, **kwargs)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
