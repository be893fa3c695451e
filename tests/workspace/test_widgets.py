"""The select boxes written in Python (workspace/widgets.py) write what Django's Select templates write."""

from django import forms
from django_filters.widgets import BooleanWidget

from workspace.tables import AnyYesNo
from workspace.widgets import QuickSelect

CHOICES = [("", "Any"), ("a", "Tom & Jerry's <b>"), (3, "Three"), ("Group <1>", [("x", "X"), ("y", "Y")])]


def test_the_same_html_as_djangos_select():
    attrs = {"class": "form-select form-select-sm", "id": "id_pick", "disabled": True, "hidden": False}
    for value in (None, "", "a", 3, "y", ["a", "x"]):
        expected = forms.Select(attrs=attrs, choices=CHOICES).render("pick", value)
        assert QuickSelect(attrs=attrs, choices=CHOICES).render("pick", value) == expected


def test_the_yes_no_filter_as_django_filter_writes_it():
    for value in (None, True, False, "true", "unknown"):
        templated = BooleanWidget()  # django-filter's own, through Django's templates
        templated.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]
        expected = templated.render("overdue", value)
        assert "<option" in expected
        assert AnyYesNo().render("overdue", value) == expected
