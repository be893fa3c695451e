"""People: candidates, their contact preferences and consent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

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

    class Channel(models.TextChoices):
        """How automated messages reach the candidate (docs/rules.md#candidate-wishes)."""

        EMAIL = "email", "Email"
        SMS = "sms", "Text messages"
        BOTH = "both", "Email and text messages"

    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254, db_index=True)
    # The address as compared (candidates.validators.email_key): what the one-candidate-per-address rule
    # holds to, whatever case, accents' encoding or domain form the address was typed in.
    email_key = models.CharField(max_length=320, editable=False)
    phone = models.CharField(max_length=40, blank=True)
    # The number texts go to, in E.164 (candidates.phones.mobile_clean); `phone` stays the number as typed
    # for calls. Texts need the channel, this number and a consent in force (TextConsent).
    mobile = PhoneNumberField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # Set when a text's STOP reached us from their number: no text goes until START (or a new consent).
    texts_stopped_at = models.DateTimeField(null=True, blank=True)
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
        constraints = [
            models.UniqueConstraint(fields=["email_key"], name="candidate_unique_email_key"),
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "sms", "both"]), name="candidate_channel_valid"
            ),
            # Texts need a number to go to.
            models.CheckConstraint(
                condition=models.Q(channel="email") | ~models.Q(mobile=""), name="candidate_texts_have_a_number"
            ),
        ]

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

    @property
    def accepts_automated_messages(self) -> bool:
        """An automated message can reach them: by email, or by text when their channel includes texts
        (consent in force by construction: candidates.services.texts). A candidate whose email bounced
        but who takes texts gets their safety net by text, not a call (docs/rules.md#silence-cap)."""
        return self.accepts_automated_email or self.wants_texts

    @property
    def wants_texts(self) -> bool:
        """The channel includes texts and nothing stops them; whether consent is in force is a query
        (candidates.selectors.text_consent_in_force)."""
        return (
            self.channel != self.Channel.EMAIL
            and bool(self.mobile)
            and self.texts_stopped_at is None
            and not self.do_not_contact
            and not self.automated_updates_paused
        )


class TextConsent(models.Model):
    """One change of the candidate's consent to text messages: given or withdrawn, for which number, how,
    by whom (None: the candidate themselves or the system) and when. Never edited: the latest row is the
    consent in force, the others its history (docs/rules.md#candidate-wishes)."""

    class How(models.TextChoices):
        SPOKEN = "spoken", "They said so to their recruiter (a call or a meeting)"
        WRITTEN = "written", "In writing (an email, a form, a signed document)"
        STATUS_PAGE = "status_page", "On their status page"
        KEYWORD = "keyword", "By text (STOP or START)"
        NUMBER_CHANGED = "number_changed", "Their mobile number changed"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="text_consents")
    given = models.BooleanField()
    number = PhoneNumberField(blank=True)
    how = models.CharField(max_length=20, choices=How.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["candidate", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(how__in=["spoken", "written", "status_page", "keyword", "number_changed"]),
                name="text_consent_how_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{'given' if self.given else 'withdrawn'} ({self.get_how_display()})"


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
