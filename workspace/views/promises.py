"""A promised next-step date set, changed or withdrawn mid-stage, from the candidate page or the board."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from notifications.services import promises
from recruiting import calendar, services
from recruiting.models import Application
from recruiting.permissions import ensure_can_act_on_application
from workspace import forms
from workspace.views.common import call_service, done, form_page


def _outcome(application: Application, data: dict, message) -> str:
    when = data["next_step_date"]
    said = f"Next step expected by {calendar.day_words(when)}" if when else "The promised date is withdrawn"
    if message is None:
        return f"{said} for {application.candidate}; their clock follows it."
    state = message.get_status_display().lower()
    return f"{said} for {application.candidate}; the email telling them is in the outbox ({state})."


@login_required
@require_http_methods(["GET", "POST"])
def application_promise(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("candidate", "job__client", "owner"), pk=pk)
    ensure_can_act_on_application(request.user, application)
    if request.method == "POST":
        form = forms.PromiseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            key = f"promise:{application.pk}:{data['send_token']}"
            # The same form sent twice: the date is set and its email queued already.
            ok = promises.promise_message(idempotency_key=key) is not None
            if not ok:
                ok, _ = call_service(
                    form,
                    lambda: services.application_promise(
                        application=application,
                        next_step_date=data["next_step_date"],
                        by=request.user,
                        note=data["note"],
                        tell_candidate=data["tell_candidate"],
                        idempotency_key=key,
                    ),
                )
            if ok:
                back = reverse("candidate_detail", args=[application.candidate_id])
                message = promises.promise_message(idempotency_key=key)
                return done(request, back, _outcome(application, data, message))
    else:
        form = forms.PromiseForm(initial={"next_step_date": application.promised_next_step_date})
    return form_page(request, "workspace/application_promise.html", {"form": form, "application": application})
