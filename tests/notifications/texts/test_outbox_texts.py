"""The outbox's texts against the fake Twilio server: written per the candidate's channel, sent by the
worker, one message a day across channels, status callbacks un-telling an undelivered text, the short
status link, and a confidential client never named before it may be."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from candidates.models import Candidate
from candidates.services.texts import candidate_texts_set
from notifications.models import MessageTemplate, OutboundMessage, TextDelivery
from notifications.services import sending
from notifications.services.outbox import MessageDraft, messages_create
from notifications.services.promises import promise_message
from recruiting.models import ContactEvent, RecruiterPrompt, Stage
from recruiting.services import application_move, application_promise
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
NUMBER = "+447911123456"
STATUS_URL = "http://testserver/n/texts/status/"
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


def texting(channel: str = "sms", **application):
    """An application whose candidate hears from us by `channel`, with their consent recorded."""
    application = ApplicationFactory(candidate__time_zone="UTC", **{"stage": Stage.SUBMITTED, **application})
    candidate_texts_set(
        candidate=application.candidate,
        by=application.candidate.owner,
        mobile=NUMBER,
        channel=channel,
        consent_how="spoken",
    )
    application.candidate.refresh_from_db()
    return application


def move(application, to_stage=Stage.INTERVIEWING):
    with transaction.atomic():
        application_move(application=application, to_stage=to_stage, by=application.owner)
    return list(OutboundMessage.objects.filter(application=application).order_by("pk"))


def send_due(traveller, minutes=11):
    traveller.shift(dt.timedelta(minutes=minutes))
    return sending.messages_send_due(worker="w")


def test_a_candidate_on_texts_gets_a_text_not_an_email(wednesday_morning, fake_twilio):
    application = texting("sms")
    (message,) = move(application)
    assert (message.channel, message.to_number, message.to_address) == ("sms", NUMBER, "")
    assert "/c/s/" in message.body_text and "\n" not in message.body_text

    report = send_due(wednesday_morning)

    assert (report.sent, len(mail.outbox), len(fake_twilio.received)) == (1, 0, 1)
    text = fake_twilio.received[0]
    assert text.to == NUMBER and "interview" in text.body and text.status_callback == STATUS_URL
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert TextDelivery.objects.get().message == message
    contact = ContactEvent.objects.get(application=application)
    assert (contact.channel, contact.message_id, contact.delivered) == ("sms", message.pk, True)
    application.refresh_from_db()
    assert application.last_informed_at is not None


def test_a_candidate_on_both_gets_one_email_and_one_text_counted_as_one_message_a_day(wednesday_morning, fake_twilio):
    application = texting("both")
    email, text = move(application)
    assert (email.channel, text.channel) == ("email", "sms")
    assert text.idempotency_key == email.idempotency_key + ":sms" and text.send_after == email.send_after

    report = send_due(wednesday_morning)
    assert (report.sent, len(mail.outbox), len(fake_twilio.received)) == (2, 1, 1)

    # Later the same day: more news waits for the candidate's next day, by either channel.
    wednesday_morning.shift(dt.timedelta(hours=2))
    later = [m for m in move(application, Stage.OFFER) if m.pk not in (email.pk, text.pk)]
    assert len(later) == 2
    report = send_due(wednesday_morning)
    assert report.sent == 0 and report.rescheduled == 2
    assert {row.send_after.date() for row in OutboundMessage.objects.filter(pk__in=[m.pk for m in later])} == {
        dt.date(2026, 3, 5)
    }
    assert (len(mail.outbox), len(fake_twilio.received)) == (1, 1)


def test_a_text_today_holds_an_email_to_the_next_day(wednesday_morning, fake_twilio):
    application = texting("sms")
    move(application)
    send_due(wednesday_morning)
    candidate = application.candidate
    candidate.channel = Candidate.Channel.EMAIL
    candidate.save()
    wednesday_morning.shift(dt.timedelta(hours=1))
    (offer,) = [m for m in move(application, Stage.OFFER) if m.template_code == "offer"]
    assert offer.channel == "email"
    report = send_due(wednesday_morning)
    assert (report.sent, report.rescheduled, len(mail.outbox)) == (0, 1, 0)


def test_without_consent_or_a_text_template_the_message_goes_by_email(wednesday_morning, fake_twilio):
    application = texting("sms")
    MessageTemplate.objects.filter(code="interviewing").update(sms_body="")
    (message,) = move(application)
    assert message.channel == "email"
    other = ApplicationFactory(candidate__mobile=NUMBER, candidate__channel="sms", stage=Stage.SUBMITTED)
    (message,) = move(other)  # a channel with texts but no consent on record
    assert message.channel == "email"


def test_the_text_is_rendered_again_when_it_goes(wednesday_morning, fake_twilio):
    application = texting("sms")
    MessageTemplate.objects.filter(code="interviewing").update(sms_body="Role: {{ job_title }}.")
    (message,) = move(application)
    application.job.title = "Senior Data Engineer"
    application.job.save()
    send_due(wednesday_morning)
    assert fake_twilio.received[0].body == "Role: Senior Data Engineer."


def test_a_confidential_client_is_not_named_in_a_text_before_it_may_be(wednesday_morning, fake_twilio):
    application = texting("sms", stage=Stage.NEW, job__client__name="Acme Secret Bank")
    MessageTemplate.objects.filter(code="screening").update(sms_body="News from {{ client_display_name }}.")
    (message,) = move(application, Stage.SCREENING)
    assert message.body_text == "News from a client of ours in fintech."
    send_due(wednesday_morning)
    assert "Acme" not in fake_twilio.received[0].body


def test_the_safety_net_goes_by_text_to_a_consenting_candidate_whose_email_bounced(fake_twilio):
    application = texting("sms")  # consented, then back on email
    Candidate.objects.filter(pk=application.candidate_id).update(email_status="bounced", channel="email")
    application.candidate.refresh_from_db()
    draft = MessageDraft(
        idempotency_key="safety_net:test",
        template_code=MessageTemplate.Code.SAFETY_NET,
        to_address=application.candidate.email,
        fields={"candidate_first_name": "Ana", "job_title": "Engineer"},
        candidate=application.candidate,
        application=application,
        recipient_user=None,
        stage_change=None,
        hold_minutes=10,
        window_tz="UTC",
    )
    (message,) = messages_create(drafts=[draft], by=None)
    assert (message.channel, message.status) == ("sms", Status.HELD)
    assert not OutboundMessage.objects.filter(channel="email").exists()


def _callback(client, twilio, sid, status, error_code=None):
    params = twilio.callback_params(sid, status, error_code=error_code)
    signature = twilio.signature(STATUS_URL, params)
    return client.post("/n/texts/status/", params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_an_undelivered_text_untells_and_prompts_whatever_the_order_of_callbacks(
    client, wednesday_morning, fake_twilio
):
    application = texting("sms")
    (message,) = move(application)
    send_due(wednesday_morning)
    sid = TextDelivery.objects.get().provider_id
    for status, code in (("sent", None), ("undelivered", 30006), ("delivered", None), ("sent", None)):
        assert _callback(client, fake_twilio, sid, status, code).status_code == 204
    contact = ContactEvent.objects.get(application=application, message=message)
    assert contact.delivered is False
    application.refresh_from_db()
    assert application.last_informed_at is None
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.DELIVERY_FAILED)
    assert prompt.message == message and "not delivered (undelivered, error 30006)" in prompt.detail
    assert NUMBER not in prompt.detail


def test_a_delivered_text_stays_told(client, wednesday_morning, fake_twilio):
    application = texting("sms")
    move(application)
    send_due(wednesday_morning)
    sid = TextDelivery.objects.get().provider_id
    for status in ("delivered", "failed"):
        _callback(client, fake_twilio, sid, status)
    assert ContactEvent.objects.get(application=application).delivered is True
    assert not RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.DELIVERY_FAILED).exists()


def test_the_short_status_link_opens_the_status_page(client, wednesday_morning, fake_twilio):
    application = texting("sms")
    (message,) = move(application)
    path = "/c/s/" + message.body_text.split("/c/s/")[1].split("/")[0] + "/"
    assert len(path) < 32
    answer = client.get(path)
    assert answer.status_code == 302 and "/c/status/" in answer["Location"]
    assert client.get(path[:-3] + "xx/").status_code == 404
    wednesday_morning.shift(dt.timedelta(days=400))
    assert client.get(path).status_code == 404


def test_an_outbox_text_is_exported_and_erased_with_its_candidate(wednesday_morning, fake_twilio, admin_user):
    from candidates.services import data_rights

    application = texting("sms")
    (message,) = move(application)
    send_due(wednesday_morning)
    export = data_rights.candidate_export(candidate=application.candidate, by=admin_user)
    [exported] = [entry for entry in export["messages"] if entry["id"] == message.pk]
    assert (exported["channel"], exported["to"]) == ("sms", NUMBER)
    data_rights.candidate_erase(candidate=application.candidate, by=admin_user)
    message.refresh_from_db()
    assert (message.to_number, message.body_text) == ("", "")
    assert not TextDelivery.objects.exclude(to_number="").exists()


def test_an_undelivered_callback_before_the_text_is_recorded_still_untells_it(
    client, wednesday_morning, fake_twilio, monkeypatch
):
    from notifications.texts.twilio_backend import TwilioSender

    send = TwilioSender.send

    def answered_then_called_back(self, **kwargs):
        handed = send(self, **kwargs)
        # The provider's callback overtakes the worker: it arrives before anything of ours is written.
        assert _callback(client, fake_twilio, handed.provider_id, "undelivered", 30003).status_code == 204
        return handed

    monkeypatch.setattr(TwilioSender, "send", answered_then_called_back)
    application = texting("sms")
    (message,) = move(application)
    assert send_due(wednesday_morning).sent == 1
    delivery = TextDelivery.objects.get()
    assert (delivery.status, delivery.message_id, delivery.to_number) == ("undelivered", message.pk, NUMBER)
    assert ContactEvent.objects.get(message=message).delivered is False
    assert RecruiterPrompt.objects.filter(message=message, reason=RecruiterPrompt.Reason.DELIVERY_FAILED).exists()


def test_a_promise_told_twice_to_a_candidate_on_texts_keeps_its_one_text(wednesday_morning):
    """The same promise (one idempotency key) told twice queues one text and never cancels it."""
    application = texting("sms", stage=Stage.INTERVIEWING)
    promised = dt.date(2026, 3, 20)
    for _ in range(2):
        application_promise(
            application=application,
            next_step_date=promised,
            by=application.owner,
            note="After the panel",
            tell_candidate=True,
            idempotency_key="promise:form-1",
        )
    [text] = OutboundMessage.objects.filter(application=application, template_code=MessageTemplate.Code.PROMISE)
    assert text.channel == "sms" and text.status == Status.HELD
    assert promise_message(idempotency_key="promise:form-1") == text
