"""The worker's bounded download cache (limelight/file_cache.py)."""

import time

import pytest

from limelight.file_cache import FileCache

pytestmark = pytest.mark.unit

KB = 1000


def _writer(content: bytes, calls: list[str] | None = None, name: str = ""):
    def fetch(file):
        if calls is not None:
            calls.append(name)
        file.write(content)

    return fetch


def _put(cache: FileCache, name: str, size: int, calls: list[str] | None = None):
    path = cache.get(name, "v1", _writer(b"x" * size, calls, name))
    time.sleep(0.01)  # distinct use times on any file system
    return path


def test_a_file_is_fetched_once_and_read_from_the_cache_after(tmp_path):
    cache, calls = FileCache(tmp_path, 10 * KB), []
    first = _put(cache, "models/1/pipeline.joblib", KB, calls)
    again = _put(cache, "models/1/pipeline.joblib", KB, calls)
    assert calls == ["models/1/pipeline.joblib"]
    assert first == again and first.read_bytes() == b"x" * KB
    assert first.suffix == ".joblib"


def test_a_new_version_of_a_file_is_a_new_entry(tmp_path):
    cache = FileCache(tmp_path, 10 * KB)
    old = cache.get("models/1/rows.npz", "etag-1", _writer(b"old"))
    new = cache.get("models/1/rows.npz", "etag-2", _writer(b"new"))
    assert old != new and new.read_bytes() == b"new"


def test_filling_past_the_bound_removes_the_oldest_files(tmp_path):
    cache = FileCache(tmp_path, 3 * KB)  # room for three files of 1 KB
    paths = [_put(cache, f"datasets/{i}.csv", KB) for i in range(5)]
    assert [path.exists() for path in paths] == [False, False, True, True, True]
    assert cache.size() == 3 * KB


def test_a_file_used_again_outlives_older_unused_ones(tmp_path):
    cache = FileCache(tmp_path, 3 * KB)
    first, second, third = (_put(cache, f"f{i}", KB) for i in range(3))
    _put(cache, "f0", KB)  # used again: now the most recent
    fourth = _put(cache, "f3", KB)
    assert [first.exists(), second.exists(), third.exists(), fourth.exists()] == [True, False, True, True]


def test_a_file_larger_than_the_bound_is_kept_for_its_reader(tmp_path):
    cache = FileCache(tmp_path, KB)
    small = _put(cache, "small", KB // 2)
    large = _put(cache, "large", 2 * KB)
    assert large.exists() and not small.exists()


def test_a_failed_download_leaves_nothing_behind(tmp_path):
    cache = FileCache(tmp_path, 10 * KB)

    def broken(file):
        file.write(b"half")
        raise ConnectionError("the store went away")

    with pytest.raises(ConnectionError):
        cache.get("models/1/pipeline.joblib", "v1", broken)
    assert list(tmp_path.iterdir()) == []
