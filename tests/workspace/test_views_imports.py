"""CSV imports in the background: the upload answers at once and queues a task with an id only; the
worker imports with progress; the page shows where it stands; the refused rows download as CSV."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import Candidate, CandidateImport
from candidates.services.import_runs import candidate_import_run
from recruiting.models import Job
from tests.factories import JobFactory, UserFactory

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
    assert [(task.name, task.args) for task in sent_tasks] == [("candidates.tasks.candidate_import_run", [run.pk])]
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


def _finished(recruiter, content: bytes) -> CandidateImport:
    run = CandidateImport.objects.create(uploaded_by=recruiter, content=content, file_name="people.csv")
    candidate_import_run(import_id=run.pk)
    run.refresh_from_db()
    return run


def test_the_old_synchronous_import_address_leads_to_the_one_import_page(client, recruiter):
    old = "/candidates/import/"
    assert client.get(old)["Location"].startswith(reverse("login"))  # closed to strangers, as before
    client.force_login(recruiter)

    response = client.get(old)
    posted = client.post(old, {"file": SimpleUploadedFile("people.csv", GOOD_AND_BAD, content_type="text/csv")})

    assert response.status_code == 301 and response["Location"] == reverse("import_new")
    assert posted.status_code == 405  # nothing is imported inside a web request any more
    assert not Candidate.objects.exists() and not CandidateImport.objects.exists()


def test_every_link_to_the_import_points_at_the_background_import(client, recruiter):
    client.force_login(recruiter)

    candidates_page = client.get(reverse("candidate_list")).content.decode()

    assert f'href="{reverse("import_new")}"' in candidates_page
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "candidate_import" not in text and "/candidates/import/" not in text, template


def test_the_upload_page_documents_the_columns_and_lists_open_jobs_with_their_numbers(client, recruiter):
    open_job = JobFactory(title="Site manager", client__name="Northgate Builders")
    closed_job = JobFactory(title="Night porter", status=Job.Status.CLOSED)
    client.force_login(recruiter)

    response = client.get(reverse("import_new"))

    page = response.content.decode()
    for column in ("first_name", "email", "last_name", "phone", "time_zone", "owner", "job", "client", "job_id"):
        assert f"<td><code>{column}</code></td>" in page
    assert f"<tr><td>{open_job.pk}</td>" in page and "Northgate Builders" in page
    assert "Night porter" not in page and f"<tr><td>{closed_job.pk}</td>" not in page


def test_a_finished_import_says_what_finished(client, recruiter):
    run = _finished(recruiter, GOOD_AND_BAD)
    client.force_login(recruiter)

    page = client.get(reverse("import_progress", args=[run.pk])).content.decode()

    assert "4 rows read: 2 imported, 2 refused." in " ".join(page.split())
    assert "so far" not in page


def test_a_row_already_imported_is_skipped_and_said_so_not_refused(client, recruiter):
    job = JobFactory(owner=recruiter, title="Welder")
    content = (
        f"first_name,email,job_id\nAna,ana@example.org,{job.pk}\nBo,bo@example.org,\nCy,not-an-address,\n"
    ).encode()
    _finished(recruiter, content)

    again = _finished(recruiter, content)

    assert (again.rows, again.imported, again.already_imported, len(again.refused)) == (3, 0, 2, 1)
    assert [line for line, _ in again.refused] == [4]
    client.force_login(recruiter)
    page = " ".join(client.get(reverse("import_progress", args=[again.pk])).content.decode().split())
    assert "3 rows read: 0 imported, 2 already imported (skipped), 1 refused." in page
    assert Candidate.objects.count() == 2


def test_a_file_names_the_job_by_its_title_and_client(recruiter):
    welder = JobFactory(owner=recruiter, title="Welder", client__name="Harbour Works")
    JobFactory(owner=recruiter, title="Welder", client__name="Eastfield Metals")
    unique = JobFactory(owner=recruiter, title="Crane operator")
    content = (
        b"first_name,email,job,client,stage\n"
        b"Ana,ana@example.org,welder,harbour works,screening\n"
        b"Bo,bo@example.org,Crane operator,,\n"
        b"Cy,cy@example.org,Welder,,\n"
        b"Di,di@example.org,Painter,,\n"
    )

    run = _finished(recruiter, content)

    assert (run.imported, run.applications_created) == (2, 2)
    assert Candidate.objects.get(email="ana@example.org").applications.get().job == welder
    assert Candidate.objects.get(email="ana@example.org").applications.get().stage == "screening"
    assert Candidate.objects.get(email="bo@example.org").applications.get().job == unique
    reasons = dict(run.refused)
    assert "2 jobs are called 'Welder' (at Eastfield Metals, Harbour Works): name the client." in reasons[4]
    assert "There is no job called 'Painter'." in reasons[5]


def test_an_upload_without_a_file_shows_the_error(client, recruiter, sent_tasks):
    client.force_login(recruiter)

    response = client.post(reverse("import_new"), {})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not CandidateImport.objects.exists() and not sent_tasks
