"""Webhooks: subscriptions for admins, events written with the move they report, deliveries signed as
Standard Webhooks says and verified by a real local receiver with the standardwebhooks package, retried
with the same webhook-id, never to a private address unless allowed."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks import Webhook

from api.models import WebhookDelivery, WebhookEvent
from api.webhooks import WEBHOOK_FAILURES_TO_SWITCH_OFF, webhook_subscription_create, webhooks_relay
from recruiting.models import AuditLog, Stage
from tests.api.conftest import assert_problem
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST, answering `status` (503 while 'down')."""

    def __init__(self):
        received = self.received = []
        receiver = self
        self.status = 204

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body.decode()))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/inloop"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver(settings):
    settings.INLOOP_WEBHOOKS_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()


def test_admins_subscribe_and_see_the_secret_once(api_for, admin_user, recruiter, receiver):
    api = api_for(admin_user)
    made = api.post("/webhooks", {"url": receiver.url, "event_types": ["application.moved"]})
    assert made.status_code == 201, made.content
    assert made.json()["secret"].startswith("whsec_")
    read = api.get(f"/webhooks/{made.json()['id']}").json()
    assert "secret" not in read and read["event_types"] == ["application.moved"]
    assert_problem(api_for(recruiter).get("/webhooks"), 403)
    assert_problem(
        api_for(recruiter).post("/webhooks", {"url": receiver.url, "event_types": ["application.moved"]}), 403
    )
    assert_problem(api.post("/webhooks", {"url": receiver.url, "event_types": ["nothing.happened"]}), 422)


def test_a_move_is_delivered_signed_and_verified_by_the_receiver(api_for, recruiter, admin_user, receiver):
    subscription = webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING, external_id="APP-9")
    response = api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "submitted"})
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.event_type == "application.moved" and event.payload["to_stage"] == "submitted"

    assert webhooks_relay() == 1
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    verified = Webhook(subscription.secret).verify(body, headers)
    assert verified["type"] == "application.moved"
    assert verified["data"]["application_external_id"] == "APP-9"
    assert verified["data"]["from_stage"] == "screening"
    assert headers["webhook-id"] == event.public_id
    with pytest.raises(Exception):  # noqa: B017 (the package raises its own WebhookVerificationError)
        Webhook(subscription.secret).verify(body.replace("submitted", "placed"), headers)
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED
    # Delivered once: the relay finds nothing more.
    assert webhooks_relay() == 0 and len(receiver.received) == 1


def test_the_receiver_down_then_back_gets_each_event_once_with_the_same_id(recruiter, admin_user, receiver):
    webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    from recruiting.services import application_move

    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter)
    receiver.status = 503
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert webhooks_relay() == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING and delivery.last_status_code == 503
        # Not due again before its backoff.
        assert webhooks_relay() == 0
        clock.shift(timedelta(seconds=31))
        assert webhooks_relay() == 1
        delivery.refresh_from_db()
        assert delivery.attempts == 2 and delivery.next_attempt_at > timezone.now() + timedelta(seconds=59)
        receiver.status = 200
        clock.shift(timedelta(minutes=2))
        assert webhooks_relay() == 1
        assert webhooks_relay() == 0
    ids = {headers["webhook-id"] for headers, _body in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_a_refused_move_writes_no_event(api_for, recruiter, admin_user, receiver):
    webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    assert_problem(api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "screening"}), 422)
    assert not WebhookEvent.objects.exists()


def test_nobody_listening_writes_nothing(recruiter):
    from recruiting.services import application_move

    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter)
    assert not WebhookEvent.objects.exists()


def test_no_delivery_to_a_loopback_address_unless_allowed(recruiter, admin_user, receiver, settings):
    webhook_subscription_create(url=receiver.url, event_types=["application.created"], by=admin_user)
    settings.INLOOP_WEBHOOKS_ALLOW_PRIVATE = False
    from recruiting.services import application_create

    application = ApplicationFactory.build(candidate__owner=recruiter)
    application.candidate.owner.save()
    application.candidate.save()
    application.job.client.save()
    application.job.owner.save()
    application.job.save()
    application_create(candidate=application.candidate, job=application.job, by=None)
    assert webhooks_relay() == 1
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert "private, loopback or link-local" in delivery.last_error
    assert delivery.status == WebhookDelivery.Status.PENDING


def test_given_up_after_three_days_and_switched_off_after_repeated_failures(recruiter, admin_user, receiver):
    subscription = webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    receiver.status = 500
    from recruiting.services import application_move

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(WEBHOOK_FAILURES_TO_SWITCH_OFF):
            application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
            application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter, notify=False)
        for _ in range(40):
            webhooks_relay()
            clock.shift(timedelta(hours=3))
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {WebhookDelivery.Status.FAILED}
    subscription.refresh_from_db()
    assert not subscription.active and subscription.switched_off_at is not None
    assert AuditLog.objects.filter(action="webhook.switched_off", object_id=subscription.pk).exists()
    first = WebhookDelivery.objects.order_by("id").first()
    assert first.attempts > 5 and first.last_status_code == 500


def test_the_delivery_log_and_a_redelivery(api_for, recruiter, admin_user, receiver):
    api = api_for(admin_user)
    subscription = webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    api.post(f"/applications/{application.pk}/move", {"stage": "submitted", "notify": False})
    webhooks_relay()
    log = api.get(f"/webhooks/{subscription.pk}/deliveries").json()
    assert [entry["status"] for entry in log] == ["delivered"]
    again = api.post(f"/webhooks/deliveries/{log[0]['id']}/redeliver")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    webhooks_relay()
    assert [json.loads(body)["type"] for _headers, body in receiver.received] == ["application.moved"] * 2
    assert len({headers["webhook-id"] for headers, _body in receiver.received}) == 1


def test_the_admin_lists_keys_and_revokes_them_through_the_service(api_for, admin_user, recruiter, client):
    from django.urls import reverse

    api = api_for(recruiter)
    client.force_login(admin_user)
    changelist = reverse("admin:api_apikey_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(changelist, {"action": "revoke", "_selected_action": [api.api_key.pk]})
    assert response.status_code == 302
    api.api_key.refresh_from_db()
    assert api.api_key.revoked_at is not None
    assert AuditLog.objects.filter(action="api_key.revoke", object_id=api.api_key.pk, actor=admin_user).exists()
    assert_problem(api.get("/jobs"), 401)
    for name in ("admin:api_webhooksubscription_changelist", "admin:api_webhookdelivery_changelist"):
        assert client.get(reverse(name)).status_code == 200


def test_the_beat_entries_name_registered_tasks_that_run(recruiter, admin_user, receiver):
    from inloop.celery import app

    webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    from recruiting.services import application_move

    application_move(
        application=ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING),
        to_stage=Stage.SUBMITTED,
        by=recruiter,
    )
    app.loader.import_default_modules()
    relay = app.tasks[app.conf.beat_schedule["relay-webhooks"]["task"]]
    assert relay.apply().get() == 1
    assert len(receiver.received) == 1
    purge = app.tasks[app.conf.beat_schedule["purge-idempotency-keys"]["task"]]
    assert purge.apply().get() == 0


def test_with_the_broker_down_the_move_commits_and_the_relay_delivers_its_event(
    api_for, recruiter, admin_user, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    from inloop.celery import app

    refused = []

    def broker_down(name, *args, **kwargs):
        refused.append(name)
        raise ConnectionError("the broker is not answering")

    monkeypatch.setattr(app, "send_task", broker_down)
    webhook_subscription_create(url=receiver.url, event_types=["application.moved"], by=admin_user)
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "submitted"})
    assert response.status_code == 200, response.content
    assert "api.tasks.webhook_deliver" in refused
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED
    assert receiver.received == [] and WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING
    assert webhooks_relay() == 1
    assert json.loads(receiver.received[0][1])["data"]["to_stage"] == "submitted"
