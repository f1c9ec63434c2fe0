"""The monthly briefing on the served demo zone: its figures are the bulletin's and the watch
list's, the .docx has numbered headings and tables within the page, the PDF is a PDF of pages
with text, and only analysts and administrators read it."""

from __future__ import annotations

import io

from docx import Document

from tests.web.conftest import Site, login
from yuanqu.core.auth import Role

PERIOD = "2023-12"


def test_the_briefing_is_made_of_the_zones_own_figures(site: Site) -> None:
    client = site.client(Role.analyst)
    briefing = client.get("/api/v1/briefing", params={"period": PERIOD}).json()
    bulletin = client.get("/api/v1/stats/bulletin", params={"period": PERIOD, "by": "task_force"})
    total = next(
        r
        for r in bulletin.json()["rows"]
        if r["by"] == "total" and r["indicator"] == "gross_output"
    )
    headline = next(h for h in briefing["headlines"] if h["indicator"] == "gross_output")
    assert headline["cumulative"] == total["cumulative"]
    assert headline["cumulative_yoy_pct"] == total["cumulative_yoy_pct"]
    watch = client.get("/api/v1/watch", params={"as_of": PERIOD}).json()
    assert briefing["watch_total"] == watch["total"]
    changes = [c["change"] for c in briefing["growth"]]
    assert changes == sorted(changes, reverse=True) and all(c > 0 for c in changes)
    assert all(c["change"] < 0 for c in briefing["decline"])
    assert briefing["title"] == "2023年1-12月经济运行分析"
    assert len(briefing["monthly"]["2023"]) == 12


def test_docx_and_pdf_for_paper(site: Site) -> None:
    client = site.client()
    account = site.account(Role.analyst)
    login(client, account.username, account.password)
    docx = client.get(f"/briefing/{PERIOD}.docx")
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == [
        "一、主要指标",
        "二、主导产业与产业专班",
        "三、增长与下降贡献最大的企业",
    ]
    section = document.sections[0]
    usable = section.page_width - section.left_margin - section.right_margin
    for table in document.tables:
        assert sum(cell.width for cell in table.rows[0].cells) <= usable + 1000
    assert document.inline_shapes  # the charts, as images
    pdf = client.get(f"/briefing/{PERIOD}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.content.count(b"/Type /Page\n") + pdf.content.count(b"/Type /Page ") >= 2
    english = client.get(f"/briefing/{PERIOD}.docx?lang=en")
    titles = [p.text for p in Document(io.BytesIO(english.content)).paragraphs]
    assert "1. Headline indicators" in titles


def test_only_analysts_and_administrators_read_the_briefing(site: Site) -> None:
    for role in (Role.task_force, Role.enterprise, Role.policy_officer):
        assert site.client(role).get("/api/v1/briefing").status_code == 403
    page = site.client()
    account = site.account(Role.admin)
    login(page, account.username, account.password)
    html = page.get(f"/briefing?period={PERIOD}")
    assert html.status_code == 200 and "经济运行分析" in html.text and "下载（PDF）" in html.text
