"""The briefing as a document for paper: numbered headings, tables that fit an A4 page, the charts
as images; written as .docx (python-docx) and PDF (fpdf2, pure Python, with a CJK font)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from yuanqu.briefing.charts import bars, cjk_font
from yuanqu.briefing.schemas import Briefing

YI = 10_000_000_000
WAN = 1_000_000


def _yi(fen: float | int | None) -> str:
    return "—" if fen is None else f"{fen / YI:,.1f}"


def _pct(value: float | None, *, fraction: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value * 100 if fraction else value:+.1f}" if not fraction else f"{value * 100:.1f}"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative column widths
    note: str | None = None


@dataclass
class Section:
    title: str
    paragraphs: list[str]
    tables: list[Table]
    images: list[bytes]


def sections(b: Briefing, lang: str = "zh") -> list[Section]:
    """The document's numbered sections, in the reader's language."""
    en = lang == "en"

    def t(zh: str, english: str) -> str:
        return english if en else zh

    out: list[Section] = []
    # 1. headline indicators
    rows = []
    for h in b.headlines:
        persons = h.unit == "persons"
        rows.append(
            [
                h.name,
                (
                    f"{h.cumulative:,.0f}"
                    if persons and h.cumulative is not None
                    else _yi(h.cumulative)
                ),
                _pct(h.cumulative_yoy_pct),
                "—" if h.target is None else _yi(h.target),
                "—" if h.completion is None else _pct(h.completion, fraction=True),
            ]
        )
    gross = next((h for h in b.headlines if h.indicator == "gross_output"), None)
    lead = t(
        f"{b.cumulative_label}，全区{b.firms_reporting}家企业报送月报。"
        + (
            f"工业总产值{_yi(gross.cumulative)}亿元，同比{_pct(gross.cumulative_yoy_pct)}%。"
            if gross
            else ""
        ),
        f"{b.cumulative_label}: {b.firms_reporting} firms reported."
        + (
            f" Gross output CNY {_yi(gross.cumulative)} 100m, {_pct(gross.cumulative_yoy_pct)}% "
            "year on year."
            if gross
            else ""
        ),
    )
    out.append(
        Section(
            t("主要指标", "Headline indicators"),
            [lead],
            [
                Table(
                    [
                        t("指标", "Indicator"),
                        t("累计（亿元）", "YTD (CNY 100m)"),
                        t("同比（%）", "YoY (%)"),
                        t("年度目标（亿元）", "Year's target (CNY 100m)"),
                        t("目标完成率（%）", "Of target (%)"),
                    ],
                    rows,
                    [4, 3, 2, 3, 3],
                    t(
                        "同比按同口径企业计算；年度目标取自全区当年到期的计划目标。",
                        "Growth over the same firms; targets: zone-wide targets due this year.",
                    ),
                )
            ],
            [
                bars(
                    [str(m) for m in range(1, 13)],
                    b.monthly,
                    title=t("月度工业总产值", "Monthly gross output"),
                    unit=t("亿元", "CNY 100m"),
                )
            ],
        )
    )
    # 2. leading industries and task forces
    groups = [
        [
            g.name,
            _yi(g.cumulative),
            _pct(g.cumulative_yoy_pct),
            "—" if g.share_pct is None else f"{g.share_pct:.1f}",
        ]
        for g in b.leading_industries
    ]
    out.append(
        Section(
            t("主导产业与产业专班", "Leading industries and task forces"),
            [
                t(
                    "工业总产值按主导产业（产业专班）分组。",
                    "Gross output by leading industry (task force).",
                )
            ],
            [
                Table(
                    [
                        t("产业专班", "Task force"),
                        t("累计（亿元）", "YTD (CNY 100m)"),
                        t("同比（%）", "YoY (%)"),
                        t("占全区（%）", "Of zone (%)"),
                    ],
                    groups,
                    [5, 3, 2, 2],
                )
            ],
            [
                bars(
                    [
                        g.name.replace("产业专班", "").replace(" task force", "")[:8]
                        for g in b.leading_industries
                    ],
                    {
                        b.period[:4]: [
                            None if g.cumulative is None else g.cumulative / YI
                            for g in b.leading_industries
                        ]
                    },
                    title=t("主导产业工业总产值（累计）", "Gross output by leading industry (YTD)"),
                    unit=t("亿元", "CNY 100m"),
                )
            ]
            if b.leading_industries
            else [],
        )
    )

    # 3. contributors
    def contributor_rows(items: Sequence) -> list[list[str]]:
        return [
            [
                c.name,
                f"{c.cumulative / WAN:,.0f}",
                f"{c.change / WAN:+,.0f}",
                "—" if c.points is None else f"{c.points:+.2f}",
            ]
            for c in items
        ]

    heads = [
        t("企业", "Firm"),
        t("累计（万元）", "YTD (CNY 10k)"),
        t("增减（万元）", "Change (CNY 10k)"),
        t("拉动（百分点）", "Points of growth"),
    ]
    out.append(
        Section(
            t("增长与下降贡献最大的企业", "Largest contributors to growth and decline"),
            [
                t(
                    "按工业总产值累计增减额排序；拉动为占上年同期全区总额的百分点。",
                    "By the change in year-to-date gross output; points of last year's zone total.",
                )
            ],
            [
                Table(heads, contributor_rows(b.growth), [6, 3, 3, 2], t("拉动增长", "Growth")),
                Table(heads, contributor_rows(b.decline), [6, 3, 3, 2], t("拖累下降", "Decline")),
            ],
            [],
        )
    )
    # 4. watch list
    watch_rows = [[w.name, "、".join(w.signals), str(w.score)] for w in b.watch_new]
    out.append(
        Section(
            t("监测预警变化", "Watch-list changes"),
            [
                t(
                    f"预警企业{b.watch_total}家（上月{b.watch_previous}家），新增{len(b.watch_new)}家、"
                    f"解除{len(b.watch_cleared)}家（各列前10家）。",
                    f"{b.watch_total} firms on the watch list ({b.watch_previous} a month before); "
                    f"new and cleared listed below (first 10).",
                )
            ],
            [
                Table(
                    [
                        t("新增预警企业", "New on the list"),
                        t("预警信号", "Signals"),
                        t("风险分", "Score"),
                    ],
                    watch_rows,
                    [5, 6, 2],
                ),
                Table(
                    [
                        t("解除预警企业", "Cleared"),
                        t("原预警信号", "Signals then"),
                        t("风险分", "Score"),
                    ],
                    [[w.name, "、".join(w.signals), str(w.score)] for w in b.watch_cleared],
                    [5, 6, 2],
                ),
            ],
            [],
        )
    )
    # 5. projects, grants, targets
    out.append(
        Section(
            t("重点项目与招商", "Key projects and attraction"),
            [
                t(
                    "本年累计各批次项目（七个一批）。",
                    "Projects reaching each stage this year (seven batches).",
                )
            ],
            [
                Table(
                    [
                        t("批次", "Stage"),
                        t("项目（个）", "Projects"),
                        t("计划投资（亿元）", "Investment (CNY 100m)"),
                    ],
                    [[x.name, str(x.projects), _yi(x.investment_fen)] for x in b.batches],
                    [4, 3, 4],
                )
            ],
            [],
        )
    )
    out.append(
        Section(
            t("惠企政策兑现", "Grants paid"),
            [
                t(
                    f"{b.grants_year}年度奖励已支付{_yi(b.grants_total_fen)}亿元。",
                    f"Awards of {b.grants_year} paid: CNY {_yi(b.grants_total_fen)} 100m.",
                )
            ],
            [
                Table(
                    [
                        t("政策", "Policy"),
                        t("企业（家）", "Firms"),
                        t("金额（万元）", "Amount (CNY 10k)"),
                    ],
                    [[g.name, str(g.firms), f"{g.amount_fen / WAN:,.1f}"] for g in b.grants],
                    [7, 2, 3],
                )
            ],
            [],
        )
    )
    out.append(
        Section(
            t("目标完成情况", "Progress of the targets"),
            [t("按最新月份数据计算。", "Measured on the latest month with data.")],
            [
                Table(
                    [
                        t("计划", "Plan"),
                        t("目标", "Target"),
                        t("完成率（%）", "Done (%)"),
                        t("状态", "Status"),
                    ],
                    [
                        [x.plan[:30], x.target, _pct(x.completion, fraction=True), x.status_name]
                        for x in b.targets
                    ],
                    [6, 5, 2, 2],
                )
            ],
            [],
        )
    )
    return out


def write_docx(b: Briefing, path: Path, *, lang: str = "zh") -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(b.title, level=0)
    usable = 21 - 4.4
    for number, part in enumerate(sections(b, lang), start=1):
        doc.add_heading(f"{_numeral(number, lang)}{part.title}", level=1)
        for text in part.paragraphs:
            doc.add_paragraph(text)
        for table in part.tables:
            if table.note:
                doc.add_paragraph(table.note).runs[0].italic = True
            grid = doc.add_table(rows=1, cols=len(table.headers))
            grid.style = "Table Grid"
            grid.autofit = False
            total = sum(table.widths)
            widths = [Cm(usable * w / total) for w in table.widths]
            for cell, text, width in zip(grid.rows[0].cells, table.headers, widths, strict=True):
                cell.text, cell.width = text, width
                cell.paragraphs[0].runs[0].bold = True
            for row in table.rows or [["—"] + [""] * (len(table.headers) - 1)]:
                cells = grid.add_row().cells
                for cell, text, width in zip(cells, row, widths, strict=True):
                    cell.text, cell.width = text, width
        for image in part.images:
            doc.add_picture(io.BytesIO(image), width=Cm(usable))
    doc.save(str(path))
    return path


def _numeral(number: int, lang: str) -> str:
    if lang == "en":
        return f"{number}. "
    return "一二三四五六七八九十"[number - 1] + "、"


def write_pdf(b: Briefing, path: Path, *, lang: str = "zh") -> Path:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font, face = cjk_font()

    class Paper(FPDF):
        def footer(self) -> None:  # the page number, centred at the foot of each page
            self.set_y(-14)
            self.set_font("cjk", size=9)
            self.cell(0, 8, f"{self.page_no()}", align="C")

    pdf = Paper(orientation="P", unit="mm", format="A4")
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("cjk", "", font, collection_font_number=face)
    pdf.set_title(b.title)
    pdf.add_page()

    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, b.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    for number, part in enumerate(sections(b, lang), start=1):
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(0, 9, f"{_numeral(number, lang)}{part.title}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10.5)
        for text in part.paragraphs:
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for table in part.tables:
            if table.note:
                pdf.set_font("cjk", size=9)
                pdf.multi_cell(0, 5, table.note, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("cjk", size=9)
            total = sum(table.widths)
            widths = tuple(usable * w / total for w in table.widths)
            heading = FontFace(emphasis=None, fill_color=(221, 235, 247))
            with pdf.table(
                col_widths=widths,
                headings_style=heading,
                line_height=5.5,
                text_align="LEFT",
                first_row_as_headings=True,
            ) as grid:
                grid.row(table.headers)
                for row in table.rows or [["—"] + [""] * (len(table.headers) - 1)]:
                    grid.row(row)
            pdf.ln(3)
        for image in part.images:
            pdf.image(io.BytesIO(image), w=usable)
            pdf.ln(2)
        pdf.set_font("cjk", size=10.5)
    pdf.output(str(path))
    return path


def write(b: Briefing, path: Path, *, lang: str = "zh") -> Path:
    """Write ``.docx`` or ``.pdf`` by the file's suffix."""
    from yuanqu.core.errors import ValidationError

    suffix = path.suffix.lower()
    if suffix == ".docx":
        return write_docx(b, path, lang=lang)
    if suffix == ".pdf":
        return write_pdf(b, path, lang=lang)
    raise ValidationError(
        f"不支持的文件类型 {suffix or '（无后缀）'}：请用 .docx 或 .pdf",
        f"unsupported file type {suffix or '(none)'}: use .docx or .pdf",
    )
