"""CSV and XLSX exports of a list: the rows the user sees, with the page's filters and columns.

An export can be handed on: its first rows are a marking block (:class:`Marking`): the
classification of the most classified row exported (the page banner's rule and words), what
the list is, the filters used in words, the time it was taken and who took it; then a blank
row, then the column header and the data rows, so a spreadsheet still reads them as a table.
An XLSX file repeats the marking in its printed header and footer.

Every text cell that a spreadsheet would read as a formula (it begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is neutralised with a leading ``'``; numbers stay numbers.
Rows are read in chunks so that a large list is never held in memory at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from django.db.models import Max, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from clearinghouse.security.roles import Classification

from . import words

if TYPE_CHECKING:
    from .listing import Column

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Marking:
    """The block above an export's table: what a reader must know before passing it on.

    ``level`` is the classification of the most classified row exported (PUBLIC if none);
    ``filters`` are (label, value) pairs in words, as the page shows them.
    """

    level: int
    title: str
    user: str
    filters: tuple[tuple[str, str], ...] = ()
    as_of: dt.datetime = field(default_factory=timezone.now)

    @property
    def words(self) -> str:
        """The marking as the page banner shows it: RESTRICTED."""
        return Classification(self.level).label

    def filters_text(self) -> str:
        """``Priority: critical; Region: Dnipro``, or ``none``."""
        return "; ".join(f"{label}: {value}" for label, value in self.filters) or "none"

    def rows(self) -> list[list[str]]:
        """The block's rows; the first cell of the first row is the marking alone."""
        return [
            [self.words],
            ["List", self.title],
            ["Filters", self.filters_text()],
            ["As of", words.moment(self.as_of)],
            ["Exported by", self.user],
        ]


# The marking block's rows and the blank row under it: the column header is the next row.
MARKING_ROWS = len(Marking(0, "", "").rows()) + 1


def user_name(user: Any) -> str:
    """Who took an export: their name (or user name) and organisation."""
    name = (user.get_full_name() or user.get_username()).strip()
    org = getattr(user, "organisation", None)
    return f"{name}, {org.name}" if org is not None else name


def level_of(rows: Iterable) -> int:
    """The classification of the most classified of ``rows``: one aggregate over a queryset
    (never loading its rows), the banner's rule (core/web.py) over anything else."""
    if isinstance(rows, QuerySet):
        names = {f.name for f in rows.model._meta.concrete_fields}
        if "classification" not in names:
            return Classification.PUBLIC
        found = rows.order_by().aggregate(level=Max("classification"))["level"]
        return Classification.PUBLIC if found is None else found
    from .web import highest_classification

    return highest_classification(rows)


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


def iterate(rows: QuerySet | Iterable) -> Iterator:
    """The queryset's rows in chunks (prefetches, if any, are done per chunk); any other
    iterable as it comes (a generator that reads in chunks itself)."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK)
    return iter(rows)


def csv_cells(columns: Sequence[Column], row: Any) -> list[str]:
    cells = []
    for column in columns:
        value = column.value(row)
        cells.append(text_of(value) if is_number(value) else neutralise(text_of(value)))
    return cells


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    columns: Sequence[Column], rows: Iterable, marking: Marking | None = None
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark: spreadsheets then read the file as UTF-8
    if marking is not None:
        for line in marking.rows():
            yield writer.writerow([neutralise(cell) for cell in line])
        yield writer.writerow([])
    yield writer.writerow([neutralise(c.label) for c in columns])
    for row in rows:
        yield writer.writerow(csv_cells(columns, row))


def csv_response(
    name: str, columns: Sequence[Column], rows: QuerySet | Iterable, marking: Marking | None = None
) -> StreamingHttpResponse:
    reply = StreamingHttpResponse(csv_lines(columns, iterate(rows), marking),
                                  content_type=CSV_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return reply


def _header_text(text: str) -> str:
    """Text for an XLSX page header or footer, where ``&`` starts a control code."""
    return text.replace("&", "&&")


def write_xlsx(
    target: str | IO[bytes], columns: Sequence[Column], rows: Iterable, sheet: str = "list",
    marking: Marking | None = None,
) -> None:
    """Write ``rows`` to ``target`` (a path or a file), one row at a time (constant memory),
    under ``marking``'s block, which the printed header and footer repeat."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet(sheet[:31])
    top = 0
    if marking is not None:
        level = _header_text(marking.words)
        ws.set_header(f"&C&B{level}")
        ws.set_footer(f"&L{_header_text(marking.title)}&C&B{level}&RPage &P of &N")
        for line in marking.rows():
            for col, cell in enumerate(line):
                ws.write_string(top, col, neutralise(cell), bold if top == 0 else None)
            top += 1
        top += 1  # the blank row between the block and the table
    for col, column in enumerate(columns):
        ws.write_string(top, col, neutralise(column.label), bold)
    for r, row in enumerate(rows, start=top + 1):
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
    ws.freeze_panes(top + 1, 0)
    book.close()


def xlsx_response(
    name: str, columns: Sequence[Column], rows: QuerySet | Iterable, marking: Marking | None = None
) -> FileResponse:
    # Spooled to disk beyond 8 MB: xlsxwriter needs a seekable file, not a stream.
    # FileResponse closes it once sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(out, columns, iterate(rows), sheet=name.rsplit("-", 3)[0], marking=marking)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx",
                        content_type=XLSX_TYPE)


def export_response(
    fmt: str, name: str, columns: Sequence[Column], rows: QuerySet | Iterable, marking: Marking
) -> StreamingHttpResponse | FileResponse:
    """The export of ``rows`` in ``fmt`` ("csv" or "xlsx") under ``marking``'s block."""
    if fmt == "csv":
        return csv_response(name, columns, rows, marking)
    return xlsx_response(name, columns, rows, marking)
