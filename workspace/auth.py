"""Sign-in pages that need more than Django's own views: the login form's length check, and the password
reset, throttled.

Each request counts against its client address (too many answer 429) and each email address asked for
counts against that address (beyond the limit, no further email goes out, but the answer is the same
"check your email" page as when one does, so the page never tells whether an account exists or how
often it was asked for). The counters are recruiting.ratelimit's: when the cache is down, resets are let
through rather than refused.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from recruiting.ratelimit import client_address, over_limit

logger = logging.getLogger(__name__)

RESET_WINDOW_SECONDS = 60 * 60


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length checked before anyone reads it. Django sets only the
    field's max_length (the input's maxlength), which a hand-made post ignores; the lock-out records each
    failed name in a column of 255 characters, so a longer one answered 500 instead of "too long"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))


def _account_key(email: str) -> str:
    # Hashed: the cache is no place for people's addresses.
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    return f"inloop:password-reset:account:{digest}"


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if over_limit(
            f"inloop:password-reset:ip:{client_address(request)}",
            limit=settings.INLOOP_PASSWORD_RESET_REQUESTS_PER_HOUR_PER_ADDRESS,
            window_seconds=RESET_WINDOW_SECONDS,
        ):
            response = render(request, "registration/password_reset_too_many.html", status=429)
            response["Retry-After"] = str(RESET_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        if over_limit(
            _account_key(form.cleaned_data["email"]),
            limit=settings.INLOOP_PASSWORD_RESETS_PER_HOUR,
            window_seconds=RESET_WINDOW_SECONDS,
        ):
            logger.info("Password reset email not sent: that address reached its hourly limit.")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
