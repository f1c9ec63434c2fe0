"""The watch list's verbs: compute it for an as-of period and a reader's scope, open a case on a
flagged firm (a visit or a request), record the outcome, and report the rules' precision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core.errors import Conflict, NotFound, ValidationError
from yuanqu.core.periods import Period
from yuanqu.registry.firms import (
    codes_for_ids,
    firm_id,
    firms_by_code,
    get_enterprise,
    task_force_names,
)
from yuanqu.stats.service import latest_period
from yuanqu.watch.evaluate import RuleResult, advisers, evaluate
from yuanqu.watch.models import FOLLOW_UP_NAMES, OUTCOME_NAMES, Outcome, WatchCase
from yuanqu.watch.rules import Rule, shipped_rules
from yuanqu.watch.schemas import (
    CasePage,
    CaseRead,
    Precision,
    RuleStatus,
    Signal,
    WatchEntry,
    WatchList,
)

MAX_PAGE = 500


def as_of_period(session: Session, as_of: str | None) -> Period:
    """The period asked for, or the latest month any firm reported."""
    if as_of:
        return Period.parse(as_of)
    latest = latest_period(session)
    if latest is None:
        raise NotFound(
            "还没有统计数据：请先导入月度报表（yuanqu stats import）",
            "no statistics yet: import monthly reports first (yuanqu stats import)",
            code="no_statistics",
        )
    return Period.parse(latest)


def _open_cases(session: Session, ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(WatchCase.enterprise_id, func.max(WatchCase.id))
        .where(WatchCase.outcome.is_(None), WatchCase.enterprise_id.in_(ids))
        .group_by(WatchCase.enterprise_id)
    ).all()
    return {firm: case for firm, case in rows}


def _in_scope(ranked: pa.Table, task_forces: Sequence[str] | None) -> pa.Table:
    if task_forces is None:
        return ranked
    return ranked.filter(pc.is_in(ranked.column("task_force"), pa.array(list(task_forces))))


def watch_list(
    session: Session,
    *,
    as_of: str | None = None,
    task_forces: Sequence[str] | None = None,
    rules: Sequence[Rule] | None = None,
    offset: int = 0,
    limit: int | None = None,
    lang: str = "zh",
) -> WatchList:
    """Every flagged firm with its signals and score, highest score first (ties by credit code);
    ``task_forces`` limits it to those task forces' firms (a task-force member's scope). Only the
    page asked for becomes Python objects; the total is every flagged firm in scope."""
    period = as_of_period(session, as_of)
    evaluation = evaluate(session, rules or shipped_rules(), period)
    ranked = _in_scope(evaluation.ranked, task_forces)
    in_scope = set(ranked.column("id").to_pylist()) if task_forces is not None else None
    names = task_force_names(session, lang=lang)
    stop = ranked.num_rows if limit is None else min(ranked.num_rows, offset + limit)
    page_rows = ranked.slice(offset, max(0, stop - offset)).to_pylist() if offset < stop else []
    evidence = [r.evidence for r in evaluation.results]
    cases = _open_cases(session, [row["id"] for row in page_rows])
    adviser = advisers(session, [row["id"] for row in page_rows])
    items = []
    for row in page_rows:
        hits = [(evaluation.rules[i], evidence[i].get(row["id"], [])) for i in row["signals"]]
        owner = adviser.get(row["id"]) or row["task_force"] or None
        items.append(
            WatchEntry(
                uscc=row["uscc"],
                name=row["name"],
                signals=[rule.id for rule, _e in hits],
                signal_details=[
                    Signal(rule=rule.id, name=rule.name(lang), weight=rule.weight, evidence=e)
                    for rule, e in hits
                ],
                score=row["score"],
                owner=owner,
                task_force=row["task_force"] or None,
                owner_name=names.get(owner, owner) if owner else None,
                case_id=cases.get(row["id"]),
            )
        )
    statuses = [
        RuleStatus(
            rule=r.rule.id,
            name=r.rule.name(lang),
            weight=r.rule.weight,
            flagged=len(r.firm_ids if in_scope is None else r.firm_ids & in_scope),
            source=r.source,
        )
        for r in evaluation.results
    ]
    return WatchList(
        as_of=str(period), total=ranked.num_rows, offset=offset, items=items, rules=statuses
    )


def watch_rows(
    session: Session,
    *,
    as_of: str | None = None,
    task_forces: Sequence[str] | None = None,
    rules: Sequence[Rule] | None = None,
) -> tuple[str, list[dict], list[RuleResult]]:
    """The whole list in the machine shape of ``yuanqu watch list --format json``:
    ``{"uscc", "signals", "score", "owner"}`` per firm, highest score first."""
    period = as_of_period(session, as_of)
    evaluation = evaluate(session, rules or shipped_rules(), period)
    ranked = _in_scope(evaluation.ranked, task_forces)
    ids = [r.id for r in evaluation.rules]
    firm_ids = ranked.column("id").to_pylist()
    adviser = advisers(session, firm_ids)
    rows = [
        {
            "uscc": uscc,
            "signals": [ids[i] for i in signals],
            "score": score,
            "owner": adviser.get(firm) or owner or None,
        }
        for firm, uscc, signals, score, owner in zip(
            firm_ids,
            ranked.column("uscc").to_pylist(),
            ranked.column("signals").to_pylist(),
            ranked.column("score").to_pylist(),
            ranked.column("task_force").to_pylist(),
            strict=True,
        )
    ]
    return str(period), rows, evaluation.results


def open_case(
    session: Session,
    *,
    uscc: str,
    as_of: str,
    follow_up: str,
    follow_up_on: date,
    note: str | None,
    opened_by: str,
    task_forces: Sequence[str] | None = None,
) -> WatchCase:
    """Take a flagged firm up: record the visit or request opened from the watch list, with the
    signals and score it had then. Refused when the firm is not on that list or already has an
    open case."""
    listed = watch_list(session, as_of=as_of, task_forces=task_forces)
    entry = next((e for e in listed.items if e.uscc == uscc.strip().upper()), None)
    if entry is None:
        raise ValidationError(
            f"{uscc} 不在 {as_of} 的预警名单上",
            f"{uscc} is not on the watch list of {as_of}",
            details={"uscc": uscc, "as_of": as_of},
        )
    enterprise = firm_id(session, uscc=entry.uscc)
    if _open_cases(session, [enterprise]):
        raise Conflict(
            "该企业已有未办结的预警跟进", "this firm already has an open case", code="case_open"
        )
    case = WatchCase(
        enterprise_id=enterprise,
        as_of=listed.as_of,
        signals=",".join(entry.signals),
        score=entry.score,
        owner=entry.owner,
        follow_up=follow_up,
        follow_up_on=follow_up_on,
        note=note,
        opened_by=opened_by,
    )
    session.add(case)
    session.flush()  # the new case's id is returned to the caller
    return case


def record_outcome(
    session: Session,
    *,
    case_id: int,
    outcome: str,
    note: str | None,
    decided_by: str,
    task_forces: Sequence[str] | None = None,
) -> WatchCase:
    """Close a case with its outcome (resolved, false alarm, lost); an outcome is final."""
    case = _case(session, case_id, task_forces)
    if case.outcome is not None:
        raise Conflict("该跟进已办结", "this case is already closed", code="case_closed")
    case.outcome = Outcome(outcome).value
    case.outcome_note = note
    case.decided_by = decided_by
    case.decided_at = datetime.now(UTC)
    return case


def _case(session: Session, case_id: int, task_forces: Sequence[str] | None) -> WatchCase:
    case = session.get(WatchCase, case_id)
    if case is not None and task_forces is not None:
        uscc = codes_for_ids(session, [case.enterprise_id])[case.enterprise_id]
        if get_enterprise(session, uscc=uscc).task_force not in task_forces:
            case = None
    if case is None:
        raise NotFound(f"找不到跟进 {case_id}", f"no case {case_id}")
    return case


def _case_read(case: WatchCase, uscc: str, name: str, lang: str) -> CaseRead:
    pick = 1 if lang == "en" else 0
    return CaseRead(
        id=case.id,
        uscc=uscc,
        name=name,
        as_of=case.as_of,
        signals=case.signal_list(),
        score=case.score,
        owner=case.owner,
        follow_up=case.follow_up,
        follow_up_name=FOLLOW_UP_NAMES[case.follow_up][pick],
        follow_up_on=case.follow_up_on,
        note=case.note,
        opened_by=case.opened_by,
        outcome=case.outcome,
        outcome_name=OUTCOME_NAMES[case.outcome][pick] if case.outcome else None,
        outcome_note=case.outcome_note,
        decided_by=case.decided_by,
        decided_at=case.decided_at,
    )


def case_read(session: Session, case: WatchCase, *, lang: str = "zh") -> CaseRead:
    """One case as the API returns it."""
    uscc = codes_for_ids(session, [case.enterprise_id])[case.enterprise_id]
    return _case_read(case, uscc, get_enterprise(session, uscc=uscc).name, lang)


def list_cases(
    session: Session,
    *,
    task_forces: Sequence[str] | None = None,
    offset: int = 0,
    limit: int = 50,
    lang: str = "zh",
) -> CasePage:
    """The cases, newest first, with the true total."""
    cases = list(session.scalars(select(WatchCase).order_by(WatchCase.id.desc())))
    codes = codes_for_ids(session, {c.enterprise_id for c in cases})
    firms = {code: get_enterprise(session, uscc=code) for code in set(codes.values())}
    if task_forces is not None:
        cases = [c for c in cases if firms[codes[c.enterprise_id]].task_force in task_forces]
    page = cases[offset : offset + min(limit, MAX_PAGE)]
    items = [
        _case_read(c, codes[c.enterprise_id], firms[codes[c.enterprise_id]].name, lang)
        for c in page
    ]
    return CasePage(total=len(cases), offset=offset, items=items)


def precision(
    session: Session,
    *,
    rules: Sequence[Rule] | None = None,
    task_forces: Sequence[str] | None = None,
    lang: str = "zh",
) -> list[Precision]:
    """Precision of the watch list over every decided case, then of each rule over the decided
    cases it signalled: (resolved + lost) / decided. None when nothing is decided yet."""
    decided = list(session.scalars(select(WatchCase).where(WatchCase.outcome.is_not(None))))
    if task_forces is not None:
        codes = codes_for_ids(session, {c.enterprise_id for c in decided})
        firms = firms_by_code(session, set(codes.values()))
        decided = [c for c in decided if firms[codes[c.enterprise_id]].task_force in task_forces]
    rules = list(rules or shipped_rules())

    def tally(rule: str | None, name: str) -> Precision:
        cases = [c for c in decided if rule is None or rule in c.signal_list()]
        resolved = sum(c.outcome == Outcome.resolved for c in cases)
        lost = sum(c.outcome == Outcome.lost for c in cases)
        false = sum(c.outcome == Outcome.false_alarm for c in cases)
        return Precision(
            rule=rule,
            name=name,
            decided=len(cases),
            resolved=resolved,
            lost=lost,
            false_alarms=false,
            precision=(resolved + lost) / len(cases) if cases else None,
        )

    overall = tally(None, "全部预警" if lang != "en" else "All signals")
    return [overall, *(tally(r.id, r.name(lang)) for r in rules)]
