"""The Django admin with the demo data: every page answers within a query budget, actions go through services."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate, CandidateImport
from candidates.services.texts import candidate_texts_set
from inloop import demo
from notifications.models import MessageTemplate, OutboundMessage, TextDelivery
from notifications.services.inbound import inbound_email_receive
from notifications.services.tracking import tracking_event_record
from notifications.texts.inbound import inbound_text_receive
from recruiting import services
from recruiting.models import (
    ACTIVE_STAGES,
    Application,
    AuditLog,
    ContactEvent,
    Job,
    JobClosing,
    RecruiterPrompt,
    Stage,
    StageChange,
)
from recruiting.services.prompts import prompt_open
from recruiting.services.scan import prompts_scan_overdue
from tests.factories import MessageAttemptFactory

# A changelist or change page: session, user, counts, one page of rows (up to 100 with the demo data), filter
# choices, inlines. Never a query per row.
PAGE_QUERY_BUDGET = 12
OUR_APPS = ("recruiting", "candidates", "notifications")
# The tests of this module run on a Tuesday morning, whatever the day: on a Saturday night nothing of the
# demo falls due in the next 24 hours (updates are owed on business days), and the owed filter has a
# choice for each.
TUESDAY_MORNING = datetime(2026, 11, 17, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_firm(django_db_setup, django_db_blocker):
    """The demo data plus a few records of each kind the admin shows (a fresh move's email, an attempt, a
    bounce, an import, an unmatched email), rolled back after; on a Tuesday morning, whatever today is."""
    with time_machine.travel(TUESDAY_MORNING, tick=True), django_db_blocker.unblock(), transaction.atomic():
        demo.demo_data_load()
        prompts_scan_overdue()
        application = Application.objects.filter(stage=Stage.NEW, candidate__do_not_contact=False).first()
        services.application_move(application=application, to_stage=Stage.SCREENING, by=None, note="From the test")
        message = OutboundMessage.objects.filter(application=application).latest("pk")
        MessageAttemptFactory(message=message)
        tracking_event_record(
            esp_name="test", event_type="bounced", recipient="bounced.address@example.com", event_id="bounce-1"
        )
        CandidateImport.objects.create(
            uploaded_by=application.owner, content=b"first_name,email\n", file_name="people.csv"
        )
        inbound_email_receive(raw_bytes=b"From: someone@example.com\nSubject: Hello\n\nAny jobs?\n", source="pipe")
        JobClosing.objects.create(job=application.job, close_id="admin-page", outcome=Stage.REJECTED, notify=False)
        # Texts: a consent, a text handed over, a reply by text and a STOP from a number nobody has.
        candidate_texts_set(
            candidate=application.candidate, by=None, mobile="+447911123456", channel="sms", consent_how="spoken"
        )
        TextDelivery.objects.create(
            provider_id="SMadmin", backend="file", to_number="+447911123456", purpose="message", encoding="GSM-7"
        )
        inbound_text_receive(provider_id="SMin1", from_number="+447911123456", to_number="+447700900000", body="Hi")
        inbound_text_receive(provider_id="SMin2", from_number="+447911000999", to_number="+447700900000", body="STOP")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def admin_client_demo(demo_firm, db, client):
    client.force_login(get_user_model().objects.get(username=demo.ADMIN_USERNAME))
    return client


def our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OUR_APPS]


def test_every_model_of_ours_is_in_the_admin():
    missing = [model._meta.label for model in our_models() if not admin.site.is_registered(model)]
    assert missing == []


@pytest.mark.parametrize("label", [model._meta.label for model in our_models()])
def test_changelist_and_change_page_answer_within_the_query_budget(
    label, admin_client_demo, django_assert_max_num_queries
):
    model = apps.get_model(label)
    info = (model._meta.app_label, model._meta.model_name)
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
        response = admin_client_demo.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert response.status_code == 200
    obj = model.objects.order_by("-pk").first()
    assert obj is not None, f"no {label} row to open"
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
        response = admin_client_demo.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    assert response.status_code == 200


OWED = {
    "overdue": lambda due, now: due is not None and due <= now,
    "today": lambda due, now: due is not None and now < due <= now + timedelta(hours=24),
    "later": lambda due, now: due is not None and due > now + timedelta(hours=24),
    "none": lambda due, now: due is None,
}


@pytest.mark.parametrize("owed", list(OWED))
def test_update_owed_filter_shows_exactly_the_matching_applications(owed, admin_client_demo):
    now = timezone.now()
    response = admin_client_demo.get(reverse("admin:recruiting_application_changelist"), {"owed": owed})
    assert response.status_code == 200
    changelist = response.context["cl"]
    shown = {row.pk for row in changelist.result_list}
    expected = {pk for pk, due in Application.objects.values_list("pk", "next_update_due") if OWED[owed](due, now)}
    assert changelist.result_count == len(expected) > 0
    assert shown <= expected and shown


@pytest.mark.parametrize(
    "name", ["recruiting_application", "candidates_candidate", "recruiting_contactevent", "recruiting_client"]
)
def test_add_pages_answer(name, admin_client_demo):
    assert admin_client_demo.get(reverse(f"admin:{name}_add")).status_code == 200


def test_history_and_audit_are_read_only(admin_client_demo):
    for name in ("recruiting_auditlog", "recruiting_stagechange", "notifications_outboundmessage"):
        response = admin_client_demo.get(reverse(f"admin:{name}_add"))
        assert response.status_code == 403


def post_action(client, changelist: str, action: str, pks: list[int], **extra):
    return client.post(
        reverse(changelist), {"action": action, "_selected_action": [str(pk) for pk in pks], **extra}, follow=True
    )


def test_move_action_goes_through_application_move(admin_client_demo):
    application = Application.objects.filter(stage=Stage.NEW, candidate__do_not_contact=False).last()
    response = post_action(
        admin_client_demo,
        "admin:recruiting_application_changelist",
        "move_to_stage",
        [application.pk],
        to_stage=Stage.SCREENING,
        note="Strong portfolio",
    )
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
    change = StageChange.objects.filter(application=application).order_by("-id").first()
    assert (change.from_stage, change.to_stage, change.note) == (Stage.NEW, Stage.SCREENING, "Strong portfolio")
    assert change.by.username == demo.ADMIN_USERNAME
    assert AuditLog.objects.filter(action="application.move", object_id=application.pk).count() == 1
    assert "1 moved to Screening." in response.content.decode()


def test_a_refused_move_changes_nothing_and_says_why(admin_client_demo):
    closed = Application.objects.filter(stage=Stage.REJECTED).first()
    changes = StageChange.objects.filter(application=closed).count()
    response = post_action(
        admin_client_demo, "admin:recruiting_application_changelist", "move_to_stage", [closed.pk], to_stage="offer"
    )
    closed.refresh_from_db()
    assert closed.stage == Stage.REJECTED
    assert StageChange.objects.filter(application=closed).count() == changes
    assert "reopen it first" in response.content.decode()


def test_reopen_action_goes_through_application_reopen(admin_client_demo):
    closed = Application.objects.filter(stage=Stage.WITHDRAWN, candidate__do_not_contact=False).first()
    post_action(admin_client_demo, "admin:recruiting_application_changelist", "reopen", [closed.pk])
    closed.refresh_from_db()
    assert closed.stage in ACTIVE_STAGES and closed.closed_at is None
    assert AuditLog.objects.filter(action="application.reopen", object_id=closed.pk).exists()


def test_do_not_contact_action_needs_a_reason_and_stops_the_clock(admin_client_demo):
    candidate = Candidate.objects.filter(do_not_contact=False, applications__stage__in=ACTIVE_STAGES).first()
    changelist = "admin:candidates_candidate_changelist"
    response = post_action(admin_client_demo, changelist, "mark_do_not_contact", [candidate.pk])
    candidate.refresh_from_db()
    assert not candidate.do_not_contact
    assert "Say why" in response.content.decode()

    post_action(admin_client_demo, changelist, "mark_do_not_contact", [candidate.pk], reason="Asked us by phone")
    candidate.refresh_from_db()
    assert candidate.do_not_contact and candidate.do_not_contact_reason == "Asked us by phone"
    assert not candidate.applications.filter(next_update_due__isnull=False).exists()
    assert AuditLog.objects.filter(action="candidate.preferences", object_id=candidate.pk).exists()


def test_cancel_action_goes_through_message_cancel(admin_client_demo):
    message = OutboundMessage.objects.filter(status=OutboundMessage.Status.HELD).first()
    post_action(
        admin_client_demo,
        "admin:notifications_outboundmessage_changelist",
        "cancel_held",
        [message.pk],
        reason="Wrong job",
    )
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.CANCELLED
    assert "Wrong job" in message.status_reason
    assert AuditLog.objects.filter(action="message.cancel", object_id=message.pk).exists()


def test_resolve_action_goes_through_prompt_resolve(admin_client_demo):
    # An overdue prompt only closes when the candidate is told something; a bounce prompt can be resolved.
    application = Application.objects.filter(stage__in=ACTIVE_STAGES).first()
    prompt = prompt_open(application=application, reason=RecruiterPrompt.Reason.CANDIDATE_ASKED)
    post_action(
        admin_client_demo,
        "admin:recruiting_recruiterprompt_changelist",
        "resolve",
        [prompt.pk],
        resolution="Called them back",
    )
    prompt.refresh_from_db()
    assert prompt.resolved_at is not None and prompt.resolution == "Called them back"
    assert AuditLog.objects.filter(action="prompt.resolve", object_id=prompt.pk).exists()


def test_adding_an_application_goes_through_application_create(admin_client_demo):
    candidate = Candidate.objects.filter(do_not_contact=False).first()
    job = Job.objects.filter(status=Job.Status.OPEN).exclude(applications__candidate=candidate).first()
    response = admin_client_demo.post(
        reverse("admin:recruiting_application_add"),
        {"candidate": candidate.pk, "job": job.pk, "owner": candidate.owner_id},
        follow=True,
    )
    assert response.status_code == 200
    application = Application.objects.get(candidate=candidate, job=job)
    assert application.stage == Stage.NEW and application.next_update_due is not None
    assert AuditLog.objects.filter(action="application.create", object_id=application.pk).exists()


def test_logging_a_contact_goes_through_contact_log(admin_client_demo):
    application = Application.objects.filter(
        stage__in=ACTIVE_STAGES, candidate__do_not_contact=False, next_update_due__isnull=False
    ).first()
    now = timezone.localtime() - timedelta(minutes=1)
    response = admin_client_demo.post(
        reverse("admin:recruiting_contactevent_add"),
        {
            "application": application.pk,
            "channel": ContactEvent.Channel.PHONE,
            "direction": ContactEvent.Direction.OUTBOUND,
            "summary": "Told them the client needs another week",
            "at_0": now.strftime("%Y-%m-%d"),
            "at_1": now.strftime("%H:%M:%S"),
        },
        follow=True,
    )
    assert response.status_code == 200
    contact = ContactEvent.objects.filter(application=application).order_by("-id").first()
    assert contact.summary == "Told them the client needs another week"
    application.refresh_from_db()
    # The call told the candidate: the clock starts again from it (on a weekend the next update may fall
    # due earlier than before, business days counting from the call).
    assert application.last_informed_at == contact.at
    assert application.next_update_due > contact.at
    assert AuditLog.objects.filter(action="contact.log", object_id=application.pk).exists()


def test_adding_a_candidate_goes_through_candidate_create(admin_client_demo):
    owner = get_user_model().objects.get(username="demo")
    response = admin_client_demo.post(
        reverse("admin:candidates_candidate_add"),
        {
            "first_name": "Noor",
            "last_name": "Al-Sayegh",
            "email": "noor.alsayegh@example.com",
            "phone": "",
            "time_zone": "Europe/London",
            "owner": owner.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    candidate = Candidate.objects.get(email="noor.alsayegh@example.com")
    assert (candidate.full_name, candidate.owner) == ("Noor Al-Sayegh", owner)
    assert AuditLog.objects.filter(action="candidate.create", object_id=candidate.pk).exists()


def test_send_again_action_goes_through_message_retry(admin_client_demo):
    message = OutboundMessage.objects.filter(status=OutboundMessage.Status.HELD).first()
    # Setup: a message whose hand-over was cut off (the worker records this; here it is simply set).
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.UNKNOWN)
    post_action(admin_client_demo, "admin:notifications_outboundmessage_changelist", "send_again", [message.pk])
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED
    assert AuditLog.objects.filter(action="message.retry", object_id=message.pk).exists()


def test_applications_and_candidates_cannot_be_deleted_in_the_admin(admin_client_demo):
    for name, obj in (
        ("recruiting_application", Application.objects.first()),
        ("candidates_candidate", Candidate.objects.first()),
    ):
        response = admin_client_demo.get(reverse(f"admin:{name}_delete", args=[obj.pk]))
        assert response.status_code == 403, name


def test_erase_action_needs_confirming_and_goes_through_candidate_erase(admin_client_demo):
    candidate = Candidate.objects.filter(erased_at__isnull=True).last()
    changelist = "admin:candidates_candidate_changelist"
    post_action(admin_client_demo, changelist, "erase_personal_data", [candidate.pk], reason="yes")
    candidate.refresh_from_db()
    assert candidate.erased_at is None

    post_action(admin_client_demo, changelist, "erase_personal_data", [candidate.pk], reason="ERASE")
    candidate.refresh_from_db()
    assert candidate.erased_at is not None
    assert candidate.email == f"erased-{candidate.pk}@erased.invalid"
    assert Application.objects.filter(candidate=candidate).exists()


def test_a_template_edit_is_validated_and_saved_through_template_update(admin_client_demo):
    template = MessageTemplate.objects.get(code=MessageTemplate.Code.CHECK_IN)
    url = reverse("admin:notifications_messagetemplate_change", args=[template.pk])
    unsafe = {"subject": "An update", "body_text": "{% load static %}Hello"}
    response = admin_client_demo.post(url, unsafe)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body_text"]
    template.refresh_from_db()
    assert "{% load" not in template.body_text

    edited = {
        "subject": "Where things stand",
        "body_text": "Hello {{ candidate_first_name }}, no news yet.",
    }
    response = admin_client_demo.post(url, edited)
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.updated_by.username) == ("Where things stand", demo.ADMIN_USERNAME)
    assert AuditLog.objects.filter(action="template.update", object_id=template.pk).exists()
