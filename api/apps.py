from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from recruiting.services import ports

        # The webhook events of the pipeline's stage changes, written in the pipeline's transaction; and
        # the tasks registered in every process (recruiting.celery.enqueue finds them by name).
        from . import tasks  # noqa: F401
        from .webhooks import stage_changes_record

        ports.stage_changes_subscribe(stage_changes_record)
