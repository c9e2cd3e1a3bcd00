"""Reading uploaded CSV files: encodings, delimiters, missing values, and clear errors."""

import pickle

import numpy as np
import pandas as pd
import pytest

from classifiers.tabular.reading import MISSING_MARKERS, TableError, read_table

pytestmark = pytest.mark.unit


def test_read_table_reads_utf8_with_bom_and_strips_names_and_cells():
    raw = "\ufeff name , age\n Ann , 31\nBob,42\n".encode()

    frame = read_table(raw)

    assert list(frame.columns) == ["name", "age"]
    assert frame["name"].tolist() == ["Ann", "Bob"]
    assert frame["age"].dtype == np.float64
    assert frame["age"].tolist() == [31.0, 42.0]


def test_read_table_reads_utf16_with_bom():
    raw = "city,temp\nZürich,3.5\nKöln,4\n".encode("utf-16")

    frame = read_table(raw)

    assert frame["city"].tolist() == ["Zürich", "Köln"]
    assert frame["temp"].tolist() == [3.5, 4.0]


def test_read_table_falls_back_to_cp1252():
    raw = "drink,price\ncafé,2.5\nthé – vert,3\n".encode("cp1252")

    frame = read_table(raw)

    assert frame["drink"].tolist() == ["café", "thé – vert"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_read_table_sniffs_the_delimiter(delimiter):
    lines = [["x", "colour", "y"], ["1.5", "red", "a"], ["2", "blue", "b"], ["3", "red", "a"]]
    raw = "\n".join(delimiter.join(line) for line in lines).encode()

    frame = read_table(raw)

    assert list(frame.columns) == ["x", "colour", "y"]
    assert frame["x"].tolist() == [1.5, 2.0, 3.0]
    assert frame["colour"].tolist() == ["red", "blue", "red"]


def test_read_table_handles_crlf_and_quoted_commas_and_quotes():
    raw = b'name,comment\r\n"Smith, Ann","said ""hi"""\r\nBob,plain\r\n'

    frame = read_table(raw)

    assert frame["name"].tolist() == ["Smith, Ann", "Bob"]
    assert frame["comment"].tolist() == ['said "hi"', "plain"]


def test_read_table_path_source(tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes(b"a,b\n1,x\n2,y\n")

    frame = read_table(path)

    assert frame.shape == (2, 2)
    assert frame["b"].tolist() == ["x", "y"]


def test_read_table_turns_every_missing_marker_into_nan():
    rows = "\n".join(f"{marker},{index}" for index, marker in enumerate(MISSING_MARKERS))
    raw = f"label,n\nkept,99\n{rows}\n".encode()

    frame = read_table(raw)

    assert frame["label"].isna().tolist() == [False] + [True] * len(MISSING_MARKERS)
    assert frame["label"].iloc[0] == "kept"


def test_read_table_numeric_column_with_question_marks_becomes_float_with_nan():
    raw = b"age,ca,sex\n63,0, Male\n67, ?, Female\n37,2, ?\n"

    frame = read_table(raw)

    assert frame["ca"].dtype == np.float64
    assert frame["ca"].tolist()[0] == 0.0
    assert np.isnan(frame["ca"].iloc[1])
    assert frame["ca"].iloc[2] == 2.0
    assert frame["sex"].iloc[:2].tolist() == ["Male", "Female"]
    assert pd.isna(frame["sex"].iloc[2])


def test_read_table_keeps_text_columns_as_strings_and_pads_short_rows():
    raw = b"code,value\n007,1\nA12,\n"

    frame = read_table(raw)

    assert frame["code"].tolist() == ["007", "A12"]
    assert frame["value"].iloc[0] == 1.0
    assert np.isnan(frame["value"].iloc[1])


def test_read_table_tolerates_trailing_delimiters():
    frame = read_table(b"a,b,\n1,2,\n3,4,\n")

    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].tolist() == [2.0, 4.0]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"\n  \n", "The file is empty."),
        (b"a,b,c\n", "The file has a header row but no data rows."),
        (b"age,name,age\n1,x,2\n", 'The column name "age" appears twice'),
        (b"a,b,,d\n1,2,3,4\n", "Column 3 has no name"),
        (b"a,b\n1,2\n3,4\n5,6,7\n", "Line 4 has 3 values but the header has 2 columns"),
        (b'a,b\n1,"open\n2,3\n', "A quotation mark opened on line 2 is never closed"),
        (b'a,b\n1,"x"y\n', "Line 2 has a quotation mark in the middle of a value"),
    ],
)
def test_read_table_rejects_malformed_files_with_a_plain_message(raw, message):
    with pytest.raises(TableError) as caught:
        read_table(raw)

    assert message in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        pickle.dumps({"weights": list(range(50)), "name": "model"}),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
        bytes(range(1, 32)) * 20,
    ],
    ids=["pickle", "png", "control-characters"],
)
def test_read_table_rejects_binary_files(raw):
    with pytest.raises(TableError) as caught:
        read_table(raw)

    assert str(caught.value).startswith("This file does not look like a text table (CSV)")


def test_read_table_rejects_too_many_rows():
    raw = ("x\n" + "1\n" * 11).encode()

    with pytest.raises(TableError) as caught:
        read_table(raw, max_rows=10)

    assert "more than 10 data rows" in str(caught.value)
    assert read_table(raw, max_rows=11).shape == (11, 1)


def test_read_table_rejects_too_many_columns():
    header = ",".join(f"c{index}" for index in range(6))
    raw = f"{header}\n{','.join('1' * 6)}\n".encode()

    with pytest.raises(TableError) as caught:
        read_table(raw, max_columns=5)

    assert "The file has 6 columns; Limelight accepts at most 5." in str(caught.value)
    assert read_table(raw, max_columns=6).shape == (1, 6)
