"""The feedback request to a hiring manager in the outbox: its text, suppression, the recruiter's hold,
and what the candidate may be told once it was sent (docs/rules.md#confidential-client kept)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from candidates import links
from notifications import rendering
from notifications.models import OutboundMessage, Suppression
from recruiting.models import HiringManager, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

UTC = ZoneInfo("UTC")
TUESDAY = datetime(2026, 11, 17, 10, tzinfo=UTC)
DUE = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)  # Friday, three business days later

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def lumen():
    return ClientFactory(name="Lumen & Loom", industry="textiles", name_visible_before_submission=False)


@pytest.fixture
def manager(lumen):
    return HiringManager.objects.create(client=lumen, name="Dana <b>Park</b>", email="dana@lumen.example")


@pytest.fixture
def application(lumen, manager, owner):
    job = JobFactory(client=lumen, owner=owner, title="Weaver")
    job.hiring_managers.add(manager)
    application = ApplicationFactory(job=job, candidate__owner=owner, stage=Stage.SCREENING, created_at=TUESDAY)
    with time_machine.travel(TUESDAY, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)
    return application


def chase() -> OutboundMessage:
    with time_machine.travel(DUE, tick=False):
        client_answers_chase()
    return OutboundMessage.objects.get(template_code="client_chase")


def test_the_request_is_our_text_escaped_with_one_link_per_candidate(application):
    message = chase()
    assert message.body_text.startswith("Hello Dana <b>Park</b>,")
    assert "<b>" not in message.body_html and "&lt;b&gt;" in message.body_html
    assert message.body_html == rendering.text_to_html(message.body_text, title=message.subject)
    assert message.body_text.count("/c/answer/") == 1
    assert "with you since Tuesday 17 November" in message.body_text
    assert message.subject == "A quick question about a candidate"


def test_a_suppressed_address_writes_the_request_suppressed(application):
    Suppression.objects.create(email="DANA@lumen.example", reason="bounced")
    message = chase()
    assert message.status == OutboundMessage.Status.SUPPRESSED
    assert "suppression list" in message.status_reason


def test_the_owner_sees_edits_and_cancels_the_held_request_and_another_recruiter_may_not(client, application, owner):
    message = chase()
    client.force_login(owner)
    assert "dana@lumen.example (hiring manager)" in client.get(reverse("outbox")).content.decode()
    page = client.get(reverse("outbox_message", args=[message.pk]))
    assert page.status_code == 200 and page.context["can_act"]
    client.force_login(UserFactory())
    assert client.post(reverse("outbox_cancel", args=[message.pk])).status_code == 403
    client.force_login(owner)
    client.post(reverse("outbox_cancel", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.CANCELLED


def test_a_chase_is_in_its_owners_own_outbox_and_not_in_another_recruiters(client, application, owner):
    chase()
    client.force_login(UserFactory())
    assert "dana@lumen.example (hiring manager)" not in client.get(reverse("outbox")).content.decode()
    everyone = client.get(reverse("outbox"), {"owner": "all"}).content.decode()
    assert "dana@lumen.example (hiring manager)" in everyone


def _status_page(client, application) -> str:
    return client.get(links.status_page_url(application.candidate).removeprefix("http://testserver")).content.decode()


def test_the_candidate_is_told_we_asked_only_once_the_request_was_sent(client, application):
    message = chase()
    with time_machine.travel(DUE, tick=False):
        assert "We asked" not in _status_page(client, application)
        application.refresh_from_db()
        assert rendering.application_merge_fields(application=application)["client_asked"] == ""
    OutboundMessage.objects.filter(pk=message.pk).update(status="sent", sent_at=datetime(2026, 11, 20, 14, tzinfo=UTC))
    with time_machine.travel(DUE.replace(hour=15), tick=False):
        page = _status_page(client, application)
        fields = rendering.application_merge_fields(application=application)
    sentence = "We asked Lumen &amp; Loom for their decision on Friday 20 November."
    assert sentence in page
    assert fields["client_asked"] == "We asked Lumen & Loom for their decision on Friday 20 November."


def test_a_confidential_client_is_never_named_before_submission(client, lumen, owner):
    early = ApplicationFactory(job=JobFactory(client=lumen, owner=owner), candidate__owner=owner, stage=Stage.SCREENING)
    with time_machine.travel(DUE, tick=False):
        client_answers_chase()
        page = _status_page(client, early)
        fields = rendering.application_merge_fields(application=early)
    assert "Lumen" not in page and "We asked" not in page
    assert fields["client_asked"] == "" and fields["client_display_name"] == "a client of ours in textiles"
    assert not OutboundMessage.objects.filter(template_code="client_chase").exists()
    early.refresh_from_db()
    assert early.client_answer_due is None
