"""The plan chart speaks to its reader: the target line's label sits inside the chart (it was
clipped at the right edge) and reads "目标 2000亿元" in Chinese, "target CNY 200 bn" in English,
as the site writes amounts for English readers (billions, not "CNY 100m")."""

from __future__ import annotations

from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from yuanqu.plans.export import write_xlsx
from yuanqu.plans.schemas import PlanRead, SeriesPoint, TargetProgress
from yuanqu.plans.views import target_charts


def plan_with(unit: str, target: int, values: list[int]) -> PlanRead:
    progress = TargetProgress(
        key="t",
        name="生物技术和大健康产业营业收入",
        indicator="revenue",
        indicator_name="营业收入",
        scope="all",
        unit=unit,
        target=target,
        deadline=date(2025, 12, 31),
        actual=values[-1],
        actual_label="2023",
        completion=values[-1] / target,
        forecast=None,
        forecast_method="",
        needed_per_year=None,
        needed_growth=None,
        status="on_track",
        status_name="进度正常",
        milestones=[],
        series=[SeriesPoint(label=str(2021 + i), value=v) for i, v in enumerate(values)],
    )
    return PlanRead(
        key="p",
        title="p",
        issuer="管委会",
        number=None,
        period="2023–2025",
        owner=None,
        owner_name=None,
        source_url=None,
        source_text=None,
        verified=False,
        as_of=date(2023, 12, 31),
        targets=[progress],
    )


YI_FEN = 10_000_000_000  # 1 亿元 in fen


@pytest.mark.parametrize(
    ("lang", "label", "axis", "line", "bar"),
    [
        ("zh", "目标 {c}亿元", "亿元", 2000.0, 1250.0),
        ("en", "target CNY {c} bn", "CNY bn", 200.0, 125.0),
    ],
)
def test_target_label_inside_the_chart_in_the_readers_unit(
    lang: str, label: str, axis: str, line: float, bar: float
) -> None:
    option = target_charts(plan_with("fen", 2000 * YI_FEN, [1250 * YI_FEN]), lang=lang)["t"]
    mark = option["series"][0]["markLine"]
    assert mark["label"]["formatter"] == label
    assert mark["label"]["position"] == "insideEndTop"  # not past the chart's right edge
    assert mark["data"][0]["yAxis"] == line
    assert option["series"][0]["data"] == [bar]
    assert option["yAxis"]["name"] == axis and option["yAxis"]["max"] >= line


def test_counts_and_space_keep_their_unit_with_a_space_in_english() -> None:
    firms = target_charts(plan_with("firms", 100, [40]), lang="en")["t"]
    assert firms["series"][0]["markLine"]["label"]["formatter"] == "target {c} firms"
    space = target_charts(plan_with("sqm", 50_000, [20_000]), lang="zh")["t"]
    assert space["series"][0]["markLine"]["label"]["formatter"] == "目标 {c}平方米"
    assert space["yAxis"]["name"] == "平方米"


@pytest.mark.parametrize(
    ("lang", "unit", "target", "actual"),
    [("zh", "亿元", 2000.0, 1250.0), ("en", "CNY bn", 200.0, 125.0)],
)
def test_xlsx_writes_amounts_in_the_readers_unit(tmp_path, lang, unit, target, actual) -> None:
    path = write_xlsx(
        [plan_with("fen", 2000 * YI_FEN, [1250 * YI_FEN])], tmp_path / "p.xlsx", lang=lang
    )
    row = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[4]
    assert row[1] == unit
    assert row[2] == pytest.approx(target)
    assert row[4] == pytest.approx(actual)
