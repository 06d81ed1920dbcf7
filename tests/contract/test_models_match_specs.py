"""The pydantic models and the spec schemas name the same fields with the same required-ness."""

from __future__ import annotations

from typing import Any

import pytest

from harness.contract import MODEL_SCHEMAS


def _resolve(spec_schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return spec_schemas[ref.rsplit("/", 1)[-1]] if ref else node


def flatten(spec_schemas: dict[str, Any], node: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(properties, unconditionally required) through $ref, allOf and (intersected) oneOf."""
    node = _resolve(spec_schemas, node)
    props = set(node.get("properties", {}))
    required = set(node.get("required", []))
    for part in node.get("allOf", []):
        if "if" in part:
            continue
        p, r = flatten(spec_schemas, part)
        props |= p
        required |= r
    branches = [
        flatten(spec_schemas, b)
        for b in node.get("oneOf", [])
        if "properties" in _resolve(spec_schemas, b) or "$ref" in b
    ]
    if branches:
        for p, _ in branches:
            props |= p
        required |= set.intersection(*(r for _, r in branches))
    return props, required


@pytest.mark.parametrize("schema_name", sorted(MODEL_SCHEMAS))
def test_model_fields_equal_spec_properties(contract, schema_name):
    api, model = MODEL_SCHEMAS[schema_name]
    schemas = contract.spec(api).schemas
    props, required = flatten(schemas, schemas[schema_name])
    fields = {f.alias or name: f for name, f in model.model_fields.items()}
    assert set(fields) == props, f"{schema_name}: model {sorted(fields)} vs spec {sorted(props)}"
    model_required = {name for name, f in fields.items() if f.is_required()}
    assert model_required == required, (
        f"{schema_name}: required {sorted(model_required)} vs {sorted(required)}"
    )


def test_every_request_and_response_schema_has_a_model(contract):
    covered = {name for name, (api, _) in MODEL_SCHEMAS.items()}
    for op in contract.operations.values():
        for name in (op.request_schema, op.response_schema):
            assert name in covered, f"{op.operation_id}: schema {name} has no model"


def test_flatten_notices_a_field_added_to_the_spec(contract):
    schemas = dict(contract.jd.schemas)
    schemas["Threshold"] = {
        **schemas["Threshold"],
        "properties": {**schemas["Threshold"]["properties"], "e8": {"type": "number"}},
    }
    props, _ = flatten(schemas, schemas["Threshold"])
    _, model = MODEL_SCHEMAS["Threshold"]
    assert props != set(model.model_fields)
