"""The request workflow: which move leads from which state, who may make it.

receive -> dispatch -> sign for -> handle (first contact, interim replies) -> close -> follow up.
The owning unit may send a request it has not signed for back to the dispatcher (a wrong unit);
once it has signed, it owns the request until it is closed (首接负责). A firm not satisfied, or not
solved, has it reopened (复查复核); the desk escalates a late request to the owning unit's head.
"""

from __future__ import annotations

from dataclasses import dataclass

from yuanqu.core.auth import Role
from yuanqu.service.models import RequestStatus as S

#: The desk (亦企服务港): receives, dispatches, follows up, reopens and escalates.
DESK = frozenset({Role.admin})
#: Roles whose accounts may work for a unit (membership decides which).
UNIT_ROLES = frozenset({Role.admin, Role.task_force, Role.policy_officer, Role.project_officer})
#: Roles that read every request.
ALL_READERS = frozenset({Role.admin, Role.analyst})

OPEN = (S.received, S.dispatched, S.in_progress, S.returned)
DONE = (S.closed, S.followed_up)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the request stays where it is (a note on its timeline)
    roles: frozenset[Role]
    by_owner: bool  # the actor must work for the owning unit
    zh: str
    en: str

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


def _t(
    name: str,
    sources: set[str],
    target: str | None,
    roles: frozenset[Role],
    zh: str,
    en: str,
    *,
    by_owner: bool = False,
) -> Transition:
    return Transition(name, frozenset(sources), target, roles, by_owner, zh, en)


OWNER = UNIT_ROLES
FIRM_OR_DESK = frozenset({Role.admin, Role.enterprise})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("dispatch", {S.received, S.returned}, S.dispatched, DESK, "派单", "dispatch"),
        _t("sign", {S.dispatched}, S.in_progress, OWNER, "签收", "sign for", by_owner=True),
        _t(
            "send_back",
            {S.dispatched},
            S.returned,
            OWNER,
            "退回派单",
            "send back to the dispatcher",
            by_owner=True,
        ),
        _t("contact", {S.in_progress}, None, OWNER, "首次联系企业", "contact", by_owner=True),
        _t("reply", {S.in_progress}, None, OWNER, "阶段性答复", "interim reply", by_owner=True),
        _t("close", {S.in_progress}, S.closed, OWNER, "办结", "close", by_owner=True),
        _t("follow_up", {S.closed}, S.followed_up, FIRM_OR_DESK, "回访评价", "follow up"),
        _t("reopen", {S.followed_up}, S.in_progress, FIRM_OR_DESK, "复查复核", "reopen"),
        _t("escalate", set(OPEN), None, DESK, "超期督办", "escalate"),
    )
}

#: The action that created the request, as its timeline names it.
CREATED = {"zh": "受理", "en": "received"}
