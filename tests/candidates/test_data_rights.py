"""Export and erasure of a candidate's data: everything held comes out; after erasure nothing personal
remains in any text column of any table, and the rows that figures count are still there."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from candidates.models import Candidate
from candidates.services.data_rights import candidate_erase, candidate_export
from candidates.services.people import candidate_create, candidate_set_preferences
from notifications.models import MessageAttempt, OutboundMessage, Suppression, TrackingEvent
from notifications.services.tracking import tracking_event_record
from recruiting.audit import audit_log_record
from recruiting.models import Application, AuditLog, ContactEvent, RecruiterPrompt, Stage, StageChange
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zebulon", "Quattlebaum"
EMAIL = "Zebulon.Quattlebaum@mail.example"
PHONE = "+44 7700 900123"
NOTE = "prefers calls after the school run"
SUMMARY = "talked through moving to the coast for this role"
PERSONAL = [FIRST, LAST, EMAIL, EMAIL.lower(), PHONE, NOTE, SUMMARY]


@pytest.fixture
def held(recruiter):
    """A candidate with something in every place the product keeps data about them."""
    candidate = candidate_create(
        first_name=FIRST, last_name=LAST, email=EMAIL, phone=PHONE, owner=recruiter, by=recruiter
    )
    confidential = JobFactory(
        title="Treasury Analyst", client=ClientFactory(name="Harbourline Capital", industry="banking")
    )
    application = ApplicationFactory(candidate=candidate, job=confidential, owner=recruiter, stage=Stage.SCREENING)
    submitted = ApplicationFactory(candidate=candidate, owner=recruiter, stage=Stage.SUBMITTED)
    StageChange.objects.create(application=application, from_stage=Stage.NEW, to_stage=Stage.SCREENING, note=NOTE)
    StageChange.objects.create(application=submitted, from_stage=Stage.SCREENING, to_stage=Stage.SUBMITTED)
    ContactEvent.objects.create(
        application=application, channel="phone", direction="outbound", summary=f"{SUMMARY}; {FIRST} was keen"
    )
    message = OutboundMessage.objects.create(
        candidate=candidate,
        application=application,
        template_code="screening",
        subject=f"{FIRST}, an update on your application",
        body_text=f"Dear {FIRST} {LAST}, call me on {PHONE}.",
        body_html=f"<p>Dear {FIRST} {LAST}</p>",
        to_address=EMAIL,
        idempotency_key="data-rights-1",
        status=OutboundMessage.Status.SENT,
        message_id="<data-rights-1@inloop.example>",
    )
    MessageAttempt.objects.create(message=message, outcome="permanent", smtp_code=550, detail=f"550 <{EMAIL}> unknown")
    audit_log_record(actor=None, action="message.queue", obj=message, details={"reason": f"Paused: {NOTE}"})
    OutboundMessage.objects.create(
        candidate=candidate,
        application=application,
        template_code="interviewing",
        subject=f"{FIRST}, your interview",
        body_text="Held",
        to_address=EMAIL,
        idempotency_key="data-rights-2",
        status=OutboundMessage.Status.HELD,
    )
    OutboundMessage.objects.create(
        recipient_user=recruiter,
        template_code="digest",
        subject="Your morning list",
        body_text=f"- {FIRST} {LAST} (Treasury Analyst) is owed an update",
        to_address=recruiter.email,
        idempotency_key="digest-1",
    )
    prompt = RecruiterPrompt.objects.create(
        application=application, recruiter=recruiter, reason="overdue", detail=f"Call {FIRST} about {NOTE}"
    )
    audit_log_record(actor=recruiter, action="prompt.snooze", obj=prompt, details={"reason": f"{SUMMARY} first"})
    candidate_set_preferences(
        candidate=candidate, by=recruiter, do_not_contact=True, reason=f"{FIRST} said {NOTE}", source="recruiter"
    )
    candidate_set_preferences(candidate=candidate, by=recruiter, do_not_contact=False)
    tracking_event_record(
        esp_name="Mailgun",
        event_type="bounced",
        recipient=EMAIL.lower(),
        event_id="bounce-1",
        message_id="<data-rights-1@inloop.example>",
        description=f"550 5.1.1 <{EMAIL.lower()}>: mailbox unavailable",
    )
    audit_log_record(
        actor=recruiter, action="note.elsewhere", obj=recruiter, details={"text": f"lunch with {FIRST} {LAST}"}
    )
    candidate.refresh_from_db()
    return candidate


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        return cursor.fetchall()


def _where_found(value: str) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608 (names from the catalogue)
                [f"%{value}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_export_holds_everything_and_is_json(held):
    data = candidate_export(candidate=held)

    text = json.dumps(data)
    assert data["details"]["email"] == EMAIL and data["details"]["phone"] == PHONE
    assert data["preferences"]["do_not_contact"] is False
    assert len(data["applications"]) == 2
    screening = next(a for a in data["applications"] if a["stage"] == Stage.SCREENING)
    assert screening["client"] == "a client of ours in banking"
    assert screening["stage_history"][0]["note"] == NOTE
    assert SUMMARY in screening["contacts"][0]["summary"]
    assert screening["prompts"][0]["reason"] == "overdue"
    assert any(p["reason"] == "delivery_failed" for a in data["applications"] for p in a["prompts"])
    assert {m["template"] for m in data["messages"]} == {"screening", "interviewing"}
    sent = next(m for m in data["messages"] if m["template"] == "screening")
    assert sent["attempts"][0]["smtp_code"] == 550
    assert data["suppressions"][0]["reason"] == "bounced"
    assert data["delivery_events"][0]["type"] == "bounced"
    assert {"candidate.create", "candidate.preferences"} <= {entry["action"] for entry in data["audit"]}
    assert "Harbourline" not in text
    assert AuditLog.objects.filter(action="candidate.export", object_id=held.pk).count() == 1


# The catalogue query (information_schema) is PostgreSQL's; the erasure itself is the same on SQLite.
def test_erase_leaves_no_personal_string_in_any_table(held, admin_user, requires_postgres):
    for value in PERSONAL:
        assert _where_found(value), f"the fixture should hold {value!r} somewhere"

    candidate_erase(candidate=held, by=admin_user)

    leftovers = {value: _where_found(value) for value in PERSONAL}
    assert leftovers == {value: [] for value in PERSONAL}


def test_erase_keeps_the_rows_that_figures_count(held, admin_user):
    def counts():
        return {
            "applications": Application.objects.filter(candidate=held).count(),
            "stage_changes": StageChange.objects.filter(application__candidate=held).count(),
            "contacts": ContactEvent.objects.filter(application__candidate=held).count(),
            "messages": OutboundMessage.objects.count(),
            "attempts": MessageAttempt.objects.count(),
            "prompts": RecruiterPrompt.objects.count(),
            "suppressions": Suppression.objects.count(),
            "events": TrackingEvent.objects.count(),
        }

    before = counts()
    audit_before = AuditLog.objects.count()

    erased = candidate_erase(candidate=held, by=admin_user)

    assert counts() == before
    assert AuditLog.objects.count() == audit_before + 1
    assert erased.erased_at is not None
    assert erased.first_name == "Erased" and erased.last_name == "" and erased.phone == ""
    assert erased.do_not_contact
    assert not OutboundMessage.objects.filter(candidate=held, status=OutboundMessage.Status.HELD).exists()
    assert not RecruiterPrompt.objects.filter(application__candidate=held, resolved_at__isnull=True).exists()
    assert not Application.objects.filter(candidate=held, next_update_due__isnull=False).exists()
    audit = AuditLog.objects.get(action="candidate.erase")
    assert audit.actor == admin_user and audit.details["applications"] == 2


def test_erase_twice_changes_nothing_more(held, admin_user):
    candidate_erase(candidate=held, by=admin_user)
    audit = AuditLog.objects.count()

    candidate_erase(candidate=held, by=admin_user)

    assert AuditLog.objects.count() == audit


def test_only_an_admin_may_erase(held, recruiter):
    with pytest.raises(PermissionDenied):
        candidate_erase(candidate=held, by=recruiter)

    held.refresh_from_db()
    assert held.erased_at is None and held.first_name == FIRST


def test_erase_keeps_other_candidates_who_share_a_first_name(held, admin_user):
    other = candidate_create(
        first_name=FIRST, last_name="Adeyemi", email="z.adeyemi@mail.example", owner=UserFactory(), by=None
    )

    candidate_erase(candidate=held, by=admin_user)

    other.refresh_from_db()
    assert (other.first_name, other.last_name, other.email) == (FIRST, "Adeyemi", "z.adeyemi@mail.example")


def test_export_command_prints_json(held, capsys):
    call_command("export_candidate", str(held.pk))

    data = json.loads(capsys.readouterr().out)
    assert data["details"]["last_name"] == LAST


def test_export_command_writes_a_file(held, tmp_path):
    target = tmp_path / "export.json"

    call_command("export_candidate", str(held.pk), "--output", str(target))

    assert json.loads(target.read_text(encoding="utf-8"))["details"]["email"] == EMAIL


def test_erase_command_needs_confirmation(held):
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_candidate", str(held.pk))

    held.refresh_from_db()
    assert held.erased_at is None


def test_erase_command_erases(held, capsys):
    call_command("erase_candidate", str(held.pk), "--yes")

    assert "erased" in capsys.readouterr().out
    held.refresh_from_db()
    assert held.erased_at is not None and held.email.endswith("@erased.invalid")
    assert AuditLog.objects.get(action="candidate.erase").actor is None


def test_commands_refuse_an_unknown_candidate(db):
    with pytest.raises(CommandError, match="no candidate"):
        call_command("export_candidate", "987654")
    with pytest.raises(CommandError, match="no candidate"):
        call_command("erase_candidate", "987654", "--yes")


def test_erased_at_is_set_once(held, admin_user):
    erased = candidate_erase(candidate=held, by=admin_user)

    assert Candidate.objects.get(pk=held.pk).erased_at == erased.erased_at
    assert erased.erased_at <= timezone.now()


def test_export_reads_a_fixed_number_of_queries_whatever_the_history(held, django_assert_max_num_queries):
    for _ in range(6):
        application = ApplicationFactory(candidate=held, owner=held.owner)
        StageChange.objects.create(application=application, from_stage=Stage.NEW, to_stage=Stage.SCREENING)
        ContactEvent.objects.create(application=application, channel="email", direction="outbound", summary="Hello")

    # 19: the export's own reads, one for Django's admin log, one for the emails that came back, one
    # for every address the candidate was written to at, and three for texts (the consents to them, the
    # texts received, the texts sent).
    with django_assert_max_num_queries(19):
        data = candidate_export(candidate=held)

    assert len(data["applications"]) == 8
