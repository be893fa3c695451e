"""One candidate per address however it is typed: capitals of any script, the ASCII (punycode) form of an
international domain, and decomposed accents all name the same mailbox. Attacked as the recruiter would,
through the "Add a candidate" page and the CSV import, after a first record exists; and the migration
that brings the rule in joins the records already stored, moving everything of both."""

import io
import unicodedata
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from candidates.services.imports import candidates_import_csv
from candidates.validators import email_key
from tests.factories import CandidateFactory

FIRST = "élodie.brun@bücher.example"
SAME_PERSON = [
    "ÉLODIE.BRUN@BÜCHER.EXAMPLE",  # capitals beyond ASCII
    "élodie.brun@xn--bcher-kva.example",  # the domain's ASCII form
    unicodedata.normalize("NFD", FIRST),  # é and ü as a letter and a combining accent
    "Élodie.Brun@XN--BCHER-KVA.example",
]


@pytest.mark.parametrize("typed", SAME_PERSON)
def test_every_spelling_of_one_address_has_one_key(typed):
    assert email_key(typed) == email_key(FIRST)
    assert email_key("elodie.brun@bucher.example") != email_key(FIRST)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", SAME_PERSON)
def test_the_add_page_refuses_a_second_record_however_the_address_is_typed(client, recruiter, typed):
    existing = CandidateFactory(email=FIRST, first_name="Élodie", last_name="Brun")
    client.force_login(recruiter)

    response = client.post(reverse("candidate_new"), {"first_name": "Élodie", "email": typed, "time_zone": "UTC"})

    assert response.status_code == 400
    assert f"#{existing.pk}" in response.content.decode()
    assert list(Candidate.objects.values_list("pk", flat=True)) == [existing.pk]


@pytest.mark.django_db
def test_the_import_finds_the_existing_record_however_the_address_is_typed(recruiter):
    existing = CandidateFactory(email=FIRST, owner=recruiter)
    rows = "first_name,email\n" + "".join(f"Élodie,{typed}\n" for typed in SAME_PERSON)

    report = candidates_import_csv(file=io.BytesIO(rows.encode()), by=recruiter)

    # Each row names the one existing record and nothing new: already imported, not a second person.
    assert (report.candidates_created, report.already_imported, report.errors) == (0, len(SAME_PERSON), [])
    assert list(Candidate.objects.values_list("pk", flat=True)) == [existing.pk]


@pytest.mark.django_db
def test_the_database_refuses_what_a_service_did_not_check(recruiter):
    CandidateFactory(email=FIRST)
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(first_name="É", email=SAME_PERSON[1], owner=recruiter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.bulk_create([Candidate(first_name="É", email=SAME_PERSON[2], owner=recruiter)])


BEFORE = [
    ("candidates", "0062_candidate_import"),
    ("recruiting", "0063_merged_choices"),
    ("notifications", "0051_merged_choices"),
]
AFTER = [*BEFORE[1:], ("candidates", "0071_candidate_unique_email_key")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_joins_records_of_one_address_moving_everything_of_both():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    get = apps.get_model
    owner = get("auth", "User").objects.create(username="owner-for-key-migration")
    client = get("recruiting", "Client").objects.create(name="Key Migration Client")
    manager = get("recruiting", "HiringManager").objects.create(client=client, name="M", email="m@client.example")
    job, other_job = (get("recruiting", "Job").objects.create(client=client, title=t, owner=owner) for t in "AB")
    Candidate, Application = get("candidates", "Candidate"), get("recruiting", "Application")
    oldest = Candidate.objects.create(first_name="Élodie", email=FIRST, owner=owner)
    typed_again = Candidate.objects.create(first_name="Elodie", email=SAME_PERSON[1], owner=owner, phone="+33 1 23")
    decomposed = Candidate.objects.create(first_name="E", email=SAME_PERSON[2], owner=owner)
    alone = Candidate.objects.create(first_name="B", email="elodie.brun@bucher.example", owner=owner)
    kept = Application.objects.create(candidate=oldest, job=job, owner=owner)
    folded = Application.objects.create(candidate=typed_again, job=job, owner=owner)
    moved = Application.objects.create(candidate=decomposed, job=other_job, owner=owner)
    now = timezone.now()
    answer = get("recruiting", "ClientAnswer").objects.create(
        application=folded, hiring_manager=manager, kind="not_a_fit", stage="submitted", asked_at=now, due_at=now
    )
    chase = get("recruiting", "ClientChase").objects.create(application=folded, hiring_manager=manager, due_at=now)
    net = get("recruiting", "SafetyNet").objects.create(application=folded, silence_started_at=now, kind="email")
    reply = get("notifications", "InboundMessage").objects.create(
        application=folded, source="webhook", digest="d" * 64, status="accepted", received_at=now - timedelta(hours=1)
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    apps = executor.loader.project_state(AFTER).apps
    get = apps.get_model
    Candidate = get("candidates", "Candidate")
    assert set(Candidate.objects.values_list("pk", flat=True)) == {oldest.pk, alone.pk}
    assert get("recruiting", "Application").objects.get(pk=moved.pk).candidate_id == oldest.pk
    assert not get("recruiting", "Application").objects.filter(pk=folded.pk).exists()
    for label, row in [
        ("recruiting.ClientAnswer", answer),
        ("recruiting.ClientChase", chase),
        ("recruiting.SafetyNet", net),
        ("notifications.InboundMessage", reply),
    ]:
        assert get(label).objects.get(pk=row.pk).application_id == kept.pk, label
    keeper = Candidate.objects.get(pk=oldest.pk)
    assert keeper.email_key == email_key(FIRST)
    assert {details["email"] for details in keeper.merged_details} == {SAME_PERSON[1], SAME_PERSON[2]}
    assert Candidate.objects.get(pk=alone.pk).email_key == "elodie.brun@bucher.example"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
