"""Fixtures for the deployment tests: the tools from deploy/k8s/tools.sh and the rendered overlays."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml

from ._support import KUSTOMIZE, OVERLAYS, REPO, TOOLS


@pytest.fixture(scope="session")
def deploy_tools() -> None:
    """kustomize and the CRD validator, built/installed into .local on first use (cached after)."""
    result = subprocess.run(["bash", str(TOOLS)], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"deploy/k8s/tools.sh failed:\n{result.stderr[-4000:]}")


@pytest.fixture(scope="session")
def rendered(deploy_tools: None) -> dict[str, list[dict[str, Any]]]:
    """`kustomize build` of each overlay, parsed."""
    out: dict[str, list[dict[str, Any]]] = {}
    for overlay in OVERLAYS:
        result = subprocess.run(
            [str(KUSTOMIZE), "build", str(REPO / "deploy" / "k8s" / "overlays" / overlay)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"kustomize build overlays/{overlay} failed:\n{result.stderr}"
        out[overlay] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out
