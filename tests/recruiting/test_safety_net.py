"""The safety net (docs/rules.md#silence-cap): before fourteen days of silence the system acts itself, once per
silence: a held email to a candidate who gets automated email, a call asked of the lead otherwise."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboundMessage, Suppression
from notifications.services import sending
from recruiting import policy, selectors
from recruiting.models import (
    AuditLog,
    ContactEvent,
    RecruiterPrompt,
    Role,
    SafetyNet,
    Stage,
    StagePolicy,
)
from recruiting.services import application_create, application_move, contact_log, scan
from recruiting.services.clock import safety_net_hold, safety_net_window
from recruiting.services.prompts import prompt_resolve, prompt_snooze
from tests.factories import CandidateFactory, JobFactory, OutboundMessageFactory, TeamFactory, UserFactory

# Monday 2 November 2026, 10:00 UTC: the application is created and nobody tells the candidate anything.
T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
Reason = RecruiterPrompt.Reason
Status = OutboundMessage.Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    return owner, lead


def silent_application(owner, **candidate):
    candidate = CandidateFactory(owner=owner, **candidate)
    with time_machine.travel(T0, tick=False):
        return application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner, notify=False)


def scan_at(moment):
    with time_machine.travel(moment, tick=False):
        return scan.prompts_scan_overdue()


def test_a_candidate_who_gets_automated_email_gets_the_held_safety_net_once(team):
    owner, _lead = team
    application = silent_application(owner, first_name="Nadia")
    # New: prompted after 3 business days, the lead 2 later, the safety net 2 after that.
    assert application.next_update_due == datetime(2026, 11, 5, 10, tzinfo=UTC)
    assert application.escalate_at == datetime(2026, 11, 9, 10, tzinfo=UTC)
    assert application.safety_net_at == datetime(2026, 11, 11, 10, tzinfo=UTC)

    assert scan_at(application.safety_net_at - timedelta(minutes=1)).safety_net_messages == 0
    result = scan_at(application.safety_net_at)
    assert (result.safety_net_messages, result.safety_net_calls) == (1, 0)

    message = OutboundMessage.objects.get(application=application, template_code="safety_net")
    assert message.status == Status.HELD
    window = safety_net_window(application.candidate, frozenset())
    assert message.send_after == policy.safety_net_send_time(
        queued_at=application.safety_net_at,
        hold=safety_net_hold(application.candidate),
        last_informed_at=T0,
        window=window,
    )
    assert message.must_send_by == T0 + timedelta(days=14) - policy.SAFETY_NET_MARGIN
    assert message.idempotency_key == f"safety_net:{application.pk}:{T0.isoformat()}"
    assert "Hello Nadia" in message.body_text and "you are not forgotten" in message.subject
    # The next real date: the new stage limit counted from when the email goes (Wednesday + 3 business days).
    assert "Monday 16 November" in message.body_text

    again = scan_at(application.safety_net_at + timedelta(hours=2))
    assert (again.safety_net_messages, again.safety_net_calls) == (0, 0)
    assert SafetyNet.objects.get(application=application).kind == SafetyNet.Kind.MESSAGE
    assert OutboundMessage.objects.filter(template_code="safety_net").count() == 1

    with time_machine.travel(message.send_after, tick=False):
        assert sending.messages_send_due(worker="w", limit=10).sent == 1
    assert len(mail.outbox) == 1
    application.refresh_from_db()
    assert application.last_informed_at == message.send_after
    assert application.safety_net_at > message.send_after + timedelta(days=7)


def test_a_long_stage_limit_and_a_weekend_still_land_before_fourteen_days(team):
    owner, _lead = team
    StagePolicy.objects.create(stage=Stage.NEW, max_silent_business_days=10, escalate_after_business_days=3)
    # Told on a Friday evening: the ceiling is a Friday evening two weeks on.
    friday_evening = datetime(2026, 11, 6, 17, 30, tzinfo=UTC)
    candidate = CandidateFactory(owner=owner, time_zone="America/New_York")
    with time_machine.travel(friday_evening, tick=False):
        application = application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner, notify=False)
    ceiling = friday_evening + timedelta(days=14)
    assert application.next_update_due <= application.escalate_at <= application.safety_net_at < ceiling

    scan_at(application.safety_net_at)
    message = OutboundMessage.objects.get(application=application, template_code="safety_net")
    assert message.send_after <= ceiling - policy.SAFETY_NET_MARGIN
    local = message.send_after.astimezone(window_zone := safety_net_window(candidate, frozenset()).tz)
    assert local.weekday() < 5 and 9 <= local.hour < 18, (local, window_zone)


def test_the_outbox_never_moves_a_late_safety_net_past_the_moment_it_must_go_by():
    saturday_night = datetime(2026, 11, 14, 21, tzinfo=UTC)
    must_go_by = datetime(2026, 11, 15, 7, tzinfo=UTC)  # Sunday morning, before any business hours
    safety = OutboundMessageFactory(
        template_code="safety_net",
        status=Status.QUEUED,
        send_after=saturday_night - timedelta(hours=2),
        send_window_tz="UTC",
        must_send_by=must_go_by,
    )
    ordinary = OutboundMessageFactory(
        status=Status.QUEUED, send_after=saturday_night - timedelta(hours=2), send_window_tz="UTC"
    )
    with time_machine.travel(saturday_night, tick=False):
        report = sending.messages_send_due(worker="w", limit=10)
    safety.refresh_from_db()
    ordinary.refresh_from_db()
    assert safety.status == Status.SENT and "Sent late" in safety.status_reason
    assert ordinary.status == Status.QUEUED and ordinary.send_after == datetime(2026, 11, 16, 9, tzinfo=UTC)
    assert (report.sent, report.rescheduled) == (1, 1)


def test_a_paused_candidate_gets_a_call_asked_of_the_lead_and_listed_for_admins(team):
    owner, lead = team
    admin = UserFactory(profile__role=Role.ADMIN)
    application = silent_application(owner, automated_updates_paused=True)
    # The lead must be told a day ahead of the last business-hours opening before the ceiling.
    assert application.safety_net_at <= datetime(2026, 11, 16, 9, tzinfo=UTC) - policy.PERSONAL_CONTACT_LEAD

    result = scan_at(application.safety_net_at)
    assert (result.safety_net_messages, result.safety_net_calls) == (0, 1)
    assert not OutboundMessage.objects.filter(application=application, template_code="safety_net").exists()
    prompt = RecruiterPrompt.objects.get(application=application, reason=Reason.SAFETY_NET, resolved_at=None)
    assert (prompt.recruiter, prompt.escalated_to, prompt.escalated_at) == (owner, lead, application.safety_net_at)
    assert "call them" in prompt.detail
    with time_machine.travel(application.safety_net_at, tick=False):
        assert prompt in selectors.prompts_open_for_user(user=admin)
        assert prompt in selectors.prompts_escalated_to(user=lead)
    assert SafetyNet.objects.get(application=application).kind == SafetyNet.Kind.PERSONAL
    assert scan_at(application.safety_net_at + timedelta(hours=1)).safety_net_calls == 0

    # Neither waved away nor put off: only a call (or an email the owner writes) closes it.
    with time_machine.travel(application.safety_net_at + timedelta(hours=2), tick=False):
        with pytest.raises(ValidationError, match="closes by itself"):
            prompt_resolve(prompt=prompt, by=lead, resolution="Seen")
        with pytest.raises(ValidationError, match="cannot wait any longer"):
            prompt_snooze(prompt=prompt, until=application.safety_net_at + timedelta(days=1), reason="x", by=lead)

    # The call settles it.
    with time_machine.travel(application.safety_net_at + timedelta(hours=3), tick=False):
        contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=owner,
            summary="Called: still waiting on the client",
        )
    prompt.refresh_from_db()
    assert prompt.resolved_at is not None


def test_an_address_on_the_suppression_list_falls_back_to_a_call(team):
    owner, lead = team
    application = silent_application(owner, email="gone@mail.example")
    Suppression.objects.create(email="GONE@mail.example", reason=Suppression.Reason.BOUNCED)
    result = scan_at(application.safety_net_at)
    assert (result.safety_net_messages, result.safety_net_calls) == (0, 1)
    assert OutboundMessage.objects.get(application=application, template_code="safety_net").status == Status.SUPPRESSED
    assert SafetyNet.objects.get(application=application).kind == SafetyNet.Kind.PERSONAL
    assert RecruiterPrompt.objects.get(application=application, reason=Reason.SAFETY_NET).escalated_to == lead


def test_news_given_after_the_safety_net_was_queued_stops_it(team):
    owner, _lead = team
    application = silent_application(owner)
    scan_at(application.safety_net_at)
    message = OutboundMessage.objects.get(application=application, template_code="safety_net")
    with time_machine.travel(application.safety_net_at + timedelta(minutes=2), tick=False):
        contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=owner,
        )
    with time_machine.travel(message.send_after, tick=False):
        sending.messages_send_due(worker="w", limit=10)
    message.refresh_from_db()
    assert message.status == Status.SUPPRESSED
    assert message.status_reason == sending.SAFETY_NET_OVERTAKEN
    assert mail.outbox == []


def test_a_move_keeps_the_safety_net_and_a_closing_cancels_it(team):
    owner, _lead = team
    kept = silent_application(owner)
    closed = silent_application(owner)
    scan_at(kept.safety_net_at)
    with time_machine.travel(kept.safety_net_at + timedelta(minutes=1), tick=False):
        application_move(application=kept, to_stage=Stage.SCREENING, by=owner, notify=False)
        application_move(application=closed, to_stage=Stage.WITHDRAWN, by=owner, notify=False)
    statuses = dict(OutboundMessage.objects.filter(template_code="safety_net").values_list("application_id", "status"))
    assert statuses == {kept.pk: Status.HELD, closed.pk: Status.CANCELLED}


def test_the_safety_net_pass_costs_the_same_queries_for_one_or_many(team, django_assert_max_num_queries):
    owner, _lead = team
    first = silent_application(owner)
    paused = silent_application(owner, automated_updates_paused=True)
    moment = max(first.safety_net_at, paused.safety_net_at)
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as small:
        assert scan.prompts_scan_overdue().safety_net_messages == 1
    for _ in range(8):
        silent_application(owner)
        silent_application(owner, automated_updates_paused=True)
    with time_machine.travel(moment, tick=False), django_assert_max_num_queries(len(small.captured_queries)):
        result = scan.prompts_scan_overdue()
    assert (result.safety_net_messages, result.safety_net_calls) == (8, 8)


def test_a_dry_run_reports_the_safety_nets_and_acts_on_none(team, sent_tasks):
    owner, _lead = team
    application = silent_application(owner)
    silent_application(owner, automated_updates_paused=True)
    with time_machine.travel(application.safety_net_at + timedelta(days=1), tick=False):
        result = scan.prompts_scan_overdue(dry_run=True)
    assert (result.safety_net_messages, result.safety_net_calls) == (1, 1)
    assert not SafetyNet.objects.exists()
    assert not OutboundMessage.objects.filter(template_code="safety_net").exists()
    assert sent_tasks == []


def test_a_claim_of_several_statements_inserts_each_silence_once_and_says_which_it_inserted(team, monkeypatch):
    owner, _lead = team
    monkeypatch.setattr(scan, "CLAIM_BATCH", 2)
    first = silent_application(owner)
    assert scan_at(first.safety_net_at).safety_net_messages == 1
    others = [silent_application(owner) for _ in range(4)]
    with time_machine.travel(first.safety_net_at, tick=False):
        rows = [(a.pk, a.created_at, SafetyNet.Kind.MESSAGE, first.safety_net_at) for a in [first, *others]]
        assert scan._safety_nets_insert(rows=rows) == {a.pk for a in others}
        assert scan._safety_nets_insert(rows=rows) == set()
    assert set(SafetyNet.objects.values_list("application_id", "silence_started_at")) == {
        (a.pk, a.created_at) for a in [first, *others]
    }


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_act_on_each_safety_net_once(requires_postgres, team):
    owner, _lead = team
    applications = [silent_application(owner, automated_updates_paused=bool(n % 2)) for n in range(12)]
    moment = max(application.safety_net_at for application in applications)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait(timeout=10)
            with time_machine.travel(moment, tick=False):
                results.append(scan.prompts_scan_overdue())
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.safety_net_messages for r in results) == 6
    assert sum(r.safety_net_calls for r in results) == 6
    assert OutboundMessage.objects.filter(template_code="safety_net").count() == 6
    assert RecruiterPrompt.objects.filter(reason=Reason.SAFETY_NET).count() == 6
    assert SafetyNet.objects.count() == 12
    assert AuditLog.objects.filter(action="prompt.escalate", details__safety_net=True).count() >= 1
