"""What the keep-in-the-loop clock is computed from (stage policies, firm holidays) and the prompts it
raises for recruiters.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from recruiting.models.applications import Application
from recruiting.models.stages import Stage


class StagePolicy(models.Model):
    """Per stage: how long a candidate may go without news, and whether the candidate is notified on entry."""

    stage = models.CharField(max_length=20, choices=Stage.choices, unique=True)
    max_silent_business_days = models.PositiveSmallIntegerField(default=5)
    grace_business_days = models.PositiveSmallIntegerField(default=1)
    escalate_after_business_days = models.PositiveSmallIntegerField(default=2)
    notify_candidate = models.BooleanField(default=True)
    template_code = models.CharField(max_length=50, blank=True)
    hold_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How long the stage's email waits before it goes. Empty: the stage's default "
        "(INLOOP_HOLD_MINUTES; INLOOP_REJECTION_HOLD_MINUTES, 24 hours, for rejections).",
    )
    feedback_due_business_days = models.PositiveSmallIntegerField(
        default=3,
        help_text="After a rejection from this stage once the client has seen the candidate: business days "
        "until the recruiter's personal feedback is due.",
    )

    class Meta:
        verbose_name_plural = "stage policies"

    def __str__(self) -> str:
        return f"Policy for {self.get_stage_display()}"


class FirmHoliday(models.Model):
    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class PromptReason(models.TextChoices):
    OVERDUE = "overdue", "Update overdue"
    FEEDBACK_OWED = "feedback_owed", "Feedback owed after a late rejection"
    DELIVERY_FAILED = "delivery_failed", "Email bounced or failed"
    CANDIDATE_ASKED = "candidate_asked", "Candidate asked for an update"
    OUTCOME_UNKNOWN = "outcome_unknown", "Message outcome unknown"
    REPLY_OWED = "reply_owed", "The candidate wrote: a reply is owed"
    SAFETY_NET = "safety_net", "Two weeks without news near: call the candidate"
    CLIENT_SILENT = "client_silent", "Client has not answered: call them"
    CLIENT_ANSWERED = "client_answered", "Client answered: review"


# Prompts that escalate to the team lead when nobody acts: overdue ones at the application's escalate_at,
# the others at their own escalate_at.
ESCALATING_REASONS = (
    PromptReason.OVERDUE,
    PromptReason.FEEDBACK_OWED,
    PromptReason.DELIVERY_FAILED,
    PromptReason.REPLY_OWED,
)


class RecruiterPrompt(models.Model):
    """Someone at the firm owes a candidate something; open until resolved, at most one per reason.

    The clock's own work item: opened, settled, snoozed, escalated and reassigned only by
    recruiting.services.prompts."""

    Reason = PromptReason

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="prompts")
    recruiter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompts")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=300, blank=True)
    # When the team lead is told, for the reasons that escalate other than overdue (whose moment is the
    # application's escalate_at, which follows its clock).
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The two optional keys are indexed only where set (the indexes below): most prompts have neither, and
    # the overdue scan opens thousands at once, each paying for every index it enters.
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)
    # The email the prompt is about (one that bounced or whose outcome is unknown), or the check-in queued
    # to settle it.
    message = models.ForeignKey(
        "notifications.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reason"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_prompt_per_application_and_reason",
            ),
            models.CheckConstraint(condition=Q(reason__in=PromptReason.values), name="prompt_reason_valid"),
        ]
        indexes = [
            models.Index(fields=["recruiter", "due_at"], condition=Q(resolved_at__isnull=True), name="prompt_open_idx"),
            models.Index(
                fields=["escalated_to"], condition=Q(escalated_to__isnull=False), name="prompt_escalated_to_idx"
            ),
            models.Index(fields=["message"], condition=Q(message__isnull=False), name="prompt_message_idx"),
            # The scan's escalation pass reads only open, not yet escalated prompts of the reasons that escalate.
            models.Index(
                fields=["due_at"],
                condition=Q(resolved_at__isnull=True, escalated_at__isnull=True, reason__in=ESCALATING_REASONS),
                name="prompt_escalation_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(resolved_at__isnull=True, escalated_at__isnull=True, reason="client_silent"),
                name="prompt_client_escalation_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} for application #{self.application_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
