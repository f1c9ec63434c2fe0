"""Reading the spreadsheets offices keep (xlsx, CSV in UTF-8 or GBK) and reporting bad rows.

Every import in yuanqu goes the same way: read the whole file, map its headers (English or
Chinese), validate every row collecting *all* errors, and write nothing unless every row is good.
This module holds the parts every domain's importer shares: reading, header mapping, typed cell
parsers with bilingual reasons, and the error report.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog

MAX_ROWS = 2_000_000
#: The longest cell a sheet may hold (Excel's own limit); a longer one is an error, not data.
MAX_CELL_CHARS = 32_767
#: The most an xlsx may expand to when unzipped: its sheets are parsed in memory.
MAX_XLSX_EXPANDED_BYTES = 200 * 2**20
#: How much of a bad value an error repeats, and how many errors a rejection lists.
MAX_ECHO_CHARS = 200
MAX_LISTED_ERRORS = 1000
#: How many errors an importer keeps (it still counts them all): a file bad in every cell
#: must not cost the server a million error objects.
MAX_KEPT_ERRORS = 10_000


def cut(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """A value as an error repeats it: at most ``limit`` characters, an ellipsis if cut."""
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class RowError:
    """One reason one cell (or row) is wrong. ``row`` is the spreadsheet row number (header = 1).
    The value and the column are kept cut (:func:`cut`): an error never echoes a whole cell."""

    row: int
    column: str
    value: str
    reason_zh: str
    reason_en: str

    def __post_init__(self) -> None:
        if len(self.value) > MAX_ECHO_CHARS:
            object.__setattr__(self, "value", cut(self.value))
        if len(self.column) > MAX_ECHO_CHARS:
            object.__setattr__(self, "column", cut(self.column))

    def reason(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason_zh

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason(lang),
        }


class ErrorList(list):
    """The errors an importer collects: every one counted (``total``), the first
    :data:`MAX_KEPT_ERRORS` kept."""

    def __init__(self, items: Iterable[RowError] = (), *, total: int | None = None) -> None:
        super().__init__()
        self.total = 0
        for item in items:
            self.append(item)
        if total is not None:
            self.total = total

    def append(self, item: RowError) -> None:
        self.total += 1
        if len(self) < MAX_KEPT_ERRORS:
            super().append(item)

    def extend(self, items: Iterable[RowError]) -> None:
        for item in items:
            self.append(item)

    def sorted_by_row(self) -> ErrorList:
        return ErrorList(sorted(self, key=lambda e: e.row), total=self.total)


class ImportRejected(ValidationError):
    """The file has bad rows; nothing was written. ``errors`` holds them (the first
    :data:`MAX_KEPT_ERRORS`), ``total`` counts them all; a message lists the first
    :data:`MAX_LISTED_ERRORS` and says how many there are."""

    code = "import_rejected"

    def __init__(
        self, errors: Sequence[RowError], *, lang: str = "zh", total: int | None = None
    ) -> None:
        self.errors = list(errors)
        n = self.total = total or getattr(errors, "total", 0) or len(self.errors)
        if n > MAX_LISTED_ERRORS:
            zh = f"导入被拒绝：共 {n} 处错误（列出前 {MAX_LISTED_ERRORS} 处），未写入任何数据"
            en = (
                f"import rejected: {n} errors in all (the first {MAX_LISTED_ERRORS} listed), "
                "nothing was written"
            )
        else:
            zh = f"导入被拒绝：发现 {n} 处错误，未写入任何数据"
            en = f"import rejected: {n} error(s) found, nothing was written"
        super().__init__(zh, en, details=self.listed(lang))

    def listed(self, lang: str = "zh") -> list[dict[str, Any]]:
        """The first :data:`MAX_LISTED_ERRORS` errors, as the API and the pages show them."""
        return [e.to_dict(lang) for e in self.errors[:MAX_LISTED_ERRORS]]


class CellError(Exception):
    """Raised by a cell parser; the importer turns it into a RowError with row and column."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass
class Table:
    """A sheet as read: its header and data rows (raw cell values), row numbers start at 2."""

    header: list[str]
    rows: list[list[Any]]
    source: str = ""

    def __len__(self) -> int:
        return len(self.rows)


# --- CSV cells that a spreadsheet would run -------------------------------------------------------

# A spreadsheet opening a CSV runs a cell that begins with one of these as a formula (OWASP "CSV
# injection"): =HYPERLINK(...), +1+1, -1+1, @SUM(1), and a tab or carriage return before them.
_FORMULA_START = frozenset("=+-@\t\r")
# A plain number (a negative one too) is no formula: it stays a number for the reader.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?\.?\d+%?")


def _runs_as_formula(text: str) -> bool:
    rest = text.lstrip("'")
    return bool(rest) and rest[0] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(rest)


def csv_cell(value: Any) -> Any:
    """A value as a CSV export writes it: text that a spreadsheet would run as a formula gets a
    leading apostrophe (which shows the text as written), numbers and other text stay as they are.

    Text that already begins with apostrophes before such a start gets one more, so
    :func:`csv_unescape` gives back exactly what was exported."""
    if isinstance(value, str) and value and _runs_as_formula(value):
        return "'" + value
    return value


def csv_unescape(text: str) -> str:
    """The inverse of :func:`csv_cell`, applied to every cell the importer reads from a CSV."""
    if text[:1] == "'" and _runs_as_formula(text):
        return text[1:]
    return text


def csv_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of a CSV export, every cell through :func:`csv_cell` (None written empty)."""
    return {k: "" if v is None else csv_cell(v) for k, v in row.items()}


# --- reading -------------------------------------------------------------------------------------

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


def read_table(source: Path | str | bytes, *, filename: str | None = None) -> Table:
    """Read an xlsx or CSV file (UTF-8 with or without BOM, else GB18030/GBK) into a Table."""
    if isinstance(source, bytes):
        data, name = source, filename or "upload"
    else:
        path = Path(source)
        if not path.is_file():
            raise ValidationError(
                f"文件不存在：{path}", f"file not found: {path}", code="file_not_found"
            )
        data, name = path.read_bytes(), filename or path.name
    if not data.strip():
        raise ValidationError(f"文件为空：{name}", f"the file is empty: {name}", code="empty_file")
    suffix = Path(name).suffix.lower()
    if data.startswith(_XLSX_MAGIC):
        table = _read_xlsx(data, name)
    elif data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise ValidationError(
            f"不支持旧版 Excel (.xls) 文件：{name}，请另存为 .xlsx 或 CSV",
            f"legacy Excel (.xls) is not supported: {name}; save it as .xlsx or CSV",
            code="not_a_spreadsheet",
        )
    elif suffix in {".xlsx", ".xlsm"}:
        raise ValidationError(
            f"{name} 不是有效的 Excel 文件",
            f"{name} is not a valid Excel file",
            code="not_a_spreadsheet",
        )
    else:
        table = _read_csv(data, name)
    table.header = [_clean_header(h) for h in table.header]
    if not any(table.header):
        raise ValidationError(f"{name} 没有表头行", f"{name} has no header row", code="empty_file")
    if not table.rows:
        raise ValidationError(
            f"{name} 只有表头，没有数据行", f"{name} has a header but no rows", code="empty_file"
        )
    if len(table.rows) > MAX_ROWS:
        raise ValidationError(
            f"{name} 超过 {MAX_ROWS} 行", f"{name} has over {MAX_ROWS} rows", code="file_too_large"
        )
    xlsx = data.startswith(_XLSX_MAGIC)
    if xlsx or len(data) > MAX_CELL_CHARS:  # a shorter CSV holds no cell too long
        _refuse_long_cells(table, all_text=not xlsx)
    return table


def _refuse_long_cells(table: Table, *, all_text: bool) -> None:
    """A cell longer than any sheet may hold is an error of its own (its value cut)."""
    errors = ErrorList()
    for i, name in enumerate(table.header):
        if len(name) > MAX_CELL_CHARS:
            errors.append(RowError(1, f"#{i + 1}", name, *_TOO_LONG))
    for number, row in enumerate(table.rows, start=2):
        if all_text and max(map(len, row), default=0) <= MAX_CELL_CHARS:
            continue  # the common case of a CSV row, decided in C
        for i, value in enumerate(row):
            if value.__class__ is str and len(value) > MAX_CELL_CHARS:
                column = table.header[i] if i < len(table.header) else f"#{i + 1}"
                errors.append(RowError(number, column, value, *_TOO_LONG))
    if errors:
        raise ImportRejected(errors)


_TOO_LONG = (
    f"单元格过长（上限 {MAX_CELL_CHARS} 个字符）",
    f"cell too long (at most {MAX_CELL_CHARS} characters)",
)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise ValidationError(
            f"{name} 不是表格文件（CSV 或 xlsx）",
            f"{name} is not a spreadsheet (CSV or xlsx)",
            code="not_a_spreadsheet",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        f"{name} 的编码无法识别（应为 UTF-8 或 GBK）",
        f"cannot decode {name}: expected UTF-8 or GBK",
        code="not_a_spreadsheet",
    )


def _read_csv(data: bytes, name: str) -> Table:
    text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        rows = [row for row in reader if any(cell.strip() for cell in row)]
        if "'" in text:  # only then may a cell carry the apostrophe an export put before it
            header = [csv_unescape(cell) for cell in header]
            rows = [[csv_unescape(c) if c[:1] == "'" else c for c in row] for row in rows]
    except csv.Error as exc:
        raise ValidationError(
            f"{name} 不是有效的 CSV：{cut(str(exc))}",
            f"{name} is not valid CSV: {cut(str(exc))}",
            code="not_a_spreadsheet",
        ) from exc
    return Table(header=header, rows=rows, source=name)


def _check_expansion(data: bytes, name: str) -> None:
    """Refuse an xlsx that unzips to more than :data:`MAX_XLSX_EXPANDED_BYTES` before parsing it.

    The sizes the zip declares are summed first; each entry is then inflated in small chunks
    (nothing kept), which also catches an entry that declares less than it holds (the zip reader
    stops at the declared size and the checksum no longer matches)."""
    import zipfile

    too_large = ValidationError(
        f"{name} 解压后超过 {MAX_XLSX_EXPANDED_BYTES // 2**20} MB，拒绝读取",
        f"{name} expands to over {MAX_XLSX_EXPANDED_BYTES // 2**20} MB unzipped: refused",
        code="file_too_large",
        status=413,
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > 10_000 or sum(e.file_size for e in entries) > MAX_XLSX_EXPANDED_BYTES:
                raise too_large
            for entry in entries:
                with archive.open(entry) as member:
                    while member.read(1 << 20):
                        pass
    except ValidationError:
        raise
    except Exception as exc:  # zipfile, zlib and struct each raise their own on a corrupt zip
        raise ValidationError(
            f"{name} 不是有效的 Excel 文件：{cut(str(exc))}",
            f"{name} is not a valid Excel file: {cut(str(exc))}",
            code="not_a_spreadsheet",
        ) from exc


def _read_xlsx(data: bytes, name: str) -> Table:
    from python_calamine import CalamineWorkbook

    _check_expansion(data, name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for every kind of corruption
        raise ValidationError(
            f"{name} 不是有效的 Excel 文件：{cut(str(exc))}",
            f"{name} is not a valid Excel file: {cut(str(exc))}",
            code="not_a_spreadsheet",
        ) from exc
    if not values:
        raise ValidationError(f"文件为空：{name}", f"the file is empty: {name}", code="empty_file")
    header = [str(h) if h is not None else "" for h in values[0]]
    rows = [list(r) for r in values[1:] if any(v not in (None, "") for v in r)]
    return Table(header=header, rows=rows, source=name)


def _clean_header(value: Any) -> str:
    text = str(value or "").strip().replace("\ufeff", "")
    return text.replace("（", "(").replace("）", ")").replace(" ", "")


# --- headers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column an importer understands: its field, the header names it accepts and a unit."""

    field: str
    aliases: tuple[str, ...]
    required: bool = False
    # A header may carry a unit, e.g. 注册资本(万元): the factor converts to the field's base unit.
    unit_aliases: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MappedColumn:
    index: int
    field: str
    header: str
    factor: int = 1


def map_headers(header: Sequence[str], columns: Iterable[Column]) -> dict[str, MappedColumn]:
    """Match headers to fields; unknown, missing or repeated columns are errors (row 1)."""
    lookup: dict[str, tuple[str, int]] = {}
    columns = list(columns)
    for col in columns:
        for alias in (col.field, *col.aliases):
            lookup[_key(alias)] = (col.field, 1)
        for alias, factor in col.unit_aliases.items():
            lookup[_key(alias)] = (col.field, factor)
    errors = ErrorList()
    mapped: dict[str, MappedColumn] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        hit = lookup.get(_key(name))
        if hit is None:
            errors.append(RowError(1, name, name, f"未知的列 '{name}'", f"unknown column '{name}'"))
            continue
        fld, factor = hit
        if fld in mapped:
            errors.append(
                RowError(
                    1,
                    name,
                    name,
                    f"列 '{name}' 重复（与 '{mapped[fld].header}'）",
                    f"column '{name}' repeats '{mapped[fld].header}'",
                )
            )
            continue
        mapped[fld] = MappedColumn(index, fld, name, factor)
    for col in columns:
        if col.required and col.field not in mapped:
            names = " / ".join((col.field, *col.aliases[:1]))
            errors.append(
                RowError(
                    1,
                    col.field,
                    "",
                    f"缺少必需的列 '{names}'",
                    f"missing required column '{names}'",
                )
            )
    if errors:
        raise ImportRejected(errors)
    return mapped


def _key(name: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", name).lower()


# --- cell parsers --------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: Any, *, max_length: int) -> str:
    text = (value if isinstance(value, str) else _plain_number(value)).strip()
    if len(text) > max_length:
        raise CellError(
            f"长度不能超过 {max_length} 个字符（实际 {len(text)}）",
            f"at most {max_length} characters (found {len(text)})",
        )
    return text


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_int(value: Any, *, minimum: int | None = 0) -> int:
    if isinstance(value, bool):
        raise CellError("应为整数", "must be a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError("应为整数", "must be a whole number")
        number = int(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        if not re.fullmatch(r"[+-]?\d+", text):
            raise CellError("应为整数", "must be a whole number")
        number = int(text)
    if minimum is not None and number < minimum:
        raise CellError(f"不能小于 {minimum}", f"must not be less than {minimum}")
    return number


def parse_amount_fen(value: Any, *, factor: int = 1, allow_negative: bool = False) -> int:
    """An amount in yuan (times ``factor``, e.g. 10,000 for 万元) as integer fen, exactly."""
    if isinstance(value, bool):
        raise CellError("应为金额", "must be an amount")
    if isinstance(value, float):
        # Excel stores numbers as binary floats; its shortest repr is what the user typed.
        text = repr(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元")
    try:
        amount = Decimal(text) * factor * 100
    except InvalidOperation:
        raise CellError("应为金额（数字）", "must be an amount (a number)") from None
    if not amount.is_finite():
        raise CellError("应为金额（数字）", "must be an amount (a number)")
    if amount != amount.to_integral_value():
        raise CellError(
            "金额精确到分，小数位过多", "amounts are exact to the fen: too many decimals"
        )
    if amount < 0 and not allow_negative:
        raise CellError("金额不能为负数", "must not be negative")
    fen = int(amount)
    if abs(fen) >= 2**63:
        raise CellError("金额过大", "amount too large")
    return fen


_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


def parse_date_cell(
    value: Any, *, earliest: date | None = None, latest: date | None = None
) -> date:
    """A date as written in offices' sheets; out-of-range dates are errors, not guesses."""
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        text = str(value).strip()
        if " " in text:  # "2023-01-05 00:00:00" from spreadsheets exported as text
            text = text.split(" ", 1)[0]
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                try:
                    result = date(*(int(g) for g in match.groups()))
                except ValueError:
                    raise CellError(f"日期不存在：{text}", f"no such date: {text}") from None
                break
        else:
            raise CellError("日期格式应为 YYYY-MM-DD", "date must be written YYYY-MM-DD")
    if latest is not None and result > latest:
        raise CellError(
            f"日期 {result} 晚于 {latest}，不能是将来的日期",
            f"date {result} is after {latest}: it cannot be in the future",
        )
    if earliest is not None and result < earliest:
        raise CellError(
            f"日期 {result} 早于 {earliest}，不合理",
            f"date {result} is before {earliest}: not plausible",
        )
    return result


# --- collecting ----------------------------------------------------------------------------------


class RowContext:
    """Collects the errors of one row: ``ctx.cell(field, parser)`` parses or records."""

    __slots__ = ("columns", "errors", "number", "values")

    def __init__(
        self,
        number: int,
        values: Sequence[Any],
        columns: Mapping[str, MappedColumn],
        errors: list[RowError],
    ) -> None:
        self.number = number
        self.values = values
        self.columns = columns
        self.errors = errors

    def raw(self, field_name: str) -> Any:
        col = self.columns.get(field_name)
        if col is None or col.index >= len(self.values):
            return None
        return self.values[col.index]

    def cell(
        self, field_name: str, parser: Callable[..., Any], *, required: bool = False, **kwargs: Any
    ) -> Any:
        value = self.raw(field_name)
        if is_blank(value):
            if required:
                self.fail(field_name, value, "必填项为空", "required value is empty")
            return None
        col = self.columns[field_name]
        if col.factor != 1:
            kwargs["factor"] = col.factor
        try:
            return parser(value, **kwargs)
        except CellError as exc:
            self.fail(field_name, value, exc.zh, exc.en)
            return None

    def fail(self, field_name: str, value: Any, zh: str, en: str) -> None:
        col = self.columns.get(field_name)
        header = col.header if col else field_name
        self.errors.append(
            RowError(self.number, header, "" if value is None else str(value), zh, en)
        )


def parse_column(
    table: Table,
    columns: Mapping[str, MappedColumn],
    field_name: str,
    parser: Callable[..., Any],
    errors: list[RowError],
    *,
    required: bool = False,
    **kwargs: Any,
) -> list[Any]:
    """Parse one column of every row (column-wise: one tight loop per field, which is what makes
    100,000-row files fast); bad cells are appended to ``errors`` and parse to None."""
    col = columns.get(field_name)
    n = len(table.rows)
    if col is None:
        if required:
            raise ValueError(f"required column {field_name} was not mapped")
        return [None] * n
    if col.factor != 1:
        kwargs["factor"] = col.factor
    index = col.index
    out: list[Any] = [None] * n
    for i, row in enumerate(table.rows):
        value = row[index] if index < len(row) else None
        if value is None or (value.__class__ is str and not value.strip()):
            if required:
                errors.append(
                    RowError(i + 2, col.header, "", "必填项为空", "required value is empty")
                )
            continue
        try:
            out[i] = parser(value, **kwargs)
        except CellError as exc:
            errors.append(RowError(i + 2, col.header, str(value), exc.zh, exc.en))
    return out


# --- reporting -----------------------------------------------------------------------------------


def write_error_report(errors: Sequence[RowError], path: Path | str, *, lang: str = "zh") -> Path:
    """Write the bad rows to an xlsx (or CSV, by suffix) the office can fix and re-import."""
    path = Path(path)
    heads = ("行号", "列", "值", "原因") if lang != "en" else ("row", "column", "value", "reason")
    rows = [(e.row, e.column, e.value, e.reason(lang)) for e in errors]
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(heads)
            writer.writerows([csv_cell(v) for v in row] for row in rows)
        return path
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("错误" if lang != "en" else "errors")
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    sheet.write_row(0, 0, heads, bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 2, 24)
    sheet.set_column(3, 3, 60)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(heads) - 1)
    workbook.close()
    return path


# --- industry codes ------------------------------------------------------------------------------


def parse_industry_cell(value: Any) -> tuple[str, str]:
    outcome = _industry_of(parse_text(value, max_length=10))
    if isinstance(outcome, CellError):
        raise outcome
    return outcome


@lru_cache(maxsize=8192)
def _industry_of(text: str) -> tuple[str, str] | CellError:
    """(bare code, section) or the error; cached, as a file repeats a few thousand codes."""
    catalog = industry_catalog()
    try:
        code = catalog.normalize(text)
    except ValidationError as exc:
        return CellError(exc.zh, exc.en)
    industry = catalog.get(code)
    if industry.level < 2:
        return CellError(
            f"行业代码 '{text}' 只到门类，至少应细到大类（两位数字）",
            f"industry code '{text}' is only a section; give at least a division",
        )
    return code, industry.section
