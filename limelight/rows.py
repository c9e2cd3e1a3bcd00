"""How a page names a row: the number a person's spreadsheet shows, and its label if the file has one.

Rows are stored and passed around 0-based in file order (``row_index``, the CLI's ``--row``,
the JSON's ``instance.row``); only what a person reads is numbered from 1, as a spreadsheet
numbers the data rows under its header. Every page that names a row goes through here.
No Django.
"""

from __future__ import annotations


def row_number(index: int) -> int:
    """The 0-based ``index`` of a row as a person counts it: the first data row is 1."""
    return int(index) + 1


def row_name(index: int, *, case: str = "row", label: str = "") -> str:
    """'row 17', or 'row 17 (Mrs Dalloway)' when the file names its rows."""
    name = f"{case} {row_number(index)}"
    return f"{name} ({label})" if label else name
