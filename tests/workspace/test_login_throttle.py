"""Login throttling (django-axes): where it counts, what it locks, and when it lets go."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def sign_in(client, username: str, password: str, *, url: str = "login", ip: str = "203.0.113.7"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_failure_that_reaches_the_limit_answers_429(client, recruiter, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, recruiter.username, "wrong")
        assert response.status_code == 200, attempt
    assert sign_in(client, recruiter.username, "wrong").status_code == 429
    # Locked means locked: the right password does not get through either.
    locked = sign_in(client, recruiter.username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_throttled_too(client, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, admin_user.username, "wrong", url="admin:login")
    response = sign_in(client, admin_user.username, PASSWORD, url="admin:login")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(client, recruiter, settings):
    colleague = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, recruiter.username, "wrong")
    # A colleague behind the same office address still signs in, and so does the owner from elsewhere.
    assert sign_in(client, colleague.username, PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, recruiter.username, PASSWORD, ip="198.51.100.20").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, recruiter, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, recruiter.username, "wrong")
    assert sign_in(client, recruiter.username, PASSWORD).status_code == 429
    later = timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later, tick=False):
        assert sign_in(client, recruiter.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, recruiter, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, recruiter.username, "wrong")
    assert sign_in(client, recruiter.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, recruiter.username, "wrong").status_code == 200
    assert sign_in(client, recruiter.username, PASSWORD).status_code == 302


PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.7"
CLIENT_B = "198.51.100.20"


def sign_in_through_proxy(client, username: str, password: str, *, forwarded_for: str):
    """A sign-in as our one reverse proxy passes it on: the connection is the proxy's, the client is appended."""
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another(client, recruiter, settings):
    settings.INLOOP_TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_through_proxy(client, recruiter.username, "wrong", forwarded_for=CLIENT_A)
    assert sign_in_through_proxy(client, recruiter.username, PASSWORD, forwarded_for=CLIENT_A).status_code == 429
    # The same account from another client behind the same proxy still signs in.
    assert sign_in_through_proxy(client, recruiter.username, PASSWORD, forwarded_for=CLIENT_B).status_code == 302


def test_behind_a_trusted_proxy_a_made_up_forwarded_address_does_not_escape_the_lock(client, recruiter, settings):
    settings.INLOOP_TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_through_proxy(client, recruiter.username, "wrong", forwarded_for=CLIENT_A)
    # The client wrote its own X-Forwarded-For; the proxy appended the real address after it.
    forged = sign_in_through_proxy(client, recruiter.username, PASSWORD, forwarded_for=f"{CLIENT_B}, {CLIENT_A}")
    assert forged.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_records_the_resolved_client_address(client, recruiter, settings):
    from axes.models import AccessAttempt

    settings.INLOOP_TRUSTED_PROXY_COUNT = 1
    sign_in_through_proxy(client, recruiter.username, "wrong", forwarded_for=CLIENT_A)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [CLIENT_A]


def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, recruiter, settings):
    settings.INLOOP_TRUSTED_PROXY_COUNT = 0
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_through_proxy(client, recruiter.username, "wrong", forwarded_for=CLIENT_A)
    assert sign_in_through_proxy(client, recruiter.username, PASSWORD, forwarded_for=CLIENT_B).status_code == 429


@pytest.mark.django_db
def test_a_username_longer_than_any_account_is_refused_with_a_message_not_a_server_error(client):
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "anything"})

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
