"""A firm's worth of pipeline data for the page and job benchmarks (P3, P5), written in bulk.

This is set-up, not behaviour under test, so it writes rows directly (as tests/factories.py does) rather
than through the services: 50,000 applications through application_move would take longer than the
benchmarks themselves. The shape follows a mid-sized staffing firm: teams of recruiters, many clients
and jobs, most candidates in one pipeline and some in several, a history of stage changes and contacts
behind every application, about one application in ten overdue with its prompt open.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from bench.support_mail import FIRST_NAMES, JOBS
from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting.models import (
    ACTIVE_STAGES,
    PIPELINE,
    Application,
    Client,
    ContactEvent,
    Job,
    RecruiterProfile,
    RecruiterPrompt,
    Role,
    StageChange,
    Team,
)

LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Novak", "Castillo", "Brennan", "Osei", "Petrov")
BATCH = 2000


@dataclass
class Firm:
    recruiters: list
    lead: object
    jobs: list[Job]
    big_job: Job
    busy_candidate: Candidate
    applications: int


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def firm_seed(
    *, applications: int, recruiters: int = 20, jobs: int = 200, big_job_size: int = 0, seed: int = 7
) -> Firm:
    """`applications` active applications spread over `recruiters` and `jobs`.

    `big_job_size` of them go to one job (the board and job-close benchmarks use it). One candidate
    (`busy_candidate`) is in ten pipelines with a long history, for the timeline.
    """
    rng = random.Random(seed)
    now = timezone.now()
    users = get_user_model()
    team = Team.objects.create(name="Permanent placements")
    lead = users.objects.create_user(username="bench-lead", email="lead@firm.example", first_name="Robin")
    RecruiterProfile.objects.create(user=lead, team=team, role=Role.TEAM_LEAD)
    team.lead = lead
    team.save(update_fields=["lead"])
    people = _bulk(
        users,
        [
            users(username=f"bench-recruiter-{n}", email=f"recruiter{n}@firm.example", first_name=FIRST_NAMES[n % 10])
            for n in range(recruiters)
        ],
    )
    _bulk(RecruiterProfile, [RecruiterProfile(user=user, team=team) for user in people])
    clients = _bulk(
        Client, [Client(name=f"Client {n} of the firm", industry="logistics") for n in range(jobs // 4 + 1)]
    )
    job_rows = _bulk(
        Job,
        [
            Job(client=clients[n % len(clients)], title=JOBS[n % len(JOBS)], owner=people[n % recruiters])
            for n in range(jobs)
        ],
    )
    big_job, other_jobs = job_rows[0], job_rows[1:]

    candidates = _bulk(
        Candidate,
        [
            Candidate(
                first_name=FIRST_NAMES[n % 10],
                last_name=LAST_NAMES[(n // 10) % 10],
                email=f"candidate{n}@mail.example",
                owner=people[n % recruiters],
            )
            for n in range(applications)
        ],
    )
    busy = candidates[0]
    application_rows = []
    for n, candidate in enumerate(candidates):
        job = big_job if n < big_job_size else other_jobs[n % len(other_jobs)]
        stage = ACTIVE_STAGES[rng.randrange(len(ACTIVE_STAGES))]
        created = now - timedelta(days=rng.randint(3, 60))
        informed = created + (now - created) * rng.random()
        overdue = rng.random() < 0.1
        due = now - timedelta(hours=rng.randint(1, 72)) if overdue else now + timedelta(hours=rng.randint(1, 240))
        application_rows.append(
            Application(
                candidate=candidate,
                job=job,
                owner=candidate.owner,
                stage=stage,
                stage_entered_at=informed,
                last_informed_at=informed,
                next_update_due=due,
                # The later steps of the schedule, as the clock would space them.
                escalate_at=due + timedelta(days=2),
                safety_net_at=due + timedelta(days=4),
                created_at=created,
            )
        )
    # The busy candidate is also in nine more pipelines.
    for job in other_jobs[1:10]:
        application_rows.append(
            Application(
                candidate=busy,
                job=job,
                owner=busy.owner,
                stage=PIPELINE[1],
                stage_entered_at=now,
                last_informed_at=now,
                next_update_due=now + timedelta(days=3),
                escalate_at=now + timedelta(days=5),
                safety_net_at=now + timedelta(days=7),
                created_at=now - timedelta(days=30),
            )
        )
    rows = _bulk(Application, application_rows)

    changes, contacts, prompts, messages = [], [], [], []
    for application in rows:
        history = 8 if application.candidate_id == busy.pk else 1
        path = PIPELINE[: PIPELINE.index(application.stage) + 1]
        for step, (before, after) in enumerate(zip(("", *path), path, strict=False)):
            at = application.created_at + timedelta(hours=step)
            changes.append(
                StageChange(
                    application=application,
                    from_stage=before,
                    to_stage=after,
                    by=application.owner,
                    at=at,
                    note="Spoke to the candidate about the role.",
                )
            )
        for index in range(history):
            at = application.last_informed_at - timedelta(days=index)
            message = OutboundMessage(
                candidate_id=application.candidate_id,
                application=application,
                template_code="screening",
                subject="Your application: an update",
                body_text="Hello, a short update on your application.",
                to_address=f"candidate{application.candidate_id}@mail.example",
                status=OutboundMessage.Status.SENT,
                send_after=at,
                sent_at=at,
                created_at=at,
                idempotency_key=f"bench-history-{application.pk}-{index}",
            )
            messages.append(message)
            contacts.append(
                ContactEvent(
                    application=application,
                    channel=ContactEvent.Channel.EMAIL,
                    direction=ContactEvent.Direction.OUTBOUND,
                    at=at,
                    message=message,
                    summary="Status email",
                )
            )
        if application.next_update_due <= now:
            prompts.append(
                RecruiterPrompt(
                    application=application,
                    recruiter_id=application.owner_id,
                    reason=RecruiterPrompt.Reason.OVERDUE,
                    due_at=application.next_update_due,
                )
            )
    _bulk(StageChange, changes)
    _bulk(OutboundMessage, messages)
    _bulk(ContactEvent, contacts)
    _bulk(RecruiterPrompt, prompts)
    return Firm(
        recruiters=people, lead=lead, jobs=job_rows, big_job=big_job, busy_candidate=busy, applications=len(rows)
    )
