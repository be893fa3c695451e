"""One set of bounds for every date a person types for something still to come: not before today, at
most INLOOP_DATE_HORIZON_DAYS ahead. Attacked as the recruiter would, through the real pages (the
client's promised date, a promised next step, a snooze) and the admin: a clear message, nothing written,
never a 500, and chasing never switched off by a date in the year 9000."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from recruiting.models import AuditLog, RecruiterPrompt, Stage
from recruiting.services import application_move
from recruiting.validators import coming_date_bounds
from tests.factories import ApplicationFactory, PromptFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
TUESDAY = datetime(2026, 11, 17, 10, tzinfo=UTC)
FAR = ["9000-01-01", "9999-12-31", "2028-11-18"]
PAST = ["2026-11-16", "0001-01-01"]


@pytest.fixture(autouse=True)
def tuesday():
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def submitted(client, recruiter):
    """An application the client owes an answer on, and its owner signed in."""
    application = ApplicationFactory(owner=recruiter, candidate__owner=recruiter, job__owner=recruiter)
    application_move(application=application, to_stage=Stage.SCREENING, by=recruiter, notify=False)
    application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter, notify=False)
    application.refresh_from_db()
    client.force_login(recruiter)
    return application


def _unchanged(application, before):
    application.refresh_from_db()
    after = (application.client_promised_date, application.client_answer_due, application.promised_next_step_date)
    assert after == before
    assert application.client_answer_due is not None  # the client is still chased


def _state(application):
    return (application.client_promised_date, application.client_answer_due, application.promised_next_step_date)


def test_the_bounds_are_today_to_the_horizon():
    assert coming_date_bounds() == (date(2026, 11, 17), date(2028, 11, 16))
    with override_settings(INLOOP_DATE_HORIZON_DAYS=30):
        assert coming_date_bounds()[1] == date(2026, 12, 17)


@pytest.mark.parametrize("day", FAR + PAST)
def test_the_clients_promised_date_is_bounded(client, submitted, day):
    before, audits = _state(submitted), AuditLog.objects.count()

    response = client.post(reverse("application_client_promise", args=[submitted.pk]), {"promised_date": day})

    assert response.status_code == 400
    page = response.content.decode()
    assert "too far ahead" in page or "cannot be in the past" in page
    assert day in page  # what was typed stays in the form
    _unchanged(submitted, before)
    assert AuditLog.objects.count() == audits


def test_the_last_day_of_the_horizon_is_taken(client, submitted):
    response = client.post(reverse("application_client_promise", args=[submitted.pk]), {"promised_date": "2028-11-16"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.client_promised_date == date(2028, 11, 16)


@pytest.mark.parametrize("day", FAR + PAST)
def test_a_promised_next_step_is_bounded(client, submitted, day):
    before = _state(submitted)
    response = client.post(reverse("application_promise", args=[submitted.pk]), {"next_step_date": day})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "too far ahead" in page or "cannot be in the past" in page
    _unchanged(submitted, before)


@pytest.mark.parametrize("day", FAR + PAST)
def test_a_snooze_is_bounded(client, submitted, day):
    prompt = PromptFactory(application=submitted, recruiter=submitted.owner)
    response = client.post(reverse("prompt_snooze", args=[prompt.pk]), {"until": day, "reason": "Later"})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "too far ahead" in page or "cannot be in the past" in page
    assert RecruiterPrompt.objects.get(pk=prompt.pk).snoozed_until is None


@pytest.mark.parametrize("day", ["9000-01-01", "9999-12-31", "2026-11-16"])
def test_the_admin_bounds_a_new_promised_date(client, admin_user, submitted, day):
    from tests.workspace.test_views_feedback_and_promises import _admin_form

    client.force_login(admin_user)
    url = reverse("admin:recruiting_application_change", args=[submitted.pk])
    before = _state(submitted)
    response = client.post(url, _admin_form(client, url) | {"owner": submitted.owner_id, "next_step_date": day})
    assert response.status_code == 200
    page = response.content.decode()
    assert "too far ahead" in page or "cannot be in the past" in page
    _unchanged(submitted, before)


def test_a_date_already_promised_that_has_passed_does_not_block_other_changes_in_the_admin(
    client, admin_user, submitted, tuesday
):
    from tests.workspace.test_views_feedback_and_promises import _admin_form

    client.force_login(admin_user)
    url = reverse("admin:recruiting_application_change", args=[submitted.pk])
    client.post(url, _admin_form(client, url) | {"owner": submitted.owner_id, "next_step_date": "2026-11-20"})
    tuesday.shift(timedelta(days=7))
    response = client.post(
        url, _admin_form(client, url) | {"owner": submitted.owner_id, "next_step_date": "2026-11-20"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.promised_next_step_date == date(2026, 11, 20)
