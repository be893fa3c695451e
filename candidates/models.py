"""People: candidates, their contact preferences and consent."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from candidates.validators import email_key
from recruiting.validators import validate_time_zone


class CandidateQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # A bulk insert skips save(): each row's address key is filled here, as save() would.
        objs = list(objs)
        for candidate in objs:
            candidate.email_key = email_key(candidate.email)
        return super().bulk_create(objs, *args, **kwargs)


class Candidate(models.Model):
    class EmailStatus(models.TextChoices):
        OK = "ok", "Deliverable"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"

    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254, db_index=True)
    # The address as compared (candidates.validators.email_key): what the one-candidate-per-address rule
    # holds to, whatever case, accents' encoding or domain form the address was typed in.
    email_key = models.CharField(max_length=320, editable=False)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_candidates")
    automated_updates_paused = models.BooleanField(default=False)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=300, blank=True)
    do_not_contact_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=20, choices=EmailStatus.choices, default=EmailStatus.OK)
    # Bumped when the candidate asks for a new link: every earlier signed link stops working.
    link_version = models.PositiveIntegerField(default=1)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The details of the records merged into this one ([{"first_name", "last_name", "email", "phone"}]):
    # the person's erasure finds what was written to them under those too.
    merged_details = models.JSONField(default=list, blank=True, editable=False)

    # The firm's applicant tracking system's id for the record (set through the API), unique when given.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # Kept by a database trigger (the api_external_ids migration) on every insert and update: the pipeline writes with
    # queryset update(), which auto_now would miss. The API's updated_since filter reads it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["last_name", "first_name"])]
        # One candidate per address, however it is typed: a second record would split their history and
        # let search list the same person twice (candidates.services.merge joins existing pairs).
        constraints = [models.UniqueConstraint(fields=["email_key"], name="candidate_unique_email_key")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.email_key = email_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def accepts_automated_email(self) -> bool:
        return (
            not self.do_not_contact and not self.automated_updates_paused and self.email_status == self.EmailStatus.OK
        )


class CandidateImport(models.Model):
    """A CSV import run in the background: the file, where the run stands and each refused row.

    The file is kept in the row so that the task gets an id only (no personal data in task arguments).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        RUNNING = "running", "Importing"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Could not be read"

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    rows = models.PositiveIntegerField(default=0)
    candidates_created = models.PositiveIntegerField(default=0)
    candidates_existing = models.PositiveIntegerField(default=0)
    applications_created = models.PositiveIntegerField(default=0)
    # Rows skipped because everything in them was already on file (a file imported again): not refused.
    already_imported = models.PositiveIntegerField(default=0)
    # [[line, reason], ...]: every refused row, for the page and the downloadable report.
    refused = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "running", "finished", "failed"]),
                name="candidate_import_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.get_status_display()})"

    @property
    def done(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)

    @property
    def imported(self) -> int:
        """Rows that added a candidate or an application (the others were refused or already imported)."""
        return max(0, self.rows - len(self.refused) - self.already_imported)
