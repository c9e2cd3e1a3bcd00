"""Read an uploaded CSV or workbook into a DataFrame, or explain in plain words why not.

Uploads are untrusted and come from spreadsheets, R, Excel on Windows and
old UCI archives, so this module is forgiving about encodings, delimiters and
missing-value markers, and strict about structure: anything it cannot read
unambiguously becomes a :class:`TableError` whose message the user can act on.

Two things files carry besides their columns are kept in ``frame.attrs``:
``row_label``, the name given to a nameless first column (what R's
``write.csv`` and pandas' ``to_csv`` write: row names, never a feature), and
``unused``, the derived columns left out of a model until asked for (a date's
year, see :mod:`.dates`). Numbers are read as the file writes them (a decimal
comma, thousands separators: :mod:`.numbers`); ``decimal`` holds the file's
decimal, ``notes`` the sentences that say how its numbers were read, and
``unread_numbers`` what could not be read in the columns a person marked as
numbers (see :func:`reading_notes`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os

import numpy as np
import pandas as pd

from limelight.errors import InputError

from .dates import add_date_parts
from .numbers import DECIMALS, file_decimal, parse_as_numbers, read_all
from .workbooks import WORKBOOK_FORMATS, file_format, read_workbook, unsupported_message

__all__ = ["MISSING_MARKERS", "ROW_LABEL_NAMES", "TableError", "read_table", "reading_notes"]


class TableError(InputError):
    """A problem with the user's file or choices, phrased so the user can act on it.

    ``str(error)`` is shown on the page as it is.
    """


MISSING_MARKERS: tuple[str, ...] = (
    "",
    "?",
    "NA",
    "N/A",
    "n/a",
    "na",
    "NaN",
    "nan",
    "null",
    "NULL",
    "None",
    "none",
    "#N/A",
)
_MISSING = frozenset(MISSING_MARKERS)

_DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Enough lines for the sniffer to see a pattern, few enough to stay instant.
_SNIFF_CHARS = 64 * 1024
_NOT_TEXT = (
    "This file does not look like a text table (CSV). Save your spreadsheet "
    "as CSV (comma-separated values) and upload that file."
)


def read_table(
    source: str | os.PathLike | bytes,
    *,
    max_rows: int = 200_000,
    max_columns: int = 500,
    sheet: str = "",
    numbers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a CSV file or a workbook's sheet (a path or its raw bytes) into a DataFrame.

    Header names and string cells are stripped of surrounding whitespace, every
    value in :data:`MISSING_MARKERS` becomes NaN, columns whose values are all
    numbers become ``float64`` (so integer columns with gaps still work) and
    the others stay strings. Raises :class:`TableError` for anything the user
    has to fix: an empty or binary file, a missing header, blank or duplicate
    column names, ragged rows, unbalanced quotes, or more rows or columns than
    ``max_rows`` / ``max_columns``, or a file of another kind (named: "This
    looks like a PDF document"). A workbook (.xlsx, .ods) is read from its
    first sheet, or from ``sheet``; its cells go through the same checks.

    A nameless first column is the file's row names (``frame.attrs["row_label"]``
    holds the name given to it); each date column gains its month, day of the
    week, season and year (:func:`.dates.add_date_parts`).

    Numbers may be written with a decimal comma (``39,1``) or thousands
    separators (``1.234,5``, ``1,234.5``): a CSV's decimal is decided from its
    cells (:func:`.numbers.file_decimal`), a workbook's typed numbers always use
    the point. ``numbers`` names columns a person marked as numbers: read
    under the same decimal, with what could not be read left missing and
    counted in ``frame.attrs["unread_numbers"]``.
    """
    raw = _read_bytes(source)
    fmt = file_format(raw)
    if fmt.startswith("unknown:"):
        raise TableError(unsupported_message(fmt.removeprefix("unknown:")))
    if fmt in WORKBOOK_FORMATS:
        header, rows = _read_sheet(raw, fmt, sheet=sheet, max_rows=max_rows, max_columns=max_columns)
        decimal = "."  # typed numbers arrive as 39.1; text cells written 39,1 still read (per column)
    else:
        text = _decode(raw)
        if not text.strip():
            raise TableError("The file is empty.")
        delimiter = _sniff_delimiter(text)
        header, rows = _parse(text, delimiter, max_rows=max_rows, max_columns=max_columns)
        decimal = file_decimal(_cells(rows[:_DECIDE_ROWS]), delimiter=delimiter)
    header, row_label = _name_row_labels(header)
    frame = _build_frame(header, rows, text_columns=(row_label,), decimal=decimal, numbers=numbers)
    frame, unused = add_date_parts(frame)
    frame.attrs["row_label"] = row_label
    frame.attrs["unused"] = unused
    return frame


# Enough rows to see how a file writes its numbers; a European export does so throughout.
_DECIDE_ROWS = 2000


def _cells(rows: list[list[str]]):
    return (cell for row in rows for cell in row)


def reading_notes(frame: pd.DataFrame) -> list[str]:
    """What a person should know about how the file's numbers were read, in plain sentences:
    the decimal comma or thousands separators read, and, for each column they marked as
    numbers, how many values could not be read and that they are treated as missing."""
    notes = list(frame.attrs.get("notes", ()))
    for name, unread in frame.attrs.get("unread_numbers", {}).items():
        if not unread["failed"]:
            continue
        examples = ", ".join(f"“{text}”" for text in unread["examples"])
        failed, present = unread["failed"], unread["present"]
        verb = "value" if present == 1 else "values"
        notes.append(
            f"“{name}”: {failed:,} of {present:,} {verb} could not be read as numbers (such as {examples}); "
            f"{'it is' if failed == 1 else 'they are'} treated as missing."
        )
    return notes


# What a nameless first column is called, the first of these not already taken.
ROW_LABEL_NAMES = ("row name", "row label", "row names (first column)")


def _name_row_labels(header: list[str]) -> tuple[list[str], str]:
    """Name a nameless first column (R's and pandas' row names) and say so; other headers unchanged."""
    if len(header) < 2 or header[0] or not all(header[1:]):
        return header, ""
    name = next((candidate for candidate in ROW_LABEL_NAMES if candidate not in header), "")
    if not name:  # every candidate is taken: the person has to name it
        raise TableError("Column 1 has no name. Give every column a name in the first row.")
    return [name, *header[1:]], name


def _read_sheet(
    raw: bytes, fmt: str, *, sheet: str, max_rows: int, max_columns: int
) -> tuple[list[str], list[list[str]]]:
    """A workbook sheet's header and rows, checked like a CSV's."""
    try:
        records = read_workbook(raw, fmt, sheet=sheet, max_rows=max_rows, max_columns=max_columns)
    except LookupError as error:
        raise TableError(f"The workbook has no sheet called “{sheet}”.") from error
    except ValueError as error:
        raise TableError(
            "This workbook could not be read; it may be damaged or protected with a password. "
            "Open it in your spreadsheet program and save it again, or save the sheet as CSV."
        ) from error
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        raise TableError(f"The sheet “{sheet}” is empty." if sheet else "The workbook's first sheet is empty.")
    header = _check_header(records[0], max_columns=max_columns)
    rows = records[1:]
    if not rows:
        raise TableError("The sheet has a header row but no data rows.")
    if len(rows) > max_rows:
        raise TableError(
            f"The sheet has more than {max_rows:,} data rows; Limelight accepts "
            f"at most {max_rows:,}. Upload a sample of the rows instead."
        )
    for number, row in enumerate(rows, start=2):
        if len(row) > len(header):
            raise TableError(
                f"Row {number} of the sheet has values beyond the last named column. "
                "Give that column a name in the first row, or remove the values."
            )
    return header, rows


def _read_bytes(source: str | os.PathLike | bytes) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as error:
        # The path comes from our own storage, but say something useful anyway.
        raise TableError(f"The file could not be opened ({error.strerror}).") from error


def _decode(raw: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 (BOM), else cp1252/Latin-1."""
    if raw.startswith(codecs.BOM_UTF8):
        text = _decode_strict(raw[len(codecs.BOM_UTF8) :], "utf-8")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_strict(raw, "utf-16")
    elif _looks_like_bomless_utf16le(raw):
        # Some Windows tools write UTF-16 without a BOM; ASCII text then has a
        # NUL in every odd byte, which no real CSV in another encoding has.
        text = _decode_strict(raw, "utf-16-le")
    else:
        if b"\x00" in raw:
            raise TableError(_NOT_TEXT)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                # cp1252 leaves five bytes undefined; Latin-1 maps every byte.
                text = raw.decode("latin-1")
    if _mostly_control_characters(text):
        raise TableError(_NOT_TEXT)
    return text


def _decode_strict(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise TableError(_NOT_TEXT) from error


def _looks_like_bomless_utf16le(raw: bytes) -> bool:
    sample = raw[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return False
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    return even_nuls == 0 and odd_nuls >= 0.9 * (len(sample) // 2)


def _mostly_control_characters(text: str) -> bool:
    """True for decoded binary data: text files hardly contain C0 controls."""
    sample = text[:_SNIFF_CHARS]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\n\r\f")
    return controls > max(2, len(sample) // 100)


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    # Cut the sample at a line end so the sniffer does not see half a row.
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    first_line = sample.lstrip().splitlines()[0] if sample.strip() else ""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in first_line:
        return delimiter
    # The sniffer gives up on one-column files and on irregular samples; the
    # header is the best remaining evidence, and comma the usual default.
    counts = {candidate: first_line.count(candidate) for candidate in _DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _parse(text: str, delimiter: str, *, max_rows: int, max_columns: int) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,
        # strict turns a quote that is never closed into an error instead of
        # silently swallowing the rest of the file into one cell.
        strict=True,
    )
    header: list[str] | None = None
    rows: list[list[str]] = []
    line = 0  # the physical line on which the current record starts
    try:
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            if not any(field.strip() for field in record):
                continue  # blank lines carry nothing
            if header is None:
                header = _check_header(record, max_columns=max_columns)
                continue
            if len(record) > len(header):
                # Spreadsheets often leave trailing delimiters; only real
                # extra values make the row ambiguous.
                if any(field.strip() for field in record[len(header) :]):
                    raise TableError(
                        f"Line {line} has {len(record)} values but the header has "
                        f"{len(header)} columns. Check that line for an extra "
                        f"{_DELIMITER_NAMES[delimiter]} or a value that needs quotes."
                    )
                record = record[: len(header)]
            rows.append(record)
            if len(rows) > max_rows:
                raise TableError(
                    f"The file has more than {max_rows:,} data rows; Limelight accepts "
                    f"at most {max_rows:,}. Upload a sample of the rows instead."
                )
    except csv.Error as error:
        message = str(error)
        if "end of data" in message or "EOF" in message:
            raise TableError(
                f"A quotation mark opened on line {line} is never closed. Check that line for a stray or missing quote."
            ) from error
        if "expected after" in message:
            raise TableError(
                f"Line {line} has a quotation mark in the middle of a value. "
                'Quote the whole value, and write a quote inside it as "".'
            ) from error
        raise TableError(f"Line {line} could not be read: {message}.") from error
    if header is None:
        raise TableError("The file is empty.")
    if not rows:
        raise TableError("The file has a header row but no data rows.")
    return header, rows


def _check_header(record: list[str], *, max_columns: int) -> list[str]:
    names = [field.strip() for field in record]
    # Trailing delimiters in the header would otherwise become nameless columns.
    while len(names) > 1 and not names[-1]:
        names.pop()
    if len(names) > max_columns:
        raise TableError(
            f"The file has {len(names):,} columns; Limelight accepts at most "
            f"{max_columns:,}. Remove the columns you do not need and upload again."
        )
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name and position == 1 and len(names) > 1:
            continue  # row names (R, pandas): named by _name_row_labels when the rest are named
        if not name:
            raise TableError(f"Column {position} has no name. Give every column a name in the first row.")
        if name in seen:
            raise TableError(f'The column name "{name}" appears twice. Give every column its own name.')
        seen.add(name)
    return names


def _build_frame(
    header: list[str],
    rows: list[list[str]],
    *,
    text_columns: tuple[str, ...] = (),
    decimal: str = ".",
    numbers: tuple[str, ...] = (),
) -> pd.DataFrame:
    width = len(header)
    columns: dict[str, pd.Series] = {}
    read_as: dict[str, tuple[str, str, float]] = {}  # column -> (decimal, an example as written, its value)
    unread: dict[str, dict] = {}
    for index, name in enumerate(header):
        values = [
            _clean(row[index]) if index < len(row) else None  # short rows: missing
            for row in rows
        ]
        # Row names stay as written ("1", not 1.0), whatever they look like.
        if name in text_columns:
            columns[name] = _text_series(values)
            continue
        columns[name], how = _typed_series(values, decimal)
        if how:
            read_as[name] = how
        elif name in numbers:
            columns[name], unread[name] = _marked_numbers(values, decimal)
    frame = pd.DataFrame(columns)
    assert frame.shape == (len(rows), width)
    frame.attrs["decimal"] = decimal
    frame.attrs["notes"] = _number_notes(read_as)
    frame.attrs["unread_numbers"] = unread
    return frame


def _marked_numbers(values: list[str | None], decimal: str) -> tuple[pd.Series, dict]:
    """A column a person marked as numbers: read under the file's decimal (the other only if it reads
    more), every value that cannot be read left missing and counted."""
    parsed = parse_as_numbers(values, decimal)
    counts = {"failed": parsed.failed, "present": parsed.present, "examples": list(parsed.unread)}
    return pd.Series(parsed.values, dtype="float64"), counts


def _other(decimal: str) -> str:
    return DECIMALS[1 - DECIMALS.index(decimal)]


def _number_notes(read_as: dict[str, tuple[str, str, float]]) -> list[str]:
    """One sentence per way of writing numbers that needed more than a plain decimal point."""
    notes = []
    for decimal, what in ((",", "a decimal comma"), (".", "thousands separators")):
        names = [name for name, how in read_as.items() if how[0] == decimal]
        if not names:
            continue
        _, text, value = read_as[names[0]]
        shown = ", ".join(f"“{name}”" for name in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        notes.append(f"Numbers written with {what} ({text}) were read as {value:.15g}, in {shown}.")
    return notes


def _clean(value: str) -> str | None:
    value = value.strip()
    return None if value in _MISSING else value


def _typed_series(values: list[str | None], decimal: str = ".") -> tuple[pd.Series, tuple[str, str, float] | None]:
    """float64 when every present value is a finite number, else strings; and, when the numbers
    needed more than a plain point to read (39,1 or 1,234.5), how: (decimal, an example, its value).

    The file's decimal is tried first, then the other (a column of 3.25 in a file of 39,1).
    """
    present = [value for value in values if value is not None]
    if not present:
        return pd.Series(np.nan, index=range(len(values)), dtype="float64"), None
    plain = _plain_numbers(values, present) if decimal == "." or not _any_separator(present) else None
    if plain is not None:
        return plain, None
    for candidate in (decimal, _other(decimal)):
        read = read_all(values, candidate)
        if read is not None:
            example = next((text for text in present if _written_otherwise(text, candidate)), present[0])
            value = float(read[values.index(example)])
            return pd.Series(read, dtype="float64"), (candidate, example, value)
    return _text_series(values), None


def _written_otherwise(text: str, decimal: str) -> bool:
    """Whether a number is written other than plainly with a point: a decimal comma or thousands separators."""
    return any(char in text for char in (",. \u00a0\u202f'" if decimal == "," else ", \u00a0\u202f'"))


def _any_separator(texts: list[str]) -> bool:
    return any(char in text for text in texts for char in ",.")


def _plain_numbers(values: list[str | None], present: list[str]) -> pd.Series | None:
    """The column as numbers written plainly (3.25, -2, 1e5), as pandas reads them; None if not all are."""
    numbers = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    # Infinity parses as a number but breaks every imputer and scaler, so a
    # column containing it is better shown as text the user can inspect. So does
    # a number beyond float32's range: tree models convert to float32 and overflow.
    as_float = numbers.to_numpy(dtype="float64")
    in_range = np.isfinite(as_float) & (np.abs(np.nan_to_num(as_float)) <= np.finfo(np.float32).max)
    if numbers.notna().all() and in_range.all():
        result = np.full(len(values), np.nan)
        result[[value is not None for value in values]] = numbers.to_numpy(dtype="float64")
        return pd.Series(result, dtype="float64")
    return None


def _text_series(values: list[str | None]) -> pd.Series:
    # pandas' default string dtype, with NaN for missing cells.
    return pd.Series([np.nan if value is None else value for value in values], dtype="str")
