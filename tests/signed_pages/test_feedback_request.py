"""After a late rejection the candidate may ask for feedback from the status page, once; it lands as a
reply owed for their recruiter."""

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import links
from recruiting.models import ContactEvent, RecruiterPrompt, Stage, StageChange
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db


def _rejected(*, reached_client: bool = True, **candidate):
    application = ApplicationFactory(
        candidate=CandidateFactory(**candidate), stage=Stage.REJECTED, closed_at=timezone.now()
    )
    if reached_client:
        StageChange.objects.create(application=application, from_stage=Stage.SCREENING, to_stage=Stage.SUBMITTED)
    StageChange.objects.create(application=application, from_stage=Stage.SUBMITTED, to_stage=Stage.REJECTED)
    return application


def _page(client, application) -> str:
    return client.get(links.status_page_url(application.candidate).removeprefix("http://testserver")).content.decode()


def _token(candidate) -> str:
    return links.status_page_url(candidate).rstrip("/").rsplit("/", 1)[1]


def _ask(client, application, *, as_candidate=None):
    token = _token(as_candidate or application.candidate)
    return client.post(reverse("candidates:ask_for_feedback", args=[token, application.pk]), follow=True)


def _owed(application):
    return RecruiterPrompt.objects.filter(application=application, reason=RecruiterPrompt.Reason.REPLY_OWED)


def test_a_candidate_turned_down_by_a_client_asks_for_feedback_once(client):
    application = _rejected()
    assert "Ask my recruiter for feedback" in _page(client, application)

    response = _ask(client, application)
    assert "your recruiter will get back to you personally with feedback" in response.content.decode()
    assert _owed(application).count() == 1
    assert ContactEvent.objects.get(application=application).direction == ContactEvent.Direction.INBOUND
    page = _page(client, application)
    assert "Ask my recruiter for feedback" not in page and "You asked for feedback on" in page

    again = _ask(client, application)
    assert "already asked for feedback" in again.content.decode()
    assert ContactEvent.objects.filter(application=application).count() == 1


def test_no_feedback_button_for_an_early_rejection_or_an_open_application(client):
    early = _rejected(reached_client=False)
    assert "Ask my recruiter for feedback" not in _page(client, early)
    response = _ask(client, early)
    assert "once a client has turned an application down" in response.content.decode()
    assert not _owed(early).exists()
    live = ApplicationFactory(stage=Stage.SUBMITTED)
    assert "Ask my recruiter for feedback" not in _page(client, live)
    _ask(client, live)
    assert not _owed(live).exists()


def test_another_candidates_application_is_a_404(client):
    application, other = _rejected(), _rejected()
    response = _ask(client, application, as_candidate=other.candidate)
    assert response.status_code == 404
    assert not _owed(application).exists()


def test_a_candidate_who_stopped_contact_is_asked_to_turn_it_off_first(client):
    application = _rejected(do_not_contact=True)
    assert "Turn that off first" in _ask(client, application).content.decode()
    assert not _owed(application).exists()


def test_feedback_asks_are_rate_limited(client, settings):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR = 2
    application = _rejected()
    codes = [_ask(client, application).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_get_changes_nothing(client):
    application = _rejected()
    response = client.get(reverse("candidates:ask_for_feedback", args=[_token(application.candidate), application.pk]))
    assert response.status_code == 405 and not _owed(application).exists()
