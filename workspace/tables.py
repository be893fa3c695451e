"""The workspace's lists: filters read from the URL (django-filter) and sortable, numbered tables
(django-tables2). Everything a list shows is in its URL, so a view can be bookmarked or shared."""

import django_filters
import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from recruiting import calendar
from recruiting.models import ACTIVE_STAGES, Application, Client, Job, Role, Stage
from recruiting.permissions import role_of, team_member_ids, team_view_ids
from workspace.selectors import job_ids_of
from workspace.widgets import QuickSelect, QuickSelectMixin

PER_PAGE = 25


class Scope:
    MINE, TEAM, ALL = "mine", "team", "all"
    CHOICES = [(MINE, "Mine"), (TEAM, "My team's"), (ALL, "Everyone's")]


def acting_for(user) -> set[int] | None:
    """Whose applications the user may act on: None for everyone (an admin), else the owners' ids."""
    role = role_of(user)
    if role == Role.ADMIN:
        return None
    return team_member_ids(user) if role == Role.TEAM_LEAD else {user.pk}


class AnyYesNo(QuickSelectMixin, django_filters.widgets.BooleanWidget):
    """A yes/no filter whose empty choice reads "Any" (django-filter's says "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


def _owners():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class ApplicationFilter(django_filters.FilterSet):
    """Whose (mine by default), and the stage, job, client, owner, overdue and paused filters."""

    scope = django_filters.ChoiceFilter(
        label="Whose",
        choices=Scope.CHOICES,
        method="filter_scope",
        empty_label=None,
        null_value=None,
        widget=QuickSelect,
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any live stage", widget=QuickSelect)
    job = django_filters.ModelChoiceFilter(
        queryset=Job.objects.order_by("title", "pk"), empty_label="Any job", widget=QuickSelect
    )
    client = django_filters.ModelChoiceFilter(
        field_name="job__client",
        queryset=Client.objects.order_by("name"),
        label="Client",
        empty_label="Any client",
        widget=QuickSelect,
    )
    owner = django_filters.ModelChoiceFilter(queryset=_owners(), empty_label="Anyone in the scope", widget=QuickSelect)
    overdue = django_filters.BooleanFilter(label="Overdue", method="filter_overdue", widget=AnyYesNo())
    paused = django_filters.BooleanFilter(
        label="Automated updates paused", field_name="candidate__automated_updates_paused", widget=AnyYesNo()
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, data=None, *args, user, **kwargs):
        data = data.copy() if data is not None else {}
        # Mine by default; naming an owner looks at that person's list whoever they are.
        if not data.get("scope"):
            data["scope"] = Scope.ALL if data.get("owner") else Scope.MINE
        self.user = user
        super().__init__(data, *args, **kwargs)
        for name in ("job", "client", "owner"):
            self.filters[name].field.label_from_instance = _label
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filter_scope(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # With split desks an application is also its job owner's: "Mine" lists those on one's own jobs (by
        # their ids, which the database reads through the job's index: job_ids_of).
        if value == Scope.ALL:
            return queryset
        people = {self.user.pk} if value == Scope.MINE else team_view_ids(self.user)
        return queryset.filter(Q(owner_id__in=people) | Q(job_id__in=job_ids_of(owner_ids=people)))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(next_update_due__lt=timezone.now())
        return queryset.filter(overdue if value else ~overdue)

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        # Live applications unless a stage (closed ones included) was asked for.
        if not self.form.cleaned_data.get("stage"):
            queryset = queryset.filter(stage__in=ACTIVE_STAGES)
        return queryset


def _label(obj) -> str:
    if isinstance(obj, Job):
        return obj.title
    get_full_name = getattr(obj, "get_full_name", None)
    return (get_full_name() or obj.get_username()) if get_full_name else str(obj)


def applications_listed() -> QuerySet[Application]:
    return Application.objects.select_related("candidate", "job__client", "owner").annotate(
        silent_since=Coalesce("last_informed_at", "created_at")
    )


class ApplicationTable(tables.Table):
    select = tables.Column(empty_values=(), orderable=False, verbose_name="", attrs={"td": {"class": "text-center"}})
    candidate = tables.Column(
        verbose_name="Candidate", order_by=("candidate__last_name", "candidate__first_name", "pk")
    )
    job = tables.Column(verbose_name="Job", accessor="job__title", order_by=("job__title", "pk"))
    client = tables.Column(verbose_name="Client", accessor="job__client__name", order_by=("job__client__name", "pk"))
    stage = tables.Column(verbose_name="Stage", order_by=("stage", "pk"))
    owner = tables.Column(verbose_name="Recruiter", order_by=("owner__first_name", "owner__last_name", "pk"))
    # Sorted by its days (order_silent): ascending is fewest days first, whatever the column holds.
    silent = tables.Column(verbose_name="Days silent", accessor="silent_since")
    # Soonest (most overdue) first; "no update owed" last in either direction (order_next_update_due).
    next_update_due = tables.DateTimeColumn(verbose_name="Update due", format="D j M, H:i")

    class Meta:
        model = Application
        fields = ("select", "candidate", "job", "client", "stage", "owner", "silent", "next_update_due")
        order_by = ("next_update_due",)
        attrs = {"class": "table table-sm align-middle", "id": "application-table"}
        template_name = "django_tables2/bootstrap5.html"
        empty_text = "Nothing matches these filters."

    def __init__(self, *args, may_act_for: set[int] | None, **kwargs):
        self.may_act_for = may_act_for
        self.now = timezone.now()
        super().__init__(*args, **kwargs)

    def order_silent(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        # More days silent is an older silent_since: ascending days is descending dates.
        if is_descending:
            return queryset.order_by(F("silent_since").asc(), "pk"), True
        return queryset.order_by(F("silent_since").desc(), "-pk"), True

    def order_next_update_due(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        due = F("next_update_due")
        ordered = due.desc(nulls_last=True) if is_descending else due.asc(nulls_last=True)
        return queryset.order_by(ordered, "-pk" if is_descending else "pk"), True

    def render_select(self, record: Application) -> str:
        label = f"Select {record.candidate.full_name} for {record.job.title}"
        # The application's desk or its job's (split desks: permissions.can_act_on_application).
        if self.may_act_for is None or {record.owner_id, record.job.owner_id} & self.may_act_for:
            return format_html(
                '<input class="form-check-input" type="checkbox" name="applications" value="{}" form="bulk-form" '
                'aria-label="{}">',
                record.pk,
                label,
            )
        # Shown but disabled, with the reason, rather than offered and refused on submit.
        return format_html(
            '<input class="form-check-input" type="checkbox" disabled aria-label="{}" title="{}">',
            label,
            f"Only {record.owner.get_full_name() or record.owner.get_username()}, the job's owner, their team "
            "leads or an admin can act on this one.",
        )

    def render_candidate(self, record: Application) -> str:
        link = format_html(
            '<a href="{}">{}</a>', reverse("candidate_detail", args=[record.candidate_id]), record.candidate.full_name
        )
        if record.candidate.automated_updates_paused:
            return format_html('{} <span class="badge text-bg-secondary">Updates paused</span>', link)
        return link

    def render_job(self, record: Application) -> str:
        return format_html('<a href="{}">{}</a>', reverse("job_board", args=[record.job_id]), record.job.title)

    def render_stage(self, record: Application) -> str:
        return record.get_stage_display()

    def render_owner(self, record: Application) -> str:
        return record.owner.get_full_name() or record.owner.get_username()

    def render_silent(self, value) -> str:
        return str(max(0, (self.now - value).days))

    def render_next_update_due(self, record: Application, value) -> str:
        if value is None:
            return "No update owed"
        text = calendar.moment_words(value)
        if value < self.now:
            return format_html('<span class="badge clock-overdue">Overdue</span> {}', text)
        return text


class JobFilter(django_filters.FilterSet):
    """My jobs by default, my team's or everyone's; by status and client."""

    scope = django_filters.ChoiceFilter(
        label="Whose",
        choices=Scope.CHOICES,
        method="filter_scope",
        empty_label=None,
        null_value=None,
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(choices=Job.Status.choices, empty_label="Any status", widget=QuickSelect)
    client = django_filters.ModelChoiceFilter(
        queryset=Client.objects.order_by("name"), empty_label="Any client", widget=QuickSelect
    )

    class Meta:
        model = Job
        fields: list[str] = []

    def __init__(self, data=None, *args, user, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("scope"):
            data["scope"] = Scope.MINE
        self.user = user
        super().__init__(data, *args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filter_scope(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Scope.MINE:
            return queryset.filter(owner=self.user)
        if value == Scope.TEAM:
            return queryset.filter(owner_id__in=team_view_ids(self.user))
        return queryset


class JobTable(tables.Table):
    title = tables.Column(verbose_name="Job", order_by=("title", "pk"))
    client = tables.Column(verbose_name="Client", accessor="client__name", order_by=("client__name", "pk"))
    owner = tables.Column(verbose_name="Owner", order_by=("owner__first_name", "owner__last_name", "pk"))
    status = tables.Column(verbose_name="Status", order_by=("status", "pk"))
    live = tables.Column(verbose_name="Live applications", order_by=("live", "pk"))
    overdue = tables.Column(verbose_name="Overdue", order_by=("overdue", "pk"))

    class Meta:
        model = Job
        fields = ("title", "client", "owner", "status", "live", "overdue")
        order_by = ("-overdue",)
        attrs = {"class": "table table-sm align-middle", "id": "job-table"}
        template_name = "django_tables2/bootstrap5.html"
        empty_text = "No job matches these filters."

    def render_title(self, record: Job) -> str:
        return format_html('<a href="{}">{}</a>', reverse("job_board", args=[record.pk]), record.title)

    def render_owner(self, record: Job) -> str:
        return record.owner.get_full_name() or record.owner.get_username()

    def render_status(self, record: Job) -> str:
        return record.get_status_display()

    def render_overdue(self, value: int) -> str:
        return format_html('<span class="badge clock-overdue">{}</span>', value) if value else "0"
