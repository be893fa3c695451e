"""One-click unsubscribe (RFC 8058): GET asks, POST pauses automated email; the signed token authorises."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates import links
from recruiting.models import AuditLog
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def _path(candidate) -> str:
    return links.unsubscribe_url(candidate).removeprefix("http://testserver")


@pytest.fixture
def candidate():
    return CandidateFactory(first_name="Oluwaseun", email="seun@mail.example")


def test_get_shows_a_confirmation_and_changes_nothing(client, candidate):
    response = client.get(_path(candidate))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop automated emails?" in page
    assert "seun@mail.example" not in page
    candidate.refresh_from_db()
    assert not candidate.automated_updates_paused
    assert not AuditLog.objects.filter(action="candidate.preferences").exists()


def test_one_click_post_without_csrf_token_pauses_automated_email():
    candidate = CandidateFactory()
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        _path(candidate), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.automated_updates_paused
    assert not candidate.do_not_contact
    audit = AuditLog.objects.get(action="candidate.preferences", object_id=candidate.pk)
    assert audit.details["source"] == "candidate"
    assert audit.actor is None


def test_confirmation_button_unsubscribes(client, candidate):
    page = client.get(_path(candidate)).content.decode()
    assert 'name="List-Unsubscribe" value="One-Click"' in page

    response = client.post(_path(candidate), {"List-Unsubscribe": "One-Click"})

    assert "no more automated emails" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.automated_updates_paused


def test_unsubscribing_twice_records_one_change(client, candidate):
    client.post(_path(candidate), {"List-Unsubscribe": "One-Click"})
    client.post(_path(candidate), {"List-Unsubscribe": "One-Click"})

    assert AuditLog.objects.filter(action="candidate.preferences", object_id=candidate.pk).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_unsubscribe_link_is_404_and_changes_nothing(candidate, method):
    token = _path(candidate).rstrip("/").rsplit("/", 1)[1]
    forged = token.rsplit(":", 1)[0] + ":" + "A" * 27

    response = getattr(Client(enforce_csrf_checks=True), method)(
        reverse("candidates:unsubscribe", args=[forged]), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 404
    assert "Oluwaseun" not in response.content.decode()
    candidate.refresh_from_db()
    assert not candidate.automated_updates_paused


def test_status_link_token_cannot_unsubscribe(candidate):
    status_token = links.status_page_url(candidate).rstrip("/").rsplit("/", 1)[1]

    response = Client().post(reverse("candidates:unsubscribe", args=[status_token]), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 404
    candidate.refresh_from_db()
    assert not candidate.automated_updates_paused


def test_unsubscribe_link_in_an_old_email_still_works(client, candidate):
    path = _path(candidate)
    candidate.link_version += 1
    candidate.save()

    with time_machine.travel(timezone.now() + timedelta(days=200)):
        response = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.automated_updates_paused


def test_unsubscribe_link_expires_after_a_year(client, candidate):
    path = _path(candidate)

    with time_machine.travel(timezone.now() + timedelta(days=366)):
        response = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 404
    candidate.refresh_from_db()
    assert not candidate.automated_updates_paused
    assert "Email me a new link" not in response.content.decode()
