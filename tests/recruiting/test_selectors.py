"""Reads of the pipeline: due today and the candidate's timeline."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recruiting import selectors, services
from recruiting.models import ContactEvent, Stage
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, OutboundMessageFactory

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_due_today_selects_only_later_today():
    due_later = ApplicationFactory(next_update_due=NOW + timedelta(hours=5))
    ApplicationFactory(next_update_due=NOW - timedelta(hours=1))  # already overdue
    ApplicationFactory(next_update_due=NOW + timedelta(days=1))  # tomorrow
    ApplicationFactory(next_update_due=None)  # owes nothing
    assert list(selectors.applications_due_today(now=NOW, tz=UTC)) == [due_later]


def test_overdue_selector_skips_applications_with_an_open_prompt():
    from recruiting.models import RecruiterPrompt

    overdue = ApplicationFactory(next_update_due=NOW - timedelta(hours=1))
    prompted = ApplicationFactory(next_update_due=NOW - timedelta(hours=1))
    RecruiterPrompt.objects.create(application=prompted, recruiter=prompted.owner, reason="overdue")
    assert list(selectors.applications_overdue(now=NOW)) == [overdue]


def test_timeline_merges_stage_changes_and_contacts_newest_first(django_assert_max_num_queries):
    candidate = CandidateFactory()
    with time_machine.travel(NOW, tick=False) as traveller:
        application = services.application_create(
            candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner, notify=False
        )
        traveller.shift(timedelta(hours=1))
        services.contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=candidate.owner,
            summary="Called about the role",
        )
        traveller.shift(timedelta(hours=1))
        services.application_move(application=application, to_stage=Stage.SCREENING, by=candidate.owner, notify=False)
    with django_assert_max_num_queries(3):
        timeline = selectors.application_timeline(candidate_id=candidate.pk)
        kinds = [(entry.kind, entry.at) for entry in timeline]
    assert kinds == [
        ("stage", NOW + timedelta(hours=2)),
        ("contact", NOW + timedelta(hours=1)),
        ("stage", NOW),
    ]
    assert timeline[1].item.summary == "Called about the role"


def test_timeline_can_leave_out_the_contacts_of_sent_messages():
    from django.utils import timezone

    application = ApplicationFactory()
    message = OutboundMessageFactory(application=application, status="sent", sent_at=timezone.now())
    services.contact_log_messages_sent(
        messages=[services.MessageSent(application.pk, message.pk, "News about your application")], at=timezone.now()
    )
    services.contact_log(application=application, channel="phone", direction="outbound", by=None, summary="Called")

    everything = selectors.application_timeline(candidate_id=application.candidate_id)
    without = selectors.application_timeline(candidate_id=application.candidate_id, sent_messages=False)

    assert sorted(entry.item.channel for entry in everything) == ["email", "phone"]
    assert [entry.item.summary for entry in without] == ["Called"]
