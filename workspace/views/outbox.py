"""The outbox: every message with its state, one message (read, edit) and its actions; the emails that
came back."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.models import InboundMessage, MessageTemplate, OutboundMessage
from notifications.services import freshness
from notifications.services import messages as message_services
from recruiting import calendar
from recruiting.permissions import can_act_on, can_act_on_application, team_member_ids
from workspace import forms
from workspace import selectors as ws
from workspace.signed_links import signed_links_masked
from workspace.tables import Scope
from workspace.views.common import call_service, done, page_of


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status is not None and status not in OutboundMessage.Status.values:
        raise Http404("No such status.")
    owner = request.GET.get("owner") or Scope.MINE
    if owner not in dict(Scope.CHOICES):
        raise Http404("No such owner filter.")
    scope = _owned(ws.outbox_all(), request.user, owner)
    counts = ws.outbox_counts(messages=scope)
    messages_page = page_of(ws.outbox_messages(status=status, messages=scope), request)
    # A waiting message is read as it will go: the facts behind it may have changed since it was written.
    freshness.messages_preview_fresh(messages_page.items)
    return render(
        request,
        "notifications/workspace/outbox.html",
        {
            "messages_page": messages_page,
            "status": status,
            "owner": owner,
            "owners": Scope.CHOICES,
            # The badges count what the tabs list: in this scope, hiring managers' messages included.
            "needs_a_look_count": counts[""],
            "statuses": [(value, label, counts.get(value, 0)) for value, label in OutboundMessage.Status.choices],
            "viewer_zone": viewer_time_zone(request.user),
        },
    )


def viewer_time_zone(user):
    """The zone the viewer reads times in: their profile's, else the firm's."""
    profile = getattr(user, "profile", None)
    return calendar.zone(profile.time_zone if profile is not None else None)


def _owned(messages_qs, user, owner: str):
    """Mine (the default), my team's, or everyone's: by the owner of the message's application."""
    if owner == Scope.MINE:
        return messages_qs.filter(Q(application__owner=user) | Q(pk__in=ws.chase_message_ids(owner_ids=[user.pk])))
    if owner == Scope.TEAM:
        team = team_member_ids(user)
        return messages_qs.filter(Q(application__owner_id__in=team) | Q(pk__in=ws.chase_message_ids(owner_ids=team)))
    return messages_qs


@login_required
@require_GET
def outbox_replies(request: HttpRequest) -> HttpResponse:
    """Every email that came back: replies (answerable from here), automatic answers, and rejections with
    their reason."""
    status = request.GET.get("status") or None
    if status is not None and status not in InboundMessage.Status.values:
        raise Http404("No such status.")
    return render(
        request,
        "notifications/workspace/replies.html",
        {"replies": page_of(ws.inbound_messages(status=status), request), "status": status},
    )


def _message_or_404(pk: int) -> OutboundMessage:
    return get_object_or_404(
        # What a waiting message is rendered from (freshness.py), read with it.
        OutboundMessage.objects.select_related("candidate", "application__job__client", "application__owner__profile"),
        Q(candidate__isnull=False) | Q(template_code=MessageTemplate.Code.CLIENT_CHASE),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    # Read and edited as it will go: the text the sending worker would render now (unless a person wrote it).
    freshness.messages_preview_fresh([message])
    form = forms.MessageEditForm(
        request.POST or None, initial={"subject": message.subject, "body_text": message.body_text}
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: message_services.message_edit(
                message=message,
                subject=form.cleaned_data["subject"],
                body_text=form.cleaned_data["body_text"],
                by=request.user,
            ),
        )
        if ok:
            return done(request, reverse("outbox_message", args=[pk]), "Message saved.")
    if message.application_id:
        can_act = can_act_on_application(request.user, message.application)
    elif message.candidate_id:
        can_act = can_act_on(request.user, message.candidate.owner_id)
    else:
        # A feedback request to a hiring manager: the owner of any candidate it names may act on it.
        can_act = any(can_act_on(request.user, owner) for owner in ws.client_chase_owner_ids(message=message))
    # The page is served with the signed links the user may not act on masked (workspace.signed_links):
    # such a text is read, never edited, or saving it would save the masks in place of the links.
    whole = signed_links_masked(message.body_text, viewer=request.user) == message.body_text
    return render(
        request,
        "notifications/workspace/outbox_message.html",
        {
            "message": message,
            "form": form,
            "attempts": list(message.attempt_log.all()[:50]),
            "can_act": can_act,
            "editable": whole
            and message.status
            in (OutboundMessage.Status.HELD, OutboundMessage.Status.QUEUED, OutboundMessage.Status.RETURNED),
        },
        status=400 if request.method == "POST" else 200,
    )


def _outbox_action(service: Callable[..., OutboundMessage], done_text: str):
    """A POST-only view that applies one of the outbox's message services and goes back to the message."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        message = _message_or_404(pk)
        back = reverse("outbox_message", args=[pk])
        try:
            service(message=message, by=request.user)
        except ValidationError as error:
            return done(request, back, " ".join(error.messages), messages.ERROR)
        return done(request, back, done_text)

    view.__name__ = service.__name__
    return view


outbox_send_now = _outbox_action(message_services.message_send_now, "Released: the message goes out now.")
outbox_cancel = _outbox_action(message_services.message_cancel, "Cancelled: this message will not be sent.")
outbox_retry = _outbox_action(message_services.message_retry, "Queued again: it will be sent shortly.")
