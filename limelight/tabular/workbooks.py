"""Spreadsheet workbooks (.xlsx, .ods) as tables, and naming the files Limelight does not read.

A workbook is a ZIP file, so its first bytes look like a ZIP of images; what is
inside tells them apart (``xl/workbook.xml``, or an OpenDocument ``mimetype``).
Cells are turned into the text a CSV of the same sheet would hold, so a
workbook goes through the same checks, missing-value markers and typing as a
CSV. Readers: openpyxl for .xlsx (through its read-only mode), odfpy through
pandas for .ods; both are imported only when a workbook is read.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable
from typing import BinaryIO

__all__ = ["WORKBOOK_FORMATS", "file_format", "read_workbook", "sheet_names", "unsupported_message"]

WORKBOOK_FORMATS = ("xlsx", "ods")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_READS = "Limelight reads CSV files, Excel workbooks (.xlsx, .ods) and ZIPs of images"

# First bytes of files people upload by mistake -> what to call them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (such as an .xls workbook or a .doc)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"{\\rtf", "a rich-text (RTF) document"),
    (b"PAR1", "a Parquet file"),
)
# Members that mark other ZIP-based office files.
_ZIP_MARKERS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", "a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
)


def file_format(source: bytes | BinaryIO) -> str:
    """What a file is: "xlsx", "ods", "zip" (another ZIP), "unknown:<what it looks like>" or "text".

    ``source`` is the file's bytes or a seekable binary file (read from where it is).
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    start = source.tell()
    raw = source.read(32)
    source.seek(start)
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
                    return "ods"
                for member, what in _ZIP_MARKERS:
                    if member in names:
                        return f"unknown:{what}"
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
            return "zip"  # the image reader explains a broken ZIP
        return "zip"
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            return f"unknown:{what}"
    return "text"


def unsupported_message(what: str) -> str:
    """The sentence for a file that is none of the kinds Limelight reads."""
    return f"This looks like {what}; {_READS}. Save the table as CSV or .xlsx and upload that file."


def sheet_names(raw: bytes, fmt: str) -> list[str]:
    """The workbook's sheets, in the workbook's order."""
    if fmt == "xlsx":
        workbook = _open_xlsx(raw)
        try:
            return list(workbook.sheetnames)
        finally:
            workbook.close()
    import pandas as pd

    return [str(name) for name in pd.ExcelFile(io.BytesIO(raw), engine="odf").sheet_names]


def read_workbook(raw: bytes, fmt: str, *, sheet: str = "", max_rows: int, max_columns: int) -> list[list[str]]:
    """One sheet (the first unless ``sheet`` names another) as rows of cell texts, the header first.

    Raises ``LookupError`` for an unknown sheet name and ``ValueError`` when the
    file cannot be read as a workbook; the caller words both for the person.
    """
    if fmt == "xlsx":
        workbook = _open_xlsx(raw)
        try:
            names = list(workbook.sheetnames)
            worksheet = workbook[_choose(names, sheet)]
            rows = _texts(worksheet.iter_rows(values_only=True), max_rows=max_rows, max_columns=max_columns)
        finally:
            workbook.close()
        return rows
    import pandas as pd

    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="odf")
        name = _choose([str(n) for n in book.sheet_names], sheet)
        frame = pd.read_excel(book, sheet_name=name, header=None, dtype=object, na_filter=False, nrows=max_rows + 2)
    except (LookupError, ValueError):
        raise
    except Exception as error:  # odfpy raises assorted errors for a damaged file
        raise ValueError(str(error)) from error
    values = (tuple(row) for row in frame.itertuples(index=False, name=None))
    return _texts(values, max_rows=max_rows, max_columns=max_columns)


def _open_xlsx(raw: bytes):
    import openpyxl

    try:
        # read_only streams the rows; data_only gives formulas' last computed values.
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises assorted errors for a damaged file
        raise ValueError(str(error)) from error


def _choose(names: list[str], sheet: str) -> str:
    if not names:
        raise ValueError("the workbook has no sheets")
    if not sheet:
        return names[0]
    if sheet not in names:
        raise LookupError(sheet)
    return sheet


def _texts(rows: Iterable[tuple], *, max_rows: int, max_columns: int) -> list[list[str]]:
    result: list[list[str]] = []
    for row in rows:
        cells = [_cell_text(value) for value in row[: max_columns + 1]]
        while cells and not cells[-1]:
            cells.pop()
        result.append(cells)
        if len(result) > max_rows + 1:  # the header and one row too many: the caller says so
            break
    while result and not any(result[-1]):
        result.pop()  # formatted but empty rows at the bottom of a sheet
    return result


def _cell_text(value: object) -> str:
    """A cell as a CSV of the sheet would write it (dates as ISO dates, whole numbers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()
