"""Reading uploaded CSV files: encodings, delimiters, missing values, and clear errors."""

import pickle

import numpy as np
import pandas as pd
import pytest

from limelight.tabular.reading import MISSING_MARKERS, TableError, read_table

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
    ("raw", "start"),
    [
        (
            pickle.dumps({"weights": list(range(50)), "name": "model"}),
            "This file does not look like a text table (CSV)",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
            "This looks like a PNG image; Limelight reads CSV files, Excel workbooks (.xlsx, .ods) and ZIPs of images.",
        ),
        (bytes(range(1, 32)) * 20, "This file does not look like a text table (CSV)"),
    ],
    ids=["pickle", "png", "control-characters"],
)
def test_read_table_rejects_binary_files(raw, start):
    with pytest.raises(TableError) as caught:
        read_table(raw)

    assert str(caught.value).startswith(start)


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


# Files as they come (issue 17): row names, workbooks, other files, dates.


def test_a_nameless_first_column_is_the_row_label_as_r_and_pandas_write_it():
    # R's write.csv: "" then quoted row names; pandas' to_csv: an empty name then 0, 1, ...
    r_style = b'"","age","sex"\n"1",50,"F"\n"2",31,"M"\n"3",44,"F"\n'

    frame = read_table(r_style)

    assert list(frame.columns) == ["row name", "age", "sex"]
    assert frame["row name"].tolist() == ["1", "2", "3"]  # as written, not 1.0
    assert frame.attrs["row_label"] == "row name"
    assert read_table(b"a,b\n1,2\n3,4\n").attrs["row_label"] == ""


def test_a_nameless_first_column_takes_a_free_name():
    frame = read_table(b",row name,x\nr1,a,1\nr2,b,2\n")

    assert list(frame.columns) == ["row label", "row name", "x"]
    assert frame.attrs["row_label"] == "row label"


@pytest.mark.parametrize(
    "raw",
    [b",,b\n1,2,3\n", b"a,,b\n1,2,3\n"],
    ids=["two-nameless", "nameless-in-the-middle"],
)
def test_other_nameless_columns_are_still_refused(raw):
    with pytest.raises(TableError, match="has no name"):
        read_table(raw)


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_is_read_from_its_first_sheet_or_the_one_named():
    import datetime

    raw = _workbook(
        {
            "patients": [["age", "seen", "sick"], [50, datetime.datetime(2021, 7, 3), True], [31.5, None, False]],
            "notes": [["who", "score"], ["ann", 3], ["bob", "?"]],
        }
    )

    first = read_table(raw)
    notes = read_table(raw, sheet="notes")

    assert list(first.columns) == [
        "age",
        "seen",
        "seen: month",
        "seen: day of the week",
        "seen: season",
        "seen: year",
        "sick",
    ]
    assert first["age"].tolist() == [50.0, 31.5]
    assert first["seen"].iloc[0] == "2021-07-03"
    assert first["sick"].tolist() == ["TRUE", "FALSE"]
    assert notes["who"].tolist() == ["ann", "bob"]
    assert notes["score"].iloc[0] == 3.0 and np.isnan(notes["score"].iloc[1])  # "?" is missing, as in a CSV
    with pytest.raises(TableError, match="The workbook has no sheet called “other”"):
        read_table(raw, sheet="other")


def test_an_xlsx_with_a_nameless_first_column_and_ragged_cells_is_checked_like_a_csv():
    raw = _workbook({"s": [[None, "x", "y"], ["a", 1, 2], ["b", 3, 4]]})
    assert read_table(raw).attrs["row_label"] == "row name"

    ragged = _workbook({"s": [["x", "y"], [1, 2, 99]]})
    with pytest.raises(TableError, match="Row 2 of the sheet has values beyond the last named column"):
        read_table(ragged)


def test_an_ods_workbook_is_read():
    import io

    buffer = io.BytesIO()
    pd.DataFrame({"size": [1.5, 2.0, 3.0], "kind": ["a", "b", "a"]}).to_excel(
        buffer, engine="odf", sheet_name="data", index=False
    )

    frame = read_table(buffer.getvalue())

    assert frame["size"].tolist() == [1.5, 2.0, 3.0]
    assert frame["kind"].tolist() == ["a", "b", "a"]


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "an old Office file (such as an .xls workbook or a .doc)"),
        (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}), "a Word document"),
        (b"\x1f\x8b\x08\x00" + bytes(40), "a gzip-compressed file"),
    ],
    ids=["pdf", "xls", "docx", "gzip"],
)
def test_other_files_are_named_in_the_message(raw, what):
    with pytest.raises(TableError) as caught:
        read_table(raw)

    assert str(caught.value) == (
        f"This looks like {what}; Limelight reads CSV files, Excel workbooks (.xlsx, .ods) and ZIPs of images. "
        "Save the table as CSV or .xlsx and upload that file."
    )


def test_a_date_column_gains_month_day_of_week_season_and_year():
    raw = b"when,rain\n2012-01-01,1\n2012-04-15,2\n2012-07-04,3\n2012-10-31,4\n,5\n"

    frame = read_table(raw)

    assert list(frame.columns) == [
        "when",
        "when: month",
        "when: day of the week",
        "when: season",
        "when: year",
        "rain",
    ]
    # 2012-01-01 was a Sunday; northern meteorological seasons (December-February is winter).
    assert frame["when: month"].tolist()[:4] == ["January", "April", "July", "October"]
    assert frame["when: day of the week"].tolist()[:4] == ["Sunday", "Sunday", "Wednesday", "Wednesday"]
    assert frame["when: season"].tolist()[:4] == ["winter", "spring", "summer", "autumn"]
    assert frame["when: year"].tolist()[:4] == [2012.0] * 4
    assert frame.iloc[4][["when: month", "when: season", "when: year"]].isna().all()  # no date, no parts
    assert frame.attrs["unused"] == ["when: day of the week", "when: year"]  # four dates months apart: not daily


def test_date_parts_do_not_replace_the_files_own_columns():
    frame = read_table(b"d,d: season\n2012-01-01,wet\n2012-07-01,dry\n")

    assert frame["d: season"].tolist() == ["wet", "dry"]
    assert frame["d: month"].tolist() == ["January", "July"]


# Numbers as spreadsheets in other countries write them (issue 23). The expected values
# are the numbers the person typed, written here in the plain form.


def test_a_european_export_reads_decimal_commas_and_thousands_dots_as_numbers_and_says_so():
    raw = b"species;bill_length;body_mass\nAdelie;39,1;3.750\nGentoo;46,5;5.200,5\nAdelie;-0,5;950\n"

    frame = read_table(raw)

    assert frame["bill_length"].dtype == np.float64
    assert frame["bill_length"].tolist() == [39.1, 46.5, -0.5]
    assert frame["body_mass"].tolist() == [3750.0, 5200.5, 950.0]
    assert frame["species"].tolist() == ["Adelie", "Gentoo", "Adelie"]
    assert any("decimal comma" in note and "39,1" in note and "39.1" in note for note in frame.attrs["notes"])


def test_thousands_commas_in_a_comma_file_are_read_as_thousands():
    raw = b'name,income\nA,"1,234.5"\nB,"12,345"\nC,17\n'

    frame = read_table(raw)

    assert frame["income"].tolist() == [1234.5, 12345.0, 17.0]


def test_a_column_of_decimal_points_in_a_decimal_comma_file_still_reads_as_written():
    raw = b"a;b\n1,5;3.25\n2,25;4.75\n"

    frame = read_table(raw)

    assert frame["a"].tolist() == [1.5, 2.25]
    assert frame["b"].tolist() == [3.25, 4.75]


def test_a_plain_file_reads_as_before_and_adds_no_note():
    frame = read_table(b"x,y\n1.5,a\n2,b\n")

    assert frame["x"].tolist() == [1.5, 2.0]
    assert frame.attrs["notes"] == []


def test_a_column_marked_as_numbers_is_read_with_the_files_convention_and_counts_what_failed():
    raw = b"kind;dose\na;39,1\nb;not measured\nc;40,2\nd;NA\ne;not measured\n"

    plain = read_table(raw)
    marked = read_table(raw, numbers=("dose",))

    assert plain["dose"].dtype != np.float64  # text: a person has to say it is a number
    dose = marked["dose"]
    assert dose.dtype == np.float64
    assert dose.iloc[0] == 39.1 and dose.iloc[2] == 40.2
    assert dose.iloc[[1, 3, 4]].isna().all()
    unread = marked.attrs["unread_numbers"]["dose"]
    assert (unread["failed"], unread["present"], unread["examples"]) == (2, 4, ["not measured"])


def test_text_cells_with_decimal_commas_in_a_workbook_are_numbers_too():
    raw = _workbook({"s": [["a", "b"], ["39,1", 1.25], ["40,2", 1234.5], ["1.234,5", 2]]})

    frame = read_table(raw)

    assert frame["a"].tolist() == [39.1, 40.2, 1234.5]
    assert frame["b"].tolist() == [1.25, 1234.5, 2.0]  # typed numbers are never re-read


def test_dots_that_could_group_thousands_do_so_in_a_file_of_decimal_commas():
    # "1.500" alone could be one and a half; beside 39,1 in a semicolon file it is fifteen hundred.
    frame = read_table(b"a;b\n39,1;1.500\n40,2;2.250\n")

    assert frame["b"].tolist() == [1500.0, 2250.0]
