"""Erasure and export beyond the app's own tables: Django admin's action log ("Recent actions") and the
mail files of the embedded mode (INLOOP_RUN_DIR/mail)."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, mailers
from django.urls import reverse

from candidates.models import Candidate
from candidates.services.data_rights import candidate_erase, candidate_export
from recruiting.models import Application
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return ApplicationFactory(candidate__first_name="Oluwaseun", candidate__last_name="Adeyemi-Brandt")


def _logged(user, obj, model):
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(model),
        object_id=str(obj.pk),
        object_repr=str(obj),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Owner"]}}]',
    )


def test_the_admin_log_is_exported_and_erased(client, admin_user, application):
    candidate = application.candidate
    _logged(admin_user, candidate, Candidate)
    _logged(admin_user, application, Application)
    client.force_login(admin_user)
    assert "Adeyemi-Brandt" in client.get(reverse("admin:index")).content.decode()

    exported = candidate_export(candidate=candidate, by=admin_user)["admin_log"]
    candidate_erase(candidate=candidate, by=admin_user)

    assert [(entry["action"], entry["object"]) for entry in exported] == [
        ("changed", "Oluwaseun Adeyemi-Brandt"),
        ("changed", str(application)),
    ]
    assert exported[0]["change"] == "Changed Owner."
    assert "Adeyemi-Brandt" not in client.get(reverse("admin:index")).content.decode()
    assert not LogEntry.objects.filter(object_repr__icontains="Adeyemi").exists()
    assert LogEntry.objects.count() == 2


@pytest.fixture
def mail_folder(settings, tmp_path):
    folder = tmp_path / "mail"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(folder)},
        }
    }
    return folder


def _send(*messages):
    connection = mailers.default
    connection.send_messages(list(messages))
    connection.close()


def test_the_mail_files_are_exported_and_erased(
    mail_folder, admin_user, application, django_capture_on_commit_callbacks
):
    candidate = application.candidate
    _send(
        EmailMessage("Your application", "Hello Oluwaseun, news soon.", to=[candidate.email]),
        EmailMessage("Digest", "Oluwaseun Adeyemi-Brandt is owed an update.", to=["recruiter@firm.example"]),
        EmailMessage("Someone else", "Hello Kwame.", to=["kwame@mail.example"]),
    )
    _send(EmailMessage("Übermorgen", "Grüße an Oluwaseun.", to=[f"Oluwaseun <{candidate.email}>"]))

    exported = candidate_export(candidate=candidate, by=admin_user)["mail_files"]
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(candidate=candidate, by=admin_user)

    assert sorted(entry["subject"] for entry in exported) == ["Digest", "Your application", "Übermorgen"]
    left = b"".join(path.read_bytes() for path in mail_folder.iterdir())
    assert len(list(mail_folder.iterdir())) == 1, "a file left empty is deleted"
    assert b"kwame@mail.example" in left
    assert candidate.email.encode() not in left and b"Adeyemi" not in left


def test_an_erasure_rolled_back_leaves_the_mail_files(
    mail_folder, admin_user, application, django_capture_on_commit_callbacks
):
    _send(EmailMessage("Your application", "Hello.", to=[application.candidate.email]))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        candidate_erase(candidate=application.candidate, by=admin_user)

    assert len(callbacks) >= 1
    assert application.candidate.email.encode() in b"".join(p.read_bytes() for p in mail_folder.iterdir())
