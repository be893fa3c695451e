"""API keys, the replay store of Idempotency-Key requests, and webhook subscriptions, events and deliveries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiKey(models.Model):
    """A key the firm's applicant tracking system signs in with; it acts as its user (docs/rules.md#ats-is-a-user).

    Only a hash of the key is kept: the key itself is shown once, when it is made. The prefix (the key's
    first characters) finds the row and names the key in lists and audit rows.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def label(self) -> str:
        return f"{self.prefix}/{self.name}"


class IdempotentRequest(models.Model):
    """A POST sent with an Idempotency-Key: the request's hash and the answer, replayed when it comes again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_once_per_user_key")]

    def __str__(self) -> str:
        return f"Idempotency-Key {self.key}"


class IdempotentAnswerCandidate(models.Model):
    """A candidate a kept answer is about (its body holds their data), so that erasing the candidate erases
    the answer too (api.idempotency.idempotency_answers_erase)."""

    answer = models.ForeignKey(IdempotentRequest, on_delete=models.CASCADE, related_name="candidates")
    candidate_id = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "candidate_id"], name="idempotent_answer_candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.answer} about candidate #{self.candidate_id}"


class WebhookSubscription(models.Model):
    """An address at the firm that is told, signed (Standard Webhooks), when something it listens to happens."""

    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    # Kept to sign with; shown once, when the subscription is made.
    secret = models.CharField(max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)
    # Deliveries given up in a row; at WEBHOOK_FAILURES_TO_SWITCH_OFF the subscription is switched off.
    failures_in_row = models.PositiveIntegerField(default=0)
    switched_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """Something that happened, written in the transaction of the change it reports; the delivery task
    sends it from here, so an event is never lost when the broker is down."""

    public_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.public_id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be delivered"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once_per_subscription"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]), name="webhook_delivery_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription}"
