"""The Twilio sender against a fake Twilio (a real HTTP server on loopback), and the file sender."""

import json

import pytest

from notifications.models import TextDelivery, TextStop
from notifications.texts.outgoing import number_digest, text_hand_over
from notifications.texts.senders import PERMANENT, TRANSIENT, UNKNOWN, TextSendError
from notifications.texts.twilio_backend import TwilioSender
from tests.support.fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db
TO = "+447911123456"


def test_a_text_goes_to_twilio_as_its_rest_api_expects(fake_twilio):
    delivery = text_hand_over(to=TO, body="Your interview is confirmed.", purpose="message")
    [received] = fake_twilio.received
    assert (received.to, received.body, received.from_) == (TO, "Your interview is confirmed.", "+447700900000")
    assert received.status_callback == "http://testserver/n/texts/status/"
    assert (delivery.provider_id, delivery.status, delivery.backend) == (received.sid, "queued", "twilio")
    assert (delivery.segments, delivery.encoding) == (1, "GSM-7")


def test_a_messaging_service_picks_the_number(fake_twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    text_hand_over(to=TO, body="Hello", purpose="message")
    assert fake_twilio.received[0].messaging_service_sid == "MG" + "2" * 32
    assert fake_twilio.received[0].from_ == ""


@pytest.mark.parametrize(
    ("step", "kind", "code"),
    [
        ("500", TRANSIENT, None),
        ("503", TRANSIENT, None),
        ("429:20429", TRANSIENT, 20429),
        ("400:21211", PERMANENT, 21211),
        ("400:21610", PERMANENT, 21610),
        ("400:21614", PERMANENT, 21614),
    ],
)
def test_errors_are_classified_from_the_status_and_twilios_code(fake_twilio, step, kind, code):
    fake_twilio.program(step)
    with pytest.raises(TextSendError) as raised:
        text_hand_over(to=TO, body="Hello", purpose="message")
    assert (raised.value.kind, raised.value.code) == (kind, code)
    assert not TextDelivery.objects.exists()
    # Recovered: the next one goes, once.
    text_hand_over(to=TO, body="Hello", purpose="message")
    assert len(fake_twilio.received) == 1


def test_wrong_credentials_are_transient(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    with pytest.raises(TextSendError) as raised:
        text_hand_over(to=TO, body="Hello", purpose="message")
    assert (raised.value.kind, raised.value.code) == (TRANSIENT, 20003)


def test_a_provider_that_refuses_connections_is_transient(settings):
    sender = TwilioSender(
        account_sid="AC1", auth_token="t", from_number="+1", base_url=FakeTwilio.refused_url(), timeout=2
    )
    with pytest.raises(TextSendError) as raised:
        sender.send(to=TO, body="Hello")
    assert raised.value.kind == TRANSIENT


def test_no_answer_after_the_request_went_out_is_unknown(fake_twilio):
    fake_twilio.stall_seconds = 3
    fake_twilio.program("stall")
    sender = TwilioSender(
        account_sid=fake_twilio.account_sid,
        auth_token=fake_twilio.auth_token,
        from_number="+447700900000",
        base_url=fake_twilio.base_url,
        timeout=0.5,
    )
    with pytest.raises(TextSendError) as raised:
        sender.send(to=TO, body="Hello")
    assert raised.value.kind == UNKNOWN


def test_a_stopped_number_gets_no_text(fake_twilio):
    TextStop.objects.create(number_digest=number_digest(TO), keyword="STOP")
    with pytest.raises(TextSendError) as raised:
        text_hand_over(to=TO, body="Hello", purpose="message")
    assert raised.value.kind == PERMANENT
    assert fake_twilio.received == []
    # A HELP is answered whatever the stop list says.
    text_hand_over(to=TO, body="Help text", purpose="help_answer")
    assert len(fake_twilio.received) == 1


def test_the_file_sender_writes_each_text_under_the_run_folder(text_files):
    delivery = text_hand_over(to=TO, body="Zoë, your interview is confirmed 🙂", purpose="message")
    [path] = text_files.glob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert (record["to"], record["body"], record["encoding"]) == (TO, "Zoë, your interview is confirmed 🙂", "UCS-2")
    assert (delivery.backend, delivery.status, delivery.provider_id) == ("file", "delivered", record["sid"])
