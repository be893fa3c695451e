"""Message templates: the defaults we ship, validated edits, previews with real data."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications import rendering
from notifications.models import MessageTemplate
from notifications.services import messages as message_services
from notifications.services import templates
from recruiting.models import AuditLog, Stage
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db


# The emails to a candidate (not the digest, the client chase or the admins' webhook notice).
CANDIDATE_CODES = [
    c for c in MessageTemplate.Code.values if c not in ("digest", "client_chase", "webhook_switched_off")
]


@pytest.fixture
def lead():
    return UserFactory(profile__role="team_lead")


@pytest.mark.parametrize("code", MessageTemplate.Code.values)
def test_every_code_ships_a_default_that_passes_its_own_validation(code):
    parts = templates.template_default_parts(code)
    assert parts.subject and parts.body_text.strip()
    templates.template_validate(code=code, subject=parts.subject, body_text=parts.body_text)


@pytest.mark.parametrize("code", MessageTemplate.Code.values)
def test_the_data_migration_installed_every_default(code):
    row = MessageTemplate.objects.get(code=code)
    assert row.subject == templates.template_default_parts(code).subject


def test_installing_defaults_again_leaves_edited_rows_alone(lead):
    row = MessageTemplate.objects.get(code="screening")
    templates.template_update(
        template=row, subject="Edited {{ job_title }}", body_text="Hi {{ candidate_first_name }}", by=lead
    )
    MessageTemplate.objects.filter(code="offer").delete()
    assert templates.templates_install_defaults() == 1
    assert MessageTemplate.objects.get(code="screening").subject == "Edited {{ job_title }}"
    assert MessageTemplate.objects.filter(code="offer").exists()


def test_without_a_row_the_shipped_default_is_used():
    MessageTemplate.objects.filter(code="offer").delete()
    assert templates.template_parts("offer") == templates.template_default_parts("offer")


def test_a_team_lead_saves_a_valid_edit_and_it_is_audited(lead):
    row = MessageTemplate.objects.get(code="screening")
    saved = templates.template_update(
        template=row,
        subject="  Update on {{ job_title }}  ",
        body_text="Hello {{ candidate_first_name }}",
        by=lead,
    )
    saved.refresh_from_db()
    assert saved.subject == "Update on {{ job_title }}"
    assert saved.updated_by == lead
    audit = AuditLog.objects.get(action="template.update", object_id=row.pk)
    assert audit.actor == lead and audit.details == {"changed": ["subject", "body_text"]}


@pytest.mark.parametrize(
    ("part", "source", "expected"),
    [
        ("body_text", "{% load static %}", "{% load %} is not allowed"),
        ("body_text", "{% include 'x.html' %}", "{% include %} is not allowed"),
        ("body_text", "{% extends 'base.html' %}", "{% extends %} is not allowed"),
        ("body_text", "{{ candidate.email }}", "reaches into an attribute"),
        ("subject", "{% load static %}Hi", "{% load %} is not allowed"),
        ("body_text", "{{ recruiter_password }}", "is not a merge field"),
        ("body_text", "{% if job_title %}never closed", "syntax error"),
        ("subject", "Hi {{ candidate_first_name }}\nBcc: x@evil.example", "single line"),
    ],
)
def test_a_bad_edit_is_refused_with_a_clear_message_and_nothing_is_saved(lead, part, source, expected):
    row = MessageTemplate.objects.get(code="screening")
    before = (row.subject, row.body_text)
    values = {"subject": row.subject, "body_text": row.body_text} | {part: source}
    with pytest.raises(ValidationError) as caught:
        templates.template_update(template=row, by=lead, **values)
    assert any(expected in text for text in caught.value.message_dict[part])
    row.refresh_from_db()
    assert (row.subject, row.body_text) == before
    assert not AuditLog.objects.filter(action="template.update").exists()


def test_a_plain_recruiter_may_not_change_the_firms_templates(recruiter):
    row = MessageTemplate.objects.get(code="screening")
    with pytest.raises(PermissionDenied):
        templates.template_update(template=row, subject="x", body_text="y", by=recruiter)


def test_reset_puts_back_the_shipped_text(lead):
    row = MessageTemplate.objects.get(code="offer")
    templates.template_update(template=row, subject="Changed", body_text="Changed", by=lead)
    templates.template_reset(template=row, by=lead)
    row.refresh_from_db()
    assert row.subject == templates.template_default_parts("offer").subject


def test_preview_renders_a_saved_template_with_a_real_application():
    application = ApplicationFactory(
        stage=Stage.SCREENING,
        candidate__first_name="Maya",
        job=JobFactory(title="Payroll Analyst", client=ClientFactory(name="Hidden Co", industry="retail")),
    )
    preview = templates.template_preview(application=application, template_code="screening")
    assert "Hello Maya," in preview.body_text
    assert "Payroll Analyst" in preview.subject
    assert "a client of ours in retail" in preview.body_text
    assert "Hidden Co" not in preview.body_text + preview.body_html + preview.subject
    assert "{{" not in preview.body_text and "{%" not in preview.body_html


def test_preview_of_unsaved_text_is_validated_and_escaped():
    application = ApplicationFactory(job=JobFactory(title="<b>Chef</b>"))
    preview = templates.template_preview(
        application=application,
        template_code="screening",
        subject="{{ job_title }}",
        body_text="{{ job_title }}",
    )
    assert preview.subject == "<b>Chef</b>"
    assert preview.body_text == "<b>Chef</b>\n"
    assert "<p>&lt;b&gt;Chef&lt;/b&gt;</p>" in preview.body_html
    assert "<b>" not in preview.body_html
    with pytest.raises(ValidationError):
        templates.template_preview(
            application=application, template_code="screening", subject="{{ a.b }}", body_text="x"
        )


@pytest.mark.parametrize("code", CANDIDATE_CODES)
def test_every_candidate_default_renders_without_leftover_tags(code):
    application = ApplicationFactory(stage=Stage.SCREENING)
    fields = rendering.application_merge_fields(application=application) | {
        "personal_subject": "A word",
        # A personal email is what its recruiter typed, greeting included.
        "personal_body": f"Hello {application.candidate.first_name},\n\nThanks for today.",
    }
    out = templates.template_render(code=code, fields=fields)
    for part in (out.subject, out.body_text, out.body_html):
        assert "{{" not in part and "{%" not in part
    assert application.candidate.first_name in out.body_text
    assert fields["unsubscribe_url"] in out.body_text


# --- one source per template ---------------------------------------------------------------------------


def test_no_default_ships_an_html_file_any_more():
    assert not list(templates.DEFAULTS_DIR.glob("*/body.html"))
    assert "body_html" not in {field.name for field in MessageTemplate._meta.get_fields()}


@pytest.mark.parametrize("code", CANDIDATE_CODES)
def test_every_default_reads_the_same_in_both_parts(code):
    application = ApplicationFactory(stage=Stage.SCREENING, candidate__first_name="Ana <i>")
    fields = rendering.application_merge_fields(application=application) | {
        "personal_subject": "A word",
        "personal_body": "Hello Ana,\n\nThanks for today.\n\nSam",
    }
    out = templates.template_render(code=code, fields=fields)
    assert out.body_html == rendering.text_to_html(out.body_text, title=out.subject)
    assert "<i>" not in out.body_html
    assert f'<a href="{fields["unsubscribe_url"].replace("&", "&amp;")}">' in out.body_html
    assert "<hr>" in out.body_html


def test_editing_the_text_changes_both_parts_of_the_next_email(lead):
    row = MessageTemplate.objects.get(code="check_in")
    templates.template_update(
        template=row, subject="Still with us", body_text="Hello {{ candidate_first_name }},\n\nNew words.", by=lead
    )
    out = templates.template_render(code="check_in", fields={"candidate_first_name": "Ana"})
    assert "New words." in out.body_text
    assert "<p>New words.</p>" in out.body_html


def test_the_preview_returns_both_parts(lead):
    application = ApplicationFactory(candidate__first_name="Maya")
    preview = templates.template_preview(
        application=application, template_code="check_in", subject="Hi", body_text="Dear {{ candidate_first_name }}"
    )
    assert preview.body_text == "Dear Maya\n"
    assert "<p>Dear Maya</p>" in preview.body_html


def test_a_personal_email_greets_and_signs_once_and_looks_as_typed():

    application = ApplicationFactory(candidate__first_name="Maya")
    owner = application.owner
    owner.profile.signature = "Sam Reyes\nSenior recruiter"
    owner.profile.save()
    typed = templates.personal_body_start(candidate_first_name="Maya", sender=owner).replace(
        "\n\n\n\n", "\n\nThe client would like a <second> call: https://meet.example/x?a=1&b=2\n\n"
    )
    message = message_services.message_personal_queue(
        application=application, subject="Next step", body=typed, by=owner
    )
    assert message.body_text.count("Hello Maya,") == 1 and message.body_text.count("Sam Reyes") == 1
    assert message.body_html.count("Hello Maya,") == 1 and message.body_html.count("Sam Reyes") == 1
    assert "&lt;p&gt;" not in message.body_html
    assert "<p>Hello Maya,</p>" in message.body_html
    assert "<p>Sam Reyes<br>Senior recruiter</p>" in message.body_html
    assert "a &lt;second&gt; call" in message.body_html
    assert '<a href="https://meet.example/x?a=1&amp;b=2">' in message.body_html
    assert message.body_text.startswith(typed.strip())


def test_a_new_personal_email_starts_with_the_greeting_and_the_senders_signature():
    sender = UserFactory(first_name="Sam", last_name="Reyes")
    sender.profile.signature = ""
    assert templates.personal_body_start(candidate_first_name="Maya\r\nBcc: x", sender=sender) == (
        "Hello Maya Bcc: x,\n\n\n\nSam Reyes\n"
    )
    sender.profile.signature = "Sam\nInloop Staffing"
    assert templates.personal_body_start(candidate_first_name="", sender=sender).endswith("\n\nSam\nInloop Staffing\n")


def test_editing_a_held_message_makes_its_html_again():
    from tests.factories import OutboundMessageFactory

    application = ApplicationFactory()
    message = OutboundMessageFactory(application=application, candidate=application.candidate)
    message_services.message_edit(
        message=message, subject="Changed", body_text="Now *this*,\n\n<script>x</script>", by=application.owner
    )
    message.refresh_from_db()
    assert "<p>Now <em>this</em>,</p>" in message.body_html
    assert "<script>" not in message.body_html and "&lt;script&gt;x&lt;/script&gt;" in message.body_html
    assert message.body_html == rendering.text_to_html(message.body_text, title="Changed")
