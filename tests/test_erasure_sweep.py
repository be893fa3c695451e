"""One erasure sweep for every kind of person, proved the way it was found wanting: the real management
commands (`erase_hiring_manager`, `erase_candidate`), then every text column of every table of every
installed app (Django's admin log, sessions and all), every stored raw column, and every mail file of the
embedded mode searched for the person's name and each address they ever had."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.mail import EmailMessage, mailers
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from candidates.models import Candidate
from candidates.services.people import candidate_update
from notifications.models import InboundMessage, OutboundMessage
from notifications.services import sending
from notifications.services.messages import message_check_in_queue
from recruiting.client_links import client_answer_token
from recruiting.models import HiringManager, RecruiterPrompt, Stage
from recruiting.services import application_move
from recruiting.services.client_replies import ClientReplyWords, client_reply_record
from recruiting.services.clients import client_answers_chase
from tests.factories import ApplicationFactory, ClientFactory, JobFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)
THURSDAY = datetime(2026, 11, 19, 11, tzinfo=UTC)


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


def _found_anywhere(needles: list[str], mail_folder) -> list[str]:
    """Where any of the strings still is: "app.Model.field #pk" for a row, "mail file name" for a file."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        fields += [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        for field in fields:
            for needle in needles:
                rows = model._default_manager.filter(**{f"{field.attname}__icontains": needle})
                found += [f"{model._meta.label}.{field.name} #{pk}" for pk in rows.values_list("pk", flat=True)]
        for field in (f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)):
            for pk, value in model._default_manager.values_list("pk", field.attname):
                if any(needle.lower().encode() in bytes(value or b"").lower() for needle in needles):
                    found.append(f"{model._meta.label}.{field.name} #{pk}")
    if mail_folder.is_dir():
        for path in mail_folder.iterdir():
            text = path.read_bytes().decode("utf-8", "replace").lower()
            found += [f"mail file {path.name}" for needle in needles if needle.lower() in text]
    return found


@pytest.fixture
def chased_manager(client, admin_user, mail_folder):
    """A hiring manager named in every place the audit found them after an erasure: the feedback request
    sent (a mail file "Hello Dana" to her address), her answer through her link (the recruiter's review
    prompt names her), her reply in words (the timeline), an edit in the admin (its action log)."""
    manager = HiringManager.objects.create(
        client=ClientFactory(name="Lumen & Loom"), name="Dana Park", email="dana.park@lumen.example"
    )
    job = JobFactory(client=manager.client)
    job.hiring_managers.add(manager)
    applications = [ApplicationFactory(job=job, stage=Stage.SCREENING) for _ in range(2)]
    with time_machine.travel(MONDAY, tick=False):
        for application in applications:
            application_move(application=application, to_stage=Stage.SUBMITTED, by=admin_user, notify=False)
    with time_machine.travel(THURSDAY, tick=False):
        client_answers_chase()
    chase = OutboundMessage.objects.get(template_code="client_chase")
    with time_machine.travel(THURSDAY + timedelta(hours=1), tick=False):
        assert sending.message_send(message_id=chase.pk).sent == 1
        first = applications[0]
        first.refresh_from_db()
        token = client_answer_token(
            application_id=first.pk, hiring_manager_id=manager.pk, due_at=first.client_answer_due
        )
        answered = client.post(f"/c/answer/{token}/", {"kind": "not_a_fit", "reason": "Needs more SQL"})
        assert answered.status_code == 200
        client_reply_record(
            chase_message_id=chase.pk,
            words=ClientReplyWords(
                sender=manager.email, subject="Re: feedback", text="Regards, Dana Park", automatic=False
            ),
        )
    # A colleague's email kept raw, naming her: only the sweep by content can find it.
    InboundMessage.objects.create(
        source="webhook",
        digest="f" * 64,
        status="rejected",
        reason="No reply address matched.",
        sender="sam@lumen.example",
        raw=b"From: sam@lumen.example\r\n\r\nDANA PARK is away; write to Dana.Park@lumen.example next week.",
    )
    client.force_login(admin_user)
    changed = client.post(
        reverse("admin:recruiting_hiringmanager_change", args=[manager.pk]),
        {"client": manager.client_id, "name": manager.name, "email": manager.email, "time_zone": "Europe/Paris"},
    )
    assert changed.status_code == 302
    # The admin reads the page it is sent back to, with its "changed successfully" note and recent actions.
    assert "Dana Park" in client.get(changed.url).content.decode()
    assert "Dana Park" in client.get(reverse("admin:index")).content.decode()
    return manager


def test_erasing_a_hiring_manager_leaves_their_name_and_address_nowhere(
    chased_manager, mail_folder, django_capture_on_commit_callbacks, client
):
    needles = ["Dana Park", "dana.park@lumen.example"]
    before = _found_anywhere(needles, mail_folder)
    # Every place the audit named holds them before the erasure: the test looks where it matters.
    assert any(place.startswith("recruiting.RecruiterPrompt.detail") for place in before)
    assert any(place.startswith("recruiting.ContactEvent.summary") for place in before)
    assert any(place.startswith("admin.LogEntry.object_repr") for place in before)
    assert any(place.startswith("mail file") for place in before)
    assert any(place.startswith("notifications.InboundMessage.raw") for place in before)
    assert "Hello Dana" in "".join(p.read_text() for p in mail_folder.iterdir())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_hiring_manager", str(chased_manager.pk), "--yes")

    assert _found_anywhere(needles, mail_folder) == []
    assert "Dana Park" not in client.get(reverse("admin:index")).content.decode()
    details = RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.CLIENT_ANSWERED).values_list(
        "detail", flat=True
    )
    assert any("says not a fit (Needs more SQL)" in detail for detail in details)  # the words stay, not the name


def test_erasing_a_merged_candidate_reaches_the_merged_records_old_address(
    client, admin_user, mail_folder, django_capture_on_commit_callbacks
):
    """Two records of one person: mail went to each address; the admin merges them; the kept record's
    erasure finds the emails to the merged record's address as well as to its own."""
    older = ApplicationFactory(
        candidate__first_name="Ama", candidate__last_name="Owusu", candidate__email="ama@mail.example"
    ).candidate
    newer = ApplicationFactory(
        candidate__first_name="Ama", candidate__last_name="Owusu-Mensah", candidate__email="a.owusu@work.example"
    ).candidate
    connection = mailers.default
    connection.send_messages(
        [
            EmailMessage("Your application", "Hello Ama, news soon.", to=[older.email]),
            EmailMessage("Your application", "Hello Ama, news soon.", to=[newer.email]),
            EmailMessage("Someone else", "Hello Kwame.", to=["kwame@mail.example"]),
        ]
    )
    connection.close()
    client.force_login(admin_user)
    client.post(
        reverse("admin:candidates_candidate_changelist"),
        {"action": "merge_two", "_selected_action": [older.pk, newer.pk], "reason": ""},
    )
    assert not Candidate.objects.filter(pk=newer.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_candidate", str(older.pk), "--yes")

    assert _found_anywhere(["ama@mail.example", "a.owusu@work.example", "Owusu"], mail_folder) == []
    assert "kwame@mail.example" in "".join(p.read_text() for p in mail_folder.iterdir())


def test_erasing_a_candidate_reaches_an_address_corrected_since_they_were_written_to(
    mail_folder, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(
        candidate__first_name="Ines", candidate__last_name="Moreau", candidate__email="ines.old@mail.example"
    )
    candidate, owner = application.candidate, application.owner
    message_check_in_queue(application=application, by=owner)
    connection = mailers.default
    connection.send_messages([EmailMessage("Checking in", "Hello Ines.", to=[candidate.email])])
    connection.close()
    candidate_update(candidate=candidate, by=owner, first_name="Ines", last_name="Moreau", email="ines@new.example")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_candidate", str(candidate.pk), "--yes")

    assert _found_anywhere(["ines.old@mail.example", "ines@new.example", "Ines Moreau"], mail_folder) == []


def test_a_manager_known_by_one_name_is_unnamed_in_the_prompts_about_their_answers(
    client, admin_user, mail_folder, django_capture_on_commit_callbacks
):
    """A one-word name is too common to search for everywhere; the prompts about the applications the
    manager was asked about are unnamed by relation."""
    manager = HiringManager.objects.create(client=ClientFactory(), name="Wojciech", email="w@client.example")
    job = JobFactory(client=manager.client)
    job.hiring_managers.add(manager)
    application = ApplicationFactory(job=job, stage=Stage.SCREENING)
    with time_machine.travel(MONDAY, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=admin_user, notify=False)
    with time_machine.travel(THURSDAY, tick=False):
        application.refresh_from_db()
        token = client_answer_token(
            application_id=application.pk, hiring_manager_id=manager.pk, due_at=application.client_answer_due
        )
        assert client.post(f"/c/answer/{token}/", {"kind": "not_a_fit"}).status_code == 200
    assert _found_anywhere(["Wojciech"], mail_folder)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_hiring_manager", str(manager.pk), "--yes")

    assert _found_anywhere(["Wojciech", "w@client.example"], mail_folder) == []
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.CLIENT_ANSWERED)
    assert prompt.detail.startswith("The client contact (erased) says not a fit")
