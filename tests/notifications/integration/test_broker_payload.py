"""What actually reaches the broker when the outbox wakes a worker: ids, never personal data
(security: ids only in task arguments). Reads the raw Redis list of the `mail` queue; no worker runs in this module."""

import base64
import json

import pytest
import redis
from django.conf import settings

from notifications.models import OutboundMessage
from notifications.services import messages as message_services
from recruiting.services import application_create
from tests.factories import CandidateFactory, JobFactory
from tests.support.processes import purge_broker, worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail_queue(requires_postgres, requires_redis):
    env = worker_env()
    purge_broker(env)
    yield redis.Redis.from_url(settings.CELERY_BROKER_URL)
    purge_broker(env)


def test_a_wake_up_carries_only_the_message_id(mail_queue):
    candidate = CandidateFactory(first_name="Zoë", last_name="Private", email="zoe.private@mail.example")
    application = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=None)
    message = OutboundMessage.objects.get(application=application)
    message_services.message_send_now(message=message, by=None)

    # The wake-up of "send now", and of the acknowledgment itself when it fell in business hours.
    raw = mail_queue.lrange("mail", 0, -1)
    assert 1 <= len(raw) <= 2
    for item in raw:
        envelope = json.loads(item)
        assert envelope["headers"]["task"] == "notifications.tasks.outbox.send_message"
        args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        assert (args, kwargs) == ([message.pk], {})
        text = item.decode("utf-8", "replace").lower()
        for personal in ("zoë", "zoe", "private", "mail.example"):
            assert personal not in text
