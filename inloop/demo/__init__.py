"""Demo data for `make run` and `manage.py seed_demo`: a small firm two months into using Inloop, made by
the product itself.

The clock is moved back two months (time-machine) and run forward to now: the firm is set up through
the services, candidates arrive, recruiters move them on, promise dates, call and email them, answer
their replies; clients answer chases; the beat jobs run as beat would run them and the outbox sends
(to memory: no demo email leaves the machine). What a person finds when they open it is what the
product made of those two months. The same seed gives the same firm on every machine.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inloop.demo.clock import outside_world_closed, story_run
from inloop.demo.data import (
    ADMIN_USERNAME,
    CANDIDATE_COUNT,
    CLIENTS,
    DEMO_MARKER_ACTION,
    DEMO_OVERDUE_MINIMUM,
    DEMO_PASSWORD,
    DEMO_REPLIES,
    DEMO_USERNAME,
    DO_NOT_CONTACT_COUNT,
    HISTORY_DAYS,
    PAUSED_COUNT,
    SEED,
    STAFF,
)
from inloop.demo.firm import demo_login_ensure, firm_create, firm_holidays_ensure, stage_policies_ensure
from inloop.demo.story import World, arrivals_plan
from recruiting.audit import audit_log_record
from recruiting.models import Application, AuditLog

__all__ = [
    "ADMIN_USERNAME",
    "DEMO_MARKER_ACTION",
    "DEMO_OVERDUE_MINIMUM",
    "DEMO_PASSWORD",
    "DEMO_REPLIES",
    "DEMO_USERNAME",
    "DO_NOT_CONTACT_COUNT",
    "HISTORY_DAYS",
    "PAUSED_COUNT",
    "STAFF",
    "DemoSummary",
    "demo_data_allowed",
    "demo_data_load",
    "demo_data_loaded",
    "demo_login_ensure",
    "stage_policies_ensure",
]


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    users: int = 0
    clients: int = 0
    jobs: int = 0
    candidates: int = 0
    applications: int = 0
    overdue: int = 0
    steps: int = 0


def demo_data_allowed() -> bool:
    """The demo's logins have published passwords: never with the production settings."""
    return not settings.SETTINGS_MODULE.endswith(".production")


def demo_data_loaded() -> bool:
    return AuditLog.objects.filter(action=DEMO_MARKER_ACTION).exists()


def demo_data_load(*, seed: int = SEED) -> DemoSummary:
    """Build the demo firm once, in one transaction, ending now. A second call finds the marker and
    changes nothing."""
    if demo_data_loaded():
        return DemoSummary(created=False)
    end = timezone.now().replace(microsecond=0)
    # The first morning of the story, at seven (UTC): the office opens after the first step.
    start = (end - timedelta(days=HISTORY_DAYS)).replace(hour=7, minute=0, second=0)
    rng = random.Random(seed)
    with outside_world_closed(), transaction.atomic():
        with time_machine.travel(start, tick=False) as traveller:
            stage_policies_ensure()
            firm_holidays_ensure(start=start.date(), today=end.date())
            firm = firm_create()
            world = World(rng=rng, firm=firm, end=end, arrivals=arrivals_plan(rng=rng, firm=firm, start=start, end=end))
            steps = story_run(world, start=start, traveller=traveller)
        summary = DemoSummary(
            created=True,
            users=len(firm.users),
            clients=len(CLIENTS),
            jobs=len(firm.jobs),
            candidates=CANDIDATE_COUNT,
            applications=Application.objects.count(),
            overdue=Application.objects.filter(next_update_due__lte=timezone.now()).count(),
            steps=steps,
        )
        audit_log_record(
            actor=None,
            action=DEMO_MARKER_ACTION,
            obj=firm.users[DEMO_USERNAME],
            details={"seed": seed, "candidates": summary.candidates, "applications": summary.applications},
        )
    return summary
