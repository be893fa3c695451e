"""The admins' integrations pages: API keys (the key shown once, revoked, last use), webhook subscriptions
(the secret shown once, edited, switched off or on), the delivery log with a redeliver button, and the
notice of a subscription switched off after repeated failures, here and on the home page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from api.keys import api_key_authenticate, api_key_create
from api.models import ApiKey, WebhookDelivery, WebhookEvent, WebhookSubscription
from api.webhooks import WEBHOOK_FAILURES_TO_SWITCH_OFF, webhook_subscription_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "https://ats.example.com/hooks/inloop"
PAGE_BUDGET = 12


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def subscription(admin_user):
    return webhook_subscription_create(url=URL, event_types=["application.moved"], by=admin_user)


def _delivery(subscription, status=WebhookDelivery.Status.FAILED):
    event = WebhookEvent.objects.create(public_id=f"msg_{WebhookEvent.objects.count()}", event_type="x", payload={})
    return WebhookDelivery.objects.create(event=event, subscription=subscription, status=status, attempts=3)


def _pages(subscription=None, delivery=None):
    pages = [("get", reverse("api_keys")), ("post", reverse("api_keys")), ("get", reverse("webhooks"))]
    pages.append(("post", reverse("webhooks")))
    if subscription is not None:
        pages += [("get", reverse("webhook_edit", args=[subscription.pk]))]
        pages += [("post", reverse("webhook_edit", args=[subscription.pk]))]
    if delivery is not None:
        pages += [("post", reverse("webhook_redeliver", args=[delivery.pk]))]
    return pages


@pytest.mark.parametrize("role", ["recruiter", "team_lead"])
def test_everyone_but_an_admin_is_refused_every_page(client, role, subscription):
    user = UserFactory(profile__role=role)
    made = api_key_create(user=user, name="Mine", by=None)
    client.force_login(user)
    pages = _pages(subscription, _delivery(subscription))
    pages.append(("post", reverse("api_key_revoke", args=[made.api_key.pk])))
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 403, url
    assert api_key_authenticate(made.key) is not None
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED


def test_the_navbar_links_the_pages_for_admins_only(client, admin_client, recruiter):
    assert reverse("api_keys") in admin_client.get(reverse("home")).text
    client.force_login(recruiter)
    assert reverse("api_keys") not in client.get(reverse("home")).text


def test_an_admin_makes_a_key_sees_it_once_and_revokes_it(admin_client, recruiter, django_assert_max_num_queries):
    made = admin_client.post(reverse("api_keys"), {"user": recruiter.pk, "name": "Bullhorn sync"})
    assert made.status_code == 200
    key = made.context["made"].key
    assert key in made.text and api_key_authenticate(key).user == recruiter
    with django_assert_max_num_queries(PAGE_BUDGET):
        listed = admin_client.get(reverse("api_keys"))
    assert "Bullhorn sync" in listed.text and key not in listed.text
    api_key = ApiKey.objects.get()
    assert api_key.last_used_at is not None
    admin_client.post(reverse("api_key_revoke", args=[api_key.pk]))
    assert api_key_authenticate(key) is None
    assert "revoked" in admin_client.get(reverse("api_keys")).text


def test_a_key_needs_a_name(admin_client, recruiter):
    refused = admin_client.post(reverse("api_keys"), {"user": recruiter.pk, "name": " "})
    assert refused.status_code == 400 and not ApiKey.objects.exists()


def test_an_admin_subscribes_sees_the_secret_once_and_edits_it(admin_client, django_assert_max_num_queries):
    made = admin_client.post(reverse("webhooks"), {"url": URL, "event_types": ["message.sent", "prompt.opened"]})
    assert made.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in made.text and subscription.event_types == ["message.sent", "prompt.opened"]
    with django_assert_max_num_queries(PAGE_BUDGET):
        listed = admin_client.get(reverse("webhooks"))
    assert URL in listed.text and subscription.secret not in listed.text
    edited = admin_client.post(
        reverse("webhook_edit", args=[subscription.pk]),
        {"url": URL + "/v2", "event_types": ["candidate.paused"], "active": ""},
    )
    assert edited.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.event_types, subscription.active) == (
        URL + "/v2",
        ["candidate.paused"],
        False,
    )
    refused = admin_client.post(reverse("webhooks"), {"url": "ftp://ats.example.com/", "event_types": ["x"]})
    assert refused.status_code == 400 and WebhookSubscription.objects.count() == 1


def test_the_delivery_log_and_its_redeliver_button(admin_client, subscription, django_assert_max_num_queries):
    for _ in range(3):
        failed = _delivery(subscription)
    with django_assert_max_num_queries(PAGE_BUDGET):
        log = admin_client.get(reverse("webhook_edit", args=[subscription.pk]))
    assert log.text.count("Redeliver") == 3
    admin_client.post(reverse("webhook_redeliver", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == WebhookDelivery.Status.PENDING and failed.next_attempt_at <= timezone.now()


def test_a_subscription_switched_off_after_failures_is_shown_to_admins_until_switched_on(
    admin_client, client, subscription, recruiter
):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, failures_in_row=WEBHOOK_FAILURES_TO_SWITCH_OFF, switched_off_at=timezone.now()
    )
    assert "webhooks-switched-off" in admin_client.get(reverse("home")).text
    assert "webhooks-switched-off" in admin_client.get(reverse("webhooks")).text
    client.force_login(recruiter)
    assert "webhooks-switched-off" not in client.get(reverse("home")).text
    admin_client.force_login(UserFactory(profile__role="admin"))
    admin_client.post(
        reverse("webhook_edit", args=[subscription.pk]),
        {"url": URL, "event_types": ["application.moved"], "active": "on"},
    )
    assert "webhooks-switched-off" not in admin_client.get(reverse("home")).text
