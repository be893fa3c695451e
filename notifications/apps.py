from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Connects the receiver of anymail's tracking signal (sent by the provider webhook views).
        from .services import tracking  # noqa: F401
