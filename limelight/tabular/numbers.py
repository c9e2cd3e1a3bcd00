"""Numbers as people write them: a decimal point or a decimal comma, with or without thousands separators.

A European spreadsheet writes one and a half thousand as ``1.500,5`` and an
American one as ``1,500.5``; the separator between the whole and the fraction
is the file's *decimal* (``"."`` or ``","``). Under either, thousands may also be
grouped by a space, a no-break space, a narrow no-break space or an apostrophe,
and only in groups of three (``1,23,4`` is not a number). Everything that turns
text into a number column goes through :func:`parse_numbers`, so no value is
read one way when the file is read and another when a person marks a column
"number". :func:`file_decimal` decides a file's decimal from its cells.
No Django here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DECIMALS",
    "ParsedNumbers",
    "file_decimal",
    "parse_as_numbers",
    "parse_number",
    "parse_numbers",
    "read_all",
    "typed_number",
]

DECIMALS = (".", ",")
# Separators of thousands other than the two decimals: spaces (plain, no-break,
# narrow no-break) and the Swiss apostrophe.
_SPACES = " \u00a0\u202f'"
_MAX_UNREAD_EXAMPLES = 3
# Beyond float32's range tree models overflow (they convert to float32), so such a
# "number" (and 1e400, which is infinite) is as unreadable as a word.
_LARGEST = float(np.finfo(np.float32).max)


def _grouped(decimal: str) -> re.Pattern[str]:
    """Whole digits in groups of three (one separator throughout), then an optional fraction."""
    thousands = re.escape(("," if decimal == "." else ".") + _SPACES)
    point = re.escape(decimal)
    return re.compile(rf"([+-]?)(\d{{1,3}}(?:([{thousands}])\d{{3}})(?:\3\d{{3}})*)(?:{point}(\d+))?")


_GROUPED = {decimal: _grouped(decimal) for decimal in DECIMALS}
# What Python's float() reads, minus what no spreadsheet writes (underscores, "inf", "nan").
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(text: str, decimal: str) -> float | None:
    """The number ``text`` means when the file writes ``decimal`` before fractions; None if it is not one."""
    text = text.strip()
    plain = text
    if decimal == ",":
        # Without a dot there are no thousands to remove: 39,1 is 39.1. With one, it groups thousands.
        plain = text.replace(",", ".", 1) if "." not in text and text.count(",") == 1 else text
        plain = "" if "." in text else plain
    if _PLAIN.fullmatch(plain):
        return float(plain)
    match = _GROUPED[decimal].fullmatch(text)
    if match is None:
        return None
    sign, whole, separator, fraction = match.groups()
    return float(f"{sign}{whole.replace(separator, '')}.{fraction or '0'}")


@dataclass(frozen=True, eq=False)
class ParsedNumbers:
    """A column read as numbers: ``values`` (NaN where missing or unreadable), how many
    cells had a value (``present``), how many of those could not be read (``failed``) and
    up to three of the texts that could not (``unread``, distinct, in file order)."""

    values: np.ndarray
    present: int
    failed: int
    unread: tuple[str, ...]


def parse_numbers(values: Sequence[str | None] | np.ndarray, decimal: str) -> ParsedNumbers:
    """Read each text under ``decimal``; ``None`` (or NaN) is a missing cell, not a failure.

    A value too large for a model to hold (beyond float32's range) counts as unreadable.
    """
    parsed = _read(values, decimal, give_up=False)
    assert parsed is not None
    return parsed


def read_all(values: Sequence[str | None] | np.ndarray, decimal: str) -> np.ndarray | None:
    """The numbers, when every present value reads under ``decimal``; None at the first that does not.

    Stops early, so telling a column of names from a column of numbers is quick.
    """
    parsed = _read(values, decimal, give_up=True)
    return None if parsed is None else parsed.values


def _read(values: Sequence[str | None] | np.ndarray, decimal: str, *, give_up: bool) -> ParsedNumbers | None:
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be one of {DECIMALS}, not {decimal!r}")
    result = np.full(len(values), np.nan)
    seen: dict[str, float | None] = {}  # columns repeat their values: read each text once
    present = failed = 0
    unread: list[str] = []
    for position, value in enumerate(values):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        present += 1
        text = str(value)
        if text not in seen:
            seen[text] = parse_number(text, decimal)
        number = seen[text]
        if number is None or not abs(number) <= _LARGEST:
            if give_up:
                return None
            failed += 1
            if text not in unread and len(unread) < _MAX_UNREAD_EXAMPLES:
                unread.append(text)
        else:
            result[position] = number
    return ParsedNumbers(values=result, present=present, failed=failed, unread=tuple(unread))


def parse_as_numbers(values: Sequence[str | None] | np.ndarray, decimal: str) -> ParsedNumbers:
    """A column a person (or a model) says holds numbers: read under the file's ``decimal``, or under
    the other one if that reads more of it (a column of 3.25 in a file of 39,1); on a tie, the file's."""
    other = DECIMALS[1 - DECIMALS.index(decimal)]
    return min((parse_numbers(values, decimal), parse_numbers(values, other)), key=lambda parsed: parsed.failed)


def typed_number(value: object, decimal: str = ".") -> float | None:
    """A number a person typed (58,6 or 58.6: the file's ``decimal`` first, then the other) or one
    already a number; None when it is not one. How large it may be is the caller's to say."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    other = DECIMALS[1 - DECIMALS.index(decimal)]
    number = parse_number(text, decimal)
    return parse_number(text, other) if number is None else number


# Cells that can only be read one way. A comma followed by other than three digits,
# or a dot grouping thousands before a comma, is a decimal comma; and the mirror
# image for the point. "1,234" alone is either, and decided by the file's delimiter.
_COMMA_SIGNS = re.compile(r"[+-]?\d*,(?:\d{1,2}|\d{4,})|[+-]?\d{1,3}(?:\.\d{3})+,\d+|[+-]?\d{1,3}(?:\.\d{3}){2,}")
_POINT_SIGNS = re.compile(r"[+-]?\d*\.(?:\d{1,2}|\d{4,})|[+-]?\d{1,3}(?:,\d{3})+\.\d+|[+-]?\d{1,3}(?:,\d{3}){2,}")
_EITHER = re.compile(r"[+-]?\d{1,3},\d{3}")


def file_decimal(texts: Iterable[str], *, delimiter: str = ",") -> str:
    """The decimal a file writes: ``","`` when more of its cells can only be decimal commas than
    decimal points, or when none decides and a cell like ``1,234`` sits in a semicolon-separated
    file (a European export); otherwise ``"."``."""
    commas = points = either = 0
    for text in texts:
        text = text.strip()
        if _COMMA_SIGNS.fullmatch(text):
            commas += 1
        elif _POINT_SIGNS.fullmatch(text):
            points += 1
        elif _EITHER.fullmatch(text):
            either += 1
    if commas != points:
        return "," if commas > points else "."
    return "," if commas == 0 and either and delimiter == ";" else "."
