"""The registry's public face: what every other domain needs to know about a firm.

Other domains never import ``registry.models``, ``registry.importer`` or write their own look-up
(an import-linter contract holds this): they normalise and check a credit code, parse a
credit-code cell, find a firm or ids for a list of codes, ensure a firm exists (an investor new to
the zone), and judge labels on a date, all here. ``Enterprise``, ``EnterpriseLabel`` and
``TaskForce`` are offered for the joins that other domains' reports need: they read those rows,
and write them only through this module.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from yuanqu.core.db import bump_data_version, read
from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.tabular import CellError
from yuanqu.core.uscc import check_uscc, normalize_uscc, valid_uscc_or_none
from yuanqu.registry.models import LABEL_NAMES, Enterprise, EnterpriseLabel, Label, TaskForce

_CHUNK = 2000


# --- credit codes --------------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """A credit code as the registry stores it: NFKC-folded, stripped, upper case."""
    return normalize_uscc(raw)


def parse_code_cell(value: Any) -> str:
    """The credit-code cell of any import: a valid code, normalised; a ``CellError`` saying why
    not otherwise. Whether a firm holds the code is the importer's own check."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        # A credit code typed into a numeric Excel cell has lost digits beyond 15 already.
        raise CellError(
            "信用代码被存成了数字，精度已丢失；请将该列设为文本格式",
            "the code was stored as a number and lost digits; format the column as text",
        )
    code = valid_uscc_or_none(str(value))
    if code is not None:
        return code
    verdict = check_uscc(str(value))
    if not verdict.valid:
        raise CellError(verdict.reason_zh or "无效的信用代码", verdict.reason_en or "invalid code")
    return verdict.code


# --- finding firms -------------------------------------------------------------------------------


def _not_found(code: str) -> NotFound:
    return NotFound(
        f"企业库中没有信用代码为 {code} 的企业",
        f"no enterprise with credit code {code} in the registry",
        details={"uscc": code},
    )


def find_firm(session: Session, *, uscc: str) -> Enterprise | None:
    """The firm holding this credit code (in any case or width), or None."""
    return session.scalar(select(Enterprise).where(Enterprise.uscc == normalise_code(uscc)))


def get_enterprise(session: Session, *, uscc: str) -> Enterprise:
    """The firm with this credit code, labels loaded; NotFound otherwise."""
    code = normalise_code(uscc)
    firm = session.scalar(
        select(Enterprise).where(Enterprise.uscc == code).options(selectinload(Enterprise.labels))
    )
    if firm is None:
        raise _not_found(code)
    return firm


@dataclass(frozen=True)
class FirmRef:
    """What a page needs of a firm to check who may see it and to name it: no labels, no
    entity in the session (a profile tab asks for it on every request)."""

    id: int
    uscc: str
    name: str
    task_force: str | None


_FIRM_REF = select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.task_force).where(
    Enterprise.uscc == bindparam("uscc")
)


def get_ref(session: Session, *, uscc: str) -> FirmRef:
    """The firm with this credit code as a ``FirmRef``; NotFound otherwise."""
    code = normalise_code(uscc)
    row = read(session, _FIRM_REF, {"uscc": code}).first()  # a profile tab asks every time
    if row is None:
        raise _not_found(code)
    return FirmRef(row.id, row.uscc, row.name, row.task_force)


def firm_id(session: Session, *, uscc: str) -> int:
    """The id of the firm with this credit code; NotFound otherwise."""
    code = normalise_code(uscc)
    found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    if found is None:
        raise _not_found(code)
    return found


def ids_for_codes(session: Session, usccs: Sequence[str]) -> dict[str, int]:
    """uscc -> id for those of the (normalised) codes that firms in the registry hold."""
    if not usccs:
        return {}
    table_size = session.scalar(select(func.count(Enterprise.id))) or 0
    if len(usccs) * 4 > table_size:
        # A large file against a registry of similar size: one scan beats thousands of lookups.
        wanted = set(usccs)
        rows = session.execute(select(Enterprise.uscc, Enterprise.id))
        return {u: i for u, i in rows if u in wanted}
    found: dict[str, int] = {}
    for start in range(0, len(usccs), _CHUNK):
        chunk = usccs[start : start + _CHUNK]
        rows = session.execute(
            select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(chunk))
        )
        found.update(dict(rows.all()))
    return found


def firms_by_code(session: Session, usccs: Iterable[str]) -> dict[str, Enterprise]:
    """uscc -> firm for those of the (normalised) codes that firms in the registry hold."""
    codes = sorted(set(usccs))
    found: dict[str, Enterprise] = {}
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        found.update(
            (f.uscc, f)
            for f in session.scalars(select(Enterprise).where(Enterprise.uscc.in_(chunk)))
        )
    return found


def codes_for_ids(session: Session, ids: Collection[int]) -> dict[int, str]:
    """id -> uscc for these firm ids."""
    if not ids:
        return {}
    found: dict[int, str] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(Enterprise.id, Enterprise.uscc).where(
                Enterprise.id.in_(wanted[start : start + _CHUNK])
            )
        )
        found.update(dict(rows.all()))
    return found


# --- task forces ---------------------------------------------------------------------------------


def check_task_force(session: Session, code: str | None) -> str | None:
    """``code`` if a task force holds it (None for none); a ValidationError listing the known."""
    if not code:
        return None
    if session.get(TaskForce, code) is None:
        known = ", ".join(session.scalars(select(TaskForce.code).order_by(TaskForce.code)))
        raise ValidationError(
            f"未知的专班 '{code}'（已有：{known or '无'}）",
            f"unknown task force '{code}' (known: {known or 'none'})",
            details={"task_force": code},
        )
    return code


def task_force_names(session: Session, *, lang: str = "zh") -> dict[str, str]:
    """Task-force code -> its name in the reader's language."""
    return {
        tf.code: (tf.name_en if lang == "en" else tf.name_zh) or tf.code
        for tf in session.scalars(select(TaskForce))
    }


# --- ensuring a firm exists ----------------------------------------------------------------------


def ensure_firm(
    session: Session,
    *,
    uscc: str,
    name: str,
    industry_code: str | None,
    sub_area: str | None = None,
    task_force: str | None = None,
) -> int:
    """The id of the firm holding ``uscc``, registering it first if it is new (an investor or a
    counterparty the zone has not registered yet). A new firm needs a valid code and an industry
    code of division level or finer."""
    code = normalise_code(uscc)
    found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    if found is not None:
        return found
    verdict = check_uscc(code)
    if not verdict.valid:
        raise ValidationError(
            f"信用代码无效：{verdict.reason_zh}",
            f"invalid credit code: {verdict.reason_en}",
            details={"uscc": code},
        )
    if industry_code is None:
        raise ValidationError(
            "新登记的企业需要行业代码",
            "a firm new to the registry needs an industry code",
            details={"uscc": code},
        )
    firm = Enterprise(
        uscc=code,
        name=name,
        industry_code=industry_code,
        industry_section=industry_catalog().section_of(industry_code),
        sub_area=sub_area,
        task_force=check_task_force(session, task_force),
    )
    session.add(firm)
    # Flushed so the caller gets the new id inside its own unit of work.
    session.flush()
    bump_data_version(session, "registry")
    return firm.id


# --- labels on a date ----------------------------------------------------------------------------


def label_active(as_of: date) -> ColumnElement[bool]:
    """SQL: the label row is valid on ``as_of`` (open ends count as valid)."""
    return and_(
        or_(EnterpriseLabel.valid_from.is_(None), EnterpriseLabel.valid_from <= as_of),
        or_(EnterpriseLabel.valid_to.is_(None), EnterpriseLabel.valid_to >= as_of),
    )


def labels_on(firm: Enterprise, as_of: date) -> list[EnterpriseLabel]:
    """The firm's labels valid on ``as_of`` (the firm's labels must be loaded)."""
    return [
        lab
        for lab in firm.labels
        if (lab.valid_from is None or lab.valid_from <= as_of)
        and (lab.valid_to is None or lab.valid_to >= as_of)
    ]


def label_name(label: str, *, lang: str = "zh") -> str:
    """A label's name in the reader's language (the code itself if unknown)."""
    names = LABEL_NAMES.get(label)
    return names[1 if lang == "en" else 0] if names else label


__all__ = [
    "LABEL_NAMES",
    "Enterprise",
    "EnterpriseLabel",
    "FirmRef",
    "Label",
    "TaskForce",
    "check_task_force",
    "codes_for_ids",
    "ensure_firm",
    "find_firm",
    "firm_id",
    "firms_by_code",
    "get_enterprise",
    "get_ref",
    "ids_for_codes",
    "label_active",
    "label_name",
    "labels_on",
    "normalise_code",
    "parse_code_cell",
    "task_force_names",
]
