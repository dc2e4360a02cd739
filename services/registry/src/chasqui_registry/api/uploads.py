"""Receiving an import upload: the multipart body streamed straight to one file on disk.

The file part is written once, to the import's own spool directory, as it arrives (no
temporary copy first), and refused with 413 as soon as it passes the maximum import size.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from chasqui_common.http.problems import FieldError, ProblemError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from chasqui_registry.application import imports

FILE_FIELD = "file"
_FIELD_LIMIT = 200  # bytes of a text field (format, encoding)
_FLUSH = 1 << 20


def too_large(max_bytes: int) -> ProblemError:
    return ProblemError(
        413,
        "registry-import-too-large",
        "Import file too large",
        f"import files are at most {max_bytes} bytes ({max_bytes / (1 << 20):.0f} MiB); "
        "split the file and send the parts one after another",
        errors=[FieldError(field=FILE_FIELD, value=None, expected=f"a file of at most {max_bytes} bytes")],
    )


def bad_form(detail: str) -> ProblemError:
    return ProblemError(
        422,
        "registry-invalid-upload",
        "Import upload is not a valid form",
        detail,
        errors=[FieldError(field=FILE_FIELD, value=None, expected="multipart/form-data with a file part")],
    )


@dataclass
class Upload:
    """The uploaded file (written to `path`) and the text fields of the form."""

    path: Path
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    size: int = 0
    kept: bool = False  # the import took the file over (it removes the directory when it ends)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)
    headers: dict[bytes, bytes] = field(default_factory=dict)


class _Receiver:
    def __init__(self, upload: Upload, out: BinaryIO, max_bytes: int) -> None:
        self.upload, self.out, self.max_bytes = upload, out, max_bytes
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""
        self.pending = bytearray()  # file bytes not yet written
        self.files = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.header_name.lower()] = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if self.part.name == FILE_FIELD:
            self.files += 1
            if self.files > 1:
                raise bad_form("send one file per import")
            self.part.filename = options.get(b"filename", b"upload").decode("utf-8", "replace")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.name == FILE_FIELD:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise too_large(self.max_bytes)
            self.pending += data[start:end]
        else:
            self.part.data += data[start:end]
            if len(self.part.data) > _FIELD_LIMIT:
                raise bad_form(f"form field {self.part.name[:40]!r} is longer than {_FIELD_LIMIT} bytes")

    def on_part_end(self) -> None:
        if self.part.name == FILE_FIELD:
            self.upload.filename = self.part.filename
        elif self.part.name:
            self.upload.fields[self.part.name] = self.part.data.decode("utf-8", "replace")

    async def flush(self, final: bool = False) -> None:
        if self.pending and (final or len(self.pending) >= _FLUSH):
            data, self.pending = bytes(self.pending), bytearray()
            await asyncio.to_thread(self.out.write, data)


@contextlib.asynccontextmanager
async def receive_upload(request: Request, max_bytes: int) -> AsyncIterator[Upload]:
    """Stream the form's `file` part to a new spool directory; the directory is removed when the
    block ends unless `upload.kept` was set (the import then removes it when it ends)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + (64 << 10):
        raise too_large(max_bytes)
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise bad_form("expected a multipart/form-data body with a boundary")
    directory = imports.spool_directory()
    upload = Upload(directory / "upload")
    try:
        with upload.path.open("wb") as out:
            receiver = _Receiver(upload, out, max_bytes)
            parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
            try:
                async for chunk in request.stream():
                    parser.write(chunk)
                    await receiver.flush()
                parser.finalize()
            except MultipartParseError as exc:
                raise bad_form(f"the multipart body is malformed ({exc})") from None
            await receiver.flush(final=True)
        if upload.filename is None:
            raise bad_form("the form has no file part named 'file'")
        yield upload
    finally:
        if not upload.kept:
            await asyncio.to_thread(shutil.rmtree, directory, True)
