"""A worker that holds unacknowledged tasks (tasks waiting for their ETA) while its Redis broker stops and
starts again must reconnect, not exit.

kombu 5.7, closing the lost connection, restores those messages through a client it can no longer make
and raises AttributeError, which Celery treats as unrecoverable: without the workaround in
inloop/celery.py the worker exited in the first outage of this drill, every time it was run.
"""

from inloop.celery import app
from tests.support.processes import celery_worker, wait_for, worker_env

HELD = 10
OUTAGES = 3


def _hold_tasks(count: int) -> None:
    # A task an hour away: the worker receives it and keeps it, unacknowledged, until then.
    with app.connection_for_write() as connection:
        for _ in range(count):
            app.send_task(
                "recruiting.tasks.job_close_run",
                args=(0, None, "rejected", False, "drill"),
                countdown=3600,
                connection=connection,
            )


def test_a_worker_holding_unacknowledged_tasks_survives_broker_outages(broker, db):
    env = worker_env(CELERY_BROKER_URL=broker.url)
    with celery_worker(env, name="unacked-restore") as worker:
        for outage in range(1, OUTAGES + 1):
            _hold_tasks(HELD)
            wait_for(
                lambda outage=outage: worker.log().count(" received") >= HELD * outage,
                timeout=30,
                what="the worker to hold the tasks",
            )
            broker.stop()
            broker.start()
            wait_for(
                lambda outage=outage: not worker.alive() or worker.log().count("Connected to redis") > outage,
                timeout=60,
                what="the worker to reconnect",
            )
            assert worker.alive(), worker.log()[-4000:]
        assert "Unrecoverable error" not in worker.log()
        assert "unacknowledged message(s); the broker restores them" in worker.log()
