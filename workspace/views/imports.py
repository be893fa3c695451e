"""CSV imports in the background: upload, a progress page that refreshes itself until the worker is done,
and the refused rows as a CSV download. Only the uploader (or an admin) sees an import."""

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from candidates.models import CandidateImport
from candidates.services import import_runs
from workspace import selectors as ws
from workspace.views.common import call_service, is_htmx

REFUSED_SHOWN = 100
# The open jobs listed on the upload page with the number a file may name them by.
JOBS_SHOWN = 200


class ImportUploadForm(django_forms.Form):
    file = django_forms.FileField(label="CSV file", help_text="UTF-8, first row the column names; at most 20 MB.")


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    # Bound on every POST: an empty one (no file chosen) must say so, not show the blank form again.
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > import_runs.UPLOAD_MAX_BYTES:
            form.add_error("file", "The file is larger than 20 MB; split it into smaller files.")
        else:
            ok, run = call_service(
                form,
                lambda: import_runs.candidate_import_start(
                    content=upload.read(), file_name=upload.name or "", by=request.user
                ),
            )
            if ok:
                return redirect("import_progress", pk=run.pk)
    status = 400 if form.errors else 200
    jobs = list(ws.jobs_open_for_import()[: JOBS_SHOWN + 1])
    context = {"form": form, "jobs": jobs[:JOBS_SHOWN], "more_jobs": len(jobs) > JOBS_SHOWN}
    return render(request, "workspace/import_new.html", context, status=status)


@login_required
@require_GET
def import_moved(request: HttpRequest) -> HttpResponse:
    """The address of the import page before imports ran in the background: bookmarks land on the one page."""
    return redirect("import_new", permanent=True)


def _import_or_404(request: HttpRequest, pk: int) -> CandidateImport:
    run = get_object_or_404(CandidateImport.objects.defer("content"), pk=pk)
    import_runs.ensure_can_see_import(request.user, run)
    return run


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = _import_or_404(request, pk)
    template = "workspace/_import_status.html" if is_htmx(request) else "workspace/import_progress.html"
    context = {"run": run, "refused": run.refused[:REFUSED_SHOWN], "refused_count": len(run.refused)}
    return render(request, template, context)


@login_required
@require_GET
def import_refused_csv(request: HttpRequest, pk: int) -> HttpResponse:
    run = _import_or_404(request, pk)
    response = HttpResponse(import_runs.refused_rows_csv(run=run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-refused-rows.csv"'
    return response
