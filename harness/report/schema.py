"""JSON Schema of ``summary.json``, generated from :class:`Summary` and shipped for non-Python
consumers; a test keeps it current (regenerate: ``python -m harness.report.schema``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from harness.errors import InputError
from harness.results import SCHEMA_VERSION, VERDICTS, Summary

SCHEMA_FILE = Path(str(resources.files("harness.report") / "templates" / "summary.schema.json"))


def summary_json_schema() -> dict[str, Any]:
    schema = Summary.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"urn:faceharness:summary:{SCHEMA_VERSION}"
    schema["title"] = "faceharness summary.json"
    # Written files always carry these, although the models fill them in when omitted.
    schema["required"] = sorted({*schema.get("required", []), "schema_version", "verdict"})
    schema["properties"]["verdict"] = {"enum": list(VERDICTS), "type": "string"}
    schema["properties"]["suites"] = {
        "$ref": "#/$defs/Suites",
        "description": "one entry per suite; suites not run have status 'skipped'",
    }
    return schema


def load_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def validate_summary_data(data: Any) -> None:
    """Raise :class:`InputError` unless ``data`` (parsed JSON) matches the shipped schema."""
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.FormatChecker()
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InputError(f"summary does not match its schema at {where}: {error.message}")


if __name__ == "__main__":
    SCHEMA_FILE.write_text(json.dumps(summary_json_schema(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {SCHEMA_FILE}")
