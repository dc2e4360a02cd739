"""The one Dockerfile every service is built from: hadolint, plus the rules hadolint does not know."""

from __future__ import annotations

import json
import re
import subprocess

from ._support import REPO, SERVICES, venv_tool

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages(text: str) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for instruction in instructions(text):
        if instruction[0] == "FROM":
            out.append([])
        if out:
            out[-1].append(instruction)
    return out


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [venv_tool("hadolint"), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_hadolint_catches_a_bad_dockerfile(tmp_path) -> None:
    """The linter is really running: a root, latest-tagged, shell-form image fails."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nCMD python app.py\n")
    result = subprocess.run([venv_tool("hadolint"), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag


def test_multi_stage_with_a_locked_uv_install() -> None:
    text = DOCKERFILE.read_text()
    build, runtime = stages(text)[-2:]
    runs = " ".join(args for word, args in build if word == "RUN")
    assert 'uv sync --frozen --no-dev --no-editable --package "chasqui-${SERVICE}"' in runs
    assert ("ARG", "SERVICE") in build
    assert ("ARG", "SERVICE") in runtime
    # Only the built virtualenv crosses into the runtime stage.
    copies = [args for word, args in runtime if word == "COPY"]
    assert copies == ["--from=build /app /app"]


def test_runtime_stage_has_no_build_tools_and_no_root() -> None:
    runtime = stages(DOCKERFILE.read_text())[-1]
    body = " ".join(args for _, args in runtime)
    for tool in ("apt-get install", "gcc", "build-essential", "/uv", "pip install"):
        assert tool not in body, f"runtime stage mentions {tool!r}"
    users = [args for word, args in runtime if word == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_healthcheck_stopsignal_and_exec_entrypoint() -> None:
    runtime = dict(stages(DOCKERFILE.read_text())[-1])
    assert runtime["STOPSIGNAL"] == "SIGTERM"
    assert "/healthz" in runtime["HEALTHCHECK"]
    assert "MANAGEMENT_PORT" in runtime["HEALTHCHECK"], "health is on the management port"
    assert json.loads(runtime["ENTRYPOINT"]) == ["/app/.venv/bin/chasqui-service"]
    health_cmd = runtime["HEALTHCHECK"].split("CMD", 1)[1].strip()
    assert json.loads(health_cmd)[0] == "python"  # exec form: no shell needed in the image


def test_every_service_is_a_workspace_package_with_its_console_script() -> None:
    """The image runs `chasqui-$SERVICE`; a service that exists must provide that script."""
    import tomllib

    for service in SERVICES:
        pyproject = REPO / "services" / service / "pyproject.toml"
        if not pyproject.exists():
            continue  # being built concurrently; the compose and k8s tests still expect it
        project = tomllib.loads(pyproject.read_text())["project"]
        assert project["name"] == f"chasqui-{service}"
        assert f"chasqui-{service}" in project.get("scripts", {}), f"{pyproject} lacks the console script"


def test_dockerignore_sends_only_the_workspace() -> None:
    lines = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert lines[0] == "**", "deny by default, then allow the workspace"
    allowed = {line[1:] for line in lines if line.startswith("!")}
    for needed in (
        "uv.lock",
        "pyproject.toml",
        "libs/common/**",
        "services/*/src/**",
    ):
        assert needed in allowed
    assert not any(entry.startswith((".local", ".venv", ".git")) for entry in allowed)


def test_dockerignore_keeps_every_workspace_member() -> None:
    """uv reads the whole workspace even to install one package: each member must be in the context."""
    import fnmatch
    import tomllib

    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    allowed = [line[1:] for line in (REPO / ".dockerignore").read_text().splitlines() if line.startswith("!")]
    for member in members:
        for directory in REPO.glob(member):
            if not (directory / "pyproject.toml").exists():
                continue
            path = str((directory / "pyproject.toml").relative_to(REPO))
            assert any(fnmatch.fnmatch(path, pattern) for pattern in allowed), (
                f"{path} is not in the build context"
            )
