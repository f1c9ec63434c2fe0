"""Printing what the demo built."""

from __future__ import annotations

from rich.table import Table

from yuanqu.core.terminal import console, t
from yuanqu.demo.service import DemoSummary
from yuanqu.registry.models import LABEL_NAMES


def print_summary(summary: DemoSummary) -> None:
    console.print(
        t(
            f"[bold]演示园区已生成[/]：{summary.firms:,} 家企业，用时 {summary.seconds:.1f} 秒"
            f"（种子 {summary.seed}）",
            f"[bold]demo zone built[/]: {summary.firms:,} firms in {summary.seconds:.1f} s "
            f"(seed {summary.seed})",
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
    for code, count in summary.task_forces.items():
        forces.add_row(code, f"{count:,}")
    console.print(forces)
    console.print(
        t(
            f"生物技术和大健康 {summary.biotech_and_health:,} 家；商业航天 "
            f"{summary.commercial_aerospace:,} 家；机器人 {summary.robotics:,} 家",
            f"biotech and health {summary.biotech_and_health:,}; commercial aerospace "
            f"{summary.commercial_aerospace:,}; robotics {summary.robotics:,}",
        )
    )
    if summary.chains:
        from yuanqu.chains.definitions import get_chain

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
