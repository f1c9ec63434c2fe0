"""The directory's two downloads (a report for people, the import layout) and the import page's
template file and column guide."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tests.web.conftest import Site
from yuanqu.core.auth import Role


def _rows(content: bytes) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


class TestDirectoryExport:
    def test_default_is_the_report_and_canonical_is_asked_for(self, site: Site) -> None:
        client = site.client(Role.analyst)
        report = client.get("/enterprises/export.xlsx", params={"sub_area": "核心区"})
        assert report.status_code == 200
        rows = _rows(report.content)
        assert rows[0][0] == "统一社会信用代码" and rows[0][5] == "注册资本（万元）"
        assert {row[8] for row in rows[1:]} == {"核心区"}
        english = client.get("/enterprises/export.xlsx", params={"lang": "en", "q": "9"})
        assert _rows(english.content)[0][0] == "Unified social credit code"
        canonical = client.get(
            "/enterprises/export.xlsx", params={"sub_area": "核心区", "format": "canonical"}
        )
        assert canonical.status_code == 200
        assert "enterprises-import-" in canonical.headers["content-disposition"]
        assert _rows(canonical.content)[0][:3] == ["uscc", "name", "industry_code"]
        assert len(_rows(canonical.content)) == len(rows)
        assert client.get("/enterprises/export.xlsx", params={"format": "x"}).status_code == 422


class TestImportPage:
    def test_page_links_the_template_and_shows_the_guide(self, site: Site) -> None:
        page = site.client(Role.admin).get("/registry/import").text
        assert "/registry/import/template.xlsx" in page and "下载导入模板" in page
        assert "列说明" in page and "文本格式" in page and "create_sub_area" in page

    def test_template_download(self, site: Site) -> None:
        response = site.client(Role.admin).get("/registry/import/template.xlsx")
        assert response.status_code == 200
        book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        assert book.sheet_names == ["企业", "列说明"]
        assert site.client(Role.enterprise).get("/registry/import/template.xlsx").status_code == 403
