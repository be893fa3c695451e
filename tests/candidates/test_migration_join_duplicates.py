"""The migration that brings in one candidate per address joins the duplicates already stored first."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("candidates", "0002_time_zone_validators"),
    ("recruiting", "0003_time_zone_validators"),
    ("notifications", "0005_one_source_templates"),
]
AFTER = [*BEFORE[1:], ("candidates", "0061_candidate_unique_email")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_duplicates_in_any_case_are_joined_into_the_oldest_record_before_the_constraint():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("auth", "User")
    Client, Job = apps.get_model("recruiting", "Client"), apps.get_model("recruiting", "Job")
    Candidate, Application = apps.get_model("candidates", "Candidate"), apps.get_model("recruiting", "Application")
    owner = User.objects.create(username="owner-for-migration")
    client = Client.objects.create(name="Migration Client")
    job, other_job = (Job.objects.create(client=client, title=t, owner=owner) for t in ("Same", "Other"))
    oldest = Candidate.objects.create(first_name="A", email="dup@example.org", owner=owner)
    upper = Candidate.objects.create(first_name="A", email="DUP@Example.org", owner=owner)
    alone = Candidate.objects.create(first_name="B", email="alone@example.org", owner=owner)
    Application.objects.create(candidate=oldest, job=job, owner=owner)
    Application.objects.create(candidate=upper, job=job, owner=owner)
    moved = Application.objects.create(candidate=upper, job=other_job, owner=owner)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    apps = executor.loader.project_state(AFTER).apps
    Candidate, Application = apps.get_model("candidates", "Candidate"), apps.get_model("recruiting", "Application")
    assert set(Candidate.objects.values_list("pk", flat=True)) == {oldest.pk, alone.pk}
    assert Application.objects.get(pk=moved.pk).candidate_id == oldest.pk
    assert Application.objects.filter(candidate_id=oldest.pk, job_id=job.pk).count() == 1
    AuditLog = apps.get_model("recruiting", "AuditLog")
    assert AuditLog.objects.get(action="candidate.merge").details == {"merged": upper.pk, "source": "migration"}
    # Leave the database at the latest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
