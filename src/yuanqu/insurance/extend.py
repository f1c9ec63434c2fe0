"""An import that only adds rows files the next version of the book's columnar part itself.

The rows an import adds never change afterwards (until another import, which bumps the
version again), and the importer holds them already, validated. So when an import inserts
policies or claims and replaces nothing, and the book's part of the version it built upon is
cached (in memory or on disk), the part of the new version is that part plus the new rows: the
first report after the import maps it back instead of reading the whole book again.

Safety: the extension is computed only once the session **commits** (a rolled-back import files
nothing), and only from the part of exactly the version read under the data-version row's lock
in the import's own transaction, so no other write can sit between the two. Anything else (a
replacement, a missing base, any error) files nothing, and the report reads the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from yuanqu.analytics.ipc_cache import IpcCache
from yuanqu.core.db import DataVersion, bump_data_version
from yuanqu.insurance import frames
from yuanqu.insurance.models import DATASET, InsurancePolicy

log = logging.getLogger(__name__)
_KEY = "insurance.extend"
_CHUNK = 500


@dataclass
class _Step:
    previous: int | None
    version: int
    policies: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    #: False once a step replaced rows: the chain then files nothing.
    appends_only: bool = True


def bump_with_rows(
    session: Session,
    *,
    policies: list[dict[str, Any]] | None = None,
    claims: list[dict[str, Any]] | None = None,
    appends_only: bool,
) -> int:
    """Bump the book's data version and, on commit, file the new version's columnar part as
    the previous part plus these inserted rows (``appends_only=False``: rows were replaced,
    file nothing). Returns the new version."""
    row = session.get(DataVersion, DATASET, with_for_update=True)
    previous = row.version if row is not None else None
    version = bump_data_version(session, DATASET)
    step = _Step(previous, version, appends_only=appends_only)
    if appends_only:
        try:
            step.policies = [_policy(p) for p in policies or [] if p.get("status") != "cancelled"]
            step.claims = _claims_with_product(session, claims or [])
        except Exception:  # never fail an import for its cache: the report reads the book
            log.exception("the import's rows could not be kept for the book's columnar part")
            step.appends_only = False
    _pending(session).append(step)
    return version


def _policy(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "enterprise_id": row["enterprise_id"],
        "insurer": row["insurer"],
        "product": row["product"],
        "sum_insured_fen": row["sum_insured_fen"],
        "premium_fen": row["premium_fen"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
    }


def _claims_with_product(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = sorted({r["policy_id"] for r in rows})
    product: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = select(InsurancePolicy.id, InsurancePolicy.product).where(
            InsurancePolicy.id.in_(ids[start : start + _CHUNK])
        )
        product.update((id_, name) for id_, name in session.execute(stmt))
    return [
        {
            "product": product[r["policy_id"]],
            "status": r["status"],
            "reported_on": r["reported_on"],
            "closed_on": r["closed_on"],
            "paid_fen": r["paid_fen"] or 0,
        }
        for r in rows
    ]


def _pending(session: Session) -> list[_Step]:
    if _KEY not in session.info:
        session.info[_KEY] = []
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
    return session.info[_KEY]


def _after_rollback(session: Session) -> None:
    session.info.get(_KEY, []).clear()


def _after_commit(session: Session) -> None:
    steps = list(session.info.get(_KEY, []))
    session.info.get(_KEY, []).clear()
    if not steps or not all(step.appends_only for step in steps):
        return
    try:
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
        _file(url, steps)
    except Exception:  # an optimisation: the report reads the database instead
        log.exception("the book's columnar part was not extended; the next report reads it")


def _file(url: str, steps: list[_Step]) -> None:
    base_version = steps[0].previous
    if base_version is None:
        return
    base = frames.cached_part(url, DATASET, base_version)
    if base is None:
        return
    tables = dict(base)
    for step, before in zip(steps, [base_version, *[s.version for s in steps]], strict=False):
        if step.previous != before:
            return
        tables = _extended(tables, step)
    last = steps[-1].version
    IpcCache(frames.cache_root(), url).put(frames.slot(DATASET), last, tables)
    frames.remember(url, DATASET, frames.Part(last, tables))


def _extended(tables: dict[str, pa.Table], step: _Step) -> dict[str, pa.Table]:
    """The book's tables with the step's rows appended, shaped as a full read shapes them
    (new products and insurers get the next keys: keys are labels, never ordered)."""
    out = dict(tables)
    if step.policies:
        products, pk = _keyed(tables["products"], [p["product"] for p in step.policies])
        insurers, ik = _keyed(tables["insurers"], [p["insurer"] for p in step.policies])
        book = tables["book"]
        new = pa.Table.from_pydict(
            {
                "enterprise_id": [p["enterprise_id"] for p in step.policies],
                "pk": pk,
                "ik": ik,
                "m": [p["start_date"].month for p in step.policies],
                "start_date": [p["start_date"] for p in step.policies],
                "end_date": [p["end_date"] for p in step.policies],
                "sum_insured_fen": [p["sum_insured_fen"] for p in step.policies],
                "premium_fen": [p["premium_fen"] for p in step.policies],
            },
            schema=book.schema,
        )
        out.update(book=pa.concat_tables([book, new]), products=products, insurers=insurers)
    if step.claims:
        claims = tables["claims"]
        new = pa.Table.from_pylist(step.claims, schema=claims.schema)
        out["claims"] = pa.concat_tables([claims, new])
    return out


def _keyed(dictionary: pa.Table, names: list[str]) -> tuple[pa.Table, list[int]]:
    keys = dict(
        zip(dictionary.column("name").to_pylist(), dictionary.column("k").to_pylist(), strict=True)
    )
    for name in names:
        if name not in keys:
            keys[name] = len(keys) + 1
    table = pa.Table.from_pydict(
        {"k": list(keys.values()), "name": list(keys)}, schema=dictionary.schema
    )
    return table, [keys[name] for name in names]
