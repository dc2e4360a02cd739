"""The notifications service's own refusals (HTTP status comes from the base class, once, elsewhere)."""

from __future__ import annotations

from chasqui_common.errors import InvalidValue, NotFound


class PersonUnknown(NotFound):
    """No contact card for this person: no event named them and they never chose anything here."""

    code = "person-unknown"
    title = "Person not known"


class UnsupportedLanguage(InvalidValue):
    """A message language was asked for that has no templates."""

    code = "unsupported-language"
    title = "No templates in this language"
