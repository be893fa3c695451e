"""The hiring manager's one-click answer page: reached by the signed link in a chase, no login.

GET shows the question and never changes anything; the POST records the answer through the pipeline's
service. A tampered link answers 404, an expired one 410 and an answered or superseded one 410, each
with a plain sentence. The manager sees the candidate's name and the job, never their contact details.
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from recruiting.client_links import ClientAnswerLink, client_answer_link_read
from recruiting.models import ClientAnswerKind
from recruiting.ratelimit import client_address, over_limit
from recruiting.services.client_answers import ClientAnswerRefused, client_answer_record, client_question_read

WINDOW_SECONDS = 60 * 60
REFUSED_TEMPLATE = "clients/answer_refused.html"
TAMPERED = "This link does not work: it may have been copied only in part. Please open it again from the email."
EXPIRED = "This link has expired. Simply reply to the email, or call your recruiter, and they will take your answer."


class ClientAnswerForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ClientAnswerKind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Your answer",
    )
    next_step = forms.CharField(
        required=False,
        max_length=200,
        label="Next step (for move forward)",
        help_text="For example, a second interview.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    next_step_date = forms.DateField(
        required=False,
        label="Date (the next step, or until when you need time)",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason (for not a fit, optional)",
        help_text="The recruiter may pass it on to the candidate, kindly worded.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


def _post_allowed(request: HttpRequest, token: str) -> bool:
    limit = settings.INLOOP_CANDIDATE_POSTS_PER_HOUR
    token_key = "inloop:client-answer:token:" + hashlib.sha256(token.encode()).hexdigest()
    address_key = "inloop:client-answer:ip:" + client_address(request)
    over_token = over_limit(token_key, limit=limit, window_seconds=WINDOW_SECONDS)
    over_address = over_limit(address_key, limit=5 * limit, window_seconds=WINDOW_SECONDS)
    return not (over_token or over_address)


def _refused(request: HttpRequest, sentence: str, status: int) -> HttpResponse:
    return render(request, REFUSED_TEMPLATE, {"sentence": sentence}, status=status)


def _link(token: str) -> tuple[ClientAnswerLink | None, str, int]:
    """The link, or why not in a sentence and the status to answer with."""
    try:
        return client_answer_link_read(token), "", 200
    except signing.SignatureExpired:
        return None, EXPIRED, 410
    except signing.BadSignature:
        return None, TAMPERED, 404


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def client_answer(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and not _post_allowed(request, token):
        response = _refused(request, "Too many answers from here this hour. Please try again later.", 429)
        response["Retry-After"] = str(WINDOW_SECONDS)
        return response
    link, sentence, status = _link(token)
    if link is None:
        return _refused(request, sentence, status)
    try:
        question = client_question_read(link=link)
    except ClientAnswerRefused as refusal:
        return _refused(request, str(refusal), 410)
    form = ClientAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answer = client_answer_record(
                link=link,
                kind=data["kind"],
                next_step=data["next_step"],
                next_step_date=data["next_step_date"],
                reason=data["reason"],
            )
        except ClientAnswerRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return render(request, "clients/answer_done.html", {"question": question, "answer": answer})
    return render(request, "clients/answer.html", {"question": question, "form": form})
