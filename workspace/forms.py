"""Workspace forms. They only collect and clean input; the services decide and refuse."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from candidates.models import Candidate
from candidates.services.texts import RECRUITER_CONSENT_WAYS
from notifications.rendering import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from recruiting.models import ContactEvent, Stage, allowed_transitions
from recruiting.validators import ComingDateField


class DateInput(forms.DateInput):
    input_type = "date"


class BoundedDateField(ComingDateField):
    """Every date typed in the workspace is for something still to come: one set of bounds for all."""

    widget = DateInput


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(label="Move to")
    next_step_date = BoundedDateField(
        what="promised next-step date",
        label="Next step promised for",
        required=False,
        help_text="The date you told the candidate to expect news by. Leave empty if you did not promise one.",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    dont_notify = forms.BooleanField(
        label="Don't email the candidate about this move",
        required=False,
        help_text="Use this when you have told them yourself (then log the call) or the move is a correction.",
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        self.fields["to_stage"].choices = [(s, Stage(s).label) for s in allowed_transitions(application.stage)]


class BulkMoveForm(forms.Form):
    applications = forms.TypedMultipleChoiceField(
        coerce=int, label="Applications", error_messages={"required": "Tick at least one card to move."}
    )
    to_stage = forms.ChoiceField(label="Move the ticked cards to", choices=Stage.choices)
    note = forms.CharField(label="Note", required=False, max_length=2000)
    dont_notify = forms.BooleanField(label="Don't email the candidates", required=False)

    def __init__(self, *args, application_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [(pk, pk) for pk in application_ids]


class JobCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Every live application becomes",
        choices=[(Stage.REJECTED, "Rejected: the role is closed"), (Stage.WITHDRAWN, "Withdrawn")],
        widget=forms.RadioSelect,
        initial=Stage.REJECTED,
    )
    dont_notify = forms.BooleanField(
        label="Don't email the candidates",
        required=False,
        help_text="By default each candidate gets the message for their stage (held so you can still review it).",
    )
    confirm = forms.BooleanField(label="Yes, close this job", error_messages={"required": "Tick the box to confirm."})


class ContactLogForm(forms.Form):
    application = forms.TypedChoiceField(coerce=int, label="About the application")
    channel = forms.ChoiceField(choices=ContactEvent.Channel.choices, initial=ContactEvent.Channel.PHONE)
    direction = forms.ChoiceField(choices=ContactEvent.Direction.choices, initial=ContactEvent.Direction.OUTBOUND)
    summary = forms.CharField(
        label="What was said", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [(a.pk, str(a.job)) for a in applications]


class QuickCallForm(forms.Form):
    summary = forms.CharField(label="What you told them", required=False, max_length=4000)


class SnoozeForm(forms.Form):
    until = BoundedDateField(label="Can wait until")
    reason = forms.CharField(label="Why it can wait", max_length=300)


class PreferencesForm(forms.Form):
    automated_updates_paused = forms.BooleanField(
        label="Pause automated updates", required=False, help_text="Personal emails and calls are still allowed."
    )
    do_not_contact = forms.BooleanField(
        label="Do not contact", required=False, help_text="No messages at all, and no reminders to contact them."
    )
    reason = forms.CharField(label="Why", required=False, max_length=300)


class TextsForm(forms.Form):
    """The candidate's mobile number and channel; turning texts on records how they agreed."""

    mobile = forms.CharField(label="Mobile number", max_length=40, required=False)
    channel = forms.ChoiceField(label="Automated messages by", choices=Candidate.Channel.choices)
    consent_how = forms.ChoiceField(
        label="They agreed to texts",
        required=False,
        choices=[("", "Already recorded (or not needed)"), *[(how.value, how.label) for how in RECRUITER_CONSENT_WAYS]],
        help_text="Texts go only with their consent: say how they gave it.",
    )
    consent_note = forms.CharField(label="Consent note", max_length=300, required=False)


class PersonalEmailForm(forms.Form):
    # A fresh token per form shown: sending the same form twice queues one email.
    send_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    application = forms.TypedChoiceField(coerce=int, label="About the application")
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}), max_length=BODY_MAX_LENGTH)
    # The candidate's email this one answers ("Answer by email"): it goes in the same thread.
    answering = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [(a.pk, str(a.job)) for a in applications]


class PromiseForm(forms.Form):
    # A fresh token per form shown: sending the same form twice queues one email.
    send_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    next_step_date = BoundedDateField(
        what="promised next-step date",
        label="Next step expected by",
        required=False,
        widget=DateInput,
        help_text="The date you were given (say, the client decides by Friday). Leave empty to withdraw it.",
    )
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    tell_candidate = forms.BooleanField(
        label="Tell the candidate by email",
        required=False,
        help_text="Queues a short email (held, so you can still read it) saying when to expect news.",
    )


class MessageEditForm(forms.Form):
    subject = forms.CharField(max_length=SUBJECT_MAX_LENGTH)
    body_text = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 12}), max_length=BODY_MAX_LENGTH)


class TemplateEditForm(forms.Form):
    subject = forms.CharField(max_length=SUBJECT_MAX_LENGTH)
    body_text = forms.CharField(
        max_length=BODY_MAX_LENGTH,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Written once: the HTML part is made from it. A blank line starts a paragraph, links work "
        "as typed, and *words between asterisks* are emphasised.",
    )
    sms_body = forms.CharField(
        required=False,
        max_length=1000,
        label="Text message",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For candidates who hear from us by text: short, on one line. The status link is shortened. "
        "Leave it empty to send this kind by email only.",
    )


class HiringManagerForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    time_zone = forms.CharField(
        max_length=64, help_text="Where they work, such as Europe/London: chases go out in their business hours."
    )
    do_not_email = forms.BooleanField(required=False, label="Never chase by email (call instead)")


class ClientPromiseForm(forms.Form):
    promised_date = BoundedDateField(
        what="date the client promised",
        label="The client promised its answer by",
        widget=DateInput,
        help_text="We chase the hiring manager the next business morning if no answer came by then.",
    )
    note = forms.CharField(label="Note", required=False, max_length=300)


class ApiKeyForm(forms.Form):
    """A new API key: the user it acts as, and a name saying what uses it."""

    user = forms.ModelChoiceField(queryset=None, label="Acts as", help_text="The key has this person's permissions.")
    name = forms.CharField(max_length=100, help_text="What uses the key, e.g. “Bullhorn sync”.")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class WebhookForm(forms.Form):
    """A webhook subscription: where to deliver, which events, and (when editing) whether it is on."""

    url = forms.URLField(max_length=500, label="Address", assume_scheme="https")
    event_types = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Events")
    active = forms.BooleanField(required=False, label="Switched on")

    def __init__(self, *args, event_types, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(kind, kind) for kind in event_types]
        if not editing:
            del self.fields["active"]
