"""The demo firm as it stood the day it started with Inloop: its policies, holidays, people, clients,
hiring managers and jobs, all made through the services (the admin sets up clients, recruiters their
jobs), with the clock already moved to that day."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from inloop.demo.data import (
    ADMIN_USERNAME,
    CLIENTS,
    DEMO_FIRM_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    HOLIDAYS,
    JOBS,
    MANAGERS,
    ON_HOLD_JOBS,
    QUICK_CLIENTS,
    RECRUITERS,
    STAFF,
    STAGE_TEMPLATES,
    TEAMS,
)
from recruiting import policy
from recruiting.audit import audit_log_record
from recruiting.models import FirmHoliday, HiringManager, Job, RecruiterProfile, Role, Stage, StagePolicy, Team
from recruiting.services.branding import firm_settings_update
from recruiting.services.hiring_managers import hiring_manager_save, job_hiring_managers_set
from recruiting.services.jobs_clients import client_create, job_create, job_update

User = get_user_model()


@dataclass
class Firm:
    """What the story needs at hand: the people by username, the open jobs, each job's first manager."""

    users: dict[str, User]
    jobs: list[Job]
    open_jobs: list[Job]
    manager_of_job: dict[int, HiringManager]
    quick_job_ids: frozenset[int]

    @property
    def recruiters(self) -> list[User]:
        return [self.users[username] for username in RECRUITERS]


def stage_policies_ensure() -> int:
    """A StagePolicy row per stage with the product's defaults; rows that exist are left as edited."""
    created = 0
    for stage in Stage.values:
        silence = policy.DEFAULT_POLICIES.get(stage, policy.SilencePolicy(5))
        hold = settings.INLOOP_REJECTION_HOLD_MINUTES if stage == Stage.REJECTED else settings.INLOOP_HOLD_MINUTES
        _, was_created = StagePolicy.objects.get_or_create(
            stage=stage,
            defaults={
                "max_silent_business_days": silence.max_silent_business_days,
                "grace_business_days": silence.grace_business_days,
                "escalate_after_business_days": silence.escalate_after_business_days,
                "notify_candidate": True,
                "template_code": STAGE_TEMPLATES[stage],
                "hold_minutes": hold,
            },
        )
        created += was_created
    return created


def firm_holidays_ensure(*, start: date, today: date) -> int:
    """The firm's year-end closing days from `start` (the story's first day) to a year after `today`."""
    created = 0
    for month, day, name in HOLIDAYS:
        for year in range(start.year, today.year + 2):
            holiday = date(year, month, day)
            if start <= holiday <= today + timedelta(days=365):
                created += FirmHoliday.objects.get_or_create(date=holiday, defaults={"name": name})[1]
    return created


def _user_create(*, username: str, first_name: str, last_name: str, password: str, **extra) -> User:
    # The hash is computed once for all the demo's people: hashing is slow on purpose.
    user = User(username=username, first_name=first_name, last_name=last_name, email=f"{username}@firm.example")
    user.password = password
    for field, value in extra.items():
        setattr(user, field, value)
    user.save()
    return user


@transaction.atomic
def demo_login_ensure() -> User:
    """The demo recruiter exists (created with the demo password if it was missing)."""
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None:
        return user
    team = Team.objects.filter(name=TEAMS[0]).first()
    _, first, last, role, _ = STAFF[0]
    user = _user_create(username=DEMO_USERNAME, first_name=first, last_name=last, password=make_password(DEMO_PASSWORD))
    RecruiterProfile.objects.create(user=user, team=team, role=role, time_zone="Europe/London")
    audit_log_record(actor=None, action="user.create", obj=user, details={"source": "demo"})
    return user


def _staff() -> dict[str, User]:
    password = make_password(DEMO_PASSWORD)
    teams = [Team.objects.create(name=name) for name in TEAMS]
    users = {}
    for username, first, last, role, team_index in STAFF:
        user = _user_create(username=username, first_name=first, last_name=last, password=password)
        RecruiterProfile.objects.create(user=user, team=teams[team_index], role=role, time_zone="Europe/London")
        users[username] = user
    for team in teams:
        team.lead = users["lead"]
        team.save(update_fields=["lead"])
    admin = _user_create(
        username=ADMIN_USERNAME,
        first_name="Firm",
        last_name="Admin",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    RecruiterProfile.objects.create(user=admin, role=Role.ADMIN, time_zone="Europe/London")
    users[ADMIN_USERNAME] = admin
    return users


def _domain(client_name: str) -> str:
    word = "".join(ch for ch in client_name.split()[0].lower() if ch.isalnum())
    return f"{word}.example"


def firm_create() -> Firm:
    """The firm on its first day: staff, look, clients with their managers, jobs (two of them on hold)."""
    users = _staff()
    admin = users[ADMIN_USERNAME]
    firm_settings_update(by=admin, firm_name=DEMO_FIRM_NAME, sending_name=DEMO_FIRM_NAME, colour="#1f4e79")
    clients, managers = [], []
    for index, (name, industry, visible) in enumerate(CLIENTS):
        client = client_create(name=name, industry=industry, name_visible_before_submission=visible, by=admin)
        clients.append(client)
        managers.append(
            [
                hiring_manager_save(
                    client=client,
                    name=person,
                    email=f"{mailbox}@{_domain(client.name)}",
                    time_zone=zone,
                    do_not_email=do_not_email,
                    by=admin,
                )
                for person, mailbox, zone, do_not_email in MANAGERS[index]
            ]
        )
    jobs = []
    for index, (client_index, title, location) in enumerate(JOBS):
        owner = users[RECRUITERS[index % len(RECRUITERS)]]
        job = job_create(client=clients[client_index], title=title, location=location, owner=owner, by=owner)
        job_hiring_managers_set(job=job, hiring_managers=managers[client_index], by=owner)
        if index in ON_HOLD_JOBS:
            job = job_update(
                job=job,
                client=job.client,
                title=title,
                location=location,
                owner=owner,
                status=Job.Status.ON_HOLD,
                by=owner,
            )
        jobs.append(job)
    return Firm(
        users=users,
        jobs=jobs,
        open_jobs=[job for index, job in enumerate(jobs) if index not in ON_HOLD_JOBS],
        manager_of_job={job.pk: managers[JOBS[index][0]][0] for index, job in enumerate(jobs)},
        quick_job_ids=frozenset(job.pk for index, job in enumerate(jobs) if JOBS[index][0] in QUICK_CLIENTS),
    )
