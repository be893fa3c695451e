from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # The webhook events of the pipeline's stage changes, written in the pipeline's transaction; and
        # the tasks registered in every process (inloop.celery.enqueue finds them by name).
        from api import tasks  # noqa: F401
        from api.webhooks import stage_changes_record
        from recruiting.services import ports

        ports.stage_changes_subscribe(stage_changes_record)
