"""No 500 for any input (bad input): far page numbers, ids longer than any row's, far dates,
searches of a thousand words, message bodies of megabytes. Each answers with a page or a message."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.services.messages import message_check_in_queue
from recruiting.models import AuditLog, Stage, StageChange
from tests.factories import ApplicationFactory, CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.fixture
def owner(client):
    user = UserFactory(profile__role="team_lead")
    client.force_login(user)
    return user


@pytest.fixture
def application(owner):
    return ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)


def _pages(application):
    return [
        (reverse("home"), ["overdue_page", "today_page", "owed_page", "trouble_page", "escalations_page"]),
        (reverse("job_list"), ["page"]),
        (reverse("job_stage", args=[application.job_id, Stage.SCREENING]), ["page"]),
        (reverse("candidate_list"), ["page"]),
        (reverse("candidate_detail", args=[application.candidate_id]), ["timeline_page"]),
        (reverse("search") + "?q=a", ["candidates_page", "jobs_page"]),
        (reverse("outbox"), ["page"]),
        (reverse("template_list"), ["page"]),
    ]


@pytest.mark.parametrize("number", [HUGE, "-" + HUGE, "1e9", "²", "0x10", "", "\x00"])
def test_every_paginated_page_answers_any_page_number(client, application, number):
    for url, params in _pages(application):
        for param in params:
            response = client.get(url, {param: number})
            # A NUL anywhere is refused whole (inloop.input_guard); every other value shows a page.
            assert response.status_code == (400 if "\x00" in number else 200), (url, param, number)


def test_a_page_number_beyond_the_last_shows_an_empty_page(client, application):
    response = client.get(reverse("candidate_list"), {"page": HUGE})

    assert response.status_code == 200
    assert application.candidate.last_name not in response.content.decode()


@pytest.mark.parametrize("value", [HUGE, "-1", "0", "²", "1" * 19])
def test_bulk_bodies_with_ids_no_row_can_have_answer_and_change_nothing(client, application, value):
    before = (StageChange.objects.count(), OutboundMessage.objects.count())

    check_in = client.post(reverse("applications_check_in"), {"applications": [value]})
    move = client.post(
        reverse("job_bulk_move", args=[application.job_id]), {"applications": [value], "to_stage": Stage.SUBMITTED}
    )

    assert (check_in.status_code, move.status_code) == (302, 302)
    assert (StageChange.objects.count(), OutboundMessage.objects.count()) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2200-01-01"])
def test_a_far_promised_date_is_refused_on_the_move_and_ignored_by_its_preview(client, application, day):
    moves = StageChange.objects.count()

    move = client.post(
        reverse("application_move", args=[application.pk]), {"to_stage": Stage.SUBMITTED, "next_step_date": day}
    )
    preview = client.get(
        reverse("application_move_preview", args=[application.pk]),
        {"to_stage": Stage.SUBMITTED, "next_step_date": day},
    )
    form = client.get(
        reverse("application_move", args=[application.pk]), {"to_stage": Stage.SUBMITTED, "next_step_date": day}
    )

    assert move.status_code == 200
    assert "cannot be in the past" in move.content.decode() or "too far ahead" in move.content.decode()
    assert (preview.status_code, form.status_code) == (200, 200)
    assert StageChange.objects.count() == moves


def test_a_promise_further_than_two_years_is_refused_by_the_service(client, application):
    day = timezone.localdate() + timedelta(days=3 * 365)

    response = client.post(
        reverse("application_move", args=[application.pk]),
        {"to_stage": Stage.SUBMITTED, "next_step_date": day.isoformat()},
    )

    assert "too far ahead" in response.content.decode()
    assert not StageChange.objects.filter(application=application, to_stage=Stage.SUBMITTED).exists()


def test_a_far_snooze_is_refused_with_a_message(client, application):
    from tests.factories import PromptFactory

    prompt = PromptFactory(application=application, recruiter=application.owner)

    response = client.post(reverse("prompt_snooze", args=[prompt.pk]), {"until": "9999-12-31", "reason": "Later"})

    assert response.status_code == 200 and "too far ahead" in response.content.decode()


@pytest.mark.parametrize("query", [" ".join(["word"] * 1000), "x" * 100_000, "a\x00b", "😀 " * 500])
def test_long_searches_answer(client, application, query):
    CandidateFactory(first_name="word")
    for name in ("search", "candidate_list", "job_list"):
        expected = 400 if "\x00" in query else 200  # a NUL is refused whole (inloop.input_guard)
        assert client.get(reverse(name), {"q": query}).status_code == expected, name


def test_an_edited_message_body_of_two_megabytes_is_refused_with_a_message(client, application):
    message = message_check_in_queue(application=application, by=application.owner)
    audits = AuditLog.objects.count()

    response = client.post(
        reverse("outbox_message", args=[message.pk]), {"subject": "Hello", "body_text": "x" * (2 * 1024 * 1024)}
    )

    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
    message.refresh_from_db()
    assert len(message.body_text) < 20_000 and AuditLog.objects.count() == audits


def test_the_service_refuses_a_body_too_long_whoever_calls_it(application):
    from django.core.exceptions import ValidationError

    from notifications.services.messages import message_edit, message_personal_queue

    message = message_check_in_queue(application=application, by=application.owner)
    with pytest.raises(ValidationError, match="at most 20,000 characters"):
        message_edit(message=message, subject="Hi", body_text="x" * 20_001, by=application.owner)
    with pytest.raises(ValidationError, match="at most 20,000 characters"):
        message_personal_queue(application=application, subject="Hi", body="x" * 20_001, by=application.owner)


def test_a_template_of_two_megabytes_is_refused(client, application):
    response = client.post(
        reverse("template_edit", args=["check_in"]), {"subject": "Hello", "body_text": "x" * (2 * 1024 * 1024)}
    )

    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
