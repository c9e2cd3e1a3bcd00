from tests.processes import broker, job_settings, redis_server, start_worker  # noqa: F401 - fixtures
