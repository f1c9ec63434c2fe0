"""Builders for registry test data: valid credit codes, firms and labels with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core.industry import industry_catalog
from yuanqu.core.uscc import make_usccs
from yuanqu.registry.models import Enterprise, EnterpriseLabel, TaskForce

_serials = itertools.count(1_000_000)


def new_uscc(division: str = "110302") -> str:
    return make_usccs([next(_serials)], division=division)[0]


def make_task_force(session: Session, code: str = "ic", **overrides: Any) -> TaskForce:
    force = session.get(TaskForce, code)
    if force is None:
        force = TaskForce(
            code=code,
            name_zh=overrides.get("name_zh", f"{code}专班"),
            name_en=overrides.get("name_en", f"{code} task force"),
        )
        session.add(force)
        session.flush()
    return force


def make_firm(
    session: Session, *, labels: list[tuple] | None = None, **overrides: Any
) -> Enterprise:
    """A firm; ``labels`` are tuples (label, valid_from, valid_to)."""
    code = overrides.pop("industry_code", "3973")
    values: dict[str, Any] = {
        "uscc": new_uscc(),
        "name": f"测试企业{next(_serials)}有限公司",
        "industry_code": code,
        "industry_section": industry_catalog().section_of(code),
        "established": date(2015, 1, 1),
        "registered_capital_fen": 1_000_000_00,
        "employees": 50,
    }
    values.update(overrides)
    firm = Enterprise(**values)
    for label, start, end in labels or []:
        firm.labels.append(EnterpriseLabel(label=label, valid_from=start, valid_to=end))
    session.add(firm)
    session.flush()
    return firm
