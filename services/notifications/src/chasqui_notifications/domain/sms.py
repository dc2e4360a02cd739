"""SMS encoding and concatenation (3GPP TS 23.038 / 23.040).

A message fits one SMS in 160 GSM-7 septets; concatenated parts lose 7 septets to the user data
header, leaving 153. One character outside the GSM-7 alphabet forces UCS-2 for the whole
message: 70 UTF-16 units, 67 per concatenated part. Characters of the GSM-7 extension table
(€ [ ] { } \\ ^ ~ | and form feed) take two septets (escape + code) and are never split across
parts; neither is a UTF-16 surrogate pair in UCS-2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

# The GSM 03.38 default alphabet (basic character set).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table reached through the escape code: two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_GSM7 = 160
PART_GSM7 = 153
SINGLE_UCS2 = 70
PART_UCS2 = 67

# Spanish letters and typography outside GSM-7 with a faithful GSM-7 spelling: applied before
# encoding so that a message with "información" is not tripled in cost by UCS-2.
_GSM7_SPELLING = str.maketrans(
    {
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "Á": "A",
        "Í": "I",
        "Ó": "O",
        "Ú": "U",
        "È": "E",
        "Ì": "I",
        "Ò": "O",
        "Ù": "U",
        "ç": "Ç",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
    }
)


class SmsEncoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SmsPlan:
    """How a text goes out: its encoding, its parts, and their length in that encoding's units."""

    text: str
    encoding: SmsEncoding
    parts: tuple[str, ...]

    @property
    def segments(self) -> int:
        return len(self.parts)


def gsm7_spelling(text: str) -> str:
    """Replace Spanish accents and typographic marks that GSM-7 lacks by their plain spelling."""
    return text.translate(_GSM7_SPELLING)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def plan_sms(text: str, *, plain_spelling: bool = True) -> SmsPlan:
    """Choose the encoding and split into parts as a handset would reassemble them."""
    if plain_spelling:
        text = gsm7_spelling(text)
    if is_gsm7(text):
        if septets(text) <= SINGLE_GSM7:
            return SmsPlan(text, SmsEncoding.GSM7, (text,) if text else ())
        return SmsPlan(text, SmsEncoding.GSM7, _split(text, PART_GSM7, _septet_width))
    if utf16_units(text) <= SINGLE_UCS2:
        return SmsPlan(text, SmsEncoding.UCS2, (text,))
    return SmsPlan(text, SmsEncoding.UCS2, _split(text, PART_UCS2, _utf16_width))


def _septet_width(ch: str) -> int:
    return 2 if ch in GSM7_EXTENSION else 1


def _utf16_width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _split(text: str, capacity: int, width: Callable[[str], int]) -> tuple[str, ...]:
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:  # a Python str iterates code points: a surrogate pair is one step
        w = width(ch)
        if used + w > capacity:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += w
    if current:
        parts.append("".join(current))
    return tuple(parts)
