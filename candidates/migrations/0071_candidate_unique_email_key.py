"""The database refuses a second candidate with the same address key (duplicates joined by 0070; its own
migration so that the index is built after the data migration's transaction committed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("candidates", "0070_candidate_email_key")]

    operations = [
        migrations.RemoveConstraint(model_name="candidate", name="candidate_unique_email_ci"),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(fields=["email_key"], name="candidate_unique_email_key"),
        ),
    ]
