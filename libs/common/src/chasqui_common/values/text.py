"""Text: a string is stored and read back exactly, or refused. No stripping, no normalisation.

`Text` is one line; `MultilineText` also allows tab, line feed and CR LF. Both refuse what no
field of Chasqui may hold, because PostgreSQL, JSON or the people reading it cannot:

- NUL (PostgreSQL `text` refuses it: the API used to answer 500) and every other C0 control
  (U+0001–U+001F; in `MultilineText` tab, line feed and a CR directly followed by LF are allowed);
- DEL (U+007F) and the C1 controls U+0080–U+009F (what a Windows-1252 file decoded as latin-1
  turns `’` and `–` into);
- surrogate code points U+D800–U+DFFF (an unpaired surrogate cannot be encoded as UTF-8);
- the 66 Unicode noncharacters (U+FDD0–U+FDEF and the last two code points of every plane,
  U+FFFE, U+FFFF, ... U+10FFFE, U+10FFFF; Unicode 15, §23.7);
- the bidirectional formatting controls U+061C, U+200E, U+200F, U+202A–U+202E and
  U+2066–U+2069: they reorder what a reader sees (`Ana\u202eairaM` shows as `AnaMaria`), the
  "Trojan Source" spoofing of names and notes (CVE-2021-42574, Unicode TR #36 §2.1);
- U+FEFF (byte order mark / zero-width no-break space): inside a text it is always a file's BOM
  pasted in (its no-break use is deprecated for U+2060 since Unicode 3.2);
- the line and paragraph separators U+2028 and U+2029 (line breaks a one-line field must not
  hold; a multi-line one uses LF).

Other invisible characters are text and are kept: zero-width space U+200B, ZWNJ U+200C and
ZWJ U+200D (needed by emoji sequences and several scripts), word joiner U+2060, soft hyphen.

Everything else is kept byte for byte: leading and trailing spaces, combining marks, NFC or NFD,
emoji, any script. Lengths count code points (Python `len`, JSON Schema `maxLength`).

Models: `Text`, `MultilineText`, or a bounded variant `Annotated[str, text(max_length=200)]`,
`Annotated[str, text(min_length=1, max_length=120, multiline=True)]`. Other callers: `check_text(value, field)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import JsonSchemaByMode, as_pydantic

__all__ = [
    "MULTILINE_EXPECTED",
    "ONE_LINE_EXPECTED",
    "MultilineText",
    "Text",
    "TextRule",
    "check_text",
    "text",
]

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
# Bidirectional formatting controls (marks, embeddings, overrides, isolates), BOM, U+2028/U+2029.
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 controls but tab, LF and CR (handled per kind below), DEL, C1, surrogates, noncharacters.
_ALWAYS_REFUSED = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    + _NONCHARACTERS
    + _BIDI_CONTROLS
    + "\ufeff\u2028\u2029"
)
_ONE_LINE = re.compile(f"[\t\n\r{_ALWAYS_REFUSED}]")
_MULTILINE = re.compile(f"[{_ALWAYS_REFUSED}]|\r(?!\n)")

ONE_LINE_EXPECTED = (
    "text on one line without control characters (no NUL, tab, line break, DEL or C0/C1 control), "
    "bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), BOM (U+FEFF), "
    "unpaired surrogates or Unicode noncharacters"
)
MULTILINE_EXPECTED = (
    "text without control characters other than tab, LF and CR LF (no NUL, DEL, lone CR, "
    "U+2028/U+2029 or C0/C1 control), bidirectional controls (U+202A-U+202E, U+2066-U+2069, "
    "U+200E, U+200F, U+061C), BOM (U+FEFF), unpaired surrogates or Unicode noncharacters"
)


def _length_expected(min_length: int, max_length: int | None) -> str:
    if max_length is None:
        return f"at least {min_length} character{'s' if min_length != 1 else ''}"
    if min_length:
        return f"between {min_length} and {max_length} characters"
    return f"at most {max_length} characters"


def check_text(
    value: Any,
    field: str,
    *,
    multiline: bool = False,
    min_length: int = 0,
    max_length: int | None = None,
) -> str:
    """`value` itself if it is acceptable text, else InvalidValue naming the first bad character.

    `expected` is `ONE_LINE_EXPECTED` / `MULTILINE_EXPECTED`, or for a length fault
    "at most N characters" / "at least N characters" / "between M and N characters".
    """
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be text", field=field, value=value, expected="a string")
    found = (_MULTILINE if multiline else _ONE_LINE).search(value)
    if found is not None:
        char = found.group()[0]
        raise InvalidValue(
            f"{field} contains U+{ord(char):04X} at character {found.start() + 1}, which no text field accepts"
            if not multiline or char not in "\t\n\r"
            else f"{field} contains a lone CR at character {found.start() + 1}",
            field=field,
            value=value,
            expected=MULTILINE_EXPECTED if multiline else ONE_LINE_EXPECTED,
        )
    if len(value) < min_length or (max_length is not None and len(value) > max_length):
        raise InvalidValue(
            f"{field} has {len(value)} characters",
            field=field,
            value=value,
            expected=_length_expected(min_length, max_length),
        )
    return value


@dataclass(frozen=True)
class TextRule(GroupedMetadata):
    """Annotation metadata applying the text rule to a `str` field: `Annotated[str, TextRule(...)]`.

    Prefer the names `Text`, `MultilineText` and `text(...)`; the bounds appear in the JSON Schema
    (`minLength`/`maxLength`) and are checked by `check_text`, so a model and a file import
    refuse the same values with the same `expected` text.
    """

    multiline: bool = False
    min_length: int = 0
    max_length: int | None = None

    def __iter__(self) -> Iterator[Any]:
        def check(value: Any, field: str) -> str:
            return check_text(
                value,
                field,
                multiline=self.multiline,
                min_length=self.min_length,
                max_length=self.max_length,
            )

        yield AfterValidator(as_pydantic("multiline_text" if self.multiline else "text", check))
        bounds: dict[str, Any] = {}
        if self.min_length:
            bounds["minLength"] = self.min_length
        if self.max_length is not None:
            bounds["maxLength"] = self.max_length
        if bounds:
            yield JsonSchemaByMode(both=bounds)


def text(*, max_length: int | None = None, min_length: int = 0, multiline: bool = False) -> TextRule:
    """The text rule with length bounds, for `Annotated`: `name: Annotated[str, text(max_length=200)]`.

    (A call cannot be a type for mypy, hence the `Annotated[str, ...]` around it.)
    """
    return TextRule(multiline=multiline, min_length=min_length, max_length=max_length)


Text = Annotated[str, TextRule()]
"""One line of text: no control characters (tab and newline included), surrogates or noncharacters."""

MultilineText = Annotated[str, TextRule(multiline=True)]
"""Text that may hold tab, LF and CR LF; every other rule of `Text`."""
