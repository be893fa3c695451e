"""The safety net's email (a template of its own, installed like every default) and the moment a message
must have gone by."""

from django.db import migrations, models


def install_defaults(apps, schema_editor):
    from notifications.services.templates import templates_install_defaults

    templates_install_defaults(template_model=apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0005_one_source_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name='outboundmessage',
            name='must_send_by',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='messagetemplate',
            name='code',
            field=models.CharField(choices=[('acknowledgment', 'Application received'), ('screening', 'Entered screening'), ('submitted', 'Submitted to a client'), ('interviewing', 'Client interview'), ('offer', 'Offer'), ('placed', 'Placed'), ('rejection_early', 'Rejection (early stage)'), ('rejection_late', 'Rejection with feedback (after submission)'), ('withdrawal', 'Withdrawal acknowledged'), ('check_in', 'Still in process, no news yet'), ('personal', 'Personal email from the recruiter'), ('digest', 'Recruiter digest'), ('status_link', 'A fresh link to the status page'), ('safety_net', 'Safety net: no news for nearly two weeks')], max_length=50, unique=True),
        ),
        migrations.RunPython(install_defaults, migrations.RunPython.noop),
    ]
