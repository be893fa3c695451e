"""Reads for the candidate-facing pages."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from candidates.models import Candidate, TextConsent
from candidates.validators import email_key
from recruiting.models import ACTIVE_STAGES, SUBMITTED_STAGES, Application, AuditLog, RecruiterPrompt, StageChange
from recruiting.selectors import clients as client_selectors
from recruiting.services.replies import FEEDBACK_ACTION

# How often a candidate may ask for news on one application, and the audit action that records an ask.
UPDATE_REQUEST_INTERVAL = timedelta(days=7)
UPDATE_REQUEST_ACTION = "application.update_request"


def _update_requests(*, since: datetime) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        object_type=Application._meta.label_lower, action=UPDATE_REQUEST_ACTION, at__gt=since
    ).order_by("-at")


def application_update_requested_at(*, application: Application) -> datetime | None:
    """When the candidate last asked for news on this application inside the interval, or None."""
    since = timezone.now() - UPDATE_REQUEST_INTERVAL
    return _update_requests(since=since).filter(object_id=application.pk).values_list("at", flat=True).first()


def candidate_status_applications(*, candidate: Candidate) -> QuerySet[Application]:
    """A candidate's applications for their status page, open ones first, in one query.

    Annotated with `client_has_seen_candidate` (the application ever reached a stage in which the client saw the
    candidate, which lets docs/rules.md#confidential-client show the client's name), `update_requested_at` (when the
    candidate last asked for news, inside the seven-day window), `owner_reminded` and `lead_reminded` (an open overdue
    prompt, escalated to the team lead) and `feedback_due_at` (the feedback owed after a late rejection, while it is)
    and `feedback_requested_at` (when they asked for feedback after a late rejection, if they did), and
    `client_asked_sent_at` (when our request for the client's decision on the current step was sent, if it was).
    """
    since = timezone.now() - UPDATE_REQUEST_INTERVAL
    reached_client = StageChange.objects.filter(application=OuterRef("pk"), to_stage__in=SUBMITTED_STAGES)
    last_ask = _update_requests(since=since).filter(object_id=OuterRef("pk")).values("at")[:1]
    open_prompts = RecruiterPrompt.objects.filter(application=OuterRef("pk"), resolved_at__isnull=True)
    overdue = open_prompts.filter(reason=RecruiterPrompt.Reason.OVERDUE)
    feedback = open_prompts.filter(reason=RecruiterPrompt.Reason.FEEDBACK_OWED)
    feedback_ask = AuditLog.objects.filter(
        object_type=Application._meta.label_lower, action=FEEDBACK_ACTION, object_id=OuterRef("pk")
    ).values("at")[:1]
    return (
        Application.objects.filter(candidate=candidate)
        .select_related("job__client", "owner")
        .annotate(
            client_has_seen_candidate=Exists(reached_client),
            update_requested_at=Subquery(last_ask),
            # Who has been reminded of a late update, and by when feedback is owed after a late rejection.
            owner_reminded=Exists(overdue),
            lead_reminded=Exists(
                open_prompts.filter(
                    reason__in=(RecruiterPrompt.Reason.OVERDUE, RecruiterPrompt.Reason.FEEDBACK_OWED),
                    escalated_at__isnull=False,
                )
            ),
            feedback_due_at=Subquery(feedback.values("due_at")[:1]),
            feedback_requested_at=Subquery(feedback_ask),
            client_asked_sent_at=client_selectors.client_asked_sent_at(),
            closed_last=Case(
                When(stage__in=ACTIVE_STAGES, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("closed_last", "-stage_entered_at", "-pk")
    )


def candidate_with_email(*, email: str, exclude_id: int | None = None) -> Candidate | None:
    """The candidate already using this address however it is typed (the database allows one), or None."""
    same = Candidate.objects.filter(email_key=email_key(email))
    if exclude_id is not None:
        same = same.exclude(pk=exclude_id)
    return same.only("pk", "first_name", "last_name").first()


def text_consent_in_force(*, candidate: Candidate) -> TextConsent | None:
    """The consent to texts that holds now: the candidate's latest consent row, when it gives consent for
    the number on file (a consent is for one number: a new number needs a new consent)."""
    latest = TextConsent.objects.filter(candidate_id=candidate.pk).order_by("-at", "-id").first()
    if latest is None or not latest.given or not candidate.mobile or latest.number != candidate.mobile:
        return None
    return latest


def candidates_texts_consented(candidate_ids: Iterable[int]) -> set[int]:
    """Those of these candidates whose latest consent to texts gives it for the number on file, in one
    query (text_consent_in_force for a batch)."""
    latest = TextConsent.objects.filter(candidate_id=OuterRef("pk")).order_by("-at", "-id")
    rows = (
        Candidate.objects.filter(pk__in=set(candidate_ids))
        .exclude(mobile="")
        .annotate(given=Subquery(latest.values("given")[:1]), number=Subquery(latest.values("number")[:1]))
        .values_list("pk", "mobile", "given", "number")
    )
    return {pk for pk, mobile, given, number in rows if given and str(number) == str(mobile)}


def candidates_with_mobile(*, number: str) -> QuerySet[Candidate]:
    """The candidates (not erased) whose mobile number is `number` (E.164)."""
    return Candidate.objects.filter(mobile=number, erased_at__isnull=True)
