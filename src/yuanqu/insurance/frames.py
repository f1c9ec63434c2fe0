"""The registry and the insurance book as the coverage report reads them: Arrow tables in DuckDB.

Two parts, each keyed by the data version of the dataset it comes from, so an import re-reads
only what it changed: ``registry`` (firms, labels) and ``insurance`` (the book of policies, its
product and insurer dictionaries, the claims). A part is found, in order:

1. in memory (this process read it already at this version);
2. in the columnar cache of the data directory (Arrow IPC files written at the first read of
   this version, see :mod:`yuanqu.analytics.ipc_cache`): a process restart reads no table;
3. in the system of record: only the columns the report uses, all missing parts in one read
   transaction together with the data versions, so the version a part is stored under is the
   version of exactly the rows read (never older: a part read at version V is never filed
   under an earlier V).

What never changes for a given version is computed once, on arrival: dates parsed, products and
insurers replaced by small integer keys, the start month. Cancelled policies count nowhere in
the report, so the book holds only the others (their claims still count, joined to their
product in the read). The report's queries then group integers, not Chinese text.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import LoadedData, read_arrow
from yuanqu.analytics.ipc_cache import IpcCache
from yuanqu.core.config import get_settings
from yuanqu.core.db import DataVersion
from yuanqu.insurance.models import DATASET

REGISTRY = "registry"
PARTS = (REGISTRY, DATASET)
#: Bumped when the shape of a cached part changes: files of another layout are never read.
LAYOUT = 2

VERSIONS_SQL = (
    f"SELECT dataset, version FROM data_versions WHERE dataset IN ('{REGISTRY}', '{DATASET}')"
)
#: Plain SQL valid on SQLite and PostgreSQL. Dates arrive as ISO text on both ('' for none: the
#: SQLite driver types a column from its first rows, and a NULL there would fail a later text).
SOURCES: dict[str, dict[str, str]] = {
    REGISTRY: {
        "firms": "SELECT id, industry_section FROM enterprises",
        "labels": "SELECT enterprise_id, label, COALESCE(CAST(valid_from AS TEXT), '') "
        "AS valid_from, COALESCE(CAST(valid_to AS TEXT), '') AS valid_to FROM enterprise_labels",
    },
    DATASET: {
        "policies": "SELECT enterprise_id, insurer, product, sum_insured_fen, premium_fen, "
        "CAST(start_date AS TEXT) AS start_date, CAST(end_date AS TEXT) AS end_date "
        "FROM insurance_policies WHERE status <> 'cancelled'",
        "claims": "SELECT p.product, c.status, CAST(c.reported_on AS TEXT) AS reported_on, "
        "COALESCE(CAST(c.closed_on AS TEXT), '') AS closed_on, COALESCE(c.paid_fen, 0) "
        "AS paid_fen FROM insurance_claims c JOIN insurance_policies p ON p.id = c.policy_id",
    },
}


@dataclass(frozen=True)
class Part:
    """One part's tables at one data version (``None``: the dataset was never written)."""

    version: int | None
    tables: dict[str, pa.Table]


@dataclass
class Reads:
    """What loading did, for tests and the benchmark: parts read from the database, parts
    found in the columnar cache."""

    database: int = 0
    disk: int = 0


READS = Reads()
_parts: dict[tuple[str, str], Part] = {}
_snapshots: dict[str, LoadedData] = {}
_lock = threading.Lock()


def session_versions(session: Session) -> dict[str, int | None]:
    """The data versions of the registry and the book as the session sees them."""
    found = dict(
        session.execute(
            select(DataVersion.dataset, DataVersion.version).where(DataVersion.dataset.in_(PARTS))
        ).all()
    )
    return {part: found.get(part) for part in PARTS}


def snapshot_versions(versions: Mapping[str, int | None]) -> tuple[int | None, ...]:
    return tuple(versions[part] for part in PARTS)


def cache_root() -> Path:
    return Path(get_settings().data_dir) / "cache" / "columnar"


def snapshot(url: str, versions: Mapping[str, int | None]) -> LoadedData:
    """The registry and the book in DuckDB at ``versions`` (or newer committed ones)."""
    key = snapshot_versions(versions)
    with _lock:
        found = _snapshots.get(url)
        if found is not None and found.versions == key:
            return found
        parts = _resolve(url, versions)
        data = _build(url, parts)
        old = _snapshots.get(url)
        _snapshots[url] = data
    if old is not None:
        old.connection.close()
    return data


def clear() -> None:
    """Forget every part and snapshot held in memory (a process restart, for the benchmark and
    tests); the columnar cache on disk stays."""
    with _lock:
        for data in _snapshots.values():
            data.connection.close()
        _snapshots.clear()
        _parts.clear()


def cached_part(url: str, name: str, version: int) -> dict[str, pa.Table] | None:
    """The part ``name`` at exactly ``version`` if this process or the columnar cache has it."""
    with _lock:
        held = _parts.get((url, name))
    if held is not None and held.version == version:
        return held.tables
    return IpcCache(cache_root(), url).get(slot(name), version)


def remember(url: str, name: str, part: Part) -> None:
    """Hold ``part`` in memory for the next snapshot (an import extended it)."""
    with _lock:
        _parts[(url, name)] = part


def _resolve(url: str, versions: Mapping[str, int | None]) -> dict[str, Part]:
    store = IpcCache(cache_root(), url)
    parts: dict[str, Part] = {}
    missing: list[str] = []
    for name in PARTS:
        version = versions[name]
        held = _parts.get((url, name))
        if held is not None and held.version == version and version is not None:
            parts[name] = held
            continue
        tables = store.get(slot(name), version) if version is not None else None
        if tables is not None:
            READS.disk += 1
            parts[name] = _parts[(url, name)] = Part(version, tables)
            continue
        missing.append(name)
    if missing:
        for name, part in _read(url, missing).items():
            READS.database += 1
            parts[name] = _parts[(url, name)] = part
            if part.version is not None:
                store.put(slot(name), part.version, part.tables)
    return parts


def slot(name: str) -> str:
    """The columnar cache's name for a part (its layout version included)."""
    return f"insurance-{name}-v{LAYOUT}"


def _read(url: str, names: list[str]) -> dict[str, Part]:
    """The parts ``names`` from the system of record, in one read with the data versions."""
    queries = {"versions": VERSIONS_SQL}
    for name in names:
        queries.update(SOURCES[name])
    raw = read_arrow(url, queries)
    read = raw["versions"].to_pydict()
    found: dict[str, int] = {
        str(d): int(v) for d, v in zip(read["dataset"], read["version"], strict=True)
    }
    shapes = {REGISTRY: _shape_registry, DATASET: _shape_book}
    return {name: Part(found.get(name), shapes[name](raw)) for name in names}


def _dates(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO text ('' for none) as date32."""
    text = column.cast(pa.string())
    return pc.if_else(pc.equal(text, ""), None, text).cast(pa.date32())


def _keys(column: pa.ChunkedArray) -> tuple[pa.Array, pa.ChunkedArray]:
    """A text column as (sorted distinct values, int16 key per row: 1 + position)."""
    names = pc.unique(column.cast(pa.string())).sort()
    return names, pc.add(pc.index_in(column, value_set=names), 1).cast(pa.int16())


def _shape_registry(raw: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    firms, labels = raw["firms"], raw["labels"]
    return {
        "firms": pa.table(
            {
                "id": firms.column(0).cast(pa.int64()),
                "section": firms.column(1).cast(pa.string()),
            }
        ),
        "labels": pa.table(
            {
                "enterprise_id": labels.column(0).cast(pa.int64()),
                "label": labels.column(1).cast(pa.string()),
                "valid_from": _dates(labels.column(2)),
                "valid_to": _dates(labels.column(3)),
            }
        ),
    }


def _shape_book(raw: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    policies, claims = raw["policies"], raw["claims"]
    products, pk = _keys(policies.column("product"))
    insurers, ik = _keys(policies.column("insurer"))
    start = _dates(policies.column("start_date"))
    book = pa.table(
        {
            "enterprise_id": policies.column("enterprise_id").cast(pa.int64()),
            "pk": pk,
            "ik": ik,
            "m": pc.month(start).cast(pa.int8()),
            "start_date": start,
            "end_date": _dates(policies.column("end_date")),
            "sum_insured_fen": policies.column("sum_insured_fen").cast(pa.int64()),
            "premium_fen": policies.column("premium_fen").cast(pa.int64()),
        }
    )

    def dictionary(names: pa.Array) -> pa.Table:
        keys = pa.array(range(1, len(names) + 1), type=pa.int16())
        return pa.table({"k": keys, "name": names})

    return {
        "book": book,
        "products": dictionary(products),
        "insurers": dictionary(insurers),
        "claims": pa.table(
            {
                "product": claims.column(0).cast(pa.string()),
                "status": claims.column(1).cast(pa.string()),
                "reported_on": _dates(claims.column(2)),
                "closed_on": _dates(claims.column(3)),
                "paid_fen": claims.column(4).cast(pa.int64()),
            }
        ),
    }


def _build(url: str, parts: Mapping[str, Part]) -> LoadedData:
    """A fresh in-memory DuckDB holding every part's tables (copied in: the report's queries
    run faster on DuckDB's own tables than on Arrow scans).

    One thread: at half a million rows a query is a tenth of a second on one core, and on a
    shared machine (a web server's concurrent requests, or this 2-core box under load) a
    second thread made the copy and the report slower, not faster (measured: 0.25 s against
    0.5 s for the copy at load 10)."""
    connection = duckdb.connect(
        ":memory:", config={"autoinstall_known_extensions": False, "threads": 1}
    )
    for part in parts.values():
        for name, table in part.tables.items():
            connection.register("raw", table)
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM raw")
            connection.unregister("raw")
    versions: Hashable = tuple(parts[name].version for name in PARTS)
    return LoadedData(versions=versions, connection=connection, url=url)
