""" "Write feedback" after a late rejection, and a promised date set mid-stage (issue 11, items 5 and 9)."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from notifications.models import OutboundMessage
from notifications.services import sending
from notifications.services.promises import REPLACED_REASON, promise_message
from recruiting import calendar
from recruiting.models import AuditLog, RecruiterPrompt, Stage
from recruiting.services import application_move, application_promise
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def late_rejection(recruiter):
    candidate = CandidateFactory(first_name="Amira", owner=recruiter)
    application = ApplicationFactory(
        candidate=candidate,
        owner=recruiter,
        job=JobFactory(title="Payroll Analyst", client=ClientFactory(name="Northwind Ledger Ltd")),
        stage=Stage.SCREENING,
    )
    application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter, notify=False)
    application_move(application=application, to_stage=Stage.REJECTED, by=recruiter)
    return application


def test_the_feedback_prompt_on_the_home_page_opens_the_prefilled_email(client, recruiter, late_rejection):
    prompt = RecruiterPrompt.objects.get(application=late_rejection, reason="feedback_owed")
    client.force_login(recruiter)

    home = client.get(reverse("home")).content.decode()
    link = f"{reverse('candidate_detail', args=[late_rejection.candidate_id])}?write_feedback={late_rejection.pk}"
    assert f'href="{link}#email-form"' in home and "Write feedback" in home

    response = client.get(link)

    form = response.context["email_form"]
    assert form.initial["application"] == late_rejection.pk
    assert form.initial["subject"] == "Your application for Payroll Analyst: the client's decision"
    body = form.initial["body"]
    assert body.startswith("Hello Amira,")
    assert "Northwind Ledger Ltd" in body and "Write the client's feedback here" in body
    assert "--" not in body and "Fewer emails" not in body  # the personal template adds the footer once
    page = response.content.decode()
    assert "Feedback owed by" in page and "Write feedback" in page
    assert calendar.day_words(prompt.due_at) in page


def test_sending_the_feedback_closes_the_prompt_and_the_email_has_one_footer(client, recruiter, late_rejection):
    from django.core import mail

    client.force_login(recruiter)
    link = f"{reverse('candidate_detail', args=[late_rejection.candidate_id])}?write_feedback={late_rejection.pk}"
    initial = client.get(link).context["email_form"].initial
    body = initial["body"].replace("(Write the client's feedback here, in your own words.)", "They chose Ana.")
    client.post(
        reverse("candidate_email", args=[late_rejection.candidate_id]),
        {"send_token": uuid.uuid4(), "application": late_rejection.pk, "subject": initial["subject"], "body": body},
    )

    assert sending.messages_send_due(worker="w").sent == 1
    assert mail.outbox[0].body.count("Fewer emails, or none:") == 1
    assert "They chose Ana." in mail.outbox[0].body
    assert RecruiterPrompt.objects.get(application=late_rejection, reason="feedback_owed").resolved_at is not None


def test_write_feedback_for_someone_elses_application_starts_a_plain_email(client, late_rejection):
    other = UserFactory()
    client.force_login(other)
    link = f"{reverse('candidate_detail', args=[late_rejection.candidate_id])}?write_feedback={late_rejection.pk}"

    response = client.get(link)

    assert "subject" not in response.context["email_form"].initial
    assert "Write feedback" not in response.content.decode()  # only its owner, lead or an admin acts on it


def test_a_promise_mid_stage_is_recorded_audited_moves_the_clock_and_tells_the_candidate(
    client, recruiter, wednesday_morning
):
    application = ApplicationFactory(owner=recruiter, candidate=CandidateFactory(owner=recruiter), stage="submitted")
    client.force_login(recruiter)
    url = reverse("application_promise", args=[application.pk])
    assert client.get(url).status_code == 200
    token = uuid.uuid4()
    data = {
        "send_token": token,
        "next_step_date": "2026-03-06",
        "note": "Client decides Friday",
        "tell_candidate": "on",
    }

    response = client.post(url, data)
    client.post(url, data)  # a double submit queues one email

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.promised_next_step_date == dt.date(2026, 3, 6)
    # A business day's grace after Friday (a promise this near leaves room for every later step of the
    # fortnight, so the prompt follows it).
    assert application.next_update_due.date() == dt.date(2026, 3, 9)
    audit = AuditLog.objects.get(action="application.promise", object_id=application.pk)
    assert audit.details == {"next_step_date": "2026-03-06", "note": "Client decides Friday"}
    message = OutboundMessage.objects.get(application=application, template_code="promise")
    assert message.status == Status.HELD
    assert "We now expect news on the next step by Friday 6 March 2026" in message.body_text


def test_a_changed_promise_replaces_the_email_still_waiting_and_a_cleared_one_says_so(recruiter):
    application = ApplicationFactory(owner=recruiter, candidate=CandidateFactory(owner=recruiter), stage="submitted")
    application_promise(
        application=application,
        next_step_date=dt.date(2026, 3, 13),
        by=recruiter,
        tell_candidate=True,
        idempotency_key="promise:first",
    )
    application_promise(
        application=application,
        next_step_date=None,
        by=recruiter,
        tell_candidate=True,
        idempotency_key="promise:second",
    )
    first, second = promise_message(idempotency_key="promise:first"), promise_message(idempotency_key="promise:second")

    first.refresh_from_db()
    assert (first.status, first.status_reason) == (Status.CANCELLED, REPLACED_REASON)
    assert "We no longer have a firm date" in second.body_text
    application.refresh_from_db()
    assert application.promised_next_step_date is None


def test_a_promise_is_refused_for_another_recruiter_a_closed_application_and_a_past_date(client, recruiter):
    application = ApplicationFactory(owner=recruiter, candidate=CandidateFactory(owner=recruiter), stage="submitted")
    url = reverse("application_promise", args=[application.pk])
    client.force_login(UserFactory())
    assert client.post(url, {"send_token": uuid.uuid4(), "next_step_date": "2026-03-13"}).status_code == 403
    client.force_login(recruiter)
    response = client.post(url, {"send_token": uuid.uuid4(), "next_step_date": "2026-03-01"})
    assert response.status_code == 200 and "cannot be in the past" in response.content.decode()
    application_move(application=application, to_stage=Stage.WITHDRAWN, by=recruiter, notify=False)
    response = client.post(url, {"send_token": uuid.uuid4(), "next_step_date": "2026-03-13"})
    assert "A closed application has no next step." in response.content.decode()
    assert not OutboundMessage.objects.filter(template_code="promise").exists()


def test_the_board_card_and_the_candidate_page_offer_the_date(client, recruiter):
    application = ApplicationFactory(owner=recruiter, candidate=CandidateFactory(owner=recruiter), stage="submitted")
    client.force_login(recruiter)
    url = reverse("application_promise", args=[application.pk])
    assert url in client.get(reverse("job_board", args=[application.job_id])).content.decode()
    assert url in client.get(reverse("candidate_detail", args=[application.candidate_id])).content.decode()


def _admin_form(client, url: str) -> dict:
    """What the admin's change page posts back: its form's fields and its inlines' management forms."""
    response = client.get(url)
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {management.add_prefix(name): value for name, value in management.initial.items()}
    return data


def test_the_admin_sets_and_clears_the_date_through_the_service(client, admin_user):
    application = ApplicationFactory(stage="screening")
    client.force_login(admin_user)
    url = reverse("admin:recruiting_application_change", args=[application.pk])
    form = _admin_form(client, url) | {
        "owner": application.owner_id,
        "next_step_date": "2026-03-10",
        "promise_note": "Told on the phone",
        "tell_candidate": "on",
    }

    assert client.post(url, form).status_code == 302
    application.refresh_from_db()
    assert application.promised_next_step_date == dt.date(2026, 3, 10)
    assert AuditLog.objects.get(action="application.promise").details["note"] == "Told on the phone"
    assert OutboundMessage.objects.filter(application=application, template_code="promise").count() == 1
    client.post(url, _admin_form(client, url) | {"owner": application.owner_id, "next_step_date": ""})
    application.refresh_from_db()
    assert application.promised_next_step_date is None


def test_feedback_owed_past_its_day_reads_overdue_on_the_home_and_candidate_pages(client, recruiter, late_rejection):
    prompt = RecruiterPrompt.objects.get(application=late_rejection, reason="feedback_owed")
    client.force_login(recruiter)
    candidate_page = reverse("candidate_detail", args=[late_rejection.candidate_id])

    before = client.get(reverse("home")).content.decode(), client.get(candidate_page).content.decode()
    with time_machine.travel(prompt.due_at + dt.timedelta(days=5), tick=False):
        after = client.get(reverse("home")).content.decode(), client.get(candidate_page).content.decode()

    day = calendar.day_words(prompt.due_at)
    assert f"Due {day}" in before[0] and "Overdue</span> since" not in before[0]
    assert f"Feedback owed by {day}" in before[1]
    assert f"Overdue</span> since {day}" in after[0] and f"Due {day}" not in after[0]
    assert f"Feedback overdue since {day}" in after[1] and "Feedback owed by" not in after[1]
