"""ECharts options for the chain map, built in Python and passed to templates with ``|tojson``.

Segments are nodes coloured by strength grade and sized by output when the statistics give it
(by firm count until then); gaps get a red border; edges point from supplier to customer.
Positions lay the graph out left to right (上游 → 中游 → 下游).
"""

from __future__ import annotations

import math
from typing import Any

from yuanqu.chains.definitions import POSITION_NAMES, get_chain
from yuanqu.chains.schemas import GRADE_NAMES, ChainCoverage, Gap

GRADE_COLOURS = {
    "strong": "#2e7d32",
    "medium": "#f9a825",
    "weak": "#ef6c00",
    "absent": "#9e9e9e",
}
_COLUMN_X = {"upstream": 100, "midstream": 400, "downstream": 700}


def _size(value: float, largest: float) -> float:
    """Node diameter 24-72 px on a square-root scale of output (or firm count)."""
    if largest <= 0:
        return 24.0
    return round(24 + 48 * math.sqrt(max(value, 0) / largest), 1)


def chain_map_option(
    coverage: ChainCoverage, gaps: list[Gap] | None = None, *, lang: str = "zh"
) -> dict[str, Any]:
    """A ``graph`` series option: one node per segment, one directed edge per supply link."""
    chain = get_chain(coverage.chain)
    gap_keys = {g.segment for g in gaps or [] if g.chain == chain.key}
    use_output = any(s.output_fen for s in coverage.segments)
    measure = {
        s.segment: float(s.output_fen or 0) if use_output else s.firms for s in coverage.segments
    }
    largest = max(measure.values(), default=0)
    rows: dict[str, int] = {}
    nodes = []
    for s in coverage.segments:
        row = rows.get(s.position, 0)
        rows[s.position] = row + 1
        nodes.append(
            {
                "id": s.segment,
                "name": s.name,
                "x": _COLUMN_X[s.position],
                "y": 80 + 110 * row,
                "symbolSize": _size(measure[s.segment], largest),
                "value": measure[s.segment],
                "category": s.position,
                "itemStyle": {
                    "color": GRADE_COLOURS[s.grade],
                    "borderColor": "#c62828" if s.segment in gap_keys else "#ffffff",
                    "borderWidth": 4 if s.segment in gap_keys else 1,
                },
                "tooltip": {
                    "formatter": (
                        f"{s.name}<br>{GRADE_NAMES[s.grade][1 if lang == 'en' else 0]} "
                        f"{s.score} · {s.firms}"
                    )
                },
                # What a click asks for: the segment's firms (JSON twin of the page's list).
                "segment_key": f"{chain.key}.{s.segment}",
            }
        )
    edges = [{"source": e.source, "target": e.target} for e in chain.edges]
    categories = [{"name": POSITION_NAMES[p][1 if lang == "en" else 0]} for p in _COLUMN_X]
    return {
        "title": {"text": chain.name(lang), "subtext": coverage.as_of.isoformat()},
        "tooltip": {},
        # No category legend: nodes are coloured by grade (the page's own legend), and the
        # positions read from left to right.
        "series": [
            {
                "type": "graph",
                "layout": "none",
                # Room for the labels of the outer columns on a narrow screen. Only the sides:
                # with all four set ECharts stretches the view (and the round nodes) to the box.
                "left": "14%",
                "right": "14%",
                "roam": True,
                "label": {"show": True, "position": "bottom"},
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 10,
                "lineStyle": {"width": 2, "curveness": 0.15, "opacity": 0.7},
                "categories": categories,
                "data": [{**n, "category": list(_COLUMN_X).index(n["category"])} for n in nodes],
                "links": edges,
            }
        ],
    }


def chain_sankey_option(coverage: ChainCoverage, *, lang: str = "zh") -> dict[str, Any]:
    """A ``sankey`` of supply links weighted by the supplying segment's firms (at least 1)."""
    chain = get_chain(coverage.chain)
    by_key = {s.segment: s for s in coverage.segments}
    return {
        "title": {"text": chain.name(lang)},
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "sankey",
                "emphasis": {"focus": "adjacency"},
                "data": [
                    {"name": s.name, "itemStyle": {"color": GRADE_COLOURS[s.grade]}}
                    for s in coverage.segments
                ],
                "links": [
                    {
                        "source": by_key[e.source].name,
                        "target": by_key[e.target].name,
                        "value": max(1, by_key[e.source].firms),
                    }
                    for e in chain.edges
                ],
            }
        ],
    }
