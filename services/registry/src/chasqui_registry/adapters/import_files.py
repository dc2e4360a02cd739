"""ULE import files (CSV and JSONL): decoding, parsing, and grouping rows into household drafts.

Nothing here touches the database. Every problem becomes a RowError naming the file line,
the column (CSV) or JSON path (JSONL), the value and what was expected.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import ValidationError

from chasqui_registry.domain.model import HouseholdDraft
from chasqui_registry.domain.text import FILE_CONTEXT, parse_file_date, printable, text_problem

Format = Literal["csv", "jsonl"]

JsonObject = dict[str, Any]
"""A JSON object as a file gives it or as it will be serialized (input to, or output of, a model)."""

HOUSEHOLD_COLUMNS = (
    "household_key",
    "registering_unit",
    "ubigeo",
    "address",
    "residence_since",
    "cse_level",
    "cse_valid_from",
    "cse_valid_until",
    "cse_source",
)
MEMBER_COLUMNS = (
    "document_type",
    "document_number",
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "birth_date",
    "sex",
    "relationship",
    "disability_severity",
    "disability_certified",
    "pregnant",
    "pension",
    "education_level",
    "in_school",
    "secondary_completed",
    "secondary_last_year",
    "phone",
    "email",
    "consent_sms",
    "consent_email",
    "consent_whatsapp",
)
CSV_COLUMNS = HOUSEHOLD_COLUMNS + MEMBER_COLUMNS
REQUIRED_CSV_COLUMNS = (
    "household_key",
    "registering_unit",
    "ubigeo",
    "address",
    "residence_since",
    "document_type",
    "given_names",
    "birth_date",
    "sex",
    "relationship",
)

# Where each draft field lives in a CSV row, so errors name the column the ULE filled in.
_MEMBER_PATHS = {
    "document.type": "document_type",
    "document.number": "document_number",
    "disability.severity": "disability_severity",
    "disability.certified": "disability_certified",
    "education.level": "education_level",
    "education.in_school": "in_school",
    "education.secondary_completed": "secondary_completed",
    "education.secondary_last_year": "secondary_last_year",
    "contact.phone": "phone",
    "contact.email": "email",
    "contact.consent.sms": "consent_sms",
    "contact.consent.email": "consent_email",
    "contact.consent.whatsapp": "consent_whatsapp",
}
_HOUSEHOLD_PATHS = {
    "classification.level": "cse_level",
    "classification.valid_from": "cse_valid_from",
    "classification.valid_until": "cse_valid_until",
    "classification.source": "cse_source",
    "classification": "cse_level",
}
# The text encodings an import file may be in (by their codec's canonical name), and the codec
# each is read with. Anything else (other charsets, bytes-to-bytes codecs such as zlib or base64,
# codecs that are not text encodings) is refused before the file is read.
TEXT_ENCODINGS = {
    "utf-8": "utf-8-sig",  # with or without the BOM Excel writes
    "utf-8-sig": "utf-8-sig",
    "cp1252": "cp1252",  # windows-1252, what Excel on Windows saves
    "iso8859-1": "latin-1",
}
ENCODINGS_EXPECTED = "utf-8 (with or without BOM), windows-1252 or latin-1 (or one of their aliases)"
# Bytes 0x80-0x9F: printable characters (’ – € …) in Windows-1252, C1 controls in Latin-1.
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_TRUE = {"true", "1", "yes", "y", "si", "sí", "s", "x"}
_FALSE = {"false", "0", "no", "n", ""}


class FileRefused(ValueError):
    """The file as a whole cannot be read (encoding, header); nothing in it is imported."""


@dataclass(frozen=True)
class RowError:
    row: int
    household_key: str | None
    field: str
    value: Any
    reason: str

    def as_tuple(self) -> tuple[int, str | None, str, str | None, str]:
        """The error as stored: control characters the file held are written as escapes."""
        value = None if self.value is None else printable(str(self.value)[:500])
        key = None if self.household_key is None else printable(self.household_key)
        return (self.row, key, printable(self.field), value, printable(self.reason))


@dataclass
class ParsedHousehold:
    """One household's rows from the file: its draft if it parsed, else the reasons it did not."""

    household_key: str
    registering_unit: str
    rows: list[int]
    draft: HouseholdDraft | None = None
    errors: list[RowError] = field(default_factory=list)
    # For each member index, the file line it came from (CSV); JSONL households are one line.
    member_rows: list[int] = field(default_factory=list)
    fmt: Format = "csv"
    # What the file said, not yet validated: CSV rows (column -> stripped value) or the JSONL object.
    # `groups()` fills it; `build()` turns it into `draft` (or errors), e.g. in a worker process.
    raw: list[dict[str, str]] | JsonObject | None = None

    @property
    def import_key(self) -> str:
        return f"{self.registering_unit}/{self.household_key}"

    def locate(self, path: str) -> tuple[int, str]:
        """The file line and column (or JSON path) of a draft field path like `members.2.sex`."""
        first = self.rows[0] if self.rows else 0
        parts = path.split(".")
        if parts[0] == "members" and len(parts) > 2 and parts[1].isdigit():
            index = int(parts[1])
            rest = ".".join(parts[2:])
            if self.fmt == "jsonl":
                return first, path
            row = self.member_rows[index] if index < len(self.member_rows) else first
            return row, _MEMBER_PATHS.get(rest, rest)
        if self.fmt == "jsonl":
            return first, path
        head = self.member_rows[self._head_index()] if self.member_rows else first
        if parts[0] == "members":
            return first, "relationship"
        return head, _HOUSEHOLD_PATHS.get(path, path)

    def build(self) -> ParsedHousehold:
        """Validate `raw` into `draft` (pydantic), recording every problem as a RowError."""
        raw, self.raw = self.raw, None
        if raw is None or self.errors:
            return self
        if isinstance(raw, list):
            _build(self, _csv_household(raw), raw)
        else:
            _build(self, raw)
        return self

    def _head_index(self) -> int:
        if self.draft is not None:
            for index, member in enumerate(self.draft.members):
                if member.relationship.value == "HEAD":
                    return index
        return 0


class _Counting(io.RawIOBase):
    """Counts the bytes read from a binary file, for a progress bar over a text reader."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


def text_encoding(encoding: str) -> str | None:
    """The codec to read a file declared in `encoding` with, or None if it is not an allowed one."""
    if not encoding or len(encoding) > 40 or not encoding.isascii():
        return None
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, ValueError, TypeError):
        return None
    return TEXT_ENCODINGS.get(name)


def _has_c1_bytes(path: Path) -> bool:
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            if _C1_BYTES.search(chunk):
                return True
    return False


def check_encoding(path: Path, encoding: str) -> str:
    """The codec to read `path` with; refuses a file that is not valid in `encoding`, saying where.

    Excel on Windows saves CSV as Windows-1252: such a file is refused as UTF-8 with a message
    telling how to re-send it, rather than imported with mangled names (Ñ, accents). Windows-1252
    is the advice whenever bytes 0x80-0x9F appear (’ – …): as Latin-1 they would be controls.
    """
    codec = text_encoding(encoding)
    if codec is None:
        raise FileRefused(
            f"encoding {printable(encoding[:40])!r} is not accepted; expected {ENCODINGS_EXPECTED}"
        )
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    line = 1
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                line += chunk[: exc.start].count(b"\n")
                sample = chunk[max(0, exc.start - 10) : exc.start + 10]
                where = f"byte 0x{chunk[exc.start]:02X} at offset {bad} (line {line}, near {sample!r})"
                if codec != "utf-8-sig":
                    raise FileRefused(f"file is not valid {encoding}: {where}") from None
                if _has_c1_bytes(path):
                    advice = (
                        "it looks like Windows-1252 (it has bytes 0x80-0x9F, such as ’ or –) — convert "
                        "it to UTF-8 or send it again with encoding=windows-1252"
                    )
                else:
                    advice = (
                        "it looks like Windows-1252/Latin-1 — convert it to UTF-8 or send it again "
                        "with encoding=windows-1252 (or encoding=latin-1)"
                    )
                raise FileRefused(f"file is not valid {encoding}: {where}; {advice}") from None
            offset += len(chunk)
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileRefused(f"file is not valid {encoding}: it ends in the middle of a character") from None
    return codec


class ImportFile:
    """An import file opened for reading: `households()` yields them in file order."""

    def __init__(self, path: Path, fmt: Format, encoding: str = "utf-8") -> None:
        if fmt not in ("csv", "jsonl"):
            raise FileRefused(f"format {fmt!r} is not supported; expected csv or jsonl")
        self.path = path
        self.fmt: Format = fmt
        self.codec = check_encoding(path, encoding)
        self.size = path.stat().st_size
        self.rows_read = 0
        self._counter: _Counting | None = None

    @property
    def bytes_read(self) -> int:
        return self._counter.count if self._counter else 0

    def households(self) -> Iterator[ParsedHousehold]:
        """Households in file order with their drafts validated."""
        for parsed in self.groups():
            yield parsed.build()

    def groups(self) -> Iterator[ParsedHousehold]:
        """Households in file order, grouped and numbered but not yet validated (`raw` set).

        Everything that needs the whole file (row numbers, consecutive rows, keys repeated
        in the file, malformed lines) is settled here; `ParsedHousehold.build` needs only the
        household itself, so it can run elsewhere (a worker process)."""
        with self.path.open("rb") as raw:
            self._counter = _Counting(raw)
            text = io.TextIOWrapper(
                io.BufferedReader(self._counter, 1 << 20), encoding=self.codec, newline=""
            )
            if self.fmt == "csv":
                yield from self._csv(text)
            else:
                yield from self._jsonl(text)

    # --- JSONL: one household per line, the shape of POST /v1/households plus household_key -----

    def _jsonl(self, text: io.TextIOWrapper) -> Iterator[ParsedHousehold]:
        seen: set[str] = set()
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            self.rows_read += 1
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield _broken(number, "(line)", line[:80], f"not JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(data, dict):
                yield _broken(number, "(line)", line[:80], "a JSON object (one household per line)")
                continue
            key = str(data.pop("household_key", "") or "").strip()
            unit = str(data.get("registering_unit") or "").strip()
            parsed = ParsedHousehold(key, unit, [number], fmt="jsonl")
            bad_text = [
                RowError(number, key or None, path, value, problem)
                for path, value, problem in _text_problems(data, ("household_key", key))
            ]
            if bad_text:
                parsed.errors.extend(bad_text)
                yield parsed
                continue
            if not key:
                parsed.errors.append(RowError(number, None, "household_key", None, "a household key"))
                yield parsed
                continue
            if parsed.import_key in seen:
                parsed.errors.append(
                    RowError(number, key, "household_key", key, "a household key not repeated in the file")
                )
                yield parsed
                continue
            seen.add(parsed.import_key)
            parsed.raw = data
            yield parsed

    # --- CSV: one member per row; a household's rows are consecutive ----------------------------

    def _csv(self, text: io.TextIOWrapper) -> Iterator[ParsedHousehold]:
        reader = csv.reader(text, strict=True)
        try:
            header = [column.strip().lower() for column in next(reader)]
        except StopIteration:
            raise FileRefused("file is empty; expected a header row with " + ", ".join(CSV_COLUMNS)) from None
        except csv.Error as exc:
            raise FileRefused(f"header row is not valid CSV: {exc}") from None
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
        if missing:
            raise FileRefused(
                f"header lacks required column(s) {', '.join(missing)}; found {', '.join(header)}"
            )
        unknown = [c for c in header if c not in CSV_COLUMNS]
        if unknown:
            raise FileRefused(
                f"header has unknown column(s) {', '.join(unknown)}; expected only {CSV_COLUMNS}"
            )
        width = len(header)
        seen: set[str] = set()
        current: tuple[ParsedHousehold, list[dict[str, str]]] | None = None
        poison_next = False

        def finish(group: tuple[ParsedHousehold, list[dict[str, str]]]) -> ParsedHousehold:
            parsed, rows = group
            parsed.member_rows = [int(r["__row__"]) for r in rows]
            if not parsed.errors:
                parsed.raw = rows
            return parsed

        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                # The broken line's household cannot be known: reject its neighbours too rather
                # than import a household that silently lost a member.
                reason = f"malformed CSV ({exc}); the households on either side are not imported"
                if current is not None:
                    current[0].errors.append(RowError(start, current[0].household_key, "(row)", None, reason))
                    poison_next = True
                else:
                    yield _broken(start, "(row)", None, reason)
                continue
            self.rows_read += 1
            stripped = list(map(str.strip, values))
            if not any(stripped):
                continue
            row_number = reader.line_num
            if len(values) != width:
                reason = (
                    f"{width} columns as in the header; found {len(values)} "
                    "(a stray comma or quote?); the households on either side are not imported"
                )
                if current is not None:
                    current[0].errors.append(
                        RowError(row_number, current[0].household_key, "(row)", None, reason)
                    )
                    poison_next = True
                else:
                    yield _broken(row_number, "(row)", None, reason)
                continue
            row = dict(zip(header, stripped, strict=True))
            bad_text = [
                (column, value, problem)
                for column, value in row.items()
                if (problem := text_problem(value)) is not None
            ]
            row["__row__"] = str(row_number)
            key, unit = row["household_key"], row["registering_unit"]
            if current is not None and (current[0].household_key, current[0].registering_unit) == (key, unit):
                current[0].rows.append(row_number)
                current[1].append(row)
                _reject_text(current[0], row_number, bad_text)
                continue
            if current is not None:
                yield finish(current)
                current = None
            parsed = ParsedHousehold(key, unit, [row_number])
            if poison_next:
                parsed.errors.append(
                    RowError(
                        row_number,
                        key,
                        "(row)",
                        None,
                        "a malformed CSV line comes just before this household",
                    )
                )
                poison_next = False
            if not key or not unit:
                column = "household_key" if not key else "registering_unit"
                parsed.errors.append(RowError(row_number, key or None, column, None, f"a {column}"))
            elif parsed.import_key in seen:
                parsed.errors.append(
                    RowError(
                        row_number,
                        key,
                        "household_key",
                        key,
                        "a household's rows to be consecutive; this key appeared earlier in the file",
                    )
                )
            seen.add(parsed.import_key)
            current = (parsed, [row])
            _reject_text(parsed, row_number, bad_text)
        if current is not None:
            yield finish(current)


def _reject_text(parsed: ParsedHousehold, row: int, problems: list[tuple[str, str, str]]) -> None:
    """A row with control characters rejects its household only; the rest of the file goes on."""
    parsed.errors.extend(
        RowError(row, parsed.household_key or None, column, value, problem)
        for column, value, problem in problems
    )


def _broken(row: int, column: str, value: Any, reason: str) -> ParsedHousehold:
    return ParsedHousehold("", "", [row], errors=[RowError(row, None, column, value, reason)])


def _text_problems(data: Any, *extra: tuple[str, Any], path: str = "") -> Iterator[tuple[str, str, str]]:
    """(JSON path, value, problem) of every string (keys too) of a JSON value that is not text."""
    for name, value in extra:
        yield from _text_problems(value, path=name)
    if isinstance(data, str):
        if (problem := text_problem(data)) is not None:
            yield path or "(line)", data, problem
    elif isinstance(data, dict):
        for name, value in data.items():
            where = f"{path}.{name}" if path else str(name)
            if (problem := text_problem(str(name))) is not None:
                yield where, str(name), problem
            else:
                yield from _text_problems(value, path=where)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _text_problems(value, path=f"{path}.{index}" if path else str(index))


def parse_date(value: str) -> str:
    """A file date (`YYYY-MM-DD` or `DD/MM/YYYY`) as ISO `YYYY-MM-DD`; anything else exactly as
    written, so validation refuses it quoting the file's own value."""
    parsed = parse_file_date(value)
    return value if parsed is None else parsed.isoformat()


def parse_flag(value: str) -> Any:
    """A yes/no cell (true/false, 1/0, yes/no, si/sí/no, x; empty = false) as a bool, else as it is."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value  # let validation name it


def _csv_member(row: dict[str, str]) -> JsonObject:
    def get(name: str) -> str:
        return row.get(name, "")

    member: JsonObject = {
        "document": {"type": get("document_type").upper(), "number": get("document_number") or None},
        "given_names": get("given_names"),
        "paternal_surname": get("paternal_surname") or None,
        "maternal_surname": get("maternal_surname") or None,
        "birth_date": parse_date(get("birth_date")),
        "sex": get("sex").upper(),
        "relationship": get("relationship").upper(),
        "disability": {
            "severity": get("disability_severity").lower() or "none",
            "certified": parse_flag(get("disability_certified")),
        },
        "pregnant": parse_flag(get("pregnant")),
        "pension": get("pension").lower() or "none",
        "education": {
            "level": get("education_level").lower() or "none",
            "in_school": parse_flag(get("in_school")),
            "secondary_completed": parse_flag(get("secondary_completed")),
            "secondary_last_year": parse_flag(get("secondary_last_year")),
        },
        "contact": {
            "phone": get("phone") or None,
            "email": get("email") or None,
            "consent": {
                "sms": parse_flag(get("consent_sms")),
                "email": parse_flag(get("consent_email")),
                "whatsapp": parse_flag(get("consent_whatsapp")),
            },
        },
    }
    if not member["given_names"]:
        del member["given_names"]  # reported as missing, not as too short
    return member


def _csv_household(rows: list[dict[str, str]]) -> JsonObject:
    """Household columns are read from the HEAD's row (the first row if there is no head)."""
    head = next((r for r in rows if r.get("relationship", "").upper() == "HEAD"), rows[0])
    household: JsonObject = {
        "ubigeo": head["ubigeo"],
        "address": head["address"],
        "residence_since": parse_date(head["residence_since"]),
        "registering_unit": head["registering_unit"],
        "members": [_csv_member(r) for r in rows],
    }
    if head.get("cse_level"):
        household["classification"] = {
            "level": head["cse_level"].upper(),
            "valid_from": parse_date(head.get("cse_valid_from", "")),
            "valid_until": parse_date(head.get("cse_valid_until", "")),
            "source": head.get("cse_source") or "ULE",
        }
    return {k: v for k, v in household.items() if v != ""}


def _build(parsed: ParsedHousehold, data: JsonObject, rows: list[dict[str, str]] | None = None) -> None:
    if rows is not None:
        parsed.member_rows = [int(r["__row__"]) for r in rows]
    try:
        parsed.draft = HouseholdDraft.model_validate(data, context=FILE_CONTEXT)
    except ValidationError as exc:
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"])
            row, column = parsed.locate(path)
            value = None if error["type"] == "missing" else error.get("input")
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)[:200]
            reason = "a value (required)" if error["type"] == "missing" else error["msg"]
            parsed.errors.append(RowError(row, parsed.household_key or None, column, value, reason))
