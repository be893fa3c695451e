"""Applications and their history: stage changes, contacts and the safety nets of a long silence."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from recruiting.models.clients import Job
from recruiting.models.stages import ACTIVE_STAGES, CLOSED_STAGES, Stage

# Live: in an open stage (the condition of the indexes the live counts read).
LIVE = Q(stage__in=ACTIVE_STAGES)


class Application(models.Model):
    candidate = models.ForeignKey("candidates.Candidate", on_delete=models.CASCADE, related_name="applications")
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_applications")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    promised_next_step_date = models.DateField(null=True, blank=True)
    last_informed_at = models.DateTimeField(null=True, blank=True)
    # Null when no update is owed: closed, or the candidate asked not to be contacted.
    next_update_due = models.DateTimeField(null=True, blank=True, db_index=True)
    # The later steps of the same schedule (policy.silence_schedule), null with next_update_due: when the
    # team lead is told, and when the safety net acts.
    escalate_at = models.DateTimeField(null=True, blank=True)
    safety_net_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The client's answer (docs/rules.md#client-owes), written only by recruiting.services.clients: since when the
    # client owes one, by when (null when it owes none), the date the client itself promised, when the due step
    # was chased, and when the client last answered.
    client_asked_at = models.DateTimeField(null=True, blank=True)
    client_answer_due = models.DateTimeField(null=True, blank=True)
    client_promised_date = models.DateField(null=True, blank=True)
    client_chased_at = models.DateTimeField(null=True, blank=True)
    client_answered_at = models.DateTimeField(null=True, blank=True)
    # The firm's applicant tracking system's id for the record (set through the API), unique when given.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Kept by a database trigger (the api_external_ids migration) on every insert and update: the pipeline writes with
    # queryset update(), which auto_now would miss. The API's updated_since filter reads it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "job"], name="application_unique_candidate_job"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="application_stage_valid"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(stage__in=CLOSED_STAGES),
                name="application_closed_only_in_closed_stage",
            ),
        ]
        indexes = [
            models.Index(fields=["job", "stage"]),
            models.Index(fields=["owner", "stage"]),
            # The chase reads only answers that are owed and not yet chased; the call prompt, chased ones.
            models.Index(
                fields=["client_answer_due"],
                condition=Q(client_answer_due__isnull=False, client_chased_at__isnull=True),
                name="application_client_due_idx",
            ),
            models.Index(
                fields=["client_chased_at"],
                condition=Q(client_answer_due__isnull=False, client_chased_at__isnull=False),
                name="application_client_chased_idx",
            ),
            # The pipeline list sorted by days silent (workspace/tables.py), read in index order.
            models.Index(Coalesce("last_informed_at", "created_at"), "id", name="application_silent_since"),
            # The live and overdue counts of each job (the jobs table) and of each recruiter (the team page),
            # read from the index alone: a count touches the live applications of its job or its recruiter,
            # never the table's rows.
            models.Index(fields=["job", "next_update_due"], condition=LIVE, name="application_live_job_due"),
            models.Index(fields=["owner", "next_update_due"], condition=LIVE, name="application_live_owner_due"),
            # The pipeline list filtered by stage (and overdue), counted and sorted by next update from the index.
            models.Index(fields=["stage", "next_update_due"], name="application_stage_due_idx"),
            # Colleagues' new applications on a recruiter's jobs, newest first (the home page): a page of them is
            # sorted from the index alone.
            models.Index(
                fields=["job", "created_at"],
                condition=Q(stage=Stage.NEW),
                include=["owner", "id"],
                name="application_new_on_job_idx",
            ),
            # The overdue scan's escalation pass: the applications whose second step has come, read from here
            # rather than by probing the application of every open overdue prompt.
            models.Index(
                fields=["escalate_at"], condition=Q(escalate_at__isnull=False), name="application_escalate_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} for {self.job}"

    @property
    def is_active(self) -> bool:
        return self.stage in ACTIVE_STAGES

    @property
    def outcome(self) -> str:
        return self.stage if self.stage in CLOSED_STAGES else ""


class StageChange(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    next_step_date = models.DateField(null=True, blank=True)
    notify = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["application", "-at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} -> {self.to_stage}"


class ContactEvent(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        PHONE = "phone", "Phone"
        MEETING = "meeting", "Meeting"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "To the candidate"
        INBOUND = "inbound", "From the candidate"
        INTERNAL = "internal", "Internal note"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    direction = models.CharField(max_length=20, choices=Direction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)
    summary = models.TextField(blank=True)
    # Set when the contact is an outbox message that was sent.
    message = models.OneToOneField(
        "notifications.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    # False once the mail provider reported the email bounced or was marked as spam: it stays on the
    # timeline, but it told the candidate nothing (told means delivered: docs/rules.md#news-owed).
    delivered = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["application", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_direction_display()}"

    @property
    def informs_candidate(self) -> bool:
        return self.direction == self.Direction.OUTBOUND and self.delivered


class SafetyNet(models.Model):
    """The safety net of one silence acted on: at most one per application and last-told moment (T0).

    The scan inserts the row before it acts (ON CONFLICT DO NOTHING), so two scans at once act once.
    """

    class Kind(models.TextChoices):
        # Stored as "email", the only channel when it was named: the value stays, the name says what it is.
        MESSAGE = "email", "Automated message to the candidate"
        PERSONAL = "personal", "Team lead and admins told to call"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="safety_nets")
    silence_started_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    acted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "silence_started_at"], name="one_safety_net_per_silence"),
            models.CheckConstraint(condition=Q(kind__in=["email", "personal"]), name="safety_net_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"Safety net for application #{self.application_id}"
