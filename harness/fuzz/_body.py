"""Editing one request body for one mutation, and reading field facts from the spec schemas."""

from __future__ import annotations

import functools
import json
import operator
from dataclasses import replace
from typing import Any

import jsonschema_rs

from harness.clients import Auth
from harness.clients._request import ImagePart, JsonPath, Request
from harness.contract import Spec
from harness.imaging import encode_image


def json_copy(value: Any) -> Any:
    """A copy of a JSON value; flat lists (a 5 MB imgArr) are copied in C, not element by
    element."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        if any(isinstance(e, (dict, list)) for e in value):
            return [json_copy(e) for e in value]
        return value.copy()
    return value


class Body:
    """A deep copy of a request's body that a mutation edits; image provenance follows edits."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.json: Any = json_copy(request.json)
        self.images: list[ImagePart] = list(request.images)
        self.auth: Auth = request.auth
        self.raw_body: bytes | None = None
        self.splice = request.splice
        self.touched: list[JsonPath] = []

    def get(self, path: JsonPath) -> Any:
        return functools.reduce(operator.getitem, path, self.json)

    def has(self, path: JsonPath) -> bool:
        try:
            self.get(path)
        except (KeyError, IndexError, TypeError):
            return False
        return True

    def _forget(self, path: JsonPath) -> None:
        self.images = [p for p in self.images if p.path[: len(path)] != path]

    def set(self, path: JsonPath, value: Any) -> None:
        self.touched.append(path)
        self._forget(path)
        parent = self.get(path[:-1])
        parent[path[-1]] = value

    def delete(self, path: JsonPath) -> None:
        self.touched.append(path)
        self._forget(path)
        del self.get(path[:-1])[path[-1]]

    def set_image(self, path: JsonPath, recipe: str, data: bytes, encoding: str = "b64") -> None:
        self.set(path, encode_image(data, encoding))
        self.images.append(ImagePart(path, recipe, encoding))

    def field(self) -> str:
        """What the mutation changed: the common ancestor of the touched paths, or auth/body."""
        if self.auth != self.request.auth:
            return "auth"
        if self.raw_body is not None or not self.touched:
            return "body"
        common = self.touched[0]
        for path in self.touched[1:]:
            n = 0
            while n < min(len(common), len(path)) and common[n] == path[n]:
                n += 1
            common = common[:n]
        return label(common)

    def build(self) -> Request:
        return replace(
            self.request,
            json=self.json,
            raw_body=self.raw_body,
            auth=self.auth,
            images=tuple(self.images),
            splice=self.splice,
        )


def label(path: JsonPath) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "body"


def resolve(spec: Spec, schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` chains inside the spec's components."""
    seen = 0
    while "$ref" in schema and seen < 16:
        schema = spec.schemas[str(schema["$ref"]).rsplit("/", 1)[-1]]
        seen += 1
    return schema


def declared_type(spec: Spec, schema: dict[str, Any]) -> str:
    """The JSON type a property schema declares (a ``oneOf`` of objects counts as object)."""
    schema = resolve(spec, schema)
    if "type" in schema:
        return str(schema["type"])
    branches = schema.get("oneOf") or schema.get("anyOf") or []
    kinds = {declared_type(spec, b) for b in branches}
    return kinds.pop() if len(kinds) == 1 else "object"


def property_schema(spec: Spec, schema_name: str, prop: str) -> dict[str, Any]:
    return resolve(spec, dict(spec.schemas[schema_name]["properties"][prop]))


WRONG_VALUES: dict[str, tuple[Any, ...]] = {
    "string": (12345, True, None, ["x"], {"x": 1}),
    "boolean": ("true", 1, None, [True]),
    "integer": ("1", 1.5, None, [1]),
    "object": ("{}", [], 0, None, True),
    "array": ({}, "[]", 1, None),
}


def conforms(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` satisfies a (resolved) property schema, judged like the spec validators
    judge it (ECMA regex semantics: Python's ``re`` disagrees on e.g. U+FEFF and ``\\s``)."""
    return bool(_validator(json.dumps(schema, sort_keys=True)).is_valid(value))


@functools.cache
def _validator(schema: str) -> Any:
    return jsonschema_rs.Draft202012Validator(json.loads(schema), validate_formats=False)
