"""Chain verbs: place the zone's firms, record manual overrides, list a segment's firms, and say
where one firm sits. Placement itself runs on the columnar engine (``placement.py``)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.analytics.tables import read_arrow
from yuanqu.chains.definitions import Chain, get_chain, shipped_chains
from yuanqu.chains.models import OverrideAction, PlacementOverride
from yuanqu.chains.placement import OVERRIDE_SCHEMA, place, unplaced
from yuanqu.chains.schemas import (
    FirmOnSegment,
    FirmSegment,
    OverrideRead,
    PlacementSummary,
    SegmentCount,
)
from yuanqu.core.db import bump_data_version, data_version, database_key
from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.registry import service as registry
from yuanqu.registry.firms import Enterprise

FIRMS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("uscc", pa.string()),
        ("name", pa.string()),
        ("industry_code", pa.string()),
        ("industry_section", pa.string()),
        ("business_scope", pa.string()),
        ("employees", pa.int64()),
        ("registered_capital_fen", pa.int64()),
        ("task_force", pa.string()),
    ]
)
FIRMS_SQL = (
    "SELECT id, uscc, name, industry_code, industry_section, business_scope, employees, "
    "registered_capital_fen, task_force FROM enterprises"
)
OVERRIDES_SQL = "SELECT id, enterprise_id, chain_key, segment_key, action FROM chain_overrides"


@dataclass
class PlacementRun:
    """The firms read, where they sit and who is left for review: Arrow tables."""

    firms: pa.Table
    placements: pa.Table
    unplaced: pa.Table
    seconds: float


def read_firms(session: Session) -> pa.Table:
    return read_arrow(session, FIRMS_SQL, FIRMS_SCHEMA)


def compute_placements(session: Session, *, chains: Sequence[Chain] | None = None) -> PlacementRun:
    """Place every firm of the registry on ``chains`` (default: the shipped chains)."""
    chains = list(shipped_chains() if chains is None else chains)
    started = time.perf_counter()
    firms = read_firms(session)
    overrides = read_arrow(session, OVERRIDES_SQL, OVERRIDE_SCHEMA)
    placements = place(firms, chains, overrides=overrides)
    left = unplaced(firms, placements, chains)
    return PlacementRun(firms, placements, left, time.perf_counter() - started)


# Placements per (database, registry version, chains version, firms fingerprint): the map, its
# segment lists, the gaps and the report of one data version place the zone's firms once.
_PLACEMENTS: OrderedDict[tuple, PlacementRun] = OrderedDict()
_PLACEMENTS_LOCK = threading.Lock()
_PLACEMENTS_KEPT = 4


def placement_key(session: Session) -> tuple | None:
    """What a cached placement is valid for, or None when there is no version to trust.

    Every import and override bumps the ``registry`` or ``chains`` version. Rows written without
    an import (test factories, a script) bump nothing: the firm count, highest id and latest
    override id in the key catch added rows there; a version of 0 (never imported) is not cached.
    """
    registry_version = data_version(session, "registry")
    if registry_version == 0:
        return None
    firms, last_firm = session.execute(
        select(func.count(Enterprise.id), func.max(Enterprise.id))
    ).one()
    last_override = session.scalar(select(func.max(PlacementOverride.id)))
    return (
        database_key(session),
        registry_version,
        data_version(session, "chains"),
        firms,
        last_firm,
        last_override,
    )


def cached_placements(session: Session) -> PlacementRun:
    """The placement of every firm on the shipped chains, computed once per data version."""
    key = placement_key(session)
    if key is None:
        return compute_placements(session)
    with _PLACEMENTS_LOCK:
        if key in _PLACEMENTS:
            _PLACEMENTS.move_to_end(key)
            return _PLACEMENTS[key]
    run = compute_placements(session)
    with _PLACEMENTS_LOCK:
        _PLACEMENTS[key] = run
        while len(_PLACEMENTS) > _PLACEMENTS_KEPT:
            _PLACEMENTS.popitem(last=False)
    return run


def clear_placement_cache() -> None:
    with _PLACEMENTS_LOCK:
        _PLACEMENTS.clear()


def placement_summary(
    run: PlacementRun, chains: Sequence[Chain], *, lang: str = "zh"
) -> PlacementSummary:
    """Counts per segment (by rule and by override) and the review list's size per chain."""
    p = run.placements
    counts: dict[tuple[str, str, str], int] = {}
    for chain, segment, source in zip(
        p.column("chain").to_pylist(),
        p.column("segment").to_pylist(),
        p.column("source").to_pylist(),
        strict=True,
    ):
        counts[(chain, segment, source)] = counts.get((chain, segment, source), 0) + 1
    rows = []
    for chain in chains:
        for seg in chain.segments:
            by_rule = counts.get((chain.key, seg.key, "rule"), 0)
            by_override = counts.get((chain.key, seg.key, "override"), 0)
            rows.append(
                SegmentCount(
                    chain=chain.key,
                    segment=seg.key,
                    name=seg.name(lang),
                    position=seg.position.value,
                    firms=by_rule + by_override,
                    by_rule=by_rule,
                    by_override=by_override,
                )
            )
    left = run.unplaced.column("chain").to_pylist()
    return PlacementSummary(
        firms_read=run.firms.num_rows,
        placements=p.num_rows,
        firms_placed=len(set(p.column("enterprise_id").to_pylist())),
        seconds=round(run.seconds, 3),
        segments=rows,
        unplaced={c.key: left.count(c.key) for c in chains},
    )


def _firm_rows(
    run: PlacementRun, ids: pa.Array, extra: pa.Table | None = None
) -> list[FirmOnSegment]:
    firms = run.firms.filter(pc.is_in(run.firms.column("id"), value_set=ids))
    by_id = {row["id"]: row for row in firms.to_pylist()}
    notes = {}
    if extra is not None:
        notes = {r["enterprise_id"]: r for r in extra.to_pylist()}
    rows = []
    for firm_id in ids.to_pylist():
        firm = by_id[firm_id]
        note = notes.get(firm_id, {})
        rows.append(
            FirmOnSegment(
                uscc=firm["uscc"],
                name=firm["name"],
                industry_code=firm["industry_code"],
                employees=firm["employees"],
                source=note.get("source"),
                matched=note.get("matched"),
            )
        )
    rows.sort(key=lambda r: (-(r.employees or 0), r.uscc))
    return rows


def segment_firms(
    run: PlacementRun,
    *,
    chain: str,
    segment: str,
    task_forces: Sequence[str] | None = None,
) -> list[FirmOnSegment]:
    """The firms on one segment, largest first (what a click on the map lists); with
    ``task_forces``, only the firms those task forces follow."""
    check_segment(chain, segment)
    p = run.placements.filter(
        pc.and_(
            pc.equal(run.placements["chain"], chain), pc.equal(run.placements["segment"], segment)
        )
    )
    ids = p.column("enterprise_id").combine_chunks()
    if task_forces is not None:
        followed = run.firms.filter(
            pc.is_in(run.firms["task_force"], value_set=pa.array(list(task_forces), pa.string()))
        )
        ids = pc.filter(ids, pc.is_in(ids, value_set=followed.column("id").combine_chunks()))
    return _firm_rows(run, ids, p)


def unplaced_firms(run: PlacementRun, *, chain: str) -> list[FirmOnSegment]:
    """Firms of the chain's industries on none of its segments: to review, or to override."""
    get_chain(chain)
    u = run.unplaced.filter(pc.equal(run.unplaced["chain"], chain))
    return _firm_rows(run, u.column("enterprise_id").combine_chunks())


def check_segment(chain_key: str, segment: str) -> Chain:
    chain = get_chain(chain_key)
    try:
        chain.segment(segment)
    except KeyError:
        known = ", ".join(s.key for s in chain.segments)
        raise NotFound(
            f"产业链 {chain_key} 没有环节 '{segment}'（可用：{known}）",
            f"chain {chain_key} has no segment '{segment}' (known: {known})",
            details={"chain": chain_key, "segment": segment},
        ) from None
    return chain


def override_placement(
    session: Session,
    *,
    uscc: str,
    chain: str,
    segment: str,
    action: OverrideAction | str,
    reason: str,
    decided_by: str,
) -> PlacementOverride:
    """Record a manual placement decision; it wins over the rules from now on."""
    check_segment(chain, segment)
    if action not in OverrideAction.__members__:
        raise ValidationError(
            f"未知的操作 '{action}'（include、exclude 或 clear）",
            f"unknown action '{action}' (include, exclude or clear)",
        )
    if not reason or not reason.strip():
        raise ValidationError("须写明理由", "a reason is required", details={"field": "reason"})
    if not decided_by or not decided_by.strip():
        raise ValidationError("须写明决定人", "who decided is required", details={"field": "by"})
    firm = registry.get_enterprise(session, uscc=uscc)
    row = PlacementOverride(
        enterprise_id=firm.id,
        chain_key=chain,
        segment_key=segment,
        action=str(action),
        reason=reason.strip(),
        decided_by=decided_by.strip(),
    )
    session.add(row)
    session.flush()  # the id orders overrides: the latest one is in force
    bump_data_version(session, "chains")
    return row


def list_overrides(
    session: Session, *, chain: str | None = None, uscc: str | None = None
) -> list[OverrideRead]:
    """Every override, newest first: the history of manual decisions."""
    stmt = (
        select(PlacementOverride, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == PlacementOverride.enterprise_id)
        .order_by(PlacementOverride.id.desc())
    )
    if chain:
        stmt = stmt.where(PlacementOverride.chain_key == chain)
    if uscc:
        stmt = stmt.where(Enterprise.uscc == uscc.strip().upper())
    return [
        OverrideRead(
            id=o.id,
            uscc=code,
            name=name,
            chain_key=o.chain_key,
            segment_key=o.segment_key,
            action=o.action,
            reason=o.reason,
            decided_by=o.decided_by,
            decided_at=o.decided_at,
        )
        for o, code, name in session.execute(stmt).all()
    ]


def firm_segments(session: Session, *, uscc: str, lang: str = "zh") -> list[FirmSegment]:
    """Where one firm sits on the shipped chains and whom its segments supply."""
    from yuanqu.chains.placement import FIRM_SCHEMA

    firm = registry.get_enterprise(session, uscc=uscc)
    if placement_key(session) is not None:
        # The zone's placement of this data version (kept, and computed at the server's start)
        # holds this firm's rows: placing the firm again would give the same rows, slower.
        placed = cached_placements(session).placements
        rows = placed.filter(pc.equal(placed["enterprise_id"], firm.id)).to_pylist()
    else:
        overrides = read_arrow(
            session, f"{OVERRIDES_SQL} WHERE enterprise_id = {int(firm.id)}", OVERRIDE_SCHEMA
        )
        table = pa.table(
            {
                "id": [firm.id],
                "name": [firm.name],
                "industry_code": [firm.industry_code],
                "industry_section": [firm.industry_section],
                "business_scope": [firm.business_scope],
            },
            schema=FIRM_SCHEMA,
        )
        rows = place(table, shipped_chains(), overrides=overrides).to_pylist()
    result = []
    for row in rows:
        chain = get_chain(row["chain"])
        seg = chain.segment(row["segment"])
        result.append(
            FirmSegment(
                chain=chain.key,
                chain_name=chain.name(lang),
                segment=seg.key,
                segment_name=seg.name(lang),
                position=seg.position.value,
                source=row["source"],
                matched=row["matched"],
                supplies=[chain.segment(k).name(lang) for k in chain.customers[seg.key]],
                supplied_by=[chain.segment(k).name(lang) for k in chain.suppliers[seg.key]],
            )
        )
    return result
