"""The statistics import: all rows or none, every bad row named."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories.registry import make_firm, new_uscc
from yuanqu.core.tabular import ImportRejected
from yuanqu.stats.importer import ImportKind, import_stats
from yuanqu.stats.models import MonthlyReport, PriceIndex, ReferenceTotal

HEADER = (
    "uscc,period,gross_output,value_added,revenue,profit,tax,rd_expense,"
    "fixed_asset_investment,employees\n"
)


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _count(session) -> int:
    return session.scalar(select(func.count(MonthlyReport.id)))


class TestReports:
    def test_valid_file_is_written_exactly_in_fen(self, session):
        firm = make_firm(session)
        result = import_stats(
            session,
            source=_csv(f"{firm.uscc},2023-03,1234.56,300,2000,-15.5,10,5,0,42"),
            filename="r.csv",
        )
        assert (result.rows, result.created, result.periods) == (1, 1, ["2023-03"])
        report = session.scalar(select(MonthlyReport))
        assert report.gross_output_fen == 123456
        assert report.profit_fen == -1550
        assert report.employees == 42

    def test_every_bad_row_is_named_and_nothing_written(self, session):
        firm = make_firm(session)
        unknown = new_uscc()  # a valid code no firm of the registry holds
        data = _csv(
            f"{firm.uscc},2023-01,100,30,,,,,,",
            f"{unknown},2023-01,100,30,,,,,,",
            f"{firm.uscc},2023-13,100,30,,,,,,",
            f"{firm.uscc},2023-02,-1,0,,,,,,",
            f"{firm.uscc},2023-03,100,130,,,,,,",
            f"{firm.uscc},2023-01,100,30,,,,,,",
        )
        with pytest.raises(ImportRejected) as err:
            import_stats(session, source=data, filename="r.csv")
        reasons = {e.row: e.reason("en") for e in err.value.errors}
        assert "registry" in reasons[3]
        assert "period" in reasons[4]
        assert "negative" in reasons[5]
        assert "exceed gross output" in reasons[6]
        assert "duplicates" in reasons[7] and "row 2" in reasons[7]
        assert 2 not in reasons
        assert _count(session) == 0

    def test_reimport_needs_replace_and_then_replaces(self, session):
        firm = make_firm(session)
        import_stats(session, source=_csv(f"{firm.uscc},2023-03,100,30,,,,,,"), filename="r.csv")
        again = _csv(f"{firm.uscc},2023-03,200,60,,,,,,")
        with pytest.raises(ImportRejected) as err:
            import_stats(session, source=again, filename="r.csv")
        assert "--replace" in err.value.errors[0].reason("en")
        result = import_stats(session, source=again, filename="r.csv", replace=True)
        assert (result.created, result.replaced) == (0, 1)
        assert session.scalar(select(MonthlyReport.gross_output_fen)) == 20000
        assert _count(session) == 1

    def test_chinese_headers_are_accepted(self, session):
        firm = make_firm(session)
        data = f"统一社会信用代码,统计期,工业总产值,工业增加值\n{firm.uscc},2023年3月,100,30\n"
        import_stats(session, source=data.encode(), filename="r.csv")
        assert _count(session) == 1


class TestReferenceAndPrices:
    def test_reference_totals(self, session):
        data = (
            "region,region_name,indicator,period,cumulative\n"
            "beijing,北京市,value_added,2023-12,523660000000\n"
        )
        import_stats(session, source=data.encode(), filename="r.csv", kind=ImportKind.reference)
        row = session.scalar(select(ReferenceTotal))
        assert row.cumulative_fen == 52366000000000

    def test_reference_rejects_unknown_indicator(self, session):
        data = "region,indicator,period,cumulative\nbeijing,gdp,2023-12,1\n"
        with pytest.raises(ImportRejected) as err:
            import_stats(session, source=data.encode(), filename="r.csv", kind=ImportKind.reference)
        assert "unknown indicator" in err.value.errors[0].reason("en")

    def test_price_indices(self, session):
        data = "division,period,index\nC39,2023-01,98.5\n27,2023-01,0\n"
        with pytest.raises(ImportRejected) as err:
            import_stats(session, source=data.encode(), filename="p.csv", kind=ImportKind.prices)
        assert [e.row for e in err.value.errors] == [3]
        import_stats(
            session,
            source=data.encode().replace(b",0\n", b",101\n"),
            filename="p.csv",
            kind=ImportKind.prices,
        )
        assert session.scalar(select(func.count(PriceIndex.id))) == 2
