"""What the desk tells the rest of the zone: the requests firms filed (the watch list's
relocation rule reads them) and who looks after each firm (a flagged firm's owner). Handed over at
start-up by :func:`yuanqu.wiring.wire`; firms are matched by credit code through the registry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.registry import firms
from yuanqu.service.models import ServiceAdviser, ServiceRequest


def requests_between(
    session: Session, *, since: date, until: date
) -> Iterator[tuple[int, date, str]]:
    """(enterprise id, day received, content) of every request of a registered firm received
    from ``since`` to ``until`` (both included; the desk keeps local times)."""
    rows = session.execute(
        select(ServiceRequest.uscc, ServiceRequest.received_at, ServiceRequest.content).where(
            ServiceRequest.uscc.is_not(None),
            ServiceRequest.received_at >= datetime.combine(since, time.min),
            ServiceRequest.received_at <= datetime.combine(until, time.max),
        )
    ).all()
    ids = firms.ids_for_codes(session, sorted({u for u, _r, _c in rows}))
    for uscc, received, content in rows:
        if uscc in ids:
            yield ids[uscc], received.date(), content or ""


def advisers_by_firm(session: Session, enterprise_ids: Sequence[int]) -> dict[int, str]:
    """enterprise id -> the name of its adviser (服务管家), the latest assigned."""
    codes = firms.codes_for_ids(session, set(enterprise_ids))
    by_code: dict[str, str] = {}
    for uscc, name, _since in session.execute(
        select(ServiceAdviser.uscc, ServiceAdviser.display_name, ServiceAdviser.since)
        .where(ServiceAdviser.uscc.in_(sorted(set(codes.values()))))
        .order_by(ServiceAdviser.since)
    ):
        by_code[uscc] = name
    return {i: by_code[u] for i, u in codes.items() if u in by_code}
