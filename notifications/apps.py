from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from recruiting.services import ports

        # The connections of this app, made once: the emails a stage change owes and the safety net's
        # email (the pipeline's ports), the receivers of anymail's tracking and inbound signals (sent by
        # the provider webhook views); and its tasks registered in every process
        # (recruiting.celery.enqueue finds them by name).
        from . import tasks  # noqa: F401
        from .services import inbound, safety_net, stage_emails, tracking

        ports.stage_changes_subscribe(stage_emails.stage_changes_notify)
        ports.safety_nets_subscribe(safety_net.safety_nets_email)
        tracking.tracking_signal_connect()
        inbound.inbound_signal_connect()
