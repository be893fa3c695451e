from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health
from .auth_views import ThrottledPasswordResetView
from .workspace.views import candidates, clients, figures, home, jobs, outbox, templates

handler403 = "recruiting.workspace.views.common.permission_denied"
handler404 = "recruiting.workspace.views.common.page_not_found"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The workspace.
    path("applications/check-in/", home.applications_check_in, name="applications_check_in"),
    path("applications/<int:pk>/check-in/", home.application_check_in, name="application_check_in"),
    path("applications/<int:pk>/log-call/", home.application_log_call, name="application_log_call"),
    path("applications/<int:pk>/move/", jobs.application_move, name="application_move"),
    path("applications/<int:pk>/move/preview/", jobs.application_move_preview, name="application_move_preview"),
    path("prompts/<int:pk>/snooze/", home.prompt_snooze, name="prompt_snooze"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<int:pk>/", jobs.job_board, name="job_board"),
    path("jobs/<int:pk>/stage/<str:stage>/", jobs.job_stage, name="job_stage"),
    path("jobs/<int:pk>/bulk-move/", jobs.job_bulk_move, name="job_bulk_move"),
    path("jobs/<int:pk>/close/", jobs.job_close, name="job_close"),
    path("jobs/<int:pk>/close/<str:close_id>/", jobs.job_close_progress, name="job_close_progress"),
    path("clients/<int:pk>/contacts/", clients.client_contacts, name="client_contacts"),
    path(
        "applications/<int:pk>/client-promise/", clients.application_client_promise, name="application_client_promise"
    ),
    path("candidates/", candidates.candidate_list, name="candidate_list"),
    path("candidates/import/", candidates.candidate_import, name="candidate_import"),
    path("candidates/<int:pk>/", candidates.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/preferences/", candidates.candidate_preferences, name="candidate_preferences"),
    path("candidates/<int:pk>/contacts/", candidates.candidate_contact_log, name="candidate_contact_log"),
    path("candidates/<int:pk>/email/", candidates.candidate_email, name="candidate_email"),
    path("candidates/<int:pk>/export/", candidates.candidate_export, name="candidate_export"),
    path("candidates/<int:pk>/erase/", candidates.candidate_erase, name="candidate_erase"),
    path("search/", candidates.search, name="search"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:pk>/", outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/send-now/", outbox.outbox_send_now, name="outbox_send_now"),
    path("outbox/<int:pk>/cancel/", outbox.outbox_cancel, name="outbox_cancel"),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox_retry"),
    path("templates/", templates.template_list, name="template_list"),
    path("templates/<str:code>/", templates.template_edit, name="template_edit"),
    path("templates/<str:code>/preview/", templates.template_preview, name="template_preview"),
    path("templates/<str:code>/reset/", templates.template_reset, name="template_reset"),
    path("figures/", figures.figures, name="figures"),
    path("figures.csv", figures.figures_csv, name="figures_csv"),
    path("c/", include("candidates.urls")),
    path("n/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
