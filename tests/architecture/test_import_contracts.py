"""The architecture is a test: the import-linter contracts of pyproject.toml hold.

Per service: main -> api -> application -> adapters -> domain, routes never reach repositories,
the domain does no I/O; no service imports another; libs/common imports no service; the dev
runner (deploy/local) and the operator CLI import no service (docs/architecture.md#layers).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())


def _lint_imports() -> str:
    candidate = Path(sys.executable).parent / "lint-imports"
    found = str(candidate) if candidate.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed: run `make setup`"
    return found


def test_every_import_contract_is_kept() -> None:
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "broken" not in result.stdout.split("Contracts:")[-1].replace("0 broken", "")


def test_every_service_has_its_layer_contracts() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    names = [contract["name"] for contract in config["contracts"]]
    for service in SERVICES:
        for rule in (
            "main -> api -> application -> adapters -> domain",
            "routes call use cases",
            "free of I/O",
        ):
            assert any(name.startswith(f"{service}:") and rule in name for name in names), (service, rule)
    packages = {f"chasqui_{service.replace('-', '_')}" for service in SERVICES}
    independence = next(c for c in config["contracts"] if c["type"] == "independence")
    assert packages <= set(independence["modules"]), "a service is missing from the independence contract"
