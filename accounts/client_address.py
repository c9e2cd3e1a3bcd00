"""The address a request came from, the one rule the login and signup limits share.

By default it is ``REMOTE_ADDR``, the peer of the socket: a header the client
sends cannot change it. Behind a reverse proxy every request comes from the
proxy, so set ``TRUSTED_PROXIES`` to the number of proxies in front of the app;
the address is then read from ``CLIENT_ADDRESS_HEADER`` (``X-Forwarded-For`` by
default), counting from the right, because each proxy appends the address it
saw and only the entries the trusted proxies wrote can be believed (anything
further left was sent by the client). A missing or malformed header falls back
to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

__all__ = ["client_address"]


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text (used by django-axes and django-ratelimit)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    header = request.META.get(settings.CLIENT_ADDRESS_META_KEY, "")
    entries = [entry for entry in header.split(",") if entry.strip()]
    if len(entries) < proxies:
        return remote
    return _valid(entries[-proxies]) or remote
