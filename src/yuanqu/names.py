"""Names where a page would otherwise show a code: a task force's name for ``ic``, a policy's
title for ``rd_support``, "3985 电子专用材料制造" for ``3985``, 待企业确认 for
``awaiting_confirmation``. Templates reach them through ``names`` (see ``templating.render``).

Codes stay in URLs, JSON and form values; these are only the words a person reads. An unknown
code is shown as it is (a name never invents a meaning).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import select

from yuanqu.core.industry import industry_catalog

#: Audit actions that are not case transitions, by entity, in zh and en.
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "match": ("测算匹配", "matched by the engine"),
    "create": ("创建", "created"),
    "open": ("开立", "opened"),
    "confirm_paid": ("确认付款完成", "payment confirmed"),
    "set_budget": ("设定预算", "budget set"),
    "stage": ("阶段变更", "stage changed"),
    "schedule": ("排入付款", "payment scheduled"),
    "mark_paid": ("确认已付", "marked paid"),
}
AUDIT_ENTITIES: dict[str, tuple[str, str]] = {
    "grant_case": ("兑现案件", "case"),
    "grant_payment": ("付款", "payment"),
    "grant_batch": ("付款批次", "payment batch"),
    "grant_budget": ("预算", "budget"),
    "lead": ("招商线索", "lead"),
    "project": ("项目", "project"),
}


@cache
def _policy_titles() -> dict[str, tuple[str, str]]:
    from yuanqu.policies.service import shipped_policies

    return {p.id: (p.title_zh, p.title_en) for p in shipped_policies()}


def policy_title(policy_id: str | None, lang: str = "zh") -> str:
    if not policy_id:
        return "—"
    titles = _policy_titles().get(policy_id)
    return titles[lang == "en"] if titles else policy_id


def industry_name(code: str | None, lang: str = "zh") -> str:
    """The GB/T 4754 name of ``code`` in ``lang`` (Chinese below division level), or ""."""
    if not code:
        return ""
    found = industry_catalog().find(code)
    return found.label(lang) if found else ""


def industry_label(code: str | None, lang: str = "zh") -> str:
    """``3985 电子专用材料制造``: the code and its name, as officials write an industry."""
    if not code:
        return "—"
    name = industry_name(code, lang)
    return f"{code} {name}" if name else code


def case_status(status: str | None, lang: str = "zh") -> str:
    from yuanqu.grants.workflow import status_name

    return status_name(status, lang) if status else ""


def audit_action(action: str, lang: str = "zh") -> str:
    from yuanqu.grants.workflow import TRANSITIONS

    if action in AUDIT_ACTIONS:
        return AUDIT_ACTIONS[action][lang == "en"]
    if action in TRANSITIONS:
        t = TRANSITIONS[action]
        return t.en if lang == "en" else t.zh
    return action.replace("_", " ")


def audit_entity(entity: str, lang: str = "zh") -> str:
    names = AUDIT_ENTITIES.get(entity)
    return names[lang == "en"] if names else entity.replace("_", " ")


EXCHANGES: dict[str, tuple[str, str]] = {
    "SSE": ("上海证券交易所", "Shanghai Stock Exchange"),
    "SZSE": ("深圳证券交易所", "Shenzhen Stock Exchange"),
    "BSE": ("北京证券交易所", "Beijing Stock Exchange"),
    "HKEX": ("香港交易所", "Hong Kong Exchanges"),
    "NASDAQ": ("纳斯达克", "Nasdaq"),
    "NYSE": ("纽约证券交易所", "New York Stock Exchange"),
}


def exchange_name(code: str | None, lang: str = "zh") -> str:
    if not code:
        return ""
    names = EXCHANGES.get(code.upper())
    return names[lang == "en"] if names else code


def placement_reason(matched: str | None, lang: str = "zh") -> str:
    """Why a firm sits on a chain segment, in words: the placement writes ``code 3985; keyword
    芯片`` (its industry code under the segment's codes, a keyword found in its name or scope)."""
    if not matched:
        return "—"
    parts = []
    for part in matched.split(";"):
        kind, _, value = part.strip().partition(" ")
        if kind == "code":
            label = industry_label(value, lang)
            parts.append(f"industry {label}" if lang == "en" else f"行业 {label}")
        elif kind == "keyword":
            parts.append(
                f"name or business scope mentions “{value}”"
                if lang == "en"
                else f"名称或经营范围含“{value}”"
            )
        elif part.strip():
            parts.append(part.strip())
    return ("; " if lang == "en" else "；").join(parts)


class Names:
    """The names one page needs, read lazily: a page that shows no task force reads none."""

    def __init__(self, sessionmaker: Any, lang: str) -> None:
        self._sessionmaker = sessionmaker
        self.lang = lang
        self._task_forces: dict[str, str] | None = None

    def task_force(self, code: str | None) -> str:
        if not code:
            return "—"
        if self._task_forces is None:
            self._task_forces = self._read_task_forces()
        return self._task_forces.get(code, code)

    def _read_task_forces(self) -> dict[str, str]:
        from yuanqu.registry.firms import TaskForce

        if self._sessionmaker is None:
            return {}
        with self._sessionmaker() as session:
            return {tf.code: tf.name(self.lang) for tf in session.scalars(select(TaskForce))}

    def task_forces(self, codes: Any) -> str:
        separator = ", " if self.lang == "en" else "、"
        return separator.join(self.task_force(c) for c in codes or ()) or "—"

    def policy(self, policy_id: str | None) -> str:
        return policy_title(policy_id, self.lang)

    def industry(self, code: str | None) -> str:
        return industry_label(code, self.lang)

    def industry_name(self, code: str | None) -> str:
        return industry_name(code, self.lang)

    def exchange(self, code: str | None) -> str:
        return exchange_name(code, self.lang)

    def placement(self, matched: str | None) -> str:
        return placement_reason(matched, self.lang)

    def status(self, status: str | None) -> str:
        return case_status(status, self.lang)

    def action(self, action: str) -> str:
        return audit_action(action, self.lang)

    def entity(self, entity: str) -> str:
        return audit_entity(entity, self.lang)
