"""One OpenAPI document: loaded, validated, and asked for schemas and operation facts."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from harness.errors import SpecError

# libyaml's loader when PyYAML was built with it: the same documents, about 8x faster to read
# (every process of a load run reads the whole contract at start-up).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_VALIDATORS: dict[tuple[int, str, bool, bool, frozenset[str]], Any] = {}
_READING_KEYWORDS = ("pattern", "maxLength", "maxProperties", "maxItems", "format")


@dataclass(frozen=True, slots=True)
class Operation:
    api: str
    operation_id: str
    method: str
    path: str
    request_schema: str | None
    response_schema: str | None
    facts: dict[str, Any]  # the operation's `x-faceharness`
    extension: bool

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class Spec:
    path: Path
    raw: dict[str, Any] = field(repr=False)

    @property
    def api(self) -> str:
        return str(self.facts["api"])

    @property
    def facts(self) -> dict[str, Any]:
        """The document-level `info.x-faceharness` facts (limits, claims, code fields)."""
        return dict(self.raw["info"].get("x-faceharness", {}))

    @property
    def schemas(self) -> dict[str, Any]:
        return dict(self.raw["components"]["schemas"])

    @cached_property
    def operations(self) -> dict[str, Operation]:
        ops: dict[str, Operation] = {}
        for path, item in self.raw["paths"].items():
            for method, op in item.items():
                if method not in {"get", "post", "put", "delete", "patch"}:
                    continue
                facts = dict(op.get("x-faceharness", {}))
                ops[op["operationId"]] = Operation(
                    api=self.api,
                    operation_id=op["operationId"],
                    method=method,
                    path=path,
                    request_schema=_ref_name(op.get("requestBody", {})),
                    response_schema=_ref_name(op.get("responses", {}).get("200", {})),
                    facts=facts,
                    extension=bool(facts.get("extension")),
                )
        return ops

    def schema(self, name: str) -> dict[str, Any]:
        """A self-contained JSON Schema (2020-12) for a component, refs still resolvable."""
        if name not in self.raw["components"]["schemas"]:
            raise SpecError(f"{self.path.name}: no schema named {name!r}")
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"#/components/schemas/{name}",
            "components": copy.deepcopy(self.raw["components"]),
        }

    def validator(
        self,
        name: str,
        *,
        decode_base64: bool = False,
        every_reading: bool = False,
        lenient: frozenset[str] = frozenset(),
    ) -> Any:
        """A compiled validator (jsonschema-rs).

        With `decode_base64=True` the `pattern` of `contentEncoding: base64` strings is left out:
        for a caller that strictly decodes them anyway (the emulator) the regex over hundreds of
        kilobytes is the same rule checked twice, and the slowest step of a request.

        With `every_reading=True` the limits and formats marked `x-reading` (faceharness' reading
        of what the documents leave open: lengths, patterns, property counts) are left out: a value
        this validator rejects is invalid under every reading of the documents. ``lenient`` leaves
        out only the limits marked with no other erratum than those given (the emulator serving an
        alternative reading).
        """
        key = (id(self), name, decode_base64, every_reading, lenient)
        if key not in _VALIDATORS:
            schema = self.schema(name)
            for node in mappings(schema):
                if decode_base64 and node.get("contentEncoding") == "base64":
                    node.pop("pattern", None)
                marked = node.get("x-reading")
                if marked and (every_reading or (lenient and set(marked) <= lenient)):
                    for keyword in node.get("x-reading-keywords") or _READING_KEYWORDS:
                        node.pop(keyword, None)
            _VALIDATORS[key] = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
        return _VALIDATORS[key]

    def examples(self) -> list[tuple[str, str, str, Any]]:
        """(operation_id, 'request'|'response', schema name, example value) for every example."""
        out = []
        for op_id, op in self.operations.items():
            raw_op = self.raw["paths"][op.path][op.method]
            request = raw_op.get("requestBody", {})
            response = raw_op.get("responses", {}).get("200", {})
            for side, container, schema in (
                ("request", request, op.request_schema),
                ("response", response, op.response_schema),
            ):
                for ex in _json(container).get("examples", {}).values():
                    out.append((op_id, side, schema or "", ex["value"]))
        return out


def mappings(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a YAML/JSON tree, parents first (a caller may edit one before its
    children are visited)."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from mappings(v)
    elif isinstance(node, list):
        for v in node:
            yield from mappings(v)


def _json(container: dict[str, Any]) -> dict[str, Any]:
    return dict(container.get("content", {}).get("application/json", {}))


def _ref_name(container: dict[str, Any]) -> str | None:
    ref = _json(container).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def read_yaml(path: Path, label: str) -> Any:
    """A YAML file of the contract (codes, readings, a team's --codes table), or a one-line
    SpecError."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise SpecError(f"cannot read {label}: {exc.strerror or exc}") from None
    except yaml.YAMLError:
        raise SpecError(f"{label} is not valid YAML") from None


def load_spec(path: Path) -> Spec:
    """Read and validate one spec; every failure is a one-line SpecError."""
    from openapi_spec_validator import validate as validate_openapi

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read spec {path}: {exc.strerror or exc}") from None
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"spec {path.name} is not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"spec {path.name} is not a mapping")
    try:
        validate_openapi(raw)
    except Exception as exc:  # the validator raises several unrelated types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(f"spec {path.name} is not valid OpenAPI: {first}") from None
    if "api" not in raw.get("info", {}).get("x-faceharness", {}):
        raise SpecError(f"spec {path.name} lacks info.x-faceharness.api")
    return Spec(path=path, raw=raw)
