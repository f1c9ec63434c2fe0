"""Grant cases' creation: an enterprise's application with its evidence, and the
auto-entitlement match (免申即享) that opens a case for every award the engine computes."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.audit import canonical_json
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.grants import evidence as files
from yuanqu.grants.models import CaseOrigin, CaseStatus, Evidence, GrantCase
from yuanqu.grants.transitions import ENTITY, _check_account, snapshot
from yuanqu.grants.workflow import (
    decision_due,
)
from yuanqu.policies import service as policies
from yuanqu.policies.engine import STATUSES
from yuanqu.registry import firms
from yuanqu.registry.firms import Enterprise


def policy_version(policy: Any) -> str:
    """SHA-256 of the policy file the engine read (the version a case was decided under)."""
    path = Path(policy.source) if policy.source else None
    if path is not None and path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(policy.id.encode()).hexdigest()


# --- creation ------------------------------------------------------------------------------------


def apply(
    session: Session,
    *,
    actor: Principal,
    policy_id: str,
    year: int,
    bank_account: str,
    bank_name: str,
    uploads: list[files.Upload],
    uscc: str | None = None,
) -> GrantCase:
    """An enterprise's application, with the evidence its policy asks for.

    The engine decides eligibility and the amount from the zone's data; the case records both,
    with the policy's version and the inputs it used.
    """
    if actor.role == Role.enterprise:
        uscc = actor.uscc
    elif actor.role != Role.policy_officer:
        raise Forbidden(
            "只有企业或政策办可以提交申请", "only a firm or the policy office may apply"
        )
    if not uscc:
        raise ValidationError(
            "请指定企业信用代码", "name the firm (uscc)", details={"field": "uscc"}
        )
    policy = policies.get_policy(policy_id)
    if not 2000 <= year <= 2100 or not policy.in_effect(year):
        raise ValidationError(
            f"政策 {policy_id} 在 {year} 年不在有效期内",
            f"policy {policy_id} is not in effect in {year}",
            details={"field": "year", "value": year},
        )
    account, bank = _check_account(bank_account, bank_name)
    if len(uploads) > files.MAX_FILES:
        raise ValidationError(
            f"最多 {files.MAX_FILES} 个文件",
            f"at most {files.MAX_FILES} files",
            details={"field": "files", "value": len(uploads)},
        )
    checked = [files.check_upload(u, i) for i, u in enumerate(uploads)]
    missing = [kind for kind in policy.evidence if kind not in {c.kind for c in checked}]
    if missing:
        raise ValidationError(
            f"缺少证明材料：{'、'.join(missing)}",
            f"evidence missing: {', '.join(missing)}",
            details={"field": "files", "missing": missing},
        )
    unknown = [c.kind for c in checked if c.kind not in policy.evidence]
    if unknown:
        raise ValidationError(
            f"本政策不要求这些材料：{'、'.join(unknown)}",
            f"this policy does not ask for: {', '.join(unknown)}",
            details={"field": "files", "unknown": unknown},
        )
    firm = firms.get_enterprise(session, uscc=uscc)
    uscc = firm.uscc
    decision = policies.explain_firm(session, uscc=uscc, policy_id=policy_id, year=year)
    amount = decision.get("allocated_fen") or decision.get("capped_fen") or 0
    if decision["status"] != "eligible" or amount <= 0:
        raise ValidationError(
            f"按现有数据，{firm.name} 不符合 {policy_id} 的条件",
            f"on the zone's data, {firm.name} is not entitled under {policy_id}",
            code="not_entitled",
            details={"status": decision["status"], "steps": decision.get("steps", [])},
        )
    variables = policies.firm_inputs(session, uscc=uscc, policy_id=policy_id, year=year)
    case = _new_case(
        session,
        policy=policy,
        year=year,
        firm=firm,
        origin=CaseOrigin.application,
        status=CaseStatus.submitted,
        amount_fen=int(amount),
        inputs=variables,
        result=decision,
        actor=actor,
    )
    case.bank_account, case.bank_name = account, bank
    case.submitted_on = date.today()
    case.due_on = decision_due(work_calendar(session), case.submitted_on)
    for item in checked:
        files.store(item)
        session.add(
            Evidence(
                case_id=case.id,
                kind=item.kind,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                uploaded_by=actor.username,
            )
        )
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=case.id,
        action="apply",
        after=snapshot(case) | {"evidence": [[c.kind, c.sha256] for c in checked]},
    )
    return case


def _new_case(
    session: Session,
    *,
    policy: Any,
    year: int,
    firm: Enterprise,
    origin: str,
    status: str,
    amount_fen: int,
    inputs: dict[str, Any],
    result: dict[str, Any],
    actor: Principal,
) -> GrantCase:
    exists = session.scalar(
        select(GrantCase.id).where(
            GrantCase.policy_id == policy.id, GrantCase.year == year, GrantCase.uscc == firm.uscc
        )
    )
    if exists is not None:
        raise Conflict(
            f"{firm.name} 在 {policy.id} {year} 年已有案件 {exists}",
            f"{firm.uscc} already has case {exists} under {policy.id} for {year}",
            code="duplicate_case",
            details={"case": exists},
        )
    case = GrantCase(
        policy_id=policy.id,
        policy_version=policy_version(policy),
        year=year,
        uscc=firm.uscc,
        firm_name=firm.name,
        industry_section=firm.industry_section,
        task_force=firm.task_force,
        origin=origin,
        status=status,
        engine_amount_fen=amount_fen,
        amount_fen=amount_fen,
        engine_inputs=canonical_json(inputs) or "{}",
        engine_result=canonical_json(result) or "{}",
        created_by=actor.username,
        committed_fen=0,
        appeals=0,
    )
    session.add(case)
    session.flush()  # the evidence and the audit record need the case's id
    return case


def match(
    session: Session, *, year: int, actor: Principal, policy_ids: list[str] | None = None
) -> dict[str, Any]:
    """免申即享: a case, awaiting the firm's confirmation, for every auto-entitlement award the
    engine computes for ``year`` (existing cases are left alone, so matching again is safe)."""
    if actor.role not in (Role.policy_officer, Role.admin):
        raise Forbidden("只有政策办可以匹配免申即享", "only the policy office matches awards")
    chosen = [
        p for p in policies.select_policies(policy_ids) if p.auto_entitlement and p.in_effect(year)
    ]
    if not chosen:
        return {"year": year, "created": 0, "existing": 0, "policies": []}
    result = policies.run(session, year=year, policies=chosen)
    with audit.appending(session):  # a case and a record per award: one lock of the chain
        created, existing = _open_matched(session, result, year=year, actor=actor)
    return {
        "year": year,
        "created": created,
        "existing": existing,
        "policies": [c.policy.id for c in result.compiled],
    }


def _open_matched(session: Session, result: Any, *, year: int, actor: Principal) -> tuple[int, int]:
    """A case awaiting confirmation for every award of the engine's run that has none yet."""
    created = existing = 0
    for index, compiled in enumerate(result.compiled):
        policy = compiled.policy
        data_year = policy.data_year(year)
        cursor = result.con.execute(
            f"""SELECT i.*, r.status AS _status, r.amount_fen AS _amount, r.capped_fen AS _capped,
                       r.allocated_fen AS _allocated
                FROM policy_results r JOIN inputs_{data_year} i USING (firm_id)
                WHERE r.policy_idx = ? AND r.status = 0 AND r.allocated_fen > 0
                ORDER BY r.uscc""",
            [index],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        have = set(
            session.scalars(
                select(GrantCase.uscc).where(
                    GrantCase.policy_id == policy.id, GrantCase.year == year
                )
            )
        )
        known = firms.firms_by_code(session, (r["uscc"] for r in rows))
        for row in rows:
            if row["uscc"] in have or row["uscc"] not in known:
                existing += 1
                continue
            decision = {
                "status": STATUSES[row.pop("_status")],
                "amount_fen": row.pop("_amount"),
                "capped_fen": row.pop("_capped"),
                "allocated_fen": row.pop("_allocated"),
                "parameters": {
                    n: str(r.value) for n, r in compiled.parameters.items() if not r.bands
                },
            }
            case = _new_case(
                session,
                policy=policy,
                year=year,
                firm=known[row["uscc"]],
                origin=CaseOrigin.auto,
                status=CaseStatus.awaiting_confirmation,
                amount_fen=int(decision["allocated_fen"]),
                inputs=row,
                result=decision,
                actor=actor,
            )
            audit.record(
                session,
                actor=actor.username,
                entity_type=ENTITY,
                entity_id=case.id,
                action="match",
                after=snapshot(case),
            )
            created += 1
    return created, existing
