"""Exports each service's OpenAPI document to docs/openapi/<service>.json.

A service is exported when its package is importable (`chasqui_<name>.main` with a `DEFINITION`);
the app is built with the shared bootstrap (`create_app`) and asked for `app.openapi()`, so the
document is exactly what the running service serves at /openapi.json. Nothing is started.

    uv run python -m chasqui_cli.openapi_export --write docs/openapi   (make openapi)
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SERVICES = (
    "registry",
    "eligibility",
    "employment-matching",
    "migrant-services",
    "notifications",
    "dci-gateway",
    "citizen-attention",
)


def service_definition(name: str) -> Any | None:
    """The service's ServiceDefinition, or None if the service is not installed (yet)."""
    package = f"chasqui_{name.replace('-', '_')}"
    try:
        module = importlib.import_module(f"{package}.main")
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == package or exc.name.startswith(f"{package}.")):
            return None
        raise
    return getattr(module, "DEFINITION", None)


def openapi_of(name: str) -> dict[str, Any] | None:
    definition = service_definition(name)
    if definition is None:
        return None
    from chasqui_common.bootstrap import create_app
    from chasqui_common.settings import ServiceSettings

    # The bootstrap configures logging and warns that no JWKS is set: irrelevant for an export.
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        app = create_app(definition, ServiceSettings(log_json=False, log_level="ERROR"))
        document: dict[str, Any] = app.openapi()
    logging.getLogger().handlers.clear()
    return document


def render(services: Sequence[str] = SERVICES) -> dict[str, str]:
    """File name → content for every service that is installed."""
    files: dict[str, str] = {}
    for name in services:
        document = openapi_of(name)
        if document is not None:
            files[f"{name}.json"] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chasqui-openapi", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, required=True, help="directory, e.g. docs/openapi")
    args = parser.parse_args(argv)
    target: Path = args.write
    target.mkdir(parents=True, exist_ok=True)
    files = render()
    for file_name, content in files.items():
        (target / file_name).write_text(content, encoding="utf-8")
    missing = [name for name in SERVICES if f"{name}.json" not in files]
    print(f"wrote {', '.join(sorted(files)) or 'nothing'} under {target}")
    if missing:
        print(f"skipped (not installed): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
