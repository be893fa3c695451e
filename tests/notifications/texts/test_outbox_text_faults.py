"""Fault drills for the outbox's texts against the fake Twilio server: the provider down or refusing is
retried, a text handed over without an answer is `unknown` and never sent twice."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from candidates.services.texts import candidate_texts_set
from notifications.models import MessageAttempt, OutboundMessage, TextDelivery
from notifications.services import handover, relay, sending
from recruiting.models import ContactEvent, RecruiterPrompt, Stage
from recruiting.services import application_move
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
NUMBER = "+447911123456"
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def text_owed(wednesday_morning):
    application = ApplicationFactory(candidate__time_zone="UTC", stage=Stage.SUBMITTED)
    candidate_texts_set(
        candidate=application.candidate, by=application.owner, mobile=NUMBER, channel="sms", consent_how="written"
    )
    with transaction.atomic():
        application_move(application=application, to_stage=Stage.INTERVIEWING, by=application.owner)
    wednesday_morning.shift(dt.timedelta(minutes=11))
    return OutboundMessage.objects.get(application=application)


def _due_again(message, traveller):
    message.refresh_from_db()
    traveller.move_to(message.send_after + dt.timedelta(seconds=1))


def test_the_provider_down_is_retried_and_the_text_goes_once(text_owed, wednesday_morning, fake_twilio):
    fake_twilio.program("503", "429:20429")
    assert sending.messages_send_due(worker="w").retrying == 1
    text_owed.refresh_from_db()
    assert (text_owed.status, text_owed.attempts, text_owed.handover_at) == (Status.QUEUED, 1, None)
    _due_again(text_owed, wednesday_morning)
    assert sending.messages_send_due(worker="w").retrying == 1
    _due_again(text_owed, wednesday_morning)
    assert sending.messages_send_due(worker="w").sent == 1
    assert fake_twilio.attempts == ["503", "429:20429", "accept"] and len(fake_twilio.received) == 1
    outcomes = list(MessageAttempt.objects.filter(message=text_owed).values_list("outcome", flat=True))
    assert outcomes == ["transient", "transient", "sent"]
    assert ContactEvent.objects.filter(message=text_owed, channel="sms").count() == 1


def test_an_unreachable_provider_sent_nothing_and_is_retried(text_owed, fake_twilio, settings):
    settings.TWILIO_API_BASE_URL = fake_twilio.refused_url()
    assert sending.messages_send_due(worker="w").retrying == 1
    assert not TextDelivery.objects.exists()


def test_a_number_that_cannot_take_texts_fails_and_prompts(text_owed, fake_twilio):
    fake_twilio.program("400:21211")
    assert sending.messages_send_due(worker="w").failed == 1
    text_owed.refresh_from_db()
    assert text_owed.status == Status.FAILED
    assert RecruiterPrompt.objects.filter(message=text_owed, reason=RecruiterPrompt.Reason.DELIVERY_FAILED).exists()


def test_a_text_handed_over_without_an_answer_is_unknown_and_never_sent_again(
    text_owed, wednesday_morning, fake_twilio
):
    fake_twilio.stall_seconds = 3  # longer than INLOOP_SMS_TIMEOUT
    fake_twilio.program("stall")
    assert sending.messages_send_due(worker="w").unknown == 1
    text_owed.refresh_from_db()
    assert text_owed.status == Status.UNKNOWN and text_owed.handover_at is not None
    assert RecruiterPrompt.objects.filter(message=text_owed, reason=RecruiterPrompt.Reason.OUTCOME_UNKNOWN).exists()
    wednesday_morning.shift(dt.timedelta(hours=2))
    relay.messages_relay()
    assert sending.messages_send_due(worker="w").claimed == 0
    assert fake_twilio.attempts == ["stall"]


def test_a_worker_gone_after_the_hand_over_mark_leaves_the_text_unknown(text_owed, wednesday_morning, fake_twilio):
    sending.claim(worker="gone", limit=10, now=timezone.now(), message_id=None, report=sending.SendReport())
    assert handover.mark_handover(text_owed.pk, "gone")  # then the worker died before the text went
    wednesday_morning.shift(dt.timedelta(hours=1))
    relay.messages_relay()
    text_owed.refresh_from_db()
    assert text_owed.status == Status.UNKNOWN
    assert sending.messages_send_due(worker="w").claimed == 0 and fake_twilio.received == []
