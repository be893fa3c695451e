from django.db import migrations


def install_defaults(apps, schema_editor):
    from notifications.services.templates import templates_install_defaults

    templates_install_defaults(template_model=apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_initial")]

    operations = [migrations.RunPython(install_defaults, migrations.RunPython.noop)]
