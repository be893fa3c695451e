"""CSV imports in the background: the upload answers at once and queues a task with an id only; the
worker imports with progress; the page shows where it stands; the refused rows download as CSV."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import Candidate, CandidateImport
from candidates.services.import_runs import candidate_import_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = (
    b"first_name,email,time_zone\n"
    b"Ana,ana@example.org,Europe/Lisbon\n"
    b"Bo,not-an-address,UTC\n"
    b"=HYPERLINK(1),x@example.org,Mars/Olympus\n"
    b"Cy,cy@example.org,UTC\n"
)


def _upload(client, content=GOOD_AND_BAD, name="people.csv"):
    return client.post(reverse("import_new"), {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_the_upload_answers_at_once_and_the_task_carries_an_id_only(
    client, recruiter, sent_tasks, django_capture_on_commit_callbacks
):
    client.force_login(recruiter)

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client)

    run = CandidateImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("import_progress", args=[run.pk])
    assert [(task.name, task.args) for task in sent_tasks] == [("recruiting.tasks.candidate_import_run", [run.pk])]
    assert not Candidate.objects.exists()  # nothing imported inside the request
    page = client.get(response.url).content.decode()
    assert "Waiting for a worker" in page and 'hx-trigger="every 2s"' in page


def test_the_worker_imports_and_the_page_and_csv_report_refused_rows(client, recruiter, django_assert_max_num_queries):
    run = CandidateImport.objects.create(uploaded_by=recruiter, content=GOOD_AND_BAD, file_name="people.csv")

    candidate_import_run(import_id=run.pk)
    again = candidate_import_run(import_id=run.pk)  # a second delivery changes nothing

    run.refresh_from_db()
    assert (run.status, run.rows, run.candidates_created) == ("finished", 4, 2)
    assert again.candidates_created == 2
    assert [line for line, _ in run.refused] == [3, 4]
    assert set(Candidate.objects.values_list("email", flat=True)) == {"ana@example.org", "cy@example.org"}
    client.force_login(recruiter)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("import_progress", args=[run.pk])).content.decode()
    assert "2 rows not imported" in page and "every 2s" not in page
    report = client.get(reverse("import_refused_csv", args=[run.pk]))
    lines = report.content.decode().splitlines()
    assert lines[0] == "line,reason" and lines[1].startswith("3,") and len(lines) == 3
    assert "attachment" in report["Content-Disposition"]


def test_a_file_that_cannot_be_read_is_reported(recruiter):
    run = CandidateImport.objects.create(uploaded_by=recruiter, content=b"name,mail\nA,a@example.org\n")

    candidate_import_run(import_id=run.pk)

    run.refresh_from_db()
    assert run.status == "failed" and "missing column(s): first_name, email" in run.error


def test_an_empty_upload_is_refused(client, recruiter, sent_tasks):
    client.force_login(recruiter)

    response = _upload(client, content=b"")

    assert response.status_code == 400
    assert not CandidateImport.objects.exists() and not sent_tasks


def test_someone_elses_import_is_refused_but_an_admin_may_look(client, recruiter, admin_user):
    run = CandidateImport.objects.create(uploaded_by=UserFactory(), content=GOOD_AND_BAD)
    client.force_login(recruiter)
    assert client.get(reverse("import_progress", args=[run.pk])).status_code == 403

    client.force_login(admin_user)
    assert client.get(reverse("import_progress", args=[run.pk])).status_code == 200
