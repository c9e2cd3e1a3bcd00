"""docker-compose.yml is consistent with the settings (parsed only: Docker does not run here).

No database: none of these tests request the `db` fixture or the django_db mark.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SETTINGS = ROOT / "explainer_site" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = APP_SERVICES + ("redis", "postgres")
# Every environment variable the settings read (explainer_site/settings.py documents them).
SETTINGS_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DATA_DIR",
    "CSRF_TRUSTED_ORIGINS",
    "MAX_UPLOAD_MB",
    "JOB_SOFT_TIME_LIMIT",
    "JOB_HARD_TIME_LIMIT",
    "JOB_HEARTBEAT_TIMEOUT",
}


@pytest.fixture(autouse=True)
def private_media_root():
    """Overrides the web layer's autouse fixture of that name: these tests use no Django
    settings, so they also run without pytest-django (`-p no:django`)."""


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "NAME=value" form
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def test_all_services_exist(compose):
    assert set(ALL_SERVICES) <= set(compose["services"])


def test_app_services_share_one_environment(compose):
    names = {name: set(environment(compose["services"][name])) for name in APP_SERVICES}
    assert names["web"], "web sets no environment variables"
    assert names["web"] == names["worker"] == names["beat"], names


def test_app_services_set_only_variables_the_settings_read(compose):
    for name in APP_SERVICES:
        unknown = set(environment(compose["services"][name])) - SETTINGS_VARIABLES
        assert not unknown, f"{name} sets variables the settings do not read: {sorted(unknown)}"


def test_settings_read_every_documented_variable():
    if not SETTINGS.exists():
        pytest.skip("explainer_site/settings.py does not exist yet")
    text = SETTINGS.read_text()
    missing = sorted(v for v in SETTINGS_VARIABLES if f'"{v}"' not in text and f"'{v}'" not in text)
    assert not missing, f"settings.py does not mention {missing} as a quoted string"


def test_database_and_redis_urls_point_at_their_services(compose):
    for name in APP_SERVICES:
        env = environment(compose["services"][name])
        database, redis = urlsplit(env["DATABASE_URL"]), urlsplit(env["REDIS_URL"])
        assert database.scheme in {"postgres", "postgresql"} and database.hostname == "postgres", name
        assert redis.scheme == "redis" and redis.hostname == "redis", name


def test_secret_key_must_be_supplied(compose):
    secret = environment(compose["services"]["web"])["SECRET_KEY"]
    assert secret.startswith("${SECRET_KEY:?"), "compose must refuse to start without a SECRET_KEY"


def test_worker_is_scalable(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker


def test_media_volume_is_mounted_at_data_dir(compose):
    assert "media" in (compose.get("volumes") or {})
    for name in APP_SERVICES:
        service = compose["services"][name]
        data_dir = environment(service)["DATA_DIR"]
        mounts = set()
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                source, target = volume.split(":")[:2]
            else:
                source, target = volume.get("source"), volume.get("target")
            mounts.add((source, target))
        assert ("media", data_dir) in mounts, f"{name} does not mount the media volume at {data_dir}"


def test_postgres_has_a_volume_and_a_healthcheck(compose):
    postgres = compose["services"]["postgres"]
    assert postgres.get("volumes")
    assert postgres.get("healthcheck")
