from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_ratelimit.core import is_ratelimited

# Logins are throttled by django-axes for every login form, /admin/login/ included
# (accounts/login_limits.py); the site's login page is Django's LoginView.


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account; at most SIGNUPS_PER_HOUR accounts per client address and hour.

    Every POST counts (a refused form too), so guessing a valid form cannot get around it.
    """
    if request.user.is_authenticated:
        return redirect("classifiers:home")
    if request.method == "POST" and is_ratelimited(
        request,
        group="accounts.signup",
        key="ip",  # accounts.client_address.client_address, through RATELIMIT_IP_META_KEY
        rate=f"{settings.SIGNUPS_PER_HOUR}/h",
        method="POST",
        increment=True,
    ):
        return render(request, "accounts/signup_limited.html", {"per_hour": settings.SIGNUPS_PER_HOUR}, status=429)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect("classifiers:home")
    return render(request, "accounts/signup.html", {"form": form})
