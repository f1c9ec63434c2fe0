"""The case workflow: which transition leads from which state, who may take it, and deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yuanqu.core.auth import Role
from yuanqu.core.workdays import WorkCalendar
from yuanqu.grants.models import CaseStatus as S

#: Working days the zone has to decide an application, counted from its submission.
DECISION_WORKDAYS = 60
#: Working days of the public notice (公示).
NOTICE_WORKDAYS = 5

STATUS_NAMES: dict[str, tuple[str, str]] = {
    S.awaiting_confirmation: ("待企业确认", "awaiting the firm's confirmation"),
    S.submitted: ("待专班初审", "awaiting preliminary review"),
    S.policy_review: ("待政策办复审", "awaiting policy office review"),
    S.committee_review: ("待管委会审定", "awaiting committee approval"),
    S.public_notice: ("公示中", "on public notice"),
    S.payment_scheduled: ("已排付款", "payment scheduled"),
    S.paid: ("已兑付", "paid"),
    S.rejected: ("未通过", "rejected"),
    S.appealed: ("申诉中", "appealed"),
    S.withdrawn: ("已撤回", "withdrawn"),
}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    zh: str
    en: str


def _t(name: str, sources: set[str], target: str, roles: set[Role], zh: str, en: str) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(roles), zh, en)


OFFICE = {Role.policy_officer}
COMMITTEE = {Role.admin}  # the committee (管委会) signs with the administrator's accounts

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t(
            "confirm",
            {S.awaiting_confirmation},
            S.submitted,
            {Role.enterprise},
            "确认账户",
            "confirm account",
        ),
        _t(
            "pass_preliminary",
            {S.submitted},
            S.policy_review,
            {Role.task_force, Role.policy_officer},  # the office only for firms of no task force
            "初审通过",
            "pass preliminary review",
        ),
        _t(
            "pass_office",
            {S.policy_review},
            S.committee_review,
            OFFICE,
            "复审通过",
            "pass office review",
        ),
        _t(
            "approve",
            {S.committee_review},
            S.public_notice,
            COMMITTEE,
            "审定通过并公示",
            "approve and publish",
        ),
        _t(
            "reject",
            {S.submitted, S.policy_review, S.committee_review, S.appealed},
            S.rejected,
            {Role.task_force, *OFFICE, *COMMITTEE},
            "驳回",
            "reject",
        ),
        _t("appeal", {S.rejected}, S.appealed, {Role.enterprise}, "申诉", "appeal"),
        _t("reopen", {S.appealed}, S.policy_review, OFFICE, "受理申诉并重审", "reopen on appeal"),
        _t(
            "withdraw",
            {S.awaiting_confirmation, S.submitted, S.policy_review, S.committee_review, S.appealed},
            S.withdrawn,
            {Role.enterprise},
            "撤回",
            "withdraw",
        ),
        _t(
            "schedule",
            {S.public_notice},
            S.payment_scheduled,
            OFFICE,
            "排入付款",
            "schedule payment",
        ),
        _t("mark_paid", {S.payment_scheduled}, S.paid, OFFICE, "确认已付", "mark paid"),
        _t(
            "uphold_objection",
            {S.public_notice},
            S.rejected,
            OFFICE,
            "异议成立",
            "uphold objection",
        ),
    )
}

#: Which state each review role works on (its queue).
QUEUES: dict[Role, tuple[str, ...]] = {
    Role.task_force: (S.submitted,),
    Role.policy_officer: (S.policy_review, S.appealed, S.public_notice, S.payment_scheduled),
    Role.admin: (S.committee_review,),
}

#: States in which the decision deadline runs.
PENDING = (S.submitted, S.policy_review, S.committee_review, S.appealed)


def status_name(status: str, lang: str = "zh") -> str:
    zh, en = STATUS_NAMES.get(status, (status, status))
    return en if lang == "en" else zh


def decision_due(calendar: WorkCalendar, submitted_on: date) -> date:
    return calendar.deadline(submitted_on, DECISION_WORKDAYS)


def notice_end(calendar: WorkCalendar, start: date, days: int = NOTICE_WORKDAYS) -> date:
    """The last working day of a notice published on ``start`` (which counts as its first day
    when it is a working day)."""
    first = start if calendar.is_workday(start) else calendar.add_workdays(start, 1)
    return calendar.add_workdays(first, days - 1)
