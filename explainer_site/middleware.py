"""Security headers: a strict Content-Security-Policy on every page, and privacy headers on share links.

Pages load only our own scripts, styles and images. Every response under the share
links' prefix (``/s/``), a 404 for an unknown, revoked or expired token included,
is not indexed, not cached and sends no Referer, so the token in its address does
not leak to other sites.
"""

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .headers import POLICY

SHARED_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",  # replaces the site's same-origin (SECURE_REFERRER_POLICY)
    "Cache-Control": "private, no-store",
}


@cache
def shared_prefix() -> str:
    """Where share links live: "/s/" (from the URL configuration, so it moves with it)."""
    token = "t"
    return reverse("shared:view", args=[token]).removesuffix(f"{token}/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        if request.path.startswith(shared_prefix()):
            for name, value in SHARED_HEADERS.items():
                response[name] = value
        return response
