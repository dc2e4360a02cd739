"""E-mail addresses: one line of text shaped `local@domain`, within the lengths SMTP can carry.

Rule (RFC 5321 §4.5.3.1 lengths, RFC 5322 addr-spec shape, loosely): at most 254 characters;
exactly one `@`; a local part of 1–64 characters and a domain of at most 253 with at least one
dot, neither with whitespace, control or invisible format characters (Unicode category Cf:
zero-width space, joiners, soft hyphen, ...); the local part a dot-atom as far as dots go (no
leading, trailing or doubled dot); domain labels of 1–63 characters, not
starting or ending with `-`. Internationalised addresses (UTF-8 local parts and domains) are
accepted. The address is kept exactly as written (no case folding): only the owner of the
mailbox knows whether its local part is case-sensitive. Whether the mailbox exists is not checked.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator

from chasqui_common.errors import InvalidValue
from chasqui_common.values._base import JsonSchemaByMode, as_pydantic
from chasqui_common.values.text import check_text

__all__ = ["EMAIL_EXPECTED", "Email", "check_email"]

EMAIL_EXPECTED = "an e-mail address local@domain.tld (at most 254 characters, no spaces)"
_LABEL = re.compile(r"[^\s@.\-]([^\s@.]{0,61}[^\s@.\-])?")
_LOCAL = re.compile(r"[^\s@]{1,64}")


def check_email(value: Any, field: str) -> str:
    """`value` itself if it is an e-mail address by the rule above, else InvalidValue."""
    try:
        check_text(value, field)
    except InvalidValue:
        raise InvalidValue(
            f"{field}: {value!r} is not an e-mail address", field=field, value=value, expected=EMAIL_EXPECTED
        ) from None
    if len(value) <= 254 and value.count("@") == 1:
        local, domain = value.split("@")
        labels = domain.split(".")
        if (
            _LOCAL.fullmatch(local)
            and not local.startswith(".")
            and not local.endswith(".")
            and ".." not in local
            and not any(unicodedata.category(char) == "Cf" for char in value)
            and len(domain) <= 253
            and len(labels) >= 2
            and all(_LABEL.fullmatch(label) for label in labels)
        ):
            return str(value)
    raise InvalidValue(
        f"{field}: {value!r} is not an e-mail address", field=field, value=value, expected=EMAIL_EXPECTED
    )


Email = Annotated[
    str,
    AfterValidator(as_pydantic("email", check_email)),
    JsonSchemaByMode(both={"maxLength": 254}),
]
"""An e-mail address (`check_email`); kept as written."""
