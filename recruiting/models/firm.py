"""The firm's people and records: roles, teams, recruiter profiles, the firm's settings, the audit log and
the weekly figures.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from recruiting.validators import validate_time_zone


class Role(models.TextChoices):
    RECRUITER = "recruiter", "Recruiter"
    TEAM_LEAD = "team_lead", "Team lead"
    ADMIN = "admin", "Admin"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )

    def __str__(self) -> str:
        return self.name


class RecruiterProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RECRUITER)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    signature = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class AuditLog(models.Model):
    """Who did what, when: written in the same transaction as the change it records."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class FirmSettings(models.Model):
    """The firm's name and look on the candidate pages and in emails: one row (pk 1), edited in the admin."""

    SINGLETON_PK = 1

    firm_name = models.CharField(max_length=100, default="Inloop", help_text="Shown at the top of the candidate pages.")
    sending_name = models.CharField(
        max_length=100, default="Inloop", help_text="The name candidates see as the sender of emails."
    )
    colour = models.CharField(
        max_length=7,
        default="#1f4e79",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour like #1f4e79.")],
        help_text="The firm's colour, as #rrggbb; text on it is black or white, whichever reads better.",
    )
    # In the database, not in media storage: the pages and emails need it wherever the app runs.
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "firm settings"
        verbose_name_plural = "firm settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="firm_settings_single_row")]

    def __str__(self) -> str:
        return self.firm_name


class FigureWeek(models.Model):
    """The keep-in-the-loop figures of one week, for the firm, a team or a recruiter: the trend's data.

    Recorded through the week (recruiting.services.figure_weeks); a week's row keeps the last reading taken
    in it, so a past week shows where things stood at its end.
    """

    class Scope(models.TextChoices):
        FIRM = "firm", "Firm"
        TEAM = "team", "Team"
        RECRUITER = "recruiter", "Recruiter"

    week_start = models.DateField(help_text="The Monday of the week, in the firm's time zone.")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    # The team's or the recruiter's id; 0 for the firm (a unique constraint needs a value).
    subject_id = models.BigIntegerField(default=0)
    name = models.CharField(max_length=200)
    active = models.PositiveIntegerField(default=0)
    within_policy = models.PositiveIntegerField(default=0)
    median_days_silent = models.FloatField(null=True, blank=True)
    p90_days_silent = models.FloatField(null=True, blank=True)
    oldest_days_silent = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week_start", "scope", "subject_id"], name="figure_week_unique"),
            models.CheckConstraint(
                condition=Q(scope__in=["firm", "team", "recruiter"]), name="figure_week_scope_valid"
            ),
        ]
        indexes = [models.Index(fields=["scope", "subject_id", "week_start"])]

    def __str__(self) -> str:
        return f"{self.name}, week of {self.week_start}"

    @property
    def within_policy_percent(self) -> float | None:
        return round(100 * self.within_policy / self.active, 1) if self.active else None
