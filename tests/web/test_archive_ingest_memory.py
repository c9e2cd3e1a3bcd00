"""Storing an uploaded image ZIP holds one photo at a time, whatever the archive's size (issue 24).

What the upload and the profiling job both run (services.read_images_into) is
measured with tracemalloc: 50 noisy photos of about 2 MB each, which would take
50 x 786 kB = 39 MB if every decoded image (512 x 512 x 3 bytes) were kept until
the end, must stay under three members' worth of Python allocations.
"""

from __future__ import annotations

import tracemalloc
import zipfile

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from classifiers import services
from classifiers.models import Dataset
from tests.unit.photo_archives import PHOTOS, noisy_png, photo_archive

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def test_storing_fifty_large_photos_holds_about_one_at_a_time(user, settings, tmp_path):
    settings.USER_MAX_BYTES = 1_000_000_000
    path = tmp_path / "photos.zip"
    member = photo_archive(path)
    dataset = Dataset(owner=user, name="photos.zip", size_bytes=path.stat().st_size, kind="image")
    with path.open("rb") as handle:
        dataset.file.save("upload.zip", File(handle), save=False)
    dataset.save()

    tracemalloc.start()
    try:
        services.read_images_into(dataset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 3 * member, f"peak {peak / 1e6:.1f} MB for members of {member / 1e6:.1f} MB"
    assert (dataset.n_rows, dataset.n_columns) == (PHOTOS, 2)
    folder = services.dataset_image_folder(dataset)  # a name in the storage
    assert sorted(default_storage.listdir(folder)[1]) == sorted(f"{index}.png" for index in range(PHOTOS))
    # Image i is the i-th member by name: cats/000, cats/002, ..., then dogs/001, ...
    assert [image["name"] for image in dataset.images] == sorted(
        f"{('cats', 'dogs')[index % 2]}/{index:03d}.png" for index in range(PHOTOS)
    )


def test_an_archive_refused_after_its_images_were_read_leaves_no_stored_images(user, tmp_path):
    path = tmp_path / "one-class.zip"
    with zipfile.ZipFile(path, "w") as archive:  # two photos, one class: refused once both were read
        archive.writestr("cats/a.png", noisy_png(0))
        archive.writestr("cats/b.png", noisy_png(1))
    dataset = Dataset(owner=user, name="one-class.zip", size_bytes=path.stat().st_size, kind="image")
    with path.open("rb") as handle:
        dataset.file.save("upload.zip", File(handle), save=False)
    dataset.save()

    with pytest.raises(services.ArchiveError, match='one class \\("cats"\\)'):
        services.read_images_into(dataset)

    folder = services.dataset_image_folder(dataset)
    assert not default_storage.exists(folder)  # no image stored, not even the first one
