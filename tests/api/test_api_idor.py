"""Every API route that writes to a record named by id refuses a recruiter of another team (403, nothing
written), and the owner gets through with the same request; a new route must be listed here."""

import pytest

from api.main import api
from recruiting.models import AuditLog, Stage
from tests.api.conftest import assert_problem
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

# route name: (method, the path under /api/v1/ for the application `a`, body). Clients and hiring managers
# are the firm's shared address book (anyone signed in keeps them); webhooks are for admins.
WRITES = {
    "applications_update": ("patch", lambda a: f"/applications/{a.pk}", {"external_id": "X-1"}),
    "applications_move": ("post", lambda a: f"/applications/{a.pk}/move", {"stage": "submitted"}),
    "applications_contact": ("post", lambda a: f"/applications/{a.pk}/contacts", {"channel": "phone"}),
    "applications_promise": ("post", lambda a: f"/applications/{a.pk}/promise", {"next_step_date": None}),
    "candidates_update": ("patch", lambda a: f"/candidates/{a.candidate_id}", {"first_name": "Changed"}),
    "jobs_update": ("patch", lambda a: f"/jobs/{a.job_id}", {"title": "Changed"}),
}
SHARED = {"clients_update", "hiring_managers_update"}
ADMIN_ONLY = {"webhooks_update", "webhooks_redeliver"}
READS = {
    "candidates_read",
    "clients_read",
    "hiring_managers_read",
    "jobs_read",
    "applications_read",
    "applications_clock",
    "applications_messages",
    "applications_prompts",
    "webhooks_read",
    "webhooks_deliveries",
}


def _api_routes_with_an_id():
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            if "{int:" in path:
                yield from (operation.view_func.__name__ for operation in path_view.operations)


def test_every_api_route_with_an_id_is_listed():
    names = set(_api_routes_with_an_id())
    assert names, "the walk finds the API's routes"
    assert names == set(WRITES) | SHARED | ADMIN_ONLY | READS


@pytest.fixture
def world(db):
    owner = UserFactory()
    application = ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)
    return owner, application


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_recruiter_of_another_team_is_refused_and_nothing_is_written(api_for, world, name):
    owner, application = world
    method, path, body = WRITES[name]
    outsider = api_for(UserFactory())
    application.refresh_from_db()
    before = (AuditLog.objects.count(), application.updated_at)
    assert_problem(getattr(outsider, method)(path(application), body), 403)
    application.refresh_from_db()
    assert (AuditLog.objects.count(), application.updated_at) == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_the_owner_gets_through_with_the_same_request(api_for, world, name):
    owner, application = world
    method, path, body = WRITES[name]
    response = getattr(api_for(owner), method)(path(application), body)
    assert response.status_code in (200, 201), response.content
    assert AuditLog.objects.filter(actor=owner).exclude(action="api_key.create").exists()


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_webhook_routes_are_for_admins(api_for, world, name):
    path = "/webhooks/1" if name == "webhooks_update" else "/webhooks/deliveries/1/redeliver"
    method = "patch" if name == "webhooks_update" else "post"
    assert_problem(getattr(api_for(world[0]), method)(path, {}), 403)
