"""The "needs update" home page and its one-click actions."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import ContactEvent, RecruiterPrompt, Role, Stage
from recruiting.services import application_clock_recompute
from tests.factories import ApplicationFactory, OutboundMessageFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# What is due "today" ends at midnight: a row due a minute from now is tomorrow's in the day's last minute.
# The page is read on a Wednesday morning, whatever the hour of the run.
WEDNESDAY_MORNING = datetime(2026, 11, 18, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def wednesday_morning(time_machine):
    time_machine.move_to(WEDNESDAY_MORNING, tick=True)


def overdue_application(owner, *, days: int = 10, stage: str = Stage.SCREENING, **kwargs):
    created = timezone.now() - timedelta(days=days)
    application = ApplicationFactory(
        candidate__owner=owner, owner=owner, stage=stage, created_at=created, stage_entered_at=created, **kwargs
    )
    application_clock_recompute(application=application)
    return application


def test_home_lists_my_overdue_applications_with_days_silent_and_why(client, recruiter):
    application = overdue_application(recruiter, days=10)
    other = overdue_application(UserFactory(), days=10)
    client.force_login(recruiter)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert str(application.candidate) in page
    assert str(other.candidate) not in page
    assert "10 days without news since they applied, in Screening" in page
    assert response.context["overdue"].items == [application]


def test_home_says_why_when_a_promised_date_passed(client, recruiter):
    application = overdue_application(recruiter, days=3)
    application.promised_next_step_date = timezone.localdate() - timedelta(days=3)
    application.save(update_fields=["promised_next_step_date"])
    application_clock_recompute(application=application)
    client.force_login(recruiter)

    page = client.get(reverse("home")).content.decode()

    assert "You promised news after" in page


def test_home_lists_due_today_owed_prompts_and_failed_messages(client, recruiter):
    now = timezone.now()
    due_today = ApplicationFactory(candidate__owner=recruiter, owner=recruiter, stage=Stage.NEW)
    due_today.next_update_due = now + timedelta(seconds=60)
    due_today.save(update_fields=["next_update_due"])
    feedback = PromptFactory(
        application__candidate__owner=recruiter, application__owner=recruiter, reason="feedback_owed"
    )
    failed_for = ApplicationFactory(candidate__owner=recruiter, owner=recruiter)
    failed = OutboundMessageFactory(
        application=failed_for,
        status=OutboundMessage.Status.FAILED,
        status_reason="The mail server refused the address.",
    )
    client.force_login(recruiter)

    with_time = client.get(reverse("home"))

    assert with_time.context["due_today"].items == [due_today]
    assert with_time.context["owed"].items == [feedback]
    assert with_time.context["trouble"].items == [failed]
    page = with_time.content.decode()
    assert "Feedback owed after a late rejection" in page
    assert "The mail server refused the address." in page


def test_a_team_lead_sees_the_team_and_its_escalations(client):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    member = UserFactory(profile__team=team)
    lead.profile.team = team
    lead.profile.save()
    application = overdue_application(member, days=12)
    PromptFactory(application=application, escalated_at=timezone.now(), escalated_to=lead)
    client.force_login(lead)

    response = client.get(reverse("home"))

    assert response.context["is_lead"] is True
    assert [row["owner_id"] for row in response.context["team_counts"]] == [member.pk]
    assert [p.application for p in response.context["escalations"]] == [application]
    assert "Escalated to you" in response.content.decode()


def test_a_recruiter_does_not_see_a_team_section(client, recruiter):
    client.force_login(recruiter)
    response = client.get(reverse("home"))
    assert response.context["is_lead"] is False
    assert "Escalated to you" not in response.content.decode()


def test_home_queries_do_not_grow_with_the_data(client, recruiter, django_assert_max_num_queries):
    for _ in range(60):
        application = overdue_application(recruiter, days=10)
        PromptFactory(application=application)
        PromptFactory(application=application, reason="candidate_asked")
    lead_view_user = recruiter
    client.force_login(lead_view_user)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assert len(response.context["overdue"].items) == 25
    assert response.context["overdue"].has_next


def test_home_paginates_the_overdue_list(client, recruiter):
    applications = [overdue_application(recruiter, days=10 + i) for i in range(30)]
    client.force_login(recruiter)

    second = client.get(reverse("home"), {"overdue_page": 2})

    assert len(second.context["overdue"].items) == 5
    assert not second.context["overdue"].has_next
    assert set(second.context["overdue"].items) <= set(applications)


def test_log_a_call_resets_the_clock_and_settles_the_prompt(client, recruiter):
    application = overdue_application(recruiter, days=10)
    prompt = PromptFactory(application=application)
    client.force_login(recruiter)

    response = client.post(reverse("application_log_call", args=[application.pk]), {"summary": "Told them Friday."})

    assert response.status_code == 302
    contact = ContactEvent.objects.get(application=application)
    assert contact.channel == ContactEvent.Channel.PHONE
    assert contact.direction == ContactEvent.Direction.OUTBOUND
    assert contact.summary == "Told them Friday."
    application.refresh_from_db()
    assert application.next_update_due > timezone.now()
    prompt.refresh_from_db()
    assert prompt.resolved_at is not None


def test_check_in_queues_the_still_in_process_email(client, recruiter):
    application = overdue_application(recruiter, days=10)
    client.force_login(recruiter)

    response = client.post(reverse("application_check_in", args=[application.pk]), follow=True)

    message = OutboundMessage.objects.get(application=application)
    assert message.template_code == "check_in"
    assert message.status == OutboundMessage.Status.HELD
    assert "is in the outbox" in response.content.decode()


def test_snooze_needs_a_reason_and_shows_the_error(client, recruiter):
    prompt = PromptFactory(application=overdue_application(recruiter, days=4))
    client.force_login(recruiter)
    until = (timezone.localdate() + timedelta(days=3)).isoformat()

    refused = client.post(reverse("prompt_snooze", args=[prompt.pk]), {"until": until, "reason": ""})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()

    done = client.post(reverse("prompt_snooze", args=[prompt.pk]), {"until": until, "reason": "Client decides Monday"})
    assert done.status_code == 302
    prompt.refresh_from_db()
    assert prompt.snoozed_until is not None
    assert prompt.snooze_reason == "Client decides Monday"


def test_snooze_past_two_weeks_of_silence_is_refused_on_the_form(client, recruiter):
    prompt = PromptFactory(application=overdue_application(recruiter, days=4))
    client.force_login(recruiter)
    until = (timezone.localdate() + timedelta(days=20)).isoformat()

    refused = client.post(reverse("prompt_snooze", args=[prompt.pk]), {"until": until, "reason": "Holiday"})

    assert refused.status_code == 200
    assert "Two weeks without news is the limit" in refused.content.decode()
    prompt.refresh_from_db()
    assert prompt.snoozed_until is None


def test_snooze_form_loads_into_the_modal_for_htmx(client, recruiter):
    prompt = PromptFactory(application=overdue_application(recruiter, days=4))
    client.force_login(recruiter)

    response = client.get(reverse("prompt_snooze", args=[prompt.pk]), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "modal-body" in page
    assert "<html" not in page


@pytest.mark.parametrize("action", ["application_check_in", "application_log_call"])
def test_a_recruiter_cannot_act_on_another_recruiters_application(client, recruiter, action):
    theirs = overdue_application(UserFactory(), days=10)
    client.force_login(recruiter)

    response = client.post(reverse(action, args=[theirs.pk]))

    assert response.status_code == 403
    assert not ContactEvent.objects.filter(application=theirs).exists()
    assert not OutboundMessage.objects.filter(application=theirs).exists()


def test_a_recruiter_cannot_snooze_another_recruiters_prompt(client, recruiter):
    prompt = PromptFactory(application=overdue_application(UserFactory(), days=4))
    client.force_login(recruiter)
    until = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert client.get(reverse("prompt_snooze", args=[prompt.pk])).status_code == 403

    response = client.post(reverse("prompt_snooze", args=[prompt.pk]), {"until": until, "reason": "mine now"})

    assert response.status_code == 403
    prompt.refresh_from_db()
    assert prompt.snoozed_until is None


def test_a_team_lead_may_check_in_for_a_team_member(client):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    member = UserFactory(profile__team=TeamFactory(lead=lead))
    application = overdue_application(member, days=10)
    client.force_login(lead)

    response = client.post(reverse("application_check_in", args=[application.pk]))

    assert response.status_code == 302
    assert OutboundMessage.objects.filter(application=application, template_code="check_in").exists()


@pytest.mark.parametrize("name", ["application_check_in", "application_log_call", "prompt_snooze"])
def test_unknown_objects_are_404(client, recruiter, name):
    client.force_login(recruiter)
    assert client.post(reverse(name, args=[999999])).status_code == 404


def test_the_prompt_reason_list_is_what_the_home_shows(client, recruiter):
    # Every reason but overdue has its place in "Owed to candidates".
    application = overdue_application(recruiter, days=2)
    for reason in (
        "reply_owed",
        "feedback_owed",
        "candidate_asked",
        "delivery_failed",
        "outcome_unknown",
        "client_silent",
        "client_answered",
        "safety_net",
    ):
        PromptFactory(application=application, reason=reason)
    client.force_login(recruiter)

    owed = client.get(reverse("home")).context["owed"].items

    assert {p.reason for p in owed} == set(RecruiterPrompt.Reason.values) - {"overdue"}


def test_a_team_leads_home_stays_within_budget_with_a_busy_team(client, django_assert_max_num_queries):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    lead.profile.team = team
    lead.profile.save()
    members = [UserFactory(profile__team=team) for _ in range(4)]
    for index in range(60):
        application = overdue_application(members[index % 4], days=12)
        PromptFactory(application=application, escalated_at=timezone.now(), escalated_to=lead)
    for _ in range(30):
        overdue_application(lead, days=10)
    client.force_login(lead)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("home"))

    assert sum(row["overdue"] for row in response.context["team_counts"]) == 60
    assert len(response.context["escalations"].items) == 25


def test_one_click_actions_answer_in_place_for_htmx(client, recruiter):
    application = overdue_application(recruiter, days=10)
    client.force_login(recruiter)

    response = client.post(
        reverse("application_log_call", args=[application.pk]), {"summary": ""}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "logged; their clock starts again." in page
    assert "<html" not in page
    assert ContactEvent.objects.filter(application=application).count() == 1


def test_a_snoozed_or_escalated_overdue_application_says_so(client, recruiter):
    snoozed = overdue_application(recruiter, days=10)
    PromptFactory(application=snoozed, snoozed_until=timezone.now() + timedelta(days=2), snooze_reason="Waiting")
    escalated = overdue_application(recruiter, days=11)
    PromptFactory(application=escalated, escalated_at=timezone.now(), escalated_to=UserFactory())
    client.force_login(recruiter)

    response = client.get(reverse("home"))

    rows = {application.pk: application for application in response.context["overdue"]}
    assert rows[snoozed.pk].snoozed and not rows[escalated.pk].snoozed
    page = response.content.decode()
    assert "Snoozed until" in page
    assert ">Escalated<" in page
    assert reverse("prompt_snooze", args=[rows[escalated.pk].prompt.pk]) in page


def test_a_snoozed_prompt_waits_off_the_owed_list(client, recruiter):
    application = overdue_application(recruiter, days=2)
    PromptFactory(application=application, reason="candidate_asked", snoozed_until=timezone.now() + timedelta(days=1))
    client.force_login(recruiter)

    assert client.get(reverse("home")).context["owed"].items == []


def test_check_in_for_a_selection(client, recruiter):
    ticked = [overdue_application(recruiter, days=10) for _ in range(3)]
    paused = overdue_application(recruiter, days=10, candidate__automated_updates_paused=True)
    client.force_login(recruiter)

    response = client.post(
        reverse("applications_check_in"), {"applications": [a.pk for a in [*ticked, paused]]}, follow=True
    )

    queued = OutboundMessage.objects.filter(template_code="check_in").exclude(status="suppressed")
    assert set(queued.values_list("application_id", flat=True)) == {a.pk for a in ticked}
    page = response.content.decode()
    assert "3 check-ins in the outbox." in page
    assert f"Not queued: {paused.candidate}" in page


def test_check_in_for_a_selection_is_refused_whole_when_one_is_not_mine(client, recruiter):
    mine = overdue_application(recruiter, days=10)
    theirs = overdue_application(UserFactory(), days=10)
    client.force_login(recruiter)

    response = client.post(reverse("applications_check_in"), {"applications": [mine.pk, theirs.pk]})

    assert response.status_code == 403
    assert not OutboundMessage.objects.exists()


def test_check_in_for_an_empty_selection_says_so(client, recruiter):
    client.force_login(recruiter)
    response = client.post(reverse("applications_check_in"), follow=True)
    assert "Tick at least one candidate first." in response.content.decode()


def test_a_team_leads_home_does_not_say_well_done_above_an_overdue_team(client):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    lead.profile.team = team
    lead.profile.save()
    member = UserFactory(profile__team=team)
    late = [overdue_application(member, days=12) for _ in range(3)]
    PromptFactory(application=late[0], escalated_at=timezone.now(), escalated_to=lead)
    client.force_login(lead)

    page = client.get(reverse("home")).content.decode()

    assert "Well done" not in page
    assert "None of your own candidates is waiting too long for news, but your" in page
    assert "3 overdue, 1 escalated to you." in page


def test_a_team_leads_home_says_well_done_when_the_team_is_up_to_date_too(client):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    lead.profile.team = team
    lead.profile.save()
    UserFactory(profile__team=team)
    client.force_login(lead)

    page = client.get(reverse("home")).content.decode()

    assert "Nobody is waiting too long for news. Well done." in page


def test_the_home_page_lists_no_prompt_a_closed_application_no_longer_needs(client, recruiter):
    closed = ApplicationFactory(
        candidate__owner=recruiter, owner=recruiter, stage=Stage.REJECTED, closed_at=timezone.now()
    )
    # Prompts left open from before closing settled them: the page must not offer them.
    PromptFactory(application=closed, reason=RecruiterPrompt.Reason.CLIENT_ANSWERED)
    PromptFactory(application=closed, reason=RecruiterPrompt.Reason.OVERDUE)
    feedback = PromptFactory(application=closed, reason=RecruiterPrompt.Reason.FEEDBACK_OWED)
    client.force_login(recruiter)

    response = client.get(reverse("home"))

    assert response.context["owed"].items == [feedback]
    page = response.content.decode()
    assert "Client answered: review" not in page
    assert reverse("application_check_in", args=[closed.pk]) not in page


def test_closing_from_the_move_form_takes_the_review_row_off_the_home_page(client, recruiter):
    application = overdue_application(recruiter, days=10, stage=Stage.SUBMITTED)
    PromptFactory(application=application, reason=RecruiterPrompt.Reason.CLIENT_ANSWERED)
    PromptFactory(application=application, reason=RecruiterPrompt.Reason.OVERDUE)
    client.force_login(recruiter)
    assert "Client answered: review" in client.get(reverse("home")).content.decode()

    client.post(reverse("application_move", args=[application.pk]), {"to_stage": Stage.WITHDRAWN, "dont_notify": "on"})

    response = client.get(reverse("home"))
    assert "Client answered: review" not in response.content.decode()
    assert response.context["overdue"].items == []
    assert not RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).exists()


def test_an_admins_home_does_not_say_well_done_while_the_firm_has_candidates_overdue(client):
    admin = UserFactory(profile__role=Role.ADMIN)
    for _ in range(2):
        overdue_application(UserFactory(), days=12)
    client.force_login(admin)

    page = client.get(reverse("home")).content.decode()

    assert "Well done" not in page
    assert "None of your own candidates is waiting too long for news, but" in page
    assert "the firm's are: 2 overdue." in page
    assert 'href="/team/"' in page


def test_an_admins_home_says_well_done_when_the_firm_is_up_to_date(client):
    client.force_login(UserFactory(profile__role=Role.ADMIN))
    assert "Nobody is waiting too long for news. Well done." in client.get(reverse("home")).content.decode()
