"""The reply parser's work, and the HTML parser's, is bounded whatever a sender writes, up to the inbound
size limit.

Its patterns take time that grows with the square of a line's length and of a run of blank lines, so
what it is given is bounded (notifications.inbound_text.parser_input): the test counts what it sees, for
hostile texts up to INLOOP_INBOUND_MAX_BYTES, and checks that what comes back is the sender's own words
from the start of the text, nothing invented. (The time it takes is measured outside the suite.)
"""

import re
from unittest import mock

from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from notifications import inbound_text
from notifications.inbound_text import PARSED_MAX_CHARS, latest_reply

# Generous bounds of the test's own, whatever the module's constants say: the parser's work grows with
# the characters it is given times the length of its longest line, and a run of blank lines.
MOST_CHARACTERS = 64 * 1024
LONGEST_LINE = 1000
# Escaping a "<" that no ">" closes makes it four characters: still linear work for the parser.
MOST_HTML_CHARACTERS = 4 * 256 * 1024 + 1024

# The starts of the lines the parser's patterns try hardest, and what makes them long.
HOSTILE = [
    "On ",
    "On On ",
    "Am ",
    "Le ",
    "El ",
    "Il ",
    "Op ",
    "From: ",
    "To: ",
    "Sent: ",
    "-- ",
    "- ",
    "> ",
    "wrote:",
    " schrieb:",
    " a écrit :",
    "---------- Forwarded message ---------",
    "-----Original Message-----",
    "_" * 32,
    "CAUTION:",
    "Sent from my ",
    "Best regards,",
    "x",
    "a ",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\u2028",
    "\u00a0",
    "\ue000",
    "\ue0001\ue001",
    "é",
    "😀",
]


@st.composite
def hostile_texts(draw) -> str:
    pieces = draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map("".join),
                st.integers(min_value=1, max_value=300_000),
            ),
            min_size=1,
            max_size=5,
        )
    )
    return "".join(piece * count for piece, count in pieces)[: settings.INLOOP_INBOUND_MAX_BYTES]


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _derived_from(words: str, source: str) -> bool:
    """Every character of `words` (whitespace aside) appears in `source`, in the same order."""
    position = 0
    for character in _squeezed(words):
        position = source.find(character, position) + 1
        if not position:
            return False
    return True


def _without_markers(line: str) -> str:
    return inbound_text._ASIDE.sub("", line)


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=hostile_texts())
def test_the_parser_sees_a_bounded_text_and_returns_the_senders_words_from_its_start(text):
    seen: list[str] = []
    parser = inbound_text.ReplyText

    def counting_parser(*, text, **options):
        # The work counted before any is done: characters and longest line handed to the parser, and its
        # longest run of blank lines (an unbounded text fails here, rather than taking minutes).
        lines = text.split("\n")
        assert sum(len(_without_markers(line)) for line in lines) <= MOST_CHARACTERS
        assert max(len(_without_markers(line)) for line in lines) <= LONGEST_LINE
        assert "\n" * 4 not in "\n".join(line.strip() for line in lines)
        seen.append(text)
        return parser(text=text, **options)

    with mock.patch.object(inbound_text, "ReplyText", counting_parser):
        words = latest_reply(text)

    assert len(seen) == 1
    # Nothing invented, and nothing from past the part that was read.
    start = text[:PARSED_MAX_CHARS].replace("\ue000", "\ufffd").replace("\ue001", "\ufffd")
    assert _derived_from(words, _squeezed(start))
    assert len(words) <= PARSED_MAX_CHARS


def test_a_long_line_of_the_reply_comes_back_whole():
    paragraph = "I would like to add some context about my notice period. " * 80
    text = (
        f"Yes, please go ahead.\n{paragraph}\n\nOn Tue, 17 Nov 2026 at 10:05, Sam <sam@northwind.example> wrote:\n> Hi"
    )

    words = latest_reply(text)

    assert words == f"Yes, please go ahead.\n{paragraph.strip()}"


def test_a_line_starting_on_that_fills_the_size_limit_reads_as_what_the_sender_wrote_first():
    text = "On " + "x" * (settings.INLOOP_INBOUND_MAX_BYTES - 3)

    words = latest_reply(text)

    assert words == text[:PARSED_MAX_CHARS]


HOSTILE_HTML = [
    "<a",
    "<",
    "</",
    "<!",
    "<!--",
    "-->",
    "<![CDATA[",
    "<![if mso]>",
    "<![endif]>",
    "<?",
    "<!DOCTYPE ",
    ">",
    "<div>",
    "<p class='gmail_quote'>",
    "<blockquote type=cite>",
    "<script>",
    "<style>",
    '<a b="',
    "&#",
    "&amp;",
    "On ",
    "x",
    " ",
    "\n",
]
# What the HTML parser rescans the rest of the text for: a "<" that no ">" closes before the next "<".
UNCLOSED = re.compile(r"<[^<>]*(?:<|\Z)")
CLOSED_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@st.composite
def hostile_html(draw) -> str:
    pieces = draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(HOSTILE_HTML), min_size=1, max_size=4).map("".join),
                st.integers(min_value=1, max_value=300_000),
            ),
            min_size=1,
            max_size=5,
        )
    )
    return "".join(piece * count for piece, count in pieces)[: settings.INLOOP_INBOUND_MAX_BYTES]


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(html=hostile_html())
def test_the_html_parser_is_given_a_bounded_text_with_nothing_it_would_rescan(html):
    fed: list[str] = []
    feed = inbound_text._HtmlText.feed

    def counting_feed(parser, data):
        # Checked before any work is done: the size, and no "<" left open outside a comment that closes.
        assert len(data) <= MOST_HTML_CHARACTERS
        outside_comments = CLOSED_COMMENT.sub("", data)
        assert UNCLOSED.search(outside_comments) is None
        fed.append(data)
        return feed(parser, data)

    with mock.patch.object(inbound_text._HtmlText, "feed", counting_feed):
        text = inbound_text.html_to_text(html)

    assert len(fed) == 1
    assert isinstance(text, str) and len(text) <= len(fed[0])


def test_outlooks_conditional_comments_and_markup_still_read_as_words():
    html = (
        "<html><head><!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--></head>"
        "<body><![if !supportLists]><p>I accept &amp; thank you.</p><![endif]>"
        "<div id='divRplyFwdMsg'>From: Sam</div></body></html>"
    )

    assert inbound_text.html_to_text(html) == "I accept & thank you."


# Replies as mail clients write them, for the patterns' comparison below.
WRITTEN = [
    "Hi Sam,\n\nTuesday at 10 works for me.\n\nBest regards,\nAna\n\nSent from my iPhone",
    "Yes.\n\nOn Tue, 17 Nov 2026 at 10:05, Sam Okafor <sam@firm.example> wrote:\n> Hi Ana",
    "Ja, gerne.\n\nAm 17.11.2026 um 10:05 schrieb Sam Okafor <sam@firm.example>:\n> Hallo",
    "Oui.\n\nLe mar. 17 nov. 2026 à 10:05, Sam <sam@firm.example> a écrit :\n> Bonjour",
    "Thanks!\n________________________________\nFrom: Sam Okafor\nSent: Tuesday\nTo: Ana\nSubject: Re: Interview",
    "See below.\n-----Original Message-----\nFrom: Sam\nDate: today",
    "Fine.\n\nCONFIDENTIALITY: this e-mail is for its addressee only.\n\nDisclaimer: this mail is private.",
    "Fine.\n-- \nAna Ferreira\n+44 20 7946 0000",
]


@hypothesis_settings(max_examples=200, deadline=None, database=None)
@given(pieces=st.lists(st.sampled_from(HOSTILE + WRITTEN + [": ", "!", ".", "\r"]), max_size=40))
def test_the_reply_parsers_patterns_compiled_once_find_what_its_own_find(pieces):
    text = "".join(pieces)
    own = inbound_text.ReplyText(text="", languages=list(inbound_text.REPLY_LANGUAGES), keep_hyphen_lists=True)
    ours = inbound_text.REPLY_PATTERNS

    assert ours["_header_regex"].findall(text) == own.HEADER_REGEX.findall(text)
    assert ours["_disclaimers_regex"].findall(text) == own.DISCLAIMERS_REGEX.findall(text)
    found, expected = ours["_signature_regex"].search(text), own.SIGNATURE_REGEX.search(text)
    assert (found and found.span()) == (expected and expected.span())


def test_the_replies_of_mail_clients_read_the_same_with_the_patterns_compiled_once():
    options = {"languages": list(inbound_text.REPLY_LANGUAGES), "keep_hyphen_lists": True}
    for text in WRITTEN:
        own = inbound_text.ReplyText(text=text, **options)
        ours = inbound_text.ReplyText(text=text, **options, **inbound_text.REPLY_PATTERNS)

        assert [reply.body for reply in ours.read().replies] == [reply.body for reply in own.read().replies]
