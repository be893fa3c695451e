"""The client's side of the loop (docs/rules.md#client-owes): whose answer is due, who is waiting on which client."""

from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from recruiting.models import ACTIVE_STAGES, Application, ClientChase, HiringManager, RecruiterPrompt


def hiring_managers_reachable() -> QuerySet[HiringManager]:
    """Managers a chase may be emailed to: not erased, not marked do-not-email."""
    return HiringManager.objects.filter(erased_at__isnull=True, do_not_email=False).order_by("pk")


def client_answers_due(*, now: datetime | None = None) -> QuerySet[Application]:
    """Applications whose client answer is due and not yet chased for this due step.

    One range scan on application_client_due_idx: the index holds only owed, unchased answers.
    """
    now = now or timezone.now()
    return Application.objects.filter(
        client_answer_due__isnull=False, client_chased_at__isnull=True, client_answer_due__lte=now
    ).filter(stage__in=ACTIVE_STAGES)


def client_answers_chased_before(*, before: datetime) -> QuerySet[Application]:
    """Applications chased before `before` whose client still owes the answer (application_client_chased_idx)
    and whose owner was not yet prompted to call about this chase: once per chase, even after the owner
    closed that prompt."""
    prompted = RecruiterPrompt.objects.filter(
        application=OuterRef("pk"),
        reason=RecruiterPrompt.Reason.CLIENT_SILENT,
        created_at__gte=OuterRef("client_chased_at"),
    )
    return (
        Application.objects.filter(
            client_answer_due__isnull=False, client_chased_at__isnull=False, client_chased_at__lte=before
        )
        .filter(stage__in=ACTIVE_STAGES)
        .exclude(Exists(prompted))
    )


def applications_with_managers(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """What a chase is written from, in three queries: the applications with their candidate, job,
    client and owner, and the reachable managers of each job."""
    return queryset.select_related("candidate", "job__client", "owner__profile").prefetch_related(
        Prefetch("job__hiring_managers", queryset=hiring_managers_reachable(), to_attr="reachable_managers")
    )


def hiring_managers_of_client(*, client_id: int) -> QuerySet[HiringManager]:
    return HiringManager.objects.filter(client_id=client_id, erased_at__isnull=True).order_by("name", "pk")


def client_asked_sent_at() -> Subquery:
    """For an application queryset: when our latest feedback request for its current step was actually
    sent to the client (null when none was): the one moment a candidate may be told "we asked"."""
    sent = ClientChase.objects.filter(
        application=OuterRef("pk"), due_at=OuterRef("client_answer_due"), message__status="sent"
    ).order_by("-message__sent_at")
    return Subquery(sent.values("message__sent_at")[:1])


def client_asked_sent_at_of(application: Application) -> datetime | None:
    """client_asked_sent_at for one application; no query while its current step was not chased."""
    if application.client_chased_at is None or application.client_answer_due is None:
        return None
    return (
        ClientChase.objects.filter(
            application=application, due_at=application.client_answer_due, message__status="sent"
        )
        .order_by("-message__sent_at")
        .values_list("message__sent_at", flat=True)
        .first()
    )
