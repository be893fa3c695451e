from django.apps import AppConfig


class InloopConfig(AppConfig):
    name = "inloop"
    verbose_name = "Inloop"

    def ready(self) -> None:
        # Who listens to which of the pipeline's events (inloop/subscriptions.py), once per process.
        from inloop.subscriptions import subscriptions_install

        subscriptions_install()
