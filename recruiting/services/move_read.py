"""The application a move locks, read with what the candidate's email is written from, in SQL written once.

What `Application.objects.select_for_update(of=("self", "candidate")).select_related("candidate",
"job__client", "owner__profile").get(pk=pk)` reads, with the same instances and related caches
(recruiting.sql_rows): every move through the API makes this read, and the ORM's compiling of its six
tables cost several times what PostgreSQL takes to answer it.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from recruiting import sql_rows
from recruiting.models import Application, Client, Job, RecruiterProfile


class ApplicationNotFound(Application.DoesNotExist):
    """No application has the id a move named (a caller's mistake, not a fault deeper in the move)."""


@cache
def _read() -> tuple[str, tuple]:
    candidate_model = Application._meta.get_field("candidate").related_model
    models = (Application, candidate_model, Job, Client, get_user_model(), RecruiterProfile)
    application, candidate, job, client, user, profile = (sql_rows.table(model) for model in models)
    columns = ", ".join(sql_rows.select_list(model, alias) for model, alias in zip(models, "acjkup", strict=True))
    sql = (
        f"SELECT {columns} FROM {application} a "  # noqa: S608 (names from the models, values bound)
        f"INNER JOIN {candidate} c ON a.candidate_id = c.id INNER JOIN {job} j ON a.job_id = j.id "
        f"INNER JOIN {client} k ON j.client_id = k.id INNER JOIN {user} u ON a.owner_id = u.id "
        f"LEFT OUTER JOIN {profile} p ON u.id = p.user_id WHERE a.id = %s FOR UPDATE OF a, c"
    )
    return sql, models


def application_locked(pk: int) -> Application:
    """The application `pk`, locked with its candidate, and its candidate, job, client, owner and owner's
    profile loaded with it; ApplicationNotFound when there is none (the ORM's read on other databases)."""
    found = _locked_sql(pk) if connection.vendor == "postgresql" else _locked_orm(pk)
    if found is None:
        raise ApplicationNotFound(f"No application has the id {pk}.")
    return found


def _locked_orm(pk: int) -> Application | None:
    """The read the SQL mirrors (tests/recruiting/test_move_read.py compares the two)."""
    return (
        Application.objects.select_for_update(of=("self", "candidate"))
        .select_related("candidate", "job__client", "owner__profile")
        .filter(pk=pk)
        .first()
    )


def _locked_sql(pk: int) -> Application | None:
    sql, models = _read()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    application, candidate, job, client, owner, profile = sql_rows.instances(row, models)
    sql_rows.related_cache(application, "candidate", candidate)
    sql_rows.related_cache(application, "job", job)
    sql_rows.related_cache(job, "client", client)
    sql_rows.related_cache(application, "owner", owner)
    sql_rows.related_cache(owner, "profile", profile)
    return application
