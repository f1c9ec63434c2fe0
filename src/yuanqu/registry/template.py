"""The registry import's column guide and template file: what each column holds, in the
reader's language, and an xlsx with the canonical headers, a sample row and the guide."""

from __future__ import annotations

import io
from dataclasses import dataclass

from yuanqu.core.uscc import make_usccs
from yuanqu.registry.importer import COLUMNS


@dataclass(frozen=True)
class ColumnGuide:
    column: str  # the canonical header
    required: bool
    zh: str  # what it holds, and how to write it
    en: str
    sample: str

    def describe(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


GUIDE = (
    ColumnGuide(
        "uscc",
        True,
        "统一社会信用代码，18 位，含校验位；该列请设为文本格式，以免 Excel 把代码变成数字",
        "unified social credit code, 18 characters with its check digit; format the column as "
        "text so Excel does not turn it into a number",
        make_usccs([19_870_512], division="110302")[0],
    ),
    ColumnGuide(
        "name", True, "企业名称（工商登记名称）", "registered name", "北京示例科技有限公司"
    ),
    ColumnGuide(
        "industry_code",
        True,
        "国民经济行业代码（GB/T 4754-2017），大类、中类或小类，可带门类字母：C3985 或 3985",
        "industry code (GB/T 4754-2017) at division, group or class level, with or without the "
        "section letter: C3985 or 3985",
        "C3985",
    ),
    ColumnGuide(
        "established", False, "成立日期，年-月-日", "date established, YYYY-MM-DD", "2016-05-18"
    ),
    ColumnGuide(
        "registered_capital",
        False,
        "注册资本，单位元；以万元填写时把表头写成“注册资本(万元)”",
        "registered capital in yuan; for 万元, head the column 注册资本(万元)",
        "50000000",
    ),
    ColumnGuide("employees", False, "从业人员，人", "employees, persons", "120"),
    ColumnGuide(
        "labels",
        False,
        "标签，多个用分号隔开，可带有效期和属性：high_tech{certificate=GR202211001234}"
        "@2022-11-01..2025-10-31；也可写中文名，如 国家高新技术企业、专精特新",
        "labels separated by semicolons, with validity and attributes: "
        "high_tech{certificate=GR202211001234}@2022-11-01..2025-10-31; Chinese names are "
        "accepted too (国家高新技术企业, 专精特新)",
        "high_tech{certificate=GR202211001234}@2022-11-01..2025-10-31",
    ),
    ColumnGuide(
        "address", False, "注册地址", "registered address", "北京经济技术开发区科创十三街 18 号"
    ),
    ColumnGuide(
        "sub_area",
        False,
        "片区，须是园区已有的片区；新建片区须在导入页勾选“新建园区尚无的片区”"
        "（命令行 --create-sub-area）",
        "sub-area (片区), one the zone already has; a new one needs the 'create sub-areas' box "
        "(--create-sub-area on the command line)",
        "核心区",
    ),
    ColumnGuide(
        "task_force",
        False,
        "产业专班代码（yuanqu registry task-force 可列出），如 ic；专班须先建立",
        "task force code (listed by yuanqu registry task-force), e.g. ic; create it first",
        "",
    ),
    ColumnGuide(
        "business_scope",
        False,
        "经营范围",
        "business scope",
        "集成电路材料的技术开发；销售电子产品",
    ),
)


def column_guide(lang: str = "zh") -> list[dict[str, object]]:
    """One entry per column: header, accepted Chinese headers, required, what it holds."""
    aliases = {c.field: c.aliases for c in COLUMNS}
    return [
        {
            "column": g.column,
            "aliases": [a for a in aliases[g.column] if not a.isascii()],
            "required": g.required,
            "description": g.describe(lang),
            "sample": g.sample,
        }
        for g in GUIDE
    ]


def template_xlsx(lang: str = "zh") -> bytes:
    """The import template: the canonical headers with a sample row, and the column guide."""
    import xlsxwriter

    en = lang == "en"
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet("企业" if not en else "firms")
    for col, guide in enumerate(GUIDE):
        sheet.write_string(0, col, guide.column, head)
        sheet.write_string(1, col, guide.sample, text)
        # Text format for the whole column: a credit code typed in stays 18 characters.
        sheet.set_column(
            col, col, 36 if guide.column in ("name", "labels", "address") else 18, text
        )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, 1, len(GUIDE) - 1)
    notes = workbook.add_worksheet("列说明" if not en else "column guide")
    heads = (
        ("column", "required", "what it holds", "sample")
        if en
        else ("列名", "必填", "说明", "示例")
    )
    notes.write_row(0, 0, heads, head)
    for row, guide in enumerate(GUIDE, start=1):
        notes.write_string(row, 0, guide.column)
        notes.write_string(
            row, 1, ("yes" if en else "是") if guide.required else ("no" if en else "否")
        )
        notes.write_string(row, 2, guide.describe(lang), wrap)
        notes.write_string(row, 3, guide.sample, wrap)
    notes.set_column(0, 1, 18)
    notes.set_column(2, 2, 70)
    notes.set_column(3, 3, 40)
    notes.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
