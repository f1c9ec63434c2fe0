"""Printing what the demo built."""

from __future__ import annotations

from rich.table import Table

from yuanqu.chains.definitions import get_chain
from yuanqu.core.money import format_yuan
from yuanqu.core.terminal import console, t
from yuanqu.demo.service import DemoSummary
from yuanqu.demo.zone import TASK_FORCES
from yuanqu.registry.models import LABEL_NAMES


def print_summary(summary: DemoSummary) -> None:
    console.print(
        t(
            f"[bold]企业库与统计数据已生成[/]：{summary.firms:,} 家企业，"
            f"此步用时 {summary.seconds:.1f} 秒（种子 {summary.seed}）；接着生成政策兑现和演示账号",
            f"[bold]registry and statistics built[/]: {summary.firms:,} firms, this step "
            f"{summary.seconds:.1f} s (seed {summary.seed}); awards and demo accounts next",
        )
    )
    table = Table(title=t(f"截至 {summary.as_of} 的标签", f"labels as of {summary.as_of}"))
    table.add_column(t("标签", "label"))
    table.add_column(t("企业数", "firms"), justify="right")
    for label, count in summary.labels.items():
        zh, en = LABEL_NAMES.get(label, (label, label))
        table.add_row(t(zh, en), f"{count:,}")
    console.print(table)
    forces = Table(title=t("主导产业专班", "leading-industry task forces"))
    forces.add_column(t("专班", "task force"))
    forces.add_column(t("企业数", "firms"), justify="right")
    names = {f.code: t(f.name_zh, f.name_en) for f in TASK_FORCES}
    for code, count in summary.task_forces.items():
        forces.add_row(names.get(code, code), f"{count:,}")
    console.print(forces)
    if summary.service is not None and summary.service.requests:
        desk = summary.service
        closed = 100.0 * desk.closed / desk.requests
        console.print(
            t(
                f"企业服务：2023 年受理诉求 {desk.requests:,} 件，办结 {closed:.1f}%，"
                f"复查复核 {desk.reopened} 件；服务管家 {desk.advisers:,} 人次，"
                f"走访 {desk.visits:,} 次（发现问题转诉求 {desk.raised_on_visits:,} 件）",
                f"service desk: {desk.requests:,} requests in 2023, {closed:.1f}% closed, "
                f"{desk.reopened} reopened; {desk.advisers:,} adviser assignments, "
                f"{desk.visits:,} visits ({desk.raised_on_visits:,} issues raised as requests)",
            )
        )
    console.print(
        t(
            f"生物技术和大健康 {summary.biotech_and_health:,} 家；商业航天 "
            f"{summary.commercial_aerospace:,} 家；机器人 {summary.robotics:,} 家",
            f"biotech and health {summary.biotech_and_health:,}; commercial aerospace "
            f"{summary.commercial_aerospace:,}; robotics {summary.robotics:,}",
        )
    )
    if summary.chains:
        chains = Table(
            title=t(
                f"产业链落位（{summary.placement_seconds:.1f} 秒）",
                f"placed on the chains ({summary.placement_seconds:.1f} s)",
            )
        )
        chains.add_column(t("产业链", "chain"))
        chains.add_column(t("落位企业", "firms placed"), justify="right")
        chains.add_column(t("待复核", "for review"), justify="right")
        for key, (placed, review) in summary.chains.items():
            chains.add_row(get_chain(key).name(t("zh", "en")), f"{placed:,}", f"{review:,}")
        console.print(chains)
    if summary.facts is not None:
        facts = summary.facts
        console.print(
            t(
                f"政策年度数据 {facts.rows:,} 条：2022 年获批临床试验 "
                f"{facts.trials.get(2022, 0)} 项、"
                f"商业火箭发射 {facts.launches.get(2022, 0)} 次、交付卫星 "
                f"{facts.satellites.get(2022, 0)} 颗；科技保险保费来自 {facts.premium_firms:,} "
                "家企业次",
                f"policy facts {facts.rows:,}: in 2022 {facts.trials.get(2022, 0)} clinical trials "
                f"approved, {facts.launches.get(2022, 0)} launches, "
                f"{facts.satellites.get(2022, 0)} satellites delivered; premiums of "
                f"{facts.premium_firms:,} firm-years",
            )
        )
    print_portfolio(summary)


def print_calibration(figures: dict[str, float | None], summary: DemoSummary | None = None) -> None:
    """The 2023 bulletin figures the demo statistics are calibrated to."""

    def show(value: float | None, digits: int = 1) -> str:
        return "—" if value is None else f"{value:,.{digits}f}"

    if summary is not None:
        console.print(
            t(
                f"统计月报：{summary.reporting_firms:,} 家报送企业，{summary.monthly_reports:,} "
                "条月报（2019-01 至 2024-12）",
                f"statistics: {summary.reporting_firms:,} reporting firms, "
                f"{summary.monthly_reports:,} monthly reports (2019-01 to 2024-12)",
            )
        )
    table = Table(title=t("2023年1-12月（校准目标）", "Jan-Dec 2023 (calibration targets)"))
    table.add_column(t("指标", "figure"))
    table.add_column(t("数值", "value"), justify="right")
    table.add_column(t("目标", "target"))
    lines = (
        ("工业总产值（亿元）", "gross industrial output (100m yuan)", "gross_output_yi", "≈ 5,200"),
        ("工业总产值同比（%）", "output YoY (%)", "gross_output_yoy_pct", ""),
        ("工业增加值（亿元）", "industrial value added (100m yuan)", "value_added_yi", ""),
        (
            "工业增加值占北京市比重（%）",
            "value added, share of Beijing (%)",
            "value_added_share_of_beijing_pct",
            "≈ 30",
        ),
        (
            "固定资产投资（亿元）",
            "fixed-asset investment (100m yuan)",
            "fixed_asset_investment_yi",
            "> 1,000",
        ),
        (
            "其中工业投资（亿元）",
            "of which industrial (100m yuan)",
            "industrial_fixed_asset_investment_yi",
            "463",
        ),
        (
            "战略性新兴产业占产值比重（%）",
            "strategic emerging share of output (%)",
            "strategic_emerging_share_pct",
            "≈ 44",
        ),
    )
    for zh, en, key, target in lines:
        table.add_row(t(zh, en), show(figures.get(key)), target)
    console.print(table)


def print_portfolio(summary: DemoSummary) -> None:
    p = summary.portfolio
    if p is None:
        return
    signed = format_yuan(p.signed_investment_fen, lang="en" if t("zh", "en") == "en" else "zh")
    console.print(
        t(
            f"重点项目 {p.projects} 个；2023年七个一批共 {p.tracked_in_year} 个项目，"
            f"签约 {p.signed_in_year} 个、总投资 {signed}；招商线索 {p.leads} 条；"
            f"未销号事项 {p.open_items} 项，年末逾期 {p.overdue_items} 项",
            f"{p.projects} key projects; {p.tracked_in_year} in the 2023 seven batches, "
            f"{p.signed_in_year} signed for {signed}; {p.leads} leads; {p.open_items} open "
            f"list items, {p.overdue_items} overdue at year end",
        )
    )
    table = Table(title=t("2023年七个一批", "seven batches, 2023"))
    table.add_column(t("批次", "batch"))
    table.add_column(t("项目数", "projects"), justify="right")
    for name, count in p.batches.items():
        table.add_row(name, str(count))
    console.print(table)
