"""Message templates: the list, editing with a live preview on a real application, going back to ours."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import rendering
from notifications.models import MessageTemplate
from notifications.services import channels
from notifications.services import templates as template_services
from recruiting.models import Application, Role
from recruiting.permissions import role_of, team_member_ids
from workspace import forms
from workspace.views.common import call_service, done, ids_from, page_of

# Emails to the firm's people, not about one application: no preview with a candidate's application.
STAFF_ONLY = (MessageTemplate.Code.DIGEST, MessageTemplate.Code.WEBHOOK_SWITCHED_OFF)


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = page_of(MessageTemplate.objects.select_related("updated_by").order_by("code"), request, size=50)
    return render(request, "notifications/workspace/template_list.html", {"templates": templates})


def _preview_application(request: HttpRequest) -> Application | None:
    """The real application a preview is rendered with: the one asked for, else the user's latest.

    Only applications the user may act on: a preview carries the candidate's own signed links.
    """
    applications = Application.objects.select_related("candidate", "job__client", "owner").order_by("-created_at")
    if role_of(request.user) != Role.ADMIN:
        applications = applications.filter(owner_id__in=team_member_ids(request.user))
    wanted = ids_from([request.POST.get("application") or request.GET.get("application") or ""])
    if wanted:
        return applications.filter(pk=wanted[0]).first()
    return applications.filter(owner=request.user).first() or applications.first()


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, code: str) -> HttpResponse:
    template = get_object_or_404(MessageTemplate, code=code)
    form = forms.TemplateEditForm(
        request.POST or None,
        initial={"subject": template.subject, "body_text": template.body_text, "sms_body": template.sms_body},
    )
    if template.code in channels.NOT_BY_TEXT:
        del form.fields["sms_body"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: template_services.template_update(
                template=template,
                subject=data["subject"],
                body_text=data["body_text"],
                # A post without the box (or a kind without texts) leaves the text message as it is.
                sms_body=data.get("sms_body") if "sms_body" in request.POST else None,
                by=request.user,
            ),
        )
        if ok:
            return done(request, reverse("template_edit", args=[code]), "Template saved.")
    application = _preview_application(request)
    preview, problems = _template_preview(request, template, application, form.data or form.initial)
    return render(
        request,
        "notifications/workspace/template_edit.html",
        {
            "template": template,
            "form": form,
            "fields": rendering.fields_for_code(code),
            "application": application,
            "preview": preview,
            "problems": problems,
            **_sms_preview(template, application, form.data or form.initial),
        },
        status=400 if request.method == "POST" else 200,
    )


def _template_preview(
    request: HttpRequest, template: MessageTemplate, application: Application | None, data
) -> tuple[Any, list[str]]:
    if application is None or template.code in STAFF_ONLY:
        return None, []
    try:
        preview = template_services.template_preview(
            application=application,
            template_code=template.code,
            subject=data.get("subject", ""),
            body_text=data.get("body_text", ""),
        )
    except ValidationError as error:
        return None, error.messages
    return preview, []


def _sms_preview(template: MessageTemplate, application: Application | None, data) -> dict[str, Any]:
    """The text message's preview: its text, encoding and segments, or what is wrong with it."""
    sms_body = (data.get("sms_body") or "").strip()
    if application is None or template.code in channels.NOT_BY_TEXT or not sms_body:
        return {}
    try:
        text, size = channels.sms_preview(application=application, template_code=template.code, sms_body=sms_body)
    except ValidationError as error:
        return {"sms_problems": error.messages}
    return {"sms_text": text, "sms_size": size}


@login_required
@require_POST
def template_reset(request: HttpRequest, code: str) -> HttpResponse:
    """Put back the text we ship for this template."""
    template = get_object_or_404(MessageTemplate, code=code)
    template_services.template_reset(template=template, by=request.user)
    return done(request, reverse("template_edit", args=[code]), "Our original text is back.")


@login_required
@require_POST
def template_preview(request: HttpRequest, code: str) -> HttpResponse:
    """Live preview while a template is edited (htmx): the unsaved text rendered with a real application."""
    template = get_object_or_404(MessageTemplate, code=code)
    application = _preview_application(request)
    preview, problems = _template_preview(request, template, application, request.POST)
    return render(
        request,
        "notifications/workspace/_template_preview.html",
        {
            "preview": preview,
            "problems": problems,
            "application": application,
            "template": template,
            **_sms_preview(template, application, request.POST),
        },
    )
