"""Select boxes written in Python: the lists' filters offer every job, client and colleague (hundreds of
options), and Django's Select renders each option through its own template, a fifth of a list's CPU.
The HTML is the same as Django's select.html, select_option.html and attrs.html write."""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def _attrs(attrs: dict) -> SafeString:
    """attrs.html: ` name="value"` for each, ` name` alone for True, nothing for False."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _group(name, options: list[dict]) -> SafeString:
    lines = format_html_join(
        "",
        '\n  <option value="{}"{}>{}</option>\n',
        ((option["value"], _attrs(option["attrs"]), option["label"]) for option in options),
    )
    return format_html('\n  <optgroup label="{}">{}\n  </optgroup>', name, lines) if name else lines


def select_html(widget: dict) -> SafeString:
    """The HTML of a Select's context["widget"], as select.html writes it (select_option.html's own line
    end after each option included)."""
    groups = format_html_join("", "{}", ((_group(name, options),) for name, options, _index in widget["optgroups"]))
    return format_html('<select name="{}"{}>{}\n</select>', widget["name"], _attrs(widget["attrs"]), groups)


class QuickSelectMixin:
    """Renders a Select (or a subclass keeping its template) without the per-option templates."""

    def _render(self, template_name, context, renderer=None):
        # Widget.render's last step (a subclass's render, such as django-filter's BooleanWidget's, runs first).
        return select_html(context["widget"])


class QuickSelect(QuickSelectMixin, forms.Select):
    pass
