"""The same email delivered twice at the same moment (a provider retrying while the first post is still
being handled, or two mail servers): one stored email, one contact, one reply owed."""

import threading
from email.message import EmailMessage

import pytest
from django.db import connection

from notifications.models import InboundMessage
from notifications.services import inbound as inbound_service
from notifications.services.reply_addresses import reply_address
from recruiting.models import ContactEvent, RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_two_deliveries_at_once_store_one_reply(requires_postgres, settings, monkeypatch):
    settings.INLOOP_REPLY_DOMAIN = "reply.northwind.example"
    application = ApplicationFactory(candidate=CandidateFactory(email="ana@mail.example"))
    message = OutboundMessageFactory(application=application, status="sent", message_id="<race@x>")
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = "ana@mail.example", reply_address(message.pk), "Re: hello"
    email.set_content("Is Friday still on?")
    raw = email.as_bytes()

    # Both deliveries get past the duplicate check and into their transactions before either commits.
    both_inside = threading.Barrier(2, timeout=20)
    record = inbound_service.reply_record

    def record_when_both_inside(**kwargs):
        both_inside.wait()
        return record(**kwargs)

    monkeypatch.setattr(inbound_service, "reply_record", record_when_both_inside)
    results, failures = [], []

    def deliver():
        try:
            results.append(inbound_service.inbound_email_receive(raw_bytes=raw, source="pipe").pk)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(results) == 2 and results[0] == results[1]
    assert InboundMessage.objects.count() == 1
    assert ContactEvent.objects.filter(application=application, direction="inbound").count() == 1
    assert RecruiterPrompt.objects.filter(application=application, reason="reply_owed").count() == 1
