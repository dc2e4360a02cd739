"""One set of value rules for every service, file import and event model (docs/values.md).

Each kind has a pydantic type for models (request schemas, event payloads), whose validation
error message is the expectation, and a plain function for files and other callers, raising
`chasqui_common.errors.InvalidValue(detail, field=, value=<as written>, expected=)`:

| kind      | model type                               | function                                   |
|-----------|------------------------------------------|--------------------------------------------|
| text      | `Text`, `MultilineText`, `text(...)`     | `check_text(value, field, ...)`            |
| dates     | `IsoDate`, `IsoDateTime`                 | `check_iso_date`, `check_iso_datetime`, `parse_file_date(raw, field)` |
| phones    | `PhoneNumber` (E.164)                    | `check_phone(raw, field)`, `is_mobile(e164)` |
| e-mails   | `Email`                                  | `check_email(value, field)`                |
| documents | `IdentityDocument`, `DocumentType`       | `validate_document(type, number, field)`   |
| ubigeo    | `Ubigeo`                                 | `check_ubigeo(code, field)`, `lookup_ubigeo(code)` |
| ids       | `Uuid` (canonical UUID text)             | `check_uuid(value, field)`                 |
"""

from chasqui_common.values._base import STORED, is_stored, read_stored
from chasqui_common.values.dates import (
    FILE_DATE_EXPECTED,
    ISO_DATE_EXPECTED,
    ISO_DATETIME_EXPECTED,
    IsoDate,
    IsoDateTime,
    check_iso_date,
    check_iso_datetime,
    format_file_date,
    parse_file_date,
)
from chasqui_common.values.documents import (
    DOCUMENT_RULES,
    DocumentRule,
    DocumentType,
    IdentityDocument,
    validate_document,
)
from chasqui_common.values.emails import EMAIL_EXPECTED, Email, check_email
from chasqui_common.values.ids import UUID_EXPECTED, Uuid, check_uuid
from chasqui_common.values.phones import E164_PATTERN, PHONE_EXPECTED, PhoneNumber, check_phone, is_mobile
from chasqui_common.values.text import (
    MULTILINE_EXPECTED,
    ONE_LINE_EXPECTED,
    MultilineText,
    Text,
    TextRule,
    check_text,
    text,
)
from chasqui_common.values.ubigeo import (
    REMOVED_UBIGEOS,
    UBIGEO_EXPECTED,
    Ubigeo,
    UbigeoPlace,
    check_ubigeo,
    department_code,
    district_ubigeos,
    is_known_ubigeo,
    lookup_ubigeo,
    province_code,
)

__all__ = [
    "DOCUMENT_RULES",
    "E164_PATTERN",
    "EMAIL_EXPECTED",
    "FILE_DATE_EXPECTED",
    "ISO_DATETIME_EXPECTED",
    "ISO_DATE_EXPECTED",
    "MULTILINE_EXPECTED",
    "ONE_LINE_EXPECTED",
    "PHONE_EXPECTED",
    "REMOVED_UBIGEOS",
    "STORED",
    "UBIGEO_EXPECTED",
    "UUID_EXPECTED",
    "DocumentRule",
    "DocumentType",
    "Email",
    "IdentityDocument",
    "IsoDate",
    "IsoDateTime",
    "MultilineText",
    "PhoneNumber",
    "Text",
    "TextRule",
    "Ubigeo",
    "UbigeoPlace",
    "Uuid",
    "check_email",
    "check_iso_date",
    "check_iso_datetime",
    "check_phone",
    "check_text",
    "check_ubigeo",
    "check_uuid",
    "department_code",
    "district_ubigeos",
    "format_file_date",
    "is_known_ubigeo",
    "is_mobile",
    "is_stored",
    "lookup_ubigeo",
    "parse_file_date",
    "province_code",
    "read_stored",
    "text",
    "validate_document",
]
