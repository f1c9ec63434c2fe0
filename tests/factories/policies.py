"""Builders for policy test data: annual firm facts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yuanqu.policies.facts import write_facts
from yuanqu.policies.language.variables import FACT_NAMES


def add_facts(session: Session, enterprise_id: int, year: int, **facts: int | str) -> None:
    """Facts by name; amounts (fen facts) in yuan, counts as whole numbers."""
    from decimal import Decimal

    rows = []
    for name, value in facts.items():
        unit = FACT_NAMES[name].unit
        stored = int(Decimal(str(value)) * 100) if unit == "fen" else int(value)
        rows.append({"enterprise_id": enterprise_id, "year": year, "fact": name, "value": stored})
    write_facts(session, rows, replace=True)
