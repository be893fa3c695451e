"""Bad input: markup typed into names, notes and job titles is shown as text on every page that shows it."""

import pytest
from django.urls import reverse

from notifications.models import OutboundMessage
from recruiting.models import Stage
from recruiting.services import application_create, application_move
from tests.factories import CandidateFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'


@pytest.fixture
def marked_up(recruiter):
    client_firm = ClientFactory(name=IMAGE)
    job = JobFactory(owner=recruiter, client=client_firm, title=f"Engineer {SCRIPT}")
    candidate = CandidateFactory(owner=recruiter, first_name=SCRIPT, last_name=IMAGE)
    application = application_create(candidate=candidate, job=job, by=recruiter)
    application_move(application=application, to_stage=Stage.SCREENING, by=recruiter, note=f"Note {SCRIPT}")
    return application


def assert_escaped(page: str) -> None:
    assert SCRIPT not in page
    assert IMAGE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_workspace_pages_escape_names_titles_and_notes(client, recruiter, marked_up):
    client.force_login(recruiter)
    message = OutboundMessage.objects.filter(application=marked_up).first()
    urls = [
        reverse("job_board", args=[marked_up.job_id]),
        reverse("job_stage", args=[marked_up.job_id, Stage.SCREENING]),
        reverse("job_list"),
        reverse("candidate_detail", args=[marked_up.candidate_id]),
        reverse("candidate_list"),
        reverse("search") + "?q=Engineer",
        reverse("outbox") + "?status=held",
        reverse("outbox_message", args=[message.pk]),
        reverse("application_move", args=[marked_up.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode())


def test_admin_pages_escape_names_titles_and_notes(client, marked_up):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, profile__role="admin"))
    urls = [
        reverse("admin:recruiting_application_changelist"),
        reverse("admin:recruiting_application_change", args=[marked_up.pk]),
        reverse("admin:candidates_candidate_changelist"),
        reverse("admin:recruiting_job_changelist"),
        reverse("admin:notifications_outboundmessage_changelist"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode())


def test_the_email_html_part_escapes_names_and_titles(marked_up):
    message = OutboundMessage.objects.filter(application=marked_up, template_code="screening").get()
    assert SCRIPT not in message.body_html
    assert "&lt;script&gt;" in message.body_html
