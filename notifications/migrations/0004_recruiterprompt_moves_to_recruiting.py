# The recruiter prompt is the keep-in-the-loop clock's own work item: its model moves to the pipeline
# (recruiting 0002 takes it over). Only Django's state changes here; the table is renamed there.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_default_message_templates")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RecruiterPrompt")],
            database_operations=[],
        )
    ]
