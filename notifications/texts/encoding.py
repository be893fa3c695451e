"""How a text travels: in GSM-7 when every character is in the GSM 03.38 alphabet (its basic table, or
its extension table at two septets each), otherwise in UCS-2; and in how many segments it is billed.

One segment holds 160 septets or 70 UCS-2 code units; a longer text is sent in parts of 153 septets or
67 code units (the rest of each part carries the header that joins them). A character is never split
between parts: an extension character (an escape and its septet) or a character outside the Basic
Multilingual Plane (a surrogate pair, such as most emoji) moves whole to the next part, as phones and
providers do.
"""

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each of these takes two septets: the escape (0x1B) and its own.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class TextSize:
    """A text's encoding, its length in that encoding's units (septets or UTF-16 code units) and the
    number of segments it is sent in (0 for an empty text)."""

    encoding: str
    units: int
    segments: int

    @property
    def per_segment(self) -> int:
        return SINGLE[self.encoding] if self.segments <= 1 else PART[self.encoding]


def is_gsm7(text: str) -> bool:
    return all(character in GSM7_BASIC or character in GSM7_EXTENSION for character in text)


def character_units(character: str, encoding: str) -> int:
    """What one character takes: 1 or 2 septets in GSM-7, 1 or 2 UTF-16 code units in UCS-2."""
    if encoding == GSM7:
        return 2 if character in GSM7_EXTENSION else 1
    return 2 if ord(character) > 0xFFFF else 1


def text_parts(text: str) -> list[str]:
    """The text as it is split into segments (one part when it fits in one)."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    sizes = [character_units(character, encoding) for character in text]
    if sum(sizes) <= SINGLE[encoding]:
        return [text] if text else []
    parts, current, used = [], [], 0
    for character, size in zip(text, sizes, strict=True):
        if used + size > PART[encoding]:
            parts.append("".join(current))
            current, used = [], 0
        current.append(character)
        used += size
    parts.append("".join(current))
    return parts


def text_size(text: str) -> TextSize:
    """The encoding, the units and the segment count of `text`."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    units = sum(character_units(character, encoding) for character in text)
    return TextSize(encoding=encoding, units=units, segments=len(text_parts(text)))
