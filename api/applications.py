"""Applications: created, read, listed, reassigned, moved, a contact logged, a promise recorded; and what
the keep-in-the-loop clock says about each (its clock, messages and open prompts) and the firm's figures.

Through the same services as the workspace's pages, so the clock, the held emails, the prompts, the
audit rows and every rule behave the same (docs/rules.md#ats-is-a-user).
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from api.auth import writing
from api.pagination import ListParams, paginate
from api.problems import PROBLEMS
from api.record_schemas import Page
from api.records import get_or_404, record_ref, user_named
from api.schemas import InputSchema
from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting import selectors, services
from recruiting.models import Application, ContactEvent, Job, Stage
from recruiting.permissions import ensure_can_act_for_all
from recruiting.services.external_ids import record_external_id_set
from recruiting.services.jobs_clients import application_add
from recruiting.services.move_read import ApplicationNotFound

router = Router()

StageName = Literal[tuple(Stage.values)]
ChannelName = Literal[tuple(ContactEvent.Channel.values)]
DirectionName = Literal[tuple(ContactEvent.Direction.values)]


class ApplicationIn(InputSchema):
    candidate_id: int | None = None
    candidate_external_id: str | None = None
    job_id: int | None = None
    job_external_id: str | None = None
    notify: bool = True
    external_id: str | None = None


class ApplicationPatch(InputSchema):
    owner: str | None = None
    external_id: str | None = None


class ApplicationOut(Schema):
    id: int
    external_id: str | None
    candidate_id: int
    job_id: int
    owner: str
    stage: str
    stage_entered_at: datetime
    promised_next_step_date: date | None
    last_informed_at: datetime | None
    next_update_due: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Application) -> str:
        return obj.owner.get_username()


class ApplicationPage(Page):
    items: list[ApplicationOut]


class MoveIn(InputSchema):
    stage: StageName
    next_step_date: date | None = None
    note: str = ""
    notify: bool = True


# As on the workspace's forms.
SUMMARY_MAX_LENGTH = 4000


class ContactIn(InputSchema):
    channel: ChannelName
    direction: DirectionName = ContactEvent.Direction.OUTBOUND
    summary: str = Field("", max_length=SUMMARY_MAX_LENGTH)
    at: datetime | None = None
    next_step_date: date | None = None


class ContactOut(Schema):
    id: int
    application_id: int
    channel: str
    direction: str
    summary: str
    at: datetime
    informs_candidate: bool


class PromiseIn(InputSchema):
    next_step_date: date | None
    note: str = ""


class ClockOut(Schema):
    """Where the application's keep-in-the-loop clock stands (the pipeline keeps these columns)."""

    application_id: int
    stage: str
    last_informed_at: datetime | None
    promised_next_step_date: date | None
    next_update_due: datetime | None
    escalate_at: datetime | None
    safety_net_at: datetime | None
    client_answer_due: datetime | None
    client_promised_date: date | None

    @staticmethod
    def resolve_application_id(obj: Application) -> int:
        return obj.pk


class MessageOut(Schema):
    id: int
    template_code: str
    subject: str
    status: str
    status_reason: str
    send_after: datetime
    sent_at: datetime | None
    created_at: datetime


class PromptOut(Schema):
    id: int
    reason: str
    detail: str
    recruiter: str
    due_at: datetime
    snoozed_until: datetime | None
    escalated_at: datetime | None

    @staticmethod
    def resolve_recruiter(obj) -> str:
        return obj.recruiter.get_username()


class FigureRow(Schema):
    id: int | None
    name: str
    active: int
    within_policy: int
    overdue: int
    within_policy_percent: float | None
    median_days_silent: float | None
    p90_days_silent: float | None
    oldest_days_silent: float | None
    open_prompts: int
    open_prompts_by_reason: dict[str, int]


class FiguresOut(Schema):
    now: datetime
    firm: FigureRow
    teams: list[FigureRow]
    recruiters: list[FigureRow]


def _applications():
    return Application.objects.select_related("owner")


def _application_create(request: HttpRequest, payload: ApplicationIn, external_id: str | None) -> Application:
    candidate = record_ref(
        Candidate, pk=payload.candidate_id, external_id=payload.candidate_external_id, field="candidate"
    )
    job = record_ref(Job, pk=payload.job_id, external_id=payload.job_external_id, field="job")
    application = application_add(candidate=candidate, job=job, by=request.user, notify=payload.notify)
    if external_id:
        application = record_external_id_set(record=application, external_id=external_id, by=request.user)
    return _applications().get(pk=application.pk)


def _application_update(request: HttpRequest, application: Application, fields: dict) -> Application:
    if fields.get("owner"):
        owner = user_named(fields["owner"], default=application.owner)
        if owner.pk != application.owner_id:
            # As the workspace's reassign: only to someone the user may act for.
            ensure_can_act_for_all(request.user, {"owner": owner.pk})
            services.application_reassign(application=application, owner=owner, by=request.user)
    if "external_id" in fields:
        record_external_id_set(record=application, external_id=fields["external_id"], by=request.user)
    return _applications().get(pk=application.pk)


@router.get("/applications", response={200: ApplicationPage, **PROBLEMS}, tags=["applications"])
def applications_list(request: HttpRequest, params: Query[ListParams]):
    return paginate(_applications(), params)


@router.post("/applications", response={201: ApplicationOut, **PROBLEMS}, tags=["applications"])
def applications_create(request: HttpRequest, payload: ApplicationIn):
    with writing(request):
        return Status(201, _application_create(request, payload, payload.external_id))


@router.get("/applications/{int:pk}", response={200: ApplicationOut, **PROBLEMS}, tags=["applications"])
def applications_read(request: HttpRequest, pk: int):
    return get_or_404(_applications(), pk=pk)


@router.patch("/applications/{int:pk}", response={200: ApplicationOut, **PROBLEMS}, tags=["applications"])
def applications_update(request: HttpRequest, pk: int, payload: ApplicationPatch):
    with writing(request):
        return _application_update(request, get_or_404(_applications(), pk=pk), payload.dict(exclude_unset=True))


@router.get(
    "/applications/by-external-id/{external_id}", response={200: ApplicationOut, **PROBLEMS}, tags=["applications"]
)
def applications_read_external(request: HttpRequest, external_id: str):
    return get_or_404(_applications(), external_id=external_id)


@router.put(
    "/applications/by-external-id/{external_id}",
    response={200: ApplicationOut, 201: ApplicationOut, **PROBLEMS},
    tags=["applications"],
)
def applications_upsert(request: HttpRequest, external_id: str, payload: ApplicationIn):
    with writing(request):
        application = _applications().filter(external_id=external_id).first()
        if application is None:
            return Status(201, _application_create(request, payload, external_id))
        candidate = record_ref(
            Candidate, pk=payload.candidate_id, external_id=payload.candidate_external_id, field="candidate"
        )
        job = record_ref(Job, pk=payload.job_id, external_id=payload.job_external_id, field="job")
        if (candidate.pk, job.pk) != (application.candidate_id, application.job_id):
            raise ValidationError({"external_id": "This external id is another candidate's or job's application."})
        return Status(200, application)


@router.post("/applications/{int:pk}/move", response={200: ApplicationOut, **PROBLEMS}, tags=["applications"])
def applications_move(request: HttpRequest, pk: int, payload: MoveIn):
    """Move to another stage, as the job board's move does: the candidate's email held for review, the
    clock recomputed, prompts settled or opened, an audit row naming the key.

    The service finds and locks the application itself, and the answer is its row as the move wrote it
    (updated_at returned by the update): one transaction, no read before or after."""
    try:
        with writing(request, atomic=False):
            stage_change = services.application_move(
                application=Application(pk=pk),
                to_stage=payload.stage,
                by=request.user,
                note=payload.note,
                next_step_date=payload.next_step_date,
                notify=payload.notify,
            )
    except ApplicationNotFound:
        raise Http404(f"No {Application._meta.verbose_name} has this id.") from None
    return stage_change.application


@router.post("/applications/{int:pk}/contacts", response={201: ContactOut, **PROBLEMS}, tags=["applications"])
def applications_contact(request: HttpRequest, pk: int, payload: ContactIn):
    """Log a call, meeting, email or note; telling the candidate something resets their clock."""
    application = get_or_404(_applications(), pk=pk)
    with writing(request):
        contact = services.contact_log(
            application=application,
            channel=payload.channel,
            direction=payload.direction,
            by=request.user,
            summary=payload.summary,
            at=payload.at,
            next_step_date=payload.next_step_date,
        )
    return Status(201, contact)


@router.post("/applications/{int:pk}/promise", response={200: ApplicationOut, **PROBLEMS}, tags=["applications"])
def applications_promise(request: HttpRequest, pk: int, payload: PromiseIn):
    """Record (or, with null, clear) the next-step date promised to the candidate mid-stage."""
    application = get_or_404(_applications(), pk=pk)
    with writing(request):
        services.application_promise(
            application=application, next_step_date=payload.next_step_date, by=request.user, note=payload.note
        )
    return _applications().get(pk=pk)


@router.get("/applications/{int:pk}/clock", response={200: ClockOut, **PROBLEMS}, tags=["applications"])
def applications_clock(request: HttpRequest, pk: int):
    return get_or_404(Application, pk=pk)


@router.get("/applications/{int:pk}/messages", response={200: list[MessageOut], **PROBLEMS}, tags=["applications"])
def applications_messages(request: HttpRequest, pk: int):
    """The emails owed or sent to the candidate about this application, newest first, with their state
    (the bodies stay in the workspace: they carry the candidate's signed links)."""
    application = get_or_404(Application, pk=pk)
    return OutboundMessage.objects.filter(application=application).order_by("-created_at", "-id")[:200]


@router.get("/applications/{int:pk}/prompts", response={200: list[PromptOut], **PROBLEMS}, tags=["applications"])
def applications_prompts(request: HttpRequest, pk: int):
    application = get_or_404(Application, pk=pk)
    return list(selectors.prompts_open_for_application(application_id=application.pk))


@router.get("/figures", response={200: FiguresOut, **PROBLEMS}, tags=["figures"])
def figures(request: HttpRequest):
    """The keep-in-the-loop figures of the firm, each team and each recruiter, as the figures page shows them."""
    return selectors.loop_figures()
