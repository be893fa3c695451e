"""The morning digest: from 8:00 in each recruiter's time zone, in a morning window on their business days,
only when something is owed, once a day."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections

from notifications.models import OutboundMessage
from notifications.services import digests
from recruiting.models import FirmHoliday, RecruiterPrompt, Role, Stage
from tests.factories import ApplicationFactory, PromptFactory, TeamFactory, UserFactory

UTC = ZoneInfo("UTC")
# Wednesday 25 November 2026. Berlin is UTC+1, New York UTC-5, Tokyo UTC+9.
DAY = datetime(2026, 11, 25, tzinfo=UTC)
Reason = RecruiterPrompt.Reason

pytestmark = pytest.mark.django_db


def send_at(moment: datetime) -> digests.DigestResult:
    with time_machine.travel(moment, tick=False):
        return digests.digests_send()


def digests_of(user) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template_code="digest", recipient_user=user).order_by("created_at"))


def recruiter_in(time_zone: str, **kwargs):
    return UserFactory(profile__time_zone=time_zone, **kwargs)


def owes_an_update(user, *, days_silent: int = 6, **kwargs):
    application = ApplicationFactory(
        candidate__owner=user,
        stage=Stage.SCREENING,
        created_at=DAY - timedelta(days=30),
        last_informed_at=DAY - timedelta(days=days_silent),
        next_update_due=DAY - timedelta(days=1),
    )
    return PromptFactory(application=application, due_at=application.next_update_due, **kwargs)


def test_each_recruiter_gets_the_digest_at_eight_in_their_own_time_zone():
    berlin, new_york, tokyo = (
        recruiter_in("Europe/Berlin"),
        recruiter_in("America/New_York"),
        recruiter_in("Asia/Tokyo"),
    )
    for user in (berlin, new_york, tokyo):
        owes_an_update(user)

    # Tuesday 23:00 UTC is Wednesday 08:00 in Tokyo.
    assert send_at(DAY - timedelta(hours=1)).queued_user_ids == [tokyo.pk]
    early = send_at(DAY.replace(hour=6, minute=59))  # Berlin 07:59, New York 01:59, Tokyo 15:59
    assert early.queued_user_ids == []
    assert send_at(DAY.replace(hour=7)).queued_user_ids == [berlin.pk]  # Berlin 08:00
    assert send_at(DAY.replace(hour=12, minute=59)).queued_user_ids == []
    assert send_at(DAY.replace(hour=13)).queued_user_ids == [new_york.pk]  # New York 08:00
    assert [len(digests_of(user)) for user in (berlin, new_york, tokyo)] == [1, 1, 1]


def test_at_most_one_digest_a_day_and_a_new_one_the_next_morning():
    user = recruiter_in("Europe/Berlin")
    owes_an_update(user)
    assert send_at(DAY.replace(hour=7)).queued_user_ids == [user.pk]
    later = send_at(DAY.replace(hour=9, minute=45))  # Berlin 10:45, still in the morning window
    assert (later.queued_user_ids, later.already_sent) == ([], 1)
    assert len(digests_of(user)) == 1
    # Berlin's Thursday starts at 23:00 UTC; its digest waits for 8:00 there.
    assert send_at(DAY.replace(hour=23, minute=30)).queued_user_ids == []
    assert send_at(DAY.replace(hour=7) + timedelta(days=1)).queued_user_ids == [user.pk]
    keys = [message.idempotency_key for message in digests_of(user)]
    assert keys == [f"digest:{user.pk}:2026-11-25", f"digest:{user.pk}:2026-11-26"]


def test_no_digest_when_nothing_is_owed():
    idle = recruiter_in("UTC")
    ApplicationFactory(candidate__owner=idle, next_update_due=DAY + timedelta(days=3))  # not due today
    snoozed = owes_an_update(idle)
    snoozed.snoozed_until = DAY + timedelta(days=2)
    snoozed.snooze_reason = "Client decides on Friday"
    snoozed.save()
    result = send_at(DAY.replace(hour=9))
    assert result.queued_user_ids == []
    assert result.nothing_owed >= 1
    assert digests_of(idle) == []


def test_the_digest_lists_what_is_owed_with_days_silent_and_a_link():
    user = recruiter_in("UTC", first_name="Robin")
    prompt = owes_an_update(user, days_silent=6)
    feedback_application = ApplicationFactory(
        candidate__owner=user,
        stage=Stage.REJECTED,
        closed_at=DAY - timedelta(hours=5),
        last_informed_at=DAY - timedelta(days=3),
    )
    PromptFactory(application=feedback_application, reason=Reason.FEEDBACK_OWED, due_at=DAY + timedelta(days=2))
    due_today = ApplicationFactory(
        candidate__owner=user,
        last_informed_at=DAY - timedelta(days=4),
        next_update_due=DAY.replace(hour=16),
    )
    ApplicationFactory(candidate__owner=user, next_update_due=DAY + timedelta(days=1, hours=1))  # tomorrow

    assert send_at(DAY.replace(hour=8)).queued_user_ids == [user.pk]

    [message] = digests_of(user)
    assert message.to_address == user.email
    assert message.status == OutboundMessage.Status.QUEUED  # no hold window for a digest
    assert message.send_after == DAY.replace(hour=8)
    body = message.body_text
    assert "Robin" in body
    candidate = prompt.application.candidate
    assert f"{candidate.full_name} · " in body
    assert "6 days without news" in body
    assert f"http://testserver/candidates/{candidate.pk}/" in body
    assert "Feedback owed after a late rejection, due Friday 27 November" in body
    assert f"{due_today.candidate.full_name} · " in body and "due by 16:00" in body
    assert body.count("http://testserver/candidates/") == 3
    assert "2 owed an update, 1 due today" in message.subject


def test_an_overdue_application_the_scan_has_not_reached_yet_is_listed_as_overdue():
    user = recruiter_in("UTC")
    application = ApplicationFactory(
        candidate__owner=user, created_at=DAY - timedelta(days=9), next_update_due=DAY.replace(hour=7)
    )
    send_at(DAY.replace(hour=8))
    [message] = digests_of(user)
    assert f"{application.candidate.full_name} · " in message.body_text
    assert "Update overdue" in message.body_text
    assert "9 days without news" in message.body_text


def test_a_team_lead_also_gets_the_escalations_of_their_team():
    lead = recruiter_in("UTC", profile__role=Role.TEAM_LEAD)
    member = recruiter_in("UTC", first_name="Alex", last_name="Morgan", profile__team=TeamFactory(lead=lead))
    escalated = owes_an_update(member, escalated_at=DAY - timedelta(hours=3), escalated_to=lead)
    result = send_at(DAY.replace(hour=8))
    assert set(result.queued_user_ids) == {lead.pk, member.pk}
    [lead_digest] = digests_of(lead)
    assert f"{escalated.application.candidate.full_name} · " in lead_digest.body_text
    assert "with Alex Morgan" in lead_digest.body_text
    [member_digest] = digests_of(member)
    assert f"{escalated.application.candidate.full_name} · " in member_digest.body_text


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_send_one_digest_per_recruiter(requires_postgres):
    users = [recruiter_in("UTC") for _ in range(5)]
    for user in users:
        owes_an_update(user)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def run():
        try:
            barrier.wait(timeout=10)
            digests.digests_send(now=DAY.replace(hour=8))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for user in users:
        assert len(digests_of(user)) == 1


def test_the_beat_task_sends_the_digests_under_the_name_the_schedule_uses():
    from inloop.celery import app

    user = recruiter_in("UTC")
    owes_an_update(user)
    app.loader.import_default_modules()
    task = app.tasks[app.conf.beat_schedule["send-digests"]["task"]]
    with time_machine.travel(DAY.replace(hour=9), tick=False):
        assert task.apply().get()["queued"] == 1
    assert len(digests_of(user)) == 1


# Item 8: in the morning only, on the recipient's business days.


def test_a_digest_missed_in_the_morning_waits_for_the_next_morning():
    user = recruiter_in("Europe/Berlin")
    owes_an_update(user)
    # Berlin 11:00, 16:00 and 23:45: the window (8:00 to 11:00) has closed.
    for utc_hour, minute in ((10, 0), (15, 0), (22, 45)):
        assert send_at(DAY.replace(hour=utc_hour, minute=minute)).queued_user_ids == []
    assert digests_of(user) == []
    assert send_at(DAY.replace(hour=7, minute=15) + timedelta(days=1)).queued_user_ids == [user.pk]
    assert [message.idempotency_key for message in digests_of(user)] == [f"digest:{user.pk}:2026-11-26"]


@pytest.mark.parametrize(
    ("hours", "berlin_time", "sent"), [(3, (10, 59), True), (1, (9, 0), False), (1, (8, 59), True)]
)
def test_the_window_length_is_a_setting(settings, hours, berlin_time, sent):
    settings.INLOOP_DIGEST_WINDOW_HOURS = hours
    user = recruiter_in("Europe/Berlin")
    owes_an_update(user)
    hour, minute = berlin_time
    result = send_at(DAY.replace(hour=hour - 1, minute=minute))
    assert result.queued_user_ids == ([user.pk] if sent else [])


def test_no_digest_at_the_weekend_in_the_recipients_own_zone():
    berlin, tokyo = recruiter_in("Europe/Berlin"), recruiter_in("Asia/Tokyo")
    for user in (berlin, tokyo):
        owes_an_update(user)
    saturday = DAY + timedelta(days=3)
    assert send_at(saturday.replace(hour=7)).queued_user_ids == []  # Berlin Saturday 08:00
    assert send_at(saturday - timedelta(hours=1)).queued_user_ids == []  # Tokyo Saturday 08:00
    # Sunday 23:00 UTC is Monday 08:00 in Tokyo: a business morning there, though not in Berlin.
    assert send_at(saturday + timedelta(days=1, hours=23)).queued_user_ids == [tokyo.pk]
    assert send_at(saturday + timedelta(days=2, hours=7)).queued_user_ids == [berlin.pk]


def test_no_digest_on_a_firm_holiday():
    FirmHoliday.objects.create(date=date(2026, 11, 26), name="Firm day off")
    user = recruiter_in("UTC")
    owes_an_update(user)
    assert send_at(DAY.replace(hour=8) + timedelta(days=1)).queued_user_ids == []
    assert send_at(DAY.replace(hour=8) + timedelta(days=2)).queued_user_ids == [user.pk]


def test_over_a_week_of_beats_every_digest_goes_on_a_business_morning():
    FirmHoliday.objects.create(date=date(2026, 11, 26), name="Firm day off")
    users = [recruiter_in(zone) for zone in ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")]
    for user in users:
        owes_an_update(user)
    start = DAY - timedelta(days=2)
    for quarter in range(7 * 24 * 4):
        send_at(start + timedelta(minutes=15 * quarter))
    sent = OutboundMessage.objects.filter(template_code="digest", recipient_user__in=users).select_related(
        "recipient_user__profile"
    )
    assert sent
    for message in sent:
        local = message.created_at.astimezone(ZoneInfo(message.recipient_user.profile.time_zone))
        assert local.weekday() < 5 and local.date() != date(2026, 11, 26)
        assert 8 <= local.hour < 11, local
    days_per_user = {
        user.pk: sorted(m.idempotency_key for m in sent if m.recipient_user_id == user.pk) for user in users
    }
    assert all(len(keys) == len(set(keys)) for keys in days_per_user.values())
