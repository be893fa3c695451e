"""The sandboxed rendering: plain merge fields in, safe subject / text / HTML out (bad input)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from notifications import rendering
from notifications.rendering import render_parts, template_part_problems, template_parts_check
from recruiting.models import Stage, StageChange
from tests.factories import ApplicationFactory, ClientFactory, JobFactory

FIELDS = set(rendering.CANDIDATE_FIELDS)


def render(subject="S", text="T", **fields):
    return render_parts(subject=subject, body_text=text, fields=fields)


def test_merge_fields_fill_every_part_and_only_the_html_part_is_escaped():
    out = render(
        subject="Hello {{ candidate_first_name }}",
        text="{{ job_title }}",
        candidate_first_name="Ana & Co",
        job_title='<script>alert(1)</script>"><img src=x onerror=alert(2)>',
    )
    assert out.subject == "Hello Ana & Co"
    assert "<script>alert(1)</script>" in out.body_text
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</p>" in out.body_html
    assert "<script" not in out.body_html and "<img" not in out.body_html


@pytest.mark.parametrize("name", ["Bob\r\nBcc: x@evil.example", "Bob\nBcc: x@evil.example", "Bob\u2028Bcc: x"])
def test_a_line_break_in_a_merge_field_never_reaches_the_subject(name):
    out = render(subject="News for {{ candidate_first_name }}", candidate_first_name=name)
    assert "\r" not in out.subject and "\n" not in out.subject and "\u2028" not in out.subject
    assert out.subject.startswith("News for Bob Bcc:")


def test_the_subject_is_cut_to_the_column_length():
    assert len(render(subject="{{ job_title }}", job_title="x" * 400).subject) == rendering.SUBJECT_MAX_LENGTH


def test_the_text_part_loses_the_blank_lines_left_by_false_conditions():
    out = render(text="A\n\n{% if promised_next_step_date %}P{% endif %}\n\n\n\nB  \n")
    assert out.body_text == "A\n\nB\n"


def test_an_unknown_field_at_render_time_is_empty_not_an_error():
    assert render(subject="[{{ job_title }}]").subject == "[]"


@pytest.mark.parametrize("value", [object(), ["a"], {"a": 1}, True])
def test_merge_fields_must_be_plain_values_never_objects(value):
    with pytest.raises(TypeError, match="plain text"):
        render(subject="{{ job_title }}", job_title=value)


def test_numbers_are_allowed_as_merge_fields():
    assert render(subject="{{ job_title }}", job_title=3).subject == "3"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% load static %}", "{% load %} is not allowed"),
        ("{% include 'base.html' %}", "{% include %} is not allowed"),
        ("{% extends 'base.html' %}", "{% extends %} is not allowed"),
        ("{% block x %}{% endblock %}", "{% block %} is not allowed"),
        ("{% debug %}", "{% debug %} is not allowed"),
        ("{% now 'Y' %}", "{% now %} is not allowed"),
        ("{% for x in job_title %}{% endfor %}", "{% for %} is not allowed"),
        ("{{ candidate.email }}", "reaches into an attribute"),
        ("{{ job_title.upper }}", "reaches into an attribute"),
        ("{{ job_title.0 }}", "reaches into an attribute"),
        ("{{ settings }}", "{{ settings }} is not a merge field"),
        ("{{ secret_key }}", "is not a merge field"),
        ("{% if candidate.do_not_contact %}x{% endif %}", "reaches into an attribute"),
        ("{% if password %}x{% endif %}", "{{ password }} is not a merge field"),
        ("{{ job_title|default:secret }}", "{{ secret }} is not a merge field"),
        ("{{ job_title|safe }}", "syntax error"),
        ("{{ job_title|date:'Y' }}", "syntax error"),
        ("{% if job_title %}unclosed", "syntax error"),
        ("Dear {{ job_title", "is not closed"),
        ("{% if job_title }x{% endif %}", "syntax error"),
        ("{{ }}", "syntax error"),
    ],
)
def test_unsafe_or_broken_templates_are_refused_with_a_clear_message(source, expected):
    problems = template_part_problems(source, allowed=FIELDS)
    assert problems, source
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "source",
    [
        "Hello {{ candidate_first_name }}",
        "{% if promised_next_step_date %}By {{ promised_next_step_date }}{% else %}Soon{% endif %}",
        "{% if stage_plain and not promised_next_step_date %}x{% elif job_title == 'a' %}y{% endif %}",
        "{{ client_display_name|capfirst }} {{ recruiter_signature|linebreaksbr }} {{ job_title|default:'the role' }}",
        "{# a note to other recruiters #}plain text",
    ],
)
def test_merge_fields_conditions_and_text_filters_are_accepted(source):
    assert template_part_problems(source, allowed=FIELDS) == []


def test_the_check_names_each_bad_part_and_requires_subject_and_text():
    with pytest.raises(ValidationError) as caught:
        template_parts_check(code="screening", subject="", body_text="{% load x %}{{ a.b }}")
    errors = caught.value.message_dict
    assert errors["subject"] == ["A subject is needed."]
    assert any("{% load %}" in text for text in errors["body_text"])
    with pytest.raises(ValidationError) as caught:
        template_parts_check(code="screening", subject="{{ a.b }}", body_text="")
    errors = caught.value.message_dict
    assert any("attribute" in text for text in errors["subject"])
    assert errors["body_text"]


def test_digest_fields_are_not_candidate_fields():
    assert template_part_problems("{{ overdue_list }}", allowed=rendering.fields_for_code("digest")) == []
    assert template_part_problems("{{ overdue_list }}", allowed=rendering.fields_for_code("screening"))
    assert template_part_problems("{{ personal_body }}", allowed=rendering.fields_for_code("personal")) == []


# --- merge fields of a real application ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_client_stays_confidential_before_submission_confidential_client():
    job = JobFactory(client=ClientFactory(name="Northwind Ledger", industry="fintech"))
    application = ApplicationFactory(job=job, stage=Stage.SCREENING)
    assert rendering.application_merge_fields(application=application)["client_display_name"] == (
        "a client of ours in fintech"
    )
    application.stage = Stage.INTERVIEWING
    assert rendering.application_merge_fields(application=application)["client_display_name"] == "Northwind Ledger"


@pytest.mark.django_db
def test_the_client_is_named_when_it_allows_it_or_once_the_candidate_was_submitted():
    open_client = ClientFactory(name_visible_before_submission=True)
    application = ApplicationFactory(job=JobFactory(client=open_client), stage=Stage.NEW)
    assert rendering.application_merge_fields(application=application)["client_display_name"] == open_client.name

    rejected = ApplicationFactory(job=JobFactory(client=ClientFactory(industry="")), stage=Stage.REJECTED)
    assert rendering.client_display_name(rejected) == "a client of ours"
    StageChange.objects.create(application=rejected, from_stage=Stage.SCREENING, to_stage=Stage.SUBMITTED)
    assert rendering.client_display_name(rejected) == rejected.job.client.name


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC), tick=False)
def test_merge_fields_are_plain_strings_with_dates_in_words_and_signed_links():
    application = ApplicationFactory(
        stage=Stage.SUBMITTED,
        promised_next_step_date=dt.date(2026, 3, 6),
        next_update_due=dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC),
    )
    application.owner.profile.signature = "Sam\nSenior recruiter"
    fields = rendering.application_merge_fields(application=application)
    assert set(fields) == set(rendering.CANDIDATE_FIELDS)
    assert all(isinstance(value, str) for value in fields.values())
    assert fields["promised_next_step_date"] == "Friday 6 March 2026"
    assert fields["next_update_by"] == "Tuesday 10 March 2026"
    assert fields["stage_plain"] == "Put forward to the client"
    assert fields["recruiter_signature"] == "Sam\nSenior recruiter"
    assert fields["status_page_url"].startswith("http://testserver/")
    assert fields["unsubscribe_url"].startswith("http://testserver/")
    assert fields["other_applications_alive"] == ""


@pytest.mark.django_db
def test_other_live_applications_are_mentioned_kindly_many_jobs():
    application = ApplicationFactory(stage=Stage.REJECTED)
    ApplicationFactory(candidate=application.candidate, stage=Stage.SCREENING)
    ApplicationFactory(candidate=application.candidate, stage=Stage.WITHDRAWN)
    sentence = rendering.application_merge_fields(application=application)["other_applications_alive"]
    assert sentence.startswith("This decision is only about this one role")
    assert "other application with us is still open" in sentence
    ApplicationFactory(candidate=application.candidate, stage=Stage.INTERVIEWING)
    assert (
        "2 other applications"
        in rendering.application_merge_fields(application=application)["other_applications_alive"]
    )


@pytest.mark.django_db
def test_a_name_with_line_breaks_is_flattened_in_the_merge_fields():
    application = ApplicationFactory(candidate__first_name="Bob\r\nBcc: x@evil.example")
    assert rendering.application_merge_fields(application=application)["candidate_first_name"] == (
        "Bob Bcc: x@evil.example"
    )


# --- one source: the HTML part is made from the rendered text ---------------------------------------


def test_the_html_part_escapes_a_script_in_a_name_before_formatting_it():
    out = render(
        text="Hello {{ candidate_first_name }},\n\nSee *you* soon.",
        candidate_first_name='<script>alert("x")</script> *Ana*',
    )
    assert "<script" not in out.body_html
    assert "<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <em>Ana</em>,</p>" in out.body_html
    assert "<p>See <em>you</em> soon.</p>" in out.body_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One.\n\nTwo,\nstill two.", "<p>One.</p>\n<p>Two,<br>still two.</p>"),
        ("A\n\n\n\n   \nB", "<p>A</p>\n<p>B</p>"),
        ("Windows\r\nline\r\n\r\nends", "<p>Windows<br>line</p>\n<p>ends</p>"),
        (
            "See https://example.com/status?a=1&b=2.",
            '<p>See <a href="https://example.com/status?a=1&amp;b=2">https://example.com/status?a=1&amp;b=2</a>.</p>',
        ),
        ("(http://example.com/x)", '<p>(<a href="http://example.com/x">http://example.com/x</a>)</p>'),
        (
            "A *b_c* https://x.example/*y*",
            '<p>A <em>b_c</em> <a href="https://x.example/*y*">https://x.example/*y*</a></p>',
        ),
        (
            "javascript:alert(1) and <a href='x'>x</a>",
            "<p>javascript:alert(1) and &lt;a href=&#x27;x&#x27;&gt;x&lt;/a&gt;</p>",
        ),
        (
            'https://x.example/"onmouseover="alert(1)',
            '<a href="https://x.example/">https://x.example/</a>&quot;onmouseover',
        ),
        ("2 * 3 * 4 and a lone * star", "<p>2 * 3 * 4 and a lone * star</p>"),
        ("- Ana, 3 days\n- Ben <b>", "<ul><li>Ana, 3 days</li><li>Ben &lt;b&gt;</li></ul>"),
        (
            "Bye\n\n--\nFooter https://x.example",
            '<hr>\n<p>Footer <a href="https://x.example">https://x.example</a></p>',
        ),
    ],
)
def test_the_html_part_has_paragraphs_links_emphasis_lists_and_a_footer(text, expected):
    assert expected in rendering.text_to_html(text)


def test_the_html_part_is_a_whole_document_titled_with_the_escaped_subject():
    out = render(subject="News <b>for</b> {{ candidate_first_name }}", text="x", candidate_first_name="Ana")
    assert out.body_html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>News &lt;b&gt;for&lt;/b&gt; Ana</title>" in out.body_html
    assert out.body_html == rendering.text_to_html(out.body_text, title=out.subject)


def test_line_break_filters_written_for_the_old_html_part_leave_the_text_alone():
    out = render(text="{{ recruiter_signature|linebreaksbr }}", recruiter_signature="Sam\nSenior recruiter")
    assert out.body_text == "Sam\nSenior recruiter\n"
    assert "<p>Sam<br>Senior recruiter</p>" in out.body_html


@pytest.mark.parametrize("source", ["{% load static %}", "{% include 'x.html' %}", "{{ candidate.email }}"])
def test_the_sandbox_still_refuses_tags_and_attributes_in_the_one_source(source):
    with pytest.raises(ValidationError):
        template_parts_check(code="screening", subject="Hi", body_text=source)
