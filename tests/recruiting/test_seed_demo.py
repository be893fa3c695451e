"""seed_demo: the demo firm it builds, and that a second run changes nothing."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting import demo, policy, selectors
from recruiting.models import (
    ACTIVE_STAGES,
    Application,
    AuditLog,
    Client,
    ClientAnswer,
    ContactEvent,
    HiringManager,
    Job,
    RecruiterPrompt,
    Role,
    Stage,
    StageChange,
    StagePolicy,
    Team,
)
from recruiting.selectors.client_figures import client_figures


@pytest.fixture(scope="module")
def demo_firm(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module through the command and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo_firm, db):
    return demo_firm


def test_it_prints_what_it_loaded_and_the_logins(seeded):
    assert "Demo data loaded: 5 people, 6 clients, 20 jobs, 300 candidates" in seeded
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
    assert Candidate.objects.count() == 300
    names = set(Candidate.objects.values_list("first_name", "last_name"))
    assert len(names) == 300
    assert len({first for first, _ in names}) >= 50 and len({last for _, last in names}) >= 50
    assert len(set(Candidate.objects.values_list("time_zone", flat=True))) >= 5
    assert not Candidate.objects.filter(applications=None).exists()
    assert 300 < Application.objects.count() < 900
    stages = set(Application.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)


def test_stage_histories_spread_over_the_last_two_months(seeded):
    now = timezone.now()
    first = StageChange.objects.order_by("at").first().at
    last = StageChange.objects.order_by("-at").first().at
    assert now - timedelta(days=demo.HISTORY_DAYS + 1) <= first < now - timedelta(days=40)
    assert now - timedelta(days=3) < last <= now
    assert StageChange.objects.count() > 2 * Application.objects.count()
    # Every application starts with its entry into "new", at its creation time.
    entries = StageChange.objects.filter(from_stage="").select_related("application")
    assert entries.count() == Application.objects.count()
    assert all(change.at == change.application.created_at for change in entries)
    assert not ContactEvent.objects.filter(at__gt=now).exists()


def test_some_overdue_some_promised_some_do_not_contact(seeded):
    now = timezone.now()
    overdue = selectors.applications_overdue(now=now)
    assert overdue.count() >= 20
    assert overdue.filter(owner__username="demo").count() >= demo.DEMO_OVERDUE_MINIMUM
    promised = Application.objects.filter(stage__in=ACTIVE_STAGES, promised_next_step_date__isnull=False)
    assert promised.count() >= 5
    assert not promised.filter(promised_next_step_date__lt=timezone.localdate()).exists()
    silent = Candidate.objects.filter(do_not_contact=True)
    assert silent.count() == demo.DO_NOT_CONTACT_COUNT
    assert not silent.filter(do_not_contact_reason="").exists()
    assert not Application.objects.filter(candidate__do_not_contact=True, next_update_due__isnull=False).exists()
    assert Candidate.objects.filter(automated_updates_paused=True).count() == demo.PAUSED_COUNT
    # Every active, contactable application owes an update at some point: the clock runs for all of them.
    running = Application.objects.filter(stage__in=ACTIVE_STAGES, candidate__do_not_contact=False)
    assert not running.filter(next_update_due__isnull=True).exists()


def test_stage_policies_hold_the_product_defaults(seeded):
    assert set(StagePolicy.objects.values_list("stage", flat=True)) == set(Stage.values)
    for stage, silence in policy.DEFAULT_POLICIES.items():
        row = StagePolicy.objects.get(stage=stage)
        assert row.max_silent_business_days == silence.max_silent_business_days
        assert row.grace_business_days == silence.grace_business_days
        assert row.escalate_after_business_days == silence.escalate_after_business_days


def test_the_load_went_through_the_services(seeded):
    assert AuditLog.objects.filter(action="application.create").count() == Application.objects.count()
    assert AuditLog.objects.filter(action="candidate.create").count() == 300
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
        "DJANGO_SETTINGS_MODULE": "recruiting.settings.production",
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


def test_the_banner_lists_every_demo_login_and_each_one_signs_in(db):
    from django.contrib.auth import get_user_model

    from recruiting.management.commands.seed_demo import demo_logins_text

    demo.demo_data_load()
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
    assert min(m for m in medians if m is not None) < 2 < max(m for m in medians if m is not None)
    owed = Application.objects.filter(client_answer_due__isnull=False)
    assert owed.exists()
    # The clocks follow the stories' moments, not the moment the demo was loaded.
    assert not owed.filter(client_asked_at__gt=F("stage_entered_at")).exists()
    assert OutboundMessage.objects.filter(template_code="client_chase").exists()


def test_the_demo_login_has_replies_owed(seeded):
    owed = RecruiterPrompt.objects.filter(
        recruiter__username=demo.DEMO_USERNAME, reason=RecruiterPrompt.Reason.REPLY_OWED, resolved_at__isnull=True
    )
    assert owed.count() == len(demo.DEMO_REPLIES)
    replies = ContactEvent.objects.filter(direction=ContactEvent.Direction.INBOUND, application__owner__username="demo")
    assert {reply.summary.split("\n\n", 1)[1] for reply in replies} == set(demo.DEMO_REPLIES)
