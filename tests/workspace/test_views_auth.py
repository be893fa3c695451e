"""Sign in, sign out, change and reset a password; the login throttle."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def test_sign_in_lands_on_the_home_page(client, recruiter):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "Sign in to Inloop" in page.content.decode()

    response = client.post(reverse("login"), {"username": recruiter.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == recruiter


def test_a_wrong_password_says_so_on_the_form(client, recruiter):
    response = client.post(reverse("login"), {"username": recruiter.username, "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_login_with_429(client, recruiter, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": recruiter.username, "password": "wrong"})

    locked = client.post(reverse("login"), {"username": recruiter.username, "password": PASSWORD})

    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(client, recruiter):
    client.force_login(recruiter)
    assert client.get(reverse("logout")).status_code == 405

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_change_password(client, recruiter):
    client.force_login(recruiter)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-phrase-42",
            "new_password2": "another-long-phrase-42",
        },
        follow=True,
    )

    assert "Your password has been changed" in response.content.decode()
    recruiter.refresh_from_db()
    assert recruiter.check_password("another-long-phrase-42")


def test_change_password_shows_errors(client, recruiter):
    client.force_login(recruiter)

    response = client.post(
        reverse("password_change"), {"old_password": "wrong", "new_password1": "x", "new_password2": "y"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]


def test_password_reset_sends_a_working_link_by_email(client):
    user = UserFactory(email="reset.me@firm.example")

    response = client.post(reverse("password_reset"), {"email": "reset.me@firm.example"}, follow=True)

    assert "Check your email" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["reset.me@firm.example"]
    assert message.subject == "Choose a new password for Inloop"
    link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-phrase-7", "new_password2": "a-brand-new-phrase-7"},
        follow=True,
    )
    assert "Your new password is saved" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-brand-new-phrase-7")


def test_a_used_reset_link_says_it_no_longer_works(client):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "set-password"]))
    assert "This link no longer works" in response.content.decode()


def test_pages_carry_a_strict_content_security_policy(client, recruiter):
    client.force_login(recruiter)

    response = client.get(reverse("home"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    assert "<script>" not in page
    assert "style=" not in page
    assert '"includeIndicatorStyles":false' in page
