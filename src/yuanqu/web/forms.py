"""Form errors for people: a Pydantic validation error or a domain error turned into a message per
field in the reader's language, shown beside the field it concerns (the rest above the form)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from yuanqu.core.errors import YuanquError

FORM = "_form"  # the key of an error that concerns no one field

_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必填", "required"),
    "int_parsing": ("应为整数", "a whole number"),
    "int_from_float": ("应为整数", "a whole number"),
    "float_parsing": ("应为数字", "a number"),
    "date_parsing": ("应为日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("应为日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "string_too_short": ("至少 {min_length} 个字", "at least {min_length} characters"),
    "string_too_long": ("至多 {max_length} 个字", "at most {max_length} characters"),
    "greater_than": ("应大于 {gt}", "greater than {gt}"),
    "greater_than_equal": ("应不小于 {ge}", "at least {ge}"),
    "less_than": ("应小于 {lt}", "less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "at most {le}"),
}


def _message(error: Any, lang: str) -> str:
    pair = _MESSAGES.get(error["type"])
    if pair is None:
        return str(error["msg"])
    bounds = {k: _plain(v) for k, v in (error.get("ctx") or {}).items()}
    return pair[lang == "en"].format(**bounds)


def _plain(value: Any) -> Any:
    """A bound as a person writes it: 100, not 100.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def form_errors(error: PydanticValidationError | YuanquError, lang: str) -> dict[str, str]:
    """field -> message (``FORM``: the error of the whole form)."""
    if isinstance(error, YuanquError):
        details = error.details if isinstance(error.details, dict) else {}
        return {str(details.get("field") or FORM): error.message(lang)}
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else FORM
        found.setdefault(field, _message(item, lang))
    return found
