from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

# Login throttling: after this many failed attempts for one username from one
# address, further attempts are refused for the window.
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = 15 * 60


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("classifiers:home")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect("classifiers:home")
    return render(request, "accounts/signup.html", {"form": form})


class ThrottledLoginView(auth_views.LoginView):
    """Django's login, refusing a username after repeated wrong passwords from one address."""

    def _key(self) -> str:
        username = self.request.POST.get("username", "").strip().lower()[:150]
        return f"failed-logins:{self.request.META.get('REMOTE_ADDR', '')}:{username}"

    def post(self, request, *args, **kwargs):
        if cache.get(self._key(), 0) >= MAX_FAILED_LOGINS:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many wrong passwords. Please wait 15 minutes and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = self._key()
        cache.set(key, cache.get(key, 0) + 1, FAILED_LOGIN_WINDOW)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(self._key())
        return super().form_valid(form)
