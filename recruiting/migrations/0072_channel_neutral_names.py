"""Channel-neutral names: a stage policy says whether the candidate is notified (the column renamed, its
values kept), and the safety net owes a message (the stored value "email" kept, its label says message)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recruiting", "0071_api_external_ids"),
    ]

    operations = [
        migrations.RenameField(model_name="stagepolicy", old_name="send_automated_email", new_name="notify_candidate"),
        migrations.AlterField(
            model_name="safetynet",
            name="kind",
            field=models.CharField(
                choices=[("email", "Automated message to the candidate"), ("personal", "Team lead and admins told to call")],
                max_length=20,
            ),
        ),
    ]
