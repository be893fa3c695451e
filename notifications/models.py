"""The outbox, its attempts, suppressions, delivery events and message templates."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MessageTemplate(models.Model):
    class Code(models.TextChoices):
        ACKNOWLEDGMENT = "acknowledgment", "Application received"
        SCREENING = "screening", "Entered screening"
        SUBMITTED = "submitted", "Submitted to a client"
        INTERVIEWING = "interviewing", "Client interview"
        OFFER = "offer", "Offer"
        PLACED = "placed", "Placed"
        REJECTION_EARLY = "rejection_early", "Rejection (early stage)"
        REJECTION_LATE = "rejection_late", "Rejection with feedback (after submission)"
        WITHDRAWAL = "withdrawal", "Withdrawal acknowledged"
        CHECK_IN = "check_in", "Still in process, no news yet"
        PERSONAL = "personal", "Personal email from the recruiter"
        DIGEST = "digest", "Recruiter digest"
        STATUS_LINK = "status_link", "A fresh link to the status page"
        SAFETY_NET = "safety_net", "Safety net: no news for nearly two weeks"
        PROMISE = "promise", "A new date for the next step"
        CLIENT_CHASE = "client_chase", "Feedback request to a hiring manager"
        WEBHOOK_SWITCHED_OFF = "webhook_switched_off", "A webhook switched off after repeated failures (to admins)"

    code = models.CharField(max_length=50, choices=Code.choices, unique=True)
    subject = models.CharField(max_length=250)
    # The one source: the HTML part of each email is made from the rendered text.
    body_text = models.TextField()
    # The short text message of this kind, for candidates who hear from us by text (blank: no text of
    # this kind; notifications.services.texts_outbox).
    sms_body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()


class MessageStatus(models.TextChoices):
    HELD = "held", "Held for review"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"
    SUPPRESSED = "suppressed", "Suppressed"
    CANCELLED = "cancelled", "Cancelled"
    # An edited message whose stated date had passed when it was due: back with its recruiter, not sent.
    RETURNED = "returned", "Back with its recruiter"


# The messages the outbox lists: to candidates, and feedback requests to hiring managers (digests to recruiters
# are not the outbox's).
OUTBOX = Q(candidate__isnull=False) | Q(template_code="client_chase")


class OutboundMessage(models.Model):
    """One message owed to someone, an email or a text. The row is the truth; a Celery message is only a
    hint to look."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    Status = MessageStatus

    candidate = models.ForeignKey(
        "candidates.Candidate", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    application = models.ForeignKey(
        "recruiting.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # The recruiter a digest goes to (digests have no candidate).
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="digests"
    )
    stage_change = models.ForeignKey(
        "recruiting.StageChange", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    template_code = models.CharField(max_length=50)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    # Made from body_text by rendering.text_to_html, never written by hand.
    body_html = models.TextField(blank=True)
    # Blank for a text: it goes to `to_number`.
    to_address = models.EmailField(max_length=254, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # A text's number (E.164), read from the candidate when the row was written.
    to_number = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    send_after = models.DateTimeField(default=timezone.now)
    # The time zone whose business hours the message must go out in; blank when any hour will do.
    send_window_tz = models.CharField(max_length=64, blank=True)
    # The moment it must have gone by (the safety net's, before two weeks of silence): a late message is
    # never moved to business hours past it.
    must_send_by = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=200, blank=True)
    # Set just before the message is handed to the mail server. A lease that expires with this set and no
    # outcome recorded means the worker died mid-conversation: the message may have gone out (unknown).
    handover_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    # An answer to a reply of the candidate's: that reply's Message-ID, and the chain of the thread ending
    # with it (the In-Reply-To and References headers), so that it threads in the candidate's mail.
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    # When the mail server accepted it. The sending worker notes it (status still `sending`) in the same
    # statement that marks the next hand-over, before the message is recorded `sent` with its group: the
    # relay records a message with a lapsed lease and this set as sent, not as unknown.
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a person changed the text: from then on it is sent as written, never rendered again.
    edited_at = models.DateTimeField(null=True, blank=True)
    # Set while this automated message goes out inside another one to the same candidate (one email a
    # day): it shares that message's hand-over, Message-ID and outcome.
    combined_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="combined_members"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_valid")
        ]
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(status__in=["held", "queued"]),
                name="message_due_idx",
            ),
            models.Index(fields=["lease_expires_at"], condition=Q(status="sending"), name="message_lease_idx"),
            models.Index(fields=["application", "status"]),
            # The outbox's count of each status tab (workspace.selectors.outbox_all: messages to candidates and
            # hiring managers, not recruiters' digests), read from the index alone.
            models.Index(fields=["status"], condition=OUTBOX, name="message_outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template_code} to message #{self.pk} ({self.status})"


class MessageAttempt(models.Model):
    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        TRANSIENT = "transient", "Temporary failure, will retry"
        PERMANENT = "permanent", "Permanent failure"
        UNKNOWN = "unknown", "Connection lost after hand-over"

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class Suppression(models.Model):
    class Reason(models.TextChoices):
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained"
        REJECTED = "rejected", "Rejected by the provider"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField(max_length=254, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class TrackingEvent(models.Model):
    """A delivery event from the mail provider, kept once per provider event id."""

    event_id = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=30)
    recipient = models.EmailField(max_length=254, blank=True)
    message = models.ForeignKey(OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=timezone.now)
    description = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class InboundMessage(models.Model):
    """An email that came back to us (a reply, an automatic answer, a delivery report), kept whatever
    became of it: matched to the message it answers and put on the timeline, or rejected with the reason."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    received_at = models.DateTimeField(default=timezone.now)
    # How it reached us: "pipe" (receive_email) or "webhook:<provider>".
    source = models.CharField(max_length=40)
    # A digest of the raw source: the same email delivered twice is kept once.
    digest = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=254, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    sent_date = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    header_message_id = models.CharField(max_length=250, blank=True)
    # The new words only: quoted history and signature removed.
    text = models.TextField(blank=True)
    # The start of the raw source, for the audit (capped at INLOOP_INBOUND_RAW_KEEP_BYTES).
    raw = models.BinaryField(blank=True)
    raw_size = models.PositiveIntegerField(default=0)
    attachments = models.PositiveSmallIntegerField(default=0)
    automatic = models.BooleanField(default=False)
    # False when the sender is not the candidate's address on file (shown as such).
    from_candidate = models.BooleanField(default=False)
    # True when the sender is proven (the signed reply address of a message we sent, and no DMARC failure):
    # only a verified reply owes an answer or stops a client's clock. An unverified one says why in `reason`.
    verified = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    application = models.ForeignKey(
        "recruiting.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="inbound_emails"
    )
    contact = models.OneToOneField(
        "recruiting.ContactEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_email"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["accepted", "rejected"]), name="inbound_status_valid"),
            models.CheckConstraint(
                condition=Q(status="rejected") | Q(application__isnull=False), name="inbound_accepted_has_application"
            ),
        ]
        indexes = [models.Index(fields=["application", "-received_at"])]

    def __str__(self) -> str:
        return f"inbound #{self.pk} ({self.status})"


class TextDelivery(models.Model):
    """A text handed to the SMS provider (or written to a file in the embedded mode) and what became of
    it, as its status callbacks tell: the delivery truth of texts (docs/rules.md#news-owed: told means
    delivered). A status never moves back: a late "sent" after "delivered" changes nothing."""

    class Purpose(models.TextChoices):
        MESSAGE = "message", "A message to the candidate"
        HELP_ANSWER = "help_answer", "The answer to a HELP"

    provider_id = models.CharField(max_length=64, unique=True)
    backend = models.CharField(max_length=20)
    # E.164; emptied when the candidate is erased.
    to_number = models.CharField(max_length=20, blank=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    candidate = models.ForeignKey(
        "candidates.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="text_deliveries"
    )
    # The outbox row this text sent, when it was one (its statuses are that message's delivery truth).
    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="text_deliveries"
    )
    segments = models.PositiveSmallIntegerField(default=1)
    encoding = models.CharField(max_length=10)
    status = models.CharField(max_length=20, default="queued")
    error_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"text {self.provider_id} ({self.status})"


class InboundText(models.Model):
    """A text that reached us, kept whatever became of it: a STOP, START or HELP acted on, a reply put
    on the candidate's timeline, or kept attached to nobody (an unknown number) with the reason."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "On a timeline"
        KEYWORD = "keyword", "A keyword acted on"
        KEPT = "kept", "Kept, attached to nobody"

    # The provider's id: the same text posted twice is kept once.
    provider_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    from_number = models.CharField(max_length=20, blank=True)
    to_number = models.CharField(max_length=20, blank=True)
    body = models.TextField(blank=True)
    # "stop", "start" or "help" when the text was one of those keywords.
    keyword = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    candidate = models.ForeignKey(
        "candidates.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_texts"
    )
    application = models.ForeignKey(
        "recruiting.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_texts"
    )
    contact = models.OneToOneField(
        "recruiting.ContactEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_text"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["accepted", "keyword", "kept"]), name="inbound_text_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["candidate", "-received_at"])]

    def __str__(self) -> str:
        return f"inbound text #{self.pk} ({self.status})"


class TextStop(models.Model):
    """A number that texted STOP: no text goes to it until it texts START, whoever it belongs to
    (docs/rules.md#candidate-wishes). The number is kept as a SHA-256 digest of its E.164 form, so the
    list outlives a person's erasure without keeping their number readable."""

    number_digest = models.CharField(max_length=64, unique=True)
    keyword = models.CharField(max_length=20)
    stopped_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"stopped ({self.keyword})"
