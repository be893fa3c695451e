"""Candidates, clients, hiring managers and jobs: create, read, list, update, and create-or-update by the
external id of the firm's applicant tracking system. Every write goes through the owning app's services.
The request and response bodies: api.record_schemas."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from api.auth import writing
from api.pagination import ListParams, paginate
from api.problems import PROBLEMS
from api.record_schemas import (
    CandidateIn,
    CandidateOut,
    CandidatePage,
    CandidatePatch,
    ClientIn,
    ClientOut,
    ClientPage,
    ClientPatch,
    HiringManagerIn,
    HiringManagerOut,
    HiringManagerPage,
    HiringManagerPatch,
    JobIn,
    JobOut,
    JobPage,
    JobPatch,
)
from candidates.models import Candidate
from candidates.services.external_ids import candidate_external_id_set
from candidates.services.people import candidate_create, candidate_update
from recruiting.models import Client, HiringManager, Job
from recruiting.services.external_ids import record_external_id_set
from recruiting.services.hiring_managers import hiring_manager_save
from recruiting.services.jobs_clients import client_create, client_update, job_create, job_update

router = Router()


def user_named(username: str | None, *, default: AbstractBaseUser, field: str = "owner") -> AbstractBaseUser:
    if not username:
        return default
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({field: f"No active user is called {username!r}."})
    return user


def get_or_404(source: type[Model] | QuerySet, **lookup):
    queryset = source.objects.all() if isinstance(source, type) else source
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404(f"No {queryset.model._meta.verbose_name} has this id.")
    return found


def record_ref[M: Model](model: type[M], *, pk: int | None, external_id: str | None, field: str) -> M:
    """A record named in a body by its id or by its external id (exactly one of them)."""
    if (pk is None) == (external_id is None):
        raise ValidationError({field: f"Give either {field}_id or {field}_external_id."})
    lookup = {"pk": pk} if pk is not None else {"external_id": external_id}
    found = model.objects.filter(**lookup).first()
    if found is None:
        raise ValidationError({field: f"No {model._meta.verbose_name} has this id."})
    return found


# Candidates ---------------------------------------------------------------------------------------------


def _candidates():
    return Candidate.objects.select_related("owner")


def _candidate_create(request: HttpRequest, payload: CandidateIn, external_id: str | None) -> Candidate:
    candidate = candidate_create(
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        phone=payload.phone,
        time_zone=payload.time_zone,
        owner=user_named(payload.owner, default=request.user),
        by=request.user,
    )
    if external_id:
        candidate = candidate_external_id_set(candidate=candidate, external_id=external_id, by=request.user)
    return _candidates().get(pk=candidate.pk)


def _candidate_update(request: HttpRequest, candidate: Candidate, fields: dict) -> Candidate:
    if fields.get("owner") and fields["owner"] != candidate.owner.get_username():
        raise ValidationError({"owner": "A candidate's owner is changed in the workspace, not through the API."})
    details = {name: fields.get(name) for name in ("first_name", "last_name", "email", "phone", "time_zone")}
    current = {name: getattr(candidate, name) for name in details}
    candidate = candidate_update(
        candidate=candidate, by=request.user, **{k: v if v is not None else current[k] for k, v in details.items()}
    )
    if "external_id" in fields:
        candidate = candidate_external_id_set(candidate=candidate, external_id=fields["external_id"], by=request.user)
    return _candidates().get(pk=candidate.pk)


@router.get("/candidates", response={200: CandidatePage, **PROBLEMS}, tags=["candidates"])
def candidates_list(request: HttpRequest, params: Query[ListParams]):
    return paginate(_candidates(), params)


@router.post("/candidates", response={201: CandidateOut, **PROBLEMS}, tags=["candidates"])
def candidates_create(request: HttpRequest, payload: CandidateIn):
    with writing(request):
        return Status(201, _candidate_create(request, payload, payload.external_id))


@router.get("/candidates/{int:pk}", response={200: CandidateOut, **PROBLEMS}, tags=["candidates"])
def candidates_read(request: HttpRequest, pk: int):
    return get_or_404(_candidates(), pk=pk)


@router.patch("/candidates/{int:pk}", response={200: CandidateOut, **PROBLEMS}, tags=["candidates"])
def candidates_update(request: HttpRequest, pk: int, payload: CandidatePatch):
    with writing(request):
        return _candidate_update(request, get_or_404(_candidates(), pk=pk), payload.dict(exclude_unset=True))


@router.get("/candidates/by-external-id/{external_id}", response={200: CandidateOut, **PROBLEMS}, tags=["candidates"])
def candidates_read_external(request: HttpRequest, external_id: str):
    return get_or_404(_candidates(), external_id=external_id)


@router.put(
    "/candidates/by-external-id/{external_id}",
    response={200: CandidateOut, 201: CandidateOut, **PROBLEMS},
    tags=["candidates"],
)
def candidates_upsert(request: HttpRequest, external_id: str, payload: CandidateIn):
    with writing(request):
        candidate = _candidates().filter(external_id=external_id).first()
        if candidate is None:
            return Status(201, _candidate_create(request, payload, external_id))
        fields = payload.dict()
        fields["external_id"] = external_id
        return Status(200, _candidate_update(request, candidate, fields))


# Clients ------------------------------------------------------------------------------------------------


def _client_create(request: HttpRequest, payload: ClientIn, external_id: str | None) -> Client:
    client = client_create(
        name=payload.name,
        industry=payload.industry,
        name_visible_before_submission=payload.name_visible_before_submission,
        by=request.user,
    )
    if external_id:
        client = record_external_id_set(record=client, external_id=external_id, by=request.user)
    return Client.objects.get(pk=client.pk)


def _client_update(request: HttpRequest, client: Client, fields: dict) -> Client:
    settings_fields = ("name", "industry", "name_visible_before_submission")
    if any(fields.get(name) is not None and fields[name] != getattr(client, name) for name in settings_fields):
        client = client_update(
            client=client,
            by=request.user,
            **{
                name: fields[name] if fields.get(name) is not None else getattr(client, name)
                for name in settings_fields
            },
        )
    if "external_id" in fields:
        client = record_external_id_set(record=client, external_id=fields["external_id"], by=request.user)
    return Client.objects.get(pk=client.pk)


@router.get("/clients", response={200: ClientPage, **PROBLEMS}, tags=["clients"])
def clients_list(request: HttpRequest, params: Query[ListParams]):
    return paginate(Client.objects.all(), params)


@router.post("/clients", response={201: ClientOut, **PROBLEMS}, tags=["clients"])
def clients_create(request: HttpRequest, payload: ClientIn):
    with writing(request):
        return Status(201, _client_create(request, payload, payload.external_id))


@router.get("/clients/{int:pk}", response={200: ClientOut, **PROBLEMS}, tags=["clients"])
def clients_read(request: HttpRequest, pk: int):
    return get_or_404(Client, pk=pk)


@router.patch("/clients/{int:pk}", response={200: ClientOut, **PROBLEMS}, tags=["clients"])
def clients_update(request: HttpRequest, pk: int, payload: ClientPatch):
    with writing(request):
        return _client_update(request, get_or_404(Client, pk=pk), payload.dict(exclude_unset=True))


@router.get("/clients/by-external-id/{external_id}", response={200: ClientOut, **PROBLEMS}, tags=["clients"])
def clients_read_external(request: HttpRequest, external_id: str):
    return get_or_404(Client, external_id=external_id)


@router.put(
    "/clients/by-external-id/{external_id}", response={200: ClientOut, 201: ClientOut, **PROBLEMS}, tags=["clients"]
)
def clients_upsert(request: HttpRequest, external_id: str, payload: ClientIn):
    with writing(request):
        client = Client.objects.filter(external_id=external_id).first()
        if client is None:
            return Status(201, _client_create(request, payload, external_id))
        return Status(200, _client_update(request, client, {**payload.dict(), "external_id": external_id}))


# Hiring managers ----------------------------------------------------------------------------------------


def _hiring_manager_create(request: HttpRequest, payload: HiringManagerIn, external_id: str | None) -> HiringManager:
    client = record_ref(Client, pk=payload.client_id, external_id=payload.client_external_id, field="client")
    manager = hiring_manager_save(
        client=client,
        name=payload.name,
        email=payload.email,
        time_zone=payload.time_zone,
        do_not_email=payload.do_not_email,
        by=request.user,
    )
    if external_id:
        manager = record_external_id_set(record=manager, external_id=external_id, by=request.user)
    return _managers().get(pk=manager.pk)


def _hiring_manager_update(request: HttpRequest, manager: HiringManager, fields: dict) -> HiringManager:
    named = ("name", "email", "time_zone", "do_not_email")
    if any(fields.get(name) is not None and fields[name] != getattr(manager, name) for name in named):
        manager = hiring_manager_save(
            client=manager.client,
            hiring_manager=manager,
            by=request.user,
            **{name: fields[name] if fields.get(name) is not None else getattr(manager, name) for name in named},
        )
    if "external_id" in fields:
        manager = record_external_id_set(record=manager, external_id=fields["external_id"], by=request.user)
    return _managers().get(pk=manager.pk)


def _managers():
    return HiringManager.objects.select_related("client")


@router.get("/hiring-managers", response={200: HiringManagerPage, **PROBLEMS}, tags=["hiring managers"])
def hiring_managers_list(request: HttpRequest, params: Query[ListParams]):
    return paginate(HiringManager.objects.all(), params)


@router.post("/hiring-managers", response={201: HiringManagerOut, **PROBLEMS}, tags=["hiring managers"])
def hiring_managers_create(request: HttpRequest, payload: HiringManagerIn):
    with writing(request):
        return Status(201, _hiring_manager_create(request, payload, payload.external_id))


@router.get("/hiring-managers/{int:pk}", response={200: HiringManagerOut, **PROBLEMS}, tags=["hiring managers"])
def hiring_managers_read(request: HttpRequest, pk: int):
    return get_or_404(HiringManager, pk=pk)


@router.patch("/hiring-managers/{int:pk}", response={200: HiringManagerOut, **PROBLEMS}, tags=["hiring managers"])
def hiring_managers_update(request: HttpRequest, pk: int, payload: HiringManagerPatch):
    with writing(request):
        return _hiring_manager_update(request, get_or_404(_managers(), pk=pk), payload.dict(exclude_unset=True))


@router.get(
    "/hiring-managers/by-external-id/{external_id}",
    response={200: HiringManagerOut, **PROBLEMS},
    tags=["hiring managers"],
)
def hiring_managers_read_external(request: HttpRequest, external_id: str):
    return get_or_404(HiringManager, external_id=external_id)


@router.put(
    "/hiring-managers/by-external-id/{external_id}",
    response={200: HiringManagerOut, 201: HiringManagerOut, **PROBLEMS},
    tags=["hiring managers"],
)
def hiring_managers_upsert(request: HttpRequest, external_id: str, payload: HiringManagerIn):
    with writing(request):
        manager = _managers().filter(external_id=external_id).first()
        if manager is None:
            return Status(201, _hiring_manager_create(request, payload, external_id))
        return Status(200, _hiring_manager_update(request, manager, {**payload.dict(), "external_id": external_id}))


# Jobs ---------------------------------------------------------------------------------------------------


def _jobs():
    return Job.objects.select_related("owner", "client")


def _job_create(request: HttpRequest, payload: JobIn, external_id: str | None) -> Job:
    client = record_ref(Client, pk=payload.client_id, external_id=payload.client_external_id, field="client")
    job = job_create(
        client=client,
        title=payload.title,
        location=payload.location,
        owner=user_named(payload.owner, default=request.user),
        by=request.user,
    )
    if external_id:
        job = record_external_id_set(record=job, external_id=external_id, by=request.user)
    return _jobs().get(pk=job.pk)


def _job_update(request: HttpRequest, job: Job, fields: dict) -> Job:
    changes = {name: fields[name] for name in ("title", "location", "status", "owner") if fields.get(name) is not None}
    owner = user_named(changes.get("owner"), default=job.owner)
    if any(changes.get(name, getattr(job, name)) != getattr(job, name) for name in ("title", "location", "status")) or (
        owner.pk != job.owner_id
    ):
        job = job_update(
            job=job,
            client=job.client,
            title=changes.get("title", job.title),
            location=changes.get("location", job.location),
            status=changes.get("status", job.status),
            owner=owner,
            by=request.user,
        )
    if "external_id" in fields:
        job = record_external_id_set(record=job, external_id=fields["external_id"], by=request.user)
    return _jobs().get(pk=job.pk)


@router.get("/jobs", response={200: JobPage, **PROBLEMS}, tags=["jobs"])
def jobs_list(request: HttpRequest, params: Query[ListParams]):
    return paginate(_jobs(), params)


@router.post("/jobs", response={201: JobOut, **PROBLEMS}, tags=["jobs"])
def jobs_create(request: HttpRequest, payload: JobIn):
    with writing(request):
        return Status(201, _job_create(request, payload, payload.external_id))


@router.get("/jobs/{int:pk}", response={200: JobOut, **PROBLEMS}, tags=["jobs"])
def jobs_read(request: HttpRequest, pk: int):
    return get_or_404(_jobs(), pk=pk)


@router.patch("/jobs/{int:pk}", response={200: JobOut, **PROBLEMS}, tags=["jobs"])
def jobs_update(request: HttpRequest, pk: int, payload: JobPatch):
    with writing(request):
        return _job_update(request, get_or_404(_jobs(), pk=pk), payload.dict(exclude_unset=True))


@router.get("/jobs/by-external-id/{external_id}", response={200: JobOut, **PROBLEMS}, tags=["jobs"])
def jobs_read_external(request: HttpRequest, external_id: str):
    return get_or_404(_jobs(), external_id=external_id)


@router.put("/jobs/by-external-id/{external_id}", response={200: JobOut, 201: JobOut, **PROBLEMS}, tags=["jobs"])
def jobs_upsert(request: HttpRequest, external_id: str, payload: JobIn):
    with writing(request):
        job = _jobs().filter(external_id=external_id).first()
        if job is None:
            return Status(201, _job_create(request, payload, external_id))
        return Status(200, _job_update(request, job, {**payload.dict(), "external_id": external_id}))
