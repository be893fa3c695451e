"""Preferences and "ask my recruiter for an update" on the status page: POST only, CSRF, rate-limited."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates import links
from candidates.models import Candidate
from recruiting.models import AuditLog, RecruiterPrompt, Stage
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db


def _token(candidate: Candidate) -> str:
    return links.status_page_url(candidate).rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def application():
    return ApplicationFactory(candidate=CandidateFactory(first_name="Tomás"), next_update_due=timezone.now())


def _post_choice(client, candidate, choice):
    return client.post(reverse("candidates:preferences", args=[_token(candidate)]), {"choice": choice}, follow=True)


def test_pause_and_resume_automated_updates(client, application):
    candidate = application.candidate

    response = _post_choice(client, candidate, "pause")

    assert response.status_code == 200
    assert "we have paused automated updates" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.automated_updates_paused and not candidate.do_not_contact
    audit = AuditLog.objects.get(action="candidate.preferences", object_id=candidate.pk)
    assert audit.actor is None and audit.details["source"] == "candidate"

    _post_choice(client, candidate, "resume")
    candidate.refresh_from_db()
    assert not candidate.automated_updates_paused


def test_stop_all_contact_records_the_reason_and_stops_the_clock(client, application):
    candidate = application.candidate

    response = _post_choice(client, candidate, "stop")

    assert "we will not contact you any more" in response.content.decode()
    candidate.refresh_from_db()
    application.refresh_from_db()
    assert candidate.do_not_contact
    assert candidate.do_not_contact_reason == "Asked on their status page"
    assert application.next_update_due is None
    assert "I would like to hear from you again" in response.content.decode()


def test_unknown_choice_changes_nothing(client, application):
    response = _post_choice(client, application.candidate, "everything")

    assert "We did not understand that choice" in response.content.decode()
    assert not AuditLog.objects.filter(action="candidate.preferences").exists()


def test_preferences_need_a_csrf_token(application):
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post(
        reverse("candidates:preferences", args=[_token(application.candidate)]), {"choice": "stop"}
    )

    assert response.status_code == 403
    application.candidate.refresh_from_db()
    assert not application.candidate.do_not_contact


def test_preferences_refuse_get(client, application):
    response = client.get(reverse("candidates:preferences", args=[_token(application.candidate)]) + "?choice=stop")

    assert response.status_code == 405
    application.candidate.refresh_from_db()
    assert not application.candidate.do_not_contact


def test_forged_link_cannot_change_preferences(client, application):
    token = _token(application.candidate)[:-3] + "xyz"

    response = client.post(reverse("candidates:preferences", args=[token]), {"choice": "stop"})

    assert response.status_code == 404
    assert "Tomás" not in response.content.decode()
    application.candidate.refresh_from_db()
    assert not application.candidate.do_not_contact


def _ask(client, application, token=None):
    token = token or _token(application.candidate)
    return client.post(reverse("candidates:ask_for_update", args=[token, application.pk]), follow=True)


def test_asking_for_an_update_prompts_the_recruiter(client, application):
    response = _ask(client, application)

    assert "we have asked your recruiter" in response.content.decode()
    prompt = RecruiterPrompt.objects.get(application=application)
    assert prompt.reason == RecruiterPrompt.Reason.CANDIDATE_ASKED
    assert prompt.recruiter_id == application.owner_id
    assert "You asked for an update on" in response.content.decode()


def test_second_ask_within_seven_days_is_answered_politely_and_changes_nothing(client, application):
    _ask(client, application)
    prompt = RecruiterPrompt.objects.get(application=application)
    prompt.resolved_at = timezone.now()
    prompt.save()
    audits = AuditLog.objects.count()

    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        response = _ask(client, application)

    assert "You already asked for an update on this application in the last seven days" in response.content.decode()
    assert RecruiterPrompt.objects.filter(application=application).count() == 1
    assert AuditLog.objects.count() == audits


def test_asking_again_after_seven_days_prompts_again(client, application):
    _ask(client, application)
    RecruiterPrompt.objects.filter(application=application).update(resolved_at=timezone.now())

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = _ask(client, application)

    assert "we have asked your recruiter" in response.content.decode()
    assert RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).count() == 1
    assert RecruiterPrompt.objects.filter(application=application).count() == 2


def test_cannot_ask_about_another_candidates_application(client, application):
    other = ApplicationFactory()

    response = client.post(reverse("candidates:ask_for_update", args=[_token(application.candidate), other.pk]))

    assert response.status_code == 404
    assert other.job.title not in response.content.decode()
    assert not RecruiterPrompt.objects.exists()


def test_cannot_ask_about_a_closed_application(client, application):
    application.stage = Stage.WITHDRAWN
    application.closed_at = timezone.now()
    application.save()

    response = _ask(client, application)

    assert "This application is closed" in response.content.decode()
    assert not RecruiterPrompt.objects.exists()


def test_candidate_who_stopped_contact_cannot_open_a_prompt(client, application):
    _post_choice(client, application.candidate, "stop")

    response = _ask(client, application)

    assert "You asked us not to contact you" in response.content.decode()
    assert not RecruiterPrompt.objects.exists()


def test_too_many_posts_answer_429_with_a_friendly_page(client, application, settings):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR = 20
    url = reverse("candidates:preferences", args=[_token(application.candidate)])
    for index in range(20):
        assert client.post(url, {"choice": "pause" if index % 2 == 0 else "resume"}).status_code == 302

    response = client.post(url, {"choice": "stop"})

    assert response.status_code == 429
    assert "Please wait a little" in response.content.decode()
    assert response["Retry-After"] == "3600"
    application.candidate.refresh_from_db()
    assert not application.candidate.do_not_contact


def test_rate_limit_counts_per_address_across_links(client, settings):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR_PER_ADDRESS = 3
    candidates = [CandidateFactory() for _ in range(4)]
    codes = [
        client.post(reverse("candidates:preferences", args=[_token(c)]), {"choice": "pause"}).status_code
        for c in candidates
    ]

    assert codes == [302, 302, 302, 429]
    assert not Candidate.objects.get(pk=candidates[3].pk).automated_updates_paused


def test_rate_limit_window_ends_after_an_hour(client, application, settings):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR = 1
    url = reverse("candidates:preferences", args=[_token(application.candidate)])
    assert client.post(url, {"choice": "pause"}).status_code == 302
    assert client.post(url, {"choice": "resume"}).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.post(url, {"choice": "resume"}).status_code == 302

    application.candidate.refresh_from_db()
    assert not application.candidate.automated_updates_paused


def test_address_limit_is_looser_than_the_link_limit_by_default(client, settings):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR = 2
    codes = [
        client.post(
            reverse("candidates:preferences", args=[_token(CandidateFactory())]), {"choice": "pause"}
        ).status_code
        for _ in range(11)
    ]

    assert codes == [302] * 10 + [429]


def test_behind_a_trusted_proxy_each_candidate_is_counted_by_their_own_address(settings):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR_PER_ADDRESS = 1
    settings.INLOOP_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    first = Client().post(
        reverse("candidates:preferences", args=[_token(CandidateFactory())]),
        {"choice": "pause"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        **proxy,
    )
    second = Client().post(
        reverse("candidates:preferences", args=[_token(CandidateFactory())]),
        {"choice": "pause"},
        HTTP_X_FORWARDED_FOR="198.51.100.4",
        **proxy,
    )
    spoofed = Client().post(
        reverse("candidates:preferences", args=[_token(CandidateFactory())]),
        {"choice": "pause"},
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
        **proxy,
    )

    assert (first.status_code, second.status_code, spoofed.status_code) == (302, 302, 429)
