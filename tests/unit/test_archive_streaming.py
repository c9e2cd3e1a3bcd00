"""An image ZIP is read one member at a time: memory does not grow with the archive (issue 24).

The expected figures come from the problem: a 2 MB photo decoded and shrunk to
512 px a side is a 512 x 512 x 3 array (786 kB); holding every one of 50 such
photos would take 50 x 786 kB = 39 MB, holding one at a time takes about one
member's bytes plus one decoded image. Peak Python allocations are measured with
tracemalloc (numpy registers its arrays with it; Pillow's own C buffers are not
counted, which only makes the bound easier to meet for code that keeps nothing).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from limelight.images.archive import ArchiveError, read_image_archive, stream_image_archive
from limelight.images.training import image_feature_rows

from .photo_archives import PHOTOS, noisy_png, photo_archive

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    path = tmp_path_factory.mktemp("archive") / "photos.zip"
    member = photo_archive(path)
    assert 2_000_000 < member < 2_100_000
    return path, member


def test_fifty_two_megabyte_photos_are_read_with_at_most_three_members_in_memory(photos):
    path, member = photos
    seen: list[tuple[str, str, tuple[int, ...]]] = []

    tracemalloc.start()
    try:
        summary = stream_image_archive(path, lambda item: seen.append((item.label, item.member, item.image.shape)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Holding them all would be 50 x 786 kB = 39 MB; one at a time is about one member.
    assert peak < 3 * member, f"peak {peak / 1e6:.1f} MB for members of {member / 1e6:.1f} MB"
    names = [f"{('cats', 'dogs')[index % 2]}/{index:03d}.png" for index in range(PHOTOS)]
    assert [name for _, name, _ in seen] == sorted(names)  # handed over in member-name order
    assert {shape for _, _, shape in seen} == {(512, 512, 3)}
    assert [(entry.label, entry.member) for entry in summary.entries] == [(label, name) for label, name, _ in seen]
    assert summary.counts() == {"cats": 25, "dogs": 25}


class _CountingFile(io.RawIOBase):
    """A seekable file that remembers the largest single read asked of it."""

    def __init__(self, path):
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self.largest = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.largest = max(self.largest, len(data))
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


def test_a_file_object_is_read_a_member_at_a_time_never_whole(photos):
    path, member = photos
    upload = _CountingFile(path)
    try:
        summary = stream_image_archive(upload, lambda item: None)
    finally:
        upload.close()
    assert summary.counts() == {"cats": 25, "dogs": 25}
    assert path.stat().st_size > 40 * member
    # zipfile reads the end of the file (at most the 64 kB a ZIP comment may take) to find the
    # directory, then each member's bytes: no read is bigger than one member.
    assert upload.largest <= member


def test_streaming_and_reading_whole_agree_and_class_checks_come_after_the_images(tmp_path):
    path = tmp_path / "one-class.zip"
    png = noisy_png(0)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cats/a.png", png)
        archive.writestr("cats/b.png", png)
        archive.writestr("cats/notes.txt", b"hello")
    handed: list[str] = []
    # Every image is handed over before the archive as a whole is judged: the caller keeps what it
    # stored aside until the call returns (services.read_images_into writes into a .partial folder).
    with pytest.raises(ArchiveError, match='one class \\("cats"\\)'):
        stream_image_archive(path, lambda item: handed.append(item.member))
    assert handed == ["cats/a.png", "cats/b.png"]

    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cats/a.png", png)
        archive.writestr("dogs/b.png", png)
        archive.writestr("dogs/notes.txt", b"hello")
    whole = read_image_archive(path)
    summary = stream_image_archive(path, lambda item: None)
    assert [(item.label, item.member) for item in whole.items] == [(e.label, e.member) for e in summary.entries]
    assert (whole.classes, whole.skipped) == (summary.classes, summary.skipped)
    assert summary.skipped == ("dogs/notes.txt: not an image we can read (JPEG, PNG, WebP, BMP, GIF or TIFF)",)


class _ConstantFeatures:
    """A featurizer whose row for an image is its mean value repeated: known without the code under test."""

    def __init__(self, width: int):
        self.width = width

    def transform(self, images):
        return np.stack([np.full(self.width, image.mean(), dtype=np.float32) for image in images])


class _LazyImages:
    """``count`` 8x8 images made when asked for: image i is filled with the value i % 251."""

    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> np.ndarray:
        return np.full((8, 8, 3), index % 251, dtype=np.uint8)


def test_the_features_pass_holds_the_feature_rows_once():
    count, width = 200, 10_000  # the rows: 200 x 10,000 float32 = 8 MB
    rows_bytes = count * width * 4
    done: list[int] = []

    tracemalloc.start()
    try:
        rows = image_feature_rows(
            _LazyImages(count), _ConstantFeatures(width), on_progress=lambda d, n, m: done.append(d)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Collecting the pieces and joining them at the end would hold the rows twice (16 MB).
    assert peak < 1.5 * rows_bytes, f"peak {peak / 1e6:.1f} MB for {rows_bytes / 1e6:.1f} MB of rows"
    assert rows.shape == (count, width) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[:, 0], np.arange(count) % 251)
    np.testing.assert_array_equal(rows[:, -1], np.arange(count) % 251)
    assert done[-1] == count
