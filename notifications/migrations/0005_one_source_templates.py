"""One source per template: the HTML part is made from the text, so templates lose body_html.

The personal template no longer adds a greeting and a signature of its own (the recruiter's text
starts with them): an unedited personal template is moved to the new default text.
"""

from django.db import migrations

OLD_PERSONAL_TEXT = """Hello {{ candidate_first_name }},

{{ personal_body }}

{{ recruiter_signature }}

--
Where all your applications stand: {{ status_page_url }}
Fewer emails, or none: {{ unsubscribe_url }}"""


def personal_template_as_typed(apps, schema_editor):
    from notifications.services.templates import template_default_parts

    template_model = apps.get_model("notifications", "MessageTemplate")
    new_text = template_default_parts("personal").body_text
    for row in template_model.objects.filter(code="personal"):
        if row.body_text.replace("\r\n", "\n").strip() == OLD_PERSONAL_TEXT:
            row.body_text = new_text
            row.save(update_fields=["body_text"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_recruiterprompt_moves_to_recruiting")]

    operations = [
        migrations.RemoveField(model_name="messagetemplate", name="body_html"),
        migrations.RunPython(personal_template_as_typed, migrations.RunPython.noop),
    ]
