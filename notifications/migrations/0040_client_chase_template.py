"""The feedback request to a hiring manager: a template code of its own, and its default text installed;
an unedited check-in template gains the sentence saying when we asked the client."""

from django.db import migrations, models

OLD_CHECK_IN_TEXT = 'Hello {{ candidate_first_name }},\n\nA quick note so that you are not left wondering: your application for {{ job_title }} with {{ client_display_name }} is still open. Where it stands: {{ stage_plain }}.\n\nWe do not have a decision to share yet. We are following up, and we will tell you as soon as we hear anything.\n\n{% if promised_next_step_date %}The next step is planned for {{ promised_next_step_date }}.{% endif %}\n\n{% if next_update_by %}You will hear from us again by {{ next_update_by }}, whatever the news.{% endif %}\n\n{{ recruiter_signature }}\n\n--\nWhere all your applications stand: {{ status_page_url }}\nFewer emails, or none: {{ unsubscribe_url }}\n'


def install_client_chase(apps, schema_editor):
    from notifications.services.templates import template_default_parts

    template_model = apps.get_model("notifications", "MessageTemplate")
    if not template_model.objects.filter(code="client_chase").exists():
        parts = template_default_parts("client_chase")
        template_model.objects.create(code="client_chase", subject=parts.subject, body_text=parts.body_text)


def check_in_says_when_the_client_was_asked(apps, schema_editor):
    from notifications.services.templates import template_default_parts

    template_model = apps.get_model("notifications", "MessageTemplate")
    for row in template_model.objects.filter(code="check_in"):
        if row.body_text.replace("\r\n", "\n").strip() == OLD_CHECK_IN_TEXT.strip():
            row.body_text = template_default_parts("check_in").body_text
            row.save(update_fields=["body_text"])


def remove_client_chase(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(code="client_chase").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0020_returned_combined_edited")]

    operations = [
        migrations.AlterField(
            model_name="messagetemplate",
            name="code",
            field=models.CharField(
                choices=[
                    ("acknowledgment", "Application received"),
                    ("screening", "Entered screening"),
                    ("submitted", "Submitted to a client"),
                    ("interviewing", "Client interview"),
                    ("offer", "Offer"),
                    ("placed", "Placed"),
                    ("rejection_early", "Rejection (early stage)"),
                    ("rejection_late", "Rejection with feedback (after submission)"),
                    ("withdrawal", "Withdrawal acknowledged"),
                    ("check_in", "Still in process, no news yet"),
                    ("personal", "Personal email from the recruiter"),
                    ("digest", "Recruiter digest"),
                    ("status_link", "A fresh link to the status page"),
                    ("client_chase", "Feedback request to a hiring manager"),
                ],
                max_length=50,
                unique=True,
            ),
        ),
        migrations.RunPython(install_client_chase, remove_client_chase),
        migrations.RunPython(check_in_says_when_the_client_was_asked, migrations.RunPython.noop),
    ]
