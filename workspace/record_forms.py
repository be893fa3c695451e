"""Forms that add and edit records in the workspace: candidates, clients, jobs, applications.

A picker is a text box with a list of suggestions fetched as the recruiter types (views/pickers.py);
the chosen suggestion ends in "#<number>", which is how the form finds the record. Typing an exact
email address (a candidate) or an exact name (a client) works too. The job a candidate is put forward
to, a time zone and a colleague are chosen from lists instead: of exactly the jobs one may use (split
desks), of the zone database. The forms only find and clean; the services decide.
"""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse, reverse_lazy

from candidates.models import Candidate
from recruiting import calendar
from recruiting.models import Application, Client, Job
from recruiting.permissions import put_forward_refusal
from recruiting.validators import time_zone_names
from workspace import selectors as ws

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


def active_users():
    return User.objects.filter(is_active=True)


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class CandidateForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.CharField(label="Email address", max_length=254)
    phone = forms.CharField(max_length=40, required=False)
    # A list of the zone database's names; the service checks the value with every other field, so that a
    # refusal names every bad field at once.
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.Select(choices=_time_zone_choices),
        help_text="Where they live: their emails go out in their business hours.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The firm's own zone unless the form was given another (a candidate's details being edited).
        self.fields["time_zone"].initial = calendar.firm_time_zone().key


def job_label(job: Job) -> str:
    owner = job.owner.get_full_name() or job.owner.get_username()
    return f"{job.title}, {job.client.name} ({owner}'s job)"


class PutForwardJobField(forms.ModelChoiceField):
    """The open jobs one may put the candidate forward to, as a list to choose from. A job sent that is not
    among them (another team's, closed meanwhile, already applied for) is refused with the reason."""

    def __init__(self, *, jobs: QuerySet[Job], refusal, **kwargs):
        self.refusal = refusal
        super().__init__(queryset=jobs, empty_label="Choose a job", **kwargs)

    def label_from_instance(self, obj) -> str:
        return job_label(obj)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            text = str(value).strip()
            job = Job.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 19 else None
            if job is None:
                raise ValidationError("Choose one of the jobs listed.") from None
            if job.status != Job.Status.OPEN:
                raise ValidationError("This job is not open for new applications.") from None
            raise ValidationError(self.refusal(job) or "Choose one of the jobs listed.") from None


def _put_forward_refusal(user, candidate: Candidate | None, candidate_owner_id: int):
    def refusal(job: Job) -> str | None:
        if candidate is not None and Application.objects.filter(candidate=candidate, job=job).exists():
            return "This candidate already has an application for this job."
        return put_forward_refusal(user, candidate_owner_id=candidate_owner_id, job_owner_id=job.owner_id)

    return refusal


def _put_forward_job_field(user, *, candidate: Candidate | None, candidate_owner_id: int, **kwargs):
    jobs = ws.jobs_to_put_forward_to(user=user, candidate_owner_id=candidate_owner_id, candidate=candidate)
    if not jobs.exists():
        # An empty list says why it is empty.
        kwargs["help_text"] = (
            put_forward_refusal(user, candidate_owner_id=candidate_owner_id, job_owner_id=candidate_owner_id)
            or "There is no open job you may put this candidate forward to."
        )
    return PutForwardJobField(jobs=jobs, refusal=_put_forward_refusal(user, candidate, candidate_owner_id), **kwargs)


class CandidateNewForm(CandidateForm):
    """A new candidate, owned by `user`, optionally put forward at once to a job they may use."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"] = _put_forward_job_field(
            user, candidate=None, candidate_owner_id=user.pk, required=False, label="Put forward for a job (optional)"
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
    """From the candidate's page: which job, among those `user` may put this candidate forward to."""

    dont_notify = forms.BooleanField(label="Don't email the candidate an acknowledgment", required=False)

    def __init__(self, *args, user, candidate: Candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "job": _put_forward_job_field(user, candidate=candidate, candidate_owner_id=candidate.owner_id),
            **self.fields,
        }


class ApplicationOfCandidateForm(forms.Form):
    """From the job's board: which candidate, among those of the desks `user` acts for."""

    candidate = PickerField(
        picker="candidates",
        queryset_fn=_candidates,
        exact={"email": "iexact"},
        missing="Choose a candidate from the suggestions, or add them first.",
    )
    dont_notify = forms.BooleanField(label="Don't email the candidate an acknowledgment", required=False)

    def __init__(self, *args, user, job: Job, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.job = user, job
        # The suggestions are the candidates one may put forward to this job.
        self.fields["candidate"].widget.attrs["hx-get"] = f"{reverse('picker', args=['candidates'])}?for_job={job.pk}"

    def clean_candidate(self):
        candidate = self.cleaned_data["candidate"]
        refusal = put_forward_refusal(self.user, candidate_owner_id=candidate.owner_id, job_owner_id=self.job.owner_id)
        if refusal is not None:
            raise ValidationError(refusal)
        return candidate
