"""The pipeline: clients, jobs, applications and their history, and the keep-in-the-loop clock."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from recruiting.validators import validate_time_zone


class Role(models.TextChoices):
    RECRUITER = "recruiter", "Recruiter"
    TEAM_LEAD = "team_lead", "Team lead"
    ADMIN = "admin", "Admin"


class Stage(models.TextChoices):
    NEW = "new", "New"
    SCREENING = "screening", "Screening"
    SUBMITTED = "submitted", "Submitted to client"
    INTERVIEWING = "interviewing", "Client interview"
    OFFER = "offer", "Offer"
    PLACED = "placed", "Placed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The pipeline's order; the closed outcomes stand outside it.
PIPELINE = (Stage.NEW, Stage.SCREENING, Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER, Stage.PLACED)
ACTIVE_STAGES = (Stage.NEW, Stage.SCREENING, Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER)
CLOSED_STAGES = (Stage.PLACED, Stage.REJECTED, Stage.WITHDRAWN)
# Stages in which the client has already seen the candidate (rule 8: its name may then be shown).
SUBMITTED_STAGES = (Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER, Stage.PLACED)
# A candidate with an application in one of these gets no automated rejection for other jobs (rule 7).
OFFER_STAGES = (Stage.OFFER, Stage.PLACED)


def allowed_transitions(from_stage: str) -> tuple[str, ...]:
    """Every stage an application may move to from `from_stage` with application_move.

    Forward along the pipeline to any later stage, back exactly one stage (a correction), and out to
    a closed outcome from any open stage. A closed application only leaves its outcome by a reopen.
    """
    if from_stage in CLOSED_STAGES:
        return ()
    index = PIPELINE.index(from_stage)
    forward = PIPELINE[index + 1 :]
    back = PIPELINE[index - 1 : index] if index > 0 else ()
    return (*forward, *back, Stage.REJECTED, Stage.WITHDRAWN)


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
    # The client's answer (rule 10), written only by recruiting.services.clients: since when the client
    # owes one, by when (null when it owes none), the date the client itself promised, when the due step
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
    # timeline, but it told the candidate nothing (rule 5: told means delivered).
    delivered = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["application", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_direction_display()}"

    @property
    def informs_candidate(self) -> bool:
        return self.direction == self.Direction.OUTBOUND and self.delivered


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
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)
    # The email the prompt is about (one that bounced or whose outcome is unknown), or the check-in queued
    # to settle it.
    message = models.ForeignKey(
        "notifications.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
