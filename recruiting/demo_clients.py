"""The demo firm's clients' side: hiring managers (some quick to answer, some slow), named on the jobs,
a history of answers, and answers owed now, so that `make run` shows the whole loop (rule 10).

Called once at the end of demo_data_load, after the stories are written: it only adds to them, so the
rest of the demo stays the same for a given seed.
"""

import random
from datetime import datetime, timedelta

from django.conf import settings

from . import selectors
from .models import Application, ClientAnswer, HiringManager, Job, Stage, StageChange
from .services.clients import client_answer_due_after, client_answers_chase
from .services.hiring_managers import hiring_manager_save, job_hiring_managers_set

# Per demo client (by index in demo.CLIENTS): its managers as (name, mailbox, time zone, do not email).
MANAGERS = (
    (("Priya Castellane", "priya.castellane", "Europe/London", False),),
    (("Tomasz Rydell", "t.rydell", "Europe/London", False), ("Helen Okoro", "h.okoro", "Europe/London", True)),
    (("Marguerite Vos", "m.vos", "Europe/Amsterdam", False),),
    (("Jonah Ellery", "jonah", "Europe/London", False), ("Sade Whitcombe", "sade", "Europe/London", False)),
    (("Ravi Anand", "ravi.anand", "Asia/Kolkata", False),),
    (("Clara Brandt", "clara", "America/New_York", False),),
)
# Clients whose managers answer within a day or two; the others take most of a week.
QUICK_CLIENTS = frozenset({1, 3, 5})
CLIENT_STEPS = (Stage.SUBMITTED, Stage.INTERVIEWING)


def _domain(client_name: str) -> str:
    word = "".join(ch for ch in client_name.split()[0].lower() if ch.isalnum())
    return f"{word}.example"


def demo_clients_load(*, jobs: list[Job], now: datetime, rng: random.Random) -> int:
    """Add the managers, their history of answers and the owed answers; returns how many managers."""
    clients = sorted({job.client for job in jobs}, key=lambda client: client.pk)
    managers: dict[int, list[HiringManager]] = {}
    for index, client in enumerate(clients):
        managers[client.pk] = [
            hiring_manager_save(
                client=client,
                name=name,
                email=f"{mailbox}@{_domain(client.name)}",
                time_zone=zone,
                do_not_email=do_not_email,
                by=None,
            )
            for name, mailbox, zone, do_not_email in MANAGERS[index % len(MANAGERS)]
        ]
    quick = {client.pk for index, client in enumerate(clients) if index in QUICK_CLIENTS}
    for job in jobs:
        job_hiring_managers_set(job=job, hiring_managers=managers[job.client_id], by=None)
    holidays = selectors.firm_holidays()
    for application in Application.objects.filter(job__in=jobs).select_related("job").order_by("pk"):
        _client_story(application, managers[application.job.client_id][0], application.job.client_id in quick, rng)
        if application.stage in CLIENT_STEPS:
            # The clock the move started ran from the move's real moment; the story's moment is earlier.
            asked = application.stage_entered_at
            days = settings.INLOOP_CLIENT_ANSWER_DAYS[application.stage]
            due = client_answer_due_after(start=asked, business_days=days, holidays=holidays)
            Application.objects.filter(pk=application.pk).update(client_asked_at=asked, client_answer_due=due)
    client_answers_chase(now=now)
    return sum(len(group) for group in managers.values())


def _client_story(application: Application, manager: HiringManager, is_quick: bool, rng: random.Random) -> None:
    """An answer for every client step the application has already left, before it left it."""
    changes = list(StageChange.objects.filter(application=application).order_by("at", "pk"))
    answers = []
    for change, following in zip(changes, changes[1:], strict=False):
        if change.to_stage not in CLIENT_STEPS:
            continue
        kind = ClientAnswer.Kind.NOT_A_FIT if following.to_stage == Stage.REJECTED else ClientAnswer.Kind.MOVE_FORWARD
        wait = timedelta(days=rng.uniform(0.3, 1.8) if is_quick else rng.uniform(3.5, 8))
        at = min(change.at + wait, following.at - timedelta(minutes=30))
        if at <= change.at:
            continue
        answers.append(
            ClientAnswer(
                application=application,
                hiring_manager=manager,
                kind=kind,
                stage=change.to_stage,
                asked_at=change.at,
                due_at=change.at + timedelta(days=settings.INLOOP_CLIENT_ANSWER_DAYS[change.to_stage]),
                at=at,
            )
        )
    ClientAnswer.objects.bulk_create(answers)
