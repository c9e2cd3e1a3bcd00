"""Limits that hold (issue 16): login throttling on every login form, atomic under parallel
attempts and keyed by account and client; a signup limit per client; every job kind in the
queued-job quota; the disk quota counting what a ZIP becomes on disk."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import reverse

from accounts.client_address import client_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.web

WRONG = "not-the-password"


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts how many passwords were checked: a login "processed"."""

    checked = 0
    _lock = threading.Lock()

    def verify(self, password, encoded):
        with CountingHasher._lock:
            CountingHasher.checked += 1
        return super().verify(password, encoded)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.web.test_limits.CountingHasher"]
    CountingHasher.checked = 0
    return CountingHasher


def _post_login(url: str, username: str, password: str, address: str = "127.0.0.1") -> int:
    try:
        return Client(REMOTE_ADDR=address).post(url, {"username": username, "password": password}).status_code
    finally:
        connections.close_all()  # this thread's own database connection


# -- logins ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_wrong_logins_check_at_most_the_limit(settings, counting_hasher, django_user_model):
    """Each attempt is counted before its password is checked, so a burst cannot slip past."""
    django_user_model.objects.create_user(username="ada", password=PASSWORD)
    counting_hasher.checked = 0
    url = reverse("accounts:login")
    barrier = threading.Barrier(20)

    def attempt(_):
        barrier.wait()
        return _post_login(url, "ada", WRONG)

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    processed = counting_hasher.checked
    print(
        f"20 parallel wrong logins: {processed} passwords checked, {statuses.count(200)} answered 200, "
        f"{statuses.count(429)} answered 429"
    )
    assert set(statuses) <= {200, 429}, statuses
    assert processed <= settings.AXES_FAILURE_LIMIT
    assert statuses.count(200) <= settings.AXES_FAILURE_LIMIT - 1
    assert statuses.count(429) >= 20 - settings.AXES_FAILURE_LIMIT + 1
    # While locked, the right password is refused too, and not even checked.
    before = counting_hasher.checked
    assert _post_login(url, "ada", PASSWORD) == 429
    assert counting_hasher.checked == before


def test_login_lock_is_a_readable_page_and_right_password_is_refused_while_locked(client, user):
    url = reverse("accounts:login")
    for _ in range(4):
        assert client.post(url, {"username": "ada", "password": WRONG}).status_code == 200
    locked = client.post(url, {"username": "ada", "password": WRONG})
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.text and "wait 15 minutes" in locked.text
    assert "<html" in locked.text.lower()  # the site's page, not a bare text
    refused = client.post(url, {"username": "ada", "password": PASSWORD})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_admin_login_is_throttled_too(client, django_user_model):
    django_user_model.objects.create_superuser(username="root", password=PASSWORD, email="")
    url = reverse("admin:login")
    for _ in range(4):
        assert client.post(url, {"username": "root", "password": WRONG}).status_code == 200
    assert client.post(url, {"username": "root", "password": WRONG}).status_code == 429
    refused = client.post(url, {"username": "root", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.text
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_one_account_from_one_client_only(user, other_user):
    url = reverse("accounts:login")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        attacker.post(url, {"username": "ada", "password": WRONG})
    assert attacker.post(url, {"username": "ada", "password": PASSWORD}).status_code == 429
    # The person at another address still gets in; the attacker's other guesses are counted apart.
    owner = Client(REMOTE_ADDR="198.51.100.2")
    assert owner.post(url, {"username": "ada", "password": PASSWORD}).status_code == 302
    assert attacker.post(url, {"username": "mallory", "password": PASSWORD}).status_code == 302


def test_a_right_password_clears_the_count(client, user):
    url = reverse("accounts:login")
    for _ in range(4):
        client.post(url, {"username": "ada", "password": WRONG})
    assert client.post(url, {"username": "ada", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        assert client.post(url, {"username": "ada", "password": WRONG}).status_code == 200


def test_client_login_and_force_login_still_work(client, user):
    assert client.login(username="ada", password=PASSWORD)
    assert client.get(reverse("classifiers:home")).status_code == 200
    client.logout()
    client.force_login(user)
    assert client.get(reverse("classifiers:home")).status_code == 200


# -- the client address ---------------------------------------------------------------


def _request(rf, **meta):
    return rf.get("/", REMOTE_ADDR="10.0.0.1", **meta)


def test_client_address_is_remote_addr_unless_proxies_are_trusted(rf, settings):
    settings.TRUSTED_PROXIES = 0
    assert client_address(_request(rf, HTTP_X_FORWARDED_FOR="1.2.3.4")) == "10.0.0.1"


def test_behind_a_proxy_the_address_it_wrote_counts_not_what_the_client_sent(rf, settings):
    settings.TRUSTED_PROXIES = 1
    # The client sent "6.6.6.6" itself; the proxy appended the address it saw.
    assert client_address(_request(rf, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")) == "198.51.100.9"
    settings.TRUSTED_PROXIES = 2
    assert client_address(_request(rf, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9, 10.0.0.5")) == "198.51.100.9"
    # Missing, short or malformed headers fall back to the socket's peer.
    assert client_address(_request(rf)) == "10.0.0.1"
    assert client_address(_request(rf, HTTP_X_FORWARDED_FOR="198.51.100.9")) == "10.0.0.1"
    assert client_address(_request(rf, HTTP_X_FORWARDED_FOR="x, <script>")) == "10.0.0.1"
    settings.TRUSTED_PROXIES, settings.CLIENT_ADDRESS_META_KEY = 1, "HTTP_X_REAL_IP"
    assert client_address(_request(rf, HTTP_X_REAL_IP="2001:db8::1")) == "2001:db8::1"


def test_behind_a_proxy_logins_are_counted_per_forwarded_client(settings, user):
    settings.TRUSTED_PROXIES = 1
    url = reverse("accounts:login")
    proxy = "10.0.0.1"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(5):
        attacker.post(url, {"username": "ada", "password": WRONG})
    assert attacker.post(url, {"username": "ada", "password": PASSWORD}).status_code == 429
    # Sending someone else's address in the header does not move the lock onto them ...
    spoofer = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.7")
    assert spoofer.post(url, {"username": "ada", "password": PASSWORD}).status_code == 429
    # ... and the real person, behind the same proxy, still gets in.
    owner = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert owner.post(url, {"username": "ada", "password": PASSWORD}).status_code == 302


# -- signups --------------------------------------------------------------------------


def _signup(username: str, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        reverse("accounts:signup"), {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_signups_are_limited_per_client_and_hour(settings, django_user_model):
    settings.SIGNUPS_PER_HOUR = 3
    for number in range(3):
        assert _signup(f"user{number}").status_code == 302
    refused = _signup("one-too-many")
    assert refused.status_code == 429
    assert "Too many accounts were created from your address" in refused.text and "<html" in refused.text.lower()
    assert not django_user_model.objects.filter(username="one-too-many").exists()
    assert _signup("elsewhere", address="198.51.100.2").status_code == 302
    assert django_user_model.objects.count() == 4


# -- the queued-job quota -------------------------------------------------------------


def test_every_job_kind_has_an_owner_in_the_quota():
    from accounts.quotas import JOB_OWNER_LOOKUPS, job_kinds

    kinds = {model._meta.label for model in job_kinds()}
    assert {"explanations.ModelOverview", "explanations.Diagnosis"} <= kinds
    assert kinds == set(JOB_OWNER_LOOKUPS)


def test_overviews_and_trust_checks_count_toward_the_job_quota(
    settings, logged_in, user, other_user, make_trained_model
):
    from accounts.quotas import queued_jobs_of
    from explanations import services
    from explanations.models import Diagnosis, ModelOverview

    settings.USER_MAX_QUEUED_JOBS = 4
    model = make_trained_model(user)
    url = reverse("explanations:overview_request", args=[model.pk])
    answers = [logged_in.post(url, follow=True) for _ in range(7)]
    assert ModelOverview.objects.filter(model=model).count() == 4  # was 7: overviews were not counted
    assert queued_jobs_of(user) == 4
    assert "You already have 4 jobs waiting or running" in answers[-1].text
    # A trust check waiting to run counts too (it is queued by the worker after its explanation).
    ModelOverview.objects.filter(model=model).update(status="succeeded")
    explanation = services.explanation_request(model=model, row_index=0, dispatch=False)
    explanation.status = "succeeded"
    explanation.save(update_fields=["status"])
    assert queued_jobs_of(user) == 0
    Diagnosis.objects.create(explanation=explanation)
    assert queued_jobs_of(user) == 1
    assert queued_jobs_of(other_user) == 0


# -- the disk quota counts what a ZIP becomes on disk --------------------------------


def _noisy_zip(images: int = 12, side: int = 200) -> bytes:
    """JPEGs of noise: small in the ZIP, several times larger once re-encoded as PNG."""
    import io
    import zipfile

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(images):
            picture = io.BytesIO()
            pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(picture, format="JPEG", quality=20)
            archive.writestr(f"{('cats', 'dogs')[index % 2]}/{index}.jpg", picture.getvalue())
    return buffer.getvalue()


def _stored_files(settings) -> list:
    from pathlib import Path

    return [path for path in (Path(settings.MEDIA_ROOT) / "datasets").rglob("*") if path.is_file()]


def test_a_zip_counts_its_stored_images_toward_the_disk_quota(settings, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.quotas import disk_used_by
    from classifiers.services import dataset_create

    content = _noisy_zip()
    dataset = dataset_create(owner=user, upload=SimpleUploadedFile("noise.zip", content))
    on_disk = sum(path.stat().st_size for path in _stored_files(settings))
    assert on_disk > 3 * len(content)  # the PNGs are much larger than the ZIP
    assert dataset.size_bytes == on_disk == disk_used_by(user)
    assert not any(path.parent.name.endswith(".partial") for path in _stored_files(settings))


def test_a_zip_whose_stored_images_go_over_the_quota_is_refused_and_nothing_is_kept(settings, logged_in):
    from classifiers.models import Dataset

    content = _noisy_zip()
    settings.USER_MAX_BYTES = 3 * len(content)  # the ZIP fits; what it becomes does not
    response = logged_in.post(
        reverse("classifiers:upload"), {"file": SimpleUploadedFile("noise.zip", content)}, follow=True
    )
    assert response.status_code == 400
    assert "Stored, this ZIP takes at least" in response.text and "nothing was kept" in response.text
    assert Dataset.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_large_zip_read_by_a_worker_is_refused_the_same_way(settings, user):
    from classifiers import services
    from classifiers.models import Dataset
    from jobs.services import job_run

    content = _noisy_zip()
    settings.USER_MAX_BYTES = 3 * len(content)
    settings.INLINE_PROFILE_BYTES = 1  # read by the job, as a large upload is
    dataset = services.dataset_create(owner=user, upload=SimpleUploadedFile("noise.zip", content))
    job_run(model=Dataset, pk=dataset.pk, work=services.dataset_profile)
    dataset.refresh_from_db()
    assert dataset.status == "failed" and "Stored, this ZIP takes at least" in dataset.message
    assert _stored_files(settings) == []
    assert dataset.size_bytes == 0  # nothing stored, nothing counted
