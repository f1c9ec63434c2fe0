"""What the chain map shows, in one call shared by the page and its JSON twin: coverage with the
statistics, the ranked gaps with their targets, leads and projects, and the review count.

Task-force members see every segment's figures (they are the zone's aggregates) but only the firms
their task forces follow: the top-firm lists are cut to those.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel
from sqlalchemy.orm import Session

from yuanqu.chains.analysis import chain_coverage, chain_gaps
from yuanqu.chains.definitions import get_chain, shipped_chains
from yuanqu.chains.schemas import ChainCoverage, Gap
from yuanqu.chains.service import PlacementRun, cached_placements, placement_key
from yuanqu.core.auth import Principal, Role
from yuanqu.core.cache import LruCache
from yuanqu.core.db import data_version
from yuanqu.core.periods import Period
from yuanqu.stats.service import latest_period

#: Each chain's coverage per version of the placements and the statistics, date, month and
#: language (a few hundred KB each): the map's figures are computed once per data change.
_COVERAGES: LruCache[ChainCoverage] = LruCache(32)


def clear_cache() -> None:
    """Forget the kept coverages (tests; the placements have their own)."""
    _COVERAGES.clear()


class ChainSummary(BaseModel):
    key: str
    name: str
    segments: int


class ChainOverview(BaseModel):
    """The chain map's data (the JSON twin of ``/chains/{chain}``)."""

    coverage: ChainCoverage
    gaps: list[Gap]
    unplaced: int
    chains: list[ChainSummary]


def list_chains(*, lang: str = "zh") -> list[ChainSummary]:
    return [
        ChainSummary(key=c.key, name=c.name(lang), segments=len(c.segments))
        for c in shipped_chains()
    ]


def followed_by(principal: Principal | None) -> tuple[str, ...] | None:
    """The task forces whose firms a task-force member may see; None: every firm."""
    if principal is not None and principal.role == Role.task_force:
        return principal.task_forces
    return None


def statistics_period(session: Session, period: str | None) -> str | None:
    """The month asked for (checked), else the latest month reported; None without reports."""
    if period:
        return str(Period.parse(period))
    return latest_period(session)


def _followed(run: PlacementRun, task_forces: Sequence[str]) -> pa.Table:
    return run.firms.filter(
        pc.is_in(run.firms["task_force"], value_set=pa.array(list(task_forces), pa.string()))
    )


def followed_firm_ids(run: PlacementRun, task_forces: Sequence[str]) -> set[int]:
    """The ids of the run's firms that these task forces follow."""
    return set(_followed(run, task_forces).column("id").to_pylist())


def cut_to(coverage: ChainCoverage, run: PlacementRun, task_forces: Sequence[str]) -> None:
    """Cut the coverage's firm lists to the firms these task forces follow (figures stay)."""
    visible = set(_followed(run, task_forces).column("uscc").to_pylist())
    for segment in coverage.segments:
        segment.top_firms = [f for f in segment.top_firms if f.uscc in visible]


def chain_overview(
    session: Session,
    *,
    chain: str,
    as_of: date,
    period: str | None = None,
    lang: str = "zh",
    task_forces: Sequence[str] | None = None,
) -> ChainOverview:
    """Coverage (with output, value added and growth to ``period``), gaps and review count."""
    definition = get_chain(chain)
    run = cached_placements(session)
    month = statistics_period(session, period)
    key = placement_key(session)
    if key is None:
        coverage = chain_coverage(
            session, chain=definition.key, as_of=as_of, run=run, lang=lang, period=month
        )
    else:
        # The zone's coverage of one version of the registry, chains and statistics; a copy is
        # handed out, so cutting it to a task force's firms below leaves the kept one whole.
        kept = _COVERAGES.get_or_compute(
            (key, data_version(session, "stats"), definition.key, as_of, month, lang),
            lambda: chain_coverage(
                session, chain=definition.key, as_of=as_of, run=run, lang=lang, period=month
            ),
        )
        coverage = kept.model_copy(deep=True)
    # Gaps from this coverage before it is cut to a task force's firms (grades use every firm).
    gaps = chain_gaps(session, as_of=as_of, run=run, lang=lang, coverages=[coverage])
    if task_forces is not None:
        cut_to(coverage, run, task_forces)
    unplaced = int(pc.sum(pc.equal(run.unplaced["chain"], definition.key)).as_py() or 0)
    return ChainOverview(
        coverage=coverage, gaps=gaps, unplaced=unplaced, chains=list_chains(lang=lang)
    )
