"""What each reader of a case may see of the people and the account behind it.

- A firm sees the *roles* of the other parties in its case's history (审核人, 公示异议人, 系统),
  never their user names: an objector is not exposed to the firm it objected to, nor a reviewer.
- A bank account is shown in full only to the roles that pay (the policy office, which schedules
  payments and hands the batch to the finance bureau); everyone else sees its last four digits.

Pages, the API, the CLI and the exports read a case through these functions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from yuanqu.core.audit import AuditRecordRead
from yuanqu.core.auth import Principal, Role

#: The roles that pay, and so read bank accounts in full.
PAYERS = frozenset({Role.policy_officer})

#: Actions a firm takes on its own case (its own user is named as 本企业, not by name either).
_FIRM_ACTIONS = frozenset({"apply", "confirm", "appeal", "withdraw"})

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "firm": ("本企业", "the firm"),
    "objector": ("公示异议人", "an objector"),
    "system": ("系统", "the system"),
    "reviewer": ("审核人", "a reviewer"),
}


def sees_full_accounts(principal: Principal) -> bool:
    return principal.role in PAYERS


def mask_account(account: str | None) -> str | None:
    """All but the last four characters hidden: 6222020200112233445 -> ***************3445."""
    if not account:
        return account
    text = str(account)
    return "*" * max(len(text) - 4, 0) + text[-4:]


def account_for(principal: Principal, account: str | None) -> str | None:
    return account if sees_full_accounts(principal) else mask_account(account)


def actor_role(record: AuditRecordRead) -> str:
    """The role a history record's actor played, as a key of :data:`ROLE_LABELS`."""
    if record.action in _FIRM_ACTIONS:
        return "firm"
    if record.action == "object":
        return "objector"
    if record.actor.startswith("system:") or record.action in ("match", "recount_deadline"):
        return "system"
    return "reviewer"


def _masked_state(state: dict[str, Any] | None) -> dict[str, Any] | None:
    if state is None or "bank_account" not in state:
        return state
    return state | {"bank_account": mask_account(state["bank_account"])}


def present_history(
    records: list[AuditRecordRead], principal: Principal, lang: str = "zh"
) -> list[AuditRecordRead]:
    """The case's history as ``principal`` may read it: a firm reads roles instead of names,
    and the account is masked for everyone who does not pay."""
    out = []
    for record in records:
        if principal.role == Role.enterprise:
            zh, en = ROLE_LABELS[actor_role(record)]
            record = dataclasses.replace(record, actor=en if lang == "en" else zh)
        if not sees_full_accounts(principal):
            record = dataclasses.replace(
                record, before=_masked_state(record.before), after=_masked_state(record.after)
            )
        out.append(record)
    return out


def present_case(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A case dict (:func:`yuanqu.grants.queries.case_dict`) as ``principal`` may read it."""
    if "bank_account" in data:
        data["bank_account"] = account_for(principal, data["bank_account"])
    if principal.role == Role.enterprise and "created_by" in data:
        creator = data["created_by"] or ""
        data["created_by"] = "system" if creator.startswith("system:") else "—"
    return data
