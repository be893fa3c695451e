from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.main import urls as api_urls
from inloop import health
from workspace.auth import LoginForm, ThrottledPasswordResetView
from workspace.views import (
    branding,
    candidates,
    clients,
    figures,
    home,
    imports,
    jobs,
    lists,
    outbox,
    pickers,
    promises,
    records,
    team,
    templates,
    trends,
)

handler403 = "workspace.views.common.permission_denied"
handler404 = "workspace.views.common.page_not_found"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", branding.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
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
    path("applications/<int:pk>/promise/", promises.application_promise, name="application_promise"),
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
    # The old address of the import page: the import runs in the background now, from one page.
    path("candidates/import/", imports.import_moved, name="candidate_import_moved"),
    path("candidates/<int:pk>/", candidates.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/preferences/", candidates.candidate_preferences, name="candidate_preferences"),
    path("candidates/<int:pk>/texts/", candidates.candidate_texts, name="candidate_texts"),
    path("candidates/<int:pk>/contacts/", candidates.candidate_contact_log, name="candidate_contact_log"),
    path("candidates/<int:pk>/email/", candidates.candidate_email, name="candidate_email"),
    path("candidates/<int:pk>/export/", candidates.candidate_export, name="candidate_export"),
    path("candidates/<int:pk>/erase/", candidates.candidate_erase, name="candidate_erase"),
    path("search/", candidates.search, name="search"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/replies/", outbox.outbox_replies, name="outbox_replies"),
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
    path("figures/weeks/", trends.figure_trends, name="figure_trends"),
    path("figures/weeks.csv", trends.figure_trends_csv, name="figure_trends_csv"),
    # Adding and editing records (workspace/views/records.py) and the pickers' suggestions.
    path("candidates/new/", records.candidate_new, name="candidate_new"),
    path("candidates/<int:pk>/edit/", records.candidate_edit, name="candidate_edit"),
    path("candidates/<int:pk>/add-to-job/", records.candidate_application_add, name="candidate_application_add"),
    path("clients/new/", records.client_new, name="client_new"),
    path("clients/<int:pk>/edit/", records.client_edit, name="client_edit"),
    path("jobs/new/", records.job_new, name="job_new"),
    path("jobs/<int:pk>/edit/", records.job_edit, name="job_edit"),
    path("jobs/<int:pk>/add-candidate/", records.job_application_add, name="job_application_add"),
    path("pick/<str:kind>/", pickers.picker, name="picker"),
    path("pipeline/", lists.application_list, name="application_list"),
    path("pipeline/act/", lists.applications_bulk, name="applications_bulk"),
    path("pipeline/jobs/", lists.job_table, name="job_table"),
    path("team/", team.team, name="team"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:pk>/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/refused.csv", imports.import_refused_csv, name="import_refused_csv"),
    path("firm/logo", branding.firm_logo, name="firm_logo"),
    path("firm/theme.css", branding.firm_theme, name="firm_theme"),
    path("prompts/<int:pk>/take-over/", team.prompt_take_over, name="prompt_take_over"),
    path("prompts/<int:pk>/reassign/", team.prompt_reassign, name="prompt_reassign"),
    path("c/", include("signed_pages.urls")),
    path("n/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    # The REST API (api/).
    path("api/v1/", api_urls()),
]
