"""Limelight settings: every value comes from the environment.

Variables (all optional): SECRET_KEY, DEBUG, ALLOWED_HOSTS, DATABASE_URL,
REDIS_URL, DATA_DIR, CSRF_TRUSTED_ORIGINS, MAX_UPLOAD_MB,
JOB_SOFT_TIME_LIMIT, JOB_HARD_TIME_LIMIT, JOB_HEARTBEAT_TIMEOUT, JOB_MEMORY_LIMIT_MB,
USER_MAX_DATASETS, USER_MAX_MB, USER_MAX_QUEUED_JOBS, HTTPS, TRUSTED_PROXIES,
CLIENT_ADDRESS_HEADER, LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_MINUTES, SIGNUPS_PER_HOUR.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from explainer_site.headers import static_file_headers
from limelight.sizes import MB

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The SECRET_KEY variable, else one generated once and kept in DATA_DIR."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_ratelimit",
    "accounts",
    "jobs",
    "classifiers",
    "explanations",
    "classroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "explainer_site.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "explainer_site.urls"
WSGI_APPLICATION = "explainer_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["classifiers.templatetags.limelight"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in the data directory unless DATABASE_URL says otherwise. The SQLite
# test database is a file (not memory) so that a real Celery worker in another
# process sees the rows the tests create.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The web server and the worker write at the same time: WAL lets readers
    # go on during a write, and the busy timeout makes writers wait instead of
    # failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# In the database, so every gunicorn worker shares one count of signups per
# client (the table is made by `manage.py createcachetable`, which make run and
# the compose file call after migrate). Its increment is atomic, which
# django-ratelimit needs (accounts/cache.py).
CACHES = {"default": {"BACKEND": "accounts.cache.AtomicDatabaseCache", "LOCATION": "limelight_cache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"

# Login throttling for every login form, /admin/login/ included (django-axes,
# accounts/login_limits.py): LOGIN_MAX_FAILURES wrong passwords for one account
# from one client address lock that pair for LOGIN_LOCKOUT_MINUTES; each attempt
# is counted before its password is checked, so parallel attempts cannot slip
# past the limit. A right password clears the count.
AUTHENTICATION_BACKENDS = ["accounts.login_limits.ThrottledModelBackend"]
AXES_HANDLER = "accounts.login_limits.AtomicAxesHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_MAX_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.login_limits.locked_out_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"
AXES_VERBOSE = False

# The client address (accounts/client_address.py), for the login and signup
# limits: REMOTE_ADDR unless TRUSTED_PROXIES (the number of reverse proxies in
# front of the app) is set; then the address those proxies wrote into
# CLIENT_ADDRESS_HEADER (default X-Forwarded-For), counted from the right.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
CLIENT_ADDRESS_HEADER = env_str("CLIENT_ADDRESS_HEADER", "X-Forwarded-For")
CLIENT_ADDRESS_META_KEY = "HTTP_" + CLIENT_ADDRESS_HEADER.upper().replace("-", "_")

# The classroom experiment: how long a vote link works, and votes per client address and minute
# (a class often shares one school network, so the limit is wide; django-ratelimit).
CLASSROOM_SESSION_HOURS = env_int("CLASSROOM_SESSION_HOURS", 24)
CLASSROOM_VOTES_PER_MINUTE = env_int("CLASSROOM_VOTES_PER_MINUTE", 120)

# Signups per client address and hour (django-ratelimit; every POST counts).
SIGNUPS_PER_HOUR = env_int("SIGNUPS_PER_HOUR", 10)
RATELIMIT_IP_META_KEY = "accounts.client_address.client_address"
RATELIMIT_USE_CACHE = "default"
# django-ratelimit warns about any cache it does not know; this one's increment is atomic.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
LOGIN_REDIRECT_URL = "classifiers:home"
LOGOUT_REDIRECT_URL = "classifiers:home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers


def file_storage() -> dict:
    """Where every file lives (uploads, models, pictures): MEDIA_ROOT, or an S3-compatible bucket.

    Only classifiers/artifacts.py opens files, through this storage; with a bucket, web and workers
    on different machines need no shared disk. Path-style addresses and no ACLs suit SeaweedFS,
    MinIO and AWS alike; files are never public (pages serve them through views that check access).
    """
    bucket = env_str("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", ""),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", ""),
            "region_name": env_str("AWS_S3_REGION_NAME", "us-east-1"),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,  # our names are unique (uploads) or ours to replace (a re-trained model)
            # A downloaded file spills to disk past this size, so reading a large ZIP does not fill memory.
            "max_memory_size": 8 * MB,
        },
    }


# Downloads from the bucket are kept here (per machine), least recently used removed past the bound.
FILE_CACHE_DIR = DATA_DIR / "cache"
STORAGE_CACHE_MB = env_int("STORAGE_CACHE_MB", 500)
STORAGES = {
    "default": file_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: refuse anything larger before reading it, and never keep a big
# upload in memory.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_MB", 50) * MB
# Image ZIPs: caps counted while streaming, never trusted from the ZIP's headers.
MAX_ZIP_MEMBERS = env_int("MAX_ZIP_MEMBERS", 5000)
MAX_ZIP_BYTES = env_int("MAX_ZIP_MB", 500) * MB
MAX_IMAGE_PIXELS = 40_000_000

# Files up to this size are read and profiled while the user waits; larger
# ones by a worker, with progress.
INLINE_PROFILE_BYTES = 2_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The first handler stops storing a file once it is over MAX_UPLOAD_BYTES, so an
# oversize body never fills the disk; the service then refuses it by its size.
FILE_UPLOAD_HANDLERS = [
    "jobs.limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Per-user limits (accounts/quotas.py): files kept, their total size, jobs waiting.
USER_MAX_DATASETS = env_int("USER_MAX_DATASETS", 50)
USER_MAX_BYTES = env_int("USER_MAX_MB", 500) * MB
USER_MAX_QUEUED_JOBS = env_int("USER_MAX_QUEUED_JOBS", 10)

# Security headers; the stricter transport settings apply once DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind a reverse proxy that ends TLS, requests reach Django over plain HTTP;
# the proxy says the original scheme in X-Forwarded-Proto (it must overwrite any
# copy the client sent), else HTTPS=1 would redirect forever. Only trusted when
# TRUSTED_PROXIES says there is a proxy (README: "Behind a reverse proxy").
if TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG and env_bool("HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Celery: the database row is the truth, a message only says "work on row N".
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
JOB_SOFT_TIME_LIMIT = env_int("JOB_SOFT_TIME_LIMIT", 600)
JOB_HARD_TIME_LIMIT = env_int("JOB_HARD_TIME_LIMIT", JOB_SOFT_TIME_LIMIT + 60)
# A running job writes a heartbeat a few times per timeout; the sweeper takes
# a job whose heartbeat is older than this as lost with its worker.
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 60)
# A queued job whose message has not been picked up for this long is sent again.
JOB_REQUEUE_AFTER = env_int("JOB_REQUEUE_AFTER", 120)
JOB_MAX_ATTEMPTS = 2
# How much memory one job may add to its worker child (RLIMIT_AS, jobs/limits.py);
# over it the job fails with "ran out of memory". 0 turns the limit off.
JOB_MEMORY_LIMIT_MB = env_int("JOB_MEMORY_LIMIT_MB", 4096)
# Run by each sweep: find finished jobs missing the job that follows them, and queue it.
JOB_SWEEP_FOLLOW_UPS = ["explanations.follow_ups.diagnoses_missing"]

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = JOB_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = JOB_HARD_TIME_LIMIT
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 2_000_000  # KiB; a child over it is replaced after its job
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after the visibility timeout; it
# stays well above the hard limit so a slow job is never run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(3600, 2 * JOB_HARD_TIME_LIMIT),
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Queues and routes: explainer_site/celery.py.
SWEEP_EVERY = max(5, JOB_HEARTBEAT_TIMEOUT // 3)
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "jobs.sweep",
        "schedule": SWEEP_EVERY,
        # A sweep not taken before the next one is sent is dropped: no pile of them behind a busy queue.
        "options": {"expires": SWEEP_EVERY},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
