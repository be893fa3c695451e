"""Queueing: one outbox row per event, in the event's transaction, held, in business hours, never against the
candidate's wishes (docs/rules.md#candidate-wishes, docs/rules.md#rejection-by-depth, docs/rules.md#many-jobs,
docs/rules.md#confidential-client, docs/rules.md#no-surprise)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import override_settings

from candidates.services.people import candidate_set_preferences
from notifications import rendering
from notifications.models import OutboundMessage, Suppression
from notifications.services import messages as message_services
from notifications.services import outbox, stage_emails
from recruiting.models import AuditLog, FirmHoliday, RecruiterPrompt, Stage, StagePolicy
from recruiting.services import application_create, application_move, application_reopen
from tests.conftest import SentTask
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
UTC = dt.UTC
# Wednesday 4 March 2026, 10:00 UTC: inside business hours (9-18) in London and UTC.
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


def new_application(*, time_zone="UTC", **candidate):
    candidate = CandidateFactory(time_zone=time_zone, **candidate)
    return application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)


def moved(application, *stages, by=None):
    for stage in stages:
        application_move(application=application, to_stage=stage, by=by or application.owner)
    application.refresh_from_db()
    return application


def messages(application):
    return list(OutboundMessage.objects.filter(application=application).order_by("id"))


# --- the stage-change email ---------------------------------------------------------------------------


def test_an_application_gets_one_held_acknowledgment_and_one_wake_up_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        application = new_application()
    (message,) = messages(application)
    change = application.stage_changes.get()
    assert message.template_code == "acknowledgment"
    assert message.status == Status.HELD
    assert message.idempotency_key == f"stage:{change.pk}:acknowledgment"
    assert message.stage_change == change
    assert message.send_after == WEDNESDAY_10 + dt.timedelta(minutes=10)
    assert message.to_address == application.candidate.email
    assert message.message_id.endswith("@inloop.localhost>")
    assert application.candidate.first_name in message.body_text
    assert len(callbacks) == 1
    assert AuditLog.objects.filter(action="message.queue", object_id=message.pk).exists()


def test_the_same_stage_change_twice_gives_one_row(django_capture_on_commit_callbacks):
    application = new_application()
    change = application.stage_changes.get()
    with django_capture_on_commit_callbacks() as callbacks:
        [again] = stage_emails.stage_changes_notify(stage_changes=[change], by=None)
    assert again == messages(application)[0]
    assert len(messages(application)) == 1
    assert callbacks == []


def test_an_exception_after_the_stage_change_leaves_no_row_and_no_task_F1(django_capture_on_commit_callbacks):
    candidate = CandidateFactory()
    job = JobFactory()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            application_create(candidate=candidate, job=job, by=None)
            raise RuntimeError("the request failed after the stage change")
    assert not OutboundMessage.objects.exists()
    assert callbacks == []


def test_no_email_when_the_recruiter_says_so():
    application = new_application()
    application_move(application=application, to_stage=Stage.SCREENING, by=application.owner, notify=False)
    assert [m.template_code for m in messages(application)] == ["acknowledgment"]


@pytest.mark.parametrize(
    ("stages", "code"),
    [
        ((Stage.SCREENING,), "screening"),
        ((Stage.SUBMITTED,), "submitted"),
        ((Stage.SUBMITTED, Stage.INTERVIEWING), "interviewing"),
        ((Stage.SUBMITTED, Stage.OFFER), "offer"),
        ((Stage.SUBMITTED, Stage.OFFER, Stage.PLACED), "placed"),
        ((Stage.WITHDRAWN,), "withdrawal"),
    ],
)
def test_each_stage_sends_its_own_email_and_supersedes_the_one_still_held(stages, code):
    application = moved(new_application(), *stages)
    rows = messages(application)
    assert rows[-1].template_code == code and rows[-1].status == Status.HELD
    assert all(row.status == Status.CANCELLED for row in rows[:-1])
    assert rows[0].status_reason.startswith("Cancelled: superseded by the move to")


def test_a_stage_policy_can_switch_the_email_off_or_change_template_and_hold():
    StagePolicy.objects.create(stage=Stage.SCREENING, notify_candidate=False)
    StagePolicy.objects.create(stage=Stage.SUBMITTED, template_code="check_in", hold_minutes=30)
    application = moved(new_application(), Stage.SCREENING)
    assert [m.template_code for m in messages(application)] == ["acknowledgment"]
    moved(application, Stage.SUBMITTED)
    last = messages(application)[-1]
    assert last.template_code == "check_in"
    assert last.send_after == WEDNESDAY_10 + dt.timedelta(minutes=30)


# --- hold windows and business hours ------------------------------------------------------------------


def test_an_early_rejection_is_held_a_day_and_left_to_the_relay(django_capture_on_commit_callbacks):
    application = moved(new_application(), Stage.SCREENING)
    with django_capture_on_commit_callbacks() as callbacks:
        moved(application, Stage.REJECTED)
    rejection = messages(application)[-1]
    assert rejection.template_code == "rejection_early"
    assert rejection.status == Status.HELD
    assert rejection.send_after == WEDNESDAY_10 + dt.timedelta(hours=24)
    assert callbacks == []  # a day away: the relay wakes a worker when it is due


@override_settings(INLOOP_REJECTION_HOLD_MINUTES=60)
def test_the_rejection_hold_comes_from_the_setting():
    application = moved(new_application(), Stage.REJECTED)
    assert messages(application)[-1].send_after == WEDNESDAY_10 + dt.timedelta(minutes=60)


@pytest.mark.parametrize(
    ("now", "time_zone", "expected"),
    [
        # 17:55 UTC + 10 minutes falls after 18:00: the next morning at 9.
        (dt.datetime(2026, 3, 4, 17, 55, tzinfo=UTC), "UTC", dt.datetime(2026, 3, 5, 9, 0, tzinfo=UTC)),
        # 12:00 UTC is 07:00 in New York (EST): 9:00 there, 14:00 UTC.
        (dt.datetime(2026, 3, 4, 12, 0, tzinfo=UTC), "America/New_York", dt.datetime(2026, 3, 4, 14, 0, tzinfo=UTC)),
        # Friday 17:55 in New York; clocks go forward on Sunday 8 March: Monday 9:00 EDT is 13:00 UTC.
        (dt.datetime(2026, 3, 6, 22, 55, tzinfo=UTC), "America/New_York", dt.datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
        # Friday evening in London, clocks go forward on 29 March: Monday 9:00 BST is 08:00 UTC.
        (dt.datetime(2026, 3, 27, 18, 30, tzinfo=UTC), "Europe/London", dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
        # Already Thursday morning in Tokyo while it is Wednesday evening in UTC.
        (dt.datetime(2026, 3, 4, 20, 0, tzinfo=UTC), "Asia/Tokyo", dt.datetime(2026, 3, 5, 0, 0, tzinfo=UTC)),
        # Saturday: Monday morning.
        (dt.datetime(2026, 3, 7, 11, 0, tzinfo=UTC), "UTC", dt.datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
    ],
)
def test_messages_wait_for_the_candidates_business_hours_across_zones_and_dst(now, time_zone, expected):
    with time_machine.travel(now, tick=False):
        application = new_application(time_zone=time_zone)
    assert messages(application)[0].send_after == expected
    assert messages(application)[0].send_window_tz == time_zone


def test_firm_holidays_are_skipped():
    FirmHoliday.objects.create(date=dt.date(2026, 3, 5), name="Firm day")
    with time_machine.travel(dt.datetime(2026, 3, 4, 17, 55, tzinfo=UTC), tick=False):
        application = new_application()
    assert messages(application)[0].send_after == dt.datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


# --- cancellation on revert and reopen ----------------------------------------------------------------


def test_moving_back_cancels_the_held_message_and_sends_nothing_new():
    application = moved(new_application(), Stage.SCREENING, Stage.SUBMITTED)
    moved(application, Stage.SCREENING)
    rows = messages(application)
    assert [row.template_code for row in rows] == ["acknowledgment", "screening", "submitted"]
    assert rows[-1].status == Status.CANCELLED
    assert rows[-1].status_reason == "Cancelled: the application moved back to Screening."


def test_reopening_cancels_the_held_rejection():
    application = moved(new_application(), Stage.SCREENING, Stage.REJECTED)
    application_reopen(application=application, by=application.owner)
    rejection = messages(application)[-1]
    assert rejection.template_code == "rejection_early"
    assert rejection.status == Status.CANCELLED
    assert rejection.status_reason == "Cancelled: the application was reopened."
    assert AuditLog.objects.filter(action="message.cancel", object_id=rejection.pk).exists()


def test_a_message_already_sent_or_a_personal_one_is_not_cancelled_by_a_move():
    application = new_application()
    ack = messages(application)[0]
    OutboundMessage.objects.filter(pk=ack.pk).update(status=Status.SENT)
    personal = message_services.message_personal_queue(
        application=application, subject="Hi", body="Call me", by=application.owner
    )
    moved(application, Stage.SCREENING)
    ack.refresh_from_db()
    personal.refresh_from_db()
    assert ack.status == Status.SENT
    assert personal.status == Status.QUEUED


# --- docs/rules.md#rejection-by-depth and docs/rules.md#many-jobs -------------------------------------------


def test_a_late_rejection_sends_nothing_and_prompts_for_feedback_in_three_business_days():
    application = moved(new_application(), Stage.SUBMITTED, Stage.INTERVIEWING)
    with time_machine.travel(dt.datetime(2026, 3, 6, 15, 0, tzinfo=UTC), tick=False):  # a Friday
        moved(application, Stage.REJECTED)
    assert {m.template_code for m in messages(application)} == {"acknowledgment", "submitted", "interviewing"}
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.FEEDBACK_OWED)
    assert prompt.recruiter == application.owner
    assert prompt.due_at == dt.datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # Wednesday: the default three days


def test_a_rejection_after_moving_back_from_the_client_is_still_late():
    application = moved(new_application(), Stage.SCREENING, Stage.SUBMITTED, Stage.SCREENING, Stage.REJECTED)
    assert "rejection_early" not in {m.template_code for m in messages(application)}
    assert RecruiterPrompt.objects.filter(application=application, reason="feedback_owed").exists()


def test_a_candidate_with_an_offer_elsewhere_gets_no_automated_rejection_many_jobs():
    application = new_application()
    ApplicationFactory(candidate=application.candidate, stage=Stage.OFFER)
    moved(application, Stage.REJECTED)
    rejection = messages(application)[-1]
    assert rejection.template_code == "rejection_early"
    assert rejection.status == Status.CANCELLED
    assert "offer or placement for another job" in rejection.status_reason


def test_an_offer_cancels_the_rejections_still_held_for_other_jobs_many_jobs():
    rejected = moved(new_application(), Stage.REJECTED)
    other = application_create(candidate=rejected.candidate, job=JobFactory(owner=rejected.owner), by=rejected.owner)
    moved(other, Stage.SUBMITTED, Stage.OFFER)
    held_rejection = messages(rejected)[-1]
    assert held_rejection.status == Status.CANCELLED
    assert held_rejection.status_reason == stage_emails.OFFER_ELSEWHERE_REASON
    assert messages(other)[-1].template_code == "offer" and messages(other)[-1].status == Status.HELD


def test_a_rejection_while_other_applications_are_alive_says_so_many_jobs():
    application = new_application()
    ApplicationFactory(candidate=application.candidate, stage=Stage.SCREENING)
    moved(application, Stage.REJECTED)
    assert "This decision is only about this one role" in messages(application)[-1].body_text


def test_confidential_client_name_is_not_in_the_screening_email_confidential_client():
    application = new_application()
    application.job.client.industry = "logistics"
    application.job.client.save()
    moved(application, Stage.SCREENING)
    screening = messages(application)[-1]
    assert application.job.client.name not in screening.body_text + screening.body_html + screening.subject
    assert "a client of ours in logistics" in screening.body_text
    moved(application, Stage.SUBMITTED)
    assert application.job.client.name in messages(application)[-1].body_text


# --- suppression at queue time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preferences", "reason"),
    [
        ({"do_not_contact": True, "do_not_contact_reason": "Asked us on the phone"}, "asked not to be contacted"),
        ({"automated_updates_paused": True}, "paused automated updates"),
        ({"email_status": "bounced"}, "bounced"),
        ({"email_status": "complained"}, "spam"),
    ],
)
def test_candidates_who_must_not_get_automated_mail_get_a_suppressed_row_with_the_reason(
    preferences, reason, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        application = new_application(**preferences)
    (message,) = messages(application)
    assert message.status == Status.SUPPRESSED
    assert reason in message.status_reason
    assert callbacks == []


def test_an_address_on_the_suppression_list_is_suppressed():
    Suppression.objects.create(email="listed@mail.example", reason=Suppression.Reason.UNSUBSCRIBED)
    application = new_application(email="Listed@mail.example")
    assert messages(application)[0].status == Status.SUPPRESSED
    assert "suppression list (unsubscribed)" in messages(application)[0].status_reason


def test_a_paused_candidate_still_gets_personal_email_but_do_not_contact_stops_it():
    application = new_application(automated_updates_paused=True)
    personal = message_services.message_personal_queue(
        application=application, subject="Hi", body="Hello", by=application.owner
    )
    assert personal.status == Status.QUEUED
    candidate_set_preferences(
        candidate=application.candidate, by=None, do_not_contact=True, reason="GDPR", source="candidate"
    )
    stopped = message_services.message_personal_queue(
        application=application, subject="Hi", body="Hello", by=application.owner
    )
    assert stopped.status == Status.SUPPRESSED


# --- generic queueing, check-ins, personal mail --------------------------------------------------------


def test_message_queue_is_idempotent_and_keeps_the_first_row():
    user = UserFactory()
    context = {"recruiter_name": "Sam", "overdue_count": 2, "overdue_list": "Ana\nBen", "workspace_url": "http://x"}
    first = outbox.message_queue(
        idempotency_key="digest:1:2026-03-04",
        template_code="digest",
        to_address=user.email,
        context=context,
        recipient_user=user,
        hold_minutes=0,
    )
    again = outbox.message_queue(
        idempotency_key="digest:1:2026-03-04",
        template_code="digest",
        to_address=user.email,
        context=context | {"overdue_count": 9},
        recipient_user=user,
        hold_minutes=0,
    )
    assert again.pk == first.pk
    assert "2 owed an update" in again.subject
    assert first.status == Status.QUEUED and first.send_after == WEDNESDAY_10
    assert "Ana<br>Ben" in first.body_html


def test_a_digest_respects_the_recruiters_own_time_zone():
    user = UserFactory(profile__time_zone="Asia/Tokyo")
    with time_machine.travel(dt.datetime(2026, 3, 4, 12, 0, tzinfo=UTC), tick=False):  # 21:00 in Tokyo
        message = outbox.message_queue(
            idempotency_key="digest:x",
            template_code="digest",
            to_address=user.email,
            context={},
            recipient_user=user,
            hold_minutes=0,
        )
    assert message.send_after.astimezone(ZoneInfo("Asia/Tokyo")) == dt.datetime(
        2026, 3, 5, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")
    )


def test_one_check_in_per_application_per_day():
    application = new_application()
    first = message_services.message_check_in_queue(application=application, by=application.owner)
    assert message_services.message_check_in_queue(application=application, by=application.owner).pk == first.pk
    assert first.template_code == "check_in" and first.status == Status.HELD
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=UTC), tick=False):
        assert message_services.message_check_in_queue(application=application, by=application.owner).pk != first.pk


def test_a_check_in_needs_an_open_application_and_the_right_to_act():
    application = new_application()
    with pytest.raises(PermissionDenied):
        message_services.message_check_in_queue(application=application, by=UserFactory())
    moved(application, Stage.WITHDRAWN)
    with pytest.raises(ValidationError):
        message_services.message_check_in_queue(application=application, by=application.owner)


def test_a_personal_message_goes_now_keeps_its_text_literal_and_can_be_deduplicated(django_capture_on_commit_callbacks):
    application = new_application()
    with time_machine.travel(dt.datetime(2026, 3, 4, 21, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            message = message_services.message_personal_queue(
                application=application,
                subject="About\r\nBcc: x@evil.example",
                body="Use {{ candidate.email }} <b>as is</b>",
                by=application.owner,
                idempotency_key="form-123",
            )
        assert (
            message_services.message_personal_queue(
                application=application, subject="x", body="y", by=application.owner, idempotency_key="form-123"
            ).pk
            == message.pk
        )
    assert message.status == Status.QUEUED
    assert message.send_after == dt.datetime(2026, 3, 4, 21, 0, tzinfo=UTC)
    assert message.subject == "About Bcc: x@evil.example"
    assert "Use {{ candidate.email }} <b>as is</b>" in message.body_text
    assert "&lt;b&gt;as is&lt;/b&gt;" in message.body_html
    assert len(callbacks) == 1


def test_a_personal_message_needs_words_and_the_right_to_act():
    application = new_application()
    with pytest.raises(ValidationError):
        message_services.message_personal_queue(application=application, subject=" ", body="", by=application.owner)
    with pytest.raises(PermissionDenied):
        message_services.message_personal_queue(application=application, subject="a", body="b", by=UserFactory())


# --- what a person can do with a held message ---------------------------------------------------------


def test_edit_before_it_goes_makes_html_from_the_text_and_is_audited():
    application = new_application()
    message = messages(application)[0]
    message_services.message_edit(
        message=message, subject="New\nsubject", body_text="Line <1>\n\nLine 2", by=application.owner
    )
    message.refresh_from_db()
    assert message.subject == "New subject"
    assert "<p>Line &lt;1&gt;</p>\n<p>Line 2</p>" in message.body_html
    assert message.body_html == rendering.text_to_html("Line <1>\n\nLine 2\n", title="New subject")
    assert AuditLog.objects.get(action="message.edit", object_id=message.pk).details["changed"] == [
        "subject",
        "body_text",
        "body_html",
    ]


def test_send_now_skips_hold_and_window_and_wakes_a_worker(django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2026, 3, 4, 20, 0, tzinfo=UTC), tick=False):
        application = new_application()
        message = messages(application)[0]
        with django_capture_on_commit_callbacks() as callbacks:
            message_services.message_send_now(message=message, by=application.owner)
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.send_after == dt.datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert message.send_window_tz == ""
    assert len(callbacks) == 1


def test_cancel_records_who_and_why_and_a_cancelled_message_cannot_be_sent_or_edited():
    application = new_application()
    message = message_services.message_cancel(
        message=messages(application)[0], by=application.owner, reason="Told them by phone"
    )
    assert message.status == Status.CANCELLED
    assert message.status_reason.endswith(": Told them by phone")
    with pytest.raises(ValidationError, match="cannot be sent now"):
        message_services.message_send_now(message=message, by=application.owner)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        message_services.message_edit(message=message, subject="a", body_text="b", by=application.owner)


def test_only_the_owner_their_lead_or_an_admin_acts_on_a_message(admin_user):
    application = new_application()
    message = messages(application)[0]
    for action in (message_services.message_cancel, message_services.message_send_now):
        with pytest.raises(PermissionDenied):
            action(message=message, by=UserFactory())
    assert message_services.message_cancel(message=message, by=admin_user).status == Status.CANCELLED


def test_retry_is_for_failed_or_unknown_messages_and_settles_their_prompt(django_capture_on_commit_callbacks):
    application = new_application()
    message = messages(application)[0]
    with pytest.raises(ValidationError):
        message_services.message_retry(message=message, by=application.owner)
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.UNKNOWN, attempts=1)
    prompt = RecruiterPrompt.objects.create(
        application=application, recruiter=application.owner, reason="outcome_unknown", message=message
    )
    with django_capture_on_commit_callbacks() as callbacks:
        retried = message_services.message_retry(message=message, by=application.owner)
    assert retried.status == Status.QUEUED and retried.attempts == 0
    prompt.refresh_from_db()
    assert prompt.resolved_at is not None
    assert len(callbacks) == 1


# --- the move form's preview and the task arguments ---------------------------------------------------


def test_stage_template_code_tells_the_recruiter_what_a_move_will_send():
    application = new_application()
    code, note = stage_emails.stage_template_code(application=application, to_stage=Stage.REJECTED)
    assert code == "rejection_early" and "1 day" in note
    moved(application, Stage.SUBMITTED)
    code, note = stage_emails.stage_template_code(application=application, to_stage=Stage.REJECTED)
    assert code is None and "feedback" in note
    code, note = stage_emails.stage_template_code(application=application, to_stage=Stage.SCREENING)
    assert code is None and "correction" in note


def test_enqueued_tasks_carry_only_the_message_id(django_capture_on_commit_callbacks, sent_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        application = new_application(first_name="Zoë", email="zoe.private@mail.example")
    message = messages(application)[0]
    assert sent_tasks == [SentTask("notifications.tasks.outbox.send_message", [message.pk], {}, 601.0)]
    flat = repr(sent_tasks)
    assert "zoe" not in flat.lower() and "Zoë" not in flat


def test_a_stage_change_stays_within_a_query_budget(django_assert_max_num_queries):
    application = new_application()
    # The application with everything its email is written from in one read, and the stage-change
    # notify as the batch of one (each fact read once; message, audit rows and wake-up in bulk), and
    # the webhook subscriptions read once (api.webhooks: nothing more is written when nobody listens).
    with django_assert_max_num_queries(23):
        application_move(application=application, to_stage=Stage.SCREENING, by=application.owner)
