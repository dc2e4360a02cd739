"""docs/asyncapi.yaml covers every topic and event and passes the official AsyncAPI parser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from chasqui_common.events import CATALOGUE
from chasqui_common.topics import ARCO_TOPICS, AUDIT, TOPICS
from chasqui_contracts.asyncapi import SUBSCRIPTIONS, build

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
VALIDATOR = ROOT / "tools" / "asyncapi-validate"


def _npm_ci() -> None:
    """Install @asyncapi/parser from the committed lockfile once; later runs reuse node_modules."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js 18+ and npm are needed to validate docs/asyncapi.yaml (make asyncapi-validate)")
    marker = VALIDATOR / "node_modules" / ".package-lock.json"
    lock = VALIDATOR / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    result = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=VALIDATOR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"npm ci in {VALIDATOR} failed:\n{result.stdout}\n{result.stderr}"


def test_official_parser_finds_no_errors() -> None:
    _npm_ci()
    result = subprocess.run(
        ["node", "validate.mjs", str(DOCS / "asyncapi.yaml")],
        cwd=VALIDATOR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if line.startswith("error\t")]
    assert not errors, result.stdout
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "VALID: AsyncAPI 3.0.0" in result.stdout


def test_the_parser_rejects_a_broken_document(tmp_path: Path) -> None:
    """The validator is not a rubber stamp: an unknown action is an error-level diagnostic."""
    _npm_ci()
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (DOCS / "asyncapi.yaml").read_text(encoding="utf-8").replace("action: receive", "action: listen"),
        encoding="utf-8",
    )
    result = subprocess.run(
        ["node", "validate.mjs", str(broken)], cwd=VALIDATOR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "error\t" in result.stdout


def test_every_topic_and_event_is_in_the_document() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    for topic in TOPICS:
        assert document["channels"][topic.name]["address"] == topic.name
        assert document["channels"][topic.dlq.name]["address"] == topic.dlq.name
    for spec in CATALOGUE:
        message = document["components"]["messages"][spec.type]
        assert message["headers"]["properties"]["ce_type"]["const"] == spec.type
        assert message["payload"] == {"$ref": f"#/components/schemas/{spec.type}"}
        assert spec.type in document["channels"][spec.topic.name]["messages"]
        assert f"{spec.topic.owner}.send.{spec.topic.name}" in document["operations"]
        for copy in spec.copy_topics:  # e.g. eligibility.decisions.<program>: no dead-letter twin
            assert spec.type in document["channels"][copy.name]["messages"]
            assert f"{copy.name}.dlq" not in document["channels"]


def test_operations_follow_the_architecture_table() -> None:
    operations = build()["operations"]
    sends = {name for name, op in operations.items() if op["action"] == "send" and ".send." in name}
    expected = {
        f"{t.owner}.send.{t.name}"
        for t in (*TOPICS, *ARCO_TOPICS, AUDIT)
        if any(s.topic == t for s in CATALOGUE)
    }
    # Copies on least-privilege topics (each program's decisions): sent, read by integrators only.
    expected |= {f"{t.owner}.send.{t.name}" for s in CATALOGUE for t in s.copy_topics}
    assert sends == expected
    receives = {name for name, op in operations.items() if op["action"] == "receive"}
    assert "eligibility.receive.registry.households" in receives
    assert "employment-matching.receive.migrant-services.cases" in receives
    for service, topics in SUBSCRIPTIONS.items():
        for topic in topics:
            if f"{service}.receive.{topic}" in receives:
                assert f"{service}.deadletter.{topic}" in operations
