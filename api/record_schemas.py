"""The request and response bodies of the records API (api.records): candidates, clients, hiring managers
and jobs, each with its input, partial update, output and page of a list."""

from datetime import datetime

from ninja import Schema

from api.schemas import InputSchema
from candidates.models import Candidate
from recruiting.models import HiringManager, Job


class Page(Schema):
    next_cursor: str | None


# Candidates ---------------------------------------------------------------------------------------------


class CandidateIn(InputSchema):
    first_name: str
    last_name: str = ""
    email: str
    phone: str = ""
    time_zone: str = "UTC"
    owner: str | None = None
    external_id: str | None = None


class CandidatePatch(InputSchema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    time_zone: str | None = None
    external_id: str | None = None


class CandidateOut(Schema):
    id: int
    external_id: str | None
    first_name: str
    last_name: str
    email: str
    phone: str
    time_zone: str
    owner: str
    automated_updates_paused: bool
    do_not_contact: bool
    email_status: str
    erased: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Candidate) -> str:
        return obj.owner.get_username()

    @staticmethod
    def resolve_erased(obj: Candidate) -> bool:
        return obj.erased_at is not None


class CandidatePage(Page):
    items: list[CandidateOut]


# Clients ------------------------------------------------------------------------------------------------


class ClientIn(InputSchema):
    name: str
    industry: str = ""
    name_visible_before_submission: bool = False
    external_id: str | None = None


class ClientPatch(InputSchema):
    name: str | None = None
    industry: str | None = None
    name_visible_before_submission: bool | None = None
    external_id: str | None = None


class ClientOut(Schema):
    id: int
    external_id: str | None
    name: str
    industry: str
    name_visible_before_submission: bool
    created_at: datetime
    updated_at: datetime


class ClientPage(Page):
    items: list[ClientOut]


# Hiring managers ----------------------------------------------------------------------------------------


class HiringManagerIn(InputSchema):
    client_id: int | None = None
    client_external_id: str | None = None
    name: str
    email: str
    time_zone: str = "UTC"
    do_not_email: bool = False
    external_id: str | None = None


class HiringManagerPatch(InputSchema):
    name: str | None = None
    email: str | None = None
    time_zone: str | None = None
    do_not_email: bool | None = None
    external_id: str | None = None


class HiringManagerOut(Schema):
    id: int
    external_id: str | None
    client_id: int
    name: str
    email: str
    time_zone: str
    do_not_email: bool
    erased: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_erased(obj: HiringManager) -> bool:
        return obj.erased_at is not None


class HiringManagerPage(Page):
    items: list[HiringManagerOut]


# Jobs ---------------------------------------------------------------------------------------------------


class JobIn(InputSchema):
    client_id: int | None = None
    client_external_id: str | None = None
    title: str
    location: str = ""
    owner: str | None = None
    external_id: str | None = None


class JobPatch(InputSchema):
    title: str | None = None
    location: str | None = None
    owner: str | None = None
    status: str | None = None
    external_id: str | None = None


class JobOut(Schema):
    id: int
    external_id: str | None
    client_id: int
    title: str
    location: str
    owner: str
    status: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(obj: Job) -> str:
        return obj.owner.get_username()


class JobPage(Page):
    items: list[JobOut]
