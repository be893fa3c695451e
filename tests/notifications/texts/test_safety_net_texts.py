"""The safety net by text (docs/rules.md#silence-cap): a candidate whose email bounced but who takes texts
gets it by text, through the fake Twilio server, instead of a call; one who does not still gets a call."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from candidates.models import Candidate
from candidates.services.texts import candidate_texts_set
from notifications.models import OutboundMessage
from notifications.services import sending
from recruiting.models import ContactEvent, SafetyNet
from recruiting.services import application_create, scan
from tests.factories import CandidateFactory, JobFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
NUMBER = "+447911123456"


def silent_application(*, channel: str):
    candidate = CandidateFactory(time_zone="UTC")
    if channel != "email":
        candidate_texts_set(
            candidate=candidate, by=candidate.owner, mobile=NUMBER, channel=channel, consent_how="spoken"
        )
    Candidate.objects.filter(pk=candidate.pk).update(email_status="bounced")
    candidate.refresh_from_db()
    with time_machine.travel(T0, tick=False):
        return application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=None, notify=False)


def test_a_bounced_candidate_on_texts_gets_the_safety_net_by_text(fake_twilio):
    application = silent_application(channel="both")
    with time_machine.travel(application.safety_net_at, tick=False):
        result = scan.prompts_scan_overdue()
    assert (result.safety_net_messages, result.safety_net_calls) == (1, 0)
    assert SafetyNet.objects.get(application=application).kind == SafetyNet.Kind.MESSAGE
    message = OutboundMessage.objects.get(application=application)
    assert (message.template_code, message.channel, message.to_number) == ("safety_net", "sms", NUMBER)
    with time_machine.travel(message.send_after + timedelta(seconds=1), tick=False):
        assert sending.messages_send_due(worker="w").sent == 1
    assert fake_twilio.received[0].to == NUMBER and "still open" in fake_twilio.received[0].body
    assert ContactEvent.objects.get(application=application).channel == "sms"


def test_a_bounced_candidate_without_texts_still_gets_a_call(fake_twilio):
    application = silent_application(channel="email")
    with time_machine.travel(application.safety_net_at, tick=False):
        result = scan.prompts_scan_overdue()
    assert (result.safety_net_messages, result.safety_net_calls) == (0, 1)
    assert not OutboundMessage.objects.exists() and fake_twilio.received == []
