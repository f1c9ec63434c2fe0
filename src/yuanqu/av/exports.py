"""The test zone's exports for people: the annual report and permit lists as workbooks with
headers in the reader's language and units, frozen header rows, autofilters and widths."""

from __future__ import annotations

import io
from typing import Any

from yuanqu.av.models import INITIATOR_NAMES, ROAD_TYPE_NAMES, name_of

# --- exports for people --------------------------------------------------------------------------


def _sheet(workbook: Any, title: str, heads: list[str], rows: list[list[Any]], widths: list[int]):
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    sheet = workbook.add_worksheet(title)
    sheet.write_row(0, 0, heads, bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, ["—" if v is None else v for v in row])
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(heads) - 1)
    return sheet


def report_xlsx(report: dict[str, Any], lang: str) -> bytes:
    """The annual report as a workbook a person reads: headers with units, frozen, filtered."""
    import xlsxwriter

    en = lang == "en"
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    figures = [
        ("Test subjects (firms)" if en else "测试主体（家）", report["test_subjects"]),
        ("Vehicles" if en else "测试车辆（辆）", report["vehicles"]),
        ("Kilometres (km)" if en else "测试里程（公里）", report["km"]),
        ("Driverless kilometres (km)" if en else "无人化里程（公里）", report["driverless_km"]),
        ("Kilometres with passengers (km)" if en else "载人里程（公里）", report["passenger_km"]),
        ("Night kilometres (km)" if en else "夜间里程（公里）", report["night_km"]),
        ("Disengagements (times)" if en else "脱离次数（次）", report["disengagements"]),
        (
            "Km per disengagement (km)" if en else "平均脱离间隔（公里/次）",
            report["km_per_disengagement"],
        ),
        (
            "Disengagements per 1,000 km" if en else "每千公里脱离次数（次）",
            report["disengagements_per_1000_km"],
        ),
        ("Cumulative kilometres (km)" if en else "累计测试里程（公里）", report["cumulative_km"]),
        ("Incidents (cases)" if en else "事件（起）", report["incidents"]["total"]),
        ("Open roads (km)" if en else "开放道路（公里）", report["open_road_km"]),
    ]
    _sheet(
        workbook,
        f"{report['year']} summary" if en else f"{report['year']}年概况",
        ["Figure" if en else "指标", "Value" if en else "数值"],
        [[k, v] for k, v in figures],
        [34, 18],
    )
    _sheet(
        workbook,
        "By test subject" if en else "按测试主体",
        [
            "Test subject" if en else "测试主体",
            "Credit code" if en else "统一社会信用代码",
            "Vehicles" if en else "车辆数（辆）",
            "Kilometres (km)" if en else "测试里程（公里）",
            "Disengagements (times)" if en else "脱离次数（次）",
            "Km per disengagement (km)" if en else "平均脱离间隔（公里/次）",
            "Per 1,000 km (times)" if en else "每千公里脱离（次）",
        ],
        [
            [
                s["name"],
                s["uscc"],
                s["vehicles"],
                s["km"],
                s["disengagements"],
                s["km_per_disengagement"],
                s["disengagements_per_1000_km"],
            ]
            for s in report["by_subject"]
        ],
        [36, 22, 12, 16, 14, 20, 16],
    )
    _sheet(
        workbook,
        "By month" if en else "按月",
        [
            "Month" if en else "月份",
            "Kilometres (km)" if en else "测试里程（公里）",
            "Driverless (km)" if en else "无人化里程（公里）",
            "Disengagements (times)" if en else "脱离次数（次）",
        ],
        [[m["month"], m["km"], m["driverless_km"], m["disengagements"]] for m in report["months"]],
        [12, 18, 18, 16],
    )
    dis_rows = [
        [
            "Initiator" if en else "发起方",
            name_of(INITIATOR_NAMES, r["initiated_by"], lang),
            r["disengagements"],
            r["per_1000_km"],
        ]
        for r in report["by_initiator"]
    ] + [
        [
            "Road type" if en else "道路类型",
            name_of(ROAD_TYPE_NAMES, r["road_type"], lang),
            r["disengagements"],
            r["per_1000_km"],
        ]
        for r in report["by_road_type"]
    ]
    _sheet(
        workbook,
        "Disengagements" if en else "脱离分布",
        [
            "By" if en else "维度",
            "Group" if en else "分组",
            "Disengagements (times)" if en else "脱离次数（次）",
            "Per 1,000 km (times)" if en else "每千公里脱离（次）",
        ],
        dis_rows,
        [12, 20, 16, 18],
    )
    workbook.close()
    return buffer.getvalue()


def permits_xlsx(items: list[dict[str, Any]], lang: str) -> bytes:
    """A list of permits for people: names and words, dates, days left."""
    import xlsxwriter

    en = lang == "en"
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    _sheet(
        workbook,
        "Permits" if en else "测试牌照",
        [
            "Permit number" if en else "牌照编号",
            "Test subject" if en else "测试主体",
            "Credit code" if en else "统一社会信用代码",
            "VIN" if en else "车辆识别代号",
            "Plate" if en else "号牌",
            "Stage" if en else "阶段",
            "Status" if en else "状态",
            "Valid from" if en else "有效期起",
            "Valid until" if en else "有效期至",
            "Days left (days)" if en else "剩余天数（天）",
        ],
        [
            [
                i["permit_no"],
                i["firm"],
                i["uscc"],
                i["vin"],
                i["plate"],
                i["stage_name"],
                i["status_name"],
                i["valid_from"].isoformat(),
                i["valid_until"].isoformat(),
                i["days_left"],
            ]
            for i in items
        ],
        [16, 32, 22, 20, 12, 22, 10, 12, 12, 14],
    )
    workbook.close()
    return buffer.getvalue()
