"""Property-based tests of the upload readers: whatever the bytes, the result is a table
(or an archive) or a clean validation error, never another exception, and never a hang."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from limelight.images.archive import ArchiveError, read_image_archive
from limelight.tabular.reading import TableError, read_table
from tests.conftest import csv_bytes, risk_table

pytestmark = pytest.mark.unit

# A deadline per example: a reader that loops on odd input fails instead of hanging.
FAST = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

SEED_CSV = csv_bytes(risk_table(rows=12))


def read_or_refuse(content: bytes) -> None:
    try:
        frame = read_table(content, max_rows=5000, max_columns=200)
    except TableError as error:
        assert str(error).strip(), "an error the user can read"
        assert "Traceback" not in str(error)
    else:
        assert frame.shape[1] >= 1
        assert len(set(frame.columns)) == frame.shape[1]


@FAST
@given(st.binary(max_size=4000))
def test_read_table_on_arbitrary_bytes_gives_a_table_or_a_table_error(content):
    read_or_refuse(content)


@st.composite
def mutated_csv(draw) -> bytes:
    """The seed CSV with bytes flipped, inserted, deleted, or a slice repeated."""
    data = bytearray(SEED_CSV)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "truncate"]))
        if action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(
                st.sampled_from([b'"', b",", b";", b"\t", b"\n", b"\r", b"\x00", b"\xff\xfe", b"1e400", b"=1+1"])
            )
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        elif action == "repeat":
            data[position:position] = data[position : position + 30] * draw(st.integers(1, 5))
        elif action == "truncate":
            del data[position:]
    return bytes(data)


@FAST
@given(mutated_csv())
def test_read_table_on_mutated_csvs_gives_a_table_or_a_table_error(content):
    read_or_refuse(content)


@FAST
@given(
    st.lists(
        st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=12), min_size=1, max_size=6),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]),
)
def test_read_table_on_generated_tables_in_any_encoding(rows, delimiter, encoding):
    text = "\n".join(delimiter.join(row) for row in rows)
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:
        content = text.encode("utf-8")
    read_or_refuse(content)


# -- ZIP archives ----------------------------------------------------------------------


def tiny_png(colour: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (colour, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def seed_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for label in ("cats", "dogs"):
            for index in range(3):
                archive.writestr(f"{label}/{index}.png", tiny_png(40 * index))
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def read_archive_or_refuse(content: bytes) -> None:
    try:
        result = read_image_archive(content, max_members=50, max_total_bytes=2_000_000, max_pixels=1_000_000)
    except ArchiveError as error:
        assert str(error).strip()
    else:
        assert len(result.counts()) >= 2


@FAST
@given(st.binary(max_size=3000))
def test_read_image_archive_on_arbitrary_bytes_gives_an_archive_or_an_archive_error(content):
    read_archive_or_refuse(content)


@FAST
@given(st.data())
def test_read_image_archive_on_mutated_zips_gives_an_archive_or_an_archive_error(data):
    content = bytearray(seed_zip())
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(content) - 1))
        if data.draw(st.booleans()):
            content[position] = data.draw(st.integers(0, 255))
        else:
            del content[position:]
            if not content:
                break
    read_archive_or_refuse(bytes(content))


@FAST
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
            st.sampled_from([b"", b"not an image", b"\x89PNG\r\n\x1a\n", b"PNG"]),
        ),
        max_size=8,
    )
)
def test_read_image_archive_with_odd_member_names_and_contents(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cats/ok.png", tiny_png(10))
        archive.writestr("dogs/ok.png", tiny_png(200))
        for name, payload in members:
            try:
                archive.writestr(name, payload)
            except (ValueError, UserWarning, IndexError):  # names zipfile itself cannot write
                continue
    read_archive_or_refuse(buffer.getvalue())


def test_a_zip_member_needing_an_unsupported_zip_version_is_an_archive_error():
    content = bytearray(seed_zip())
    central = content.rfind(b"PK\x01\x02")  # the last member's central directory entry
    content[central + 6] = 64  # "version needed to extract": 6.4
    header = content.find(b"PK\x03\x04")
    content[header + 4] = 64
    with pytest.raises(ArchiveError):
        read_image_archive(bytes(content))
