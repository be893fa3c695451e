"""The email to the firm's admins when the system switches a webhook subscription off: a template code of its
own, and its default text installed."""

from django.db import migrations, models


def install_webhook_switched_off(apps, schema_editor):
    from notifications.services.templates import template_default_parts

    template_model = apps.get_model("notifications", "MessageTemplate")
    if not template_model.objects.filter(code="webhook_switched_off").exists():
        parts = template_default_parts("webhook_switched_off")
        template_model.objects.create(code="webhook_switched_off", subject=parts.subject, body_text=parts.body_text)


def remove_webhook_switched_off(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(code="webhook_switched_off").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0056_sms_templates")]

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
                    ("safety_net", "Safety net: no news for nearly two weeks"),
                    ("promise", "A new date for the next step"),
                    ("client_chase", "Feedback request to a hiring manager"),
                    ("webhook_switched_off", "A webhook switched off after repeated failures (to admins)"),
                ],
                max_length=50,
                unique=True,
            ),
        ),
        migrations.RunPython(install_webhook_switched_off, remove_webhook_switched_off),
    ]
