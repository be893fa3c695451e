"""GSM-7 or UCS-2, and segment counts, over plain and hostile texts."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.texts.encoding import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    PART,
    SINGLE,
    UCS2,
    character_units,
    text_parts,
    text_size,
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 0),
        ("Your interview is confirmed", GSM7, 27, 1),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),
        ("€" * 81, GSM7, 162, 2),
        ("a" * 152 + "€" + "a" * 10, GSM7, 164, 2),
        ("Zoë 🙂", UCS2, 6, 1),
        ("é" * 70 + "ł", UCS2, 71, 2),
        ("ł" * 70, UCS2, 70, 1),
        ("🙂" * 35, UCS2, 70, 1),
        ("🙂" * 36, UCS2, 72, 2),
        ("Ç is in GSM-7", GSM7, 13, 1),
        ("ç is not", UCS2, 8, 1),
        ("ç" + "\u0301", UCS2, 2, 1),
    ],
)
def test_encoding_and_segments(text, encoding, units, segments):
    size = text_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_an_extension_character_never_straddles_two_parts():
    parts = text_parts("a" * 152 + "€" + "b" * 20)
    assert parts[0] == "a" * 152 and parts[1].startswith("€")


def test_a_surrogate_pair_never_straddles_two_parts():
    parts = text_parts("x" * 66 + "🙂" + "y" * 10)
    assert parts[0] == "x" * 66 and parts[1].startswith("🙂")


# GSM-7 characters mostly (long texts that stay GSM-7), then anything: RTL overrides, zero-width and
# joiner sequences, NUL and the bare escape, combining marks, lone surrogates, emoji families and flags.
hostile = st.lists(
    st.one_of(
        st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)),
        st.characters(),
        st.sampled_from(["\u202e", "\u200b", "\ufeff", "\x00", "\x1b", "👨‍👩‍👧", "\u0301", "🏳️‍🌈", "\ud800"]),
    ),
    max_size=400,
).map("".join)


@given(hostile)
def test_parts_hold_the_whole_text_within_each_encodings_limits(text):
    size = text_size(text)
    parts = text_parts(text)
    assert "".join(parts) == text
    assert len(parts) == size.segments
    limit = SINGLE[size.encoding] if size.segments <= 1 else PART[size.encoding]
    for part in parts:
        assert sum(character_units(character, size.encoding) for character in part) <= limit
    if size.segments > 1:
        assert size.segments >= math.ceil(size.units / PART[size.encoding])
        # Greedy parts waste at most one unit each (a two-unit character moved on).
        assert size.segments <= math.ceil(size.units / (PART[size.encoding] - 1))


@given(hostile)
def test_gsm7_exactly_when_every_character_is_in_its_tables(text):
    in_tables = all(character in GSM7_BASIC or character in GSM7_EXTENSION for character in text)
    assert (text_size(text).encoding == GSM7) is in_tables
    if not in_tables:
        assert text_size(text).encoding == UCS2
        assert text_size(text).units == len(text.encode("utf-16-le", "surrogatepass")) // 2
