"""The database refuses a second candidate with the same address, any case (duplicates joined by 0060;
its own migration so that the index is built after the data migration's transaction committed)."""

from django.db import migrations, models
from django.db.models.functions import Lower


class Migration(migrations.Migration):
    dependencies = [("candidates", "0060_join_duplicate_candidates")]

    operations = [
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(Lower("email"), name="candidate_unique_email_ci"),
        ),
    ]
