# The recruiter prompt moves here from notifications: the model is taken over in Django's state on the
# table notifications made, then the table takes this app's name. Audit rows about prompts follow.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_LABEL, NEW_LABEL = "notifications.recruiterprompt", "recruiting.recruiterprompt"
REASONS = ["overdue", "feedback_owed", "delivery_failed", "candidate_asked", "outcome_unknown"]


def relabel_audit(apps, schema_editor, old=OLD_LABEL, new=NEW_LABEL):
    apps.get_model("recruiting", "AuditLog").objects.filter(object_type=old).update(object_type=new)


def unlabel_audit(apps, schema_editor):
    relabel_audit(apps, schema_editor, old=NEW_LABEL, new=OLD_LABEL)


class Migration(migrations.Migration):
    dependencies = [
        ("recruiting", "0001_initial"),
        ("notifications", "0004_recruiterprompt_moves_to_recruiting"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RecruiterPrompt",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("overdue", "Update overdue"),
                                    ("feedback_owed", "Feedback owed after a late rejection"),
                                    ("delivery_failed", "Email bounced or failed"),
                                    ("candidate_asked", "Candidate asked for an update"),
                                    ("outcome_unknown", "Message outcome unknown"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("detail", models.CharField(blank=True, max_length=300)),
                        ("due_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("snoozed_until", models.DateTimeField(blank=True, null=True)),
                        ("snooze_reason", models.CharField(blank=True, max_length=300)),
                        ("escalated_at", models.DateTimeField(blank=True, null=True)),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("resolution", models.CharField(blank=True, max_length=300)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="prompts",
                                to="recruiting.application",
                            ),
                        ),
                        (
                            "escalated_to",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="escalations",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "message",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="notifications.outboundmessage",
                            ),
                        ),
                        (
                            "recruiter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="prompts",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["due_at", "id"],
                        "db_table": "notifications_recruiterprompt",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("resolved_at__isnull", True)),
                                fields=["recruiter", "due_at"],
                                name="prompt_open_idx",
                            ),
                            models.Index(
                                condition=models.Q(
                                    ("escalated_at__isnull", True), ("reason", "overdue"), ("resolved_at__isnull", True)
                                ),
                                fields=["due_at"],
                                name="prompt_escalation_idx",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("resolved_at__isnull", True)),
                                fields=("application", "reason"),
                                name="one_open_prompt_per_application_and_reason",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("reason__in", REASONS)), name="prompt_reason_valid"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="recruiterprompt", table=None),
        migrations.RunPython(relabel_audit, unlabel_audit),
    ]
