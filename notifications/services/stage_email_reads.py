"""Two reads of every stage change's email (stage_emails), in SQL written once on PostgreSQL.

Each runs on every move: the ORM's compiling of the same statement cost more of the process's CPU than
PostgreSQL took to answer it. On another database (the SQLite runs of the tests) the ORM's query, which
these statements mirror.
"""

from collections.abc import Collection

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.outbox import WAITING
from recruiting.models import SUBMITTED_STAGES, Application, StageChange

# The automated messages still waiting for the applications, locked in the model's order (newest first).
_WAITING_FOR_UPDATE = (
    f'SELECT "id", "application_id", "template_code" FROM "{OutboundMessage._meta.db_table}" '  # noqa: S608 (names from the model, values bound)
    'WHERE "application_id" = ANY(%s::bigint[]) AND "status" = ANY(%s::text[]) AND NOT ("template_code" = %s) '
    'AND NOT ("stage_change_id" = ANY(%s::bigint[]) AND "stage_change_id" IS NOT NULL) '
    'ORDER BY "created_at" DESC, "id" DESC FOR UPDATE'
)
# The candidates' applications in the stages and the moved ones, each with whether it ever entered a
# stage in which the client sees the candidate.
_LIVE_OR_MOVED = (
    f'SELECT a."candidate_id", a."id", a."stage", EXISTS(SELECT 1 FROM "{StageChange._meta.db_table}" c '  # noqa: S608 (names from the models, values bound)
    'WHERE c."application_id" = a."id" AND c."to_stage" = ANY(%s::text[]) LIMIT 1) '
    f'FROM "{Application._meta.db_table}" a '
    'WHERE (a."candidate_id" = ANY(%s::bigint[]) AND a."stage" = ANY(%s::text[])) OR a."id" = ANY(%s::bigint[])'
)


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def waiting_for_update(*, application_ids: list[int], stage_change_ids: list[int]) -> list[tuple[int, int, str]]:
    """(id, application id, template code) of every message still waiting for the applications, but the
    personal ones and those of the stage changes named, locked."""
    read = _waiting_sql if connection.vendor == "postgresql" else _waiting_orm
    return read(application_ids=application_ids, stage_change_ids=stage_change_ids)


def _waiting_sql(*, application_ids: list[int], stage_change_ids: list[int]) -> list[tuple[int, int, str]]:
    personal = MessageTemplate.Code.PERSONAL
    return _rows(_WAITING_FOR_UPDATE, [application_ids, list(WAITING), personal, stage_change_ids])


def _waiting_orm(*, application_ids: list[int], stage_change_ids: list[int]) -> list[tuple[int, int, str]]:
    """The read the SQL mirrors (tests/notifications/test_stage_email_reads.py compares the two)."""
    return list(
        OutboundMessage.objects.select_for_update()
        .filter(application_id__in=application_ids, status__in=WAITING)
        .exclude(template_code=MessageTemplate.Code.PERSONAL)
        .exclude(stage_change__in=stage_change_ids)
        .values_list("pk", "application_id", "template_code")
    )


def live_or_moved(
    *, candidate_ids: Collection[int], stages: Collection[str], moved_ids: Collection[int]
) -> list[tuple[int, int, str, bool]]:
    """(candidate id, id, stage, ever reached the client) of the candidates' applications in `stages`
    and of the moved applications."""
    read = _live_or_moved_sql if connection.vendor == "postgresql" else _live_or_moved_orm
    return read(candidate_ids=candidate_ids, stages=stages, moved_ids=moved_ids)


def _live_or_moved_sql(
    *, candidate_ids: Collection[int], stages: Collection[str], moved_ids: Collection[int]
) -> list[tuple[int, int, str, bool]]:
    return _rows(_LIVE_OR_MOVED, [list(SUBMITTED_STAGES), list(candidate_ids), list(stages), list(moved_ids)])


def _live_or_moved_orm(
    *, candidate_ids: Collection[int], stages: Collection[str], moved_ids: Collection[int]
) -> list[tuple[int, int, str, bool]]:
    """The read the SQL mirrors (tests/notifications/test_stage_email_reads.py compares the two)."""
    return list(
        Application.objects.filter(Q(candidate_id__in=candidate_ids, stage__in=stages) | Q(pk__in=moved_ids))
        .annotate(reached=Exists(StageChange.objects.filter(application=OuterRef("pk"), to_stage__in=SUBMITTED_STAGES)))
        .values_list("candidate_id", "pk", "stage", "reached")
    )
