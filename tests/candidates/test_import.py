"""CSV import (bad input): good rows in, each bad row reported with its line and reason, nothing
half-written; internationalised names and addresses kept exactly (B4)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from candidates.models import Candidate
from candidates.services.imports import PROGRESS_EVERY, ImportFileError, candidates_import_csv
from notifications.models import OutboundMessage
from recruiting.models import Application, Job, Stage
from tests.factories import CandidateFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def _import(text: str, by, **kwargs):
    return candidates_import_csv(file=io.BytesIO(text.encode("utf-8")), by=by, **kwargs)


def test_good_rows_are_imported_and_each_bad_row_reported_with_its_line(recruiter):
    job = JobFactory(owner=recruiter)
    closed = JobFactory(status=Job.Status.CLOSED)
    text = (
        "first_name,last_name,email,phone,time_zone,job_id,stage\n"
        f"Adaeze,Nwosu,adaeze@mail.example,+234 801 234 5678,Africa/Lagos,{job.pk},screening\n"  # line 2: good
        "Bram,de Vries,not-an-address,,,,\n"  # line 3: bad address
        ",Lindqvist,lin@mail.example,,,,\n"  # line 4: no first name
        "Chen,Wei,chen.wei@mail.example,,Mars/Olympus,,\n"  # line 5: unknown time zone
        f"Dara,Kelly,dara@mail.example,,,{closed.pk},\n"  # line 6: closed job (rolled back with the candidate)
        "Eitan,Levi,eitan@mail.example,,,99999,\n"  # line 7: unknown job
        f"Farah,Haddad,farah@mail.example,,,{job.pk},hired\n"  # line 8: unknown stage
        '"Gwen\nOwen",Jones,gwen@mail.example,,,,\n'  # line 9-10: line break inside a name
        "Hana,Sato,hana@mail.example,,Asia/Tokyo,,\n"  # line 11: good
        "Ines,Costa,ines@mail.example,,,,,extra\n"  # line 12: too many columns
    )

    report = _import(text, recruiter)

    assert [(error.line, error.reason.split(":")[0]) for error in report.errors] == [
        (3, "email"),
        (4, "first name"),
        (5, "time zone"),
        (6, "job"),
        (7, "job id"),
        (8, "stage"),
        (9, "first name"),
        (12, "This row has more columns than the header."),
    ]
    assert "not a valid email domain" in report.errors[0].reason or "needs a name, an @" in report.errors[0].reason
    assert "not open for new applications" in report.errors[3].reason
    assert report.rows == 10 and report.imported == 2
    assert report.candidates_created == 2 and report.applications_created == 1
    assert set(Candidate.objects.values_list("email", flat=True)) == {"adaeze@mail.example", "hana@mail.example"}
    adaeze = Candidate.objects.get(email="adaeze@mail.example")
    assert adaeze.time_zone == "Africa/Lagos" and adaeze.owner == recruiter
    assert Application.objects.get(candidate=adaeze).stage == Stage.SCREENING


def test_a_failing_row_leaves_nothing_behind(recruiter):
    closed = JobFactory(status=Job.Status.CLOSED)

    report = _import(f"first_name,email,job_id\nDara,dara@mail.example,{closed.pk}\n", recruiter)

    assert len(report.errors) == 1
    assert not Candidate.objects.exists()
    assert not Application.objects.exists()


def test_imported_history_sends_no_email(recruiter):
    job = JobFactory(owner=recruiter)

    _import(f"first_name,email,job_id,stage\nAdaeze,adaeze@mail.example,{job.pk},interviewing\n", recruiter)

    assert Application.objects.get().stage == Stage.INTERVIEWING
    assert not OutboundMessage.objects.exclude(status=OutboundMessage.Status.CANCELLED).exists()


def test_known_address_adds_the_application_to_the_existing_candidate(recruiter):
    existing = CandidateFactory(email="Adaeze@Mail.example", owner=recruiter)
    job = JobFactory(owner=recruiter)

    report = _import(f"first_name,email,job_id\nAdaeze,adaeze@mail.example,{job.pk}\n", recruiter)

    assert report.candidates_existing == 1 and report.candidates_created == 0
    assert Candidate.objects.count() == 1
    assert Application.objects.get().candidate == existing


def test_the_same_application_twice_is_skipped_as_already_imported(recruiter):
    job = JobFactory(owner=recruiter)
    row = f"Adaeze,adaeze@mail.example,{job.pk}\n"

    report = _import("first_name,email,job_id\n" + row + row, recruiter)

    assert report.errors == []
    assert (report.rows, report.imported, report.already_imported) == (2, 1, 1)
    assert Application.objects.count() == 1


def test_internationalised_values_are_kept_exactly(recruiter):
    text = (
        "first_name,last_name,email\n"
        "José 🚀,Müller-Łukasiewicz,josé.müller@bücher.example\n"
        "محمد,العتيبي,user@xn--bcher-kva.example\n"
        "שרה,כהן,שרה@דוגמה.example\n"
    )

    report = _import(text, recruiter)

    assert report.errors == []
    kept = set(Candidate.objects.values_list("first_name", "last_name", "email"))
    assert kept == {
        ("José 🚀", "Müller-Łukasiewicz", "josé.müller@bücher.example"),
        ("محمد", "العتيبي", "user@xn--bcher-kva.example"),
        ("שרה", "כהן", "שרה@דוגמה.example"),
    }


def test_owner_column_names_the_recruiter(admin_user):
    # An admin imports for anyone; a recruiter only for themselves (tests/test_idor.py).
    other = UserFactory(username="kofi", email="kofi@firm.example")

    report = _import(
        "first_name,email,owner\nAma,ama@mail.example,kofi\nYaw,yaw@mail.example,KOFI@firm.example\n"
        "Esi,esi@mail.example,nobody\n",
        admin_user,
    )

    assert [error.line for error in report.errors] == [4]
    assert "no active recruiter 'nobody'" in report.errors[0].reason
    assert set(Candidate.objects.values_list("owner", flat=True)) == {other.pk}


def test_rows_without_an_owner_need_an_importing_user(db):
    report = _import("first_name,email\nAma,ama@mail.example\n", None)

    assert "Name the recruiter" in report.errors[0].reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        (
            "name,address\nAma,ama@mail.example\n",
            "missing column(s): first_name, email; unknown column(s): name, address",
        ),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(recruiter, text, message):
    with pytest.raises(ImportFileError) as raised:
        _import(text, recruiter)

    assert message in raised.value.messages[0]
    assert not Candidate.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(recruiter):
    data = "first_name,email\nJosé,jose@mail.example\n".encode("latin-1")

    with pytest.raises(ImportFileError, match="not UTF-8"):
        candidates_import_csv(file=io.BytesIO(data), by=recruiter)


def test_excel_byte_order_mark_and_header_case_are_accepted(recruiter):
    data = "\ufeffFirst_Name,EMAIL\r\nAma,ama@mail.example\r\n".encode()

    report = candidates_import_csv(file=SimpleUploadedFile("people.csv", data), by=recruiter)

    assert report.imported == 1 and report.errors == []


def test_progress_is_reported_for_large_files(recruiter):
    rows = "".join(f"Person{n},person{n}@mail.example\n" for n in range(PROGRESS_EVERY * 2 + 5))
    seen = []

    report = _import("first_name,email\n" + rows, recruiter, progress=lambda r: seen.append((r.rows, r.imported)))

    assert seen == [(PROGRESS_EVERY, PROGRESS_EVERY), (PROGRESS_EVERY * 2, PROGRESS_EVERY * 2), (205, 205)]
    assert report.imported == Candidate.objects.count() == 205


def test_command_imports_and_lists_bad_rows(recruiter, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("first_name,email\nAma,ama@mail.example\nYaw,yaw@\n", encoding="utf-8")

    with pytest.raises(CommandError, match="1 row"):
        call_command("import_candidates", str(path), "--as", recruiter.username)

    out = capsys.readouterr().out
    assert "Imported 1 of 2 rows" in out
    assert "Line 3: email:" in out
    assert Candidate.objects.get().email == "ama@mail.example"


def test_command_with_a_clean_file_succeeds(recruiter, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("first_name,email\nAma,ama@mail.example\n", encoding="utf-8")

    call_command("import_candidates", str(path), "--as", recruiter.username)

    assert "Imported 1 of 1 rows: 1 new candidate(s)" in capsys.readouterr().out


def test_a_recruiter_may_name_only_owners_they_may_act_for(recruiter):
    UserFactory(username="kofi")

    report = _import("first_name,email,owner\nAma,ama@mail.example,kofi\n", recruiter)

    assert [error.line for error in report.errors] == [2]
    assert "You may not give candidates to 'kofi'" in report.errors[0].reason
    assert not Candidate.objects.exists()
