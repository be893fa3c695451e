"""Reads that only the recruiter workspace needs: the home page sections, the board, the timeline, search.

Every function returns a QuerySet (or a small list built from a bounded number of queries) so that a
page costs the same number of queries at 60 rows as at 50,000.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import OUTBOX, InboundMessage, InboundText, MessageTemplate, OutboundMessage
from recruiting import selectors
from recruiting.models import ACTIVE_STAGES, Application, ClientChase, Job, RecruiterPrompt, Stage
from recruiting.permissions import put_forward_candidate_owner_ids, put_forward_job_owner_ids
from recruiting.services.prompts import SETTLED_BY_CLOSING

# Prompt reasons the home page lists in their own sections (overdue has the top section).
OWED_REASONS = (
    RecruiterPrompt.Reason.REPLY_OWED,
    RecruiterPrompt.Reason.SAFETY_NET,
    RecruiterPrompt.Reason.FEEDBACK_OWED,
    RecruiterPrompt.Reason.CANDIDATE_ASKED,
    RecruiterPrompt.Reason.DELIVERY_FAILED,
    RecruiterPrompt.Reason.OUTCOME_UNKNOWN,
    RecruiterPrompt.Reason.CLIENT_SILENT,
    RecruiterPrompt.Reason.CLIENT_ANSWERED,
)
# Prompts a closed application no longer needs (closing settles them; older ones the scan settles later):
# never listed, so that no row offers an action that cannot work on a closed application.
OF_CLOSED_APPLICATION = Q(reason__in=SETTLED_BY_CLOSING) & ~Q(application__stage__in=ACTIVE_STAGES)
# Messages a recruiter has to look at: they did not (or may not) reach the candidate, or came back to them
# because a date they stated had passed.
PROBLEM_STATUSES = (OutboundMessage.Status.FAILED, OutboundMessage.Status.UNKNOWN, OutboundMessage.Status.RETURNED)


def applications_overdue_for(*, owner_ids: set[int], now: datetime | None = None) -> QuerySet[Application]:
    """The owners' applications whose next update is past, longest silence first."""
    now = now or timezone.now()
    return (
        Application.objects.filter(owner_id__in=owner_ids, next_update_due__lte=now)
        .select_related("candidate", "job__client", "owner")
        .order_by("next_update_due", "pk")
    )


def open_overdue_prompts(*, application_ids: list[int]) -> dict[int, RecruiterPrompt]:
    """The open overdue prompt of each of these applications (one query, on the application index)."""
    prompts = RecruiterPrompt.objects.filter(
        application_id__in=application_ids, reason=RecruiterPrompt.Reason.OVERDUE, resolved_at__isnull=True
    ).order_by()
    return {prompt.application_id: prompt for prompt in prompts}


def open_feedback_prompts(*, application_ids: list[int]) -> dict[int, RecruiterPrompt]:
    """The open feedback-owed prompt of each of these applications (one query)."""
    prompts = RecruiterPrompt.objects.filter(
        application_id__in=application_ids, reason=RecruiterPrompt.Reason.FEEDBACK_OWED, resolved_at__isnull=True
    ).order_by()
    return {prompt.application_id: prompt for prompt in prompts}


def job_ids_of(*, owner_ids: set[int]) -> list[int]:
    """The ids of these owners' jobs (a few dozen): a list the database reads each job's applications by,
    through the job's index, where a join to the jobs would have it read every application."""
    return list(Job.objects.filter(owner_id__in=owner_ids).order_by().values_list("pk", flat=True))


def applications_put_forward_to(*, job_owner_ids: set[int]) -> QuerySet:
    """The keys of colleagues' candidates put forward to these owners' jobs and not yet looked at (still new),
    newest first: with split desks the job's owner reviews them on their board.

    Keys only, read from the index of new applications by job (it holds the owner too): a page of them is
    sorted without reading a row; applications_in_order reads the rows of the page."""
    return (
        Application.objects.filter(job_id__in=job_ids_of(owner_ids=job_owner_ids), stage=Stage.NEW)
        .exclude(owner_id__in=job_owner_ids)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )


def applications_in_order(*, ids: list[int]) -> list[Application]:
    """These applications, with their candidate, job, client and owner, in the order of `ids` (one query)."""
    found = Application.objects.select_related("candidate", "job__client", "owner").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def applications_due_today_for(*, owner_ids: set[int], now: datetime | None = None) -> QuerySet[Application]:
    return (
        selectors.applications_due_today(now=now)
        .filter(owner_id__in=owner_ids)
        .select_related("candidate", "job__client", "owner")
        .order_by("next_update_due", "pk")
    )


def prompts_owed_for(*, recruiter_ids: set[int], now: datetime | None = None) -> QuerySet[RecruiterPrompt]:
    """Open, not snoozed prompts other than plain overdue: feedback owed, the candidate asked, an email in trouble."""
    return (
        selectors.prompts_open(now=now)
        .filter(recruiter_id__in=recruiter_ids, reason__in=OWED_REASONS)
        .exclude(OF_CLOSED_APPLICATION)
    )


def messages_in_trouble_for(*, owner_ids: set[int]) -> QuerySet[OutboundMessage]:
    """Failed and unknown messages of the owners' applications, and messages to bounced addresses."""
    return (
        OutboundMessage.objects.filter(application__owner_id__in=owner_ids)
        .filter(
            Q(status__in=PROBLEM_STATUSES)
            | Q(status=OutboundMessage.Status.SUPPRESSED, candidate__email_status__in=["bounced", "complained"])
        )
        .select_related("candidate", "application__job__client")
        .order_by("-created_at", "-pk")
    )


def team_overdue_counts(*, owner_ids: set[int], now: datetime | None = None) -> QuerySet:
    """Per recruiter of a team: how many applications are overdue right now."""
    now = now or timezone.now()
    return (
        Application.objects.filter(owner_id__in=owner_ids, next_update_due__lte=now)
        .values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "owner__username")
    )


def firm_overdue_count(*, now: datetime | None = None) -> int:
    """How many applications of the whole firm are overdue right now."""
    return Application.objects.filter(next_update_due__lte=now or timezone.now()).count()


# The board shows this many cards per stage column; the rest are one click away.
BOARD_CARDS_PER_COLUMN = 50
# Closed columns (placed, rejected, withdrawn) are history: their latest few, and a link to the rest.
BOARD_CARDS_PER_CLOSED_COLUMN = 10


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    label: str
    cards: list[Application]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def job_board(
    *, job: Job, per_column: int = BOARD_CARDS_PER_COLUMN, per_closed_column: int = BOARD_CARDS_PER_CLOSED_COLUMN
) -> list[BoardColumn]:
    """One column per stage: the first cards of each (three queries whatever the number of applications).

    Active stages show the applications that owe news soonest first; closed ones the latest closed. The
    cards are ranked on the applications' own columns, and only those shown are joined to their candidate
    and owner.
    """
    order = [F("next_update_due").asc(nulls_last=True), F("closed_at").desc(nulls_last=True), F("pk")]
    first = list(
        Application.objects.filter(job=job)
        .annotate(position=Window(RowNumber(), partition_by=[F("stage")], order_by=order))
        .filter(position__lte=max(per_column, per_closed_column))
        .values_list("pk", flat=True)
    )
    # By their keys: as a subquery the planner cannot tell how few rows the window keeps.
    ranked = Application.objects.filter(pk__in=first).select_related("candidate", "owner").order_by("stage", *order)
    totals = dict(Application.objects.filter(job=job).values_list("stage").annotate(n=Count("pk")).order_by())
    cards: dict[str, list[Application]] = {stage: [] for stage in Stage.values}
    for application in ranked:
        shown = per_column if application.stage in ACTIVE_STAGES else per_closed_column
        if len(cards[application.stage]) < shown:
            cards[application.stage].append(application)
    return [
        BoardColumn(stage=stage.value, label=stage.label, cards=cards[stage.value], total=totals.get(stage.value, 0))
        for stage in Stage
    ]


def job_stage_applications(*, job: Job, stage: str) -> QuerySet[Application]:
    return (
        Application.objects.filter(job=job, stage=stage)
        .select_related("candidate", "owner")
        .order_by(F("next_update_due").asc(nulls_last=True), "pk")
    )


def _count_of(applications: QuerySet[Application]) -> Subquery:
    # count(*), not of the key: the count is read from the live applications' (job, next update due) index alone.
    counted = applications.filter(job=OuterRef("pk")).order_by().values("job").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)


def jobs_with_counts(*, now: datetime | None = None) -> QuerySet[Job]:
    """Jobs with their live and overdue application counts (counted only for the rows of the page read)."""
    now = now or timezone.now()
    live = Application.objects.filter(stage__in=ACTIVE_STAGES)
    return (
        Job.objects.select_related("client", "owner")
        .annotate(live=_count_of(live), overdue=_count_of(live.filter(next_update_due__lte=now)))
        .order_by("status", "-created_at", "pk")
    )


def jobs_open_for_import() -> QuerySet[Job]:
    """Open jobs with their client, as the import page lists them beside the number a file may use."""
    return Job.objects.filter(status=Job.Status.OPEN).select_related("client").order_by("client__name", "title", "pk")


def candidate_applications(*, candidate: Candidate) -> QuerySet[Application]:
    return candidate.applications.select_related("job__client", "owner").order_by("closed_at", "-created_at")


def candidate_messages(*, candidate: Candidate, limit: int = 200) -> QuerySet[OutboundMessage]:
    return (
        OutboundMessage.objects.filter(candidate=candidate)
        # The contact a sent message became says whether it was delivered (a bounce un-tells).
        .select_related("application__job__client", "created_by", "contact")
        .order_by("-created_at", "-pk")[:limit]
    )


SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 8


def search_terms(query: str) -> tuple[str, list[str]]:
    """What a search looks for: the query cut to SEARCH_MAX_LENGTH characters, and its first SEARCH_MAX_WORDS
    words. A longer query is not a search for a person, and each word is a condition in the database's query
    (SQLite refuses an expression a thousand conditions deep)."""
    query = query.replace("\x00", "").strip()[:SEARCH_MAX_LENGTH].strip()
    return query, query.split()[:SEARCH_MAX_WORDS]


def candidates_search(*, query: str) -> QuerySet[Candidate]:
    """Candidates whose name or email matches, or who applied to a job of a client with that name."""
    candidates = Candidate.objects.filter(erased_at__isnull=True).select_related("owner")
    query, words = search_terms(query)
    if query:
        name_match = Q()
        for word in words:
            name_match &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        # A plain (uncorrelated) subquery: the database builds the set of matching candidates once.
        client_match = Application.objects.filter(job__client__name__icontains=query).values("candidate_id")
        candidates = candidates.filter(name_match | Q(email__icontains=query) | Q(pk__in=client_match))
    return candidates.order_by("last_name", "first_name", "pk")


def jobs_search(*, query: str) -> QuerySet[Job]:
    jobs = Job.objects.select_related("client", "owner")
    query, _ = search_terms(query)
    if query:
        jobs = jobs.filter(Q(title__icontains=query) | Q(client__name__icontains=query) | Q(location__icontains=query))
    return jobs.order_by("status", "title", "pk")


def jobs_to_put_forward_to(*, user, candidate_owner_id: int, candidate: Candidate | None = None) -> QuerySet[Job]:
    """The open jobs the user may put a candidate of `candidate_owner_id` forward to (split desks, within the
    team when the firm says so), less those the candidate already has an application for."""
    jobs = Job.objects.filter(status=Job.Status.OPEN).select_related("client", "owner")
    owners = put_forward_job_owner_ids(user, candidate_owner_id=candidate_owner_id)
    if owners is not None:
        jobs = jobs.filter(owner_id__in=owners)
    if candidate is not None:
        jobs = jobs.exclude(pk__in=Application.objects.filter(candidate=candidate).values("job_id"))
    return jobs.order_by("title", "client__name", "pk")


def candidates_to_put_forward(*, user, job: Job) -> QuerySet[Candidate]:
    """The candidates the user may put forward to `job`: those of the desks they act for."""
    candidates = Candidate.objects.filter(erased_at__isnull=True)
    owners = put_forward_candidate_owner_ids(user, job_owner_id=job.owner_id)
    return candidates if owners is None else candidates.filter(owner_id__in=owners)


# The messages the outbox's first tab shows: those that still need a recruiter's eye, or that a recruiter may
# want to check (not plain sent or cancelled ones).
NEEDS_A_LOOK = (
    OutboundMessage.Status.HELD,
    OutboundMessage.Status.QUEUED,
    OutboundMessage.Status.FAILED,
    OutboundMessage.Status.UNKNOWN,
    OutboundMessage.Status.SUPPRESSED,
    OutboundMessage.Status.RETURNED,
)


def outbox_all() -> QuerySet[OutboundMessage]:
    """Every message the outbox lists: to candidates, and feedback requests to hiring managers."""
    return (
        # The condition of the index the tabs' counts read (notifications.models.OUTBOX).
        OutboundMessage.objects.filter(OUTBOX)
        .select_related("candidate", "application__job__client", "application__owner__profile")
        .order_by("send_after", "pk")
    )


def outbox_messages(*, status: str | None = None, messages: QuerySet[OutboundMessage] | None = None):
    """The outbox's messages of one status, or those that need a look; of `messages` (a scope of
    outbox_all) when given."""
    messages = outbox_all() if messages is None else messages
    return messages.filter(status__in=[status] if status else NEEDS_A_LOOK)


def chase_message_ids(*, owner_ids):
    """The chase emails naming an application of these owners (a chase is about several, none on its own)."""
    return ClientChase.objects.filter(application__owner_id__in=owner_ids, message__isnull=False).values("message_id")


def outbox_counts(*, messages: QuerySet[OutboundMessage]) -> dict[str, int]:
    """How many of these messages (a scope of outbox_all) are in each status, and how many need a look
    (under the key ""), in one query."""
    # count(*), not of the key: read from the outbox's status index alone (notifications.models.OUTBOX).
    counts = dict(messages.order_by().values_list("status").annotate(n=Count("*")))
    counts[""] = sum(counts.get(status, 0) for status in NEEDS_A_LOOK)
    return counts


def waiting_messages(*, application_ids: list[int]) -> dict[int, OutboundMessage]:
    """Per application, the earliest message still to go out (held or queued): the home page says so."""
    waiting = OutboundMessage.objects.filter(
        application_id__in=application_ids,
        status__in=[OutboundMessage.Status.HELD, OutboundMessage.Status.QUEUED],
    ).order_by("application_id", "send_after", "pk")
    found: dict[int, OutboundMessage] = {}
    for message in waiting.only("pk", "application_id", "send_after"):
        found.setdefault(message.application_id, message)
    return found


def latest_replies(*, application_ids: list[int]) -> dict[int, InboundMessage]:
    """The newest accepted email that came back on each of these applications, in one query."""
    if not application_ids:
        return {}
    ranked = (
        InboundMessage.objects.filter(application_id__in=application_ids, status=InboundMessage.Status.ACCEPTED)
        # A hiring manager's reply to a chase is the client's, not a reply the candidate is owed.
        .exclude(message__template_code=MessageTemplate.Code.CLIENT_CHASE)
        .defer("raw")
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("application_id")], order_by=[F("received_at").desc(), F("pk")]
            )
        )
        .filter(position=1)
    )
    return {reply.application_id: reply for reply in ranked}


def latest_text_replies(*, application_ids: list[int]) -> dict[int, InboundText]:
    """The newest text that came back as a reply on each of these applications, in one query."""
    if not application_ids:
        return {}
    ranked = (
        InboundText.objects.filter(application_id__in=application_ids, status=InboundText.Status.ACCEPTED)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("application_id")], order_by=[F("received_at").desc(), F("pk")]
            )
        )
        .filter(position=1)
    )
    return {text.application_id: text for text in ranked}


def reply_answered(*, reply_id: int | None) -> InboundMessage | None:
    """The email that came back which a personal email answers, with its application; None when none."""
    if reply_id is None:
        return None
    return InboundMessage.objects.select_related("application").filter(pk=reply_id).first()


def replies_of_contacts(*, contact_ids: list[int]) -> dict[int, InboundMessage]:
    """The received emails behind these timeline contacts, by contact id, in one query."""
    if not contact_ids:
        return {}
    return {reply.contact_id: reply for reply in InboundMessage.objects.filter(contact_id__in=contact_ids)}


def inbound_messages(*, status: str | None = None) -> QuerySet[InboundMessage]:
    """Every email that came back, newest first, with its application (the outbox's "Replies" tab)."""
    received = (
        InboundMessage.objects.select_related("application__candidate", "application__job")
        .defer("raw")
        .annotate(from_client=Q(message__template_code=MessageTemplate.Code.CLIENT_CHASE))
    )
    if status is not None:
        received = received.filter(status=status)
    return received.order_by("-received_at", "-pk")


def client_chase_owner_ids(*, message: OutboundMessage) -> list[int]:
    """The owners of the candidates a feedback request to a hiring manager names."""
    return sorted(set(ClientChase.objects.filter(message=message).values_list("application__owner_id", flat=True)))
