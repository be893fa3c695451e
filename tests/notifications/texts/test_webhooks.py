"""Twilio's signed posts: a text's status callbacks and inbound texts (STOP, START, HELP, replies)."""

import pytest
from django.urls import reverse

from candidates.models import TextConsent
from notifications.models import InboundText, TextDelivery, TextStop
from notifications.texts.outgoing import number_digest, text_hand_over
from recruiting.models import ContactEvent, RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db
NUMBER = "+447911123456"
OURS = "+447700900000"
STATUS_URL = "http://testserver/n/texts/status/"
INBOUND_URL = "http://testserver/n/texts/inbound/"


def _post(client, twilio, url, params, *, signature=None):
    signature = twilio.signature(url, params) if signature is None else signature
    path = url.removeprefix("http://testserver")
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(path, params, **headers)


def _inbound(client, twilio, body, *, sid="SM" + "a" * 32, number=NUMBER):
    params = {"MessageSid": sid, "AccountSid": twilio.account_sid, "From": number, "To": OURS, "Body": body}
    return _post(client, twilio, INBOUND_URL, params)


def test_status_callbacks_move_a_text_forward_only(client, fake_twilio):
    delivery = text_hand_over(to=NUMBER, body="Hello", purpose="message")
    for status in ("sent", "delivered", "sent", "queued"):
        params = fake_twilio.callback_params(delivery.provider_id, status)
        assert _post(client, fake_twilio, STATUS_URL, params).status_code == 204
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_an_undelivered_text_keeps_its_error_code(client, fake_twilio):
    delivery = text_hand_over(to=NUMBER, body="Hello", purpose="message")
    params = fake_twilio.callback_params(delivery.provider_id, "undelivered", error_code=30006)
    _post(client, fake_twilio, STATUS_URL, params)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == ("undelivered", 30006)


@pytest.mark.parametrize("url", [STATUS_URL, INBOUND_URL])
@pytest.mark.parametrize("signature", ["", "forged+signature="])
def test_unsigned_or_forged_posts_are_refused(client, fake_twilio, url, signature):
    delivery = text_hand_over(to=NUMBER, body="Hello", purpose="message")
    params = {**fake_twilio.callback_params(delivery.provider_id, "failed"), "From": NUMBER, "Body": "STOP"}
    assert _post(client, fake_twilio, url, params, signature=signature).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "queued"
    assert not InboundText.objects.exists() and not TextStop.objects.exists()


def test_a_post_signed_for_another_url_or_with_changed_fields_is_refused(client, fake_twilio):
    params = {"MessageSid": "SM1", "From": NUMBER, "To": OURS, "Body": "STOP"}
    signed_elsewhere = fake_twilio.signature("https://attacker.example/n/texts/inbound/", params)
    assert _post(client, fake_twilio, INBOUND_URL, params, signature=signed_elsewhere).status_code == 403
    signature = fake_twilio.signature(INBOUND_URL, params)
    assert _post(client, fake_twilio, INBOUND_URL, {**params, "Body": "START"}, signature=signature).status_code == 403


def test_without_an_auth_token_nothing_is_trusted(client, fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    assert _inbound(client, fake_twilio, "STOP").status_code == 403


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "CANCEL", "End", "QUIT"])
def test_stop_and_its_variants_stop_every_text_at_once(client, fake_twilio, word):
    candidate = CandidateFactory(mobile=NUMBER, channel="sms")
    other = CandidateFactory(mobile=NUMBER, channel="both")
    response = _inbound(client, fake_twilio, word)
    assert response.status_code == 200 and b"<Response>" in response.content
    assert TextStop.objects.filter(number_digest=number_digest(NUMBER)).exists()
    for person in (candidate, other):
        person.refresh_from_db()
        assert person.texts_stopped_at is not None
        consent = TextConsent.objects.filter(candidate=person).latest("at")
        assert (consent.given, consent.how) == (False, TextConsent.How.KEYWORD)
    assert InboundText.objects.get().keyword == "stop"
    with pytest.raises(Exception, match="STOP"):
        text_hand_over(to=NUMBER, body="Hello", purpose="message")


@pytest.mark.parametrize("word", ["START", "yes", "UNSTOP"])
def test_start_and_its_variants_resume_texts(client, fake_twilio, word):
    candidate = CandidateFactory(mobile=NUMBER, channel="sms")
    _inbound(client, fake_twilio, "STOP", sid="SM1")
    _inbound(client, fake_twilio, word, sid="SM2")
    candidate.refresh_from_db()
    assert candidate.texts_stopped_at is None
    assert not TextStop.objects.exists()
    assert TextConsent.objects.filter(candidate=candidate).latest("at").given is True
    text_hand_over(to=NUMBER, body="Hello", purpose="message")


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_is_answered_with_the_firms_name_and_how_to_stop(
    client, fake_twilio, word, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _inbound(client, fake_twilio, word)
    [answer] = fake_twilio.received
    assert answer.to == NUMBER and "Inloop" in answer.body and "STOP" in answer.body
    assert TextDelivery.objects.get().purpose == "help_answer"


def test_a_text_from_an_unknown_number_is_kept_attached_to_nobody(client, fake_twilio):
    _inbound(client, fake_twilio, "Hi, is the job still open?", number="+447911000111")
    text = InboundText.objects.get()
    assert (text.status, text.candidate, text.application) == ("kept", None, None)
    assert text.body == "Hi, is the job still open?"


def test_a_reply_from_a_candidate_lands_on_the_timeline_owed_an_answer(client, fake_twilio):
    application = ApplicationFactory(candidate__mobile=NUMBER, candidate__channel="sms")
    _inbound(client, fake_twilio, "Thanks! Friday works for me.")
    _inbound(client, fake_twilio, "Thanks! Friday works for me.")  # posted twice: kept once
    text = InboundText.objects.get()
    assert (text.status, text.candidate_id, text.application_id) == (
        "accepted",
        application.candidate_id,
        application.pk,
    )
    contact = ContactEvent.objects.get(application=application)
    assert contact.direction == "inbound" and "Friday works for me" in contact.summary
    assert contact.channel == ContactEvent.Channel.SMS
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.REPLY_OWED)
    assert prompt.detail == "The candidate replied to our text message. Please answer them."


def test_the_webhooks_answer_only_posts(client):
    assert client.get(reverse("notifications:text_inbound_webhook")).status_code == 405
