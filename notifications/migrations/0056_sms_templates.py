from django.db import migrations


def install(apps, schema_editor):
    from notifications.services.templates import templates_install_sms

    templates_install_sms(template_model=apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0055_outbox_channel")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
