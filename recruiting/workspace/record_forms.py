"""Forms that add and edit records in the workspace: candidates, clients, jobs, applications.

A picker is a text box with a list of suggestions fetched as the recruiter types (views/pickers.py);
the chosen suggestion ends in "#<number>", which is how the form finds the record. Typing an exact
email address (a candidate) or an exact name (a client) works too. The forms only find and clean; the
services decide.
"""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse_lazy

from candidates.models import Candidate
from recruiting.models import Client, Job

User = get_user_model()

_ID = re.compile(r"#(\d{1,18})\s*$")


def picked(queryset: QuerySet, value: str, *, exact: dict[str, str] | None = None) -> Model | None:
    """The record a picker's text names: by its "#<number>" ending, or by one exact field match."""
    value = value.strip()
    match = _ID.search(value)
    if match:
        return queryset.filter(pk=int(match.group(1))).first()
    for field, lookup in (exact or {}).items():
        found = list(queryset.filter(**{f"{field}__{lookup}": value})[:2])
        if len(found) == 1:
            return found[0]
    return None


def user_label(user) -> str:
    return f"{user.get_full_name() or user.get_username()} #{user.pk}"


class PickerField(forms.CharField):
    """A text box that names one record (see the module's docstring)."""

    def __init__(self, *, picker: str, queryset_fn, exact=None, missing: str, **kwargs):
        self.picker, self.queryset_fn, self.exact, self.missing = picker, queryset_fn, exact or {}, missing
        super().__init__(max_length=400, **kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "off",
                "list": f"{picker}-options",
                "hx-get": reverse_lazy("picker", args=[picker]),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{picker}-options",
                "hx-swap": "innerHTML",
            }
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = picked(self.queryset_fn(), value, exact=self.exact)
        if found is None:
            raise ValidationError(self.missing)
        return found


def _candidates():
    return Candidate.objects.filter(erased_at__isnull=True)


def _open_jobs():
    return Job.objects.filter(status=Job.Status.OPEN).select_related("client")


def active_users():
    return User.objects.filter(is_active=True)


class CandidateForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.CharField(label="Email address", max_length=254)
    phone = forms.CharField(max_length=40, required=False)
    time_zone = forms.CharField(
        label="Time zone", max_length=64, initial="UTC", help_text="Where they live, e.g. Europe/Paris."
    )


class CandidateNewForm(CandidateForm):
    job = PickerField(
        picker="jobs",
        queryset_fn=_open_jobs,
        required=False,
        label="Put forward for a job (optional)",
        missing="Choose an open job from the suggestions.",
    )


class ClientForm(forms.Form):
    name = forms.CharField(max_length=200)
    industry = forms.CharField(
        label="Sector", max_length=100, required=False, help_text="Shown to candidates while the client is hidden."
    )
    name_visible_before_submission = forms.BooleanField(
        label="Candidates may see the client's name before they are submitted",
        required=False,
        help_text="Leave unticked for a confidential search.",
    )


class JobForm(forms.Form):
    title = forms.CharField(max_length=200)
    client = PickerField(
        picker="clients",
        queryset_fn=Client.objects.all,
        exact={"name": "iexact"},
        missing="Choose a client from the suggestions, or add the client first.",
    )
    location = forms.CharField(max_length=200, required=False)
    owner = PickerField(
        picker="users",
        queryset_fn=active_users,
        exact={"username": "iexact", "email": "iexact"},
        required=False,
        label="Owner",
        help_text="Leave empty to own it yourself.",
        missing="Choose a colleague from the suggestions.",
    )


class JobEditForm(JobForm):
    status = forms.ChoiceField(choices=[(s, Job.Status(s).label) for s in ("open", "on_hold", "filled")])


class ApplicationToJobForm(forms.Form):
    """From the candidate's page: which job."""

    job = PickerField(picker="jobs", queryset_fn=_open_jobs, missing="Choose an open job from the suggestions.")
    dont_notify = forms.BooleanField(label="Don't email the candidate an acknowledgment", required=False)


class ApplicationOfCandidateForm(forms.Form):
    """From the job's board: which candidate."""

    candidate = PickerField(
        picker="candidates",
        queryset_fn=_candidates,
        exact={"email": "iexact"},
        missing="Choose a candidate from the suggestions, or add them first.",
    )
    dont_notify = forms.BooleanField(label="Don't email the candidate an acknowledgment", required=False)
