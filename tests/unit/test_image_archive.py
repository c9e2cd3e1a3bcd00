import io
import os
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from limelight.images.archive import ArchiveError, load_image, read_image_archive, save_normalised
from limelight.images.demos import demo_archive_bytes

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]


def _encode(im: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _rgb(width=24, height=16, colour=(200, 30, 40)) -> Image.Image:
    return Image.new("RGB", (width, height), colour)


def _png(width=24, height=16, colour=(200, 30, 40)) -> bytes:
    return _encode(_rgb(width, height, colour), "PNG")


def _zip(members: dict[str, bytes], *, links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            elif name.endswith("/"):
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _two_classes(**extra: bytes) -> bytes:
    return _zip({"cats/a.png": _png(), "cats/b.png": _png(), "dogs/c.png": _png(), **extra})


def _every_mode() -> dict[str, bytes]:
    cmyk = Image.new("CMYK", (20, 10), (0, 255, 255, 0))  # red in CMYK
    palette = Image.new("P", (20, 10), 0)
    palette.putpalette([0, 0, 255] + [0] * 765)  # index 0 is blue
    rgba = Image.new("RGBA", (20, 10), (255, 0, 0, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))  # one transparent pixel: composited on white
    sixteen = Image.fromarray(np.full((10, 20), 65535, dtype=np.uint16))
    grey = Image.new("L", (20, 10), 77)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    return {
        "photos/cats/cmyk.jpg": _encode(cmyk, "JPEG"),
        "photos/cats/palette.gif": _encode(palette, "GIF"),
        "photos/cats/rgba.png": _encode(rgba, "PNG"),
        "photos/cats/sixteen.png": _encode(sixteen, "PNG"),
        "photos/dogs/grey.bmp": _encode(grey, "BMP"),
        "photos/dogs/colour.tiff": _encode(_rgb(20, 10), "TIFF"),
        "photos/dogs/colour.webp": _encode(_rgb(20, 10), "WEBP", lossless=True),
        "photos/dogs/rotated.jpg": _encode(_rgb(40, 20), "JPEG", exif=exif.tobytes()),
    }


def test_reads_every_mode_as_upright_rgb_under_a_wrapper_folder():
    archive = read_image_archive(_zip(_every_mode()))

    assert archive.classes == ("cats", "dogs")
    assert archive.skipped == ()
    assert archive.counts() == {"cats": 4, "dogs": 4}
    by_name = {item.member.rsplit("/", 1)[-1]: item for item in archive.items}
    for item in archive.items:
        assert item.image.dtype == np.uint8
        assert item.image.ndim == 3 and item.image.shape[2] == 3
    assert by_name["rotated.jpg"].image.shape == (40, 20, 3)  # EXIF orientation applied
    assert by_name["grey.bmp"].image.shape == (10, 20, 3)
    assert tuple(by_name["grey.bmp"].image[5, 5]) == (77, 77, 77)
    assert tuple(by_name["sixteen.png"].image[5, 5]) == (255, 255, 255)
    assert tuple(by_name["palette.gif"].image[5, 5]) == (0, 0, 255)
    assert tuple(by_name["rgba.png"].image[0, 0]) == (255, 255, 255)
    assert tuple(by_name["rgba.png"].image[5, 5]) == (255, 0, 0)
    red, green, blue = by_name["cmyk.jpg"].image[5, 5].astype(int)
    assert red > 200 and green < 60 and blue < 60
    assert [item.member for item in archive.items] == sorted(item.member for item in archive.items)


def test_large_images_are_shrunk_to_max_side():
    archive = read_image_archive(_zip({"a/big.png": _png(1000, 400), "b/small.png": _png(30, 20)}), max_side=100)
    assert [item.image.shape for item in archive.items] == [(40, 100, 3), (20, 30, 3)]


def test_upload_ignores_traversal_names_and_never_writes_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = _two_classes(**{"../evil.png": _png(), "/abs.png": _png(), "C:\\x.png": _png(), "cats/../../up.png": _png()})

    archive = read_image_archive(data)

    assert archive.counts() == {"cats": 2, "dogs": 1}
    assert sorted(archive.skipped) == sorted(
        f"{name}: unsafe name (points outside the archive), ignored"
        for name in ("../evil.png", "/abs.png", "C:\\x.png", "cats/../../up.png")
    )
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "evil.png").exists()


def test_upload_skips_symlinks_nested_archives_and_text_files_by_name():
    nested = _zip({"inner/x.png": _png()})
    data = _zip(
        {
            "cats/a.png": _png(),
            "cats/link.png": b"/etc/passwd",
            "cats/more.zip": nested,
            "dogs/b.png": _png(),
            "dogs/notes.txt": b"hello",
            "__MACOSX/cats/._a.png": b"junk",
            "dogs/.DS_Store": b"junk",
            "dogs/icon.ico": _encode(_rgb(16, 16), "ICO"),
        },
        links=("cats/link.png",),
    )

    archive = read_image_archive(data)

    assert archive.counts() == {"cats": 1, "dogs": 1}
    assert archive.skipped == (
        "cats/link.png: a symbolic link, ignored",
        "cats/more.zip: an archive inside the archive (not opened)",
        "dogs/icon.ico: not an image we can read (JPEG, PNG, WebP, BMP, GIF or TIFF)",
        "dogs/notes.txt: not an image we can read (JPEG, PNG, WebP, BMP, GIF or TIFF)",
    )


def test_upload_rejects_too_many_members():
    members = {f"cats/{i}.png": _png() for i in range(6)}
    members.update({f"dogs/{i}.png": _png() for i in range(5)})
    with pytest.raises(ArchiveError, match="holds 11 files; the limit is 10"):
        read_image_archive(_zip(members), max_members=10)


def test_upload_rejects_more_real_bytes_than_the_cap():
    noise = np.random.default_rng(0).integers(0, 256, size=(200, 200, 3), dtype=np.uint8)
    big = _encode(Image.fromarray(noise), "BMP")  # 120 kB uncompressed
    with pytest.raises(ArchiveError, match="once unpacked"):
        read_image_archive(_two_classes(**{"cats/big.bmp": big}), max_total_bytes=100_000)


def _patch_sizes(data: bytes, name: str, file_size: int) -> bytes:
    """Rewrite the declared uncompressed size of ``name`` in its local header and central directory."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            (length,) = struct.unpack_from("<H", out, start + name_len_at)
            if bytes(out[start + name_at : start + name_at + length]) == encoded:
                struct.pack_into("<I", out, start + size_at, file_size)
            start += 4
    return bytes(out)


def test_sizes_are_counted_from_real_bytes_not_from_lying_headers():
    big = _encode(Image.new("L", (1000, 1000), 5), "BMP")  # 1 MB real, compresses to a few kB
    # Header says 100 bytes: zipfile stops at the declared size and the CRC fails, so the
    # member is reported as damaged; more than the declared size is never read.
    small_lie = _patch_sizes(_two_classes(**{"cats/big.bmp": big}), "cats/big.bmp", 100)
    archive = read_image_archive(small_lie, max_total_bytes=50_000)
    assert archive.skipped == ("cats/big.bmp: damaged inside the archive",)
    # Header says ~4 GB: the real bytes are what count, so the archive is fine under a 2 MB cap.
    huge_lie = _patch_sizes(_two_classes(**{"cats/big.bmp": big}), "cats/big.bmp", 0xFFFFFF00)
    assert read_image_archive(huge_lie, max_total_bytes=2_000_000).counts() == {"cats": 3, "dogs": 1}
    # ... and a real 1 MB still trips a 500 kB cap whatever the header says.
    with pytest.raises(ArchiveError, match="once unpacked"):
        read_image_archive(huge_lie, max_total_bytes=500_000)


def test_decompression_bomb_is_a_clear_error_naming_the_file():
    bomb = _encode(Image.new("1", (20000, 20000), 0), "PNG")  # 400 megapixels in a few kB
    assert len(bomb) < 200_000
    with pytest.raises(ArchiveError, match='"cats/bomb.png" is too large to open safely'):
        read_image_archive(_two_classes(**{"cats/bomb.png": bomb}))
    # Our own limit applies below Pillow's.
    with pytest.raises(ArchiveError, match='"cats/wide.png" is too large'):
        read_image_archive(_two_classes(**{"cats/wide.png": _png(2000, 1000)}), max_pixels=1_000_000)


def test_not_a_zip_empty_one_class_and_empty_class_are_plain_errors():
    with pytest.raises(ArchiveError, match="not a ZIP"):
        read_image_archive(b"name,age\nAda,36\n")
    with pytest.raises(ArchiveError, match="empty"):
        read_image_archive(_zip({}))
    with pytest.raises(ArchiveError, match="no images we can read"):
        read_image_archive(_zip({"cats/notes.txt": b"x", "dogs/notes.txt": b"y"}))
    with pytest.raises(ArchiveError, match='one class \\("cats"\\)'):
        read_image_archive(_zip({"cats/a.png": _png(), "cats/b.png": _png()}))
    with pytest.raises(ArchiveError, match='folder "dogs" has no images'):
        read_image_archive(_zip({"cats/a.png": _png(), "birds/b.png": _png(), "dogs/": b""}))


def test_files_beside_class_folders_and_bad_class_names_are_skipped():
    long_name = "x" * 101
    data = _two_classes(**{"top.png": _png(), f"{long_name}/a.png": _png(), "a\x07b/c.png": _png()})
    archive = read_image_archive(data)
    assert archive.classes == ("cats", "dogs")
    assert "top.png: not inside a class folder" in archive.skipped
    assert f"{long_name}/a.png: its folder name is longer than 100 characters" in archive.skipped
    assert "a?b/c.png: its folder name has characters that cannot be shown" in archive.skipped


def test_markup_in_class_names_is_kept_as_text():
    archive = read_image_archive(_zip({'<b onclick="x">cats/a.png': _png(), "dogs/b.png": _png()}))
    assert archive.classes == ('<b onclick="x">cats', "dogs")


def test_save_normalised_writes_a_plain_png_that_loads_back(tmp_path):
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    archive = read_image_archive(
        _zip({"a/x.jpg": _encode(_rgb(30, 20), "JPEG", exif=exif.tobytes()), "b/y.png": _png()})
    )
    path = tmp_path / "x.png"
    save_normalised(archive.items[0].image, path)
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert "exif" not in im.info
        assert not im.getexif()
    np.testing.assert_array_equal(load_image(path), archive.items[0].image)


def test_demo_archive_reads_back_with_three_classes():
    archive = read_image_archive(demo_archive_bytes(seed=0))
    assert archive.counts() == {"circles": 40, "squares": 40, "triangles": 40}
    assert {item.image.shape for item in archive.items} == {(96, 96, 3)}
    assert demo_archive_bytes(seed=0) == demo_archive_bytes(seed=0)


def test_image_engine_does_not_import_django():
    code = (
        "import sys\n"
        "import limelight.images, limelight.images.training, limelight.explainers.lime_image\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_reads_from_a_path_or_a_file_and_takes_the_first_gif_frame(tmp_path):
    frames = [Image.new("RGB", (12, 8), colour) for colour in ((0, 200, 0), (200, 0, 0))]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    data = _zip({"a/anim.gif": gif.getvalue(), "b/x.png": _png()})
    path = tmp_path / "upload.zip"
    path.write_bytes(data)

    for source in (path, str(path), io.BytesIO(data)):
        archive = read_image_archive(source)
        first = archive.items[0].image
        assert first.shape == (8, 12, 3)
        assert first[4, 6, 1] > 150 and first[4, 6, 0] < 50
