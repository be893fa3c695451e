from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # The tasks registered in every process (recruiting.task_calls finds them by name). The webhook
        # events it writes for the pipeline's events are listed in inloop/subscriptions.py.
        from api import tasks  # noqa: F401
