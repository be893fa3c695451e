"""A move's locked read (recruiting.services.move_read) in SQL on PostgreSQL reads what the ORM's query it
mirrors reads: the same rows, the same values, the same related objects loaded."""

import pytest
from django.db import transaction

from recruiting.models import Stage
from recruiting.services import move_read
from tests.factories import ApplicationFactory, CandidateFactory, UserFactory


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _loaded(application) -> dict:
    """Every object the move reads from the application, without a query."""
    owner = application.owner
    return {
        "application": _values(application),
        "candidate": _values(application.candidate),
        "job": _values(application.job),
        "client": _values(application.job.client),
        "owner": _values(owner),
        "profile": _values(owner.profile) if hasattr(owner, "profile") else None,
    }


@pytest.mark.parametrize("with_profile", [True, False])
def test_the_sql_read_loads_what_the_orms_loads(requires_postgres, django_assert_num_queries, with_profile):
    owner = UserFactory() if with_profile else UserFactory(profile=None)
    application = ApplicationFactory(candidate=CandidateFactory(owner=owner), stage=Stage.SCREENING)
    with transaction.atomic():
        by_sql, by_orm = move_read._locked_sql(application.pk), move_read._locked_orm(application.pk)
        with django_assert_num_queries(0):
            loaded_by_sql, loaded_by_orm = _loaded(by_sql), _loaded(by_orm)
    assert loaded_by_sql == loaded_by_orm
    assert (loaded_by_sql["profile"] is not None) is with_profile


def test_neither_read_finds_an_application_that_does_not_exist(requires_postgres):
    assert move_read._locked_sql(0) is None
    assert move_read._locked_orm(0) is None
    with pytest.raises(move_read.ApplicationNotFound):
        move_read.application_locked(0)
