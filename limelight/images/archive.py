"""Read an untrusted ZIP of images, one folder per class, into normalised RGB arrays.

One member at a time (:func:`stream_image_archive`): each image is read, checked,
decoded, shrunk and handed to the caller, then let go before the next is read, so
memory does not grow with the archive (5,000 photos kept at 512 px would take
3.9 GB). The ZIP itself is read from its path or file object, never whole.

The archive comes from a stranger, so nothing in it is trusted:

* member names are never used as paths on disk; a name only gives a class
  label (its last folder, validated) and a string for messages. Names that
  try to climb out (``../``), absolute names (``/x``, ``\\x``) and drive
  letters (``C:``) are skipped with a reason;
* symbolic links (Unix mode in ``external_attr``), encrypted members and
  archives inside the archive (.zip, .tar, .gz, ...) are skipped with a reason;
  ``__MACOSX/`` and dotfiles (``.DS_Store``) are ignored silently;
* the number of members and the total *uncompressed* bytes are counted while
  streaming, from the bytes actually read in chunks, never from the header's
  ``file_size``. (``zipfile`` also stops at the declared size and checks the
  CRC, so a header that lies about a member's size gives a damaged member,
  reported in ``skipped``, never more bytes than declared.);
* every image is opened with Pillow, its pixel count checked from the header
  *before* decoding: an image above ``max_pixels`` (a decompression bomb, or
  simply a huge photo) stops the upload with an :class:`ArchiveError` naming
  the file, because a person can fix it by shrinking that one file;
* every image is decoded, normalised to 8-bit RGB (grayscale, palette, RGBA
  composited on white, CMYK, 16-bit), turned upright with its EXIF
  orientation and shrunk so its longer side is at most ``max_side``; it is
  stored again only through :func:`save_normalised` (a fresh PNG, no EXIF or
  other metadata).
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from limelight.errors import InputError
from limelight.sizes import size_text

__all__ = [
    "IMAGE_FORMATS",
    "ArchiveError",
    "ArchiveSummary",
    "ImageArchive",
    "ImageEntry",
    "ImageItem",
    "load_image",
    "read_image_archive",
    "save_normalised",
    "stream_image_archive",
]

# Pillow format names we accept (MPO is how Pillow names many phone JPEGs).
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF", "TIFF"})
# MPO is not a parser of its own: the JPEG parser returns MPO images.
_OPEN_FORMATS = sorted(IMAGE_FORMATS - {"MPO"})
_NOT_AN_IMAGE = "not an image we can read (JPEG, PNG, WebP, BMP, GIF or TIFF)"
_NESTED_ARCHIVE = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".zst")
# A member is read in pieces this big: the largest extra copy held beside its bytes.
_CHUNK = 1 << 18
_MAX_CLASS_NAME = 100
_DRIVE = re.compile(r"^[A-Za-z]:")
_WHITE = (255, 255, 255)


class ArchiveError(InputError):
    """A problem with the uploaded archive, phrased for the user; ``str(e)`` is shown on the page."""


@dataclass(frozen=True, eq=False)
class ImageItem:
    """One image of the archive: its class, its name inside the ZIP, and its pixels.

    ``image`` is uint8 RGB of shape (H, W, 3), upright, longer side <= ``max_side``.
    """

    label: str
    member: str
    image: np.ndarray


@dataclass(frozen=True)
class ImageEntry:
    """Where one usable image came from: its class and its name inside the ZIP (no pixels)."""

    label: str
    member: str


class _Counted:
    def counts(self) -> dict[str, int]:
        """Number of images per class, in class order."""
        counts = dict.fromkeys(self.classes, 0)
        for entry in self._labelled():
            counts[entry.label] += 1
        return counts


@dataclass(frozen=True)
class ArchiveSummary(_Counted):
    """What :func:`stream_image_archive` handed over, in order, the classes (sorted) and what it left out."""

    entries: tuple[ImageEntry, ...]
    classes: tuple[str, ...]
    skipped: tuple[str, ...]

    def _labelled(self) -> tuple[ImageEntry, ...]:
        return self.entries


@dataclass(frozen=True, eq=False)
class ImageArchive(_Counted):
    """The usable images (sorted by member name), the classes (sorted) and why other members were left out."""

    items: tuple[ImageItem, ...]
    classes: tuple[str, ...]
    skipped: tuple[str, ...]

    def _labelled(self) -> tuple[ImageItem, ...]:
        return self.items


def read_image_archive(
    source: str | os.PathLike | bytes | BinaryIO,
    *,
    max_members: int = 5000,
    max_total_bytes: int = 500_000_000,
    max_pixels: int = 40_000_000,
    max_side: int = 512,
) -> ImageArchive:
    """Every image of the ZIP at once: for small archives and tests (an upload goes through
    :func:`stream_image_archive`, which keeps none). Same checks, same messages."""
    items: list[ImageItem] = []
    summary = stream_image_archive(
        source,
        items.append,
        max_members=max_members,
        max_total_bytes=max_total_bytes,
        max_pixels=max_pixels,
        max_side=max_side,
    )
    return ImageArchive(items=tuple(items), classes=summary.classes, skipped=summary.skipped)


def stream_image_archive(
    source: str | os.PathLike | bytes | BinaryIO,
    on_image: Callable[[ImageItem], None],
    *,
    max_members: int = 5000,
    max_total_bytes: int = 500_000_000,
    max_pixels: int = 40_000_000,
    max_side: int = 512,
) -> ArchiveSummary:
    """Read a ZIP with one folder per class (``cats/x.jpg`` is class "cats"), one image at a time.

    ``on_image(item)`` is called for each usable image in member-name order; the
    item is not kept, so memory holds one member's bytes and one decoded image
    whatever the archive's size. ``source`` is a path or a seekable binary file
    (read a member at a time) or bytes.

    A single wrapper folder is fine (``photos/cats/x.jpg``): the class is the
    last folder of a member's name. Members that cannot be used are listed in
    ``skipped`` with a reason ("notes.txt: not an image"). Raises
    :class:`ArchiveError` when the file is not a ZIP, holds more than
    ``max_members`` files or more than ``max_total_bytes`` once uncompressed,
    holds an image above ``max_pixels``, or when there is nothing to learn
    from: no images, fewer than two classes, or a class folder without images.
    These last checks need the whole archive, so they come after every image
    was handed over: a caller stores what it is given aside (a partial folder)
    until this returns.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ArchiveError(
            "This file is not a ZIP archive, or it is damaged or incomplete (a ZIP of images and an Excel "
            "workbook are both ZIPs inside). Save or export it again and upload the new file."
        ) from error
    with archive:
        try:
            return _read(archive, on_image, max_members, max_total_bytes, max_pixels, max_side)
        except NotImplementedError as error:  # zipfile: a ZIP version or compression it cannot read
            raise ArchiveError(
                "This ZIP uses a format feature Limelight cannot read. Make it again with your "
                "computer's ordinary “compress” or “send to ZIP” command."
            ) from error


def _read(
    archive: zipfile.ZipFile,
    on_image: Callable[[ImageItem], None],
    max_members: int,
    max_total_bytes: int,
    max_pixels: int,
    max_side: int,
) -> ArchiveSummary:
    infos = sorted(archive.infolist(), key=lambda info: info.filename)
    if not infos:
        raise ArchiveError("The archive is empty. Put one folder per class in it, with images inside.")
    files = [info for info in infos if not info.is_dir()]
    if len(files) > max_members:
        raise ArchiveError(
            f"The archive holds {len(files):,} files; the limit is {max_members:,}. Upload fewer images."
        )

    skipped: list[str] = []
    entries: list[ImageEntry] = []
    folders: set[tuple[str, ...]] = set()  # every folder seen, as tuples of name parts
    candidates: list[tuple[zipfile.ZipInfo, str, tuple[str, ...]]] = []
    for info in infos:
        name = info.filename.replace("\\", "/")
        shown = _shown(info.filename)
        parts = tuple(part for part in name.split("/") if part)
        if _ignored(parts):
            continue
        problem = _unsafe(info, name, parts)
        if problem:
            skipped.append(f"{shown}: {problem}")
            continue
        if info.is_dir():
            folders.add(parts)
            continue
        for depth in range(1, len(parts)):
            folders.add(parts[:depth])
        candidates.append((info, shown, parts))

    # Class folders are the innermost ones; a wrapper folder holding them is not a class.
    class_folders = {folder for folder in folders if not any(other[:-1] == folder for other in folders)}
    total = 0
    for info, shown, parts in candidates:
        folder = parts[:-1]
        if folder not in class_folders:
            skipped.append(f"{shown}: not inside a class folder")
            continue
        label = folder[-1].strip()
        label_problem = _label_problem(label)
        if label_problem:
            skipped.append(f"{shown}: {label_problem}")
            continue
        if parts[-1].lower().endswith(_NESTED_ARCHIVE):
            skipped.append(f"{shown}: an archive inside the archive (not opened)")
            continue
        try:
            data, total = _member_bytes(archive, info, total, max_total_bytes)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as error:
            if isinstance(error, ArchiveError):
                raise
            skipped.append(f"{shown}: damaged inside the archive")
            continue
        with data:
            image, reason = _decode(data, shown, max_pixels, max_side)
        if image is None:
            skipped.append(f"{shown}: {reason}")
            continue
        on_image(ImageItem(label=label, member=info.filename, image=image))
        entries.append(ImageEntry(label=label, member=info.filename))
        del image  # let go of the pixels before the next member is read

    if not entries:
        raise ArchiveError(
            "The archive holds no images we can read (JPEG, PNG, WebP, BMP, GIF or TIFF), "
            "each inside a folder named after its class."
        )
    classes = sorted({entry.label for entry in entries})
    empty = sorted(
        {folder[-1].strip() for folder in class_folders}
        - set(classes)
        - {folder[-1].strip() for folder in class_folders if _label_problem(folder[-1].strip())}
    )
    if empty:
        raise ArchiveError(
            f'The folder "{empty[0]}" has no images we can read. Every class folder needs images '
            "(remove the folder if it is not a class)."
        )
    if len(classes) < 2:
        raise ArchiveError(
            f'All images are in one class ("{classes[0]}"). A model needs at least two classes: '
            "put each class's images in its own folder."
        )
    return ArchiveSummary(entries=tuple(entries), classes=tuple(classes), skipped=tuple(skipped))


def _shown(name: str) -> str:
    # Names are shown (escaped) on the page; control characters are not.
    return "".join(ch if ch.isprintable() else "?" for ch in name)[:200]


def _ignored(parts: tuple[str, ...]) -> bool:
    """macOS resource forks and hidden files: noise, not worth a message."""
    return (
        not parts or parts[0] == "__MACOSX" or any(part.startswith(".") and part not in (".", "..") for part in parts)
    )


def _unsafe(info: zipfile.ZipInfo, name: str, parts: tuple[str, ...]) -> str | None:
    if name.startswith("/") or _DRIVE.match(name) or ".." in parts or "." in parts:
        return "unsafe name (points outside the archive), ignored"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link, ignored"
    if info.flag_bits & 0x1:
        return "encrypted, cannot be read"
    return None


def _label_problem(label: str) -> str | None:
    if not label:
        return "its folder has no name"
    if len(label) > _MAX_CLASS_NAME:
        return f"its folder name is longer than {_MAX_CLASS_NAME} characters"
    if not label.isprintable():
        return "its folder name has characters that cannot be shown"
    return None


def _member_bytes(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, max_total_bytes: int
) -> tuple[io.BytesIO, int]:
    """One member's bytes, read in pieces and counted as they come (not from its header), with the
    archive's running total; over ``max_total_bytes`` in all is an :class:`ArchiveError`."""
    data = io.BytesIO()
    for chunk in _chunks(archive, info):
        total += len(chunk)
        if total > max_total_bytes:
            raise ArchiveError(
                f"The archive holds more than {size_text(max_total_bytes)} once unpacked; "
                "upload fewer or smaller images."
            )
        data.write(chunk)
    data.seek(0)
    return data, total


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _decode(data: BinaryIO, shown: str, max_pixels: int, max_side: int) -> tuple[np.ndarray | None, str]:
    """(pixels, "") or (None, reason); raises ArchiveError for an image above the pixel limit."""
    with warnings.catch_warnings():
        # Our own limit below replaces Pillow's warning; Pillow's hard error is still caught.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            # formats=: only these parsers ever see the bytes (no PSD, EPS, ICO, ... plugins).
            with Image.open(data, formats=_OPEN_FORMATS) as im:
                if im.format not in IMAGE_FORMATS:
                    return None, _NOT_AN_IMAGE
                _check_pixels(im, shown, max_pixels)
                return _normalise(im, max_side), ""
        except ArchiveError:
            raise
        except Image.DecompressionBombError as error:
            raise _too_big(shown, max_pixels) from error
        except UnidentifiedImageError:
            return None, _NOT_AN_IMAGE
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError):
            return None, "a damaged or unsupported image"


def _too_big(shown: str, max_pixels: int) -> ArchiveError:
    return ArchiveError(
        f'The image "{shown}" is too large to open safely (more than {max_pixels / 1e6:,.0f} million '
        "pixels). Shrink it or leave it out."
    )


def _check_pixels(im: Image.Image, shown: str, max_pixels: int) -> None:
    width, height = im.size
    if width <= 0 or height <= 0:
        raise OSError("empty image")
    if width * height > max_pixels:
        raise _too_big(shown, max_pixels)


def _normalise(im: Image.Image, max_side: int) -> np.ndarray:
    """Decode the first frame to upright 8-bit RGB, longer side <= max_side."""
    im.seek(0)
    if im.format in ("JPEG", "MPO"):
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that is still above max_side.
        im.draft("RGB", (max_side, max_side))
    im.load()
    upright = ImageOps.exif_transpose(im)
    rgb = _to_rgb(upright)
    rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    array = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(array.reshape(rgb.size[1], rgb.size[0], 3))


def _to_rgb(im: Image.Image) -> Image.Image:
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(im, dtype=np.float64)
        # 16-bit images (and 32-bit ones holding 16-bit values) are scaled, not clipped.
        if mode.startswith("I;16") or values.max(initial=0) > 255:
            values = values / 257.0
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode in ("P", "L", "RGB") and "transparency" in im.info)
    if has_alpha:
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*_WHITE, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im if mode == "RGB" else im.convert("RGB")


def save_normalised(image: np.ndarray, path: str | os.PathLike | BinaryIO) -> None:
    """Write a uint8 RGB array as a fresh PNG: no EXIF, no text chunks, nothing from the upload."""
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError("expected a uint8 RGB array of shape (H, W, 3)")
    Image.fromarray(array, "RGB").save(path, format="PNG")


def load_image(path: str | os.PathLike | BinaryIO, *, max_pixels: int = 40_000_000) -> np.ndarray:
    """Read an image (normally one written by :func:`save_normalised`) as uint8 RGB (H, W, 3)."""
    with Image.open(path, formats=_OPEN_FORMATS) as im:
        _check_pixels(im, str(getattr(path, "name", path)), max_pixels)
        im.load()
        return np.asarray(_to_rgb(im), dtype=np.uint8).copy()
