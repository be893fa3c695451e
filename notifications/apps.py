from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The connections of this app, made once: the receivers of the mail provider's tracking and
        # inbound signals (sent by the provider webhook views), and its tasks registered in every process
        # (recruiting.task_calls finds them by name). What it hears from the pipeline is listed in
        # inloop/subscriptions.py.
        from notifications import tasks  # noqa: F401
        from notifications.services import inbound, tracking

        tracking.tracking_signal_connect()
        inbound.inbound_signal_connect()
