"""The stage email's two reads (notifications.services.stage_email_reads) in SQL on PostgreSQL return what
the ORM's queries they mirror return."""

import pytest
from django.db import transaction

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import stage_email_reads
from recruiting.models import ACTIVE_STAGES, Stage, StageChange
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

Status = OutboundMessage.Status


@pytest.fixture
def firm(db):
    candidate = CandidateFactory()
    screening = ApplicationFactory(candidate=candidate, stage=Stage.SCREENING)
    submitted = ApplicationFactory(candidate=candidate, stage=Stage.SUBMITTED)
    rejected = ApplicationFactory(candidate=candidate, stage=Stage.REJECTED)
    other = ApplicationFactory(stage=Stage.NEW)
    change = StageChange.objects.create(application=submitted, from_stage=Stage.SCREENING, to_stage=Stage.SUBMITTED)
    StageChange.objects.create(application=rejected, from_stage=Stage.SUBMITTED, to_stage=Stage.REJECTED)
    OutboundMessageFactory(application=screening, status=Status.HELD)
    OutboundMessageFactory(application=screening, status=Status.QUEUED)
    OutboundMessageFactory(application=screening, status=Status.SENT)
    OutboundMessageFactory(application=screening, status=Status.HELD, template_code=MessageTemplate.Code.PERSONAL)
    OutboundMessageFactory(application=submitted, status=Status.HELD, stage_change=change)
    OutboundMessageFactory(application=submitted, status=Status.HELD)
    OutboundMessageFactory(application=other, status=Status.QUEUED)
    return {"candidate": candidate, "applications": [screening, submitted, rejected, other], "change": change}


def test_the_waiting_messages_read_in_sql_are_the_orms(requires_postgres, firm):
    ids = [application.pk for application in firm["applications"]]
    for excluded in ([], [firm["change"].pk]):
        with transaction.atomic():
            by_sql = stage_email_reads._waiting_sql(application_ids=ids, stage_change_ids=excluded)
            by_orm = stage_email_reads._waiting_orm(application_ids=ids, stage_change_ids=excluded)
        assert by_sql == by_orm  # the same rows in the same order: the lock order
        assert len(by_sql) == (5 if not excluded else 4)


def test_the_live_or_moved_applications_read_in_sql_are_the_orms(requires_postgres, firm):
    candidates = [firm["candidate"].pk]
    rejected = firm["applications"][2]
    for moved in ([], [rejected.pk]):
        arguments = {"candidate_ids": candidates, "stages": ACTIVE_STAGES, "moved_ids": moved}
        by_sql = stage_email_reads._live_or_moved_sql(**arguments)
        by_orm = stage_email_reads._live_or_moved_orm(**arguments)
        assert sorted(by_sql) == sorted(by_orm)
        assert len(by_sql) == 2 + len(moved)
        assert any(reached for *_rest, reached in by_sql) and not all(reached for *_rest, reached in by_sql)
