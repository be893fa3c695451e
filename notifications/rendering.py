"""Rendering of message templates: a sandboxed template engine over a plain dict of merge fields.

Templates are edited by recruiters, so they get a deliberately small language: merge fields such as
`{{ candidate_first_name }}`, `{% if field %}...{% else %}...{% endif %}` and a few text filters. No tag
libraries, no other templates, no attribute access, and the context never holds a model object: a
template can only ever print the strings we chose to hand it.

A template has one source, its plain text. The HTML part is made from the rendered text by
`text_to_html`: everything is escaped first, then paragraphs, line breaks, bare links and `*emphasis*`
become markup, so nothing a recruiter or a merge field writes reaches the email as HTML.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, Template, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Lexer, TokenType, Variable, VariableNode
from django.template.defaulttags import IfNode, TemplateLiteral

from candidates import links
from candidates.wording import STAGE_FOR_CANDIDATE, client_asked_words
from recruiting import calendar
from recruiting.client_names import client_display_name as worded_client_name
from recruiting.models import ACTIVE_STAGES, SUBMITTED_STAGES
from recruiting.selectors import clients as client_selectors

# The only tags and filters a message template may use. The engine below has nothing else built in.
register = Library()
register.tag("if", defaulttags.do_if)
for _name in ("capfirst", "default", "lower", "title", "upper"):
    register.filter(_name, getattr(defaultfilters, _name))


def _line_breaks_kept(value: object) -> str:
    return str(value)


# Templates once had an HTML part that needed these; in the text a line break already is one, and the
# HTML part made from the text turns it into a <br> or a new paragraph.
register.filter("linebreaks", _line_breaks_kept)
register.filter("linebreaksbr", _line_breaks_kept)

ALLOWED_TAGS = frozenset({"if", "elif", "else", "endif"})

# Merge fields of every email to a candidate about one of their applications.
CANDIDATE_FIELDS: dict[str, str] = {
    "candidate_first_name": "The candidate's first name",
    "job_title": "The job's title",
    "client_display_name": "The client's name, or 'a client of ours in <industry>' while it is confidential",
    "stage_plain": "Where the application stands, in plain words (as on the status page)",
    "promised_next_step_date": "The next-step date promised to the candidate (may be empty)",
    "next_update_by": "The date by which the candidate will next hear from us (may be empty)",
    "recruiter_name": "The recruiter's name",
    "recruiter_email": "The recruiter's email address",
    "recruiter_signature": "The recruiter's signature",
    "status_page_url": "The candidate's own status page (a signed link)",
    "other_applications_alive": "A sentence saying their other applications are still open (empty when none are)",
    "unsubscribe_url": "The one-click link to pause or stop these emails",
    "client_asked": "That we asked the client for their decision, and on which day (empty until we did)",
}
PERSONAL_FIELDS: dict[str, str] = {
    **CANDIDATE_FIELDS,
    "personal_subject": "The subject the recruiter wrote",
    "personal_body": "The message the recruiter wrote",
}
# The morning digest to a recruiter: the lists are pre-formatted lines of plain text.
DIGEST_FIELDS: dict[str, str] = {
    "recruiter_name": "The recruiter's name",
    "overdue_count": "How many candidates are owed an update",
    "overdue_list": "One line per candidate owed an update",
    "due_today_count": "How many updates fall due later today",
    "due_today_list": "One line per update due later today",
    "escalations_count": "How many of your team's overdue updates were escalated to you",
    "escalations_list": "One line per escalated update",
    "workspace_url": "The link to the recruiter's list",
}


# The email with a fresh status-page link, sent when the candidate asks for one.
STATUS_LINK_FIELDS: dict[str, str] = {
    name: CANDIDATE_FIELDS[name] for name in ("candidate_first_name", "status_page_url", "unsubscribe_url")
}

# The feedback request to a hiring manager: one email for all the candidates they owe an answer on.
CLIENT_CHASE_FIELDS: dict[str, str] = {
    "manager_name": "The hiring manager's name",
    "client_name": "The client's name",
    "candidates_count": "How many candidates are waiting on their answer",
    "several_candidates": "Set when the email is about more than one candidate (empty for one)",
    "candidates_list": "One paragraph per candidate: name, job, since when, and their one-click answer link",
    "recruiter_names": "The names of the recruiters of those candidates",
}


# The email to each admin when the system switched a webhook subscription off.
WEBHOOK_SWITCHED_OFF_FIELDS: dict[str, str] = {
    "admin_name": "The admin's name",
    "webhook_url": "The address the deliveries went to",
    "failures_count": "How many deliveries in a row were given up",
    "last_error": "What went wrong with the last one",
    "webhook_page_url": "The link to the subscription's page, where it is switched on again",
}


def fields_for_code(code: str) -> dict[str, str]:
    """The merge fields a template of this code may use, with a description of each."""
    if code == "digest":
        return DIGEST_FIELDS
    if code == "client_chase":
        return CLIENT_CHASE_FIELDS
    if code == "webhook_switched_off":
        return WEBHOOK_SWITCHED_OFF_FIELDS
    if code == "status_link":
        return STATUS_LINK_FIELDS
    if code == "personal":
        return PERSONAL_FIELDS
    return CANDIDATE_FIELDS


class _SandboxEngine(Engine):
    # No default tags or filters (no load, include, extends, debug, ...): only our own library.
    default_builtins: list[str] = []


_ENGINE = _SandboxEngine(loaders=[], builtins=["notifications.rendering"], libraries={}, string_if_invalid="")


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _ENGINE.from_string(source)


def _tag_problem(command: str) -> str:
    if command == "load":
        return "{% load %} is not allowed: email templates cannot load tag libraries."
    if command in {"include", "extends", "block", "endblock"}:
        return f"{{% {command} %}} is not allowed: each email template must be complete by itself."
    return (
        f"{{% {command} %}} is not allowed: email templates support merge fields such as "
        "{{ candidate_first_name }} and {% if ... %} ... {% else %} ... {% endif %} only."
    )


def _condition_expressions(condition) -> list[FilterExpression]:
    """The variables of an {% if %} condition tree (literals at the leaves, operators above)."""
    if condition is None:
        return []
    if isinstance(condition, TemplateLiteral):
        return [condition.value]
    found = []
    for side in ("first", "second"):
        branch = getattr(condition, side, None)
        if branch is not None:
            found.extend(_condition_expressions(branch))
    return found


def _variables(expression: FilterExpression) -> list[Variable]:
    found = [expression.var] if isinstance(expression.var, Variable) else []
    for _func, args in expression.filters:
        found.extend(arg for is_variable, arg in args if is_variable and isinstance(arg, Variable))
    return found


def template_part_problems(source: str, *, allowed: dict[str, str] | set[str]) -> list[str]:
    """Everything wrong with one part of a template, as sentences a recruiter can act on (empty if fine)."""
    problems: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT and ("{{" in token.contents or "{%" in token.contents):
            problems.append(
                f"A tag is not closed near {token.contents.strip()[:40]!r}: every {{{{ needs its }}}} "
                "and every {% its %}, on the same line."
            )
        if token.token_type == TokenType.BLOCK:
            bits = token.split_contents()
            command = bits[0] if bits else ""
            if command not in ALLOWED_TAGS:
                problems.append(_tag_problem(command))
    if problems:
        return problems
    try:
        template = _compile(source)
    except TemplateSyntaxError as error:
        return [f"The template has a syntax error: {error}"]
    expressions = [node.filter_expression for node in template.nodelist.get_nodes_by_type(VariableNode)]
    for node in template.nodelist.get_nodes_by_type(IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            expressions.extend(_condition_expressions(condition))
    for expression in expressions:
        for variable in _variables(expression):
            if variable.literal is not None:
                continue
            name = ".".join(variable.lookups)
            if len(variable.lookups) > 1:
                problems.append(
                    f"{{{{ {name} }}}} reaches into an attribute: only plain merge fields such as "
                    f"{{{{ {variable.lookups[0]} }}}} can be used."
                )
            elif name not in allowed:
                problems.append(f"{{{{ {name} }}}} is not a merge field. Available: {', '.join(sorted(allowed))}.")
    return list(dict.fromkeys(problems))


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body_text: str
    body_html: str


SUBJECT_MAX_LENGTH = 250
# The longest text a template, a personal email or an edited message may have: ten pages of prose, far
# beyond any email to a candidate, and short enough that rendering and sending it stay quick.
BODY_MAX_LENGTH = 20_000


def body_too_long(text: str) -> str | None:
    """The reason a text is refused for its length, or None."""
    if len(text) > BODY_MAX_LENGTH:
        return f"The text can be at most {BODY_MAX_LENGTH:,} characters long (this one has {len(text):,})."
    return None


def one_line(value: str) -> str:
    """Collapse every kind of line break and run of whitespace: headers never carry CR or LF."""
    return " ".join(str(value).split())


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _plain_context(fields: dict[str, object]) -> dict[str, str]:
    context = {}
    for name, value in fields.items():
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"Merge field {name!r} must be plain text, not {type(value).__name__}.")
        context[name] = str(value)
    return context


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_TRAILING_PUNCTUATION = ".,;:!?"
SIGNATURE_SEPARATOR = "--"


def _split_url(url: str) -> tuple[str, str]:
    """A bare URL without the punctuation that ends the sentence around it."""
    tail = ""
    while url and (url[-1] in _TRAILING_PUNCTUATION or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url, tail = url[:-1], url[-1] + tail
    return url, tail


def _inline_html(text: str) -> str:
    """One line of text as HTML: escaped, with its bare links and *emphasis* made markup."""
    pieces: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url, tail = _split_url(match.group())
        if "://" not in url or url.endswith("://"):
            continue
        pieces.append(_EMPHASIS.sub(r"<em>\1</em>", escape(text[position : match.start()])))
        pieces.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        position = match.start() + len(url)
    pieces.append(_EMPHASIS.sub(r"<em>\1</em>", escape(text[position:])))
    return "".join(pieces)


def _block_html(block: str) -> str:
    lines = block.split("\n")
    if lines[0].strip() == SIGNATURE_SEPARATOR:
        rest = "\n".join(lines[1:]).strip("\n")
        return "<hr>" + ("\n" + _block_html(rest) if rest else "")
    if all(line.startswith("- ") for line in lines):
        items = "".join(f"<li>{_inline_html(line[2:])}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    return "<p>" + "<br>".join(_inline_html(line) for line in lines) + "</p>"


def text_to_html(text: str, *, title: str = "") -> str:
    """The HTML part of an email, made from its rendered plain text (the one source).

    Escaped first, then formatted: blank lines separate paragraphs, a line break stays one, a line of
    "--" starts the footer, a paragraph of "- " lines is a list, bare http(s) links become links and
    *words* between asterisks are emphasised. No markup in `text` survives.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    blocks = [block.strip("\n") for block in re.split(r"\n{2,}", "\n".join(lines)) if block.strip()]
    body = "\n".join(_block_html(block) for block in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(one_line(title))}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def render_parts(*, subject: str, body_text: str, fields: dict[str, object]) -> RenderedMessage:
    """Render a template: the subject on one line, the text, and the HTML part made from that text."""
    context = _plain_context(fields)
    rendered_subject = one_line(_compile(subject).render(Context(context, autoescape=False)))[:SUBJECT_MAX_LENGTH]
    rendered_text = _tidy_text(_compile(body_text).render(Context(context, autoescape=False)))
    return RenderedMessage(
        subject=rendered_subject, body_text=rendered_text, body_html=text_to_html(rendered_text, title=rendered_subject)
    )


def template_parts_check(*, code: str, subject: str, body_text: str) -> None:
    """Raise a ValidationError naming each part that is not a safe template for this code."""
    allowed = fields_for_code(code)
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = ["A subject is needed."]
    if not body_text.strip():
        errors["body_text"] = ["The text is needed: the email is made from it."]
    if too_long := body_too_long(body_text):
        raise ValidationError({"body_text": too_long})
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValidationError({"subject": f"The subject can be at most {SUBJECT_MAX_LENGTH} characters long."})
    for part, source in (("subject", subject), ("body_text", body_text)):
        problems = template_part_problems(source, allowed=allowed)
        if problems:
            errors.setdefault(part, []).extend(problems)
    if "\n" in subject.strip() or "\r" in subject:
        errors.setdefault("subject", []).append("The subject must be a single line.")
    if errors:
        raise ValidationError(errors)


def names_listed(names: list[str]) -> str:
    """Names as a sentence lists them: "Ana Silva", "Ana Silva and Ben Okafor", "Ana Silva, Ben Okafor and
    Cleo Marsh"."""
    names = [one_line(name) for name in names if one_line(name)]
    if len(names) <= 2:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def format_day(value) -> str:
    """A date an email states: with its year, as an email is kept and read later (and freshness.py reads
    the dates of an edited message back in this form)."""
    return calendar.day_words(value, year=True) if value else ""


def other_applications_sentence(count: int) -> str:
    """docs/rules.md#many-jobs: a closing message must not read like the end of everything when other doors are open."""
    if count <= 0:
        return ""
    if count == 1:
        return (
            "This decision is only about this one role: your other application with us is still open, "
            "and we will keep you posted on it."
        )
    return (
        f"This decision is only about this one role: your {count} other applications with us are still open, "
        "and we will keep you posted on each of them."
    )


def client_display_name(application, *, reached_client: bool | None = None) -> str:
    """docs/rules.md#confidential-client, as the candidate's own pages word it: named once the client has seen the
    candidate.

    `reached_client` says whether the application ever entered a submitted stage, when the caller read
    that for a whole batch; without it the history is looked up.
    """
    seen = application.stage in SUBMITTED_STAGES or (
        reached_client
        if reached_client is not None
        else application.stage_changes.filter(to_stage__in=SUBMITTED_STAGES).exists()
    )
    return one_line(worded_client_name(client=application.job.client, client_has_seen_candidate=seen))


def _client_asked(application, tz) -> str:
    # Only the step's own chase, once sent, may be cited: never a request still held or cancelled.
    sent_at = client_selectors.client_asked_sent_at_of(application)
    if sent_at is None:
        return ""
    name = client_display_name(application)
    return one_line(client_asked_words(client_name=name, asked_on=sent_at.astimezone(tz).date()))


def application_merge_fields(
    *, application, reached_client: bool | None = None, others_alive: int | None = None
) -> dict[str, str]:
    """The merge fields of an email to the candidate about this application: plain strings only.

    A caller writing the emails of a batch passes what it read once for the whole batch: whether the
    application ever reached the client, and how many other live applications the candidate has; the
    application's candidate, job, client, owner and owner's profile are expected loaded with it.
    """
    candidate = application.candidate
    owner = application.owner
    profile = getattr(owner, "profile", None)
    recruiter_name = one_line(owner.get_full_name() or owner.get_username())
    tz = calendar.zone(candidate.time_zone)
    next_update = application.next_update_due.astimezone(tz).date() if application.next_update_due else None
    if others_alive is None:
        others_alive = candidate.applications.filter(stage__in=ACTIVE_STAGES).exclude(pk=application.pk).count()
    return {
        "candidate_first_name": one_line(candidate.first_name),
        "job_title": one_line(application.job.title),
        "client_display_name": client_display_name(application, reached_client=reached_client),
        "stage_plain": STAGE_FOR_CANDIDATE[application.stage].title if application.stage in STAGE_FOR_CANDIDATE else "",
        "promised_next_step_date": format_day(application.promised_next_step_date),
        "next_update_by": format_day(next_update),
        "recruiter_name": recruiter_name,
        "recruiter_email": one_line(owner.email),
        "recruiter_signature": (profile.signature.strip() if profile and profile.signature.strip() else recruiter_name),
        "status_page_url": links.status_page_url(candidate),
        "other_applications_alive": other_applications_sentence(others_alive),
        "unsubscribe_url": links.unsubscribe_url(candidate),
        "client_asked": _client_asked(application, tz),
    }
