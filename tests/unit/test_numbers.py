"""Reading numbers as people write them: decimal commas, thousands separators, and what fails.

Every expected value is the number a person means by the text (``1.234,5`` in a
European spreadsheet is one thousand two hundred and thirty-four and a half).
"""

import math

import numpy as np
import pytest

from limelight.tabular.numbers import file_decimal, parse_number, parse_numbers, typed_number

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("39,1", ",", 39.1),
        ("-0,5", ",", -0.5),
        ("1.234,5", ",", 1234.5),
        ("1.234.567", ",", 1234567.0),
        ("1.234", ",", 1234.0),  # with a decimal comma, a dot only groups thousands
        ("1 234,5", ",", 1234.5),
        ("1\u00a0234,5", ",", 1234.5),  # no-break space, as French spreadsheets write
        ("1\u202f234,5", ",", 1234.5),  # narrow no-break space
        ("12", ",", 12.0),
        ("1,234.5", ".", 1234.5),
        ("12,345", ".", 12345.0),
        ("1,234,567", ".", 1234567.0),
        ("1'234.5", ".", 1234.5),  # Swiss thousands
        ("1,234", ".", 1234.0),
        ("39.1", ".", 39.1),
        ("-2.5e3", ".", -2500.0),
        ("+7", ".", 7.0),
    ],
)
def test_a_number_is_read_as_the_person_wrote_it(text, decimal, expected):
    assert parse_number(text, decimal) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("39.1", ","),  # a dot followed by one digit is no thousands group
        ("39,1", "."),
        ("1,23,4", "."),  # groups of three or nothing
        ("1.2.3", ","),
        ("1.234,5,6", ","),
        ("n/a", "."),
        ("not measured", ","),
        ("1_000", "."),  # Python reads it; no spreadsheet writes it
        ("", "."),
        ("12 apples", "."),
        ("1 234.5", ","),  # space thousands, but a dot where the comma belongs
    ],
)
def test_what_is_not_a_number_under_the_convention_is_not_read(text, decimal):
    assert parse_number(text, decimal) is None


def test_parse_numbers_counts_the_values_that_could_not_be_read_and_keeps_examples():
    parsed = parse_numbers(["39,1", "unknown", None, "40,2", "see notes", "unknown", "1.234,5"], ",")

    values = parsed.values
    assert values[0] == 39.1 and values[3] == 40.2 and values[6] == 1234.5
    assert all(math.isnan(values[i]) for i in (1, 2, 4, 5))
    assert parsed.present == 6  # None is a missing cell, not a failure
    assert parsed.failed == 3
    assert parsed.unread == ("unknown", "see notes")  # distinct, in file order


def test_parse_numbers_of_clean_values_fails_nothing():
    parsed = parse_numbers(np.array(["1", "2,5", "-3"], dtype=object), ",")

    assert parsed.failed == 0
    assert parsed.values.tolist() == [1.0, 2.5, -3.0]


@pytest.mark.parametrize(
    ("texts", "delimiter", "expected"),
    [
        (["39,1", "2,25", "1,5"], ";", ","),  # a column of decimal commas
        (["39,1", "2,25", "1,5"], ",", ","),  # quoted in a comma file: still decimal commas
        (["1.234,5", "7"], ",", ","),
        (["1,234.5", "7"], ";", "."),
        (["3.5", "4.25"], ";", "."),  # a semicolon file may still write decimal points
        (["1,234", "5,678"], ";", ","),  # ambiguous; a semicolon file is a European export
        (["1,234", "5,678"], ",", "."),  # ambiguous; a comma file writes thousands so
        (["3.5", "1,234"], ",", "."),
        ([], ";", "."),
        (["Adelie", "Gentoo"], ";", "."),
    ],
)
def test_file_decimal_decides_the_convention_from_the_file(texts, delimiter, expected):
    assert file_decimal(texts, delimiter=delimiter) == expected


def test_more_decimal_commas_than_decimal_points_make_a_decimal_comma_file():
    texts = ["39,1", "40,25", "41,7", "3.5"]

    assert file_decimal(texts, delimiter=",") == ","


@pytest.mark.parametrize(
    ("value", "decimal", "expected"),
    [
        ("58,6", ".", 58.6),  # a person types their own way, whatever the file
        ("4.100,5", ",", 4100.5),
        ("1,234", ",", 1.234),  # ambiguous: the file's decimal decides
        ("1,234", ".", 1234.0),
        (7, ",", 7.0),
        (1.234, ",", 1.234),  # a number is never re-read as text
        ("seven", ".", None),
    ],
)
def test_a_typed_value_is_read_with_the_files_decimal_first(value, decimal, expected):
    assert typed_number(value, decimal) == expected


def test_a_number_too_large_for_a_model_is_counted_as_unreadable():
    # float32, which tree models use, ends near 3.4e38: 1e39 would overflow there.
    parsed = parse_numbers(["1e39", "2", "3,5"], ",")

    assert parsed.failed == 1 and parsed.unread == ("1e39",)
    assert parsed.values[1:].tolist() == [2.0, 3.5]
