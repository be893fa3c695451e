"""The client side of an application: chases sent to a hiring manager and the answers they gave."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from recruiting.models.applications import Application
from recruiting.models.clients import HiringManager
from recruiting.models.stages import Stage


class ClientAnswerKind(models.TextChoices):
    MOVE_FORWARD = "move_forward", "Move forward"
    NOT_A_FIT = "not_a_fit", "Not a fit"
    MORE_TIME = "more_time", "Needs more time"


class ClientChase(models.Model):
    """One due client answer put to one hiring manager: at most once per application and due step."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="client_chases")
    hiring_manager = models.ForeignKey(HiringManager, on_delete=models.CASCADE, related_name="chases")
    due_at = models.DateTimeField()
    at = models.DateTimeField(default=timezone.now)
    # The email that carried it (several candidates share one); null when it could not be emailed.
    message = models.ForeignKey(
        "notifications.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "hiring_manager", "due_at"], name="client_chase_once_per_due_step"
            )
        ]

    def __str__(self) -> str:
        return f"Chase of {self.hiring_manager} for application #{self.application_id}"


class ClientAnswer(models.Model):
    """What a hiring manager answered about one application, from their one-click page."""

    Kind = ClientAnswerKind

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="client_answers")
    hiring_manager = models.ForeignKey(
        HiringManager, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The step answered: after the submission, or after a client interview (the figures tell them apart).
    stage = models.CharField(max_length=20, choices=Stage.choices)
    # Since when the client owed it (for the figures), and the due step it settles: one answer per step.
    asked_at = models.DateTimeField()
    due_at = models.DateTimeField()
    at = models.DateTimeField(default=timezone.now)
    next_step = models.CharField(max_length=200, blank=True)
    next_step_date = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "due_at"], name="client_answer_once_per_step"),
            models.CheckConstraint(condition=Q(kind__in=ClientAnswerKind.values), name="client_answer_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for application #{self.application_id}"
