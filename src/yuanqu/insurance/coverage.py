"""Coverage analytics on the columnar engine: DuckDB over Arrow read from the system of record.

One snapshot per data version of the registry and the insurance book (see
:mod:`yuanqu.analytics.engine`): the first report after an import reads the tables through ADBC,
every later one reuses them, and a result already computed for the same question is memoised.
Pure functions over the snapshot; no ORM here.

Definitions (the figures insurers' annual statistics use):

- a policy counts in the year its cover **starts** (policies written, 承保件数), with its sum
  insured (保险金额) and premium (保费); cancelled policies are left out;
- groups: product (险种), insurer, industry section, label held at the year's end, start month;
- cover of high-tech firms: the firms holding the ``high_tech`` label on ``as_of`` with at least
  one policy in force that day (start <= as_of <= end, not cancelled), over all such firms;
- claim cycle time: days from report to settlement, for claims settled in the year (median and
  90th percentile, by product and by month of settlement); declined claims are counted
  apart, and so are claims still open at the year's end;
- loss ratio by product: claims paid in the year over premiums written in the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import CACHE, LoadedData, TableSpec
from yuanqu.core.db import DataVersion
from yuanqu.core.errors import ValidationError
from yuanqu.insurance.models import DATASET

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "firms",
        "SELECT id, uscc, industry_section, COALESCE(task_force, '') AS task_force "
        "FROM enterprises",
        "SELECT CAST(id AS BIGINT) AS id, CAST(uscc AS VARCHAR) AS uscc, "
        "CAST(industry_section AS VARCHAR) AS section, CAST(task_force AS VARCHAR) AS task_force "
        "FROM raw",
    ),
    TableSpec(
        "labels",
        "SELECT enterprise_id, label, COALESCE(CAST(valid_from AS TEXT), '') AS valid_from, "
        "COALESCE(CAST(valid_to AS TEXT), '') AS valid_to FROM enterprise_labels",
        "SELECT CAST(enterprise_id AS BIGINT) AS enterprise_id, CAST(label AS VARCHAR) AS label, "
        "CAST(valid_from AS VARCHAR) AS valid_from, CAST(valid_to AS VARCHAR) AS valid_to "
        "FROM raw",
    ),
    TableSpec(
        "policies",
        "SELECT id, enterprise_id, insurer, product, sum_insured_fen, premium_fen, "
        "CAST(start_date AS TEXT) AS start_date, CAST(end_date AS TEXT) AS end_date, status "
        "FROM insurance_policies",
        "SELECT CAST(id AS BIGINT) AS id, CAST(enterprise_id AS BIGINT) AS enterprise_id, "
        "CAST(insurer AS VARCHAR) AS insurer, CAST(product AS VARCHAR) AS product, "
        "CAST(sum_insured_fen AS BIGINT) AS sum_insured_fen, "
        "CAST(premium_fen AS BIGINT) AS premium_fen, CAST(start_date AS DATE) AS start_date, "
        "CAST(end_date AS DATE) AS end_date, CAST(status AS VARCHAR) AS status FROM raw",
    ),
    TableSpec(
        "claims",
        "SELECT policy_id, status, CAST(reported_on AS TEXT) AS reported_on, "
        "COALESCE(CAST(closed_on AS TEXT), '') AS closed_on, COALESCE(paid_fen, 0) AS paid_fen "
        "FROM insurance_claims",
        "SELECT CAST(policy_id AS BIGINT) AS policy_id, CAST(status AS VARCHAR) AS status, "
        "CAST(reported_on AS DATE) AS reported_on, "
        "CAST(NULLIF(CAST(closed_on AS VARCHAR), '') AS DATE) AS closed_on, "
        "CAST(paid_fen AS BIGINT) AS paid_fen FROM raw",
    ),
)

# The book with small integer keys: grouping 400,000 rows on integers, not on Chinese text, is
# what keeps the distinct-firm counts fast. Built once per snapshot.
TABLES = (
    *TABLES,
    TableSpec(
        "products",
        "",
        "SELECT product AS name, CAST(row_number() OVER (ORDER BY product) AS SMALLINT) AS k "
        "FROM (SELECT DISTINCT product FROM policies)",
        derived=True,
    ),
    TableSpec(
        "insurers",
        "",
        "SELECT insurer AS name, CAST(row_number() OVER (ORDER BY insurer) AS SMALLINT) AS k "
        "FROM (SELECT DISTINCT insurer FROM policies)",
        derived=True,
    ),
    TableSpec(
        "book",
        "",
        "SELECT p.id, p.enterprise_id, pr.k AS pk, i.k AS ik, "
        "CAST(month(p.start_date) AS SMALLINT) AS m, p.start_date, p.end_date, "
        "p.status <> 'cancelled' AS live, p.sum_insured_fen, p.premium_fen "
        "FROM policies p JOIN products pr ON pr.name = p.product "
        "JOIN insurers i ON i.name = p.insurer ORDER BY p.start_date",
        derived=True,
    ),
)

BREAKDOWNS = ("product", "insurer", "section", "label", "month")


@dataclass(frozen=True)
class GroupRow:
    """Policies written in the year for one group (``by`` = the breakdown, ``total`` for all)."""

    by: str
    group: str
    policies: int
    firms: int
    sum_insured_fen: int
    premium_fen: int


@dataclass(frozen=True)
class HighTechCover:
    as_of: date
    high_tech_firms: int
    covered_firms: int

    @property
    def share_pct(self) -> float | None:
        if not self.high_tech_firms:
            return None
        return round(100 * self.covered_firms / self.high_tech_firms, 1)


@dataclass(frozen=True)
class ClaimRow:
    """Claims by product (``group``) or month of closing; cycle days over settled claims."""

    by: str
    group: str
    settled: int
    declined: int
    open: int
    median_days: float | None
    p90_days: float | None
    paid_fen: int
    premium_fen: int

    @property
    def loss_ratio_pct(self) -> float | None:
        if not self.premium_fen:
            return None
        return round(100 * self.paid_fen / self.premium_fen, 1)


@dataclass(frozen=True)
class CoverageReport:
    year: int
    rows: list[GroupRow]
    high_tech: HighTechCover
    claims: list[ClaimRow]

    def total(self) -> GroupRow:
        return next(r for r in self.rows if r.by == "total")

    def by(self, name: str) -> list[GroupRow]:
        return [r for r in self.rows if r.by == name]

    def claims_by(self, name: str) -> list[ClaimRow]:
        return [r for r in self.claims if r.by == name]


def versions(session: Session) -> tuple:
    rows = session.execute(
        select(DataVersion.dataset, DataVersion.version).where(
            DataVersion.dataset.in_(("registry", DATASET))
        )
    ).all()
    found = dict(rows)
    return (found.get("registry"), found.get(DATASET))


def snapshot(session: Session) -> LoadedData:
    """The registry and the insurance book in DuckDB, as of the last committed import."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    data, _warm = CACHE.get(url, TABLES, versions(session))
    return data


def check_year(year: int) -> int:
    if not 1990 <= year <= 2100:
        raise ValidationError(
            f"年度 {year} 不合理（1990–2100）",
            f"year {year} is not plausible (1990-2100)",
            details={"year": year},
        )
    return year


def _labels_at(day: date) -> str:
    iso = day.isoformat()
    return (
        "SELECT DISTINCT enterprise_id, label FROM labels "
        f"WHERE valid_from <= '{iso}' AND (valid_to = '' OR valid_to >= '{iso}')"
    )


def coverage_report(data: LoadedData, *, year: int, as_of: date | None = None) -> CoverageReport:
    """Policies written in ``year`` by every breakdown, high-tech cover on ``as_of`` (default:
    the year's end) and claims closed in the year, memoised per snapshot."""
    check_year(year)
    as_of = as_of or date(year, 12, 31)
    return data.memoised(("insurance.coverage", year, as_of), lambda: _compute(data, year, as_of))


def _compute(data: LoadedData, year: int, as_of: date) -> CoverageReport:
    end = date(year, 12, 31)
    written = (
        "SELECT * FROM book WHERE live "
        f"AND start_date BETWEEN DATE '{year}-01-01' AND DATE '{year}-12-31'"
    )
    # Per firm first (a few tens of thousands of rows): section, label and the total group
    # firms, so their firm counts are plain counts.
    per_firm = (
        "SELECT enterprise_id, count(*) AS n, sum(sum_insured_fen) AS s, "
        f"sum(premium_fen) AS p FROM ({written}) GROUP BY enterprise_id"
    )
    keyed = " UNION ALL ".join(
        f"SELECT '{by}' AS by, CAST({key} AS VARCHAR) AS grp, count(*) AS policies, "
        "count(DISTINCT enterprise_id) AS firms, sum(sum_insured_fen) AS sum_insured, "
        f"sum(premium_fen) AS premium FROM w GROUP BY {key}"
        for by, key in (("product", "pk"), ("insurer", "ik"), ("month", "m"))
    )
    by_firm = f"""
        SELECT 'section' AS by, f.section AS grp, sum(a.n) AS policies, count(*) AS firms,
               sum(a.s) AS sum_insured, sum(a.p) AS premium
        FROM a JOIN firms f ON f.id = a.enterprise_id GROUP BY f.section
        UNION ALL
        SELECT 'label', l.label, sum(a.n), count(*), sum(a.s), sum(a.p)
        FROM a JOIN ({_labels_at(end)}) l ON l.enterprise_id = a.enterprise_id GROUP BY l.label
        UNION ALL
        SELECT 'total', 'total', COALESCE(sum(a.n), 0), count(*), COALESCE(sum(a.s), 0),
               COALESCE(sum(a.p), 0) FROM a"""
    found = data.query(
        f"WITH w AS MATERIALIZED ({written}), a AS MATERIALIZED ({per_firm}) "
        f"{keyed} UNION ALL {by_firm}"
    ).to_pylist()
    names = {
        ("product", str(r["k"])): r["name"]
        for r in data.query("SELECT name, k FROM products").to_pylist()
    }
    names.update(
        (("insurer", str(r["k"])), r["name"])
        for r in data.query("SELECT name, k FROM insurers").to_pylist()
    )
    rows = [
        GroupRow(
            r["by"],
            names.get((r["by"], r["grp"]), r["grp"]),
            int(r["policies"]),
            int(r["firms"]),
            int(r["sum_insured"] or 0),
            int(r["premium"] or 0),
        )
        for r in found
    ]
    rows.sort(key=_order)
    return CoverageReport(year, rows, high_tech_cover(data, as_of), _claims(data, year))


def _order(row: GroupRow) -> tuple:
    rank = ("total", *BREAKDOWNS).index(row.by)
    if row.by == "month":
        return (rank, int(row.group), "")
    return (rank, -row.sum_insured_fen, row.group)


def high_tech_cover(data: LoadedData, as_of: date) -> HighTechCover:
    iso = as_of.isoformat()
    total, covered = (
        data.query(
            f"""SELECT count(*) AS firms,
                   count(*) FILTER (WHERE id IN (
                       SELECT enterprise_id FROM book WHERE live
                       AND start_date <= DATE '{iso}' AND end_date >= DATE '{iso}')) AS covered
            FROM (SELECT DISTINCT enterprise_id AS id FROM ({_labels_at(as_of)})
                  WHERE label = 'high_tech')"""
        )
        .to_pylist()[0]
        .values()
    )
    return HighTechCover(as_of, int(total), int(covered))


def _claims(data: LoadedData, year: int) -> list[ClaimRow]:
    lo, hi = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'"
    rows = data.query(
        f"""WITH c AS (
              SELECT p.product, c.status, c.paid_fen,
                     CAST(month(c.closed_on) AS VARCHAR) AS month,
                     date_diff('day', c.reported_on, c.closed_on) AS days,
                     COALESCE(c.closed_on BETWEEN {lo} AND {hi}, false) AS closed_in_year,
                     c.reported_on <= {hi} AND (c.closed_on IS NULL OR c.closed_on > {hi})
                       AS open_at_end
              FROM claims c JOIN policies p ON p.id = c.policy_id
              WHERE c.closed_on BETWEEN {lo} AND {hi}
                 OR (c.reported_on <= {hi} AND (c.closed_on IS NULL OR c.closed_on > {hi}))),
            k AS (
              SELECT CASE WHEN GROUPING(product) = 0 THEN 'product' ELSE 'month' END AS by,
                     COALESCE(product, month) AS grp,
                     count(*) FILTER (WHERE status = 'settled' AND closed_in_year) AS settled,
                     count(*) FILTER (WHERE status = 'declined' AND closed_in_year) AS declined,
                     count(*) FILTER (WHERE open_at_end) AS open,
                     median(days) FILTER (WHERE status = 'settled' AND closed_in_year)
                       AS median_days,
                     quantile_cont(days, 0.9) FILTER (WHERE status = 'settled' AND closed_in_year)
                       AS p90_days,
                     COALESCE(sum(paid_fen) FILTER (WHERE closed_in_year), 0) AS paid
              FROM c GROUP BY GROUPING SETS ((product), (month)))
            SELECT k.*, COALESCE(w.premium, 0) AS premium FROM k LEFT JOIN (
              SELECT product, sum(premium_fen) AS premium FROM policies
              WHERE status <> 'cancelled' AND start_date BETWEEN {lo} AND {hi}
              GROUP BY product) w ON k.by = 'product' AND w.product = k.grp
            WHERE k.grp IS NOT NULL"""
    ).to_pylist()
    out = [
        ClaimRow(
            r["by"],
            r["grp"],
            int(r["settled"]),
            int(r["declined"]),
            int(r["open"]),
            _days(r["median_days"]),
            _days(r["p90_days"]),
            int(r["paid"]),
            int(r["premium"]) if r["by"] == "product" else 0,
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (r.by, int(r.group) if r.by == "month" else 0, r.group))


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)
