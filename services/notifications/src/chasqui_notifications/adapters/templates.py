"""Message templates (Jinja2): templates/<language>/<template key>/<channel file>.j2.

Channel files: `sms.j2`, `whatsapp.j2`, and for e-mail `email_subject.j2`, `email.txt.j2`,
`email.html.j2` (HTML is autoescaped; the others are plain text). A language without a template
falls back to the default language, so adding a language is adding a folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from chasqui_common.clock import LIMA
from chasqui_common.events.notifications import DeliveryChannel

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_LANGUAGE = "es"

CHANNEL_FILES: dict[DeliveryChannel, tuple[str, ...]] = {
    DeliveryChannel.EMAIL: ("email_subject.j2", "email.txt.j2", "email.html.j2"),
    DeliveryChannel.SMS: ("sms.j2",),
    DeliveryChannel.WHATSAPP: ("whatsapp.j2",),
}

_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


class TemplateMissing(LookupError):
    """No template for this key and channel in the language asked nor in the default language."""


@dataclass(frozen=True)
class Rendered:
    template: str
    language: str
    channel: DeliveryChannel
    text: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class TemplateInfo:
    key: str
    language: str
    channels: tuple[DeliveryChannel, ...]
    description: str


def long_date(value: date | datetime | None) -> str:
    """`martes 3 de junio de 2025` (Lima time for datetimes)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LIMA).date() if value.tzinfo else value.date()
    return f"{_DAYS[value.weekday()]} {value.day} de {_MONTHS[value.month - 1]} de {value.year}"


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LIMA).date() if value.tzinfo else value.date()
    return value.strftime("%d/%m/%Y")


def clock_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LIMA) if value.tzinfo else value
    return local.strftime("%H:%M")


class TemplateRenderer:
    def __init__(self, directory: Path = TEMPLATES_DIR, default_language: str = DEFAULT_LANGUAGE) -> None:
        self.directory = directory
        self.default_language = default_language
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters.update(long_date=long_date, short_date=short_date, clock_time=clock_time)

    def languages(self) -> list[str]:
        return sorted(p.name for p in self.directory.iterdir() if p.is_dir())

    def catalogue(self) -> list[TemplateInfo]:
        infos = []
        for language in self.languages():
            for folder in sorted((self.directory / language).iterdir()):
                if not folder.is_dir() or folder.name.startswith("_"):
                    continue
                channels = tuple(
                    channel
                    for channel, files in CHANNEL_FILES.items()
                    if all((folder / name).exists() for name in files)
                )
                about = folder / "about.txt"
                description = about.read_text(encoding="utf-8").strip() if about.exists() else ""
                infos.append(TemplateInfo(folder.name, language, channels, description))
        return infos

    def has(self, key: str, channel: DeliveryChannel, language: str | None = None) -> bool:
        try:
            self._language_for(key, channel, language or self.default_language)
        except TemplateMissing:
            return False
        return True

    def render(
        self, key: str, channel: DeliveryChannel, context: dict[str, Any], language: str | None = None
    ) -> Rendered:
        lang = self._language_for(key, channel, language or self.default_language)
        files = CHANNEL_FILES[channel]
        outputs = [self._env.get_template(f"{lang}/{key}/{name}").render(**context) for name in files]
        if channel is DeliveryChannel.EMAIL:
            subject, text, html = outputs
            return Rendered(key, lang, channel, text.strip() + "\n", _one_line(subject), html.strip() + "\n")
        if channel is DeliveryChannel.WHATSAPP:
            return Rendered(key, lang, channel, _paragraphs(outputs[0]))
        return Rendered(key, lang, channel, _one_line(outputs[0]))

    def _language_for(self, key: str, channel: DeliveryChannel, language: str) -> str:
        for candidate in dict.fromkeys((language, self.default_language)):
            if all((self.directory / candidate / key / name).exists() for name in CHANNEL_FILES[channel]):
                return candidate
        raise TemplateMissing(
            f"no template {key!r} for channel {channel.value} in language {language!r} "
            f"or {self.default_language!r} under {self.directory}"
        )


RENDERER = TemplateRenderer()
"""The service's templates (the packaged folder, default language `es`)."""


def _one_line(text: str) -> str:
    """SMS, WhatsApp and subjects are one paragraph: template line breaks become single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def _paragraphs(text: str) -> str:
    """WhatsApp keeps paragraphs: lines trimmed, runs of blank lines reduced to one."""
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
