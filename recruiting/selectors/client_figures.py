"""How quickly each client, and each of its hiring managers, answers about the candidates we put forward.

Per client and per manager: the median and slowest time from being asked to answering, after a
submission and after a client interview; how many candidates are waiting on them now; how many chases
were sent. Aggregated in the database in six queries whatever the data size (percentile_cont on
PostgreSQL; elsewhere the median is computed here).
"""

from collections import defaultdict
from datetime import timedelta

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q

from recruiting.models import ACTIVE_STAGES, Application, Client, ClientAnswer, ClientChase, HiringManager, Stage
from recruiting.selectors.figures import PercentileCont, _days, _percentile

STEPS = {"submission": Stage.SUBMITTED, "interview": Stage.INTERVIEWING}
CLIENT_FIGURE_COLUMNS = (
    "name",
    "client",
    "median_days_after_submission",
    "slowest_days_after_submission",
    "median_days_after_interview",
    "slowest_days_after_interview",
    "waiting_now",
    "chases_sent",
)


def _answer_rows(group: str) -> dict[int, dict]:
    waited = ExpressionWrapper(F("at") - F("asked_at"), output_field=DurationField())
    aggregates = {}
    for step, stage in STEPS.items():
        aggregates[f"slowest_{step}"] = Max(waited, filter=Q(stage=stage))
        if connection.vendor == "postgresql":
            aggregates[f"median_{step}"] = PercentileCont(
                waited, fraction=0.5, filter=Q(stage=stage), output_field=DurationField()
            )
    answers = ClientAnswer.objects.exclude(**{f"{group}__isnull": True})
    rows = {row.pop(group): row for row in answers.values(group).annotate(**aggregates).order_by()}
    if connection.vendor != "postgresql":
        waits: dict[tuple, list[timedelta]] = defaultdict(list)
        for key, stage, value in answers.annotate(waited=waited).values_list(group, "stage", "waited"):
            waits[(key, stage)].append(value)
        for key, row in rows.items():
            for step, stage in STEPS.items():
                row[f"median_{step}"] = _percentile(sorted(waits[(key, stage)]), 0.5)
    return rows


def _counts(queryset, group: str) -> dict[int, int]:
    return dict(queryset.values_list(group).annotate(n=Count("pk", distinct=True)).order_by())


def _row(*, name: str, client: str, answers: dict | None, waiting: int, chases: int) -> dict:
    answers = answers or {}
    row = {"name": name, "client": client, "waiting_now": waiting, "chases_sent": chases}
    for step in STEPS:
        row[f"median_days_after_{step}"] = _days(answers.get(f"median_{step}"))
        row[f"slowest_days_after_{step}"] = _days(answers.get(f"slowest_{step}"))
    return row


def client_figures() -> dict[str, list[dict]]:
    """Rows per client and per hiring manager (slowest median after submission first)."""
    waiting = Application.objects.filter(stage__in=ACTIVE_STAGES, client_answer_due__isnull=False)
    sent = ClientChase.objects.filter(message__status="sent")
    by_client = _answer_rows("application__job__client_id")
    by_manager = _answer_rows("hiring_manager_id")
    waiting_by_client = _counts(waiting, "job__client_id")
    waiting_by_manager = _counts(waiting, "job__hiring_managers")
    chases_by_manager = _counts(sent, "hiring_manager_id")
    chases_by_client: dict[int, int] = defaultdict(int)
    managers = HiringManager.objects.filter(
        pk__in=set(by_manager) | set(waiting_by_manager) | set(chases_by_manager)
    ).select_related("client")
    manager_rows = []
    for manager in managers:
        chases_by_client[manager.client_id] += chases_by_manager.get(manager.pk, 0)
        manager_rows.append(
            _row(
                name=manager.name,
                client=manager.client.name,
                answers=by_manager.get(manager.pk),
                waiting=waiting_by_manager.get(manager.pk, 0),
                chases=chases_by_manager.get(manager.pk, 0),
            )
        )
    clients = Client.objects.filter(pk__in=set(by_client) | set(waiting_by_client) | set(chases_by_client))
    client_rows = [
        _row(
            name=client.name,
            client=client.name,
            answers=by_client.get(client.pk),
            waiting=waiting_by_client.get(client.pk, 0),
            chases=chases_by_client.get(client.pk, 0),
        )
        for client in clients
    ]

    def slowest_first(row: dict) -> tuple:
        return (-(row["median_days_after_submission"] or 0), -row["waiting_now"], row["name"].lower())

    return {"clients": sorted(client_rows, key=slowest_first), "managers": sorted(manager_rows, key=slowest_first)}
