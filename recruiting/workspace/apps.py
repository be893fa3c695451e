from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "recruiting.workspace"
    label = "workspace"
    verbose_name = "Recruiter workspace"
