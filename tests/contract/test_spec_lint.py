"""The specs read well in the tools QA teams open them with (Spectral, Swagger UI, Redoc).

Spectral's `spectral:oas` ruleset must report nothing. The rules it flagged before (an
operation without description or tags, an info without contact, a tag not declared) are
checked here in Python too, so the test means something where Spectral is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

REPO = Path(__file__).resolve().parents[2]
SPECS = sorted((REPO / "specs").glob("*.openapi.yaml"))
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _operations(spec: dict) -> list[tuple[str, dict]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


@pytest.fixture(params=SPECS, ids=lambda p: p.name)
def spec(request) -> dict:
    return yaml.safe_load(request.param.read_text(encoding="utf-8"))


def test_there_are_specs():
    assert {p.name for p in SPECS} == {"face-match.openapi.yaml", "jd-face-compare.openapi.yaml"}


def test_spec_is_valid_openapi(spec):
    validate(spec)


def test_every_operation_is_described_and_tagged_with_a_declared_tag(spec):
    declared = {t["name"]: t for t in spec.get("tags", [])}
    assert declared, "no top-level tags: Swagger UI and Redoc cannot group the operations"
    for tag in declared.values():
        assert str(tag.get("description", "")).strip(), f"tag {tag['name']} has no description"
    used = set()
    for label, op in _operations(spec):
        assert str(op.get("description", "")).strip(), f"{label}: no description"
        assert op.get("tags"), f"{label}: no tags"
        for tag in op["tags"]:
            assert tag in declared, f"{label}: tag {tag!r} is not declared under tags"
            used.add(tag)
    assert used == set(declared), f"declared but unused tags: {set(declared) - used}"


def test_info_has_a_contact(spec):
    contact = spec["info"].get("contact")
    assert isinstance(contact, dict) and any(
        str(contact.get(k, "")).strip() for k in ("name", "url", "email")
    )


def test_spectral_oas_ruleset_reports_nothing():
    spectral = shutil.which("spectral")
    if spectral is None:
        pytest.skip(
            "Spectral CLI not installed (npm install -g @stoplight/spectral-cli); "
            "its rules that failed before are checked above"
        )
    r = subprocess.run(
        [
            spectral,
            "lint",
            "--ruleset",
            str(REPO / ".spectral.yaml"),
            "--format",
            "json",
            "--fail-severity",
            "hint",
            *map(str, SPECS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    start = r.stdout.find("[")
    results = json.loads(r.stdout[start : r.stdout.rfind("]") + 1]) if start >= 0 else None
    assert results == [], r.stdout + r.stderr
    assert r.returncode == 0, r.stdout + r.stderr
