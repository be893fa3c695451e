"""The feedback request to a hiring manager: a template code of its own, and its default text installed."""

from django.db import migrations, models


def install_client_chase(apps, schema_editor):
    from notifications.services.templates import template_default_parts

    template_model = apps.get_model("notifications", "MessageTemplate")
    if not template_model.objects.filter(code="client_chase").exists():
        parts = template_default_parts("client_chase")
        template_model.objects.create(code="client_chase", subject=parts.subject, body_text=parts.body_text)


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
    ]
