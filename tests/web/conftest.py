import pytest


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Each web test stores uploads and results in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
