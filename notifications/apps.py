from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The connections of this app, made once: the emails a stage change owes, the safety net's email
        # and the chase of a client whose answer is due (the pipeline's ports); the receivers of anymail's
        # tracking and inbound signals (sent by the provider webhook views); and its tasks registered in
        # every process (inloop.celery.enqueue finds them by name).
        from notifications import tasks  # noqa: F401
        from notifications.services import client_chases, inbound, safety_net, stage_emails, tracking
        from recruiting.services import ports

        ports.stage_changes_subscribe(stage_emails.stage_changes_notify)
        ports.safety_nets_subscribe(safety_net.safety_nets_email)
        ports.client_chases_subscribe(client_chases.client_chases_queue)
        tracking.tracking_signal_connect()
        inbound.inbound_signal_connect()
