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
ALL_SERVICES = APP_SERVICES + ("redis", "postgres", "s3")
# What the settings read to put every file in an S3-compatible bucket instead of DATA_DIR.
OBJECT_STORE_VARIABLES = {
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
}
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
    *OBJECT_STORE_VARIABLES,
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


def mounts(service: dict) -> list[tuple[str | None, str | None]]:
    """(source, target) of each volume a service mounts, short or long form."""
    found = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, target = (volume.split(":") + [None])[:2] if ":" in volume else (None, volume)
        else:
            source, target = volume.get("source"), volume.get("target")
        found.append((source, target))
    return found


def test_app_services_share_no_disk(compose):
    # No named volume or host folder on web, worker or beat: any one of them mounted by two
    # (or by the N copies of `--scale worker=N`) would be a shared disk again.
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert mounts(service) == [], f"{name} mounts {mounts(service)}: files belong in the bucket"
        assert "volumes_from" not in service, name
    assert "media" not in (compose.get("volumes") or {}), "the shared media volume is gone"


def test_app_services_keep_their_files_in_the_compose_object_store(compose):
    for name in APP_SERVICES:
        env = environment(compose["services"][name])
        assert set(env) >= OBJECT_STORE_VARIABLES, f"{name} lacks {sorted(OBJECT_STORE_VARIABLES - set(env))}"
        assert env["AWS_STORAGE_BUCKET_NAME"], f"{name} has no bucket, so it would write under DATA_DIR"
        endpoint = urlsplit(env["AWS_S3_ENDPOINT_URL"])
        assert endpoint.scheme == "http" and endpoint.hostname == "s3" and endpoint.port == 8333, name
        assert env["AWS_SECRET_ACCESS_KEY"].startswith("${AWS_SECRET_ACCESS_KEY:?"), "no default secret key"


def test_the_store_is_given_the_key_the_apps_use(compose):
    s3 = compose["services"]["s3"]
    config_path = next(arg.split("=", 1)[1] for arg in s3["command"] if arg.startswith("-s3.config="))
    (config,) = (item for item in s3["configs"] if item["target"] == config_path)
    identities = compose["configs"][config["source"]]["content"]
    app = environment(compose["services"]["web"])
    # The same variable references, which Compose fills in the same way for both.
    access, secret = app["AWS_ACCESS_KEY_ID"], app["AWS_SECRET_ACCESS_KEY"].split(":?")[0] + "}"
    assert f'"accessKey": "{access}"' in identities
    assert f'"secretKey": "{secret}"' in identities
    assert "ports" not in s3, "only the apps reach the store"


def test_apps_wait_for_a_healthy_store_that_keeps_its_objects(compose):
    s3 = compose["services"]["s3"]
    assert s3.get("healthcheck")
    assert any(source in (compose.get("volumes") or {}) for source, _ in mounts(s3)), "objects need a volume"
    for name in ("web", "worker"):
        assert compose["services"][name]["depends_on"]["s3"] == {"condition": "service_healthy"}, name


def test_postgres_has_a_volume_and_a_healthcheck(compose):
    postgres = compose["services"]["postgres"]
    assert postgres.get("volumes")
    assert postgres.get("healthcheck")
