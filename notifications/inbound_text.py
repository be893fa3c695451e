"""Reading the words of an inbound email: its text part, or its HTML made plain, in the right charset,
with the quoted history and the signature taken off (mail-parser-reply)."""

import re
from email.message import EmailMessage
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage as ReplyText

# Languages whose "On ... wrote:" lines and Outlook headers the reply parser recognises.
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]
# Charsets that are Windows-1252 in practice: mail clients label cp1252 text (curly quotes, the euro
# sign) as Latin-1 or ASCII; cp1252 decodes every Latin-1 letter the same way and those too.
READ_AS_CP1252 = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso8859-1", "windows-1252", "cp1252"}

# What the reply parser sees is bounded: its patterns take time that grows with the square of a line's
# length ("On " followed by a long line is tried against "On <anything> wrote:" at every split point) and
# of a run of blank lines. It reads the start of the text (the new words are at the top, and no more than
# 20,000 characters of them are kept), of each line only the start (the rest is set aside behind a marker
# and put back in the words it returns), and runs of blank lines cut to two.
PARSED_MAX_CHARS = 32 * 1024
PARSED_LINE_CHARS = 256
# Private-use characters around the number of a set-aside rest of a line: no pattern of the parser
# matches them, and the same characters in what a sender wrote are replaced before parsing.
_ASIDE_OPEN, _ASIDE_CLOSE = "\ue000", "\ue001"
_ASIDE = re.compile(f"{_ASIDE_OPEN}([0-9]+){_ASIDE_CLOSE}")
_BLANK_RUN = re.compile(r"\n(?:[^\S\n]*\n){2,}")

# The line above a quote marked with ">": "On <date>, <name> wrote:" and its translations.
_ATTRIBUTION = re.compile(r"(wrote|a écrit|schrieb|escribió|scrisse|schreef)\s*:\s*$", re.IGNORECASE)
# Horizontal space only around the dashes: a run of blank lines is never scanned again from each line.
_FORWARD_MARKER = re.compile(
    r"^[ \t]*-{3,}[ \t]*(Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado)"
    r"[ \t]*-{3,}[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr"}
_SKIPPED = {"script", "style", "head", "title", "blockquote"}
# Containers in which mail clients put the history they quote: Gmail, Apple Mail, Outlook, Thunderbird.
_QUOTE_MARKERS = re.compile(r"gmail_quote|gmail_extra|divRplyFwdMsg|appendonsend|moz-cite-prefix|yahoo_quoted")


class _HtmlText(HTMLParser):
    """HTML to plain text: paragraphs and line breaks kept, scripts, styles and quoted history dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.quote_started = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.quote_started:
            return
        marker = " ".join(value or "" for name, value in attrs if name in ("class", "id"))
        if tag == "blockquote" and "type" in dict(attrs) or _QUOTE_MARKERS.search(marker):
            # Everything from the quoted history on is the history: a reply is written above it.
            self.quote_started = True
            return
        if tag in _SKIPPED:
            self.skipping.append(tag)
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in _BLOCKS and not self.quote_started:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.quote_started:
            self.parts.append(data)

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = [" ".join(line.split()) for line in joined.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# The HTML read of a message: its start (the new words are at the top, the quoted history below them).
HTML_READ_MAX_CHARS = 256 * 1024
# A "<" that no ">" closes before the next "<": the standard library's HTML parser would read to the end
# of the text from each such "<" in turn (quadratic). One lookahead per "<", never past the next one.
_UNCLOSED_TAG = re.compile(r"<(?=[^<>]*(?:<|\Z))")
# A marked section outside a comment, other than Outlook's conditionals (closed by "]>" at once), is read
# to the end of the text for its "]]>" as well.
_MARKED_SECTION = re.compile(r"<!\[(?!(?:if|else|endif)\b[^\]<>]{0,200}\]>)", re.IGNORECASE)


def html_defused(html: str) -> str:
    """`html` with every construct the HTML parser would rescan the rest of the text for written as text:
    an unclosed comment, a marked section, a "<" no ">" closes. Comments that close are kept as they are
    (Outlook's conditional comments hold markup of their own). One pass, in time linear in the text."""
    parts = []
    position = 0
    while position < len(html):
        start = html.find("<!--", position)
        end = html.find("-->", start + 4) if start >= 0 else -1
        if start < 0 or end < 0:
            # No comment left that closes: what follows is plain markup (an unclosed "<!--" made text).
            parts.append(_markup_defused(html[position:]))
            break
        parts.append(_markup_defused(html[position:start]))
        parts.append(html[start : end + 3])
        position = end + 3
    return "".join(parts)


def _markup_defused(markup: str) -> str:
    return _UNCLOSED_TAG.sub("&lt;", _MARKED_SECTION.sub("&lt;![", markup))


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html_defused(html[:HTML_READ_MAX_CHARS]))
    parser.close()
    return parser.text()


def part_text(part: EmailMessage) -> str:
    """The decoded text of one part: its transfer encoding undone, its charset read leniently."""
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    if charset in READ_AS_CP1252:
        charset = "cp1252"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        # A charset nobody knows: the letters of Western mail are still read right.
        return payload.decode("cp1252", errors="replace")


def body_text(message: EmailMessage) -> str:
    """The message's words: its plain-text part, else its HTML made plain; for a delivery report, the
    part written for people."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        if message.get_content_maintype() == "multipart":
            first = next(iter(message.iter_parts()), None)
            return body_text(first) if isinstance(first, EmailMessage) else ""
        return ""
    text = part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n")


def parser_input(text: str) -> tuple[str, list[str]]:
    """What the reply parser is given of `text`: long lines cut, each rest set aside behind a marker
    (returned, to be put back with words_restored), and runs of blank lines cut to two."""
    aside: list[str] = []
    lines = []
    for line in text.split("\n"):
        if len(line) > PARSED_LINE_CHARS:
            aside.append(line[PARSED_LINE_CHARS:])
            line = f"{line[:PARSED_LINE_CHARS]}{_ASIDE_OPEN}{len(aside) - 1}{_ASIDE_CLOSE}"
        lines.append(line)
    return _BLANK_RUN.sub("\n\n\n", "\n".join(lines)), aside


def words_restored(words: str, aside: list[str]) -> str:
    return _ASIDE.sub(lambda match: aside[int(match[1])], words)


def _patterns_compiled() -> dict[str, re.Pattern]:
    """The reply parser's three patterns for REPLY_LANGUAGES, built and compiled once (the parser builds them
    for every text it reads), each led by a zero-width test of where any of its matches starts: a line's
    start or a line break for the "On ... wrote:" and header lines, whitespace or a line's start for the
    signatures, a line break, a sentence's end or a line's start for the disclaimers. Every match is the same
    (tests/notifications/test_inbound_text_bounds.py compares them); the engine no longer tries each
    alternative at every character of the text."""
    model = ReplyText(text="", languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True)
    starts = {
        "_header_regex": (model.HEADER_REGEX, r"(?=^|\n)"),
        "_signature_regex": (model.SIGNATURE_REGEX, r"(?=\s|^)"),
        "_disclaimers_regex": (model.DISCLAIMERS_REGEX, r"(?=[\n\r.!?]|^)"),
    }
    return {name: re.compile(f"{start}(?:{found.pattern})", found.flags) for name, (found, start) in starts.items()}


REPLY_PATTERNS = _patterns_compiled()


def latest_reply(text: str) -> str:
    """The new words of a reply: the quoted history and the sender's signature removed.

    Lines quoted with ">" go first; the reply parser then splits the rest at each "On ... wrote:" line
    or Outlook header block and takes signatures off. What follows an "On ... wrote:" line whose quote
    was marked with ">" is the sender's own (bottom posting, or answers between the quoted lines), so it
    is kept; an Outlook header block, or a forwarding line, starts history that is not marked, so
    everything from it goes (the raw copy keeps it).
    Hyphen lists stay: candidates write them. Only the start of a long text is read (PARSED_MAX_CHARS).
    """
    text = text[:PARSED_MAX_CHARS].replace(_ASIDE_OPEN, "\ufffd").replace(_ASIDE_CLOSE, "\ufffd")
    text = _FORWARD_MARKER.split(text, maxsplit=1)[0]
    kept, marked = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(">"):
            marked = True
        else:
            kept.append(line)
    unquoted, aside = parser_input("\n".join(kept))
    parsed = ReplyText(text=unquoted, languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True, **REPLY_PATTERNS).read()
    bodies = []
    for index, reply in enumerate(parsed.replies):
        if index and not (marked and _ATTRIBUTION.search(reply.headers or "")):
            break
        bodies.append(words_restored(reply.body, aside).strip())
    return "\n\n".join(body for body in bodies if body)
