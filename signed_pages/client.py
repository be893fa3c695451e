"""The hiring manager's one-click answer page: reached by the signed link in a chase, no login.

GET shows the question and never changes anything; the POST records the answer through the pipeline's
service. A tampered link answers 404, an expired one 410 and an answered or superseded one 410, each
with a plain sentence; for a while after answering, the same link shows the answer given and corrects
it. The manager sees the candidate's name and the job, never their contact details.

Each answer's own fields show once it is chosen, with CSS alone (the CSP allows no inline script, and the
page works without any script): every field is in the form, and the service keeps only the chosen
answer's.
"""

import hashlib
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from recruiting.client_links import ClientAnswerLink, client_answer_link_read
from recruiting.models import ClientAnswer, ClientAnswerKind
from recruiting.ratelimit import client_address, over_limit
from recruiting.services.client_answers import (
    ClientAnswerRefused,
    client_answer_record,
    client_question_read,
    correction_deadline,
)

WINDOW_SECONDS = 60 * 60
REFUSED_TEMPLATE = "clients/answer_refused.html"
TAMPERED = "This link does not work: it may have been copied only in part. Please open it again from the email."
EXPIRED = "This link has expired. Simply reply to the email, or call your recruiter, and they will take your answer."


class ClientAnswerForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ClientAnswerKind.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input answer-choice"}),
        label="Your answer",
    )
    next_step = forms.CharField(
        required=False,
        max_length=200,
        label="Next step",
        help_text="For example, a second interview.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    next_step_date = forms.DateField(
        required=False,
        label="Date of the next step (optional)",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    more_time_until = forms.DateField(
        required=False,
        label="Until when you need time",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason (optional)",
        help_text="The recruiter may pass it on to the candidate, kindly worded.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    # The fields shown under each answer, in order (the template lays them out from this).
    FIELDS_OF = {
        ClientAnswerKind.MOVE_FORWARD: ("next_step", "next_step_date"),
        ClientAnswerKind.MORE_TIME: ("more_time_until",),
        ClientAnswerKind.NOT_A_FIT: ("reason",),
    }

    def answer_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(kind.value, [self[name] for name in names]) for kind, names in self.FIELDS_OF.items()]

    def chosen_date(self) -> date | None:
        """The one date the chosen answer gives: its next step's, or until when the manager needs time."""
        data = self.cleaned_data
        return data["more_time_until"] if data["kind"] == ClientAnswerKind.MORE_TIME else data["next_step_date"]


def _initial(answer: ClientAnswer) -> dict:
    """The form filled with the answer the link gave, for its correction."""
    return {
        "kind": answer.kind,
        "next_step": answer.next_step,
        "next_step_date": answer.next_step_date if answer.kind == ClientAnswerKind.MOVE_FORWARD else None,
        "more_time_until": answer.next_step_date if answer.kind == ClientAnswerKind.MORE_TIME else None,
        "reason": answer.reason,
    }


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
    if request.method == "POST":
        form = ClientAnswerForm(request.POST)
    else:
        form = ClientAnswerForm(initial=_initial(question.answer) if question.answer else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answer = client_answer_record(
                link=link,
                kind=data["kind"],
                next_step=data["next_step"],
                next_step_date=form.chosen_date(),
                reason=data["reason"],
            )
        except ClientAnswerRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            context = {
                "question": question,
                "answer": answer,
                "corrected": question.answer is not None,
                "correctable_until": correction_deadline(answer),
            }
            return render(request, "clients/answer_done.html", context)
    return render(request, "clients/answer.html", {"question": question, "form": form})
