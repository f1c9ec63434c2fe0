"""Agreement verbs: record an agreement as signed, amend it (a new version, never an overwrite),
list and read them within a reader's scope, and the change log. Services never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.agreements.indicators import INDICATORS, Kind, display
from yuanqu.agreements.models import (
    AGREEMENT_KIND_NAMES,
    AGREEMENT_STATUS_NAMES,
    DATASET,
    REMEDY_KIND_NAMES,
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Commitment,
    CommitmentTerm,
    Remedy,
)
from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role, forbid_other_firm
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.registry.firms import Enterprise

EDITORS = frozenset({Role.admin, Role.project_officer})


@dataclass(frozen=True)
class TermInput:
    """A commitment's terms as written: target in the base unit, or a date."""

    key: str
    indicator: str
    test_on: date
    target_value: int | None = None
    target_date: date | None = None
    period_year: int | None = None

    def check(self) -> None:
        ind = INDICATORS.get(self.indicator)
        if ind is None:
            raise ValidationError(
                f"未知的考核指标 {self.indicator}", f"unknown indicator {self.indicator}"
            )
        if ind.kind == Kind.date and self.target_date is None:
            raise ValidationError(
                f"{ind.zh}须有目标日期",
                f"{ind.en} needs a target date",
                details={"commitment": self.key},
            )
        if ind.kind != Kind.date and (self.target_value is None or self.target_value < 0):
            raise ValidationError(
                f"{ind.zh}须有非负的目标值",
                f"{ind.en} needs a target of 0 or more",
                details={"commitment": self.key},
            )

    def as_dict(self) -> dict[str, Any]:
        ind = INDICATORS[self.indicator]
        target = self.target_date if ind.kind == Kind.date else self.target_value
        return {
            "indicator": self.indicator,
            "target": display(ind, target),
            "unit": ind.unit("zh"),
            "test_on": self.test_on.isoformat(),
            "period_year": self.period_year,
        }


@dataclass(frozen=True)
class RemedyInput:
    kind: str
    text: str
    amount_fen: int | None = None
    policy_id: str | None = None


@dataclass
class FileInput:
    name: str
    content: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _editor(actor: Principal) -> None:
    if actor.role not in EDITORS:
        raise Forbidden(
            "只有项目办或管理员可以登记和变更协议",
            "only the project office or an admin records and amends agreements",
        )


def create_agreement(
    session: Session,
    *,
    number: str,
    kind: str,
    title: str,
    enterprise_id: int,
    signed_on: date,
    terms: list[TermInput],
    actor: Principal,
    project_id: int | None = None,
    remedies: list[RemedyInput] | None = None,
    file: FileInput | None = None,
) -> Agreement:
    """An agreement as signed: version 1 with its commitments and remedies (audited)."""
    _editor(actor)
    if kind not in AGREEMENT_KIND_NAMES:
        raise ValidationError(f"未知的协议类型 {kind}", f"unknown agreement kind {kind}")
    if session.scalar(select(Agreement.id).where(Agreement.number == number)) is not None:
        raise Conflict(
            f"协议 {number} 已登记", f"agreement {number} exists already", code="agreement_exists"
        )
    keys = [t.key for t in terms]
    if not terms or len(set(keys)) != len(keys):
        raise ValidationError(
            "协议须有承诺事项，且编号不重复", "an agreement needs commitments with distinct keys"
        )
    for t in terms:
        t.check()
    for r in remedies or []:
        if r.kind not in REMEDY_KIND_NAMES:
            raise ValidationError(f"未知的违约责任 {r.kind}", f"unknown remedy {r.kind}")
    row = Agreement(
        number=number,
        kind=kind,
        title=title,
        enterprise_id=enterprise_id,
        project_id=project_id,
        signed_on=signed_on,
        status=AgreementStatus.in_force,
        created_by=actor.username,
    )
    session.add(row)
    session.flush()  # ids for the children and the audit record
    session.add(
        AgreementVersion(
            agreement_id=row.id,
            version=1,
            made_on=signed_on,
            made_by=actor.username,
            file_name=file.name if file else None,
            file_sha256=file.sha256 if file else None,
        )
    )
    for t in terms:
        commitment = Commitment(agreement_id=row.id, key=t.key)
        session.add(commitment)
        session.flush()
        session.add(_term_row(commitment.id, 1, t))
    for r in remedies or []:
        session.add(
            Remedy(
                agreement_id=row.id,
                kind=r.kind,
                text=r.text,
                amount_fen=r.amount_fen,
                policy_id=r.policy_id,
            )
        )
    audit.record(
        session,
        actor=actor.username,
        entity_type="agreement",
        entity_id=row.id,
        action="sign",
        after={
            "number": number,
            "version": 1,
            "file_sha256": file.sha256 if file else None,
            "commitments": {t.key: t.as_dict() for t in terms},
            "remedies": [r.kind for r in remedies or []],
        },
    )
    bump_data_version(session, DATASET)
    return row


def _term_row(
    commitment_id: int, version: int, t: TermInput | None, withdrawn: bool = False
) -> CommitmentTerm:
    if t is None:
        raise ValueError("a term is needed")
    return CommitmentTerm(
        commitment_id=commitment_id,
        version=version,
        indicator=t.indicator,
        target_value=t.target_value,
        target_date=t.target_date,
        test_on=t.test_on,
        period_year=t.period_year,
        withdrawn=withdrawn,
    )


def terms_by_version(session: Session, agreement_id: int) -> dict[str, dict[int, CommitmentTerm]]:
    out: dict[str, dict[int, CommitmentTerm]] = {}
    for key, term in session.execute(
        select(Commitment.key, CommitmentTerm)
        .join(CommitmentTerm, CommitmentTerm.commitment_id == Commitment.id)
        .where(Commitment.agreement_id == agreement_id)
        .order_by(Commitment.key, CommitmentTerm.version)
    ):
        out.setdefault(key, {})[term.version] = term
    return out


def _as_input(key: str, term: CommitmentTerm) -> TermInput:
    return TermInput(
        key, term.indicator, term.test_on, term.target_value, term.target_date, term.period_year
    )


def _lowered(old: TermInput, new: TermInput) -> bool:
    """A change that makes a commitment easier: a lower target, a later date or test."""
    if old.indicator != new.indicator:
        return True
    if (
        new.target_value is not None
        and old.target_value is not None
        and new.target_value < old.target_value
    ):
        return True
    if new.target_date and old.target_date and new.target_date > old.target_date:
        return True
    return new.test_on > old.test_on


def amend(
    session: Session,
    *,
    agreement_id: int,
    made_on: date,
    reason: str,
    changes: dict[str, TermInput | None],
    actor: Principal,
    file: FileInput | None = None,
) -> AgreementVersion:
    """An amendment: the next version, with new terms for the commitments it changes (``None``
    withdraws one). Old terms stay; the audit record says which targets it lowered."""
    _editor(actor)
    agreement = session.get(Agreement, agreement_id, with_for_update=True)
    if agreement is None:
        raise NotFound(f"没有编号为 {agreement_id} 的协议", f"no agreement {agreement_id}")
    if not reason.strip():
        raise ValidationError(
            "变更须写明理由", "an amendment needs its reason", details={"field": "reason"}
        )
    if not changes:
        raise ValidationError("变更没有任何内容", "the amendment changes nothing")
    version = (
        session.scalar(
            select(func.max(AgreementVersion.version)).where(
                AgreementVersion.agreement_id == agreement.id
            )
        )
        or 0
    ) + 1
    existing = terms_by_version(session, agreement.id)
    commitments = dict(
        session.execute(
            select(Commitment.key, Commitment.id).where(Commitment.agreement_id == agreement.id)
        ).all()
    )
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    lowered: list[str] = []
    for key, new in changes.items():
        old_row = existing.get(key, {})
        old = _as_input(key, old_row[max(old_row)]) if old_row else None
        if new is not None:
            new.check()
        if key not in commitments:
            if new is None:
                raise ValidationError(f"没有承诺事项 {key}", f"no commitment {key}")
            commitment = Commitment(agreement_id=agreement.id, key=key)
            session.add(commitment)
            session.flush()
            commitments[key] = commitment.id
        if new is None:
            assert old is not None
            session.add(_term_row(commitments[key], version, old, withdrawn=True))
            lowered.append(key)
        else:
            session.add(_term_row(commitments[key], version, new))
            if old is not None and _lowered(old, new):
                lowered.append(key)
        before[key] = old.as_dict() if old else None
        after[key] = new.as_dict() if new else "withdrawn"
    row = AgreementVersion(
        agreement_id=agreement.id,
        version=version,
        made_on=made_on,
        reason=reason,
        made_by=actor.username,
        file_name=file.name if file else None,
        file_sha256=file.sha256 if file else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        entity_type="agreement",
        entity_id=agreement.id,
        action="amend",
        before={"version": version - 1, "commitments": before},
        after={"version": version, "commitments": after, "eased": sorted(lowered)},
        reason=reason,
    )
    bump_data_version(session, DATASET)
    return row


# --- reading -------------------------------------------------------------------------------------


def scope_condition(principal: Principal) -> Any:
    """SQL: the agreements a reader may see (a firm its own, a task force its firms')."""
    if principal.role == Role.enterprise:
        return Enterprise.uscc == (principal.uscc or "")
    if principal.role == Role.task_force:
        return Enterprise.task_force.in_(principal.task_forces or ("",))
    return None


def list_agreements(
    session: Session,
    *,
    principal: Principal,
    page: int = 1,
    page_size: int = 50,
    uscc: str | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    stmt = select(Agreement, Enterprise.uscc, Enterprise.name).join(
        Enterprise, Enterprise.id == Agreement.enterprise_id
    )
    condition = scope_condition(principal)
    if condition is not None:
        stmt = stmt.where(condition)
    if uscc:
        stmt = stmt.where(Enterprise.uscc == uscc)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Agreement.signed_on.desc(), Agreement.number)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    versions = dict(
        session.execute(
            select(AgreementVersion.agreement_id, func.max(AgreementVersion.version)).group_by(
                AgreementVersion.agreement_id
            )
        ).all()
    )
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-total // page_size)),
        "items": [agreement_dict(a, u, n, versions.get(a.id, 1), lang) for a, u, n in rows],
    }


def agreement_dict(a: Agreement, uscc: str, firm: str, version: int, lang: str) -> dict[str, Any]:
    return {
        "id": a.id,
        "number": a.number,
        "kind": a.kind,
        "kind_name": AGREEMENT_KIND_NAMES[a.kind][lang == "en"],
        "title": a.title,
        "uscc": uscc,
        "firm": firm,
        "project": a.project_id,
        "signed_on": a.signed_on,
        "status": a.status,
        "status_name": AGREEMENT_STATUS_NAMES[a.status][lang == "en"],
        "version": version,
    }


def visible_agreement(
    session: Session, *, ref: str, principal: Principal
) -> tuple[Agreement, Enterprise]:
    """The agreement by number (or id), refused (403) to a reader who may not see its firm."""
    stmt = select(Agreement, Enterprise).join(Enterprise, Enterprise.id == Agreement.enterprise_id)
    found = session.execute(stmt.where(Agreement.number == ref)).first()
    if found is None and ref.isdigit() and int(ref) < 2**63:
        found = session.execute(stmt.where(Agreement.id == int(ref))).first()
    if found is None:
        raise NotFound(f"没有协议 {ref}", f"no agreement {ref}", details={"agreement": ref})
    forbid_other_firm(principal, found[1].uscc, found[1].task_force)
    return found


def change_log(session: Session, *, agreement_id: int, lang: str = "zh") -> list[dict[str, Any]]:
    """Every version with what it changed, term by term (old → new), oldest first."""
    versions = list(
        session.scalars(
            select(AgreementVersion)
            .where(AgreementVersion.agreement_id == agreement_id)
            .order_by(AgreementVersion.version)
        )
    )
    terms = terms_by_version(session, agreement_id)
    log = []
    for v in versions:
        changes = []
        for key, by_version in terms.items():
            term = by_version.get(v.version)
            if term is None:
                continue
            earlier = [n for n in by_version if n < v.version]
            old = by_version[max(earlier)] if earlier else None
            ind = INDICATORS[term.indicator]
            new_target = term.target_date if ind.kind == Kind.date else term.target_value
            old_target = None
            if old is not None:
                old_ind = INDICATORS[old.indicator]
                old_target = display(
                    old_ind, old.target_date if old_ind.kind == Kind.date else old.target_value
                )
            eased = old is not None and (
                term.withdrawn or _lowered(_as_input(key, old), _as_input(key, term))
            )
            changes.append(
                {
                    "commitment": key,
                    "indicator": ind.name(lang),
                    "unit": ind.unit(lang),
                    "old_target": old_target,
                    "new_target": None if term.withdrawn else display(ind, new_target),
                    "test_on": term.test_on,
                    "withdrawn": term.withdrawn,
                    "eased": eased,
                }
            )
        log.append(
            {
                "version": v.version,
                "made_on": v.made_on,
                "reason": v.reason,
                "made_by": v.made_by,
                "file_name": v.file_name,
                "file_sha256": v.file_sha256,
                "changes": changes,
            }
        )
    return log


def remedies_of(session: Session, *, agreement_id: int, lang: str = "zh") -> list[dict[str, Any]]:
    return [
        {
            "kind": r.kind,
            "kind_name": REMEDY_KIND_NAMES[r.kind][lang == "en"],
            "text": r.text,
            "amount_fen": r.amount_fen,
            "policy": r.policy_id,
        }
        for r in session.scalars(
            select(Remedy).where(Remedy.agreement_id == agreement_id).order_by(Remedy.id)
        )
    ]


def enterprise_id_of(session: Session, uscc: str) -> int | None:
    return session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
