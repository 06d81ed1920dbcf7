"""Editing one request body for one mutation, and the facts the spec schemas state of its fields.

Fields come from the spec schemas (properties, ``required``, enums, limits); the only
hand-written knowledge here is where nested objects sit in each operation's body.
"""

from __future__ import annotations

import functools
import json
import operator
import os
from dataclasses import dataclass, replace
from typing import Any

import jsonschema_rs

from harness.clients import Auth
from harness.clients._request import ImagePart, JsonPath, Request
from harness.contract import Spec, json_copy
from harness.imaging import encode_image

IMAGE_FIELDS = frozenset({"data", "imgBase64", "imgArr", "imgUrl"})
JD_SOURCES = ("imgBase64", "imgArr", "imgUrl")
WRONG_VALUES: dict[str, tuple[Any, ...]] = {
    "string": (12345, True, None, ["x"], {"x": 1}),
    "boolean": ("true", 1, None, [True]),
    "integer": ("1", 1.5, None, [1]),
    "object": ("{}", [], 0, None, True),
    "array": ({}, "[]", 1, None),
}


def with_images(request: Request, image: Any) -> Any:
    """The body with each image replaced by ``image(part)`` (left as it is where that raises)."""
    body = json_copy(request.json)
    for part in request.images:
        try:
            value = image(part)
            functools.reduce(operator.getitem, part.path[:-1], body)[part.path[-1]] = value
        except (KeyError, IndexError, TypeError, ValueError, OSError):
            continue
    return body


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

    def set(self, path: JsonPath, value: Any = None, *, delete: bool = False) -> None:
        self.touched.append(path)
        self.images = [p for p in self.images if p.path[: len(path)] != path]
        if delete:
            del self.get(path[:-1])[path[-1]]
        else:
            self.get(path[:-1])[path[-1]] = value

    def delete(self, path: JsonPath) -> None:
        self.set(path, delete=True)

    def set_image(self, path: JsonPath, recipe: str, data: bytes, encoding: str = "b64") -> None:
        self.set(path, encode_image(data, encoding))
        self.images.append(ImagePart(path, recipe, encoding))

    def field(self) -> str:
        """What the mutation changed: the common ancestor of the touched paths, or auth/body."""
        if self.auth != self.request.auth:
            return "auth"
        if self.raw_body is not None or not self.touched:
            return "body"
        return label(tuple(os.path.commonprefix(self.touched)))

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


def conforms(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` satisfies a (resolved) property schema, judged like the spec validators
    judge it (ECMA regex semantics: Python's ``re`` disagrees on e.g. U+FEFF and ``\\s``)."""
    return bool(_validator(json.dumps(schema, sort_keys=True)).is_valid(value))


@functools.cache
def _validator(schema: str) -> Any:
    return jsonschema_rs.Draft202012Validator(json.loads(schema), validate_formats=False)


@dataclass(frozen=True)
class Field:
    path: JsonPath
    schema: dict[str, Any]
    required: bool
    kind: str  # the JSON type the schema declares

    @property
    def name(self) -> str:
        return str(self.path[-1])

    @property
    def is_image(self) -> bool:
        return self.name in IMAGE_FIELDS


def _resolve(spec: Spec, schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` chains inside the spec's components."""
    for _ in range(16):
        if "$ref" not in schema:
            break
        schema = spec.schemas[str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


def _declared_type(spec: Spec, schema: dict[str, Any]) -> str:
    """The JSON type a property schema declares (a ``oneOf`` of objects counts as object)."""
    schema = _resolve(spec, schema)
    if "type" in schema:
        return str(schema["type"])
    kinds = {_declared_type(spec, b) for b in schema.get("oneOf") or schema.get("anyOf") or []}
    return kinds.pop() if len(kinds) == 1 else "object"


# where each operation's nested objects sit (JD's collection items are added per item)
_LAYOUT: dict[str, tuple[tuple[str, JsonPath], ...]] = {
    "match": (("MatchRequest", ()), ("SelfImage", ("image",)), ("FaceData", ("faceData",))),
    "matchIdno": (("IdnoRequest", ()), ("FaceData", ("faceData",))),
    "asyncResult": (("AsyncResultRequest", ()),),
    "faceCompareNew": (("CompareRequest", ()), ("ImageItem", ("compareImageItem",))),
}


def fields(spec: Spec, operation: str, body: Any) -> list[Field]:
    """Every documented field of the operation's body (present or not) with its schema."""
    if not isinstance(body, dict):
        return []
    layout = list(_LAYOUT.get(operation, ()))
    if operation == "faceCompareNew":
        items = range(len(body.get("collectionImageItems") or []))
        layout += [("ImageItem", ("collectionImageItems", i)) for i in items]
    out = []
    for name, prefix in layout:
        schema = spec.schemas[name]
        for prop in schema.get("properties", {}):
            resolved = _resolve(spec, dict(schema["properties"][prop]))
            required = prop in _required(schema)
            out.append(Field((*prefix, prop), resolved, required, _declared_type(spec, resolved)))
    return out


def _required(schema: dict[str, Any]) -> set[str]:
    """The fields faceharness requires: under every reading, and in ``allOf`` members those only
    its reading requires (``x-reading``, E-023), which ``missing-field`` drops too (whether the
    request is then invalid under every reading is ``reading_only``'s question)."""
    members = [schema, *(m for m in schema.get("allOf", ()) if isinstance(m, dict))]
    return {str(name) for m in members for name in m.get("required", ())}


def image_targets(operation: str, body: dict[str, Any]) -> list[JsonPath]:
    """Where an image sits in this body: match image/faceData, JD compare/collection items."""
    if operation == "faceCompareNew":
        items = range(len(body["collectionImageItems"]))
        return [("compareImageItem",), *[("collectionImageItems", i) for i in items]]
    if operation == "match":
        return [("image",), ("faceData",)]
    return [("faceData",)] if operation == "matchIdno" else []
