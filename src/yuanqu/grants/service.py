"""Grant cases: the workflow's verbs, by job.

- :mod:`yuanqu.grants.transitions`: scope (who sees a case) and every workflow transition;
- :mod:`yuanqu.grants.cases`: creating cases (applications, the auto-entitlement match);
- :mod:`yuanqu.grants.queries`: reads (lists, queues, history, the public notice);
- :mod:`yuanqu.grants.deadlines`: stored deadlines counted again when a holiday notice loads.

This module re-exports them, so ``from yuanqu.grants import service`` keeps working.
"""

from __future__ import annotations

from yuanqu.grants import deadlines  # noqa: F401 (registers the recount on a notice load)
from yuanqu.grants.cases import (  # noqa: F401 (re-exported)
    _firm,
    _new_case,
    apply,
    match,
    policy_version,
)
from yuanqu.grants.queries import (  # noqa: F401 (re-exported)
    _mask,
    case_dict,
    case_evidence,
    case_history,
    case_objections,
    count_cases,
    list_cases,
    overdue_count,
    public_notice,
    queue_for,
)
from yuanqu.grants.transitions import (  # noqa: F401 (re-exported)
    _ACCOUNT,
    ENTITY,
    REVIEW_TRANSITIONS,
    _check_account,
    _lower_amount,
    _need_reason,
    appeal,
    apply_transition,
    approve,
    can_see,
    check_transition,
    confirm,
    get_case,
    object_to,
    pass_office,
    pass_preliminary,
    reject,
    reopen,
    resolve_objection,
    snapshot,
    withdraw,
)
