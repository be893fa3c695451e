from django.apps import AppConfig


class RecruitingConfig(AppConfig):
    name = "recruiting"
    verbose_name = "Recruiting"

    def ready(self) -> None:
        # Registers the app's tasks in every process, web included: recruiting.task_calls.enqueue finds a
        # task by name, so that no service imports a task module.
        from recruiting import tasks  # noqa: F401
