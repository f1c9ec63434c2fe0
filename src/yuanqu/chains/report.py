"""The chain report as xlsx: coverage, gaps with targets, firms per segment, the review list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from yuanqu.chains.analysis import chain_coverage, rank_gaps
from yuanqu.chains.definitions import Chain, get_chain
from yuanqu.chains.links import links_by_segment
from yuanqu.chains.schemas import ACTION_NAMES, GRADE_NAMES
from yuanqu.chains.service import PlacementRun, compute_placements
from yuanqu.chains.targets import targets_for_segment
from yuanqu.chains.views import cut_to, followed_firm_ids

FORMULA_ZH = (
    "强度得分 = 100 ×（0.40 × 集聚度 + 0.25 × 高新占比得分 + 0.20 × 龙头企业得分"
    " + 0.15 × 分散度）；"
    "集聚度 = min(1, ln(1+企业数)/ln(31))；高新占比得分 = min(1, 高新占比/0.5)；"
    "龙头企业得分 = min(1, 龙头企业数/3)（上市、世界500强、小巨人、独角兽、规上）；"
    "分散度 = 1 − HHI/10000（按从业人员）。≥65 强，≥40 中，其余弱，无企业为缺失。"
)
FORMULA_EN = (
    "score = 100 × (0.40 presence + 0.25 quality + 0.20 anchors + 0.15 diversity); "
    "presence = min(1, ln(1+n)/ln(31)); quality = min(1, high-tech share/0.5); "
    "anchors = min(1, anchor firms/3) (listed, Global 500, little giant, unicorn, above-scale); "
    "diversity = 1 − HHI/10,000 (on employees). ≥65 strong, ≥40 medium, else weak; no firm: absent."
)


def write_report(
    session: Session,
    path: Path,
    *,
    chains: Sequence[Chain],
    as_of: date,
    lang: str = "zh",
    run: PlacementRun | None = None,
    period: str | None = None,
    task_forces: Sequence[str] | None = None,
) -> Path:
    """Write the report of ``chains`` as of ``as_of`` to ``path`` (xlsx); with ``period``, each
    segment's output, value added and growth to that month (in 万元 and percent).

    With ``task_forces`` (a task-force member's), every firm named in the report is one those task
    forces follow, as on the map and in its JSON twin: the segments' figures and grades stay the
    zone's aggregates, the top firms, the firm list and the review list are cut."""
    import xlsxwriter

    en = lang == "en"
    run = run or compute_placements(session)
    coverages = [
        chain_coverage(session, chain=c.key, as_of=as_of, run=run, lang=lang, period=period)
        for c in chains
    ]
    # Gaps are ranked on every firm (as on the map) before the coverage is cut.
    gaps = rank_gaps(coverages, lang=lang)
    visible = None if task_forces is None else followed_firm_ids(run, task_forces)
    if task_forces is not None:
        for coverage in coverages:
            cut_to(coverage, run, task_forces)
    book = xlsxwriter.Workbook(str(path))
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    pct = book.add_format({"num_format": "0.0%"})

    def sheet(name_zh: str, name_en: str, headers: Sequence[str], widths: Sequence[int]):
        ws = book.add_worksheet(name_en if en else name_zh)
        ws.write_row(0, 0, headers, head)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.freeze_panes(1, 0)
        # A filter over the header row: Excel extends it to the rows below as they are read.
        ws.autofilter(0, 0, 0, len(headers) - 1)
        return ws

    ws = sheet(
        "环节强度",
        "coverage",
        [
            "产业链",
            "环节",
            "位置",
            "企业数",
            "高新企业",
            "高新占比",
            "龙头企业",
            "HHI",
            "前三占比",
            "得分",
            "等级",
            "龙头（前三）",
            "工业总产值（万元）",
            "总产值增速%",
            "工业增加值（万元）",
            "增加值增速%",
        ]
        if not en
        else [
            "chain",
            "segment",
            "position",
            "firms",
            "high-tech",
            "high-tech share",
            "anchors",
            "HHI",
            "top-3 share",
            "score",
            "grade",
            "top firms",
            "output (10k yuan)",
            "output growth %",
            "value added (10k yuan)",
            "value added growth %",
        ],
        [16, 24, 10, 8, 8, 10, 8, 8, 10, 8, 8, 60, 14, 10, 14, 10],
    )
    row = 1
    for coverage in coverages:
        for s in coverage.segments:
            ws.write_row(row, 0, [coverage.name, s.name, s.position, s.firms, s.high_tech])
            ws.write_number(row, 5, s.high_tech_share, pct)
            ws.write_row(row, 6, [s.anchors, s.hhi])
            ws.write_number(row, 8, s.top3_share, pct)
            grade = GRADE_NAMES[s.grade][1 if en else 0]
            ws.write_row(row, 9, [s.score, grade, "、".join(f.name for f in s.top_firms[:3])])
            for col, value in enumerate(
                (
                    None if s.output_fen is None else s.output_fen / 1_000_000,
                    s.output_growth,
                    None if s.value_added_fen is None else s.value_added_fen / 1_000_000,
                    s.value_added_growth,
                ),
                start=12,
            ):
                if value is not None:
                    ws.write_number(row, col, value)
            row += 1
    ws.write(row + 1, 0, FORMULA_EN if en else FORMULA_ZH)

    ws = sheet(
        "缺口",
        "gaps",
        [
            "排名",
            "产业链",
            "环节",
            "等级",
            "动作",
            "优先级",
            "依赖它的强环节",
            "候选目标企业",
            "在谈线索与项目",
        ]
        if not en
        else [
            "rank",
            "chain",
            "segment",
            "grade",
            "action",
            "priority",
            "strong dependents",
            "candidate targets",
            "open leads and projects",
        ],
        [6, 16, 24, 8, 8, 8, 30, 50, 40],
    )
    all_links = links_by_segment(session)
    for i, gap in enumerate(gaps, start=1):
        targets = targets_for_segment(session, chain=gap.chain, segment=gap.segment)
        links = all_links.get(gap.segment_key, [])
        ws.write_row(
            i,
            0,
            [
                gap.rank,
                get_chain(gap.chain).name(lang),
                gap.name,
                GRADE_NAMES[gap.grade][1 if en else 0],
                ACTION_NAMES[gap.action][1 if en else 0],
                gap.priority,
                "、".join(gap.strong_dependents),
                "、".join(f"{t.name}（{t.region or ''}）" for t in targets),
                "、".join(f"{link['name']}（{link['stage']}）" for link in links),
            ],
        )

    ws = sheet(
        "环节企业",
        "firms",
        ["产业链", "环节", "信用代码", "企业名称", "行业代码", "从业人员", "来源", "依据"]
        if not en
        else ["chain", "segment", "credit code", "name", "industry", "employees", "source", "why"],
        [16, 24, 20, 36, 8, 8, 8, 30],
    )
    firms = {r["id"]: r for r in run.firms.to_pylist()}
    keys = {c.key for c in chains}
    row = 1
    for p in run.placements.to_pylist():
        if p["chain"] not in keys or (visible is not None and p["enterprise_id"] not in visible):
            continue
        chain = get_chain(p["chain"])
        firm = firms[p["enterprise_id"]]
        ws.write_row(
            row,
            0,
            [
                chain.name(lang),
                chain.segment(p["segment"]).name(lang),
                firm["uscc"],
                firm["name"],
                firm["industry_code"],
                firm["employees"],
                p["source"],
                p["matched"],
            ],
        )
        row += 1

    ws = sheet(
        "待复核",
        "review",
        ["产业链", "信用代码", "企业名称", "行业代码"]
        if not en
        else ["chain", "credit code", "name", "industry"],
        [16, 20, 36, 8],
    )
    row = 1
    for u in run.unplaced.to_pylist():
        if u["chain"] not in keys or (visible is not None and u["enterprise_id"] not in visible):
            continue
        firm = firms[u["enterprise_id"]]
        ws.write_row(
            row,
            0,
            [get_chain(u["chain"]).name(lang), firm["uscc"], firm["name"], firm["industry_code"]],
        )
        row += 1
    book.close()
    return path
