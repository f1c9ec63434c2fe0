"""Builders for statistics test data: monthly reports in yuan, written as the importer does."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.stats.importer import write_reports
from yuanqu.stats.models import AMOUNT_FIELDS, PriceIndex, ReferenceTotal


def report_row(enterprise_id: int, period: str, **values: Any) -> dict[str, Any]:
    """A report row from amounts in yuan (``gross_output=120``) and ``employees``."""
    row: dict[str, Any] = {"enterprise_id": enterprise_id, "period": period}
    for name in AMOUNT_FIELDS:
        row[f"{name}_fen"] = None if values.get(name) is None else round(values[name] * 100)
    row["employees"] = values.get("employees")
    return row


def add_reports(session: Session, rows: list[dict[str, Any]]) -> None:
    write_reports(session, rows)
    bump_data_version(session, "registry")


def add_price(session: Session, division: str, period: str, index: float) -> None:
    session.add(PriceIndex(division=division, period=period, price_index=index))
    bump_data_version(session, "stats")


def add_reference(
    session: Session, indicator: str, period: str, cumulative_yuan: int, region: str = "beijing"
) -> None:
    session.add(
        ReferenceTotal(
            region=region, indicator=indicator, period=period, cumulative_fen=cumulative_yuan * 100
        )
    )
    bump_data_version(session, "stats")
