"""CSV and XLSX exports of a list: the rows the user sees, with the page's filters and columns.

Every text cell that a spreadsheet would read as a formula (it begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is neutralised with a leading ``'``; numbers stay numbers.
Rows are read in chunks so that a large list is never held in memory at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse

if TYPE_CHECKING:
    from .listing import Column

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """``'=HYPERLINK(...)`` for ``=HYPERLINK(...)``: shown as text, never evaluated."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def text_of(value: Any) -> str:
    """The value as a cell's text: dates ISO, booleans yes/no, decimals without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral() else value, "f")
    return str(value)


def iterate(rows: QuerySet) -> Iterator:
    """The queryset's rows in chunks (prefetches, if any, are done per chunk)."""
    return rows.iterator(chunk_size=CHUNK)


def csv_cells(columns: Sequence[Column], row: Any) -> list[str]:
    cells = []
    for column in columns:
        value = column.value(row)
        cells.append(text_of(value) if is_number(value) else neutralise(text_of(value)))
    return cells


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], rows: Iterable) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark: spreadsheets then read the file as UTF-8
    yield writer.writerow([neutralise(c.label) for c in columns])
    for row in rows:
        yield writer.writerow(csv_cells(columns, row))


def csv_response(name: str, columns: Sequence[Column], rows: QuerySet) -> StreamingHttpResponse:
    reply = StreamingHttpResponse(csv_lines(columns, iterate(rows)), content_type=CSV_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return reply


def write_xlsx(
    target: str | IO[bytes], columns: Sequence[Column], rows: Iterable, sheet: str = "list"
) -> None:
    """Write ``rows`` to ``target`` (a path or a file), one row at a time (constant memory)."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet(sheet[:31])
    for col, column in enumerate(columns):
        ws.write_string(0, col, neutralise(column.label), bold)
    for r, row in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            value = column.value(row)
            if value is None:
                continue
            if is_number(value):
                ws.write_number(r, col, float(value))
            elif isinstance(value, dt.datetime):
                ws.write_string(r, col, value.isoformat())
            elif isinstance(value, dt.date):
                ws.write_datetime(r, col, dt.datetime.combine(value, dt.time()), date)
            else:
                ws.write_string(r, col, neutralise(text_of(value)))
    ws.freeze_panes(1, 0)
    book.close()


def xlsx_response(name: str, columns: Sequence[Column], rows: QuerySet) -> FileResponse:
    # Spooled to disk beyond 8 MB: xlsxwriter needs a seekable file, not a stream.
    # FileResponse closes it once sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(out, columns, iterate(rows), sheet=name.rsplit("-", 3)[0])
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx",
                        content_type=XLSX_TYPE)


def export_response(
    fmt: str, name: str, columns: Sequence[Column], rows: QuerySet
) -> StreamingHttpResponse | FileResponse:
    if fmt == "csv":
        return csv_response(name, columns, rows)
    return xlsx_response(name, columns, rows)
