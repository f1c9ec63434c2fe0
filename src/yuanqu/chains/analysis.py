"""Coverage, strength and gaps per segment, computed on the columnar engine (DuckDB over Arrow).

**Strength score** (0-100) of a segment with ``n`` firms, as of a date:

    presence  = min(1, ln(1 + n) / ln(1 + 30))          # 30 firms or more: full presence
    quality   = min(1, high_tech_share / 0.5)            # half the firms high-tech: full quality
    anchors   = min(1, anchor_firms / 3)                 # 3 anchors: full (listed, Global 500,
                                                         # little giant, unicorn, above-scale)
    diversity = 1 - HHI / 10,000                         # HHI on the firms' employees
    score     = 100 * (0.40 presence + 0.25 quality + 0.20 anchors + 0.15 diversity)

**Grade**: ``absent`` with no firm; ``strong`` at 65 or more; ``medium`` at 40 or more; else
``weak``. Labels count as of the date asked (a lapsed high-tech certificate does not count).

**Gaps** are the absent and weak segments. A gap's priority is its weakness times what depends
on it: ``(1 - score/100) * (1 + sum over strong segments it supplies, directly or through other
segments, of 1/distance)``. The action is 补链 *fill* for an absent segment that supplies a strong
one (or supplies nothing strong and is not fed by one), 延链 *extend* for an absent segment fed by a
strong one, 强链 *strengthen* for a weak one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from yuanqu.analytics import spark
from yuanqu.analytics.choice import DUCKDB, EngineChoice
from yuanqu.analytics.tables import duck, read_arrow
from yuanqu.chains.definitions import Chain, get_chain, segment_key, shipped_chains
from yuanqu.chains.schemas import ChainCoverage, Gap, SegmentCoverage, TopFirm
from yuanqu.chains.service import PlacementRun, cached_placements
from yuanqu.registry.firms import Label
from yuanqu.stats.service import group_figures

ANCHOR_LABELS = (
    Label.listed,
    Label.fortune_global_500,
    Label.little_giant,
    Label.unicorn,
    Label.above_scale,
)
LABELS_SCHEMA = pa.schema([("enterprise_id", pa.int64()), ("label", pa.string())])
FULL_PRESENCE_FIRMS = 30
WEIGHTS = {"presence": 0.40, "quality": 0.25, "anchors": 0.20, "diversity": 0.15}
STRONG, MEDIUM = 65.0, 40.0


def labels_on_sql(as_of: date, table: str = "enterprise_labels") -> str:
    """(firm, label) pairs valid on ``as_of`` for the labels coverage uses: one definition, run
    on the system of record (DuckDB engine) or on the exported table (Spark engine)."""
    wanted = ", ".join(f"'{label}'" for label in (Label.high_tech, *ANCHOR_LABELS))
    day = as_of.isoformat()  # a date object's ISO text: safe to inline, and the same on both DBs
    return (
        f"SELECT DISTINCT enterprise_id, label FROM {table} "
        f"WHERE label IN ({wanted}) "
        f"AND (valid_from IS NULL OR valid_from <= '{day}') "
        f"AND (valid_to IS NULL OR valid_to >= '{day}')"
    )


def labels_on(session: Session, as_of: date) -> pa.Table:
    """(firm, label) pairs valid on ``as_of`` for the labels coverage uses."""
    return read_arrow(session, labels_on_sql(as_of), LABELS_SCHEMA)


def strength_score(*, firms: int, high_tech_share: float, anchors: int, hhi: float) -> float:
    """The documented strength score (module docstring), 0-100, one decimal."""
    if firms == 0:
        return 0.0
    presence = min(1.0, math.log1p(firms) / math.log1p(FULL_PRESENCE_FIRMS))
    quality = min(1.0, high_tech_share / 0.5)
    anchor = min(1.0, anchors / 3)
    diversity = 1.0 - hhi / 10_000
    score = 100 * (
        WEIGHTS["presence"] * presence
        + WEIGHTS["quality"] * quality
        + WEIGHTS["anchors"] * anchor
        + WEIGHTS["diversity"] * diversity
    )
    return round(score, 1)


def grade_of(firms: int, score: float) -> str:
    if firms == 0:
        return "absent"
    if score >= STRONG:
        return "strong"
    if score >= MEDIUM:
        return "medium"
    return "weak"


_SEGMENT_SQL = """
WITH p AS (SELECT DISTINCT enterprise_id, segment FROM placements WHERE chain = {chain}),
ht AS (SELECT DISTINCT enterprise_id FROM labels WHERE label = 'high_tech'),
an AS (SELECT DISTINCT enterprise_id FROM labels WHERE label <> 'high_tech'),
j AS (
    SELECT p.segment, f.id, f.uscc, f.name,
           coalesce(f.employees, 0)::BIGINT AS size,
           coalesce(f.registered_capital_fen, 0) AS capital,
           ht.enterprise_id IS NOT NULL AS high_tech,
           an.enterprise_id IS NOT NULL AS anchor
    FROM p JOIN firms f ON f.id = p.enterprise_id
    LEFT JOIN ht ON ht.enterprise_id = f.id
    LEFT JOIN an ON an.enterprise_id = f.id
),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY segment ORDER BY size DESC, capital DESC, uscc) AS rank
    FROM j
)
"""


#: Runs one DuckDB-dialect query over the tables ``placements``, ``firms`` and ``labels`` and
#: returns its rows: DuckDB over Arrow here, Spark over Parquet in :mod:`yuanqu.analytics.spark`.
SegmentQuery = Callable[[str], list[tuple]]


def segment_queries(chain: Chain, *, top: int = 5) -> tuple[str, str]:
    """The two definitions of coverage: per segment aggregates, and the top firms."""
    head = _SEGMENT_SQL.format(chain="'" + chain.key.replace("'", "''") + "'")
    aggregates = (
        head
        + """
        SELECT segment, count(*) AS firms,
               count(*) FILTER (WHERE high_tech) AS high_tech,
               count(*) FILTER (WHERE anchor) AS anchors,
               sum(size)::HUGEINT AS size_total,
               sum(size * size)::HUGEINT AS size_squares,
               sum(size) FILTER (WHERE rank <= 3)::HUGEINT AS top3_size
        FROM ranked GROUP BY segment
        """
    )
    tops = (
        head
        + f"""
        SELECT segment, uscc, name, size, high_tech FROM ranked
        WHERE rank <= {int(top)} ORDER BY segment, rank
        """
    )
    return aggregates, tops


def segment_figures(
    run: PlacementRun | None,
    labels: pa.Table | None,
    chain: Chain,
    *,
    top: int = 5,
    query: SegmentQuery | None = None,
) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Per segment: counts and exact integer sums (aggregates), and the top firms. By default
    on DuckDB over ``run`` and ``labels``; ``query`` runs the same SQL elsewhere (Spark)."""
    aggregate_sql, top_sql = segment_queries(chain, top=top)
    if query is not None:
        aggregates, tops = query(aggregate_sql), query(top_sql)
    else:
        assert run is not None and labels is not None
        conn = duck()
        try:
            conn.register("placements", run.placements)
            conn.register("firms", run.firms)
            conn.register("labels", labels)
            aggregates = conn.execute(aggregate_sql).fetchall()
            tops = conn.execute(top_sql).fetchall()
        finally:
            conn.close()
    figures = {
        row[0]: {
            "firms": int(row[1]),
            "high_tech": int(row[2]),
            "anchors": int(row[3]),
            "size_total": int(row[4] or 0),
            "size_squares": int(row[5] or 0),
            "top3_size": int(row[6] or 0),
        }
        for row in aggregates
    }
    top_firms: dict[str, list[dict]] = {}
    for segment, uscc, name, size, high_tech in tops:
        top_firms.setdefault(segment, []).append(
            {"uscc": uscc, "name": name, "employees": int(size), "high_tech": bool(high_tech)}
        )
    return figures, top_firms


def _concentration(fig: dict) -> tuple[float, float]:
    """HHI (0-10,000) and top-3 share from exact integer sums; equal shares if no sizes."""
    n, total = fig["firms"], fig["size_total"]
    if n == 0:
        return 0.0, 0.0
    if total == 0:
        return 10_000 / n, min(3, n) / n
    return 10_000 * fig["size_squares"] / total**2, fig["top3_size"] / total


def chain_coverage(
    session: Session,
    *,
    chain: str,
    as_of: date,
    run: PlacementRun | None = None,
    lang: str = "zh",
    top: int = 5,
    period: str | None = None,
    labels: pa.Table | None = None,
    engine: EngineChoice = DUCKDB,
) -> ChainCoverage:
    """Coverage and strength of every segment of ``chain`` as of ``as_of``; with ``period``,
    each segment's output, value added and growth to that month from the statistics. On Spark
    the segment figures run over the exported dataset with the same SQL; output and growth still
    come from the statistics engine of the system of record."""
    definition = get_chain(chain)
    if engine.is_spark:
        assert engine.source is not None  # checked by EngineChoice.resolve
        query = spark.chain_query(engine.source, engine.master, labels_on_sql(as_of))
        figures, top_firms = segment_figures(None, None, definition, top=top, query=query)
    else:
        run = run or cached_placements(session)
        labels = labels if labels is not None else labels_on(session, as_of)
        figures, top_firms = segment_figures(run, labels, definition, top=top)
    stats = (
        segment_statistics(session, run or cached_placements(session), definition, period)
        if period
        else {}
    )
    segments = []
    for seg in definition.segments:
        fig = figures.get(
            seg.key,
            {
                "firms": 0,
                "high_tech": 0,
                "anchors": 0,
                "size_total": 0,
                "size_squares": 0,
                "top3_size": 0,
            },
        )
        hhi, top3 = _concentration(fig)
        share = fig["high_tech"] / fig["firms"] if fig["firms"] else 0.0
        score = strength_score(
            firms=fig["firms"], high_tech_share=share, anchors=fig["anchors"], hhi=hhi
        )
        total = fig["size_total"]
        segments.append(
            SegmentCoverage(
                chain=definition.key,
                segment=seg.key,
                name=seg.name(lang),
                position=seg.position.value,
                firms=fig["firms"],
                high_tech=fig["high_tech"],
                high_tech_share=round(share, 4),
                anchors=fig["anchors"],
                size_total=total,
                hhi=round(hhi, 1),
                top3_share=round(top3, 4),
                top_firms=[
                    TopFirm(
                        **f,
                        share=round(f["employees"] / total if total else 1 / fig["firms"], 4),
                    )
                    for f in top_firms.get(seg.key, [])
                ],
                score=score,
                grade=grade_of(fig["firms"], score),  # type: ignore[arg-type]
                **stats.get(seg.key, {}),
            )
        )
    return ChainCoverage(
        chain=definition.key,
        name=definition.name(lang),
        as_of=as_of,
        period=period,
        segments=segments,
    )


def segment_statistics(
    session: Session, run: PlacementRun, chain: Chain, period: str
) -> dict[str, dict]:
    """Output, value added and their growth per segment, from the statistics of the firms
    placed on it (the stats domain's grouped figures: the bulletin's own rules)."""
    mask = pc.equal(run.placements["chain"], chain.key)
    placed = run.placements.filter(mask)
    groups = pa.table(
        {
            "enterprise_id": placed.column("enterprise_id").combine_chunks(),
            "group": placed.column("segment").combine_chunks(),
        }
    )
    fields = {
        "gross_output": ("output_fen", "output_growth"),
        "value_added": ("value_added_fen", "value_added_growth"),
    }
    found: dict[str, dict] = {}
    for row in group_figures(session, period=period, groups=groups, indicators=list(fields)):
        value, growth = fields[row.indicator]
        entry = found.setdefault(row.group, {})
        entry[value] = None if row.cumulative is None else int(row.cumulative)
        entry[growth] = None if row.cumulative_yoy_pct is None else round(row.cumulative_yoy_pct, 2)
    return found


def _downstream_distances(chain: Chain, start: str) -> dict[str, int]:
    """Segments reachable from ``start`` along supply edges, with their shortest distance."""
    distances: dict[str, int] = {}
    queue = deque([(start, 0)])
    while queue:
        node, dist = queue.popleft()
        for nxt in chain.customers[node]:
            if nxt not in distances and nxt != start:
                distances[nxt] = dist + 1
                queue.append((nxt, dist + 1))
    return distances


def rank_gaps(coverages: Sequence[ChainCoverage], *, lang: str = "zh") -> list[Gap]:
    """The absent and weak segments of the given chains, highest priority first."""
    gaps: list[Gap] = []
    order = 0
    keyed: list[tuple[float, int, Gap]] = []
    for coverage in coverages:
        chain = get_chain(coverage.chain)
        by_key = {s.segment: s for s in coverage.segments}
        strong = {k for k, s in by_key.items() if s.grade == "strong"}
        for seg in coverage.segments:
            order += 1
            if seg.grade not in ("absent", "weak"):
                continue
            reach = _downstream_distances(chain, seg.segment)
            dependents = sorted((k for k in reach if k in strong), key=lambda k: (reach[k], k))
            weight = sum(1 / reach[k] for k in dependents)
            fed_by_strong = any(k in strong for k in chain.suppliers[seg.segment])
            if seg.grade == "weak":
                action = "strengthen"
            elif fed_by_strong and not dependents:
                action = "extend"
            else:
                action = "fill"
            priority = round((1 - seg.score / 100) * (1 + weight), 3)
            gap = Gap(
                rank=0,
                chain=chain.key,
                segment=seg.segment,
                segment_key=segment_key(chain.key, seg.segment),
                name=seg.name,
                position=seg.position,
                grade=seg.grade,
                score=seg.score,
                firms=seg.firms,
                action=action,  # type: ignore[arg-type]
                strong_dependents=[chain.segment(k).name(lang) for k in dependents],
                priority=priority,
            )
            keyed.append((-priority, order, gap))
    for rank, (_p, _o, gap) in enumerate(sorted(keyed, key=lambda t: (t[0], t[1])), start=1):
        gap.rank = rank
        gaps.append(gap)
    return gaps


def chain_gaps(
    session: Session,
    *,
    as_of: date,
    chain: str | None = None,
    run: PlacementRun | None = None,
    lang: str = "zh",
    targets_per_gap: int = 10,
    coverages: Sequence[ChainCoverage] | None = None,
) -> list[Gap]:
    """Ranked gaps of one chain or all shipped chains, each with its candidate targets and the
    open leads and projects that would fill it (``coverages``: already computed, as the map
    page has them)."""
    from yuanqu.chains.links import links_by_segment
    from yuanqu.chains.targets import targets_for_segment

    if coverages is None:
        run = run or cached_placements(session)
        labels = labels_on(session, as_of)  # read once for every chain
        keys = [chain] if chain else [c.key for c in shipped_chains()]
        coverages = [
            chain_coverage(session, chain=key, as_of=as_of, run=run, lang=lang, labels=labels)
            for key in keys
        ]
    gaps = rank_gaps(coverages, lang=lang)
    links = links_by_segment(session) if gaps else {}
    for gap in gaps:
        gap.targets = targets_for_segment(
            session, chain=gap.chain, segment=gap.segment, limit=targets_per_gap
        )
        gap.links = links.get(gap.segment_key, [])
    return gaps
