"""seed_demo: the world a person meets when they open the demo firm, made by two months of the product
running with its clock moved, and that a second run changes nothing."""

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from inloop import demo
from notifications.models import InboundMessage, OutboundMessage, Suppression, TrackingEvent
from recruiting import calendar, policy, selectors
from recruiting.models import (
    ACTIVE_STAGES,
    Application,
    AuditLog,
    Client,
    ClientAnswer,
    ClientChase,
    ContactEvent,
    FigureWeek,
    HiringManager,
    Job,
    RecruiterPrompt,
    Role,
    SafetyNet,
    Stage,
    StageChange,
    StagePolicy,
    Team,
)
from recruiting.selectors.client_figures import client_figures
from workspace import selectors as ws

# The demo's story ends at the moment it is loaded, and which candidates are overdue or which client was
# quick depends on that moment: the module loads it at one fixed moment, so that every run checks the same
# firm whatever the day (the crawl of tests/test_demo_firm.py meets it at another moment).
LOADED_AT = datetime(2026, 11, 17, 9, 40, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_firm(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module through the command and rolled back after it."""
    with time_machine.travel(LOADED_AT, tick=False), django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo_firm, db):
    return demo_firm


def test_it_prints_what_it_loaded_and_the_logins(seeded):
    assert "Demo data loaded: 5 people, 6 clients, 20 jobs, 200 candidates" in seeded
    assert f"Demo login: demo / {demo.DEMO_PASSWORD}" in seeded
    assert f"Admin login: admin / {demo.DEMO_PASSWORD}" in seeded


def test_staff_three_recruiters_and_a_team_lead_in_two_teams(seeded):
    User = get_user_model()
    roles = dict(User.objects.values_list("username", "profile__role"))
    assert roles == {
        "demo": Role.RECRUITER,
        "amara": Role.RECRUITER,
        "diego": Role.RECRUITER,
        "lead": Role.TEAM_LEAD,
        "admin": Role.ADMIN,
    }
    lead = User.objects.get(username="lead")
    assert Team.objects.count() == 2
    assert set(Team.objects.values_list("lead", flat=True)) == {lead.pk}
    teams_of_recruiters = set(User.objects.filter(profile__role=Role.RECRUITER).values_list("profile__team", flat=True))
    assert len(teams_of_recruiters) == 2 and None not in teams_of_recruiters


def test_the_demo_and_admin_logins_work(seeded, client):
    for username in ("demo", "admin"):
        response = client.post(reverse("login"), {"username": username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"] == str(get_user_model().objects.get(username=username).pk)
        client.logout()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_clients_and_jobs(seeded):
    assert Client.objects.count() == 6
    assert not Client.objects.filter(industry="").exists()
    visible = Client.objects.filter(name_visible_before_submission=True).count()
    assert 0 < visible < 6
    assert Job.objects.count() == 20
    assert Job.objects.filter(status=Job.Status.OPEN).count() >= 15


def test_candidates_with_varied_names_and_their_applications(seeded):
    assert Candidate.objects.count() == 200
    names = set(Candidate.objects.values_list("first_name", "last_name"))
    assert len(names) == 200
    assert len({first for first, _ in names}) >= 50 and len({last for _, last in names}) >= 50
    assert len(set(Candidate.objects.values_list("time_zone", flat=True))) >= 5
    assert not Candidate.objects.filter(applications=None).exists()
    assert 200 < Application.objects.count() < 600
    stages = set(Application.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)


def test_stage_histories_spread_over_the_last_two_months(seeded):
    now = timezone.now()
    first = StageChange.objects.order_by("at").first().at
    last = StageChange.objects.order_by("-at").first().at
    assert now - timedelta(days=demo.HISTORY_DAYS + 1) <= first < now - timedelta(days=40)
    assert now - timedelta(days=3) < last <= now
    assert StageChange.objects.count() > 1.5 * Application.objects.count()
    # Every application starts with its entry into "new", at its creation time.
    entries = StageChange.objects.filter(from_stage="").select_related("application")
    assert entries.count() == Application.objects.count()
    assert all(change.at == change.application.created_at for change in entries)
    assert not ContactEvent.objects.filter(at__gt=now).exists()


def test_some_overdue_some_promised_some_do_not_contact(seeded):
    now = timezone.now()
    demo_user = get_user_model().objects.get(username="demo")
    # What the home page lists: the demo login opens on a morning with work to do (the story leaves its
    # prompts alone for its last business days; how many of the others' fall due depends on the minute the
    # story ends, so only the demo login's are promised).
    assert ws.applications_overdue_for(owner_ids={demo_user.pk}, now=now).count() >= demo.DEMO_OVERDUE_MINIMUM
    promised = Application.objects.filter(stage__in=ACTIVE_STAGES, promised_next_step_date__isnull=False)
    assert promised.count() >= 5
    # A promise whose day has passed without news makes the update owed by the next business day after it.
    # A candidate told something once that moment had come (say a check-in answering the overdue prompt)
    # has had their news: the promise is spent, and the stage's limit runs again from that contact.
    tz, holidays = calendar.firm_time_zone(), selectors.firm_holidays()
    passed = promised.filter(
        promised_next_step_date__lt=timezone.localdate(timezone=tz), candidate__do_not_contact=False
    )
    for application in passed:
        stage_policy = policy.DEFAULT_POLICIES[application.stage]
        day = policy.add_business_days(application.promised_next_step_date, stage_policy.grace_business_days, holidays)
        promise_due = datetime.combine(day, time.min, tzinfo=tz)
        told = application.last_informed_at
        if told is None or told < promise_due:
            assert application.next_update_due <= promise_due, application.pk
        else:
            told_local = told.astimezone(tz)
            cap_day = policy.add_business_days(told_local.date(), stage_policy.max_silent_business_days, holidays)
            cap = datetime.combine(cap_day, told_local.timetz().replace(tzinfo=None), tzinfo=tz)
            assert told < application.next_update_due <= cap, application.pk
    silent = Candidate.objects.filter(do_not_contact=True)
    assert silent.count() == demo.DO_NOT_CONTACT_COUNT
    assert not silent.filter(do_not_contact_reason="").exists()
    assert not Application.objects.filter(candidate__do_not_contact=True, next_update_due__isnull=False).exists()
    assert Candidate.objects.filter(automated_updates_paused=True).count() == demo.PAUSED_COUNT
    # Every active, contactable application owes an update at some point: the clock runs for all of them.
    running = Application.objects.filter(stage__in=ACTIVE_STAGES, candidate__do_not_contact=False)
    assert not running.filter(next_update_due__isnull=True).exists()


def test_no_candidate_is_left_silent_for_two_weeks(seeded):
    now = timezone.now()
    running = Application.objects.filter(stage__in=ACTIVE_STAGES, candidate__do_not_contact=False)
    assert running.count() >= 60
    for pk, told, created in running.values_list("pk", "last_informed_at", "created_at"):
        assert now - (told or created) < timedelta(days=14), pk


def test_candidate_emails_were_really_sent_and_are_on_the_timelines(seeded):
    sent = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT, candidate__isnull=False)
    assert sent.count() >= 500
    assert not sent.filter(message_id="").exists()
    assert len(set(sent.values_list("message_id", flat=True))) == sent.count()
    assert ws.outbox_messages(status=OutboundMessage.Status.SENT).count() >= sent.count()
    codes = set(sent.values_list("template_code", flat=True))
    assert {"acknowledgment", "screening", "submitted", "check_in", "personal"} <= codes
    # Every email sent about an application is on that application's timeline.
    on_timelines = ContactEvent.objects.filter(message__isnull=False, channel=ContactEvent.Channel.EMAIL)
    assert not sent.filter(application__isnull=False).exclude(pk__in=on_timelines.values("message_id")).exists()
    told_by_email = Application.objects.filter(pk__in=on_timelines.values("application_id"))
    assert told_by_email.count() >= 0.8 * Application.objects.count()
    assert ContactEvent.objects.filter(channel=ContactEvent.Channel.PHONE).count() >= 200


def test_a_few_addresses_bounced(seeded):
    bounces = TrackingEvent.objects.filter(event_type="bounced")
    assert bounces.count() >= 1
    assert Suppression.objects.filter(email__in=bounces.values("recipient")).exists()
    assert ContactEvent.objects.filter(delivered=False).exists()
    assert RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.DELIVERY_FAILED).exists()


def test_replies_on_the_replies_tab_agree_with_the_replies_owed_on_the_home_pages(seeded):
    received = ws.inbound_messages(status=InboundMessage.Status.ACCEPTED)
    assert received.filter(from_client=False).count() >= 20
    assert received.filter(from_client=True).exists()
    assert received.filter(automatic=True).exists()
    tab = {reply.pk: reply for reply in received}
    for user in get_user_model().objects.all():
        owed = [
            prompt
            for prompt in ws.prompts_owed_for(recruiter_ids={user.pk})
            if prompt.reason == RecruiterPrompt.Reason.REPLY_OWED
        ]
        replies = ws.latest_replies(application_ids=[prompt.application_id for prompt in owed])
        # Each reply owed on the home page shows its email, and that email is on the Replies tab.
        assert set(replies) == {prompt.application_id for prompt in owed}, user.username
        assert all(reply.pk in tab for reply in replies.values())
        waiting = {
            reply.application_id
            for reply in tab.values()
            if not reply.from_client and not reply.automatic and reply.application.owner_id == user.pk
        } & {prompt.application_id for prompt in owed}
        assert len(waiting) == len(owed), user.username
    demo_owed = ws.prompts_owed_for(recruiter_ids={get_user_model().objects.get(username="demo").pk})
    demo_replies = demo_owed.filter(reason=RecruiterPrompt.Reason.REPLY_OWED)
    assert demo_replies.count() >= len(demo.DEMO_REPLIES)
    texts = {reply.text for reply in InboundMessage.objects.filter(application__owner__username="demo")}
    assert set(demo.DEMO_REPLIES) <= texts
    # Replies answered: the recruiters' own emails went, and settled what was owed.
    assert RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.REPLY_OWED, resolved_at__isnull=False).exists()


def test_client_chases_were_sent_and_answered(seeded):
    chases = ClientChase.objects.filter(message__status=OutboundMessage.Status.SENT)
    assert chases.count() >= 20
    answered = ClientAnswer.objects.filter(application__in=chases.values("application_id"))
    assert answered.count() >= 20
    assert set(answered.values_list("kind", flat=True)) >= {"move_forward", "not_a_fit"}


def test_safety_nets_acted_and_the_lead_was_told(seeded):
    assert SafetyNet.objects.exists()
    acted_by_email = OutboundMessage.objects.filter(template_code="safety_net", status=OutboundMessage.Status.SENT)
    acted_by_call = RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.SAFETY_NET)
    assert acted_by_email.exists() or acted_by_call.exists()
    assert RecruiterPrompt.objects.filter(escalated_to__username="lead").exists()


def test_weekly_figures_cover_the_two_months(seeded):
    weeks = sorted(set(FigureWeek.objects.filter(scope=FigureWeek.Scope.FIRM).values_list("week_start", flat=True)))
    assert len(weeks) >= 8
    assert weeks[-1] - weeks[0] >= timedelta(weeks=7)
    assert FigureWeek.objects.filter(scope=FigureWeek.Scope.RECRUITER).values("subject_id").distinct().count() >= 3


def test_stage_policies_hold_the_product_defaults(seeded):
    assert set(StagePolicy.objects.values_list("stage", flat=True)) == set(Stage.values)
    for stage, silence in policy.DEFAULT_POLICIES.items():
        row = StagePolicy.objects.get(stage=stage)
        assert row.max_silent_business_days == silence.max_silent_business_days
        assert row.grace_business_days == silence.grace_business_days
        assert row.escalate_after_business_days == silence.escalate_after_business_days


def test_the_load_went_through_the_services(seeded):
    assert AuditLog.objects.filter(action="application.create").count() == Application.objects.count()
    assert AuditLog.objects.filter(action="candidate.create").count() == 200
    assert (
        AuditLog.objects.filter(action="application.move").count() == StageChange.objects.exclude(from_stage="").count()
    )
    assert AuditLog.objects.filter(action=demo.DEMO_MARKER_ACTION).count() == 1


def test_a_second_run_changes_nothing(seeded):
    models = [model for model in apps.get_models() if model._meta.app_label not in ("sessions", "axes")]
    before = {model._meta.label: model.objects.count() for model in models}
    out = StringIO()
    call_command("seed_demo", stdout=out)
    after = {model._meta.label: model.objects.count() for model in models}
    assert after == before
    assert "already loaded; nothing changed" in out.getvalue()
    assert demo.demo_data_load().created is False


def test_the_demo_login_is_recreated_when_missing(seeded):
    get_user_model().objects.filter(username="demo").update(username="someone-else")
    user = demo.demo_login_ensure()
    assert user.username == "demo" and user.check_password(demo.DEMO_PASSWORD)
    assert user.profile.role == Role.RECRUITER
    assert demo.demo_login_ensure().pk == user.pk


def test_the_demo_is_never_loaded_with_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "inloop.settings.production",
        "DJANGO_SECRET_KEY": "a-real-deployment-would-have-a-long-random-secret-here",
        "DATABASE_URL": "postgres://inloop@db.invalid:5432/inloop",
        "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
    }
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "seed_demo"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "never loaded with production settings" in result.stderr


def test_the_banner_lists_every_demo_login_and_each_one_signs_in(seeded):
    from inloop.management.commands.seed_demo import demo_logins_text

    text = demo_logins_text()

    for username, *_ in demo.STAFF:
        assert f"{username} / {demo.DEMO_PASSWORD}" in text
    assert "lead / " in text and "team lead" in text
    for username in [*(row[0] for row in demo.STAFF), demo.ADMIN_USERNAME]:
        assert get_user_model().objects.get(username=username).check_password(demo.DEMO_PASSWORD), username


def test_clients_have_quick_and_slow_managers_and_answers_owed_now(seeded):
    assert HiringManager.objects.count() >= 6
    assert HiringManager.objects.filter(do_not_email=True).exists()
    assert not Job.objects.filter(hiring_managers=None).exists()
    assert ClientAnswer.objects.exists()
    medians = [row["median_days_after_submission"] for row in client_figures()["clients"]]
    known = [median for median in medians if median is not None]
    # Quick clients answer within days of being asked; slow ones take most of a week more.
    assert len(known) >= 4 and max(known) - min(known) >= 2
    owed = Application.objects.filter(client_answer_due__isnull=False, stage__in=ACTIVE_STAGES)
    assert owed.exists()
    assert not owed.filter(client_asked_at__gt=F("stage_entered_at") + timedelta(seconds=1)).exists()
    assert OutboundMessage.objects.filter(template_code="client_chase", status=OutboundMessage.Status.SENT).exists()
