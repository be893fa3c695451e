"""The admin of what the keep-in-the-loop clock is computed from (stage policies and firm holidays): an
edit or a deletion recomputes every active application's clock in a worker after it commits.
"""

from django.contrib import admin, messages
from django.http import HttpRequest

from recruiting.models import FirmHoliday, StagePolicy
from recruiting.selectors import stage_default_hold_minutes, stage_hold_minutes
from recruiting.task_calls import TaskCall, enqueue_on_commit


class ClockRuleAdmin(admin.ModelAdmin):
    """Stage policies and firm holidays move every active application's clock: an edit of what the clock
    is computed from (`clock_fields`), or a deletion, recomputes them in a worker after it commits."""

    clock_fields: frozenset[str] = frozenset()

    def _recompute(self, request: HttpRequest, label: str, pk: int, reason: str) -> None:
        enqueue_on_commit(TaskCall("recruiting.tasks.clocks_recompute_run", args=(request.user.pk, label, pk, reason)))
        self.message_user(
            request, "The next-update dates of every active application are being recomputed.", messages.INFO
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not self.clock_fields.intersection(form.changed_data):
            return
        self._recompute(request, obj._meta.label_lower, obj.pk, f"{obj._meta.verbose_name} saved: {obj}")

    def delete_model(self, request, obj):
        label, pk, text = obj._meta.label_lower, obj.pk, str(obj)
        super().delete_model(request, obj)
        self._recompute(request, label, pk, f"{obj._meta.verbose_name} deleted: {text}")

    def delete_queryset(self, request, queryset):
        rows = [(row._meta.label_lower, row.pk, str(row)) for row in queryset]
        super().delete_queryset(request, queryset)
        if rows:
            label, pk, _ = rows[0]
            names = ", ".join(text for _, _, text in rows)
            self._recompute(request, label, pk, f"{self.model._meta.verbose_name_plural} deleted: {names}")


@admin.register(StagePolicy)
class StagePolicyAdmin(ClockRuleAdmin):
    # The escalate-after days space the schedule's steps, so they move the clock too.
    clock_fields = frozenset(
        {"stage", "max_silent_business_days", "grace_business_days", "escalate_after_business_days"}
    )
    list_display = (
        "stage",
        "max_silent_business_days",
        "grace_business_days",
        "escalate_after_business_days",
        "feedback_due_business_days",
        "notify_candidate",
        "template_code",
        "hold",
    )
    list_filter = ("notify_candidate",)
    readonly_fields = ("stage_default_hold",)

    @admin.display(description="hold (minutes)")
    def hold(self, obj: StagePolicy) -> str:
        minutes = stage_hold_minutes(obj.stage, obj)
        return str(minutes) if obj.hold_minutes is not None else f"{minutes} (the stage's default)"

    @admin.display(description="the stage's default hold (minutes)")
    def stage_default_hold(self, obj: StagePolicy | None) -> str:
        if obj is None or not obj.stage:
            return f"{stage_default_hold_minutes('')}; {stage_default_hold_minutes('rejected')} for rejections"
        return str(stage_default_hold_minutes(obj.stage))


@admin.register(FirmHoliday)
class FirmHolidayAdmin(ClockRuleAdmin):
    clock_fields = frozenset({"date"})
    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)
