from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = "Candidates"

    def ready(self) -> None:
        # Registers the app's tasks in every process, web included: recruiting.task_calls.enqueue finds a
        # task by name, so that no service imports a task module.
        from candidates import tasks  # noqa: F401
