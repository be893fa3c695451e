"""Clients, their hiring managers, their jobs and the job closings asked from the job page."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from recruiting.models.stages import Stage
from recruiting.validators import validate_time_zone


class Client(models.Model):
    name = models.CharField(max_length=200, unique=True)
    industry = models.CharField(max_length=100, blank=True, help_text="Shown to candidates instead of the name.")
    name_visible_before_submission = models.BooleanField(
        default=False, help_text="Candidates may see the client's name before they are submitted to it."
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The firm's applicant tracking system's id for the record (set through the API), unique when given.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Kept by a database trigger (the api_external_ids migration) on every insert and update: the pipeline writes with
    # queryset update(), which auto_now would miss. The API's updated_since filter reads it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.name


class HiringManager(models.Model):
    """A person at a client who decides on the candidates we put forward, and owes us their answer."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="hiring_managers")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    do_not_email = models.BooleanField(default=False, help_text="Never chase this person by email; call instead.")
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The firm's applicant tracking system's id for the record (set through the API), unique when given.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Kept by a database trigger (the api_external_ids migration) on every insert and update: the pipeline writes with
    # queryset update(), which auto_now would miss. The API's updated_since filter reads it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "client", Lower("email"), condition=Q(erased_at__isnull=True), name="hiring_manager_unique_email"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client})"


class JobStatus(models.TextChoices):
    OPEN = "open", "Open"
    ON_HOLD = "on_hold", "On hold"
    FILLED = "filled", "Filled"
    CLOSED = "closed", "Closed"


class Job(models.Model):
    Status = JobStatus

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="jobs")
    title = models.CharField(max_length=200)
    location = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_jobs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    # Who at the client answers for this job's candidates (and is chased for that answer).
    hiring_managers = models.ManyToManyField(HiringManager, blank=True, related_name="jobs")
    # The firm's applicant tracking system's id for the record (set through the API), unique when given.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Kept by a database trigger (the api_external_ids migration) on every insert and update: the pipeline writes with
    # queryset update(), which auto_now would miss. The API's updated_since filter reads it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_valid")]

    def __str__(self) -> str:
        return f"{self.title} ({self.client})"


class JobClosing(models.Model):
    """A request to close a job, written with the request before any work starts: the database holds the
    work, the task message is only a hint. The closings relay (beat) hands a closing to a worker again
    while it has not started (the broker was down) or has stalled (its worker stopped), and a closing
    that finished is never run again; the closing itself moves each application once, whatever the
    number of runs."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="closings")
    close_id = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Stage.choices)
    notify = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)
    # When a task message was last sent for it (by the request, then by the relay).
    handed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["handed_at"], condition=Q(finished_at__isnull=True), name="job_closing_unfinished")
        ]

    def __str__(self) -> str:
        return f"Closing of job #{self.job_id} ({self.close_id})"
