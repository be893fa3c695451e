from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health, views
from .auth_views import ThrottledPasswordResetView

handler403 = "recruiting.views.permission_denied"
handler404 = "recruiting.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
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
    path("applications/check-in/", views.applications_check_in, name="applications_check_in"),
    path("applications/<int:pk>/check-in/", views.application_check_in, name="application_check_in"),
    path("applications/<int:pk>/log-call/", views.application_log_call, name="application_log_call"),
    path("applications/<int:pk>/move/", views.application_move, name="application_move"),
    path("applications/<int:pk>/move/preview/", views.application_move_preview, name="application_move_preview"),
    path("prompts/<int:pk>/snooze/", views.prompt_snooze, name="prompt_snooze"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_board, name="job_board"),
    path("jobs/<int:pk>/stage/<str:stage>/", views.job_stage, name="job_stage"),
    path("jobs/<int:pk>/bulk-move/", views.job_bulk_move, name="job_bulk_move"),
    path("jobs/<int:pk>/close/", views.job_close, name="job_close"),
    path("jobs/<int:pk>/close/<str:close_id>/", views.job_close_progress, name="job_close_progress"),
    path("candidates/", views.candidate_list, name="candidate_list"),
    path("candidates/import/", views.candidate_import, name="candidate_import"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/preferences/", views.candidate_preferences, name="candidate_preferences"),
    path("candidates/<int:pk>/contacts/", views.candidate_contact_log, name="candidate_contact_log"),
    path("candidates/<int:pk>/email/", views.candidate_email, name="candidate_email"),
    path("candidates/<int:pk>/export/", views.candidate_export, name="candidate_export"),
    path("candidates/<int:pk>/erase/", views.candidate_erase, name="candidate_erase"),
    path("search/", views.search, name="search"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/send-now/", views.outbox_send_now, name="outbox_send_now"),
    path("outbox/<int:pk>/cancel/", views.outbox_cancel, name="outbox_cancel"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<str:code>/", views.template_edit, name="template_edit"),
    path("templates/<str:code>/preview/", views.template_preview, name="template_preview"),
    path("templates/<str:code>/reset/", views.template_reset, name="template_reset"),
    path("figures/", views.figures, name="figures"),
    path("figures.csv", views.figures_csv, name="figures_csv"),
    path("c/", include("candidates.urls")),
    path("n/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
