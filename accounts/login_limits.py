"""Login throttling for every login form (the site's and /admin/login/), built on django-axes.

django-axes records failed logins per account and client and refuses a
locked-out pair before the password is checked; AxesMiddleware turns the
refusal into :func:`locked_out_response` (HTTP 429, a page saying how long to
wait). Settings: ``AXES_FAILURE_LIMIT`` wrong passwords (LOGIN_MAX_FAILURES,
default 5) lock one account from one client address for ``AXES_COOLOFF_TIME``
(LOGIN_LOCKOUT_MINUTES, default 15). The client address is
:func:`accounts.client_address.client_address`.

Axes' own handler reads the count before the password is checked and writes it
afterwards, so parallel attempts all read the same old count and are all let
through. :class:`AtomicAxesHandler` instead counts each attempt *before* the
password is checked, in one locked row update, and lets it through only if its
number is within the limit; a right password then clears the count
(``AXES_RESET_ON_SUCCESS``). Any number of parallel wrong attempts thus has
at most ``AXES_FAILURE_LIMIT`` passwords checked.
"""

from __future__ import annotations

import logging
import math

from axes.backends import AxesStandaloneBackend
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth.backends import ModelBackend
from django.db import router, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

__all__ = ["AtomicAxesHandler", "ThrottledModelBackend", "locked_out_response"]


class ThrottledModelBackend(AxesStandaloneBackend, ModelBackend):
    """Django's username/password backend behind axes' lockout check (the only entry in AUTHENTICATION_BACKENDS).

    A call without a request (``Client.login`` in a test, a shell) comes from
    no client and has nothing to throttle; every login form passes its request.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is not None:
            # Raises PermissionDenied for a locked-out account and client: authenticate() stops there.
            AxesStandaloneBackend.authenticate(self, request, username=username, password=password, **kwargs)
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)


class AtomicAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, counting each attempt before its password is checked."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        self.clean_expired_user_attempts(request, credentials)
        using = router.db_for_write(AccessAttempt)
        with transaction.atomic(using=using):
            attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                defaults={
                    "get_data": "",
                    "post_data": "",
                    "http_accept": request.axes_http_accept,
                    "path_info": request.axes_path_info,
                    "failures_since_start": 1,
                    "attempt_time": request.axes_attempt_time,
                },
            )
            if not created:
                AccessAttempt.objects.filter(pk=attempt.pk).update(
                    failures_since_start=F("failures_since_start") + 1,
                    attempt_time=request.axes_attempt_time,
                    path_info=request.axes_path_info,
                )
        request.limelight_attempt_counted = True
        # This attempt's number, or more if others were counted meanwhile: never less.
        return self.get_failures(request, credentials) > get_failure_limit(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is None or not getattr(request, "limelight_attempt_counted", False):
            super().user_login_failed(sender, credentials, request=request, **kwargs)
            return
        # Counted in is_locked already; only decide whether this wrong answer closes the door.
        if self.is_whitelisted(request, credentials):
            return
        failures = self.get_failures(request, credentials)
        request.axes_failures_since_start = failures
        if failures >= get_failure_limit(request, credentials):
            username = get_client_username(request, credentials)
            logger.warning("Login locked for %r from %s after %s failures", username, request.axes_ip_address, failures)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)


def locked_out_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): status 429, how long to wait."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failure_limit": get_failure_limit(request, credentials)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
