"""The one way to enqueue a task: after commit, by name.

Services never import tasks (tasks import services): they name the task in a TaskCall and hand it to
enqueue_on_commit, which sends it once the transaction commits. The database row is the truth and the
task message only a hint, so a broker that is down loses a hint and nothing else. The Celery app itself
(inloop.celery) is the current app of every process; tasks are found in its registry by name.
"""

import logging
from dataclasses import dataclass, field

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskCall:
    """One task message to send: the task's registered name, its JSON arguments (ids, never personal
    data), and how many seconds it waits in the broker first.

    A `hint` may be lost: the database holds the work and a beat job finds it again (the outbox's wakes).
    Anything else (closing a job, recomputing the clocks) must reach the broker, or fail loudly.
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    countdown: float | None = None
    hint: bool = False


def enqueue(*calls: TaskCall) -> None:
    """Send the task messages now, in order, from code that runs outside a transaction (a beat job, a
    task handing on to the next one). A hint the broker refuses stops the remaining hints, with a
    warning; any other refusal is raised."""
    for call in calls:
        # Looked up by name at run time (an unknown name raises): the registry routes the task, and
        # runs it eagerly when so configured.
        task = current_app.tasks[call.name]
        options = {"args": list(call.args), "kwargs": call.kwargs, "countdown": call.countdown}
        if not call.hint:
            task.apply_async(**options)
            continue
        try:
            task.apply_async(**options, retry=False)
        except Exception:
            logger.warning("Could not hand task %s to the broker; the work waits in the database.", call.name)
            return


def enqueue_on_commit(*calls: TaskCall) -> None:
    """Send the task messages once the current transaction commits (what every service does): a task
    never runs before the rows it reads exist, and a rolled-back change enqueues nothing."""
    if calls:
        transaction.on_commit(lambda: enqueue(*calls), robust=all(call.hint for call in calls))
