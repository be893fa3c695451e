"""The candidate's status page (bad input): signed links, docs/rules.md#confidential-client, GET changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from candidates import links
from notifications.models import OutboundMessage
from notifications.services.status_links import candidate_link_rotate
from recruiting.models import AuditLog, Stage, StageChange
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def _status_path(candidate) -> str:
    return links.status_page_url(candidate).removeprefix("http://testserver")


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def application():
    owner = UserFactory(first_name="Dana", last_name="Whitlock", email="dana@firm.example")
    candidate = CandidateFactory(first_name="Amira", last_name="Okafor", owner=owner, email="amira@mail.example")
    job = JobFactory(title="Payroll Analyst", client=ClientFactory(name="Northwind Ledger Ltd", industry="fintech"))
    return ApplicationFactory(
        candidate=candidate, job=job, owner=owner, next_update_due=timezone.now() + timedelta(days=3)
    )


def test_status_page_lists_each_application_in_plain_words(client, application):
    response = client.get(_status_path(application.candidate))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Hello Amira" in page
    assert "Payroll Analyst" in page
    assert "Application received" in page
    assert "Dana Whitlock" in page and "dana@firm.example" in page
    assert "You will hear from us by" in page
    assert application.next_update_due.date().strftime("%-d %B %Y") in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_client_name_is_hidden_before_submission(client, application):
    page = client.get(_status_path(application.candidate)).content.decode()

    assert "Northwind Ledger" not in page
    assert "a client of ours in fintech" in page


def test_client_name_is_shown_once_submitted_even_after_rejection(client, application):
    StageChange.objects.create(application=application, from_stage=Stage.SCREENING, to_stage=Stage.SUBMITTED)
    application.stage = Stage.REJECTED
    application.stage_entered_at = application.closed_at = timezone.now()
    application.last_informed_at = timezone.now() + timedelta(seconds=1)
    application.save()

    page = client.get(_status_path(application.candidate)).content.decode()

    assert "Northwind Ledger Ltd" in page
    assert "Not going ahead" in page
    assert "Ask my recruiter for an update" not in page


def test_a_rejection_is_not_shown_before_someone_told_the_candidate(client, application):
    application.stage = Stage.REJECTED
    application.stage_entered_at = application.closed_at = timezone.now()
    application.last_informed_at = timezone.now() - timedelta(days=3)
    application.save()
    path = _status_path(application.candidate)

    before = client.get(path).content.decode()
    application.last_informed_at = timezone.now() + timedelta(seconds=1)
    application.save()
    after = client.get(path).content.decode()

    assert "Not going ahead" not in before
    assert "Your recruiter will be in touch with you about this application very soon" in before
    assert "Not going ahead" in after


def test_client_that_allows_it_is_named_before_submission(client, application):
    application.job.client.name_visible_before_submission = True
    application.job.client.save()

    page = client.get(_status_path(application.candidate)).content.decode()

    assert "Northwind Ledger Ltd" in page


def test_markup_in_names_and_titles_is_escaped(client):
    candidate = CandidateFactory(first_name='<script>alert("x")</script>')
    ApplicationFactory(candidate=candidate, job=JobFactory(title='"><img src=x onerror=alert(1)>'))

    page = client.get(_status_path(candidate)).content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_page_has_no_inline_script_or_style(client, application):
    page = client.get(_status_path(application.candidate)).content.decode()

    assert "<script" not in page
    assert "<style" not in page
    assert "style=" not in page
    assert 'lang="en"' in page and 'name="viewport"' in page


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"), id="signature"),
        pytest.param(lambda token: "9999" + token[token.index(".") :], id="candidate-id"),
        pytest.param(lambda token: token.split(":")[0], id="unsigned"),
        pytest.param(lambda token: "not-a-token", id="garbage"),
    ],
)
def test_tampered_link_is_404_and_shows_nothing(client, application, mangle):
    token = links.status_page_url(application.candidate).rstrip("/").rsplit("/", 1)[1]

    response = client.get(reverse("candidates:status", args=[mangle(token)]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "Amira" not in page and "Payroll" not in page and "Dana" not in page


def test_expired_link_is_404_shows_nothing_and_offers_a_new_link(client, application):
    path = _status_path(application.candidate)

    with time_machine.travel(timezone.now() + timedelta(days=61)):
        response = client.get(path)

    assert response.status_code == 404
    page = response.content.decode()
    assert "This link has expired" in page
    assert "Amira" not in page and "Payroll" not in page and "amira@mail.example" not in page
    assert "Email me a new link" in page


def test_link_still_works_just_before_it_expires(client, application):
    path = _status_path(application.candidate)

    with time_machine.travel(timezone.now() + timedelta(days=59)):
        response = client.get(path)

    assert response.status_code == 200


def test_unsubscribe_token_does_not_open_the_status_page(client, application):
    token = links.unsubscribe_url(application.candidate).rstrip("/").rsplit("/", 1)[1]

    response = client.get(reverse("candidates:status", args=[token]))

    assert response.status_code == 404


def test_each_candidate_sees_only_their_own_applications(client, application):
    other = ApplicationFactory(job=JobFactory(title="Warehouse Supervisor"))

    mine = client.get(_status_path(application.candidate)).content.decode()
    theirs = client.get(_status_path(other.candidate)).content.decode()

    assert "Payroll Analyst" in mine and "Warehouse Supervisor" not in mine
    assert "Warehouse Supervisor" in theirs and "Payroll Analyst" not in theirs


def test_rotated_link_stops_working_and_the_new_one_is_emailed(client, application, django_capture_on_commit_callbacks):
    old_path = _status_path(application.candidate)

    with django_capture_on_commit_callbacks(execute=False):
        candidate = candidate_link_rotate(candidate=application.candidate, by=None)

    assert client.get(old_path).status_code == 404
    assert client.get(_status_path(candidate)).status_code == 200
    message = OutboundMessage.objects.get(candidate=candidate, template_code="status_link")
    assert message.to_address == "amira@mail.example"
    assert _status_path(candidate) in message.body_text


def test_erased_candidate_link_is_404(client, application):
    path = _status_path(application.candidate)
    application.candidate.erased_at = timezone.now()
    application.candidate.save()

    assert client.get(path).status_code == 404


def test_get_changes_nothing(client, application):
    path = _status_path(application.candidate)
    before = _row_counts()
    candidate_before = type(application.candidate).objects.filter(pk=application.candidate.pk).values().get()

    for _ in range(3):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=90)):
        assert client.get(path).status_code == 404
    unsubscribe = links.unsubscribe_url(application.candidate).removeprefix("http://testserver")
    assert client.get(unsubscribe).status_code == 200

    assert _row_counts() == before
    assert type(application.candidate).objects.filter(pk=application.candidate.pk).values().get() == candidate_before
    assert not AuditLog.objects.filter(action__startswith="candidate.").exclude(action="candidate.create").exists()


def test_status_page_query_count_does_not_grow_with_applications(client, django_assert_max_num_queries):
    candidate = CandidateFactory()
    for _ in range(12):
        application = ApplicationFactory(candidate=candidate)
        StageChange.objects.create(application=application, from_stage=Stage.NEW, to_stage=Stage.SCREENING)

    # The candidate, their applications, and the firm's name for the page's header (one settings row).
    with django_assert_max_num_queries(3):
        response = client.get(_status_path(candidate))

    assert response.status_code == 200
    assert response.content.decode().count("<article") == 12


def _new_link_path(path: str) -> str:
    return path + "new-link/"


def test_asking_for_a_new_link_on_the_page_retires_this_one(client, application, django_capture_on_commit_callbacks):
    path = _status_path(application.candidate)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(_new_link_path(path))

    assert response.status_code == 200
    page = response.content.decode()
    assert "A new link is on its way" in page
    assert "amira@mail.example" not in page
    assert client.get(path).status_code == 404
    assert OutboundMessage.objects.filter(candidate=application.candidate, template_code="status_link").count() == 1


def test_expired_link_can_still_ask_for_a_new_one(client, application, django_capture_on_commit_callbacks):
    path = _status_path(application.candidate)

    with time_machine.travel(timezone.now() + timedelta(days=90)):
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post(_new_link_path(path))

    assert response.status_code == 200
    message = OutboundMessage.objects.get(candidate=application.candidate, template_code="status_link")
    assert message.to_address == "amira@mail.example"


def test_forged_or_retired_link_cannot_ask_for_a_new_one(client, application, django_capture_on_commit_callbacks):
    path = _status_path(application.candidate)
    forged = path.rstrip("/")[:-4] + "AAAA/"
    with django_capture_on_commit_callbacks(execute=False):
        client.post(_new_link_path(path))

    with django_capture_on_commit_callbacks(execute=False):
        retired = client.post(_new_link_path(path))
        tampered = client.post(_new_link_path(forged))

    assert retired.status_code == 404 and tampered.status_code == 404
    assert OutboundMessage.objects.filter(template_code="status_link").count() == 1


def test_new_link_asks_are_rate_limited(client, application, settings, django_capture_on_commit_callbacks):
    settings.INLOOP_CANDIDATE_POSTS_PER_HOUR = 2
    path = _status_path(application.candidate)
    with django_capture_on_commit_callbacks(execute=False):
        codes = [client.post(_new_link_path(path)).status_code for _ in range(3)]

    assert codes == [200, 404, 429]


def test_page_still_opens_when_the_candidates_time_zone_is_unknown(client, application):
    type(application.candidate).objects.filter(pk=application.candidate.pk).update(time_zone="Atlantis/Lost")

    response = client.get(_status_path(application.candidate))

    assert response.status_code == 200
    assert "Payroll Analyst" in response.content.decode()


@pytest.mark.django_db
def test_a_link_is_the_reversed_route_with_its_token(settings):
    candidate = CandidateFactory()
    settings.INLOOP_BASE_URL = "https://jobs.example"
    status, unsubscribe = links.status_page_url(candidate), links.unsubscribe_url(candidate)
    status_token = status.rstrip("/").rpartition("/")[2]
    unsubscribe_token = unsubscribe.rstrip("/").rpartition("/")[2]
    assert status == "https://jobs.example" + reverse("candidates:status", args=[status_token])
    assert unsubscribe == "https://jobs.example" + reverse("candidates:unsubscribe", args=[unsubscribe_token])
    assert links.candidate_from_token(status_token) == candidate
    assert links.candidate_from_token(unsubscribe_token, salt=links.UNSUBSCRIBE_SALT) == candidate
