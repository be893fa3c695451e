"""Property: every date a message states, rendered for the moment it is sent, is on or after that day."""

import datetime as dt
from copy import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.rendering import application_merge_fields
from notifications.services.freshness import _as_after_this_message, stated_dates
from notifications.services.templates import template_render
from recruiting import calendar, policy
from recruiting.models import ACTIVE_STAGES
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CODES = ("check_in", "submitted", "interviewing", "promise", "screening")


@pytest.fixture
def application():
    return ApplicationFactory(candidate=CandidateFactory(first_name="Amira"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    told_hours=st.integers(min_value=0, max_value=24 * 400),
    silent_hours=st.integers(min_value=0, max_value=24 * 40),
    promise_offset=st.none() | st.integers(min_value=-30, max_value=60),
    stage=st.sampled_from(ACTIVE_STAGES),
    zone=st.sampled_from(["UTC", "Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"]),
    code=st.sampled_from(CODES),
    holidays=st.frozensets(st.dates(dt.date(2026, 1, 1), dt.date(2027, 3, 1)), max_size=20),
)
def test_a_message_rendered_when_it_goes_states_no_date_before_that_day(
    application, told_hours, silent_hours, promise_offset, stage, zone, code, holidays
):
    told = START + dt.timedelta(hours=told_hours)
    sent_at = told + dt.timedelta(hours=silent_hours)
    candidate = copy(application.candidate)
    candidate.time_zone = zone
    subject = copy(application)
    subject.candidate, subject.stage, subject.last_informed_at = candidate, stage, told
    today = sent_at.astimezone(calendar.zone(zone)).date()
    subject.promised_next_step_date = None if promise_offset is None else today + dt.timedelta(days=promise_offset)

    after = _as_after_this_message(subject, sent_at, dict(policy.DEFAULT_POLICIES), holidays)
    rendered = template_render(
        code=code, fields=application_merge_fields(application=after, reached_client=False, others_alive=0)
    )

    for day in stated_dates(rendered.subject + "\n" + rendered.body_text):
        assert day >= today
