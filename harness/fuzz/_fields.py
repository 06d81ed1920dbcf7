"""Which fields of a body a mutation may touch, and what the contract says about each.

Fields come from the spec schemas (properties, ``required``, enums, limits); the only
hand-written knowledge here is where nested objects sit in each operation's body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.clients._request import JsonPath
from harness.contract import Spec

from ._body import conforms, declared_type, property_schema
from ._rules import Codes

IMAGE_FIELDS = frozenset({"data", "imgBase64", "imgArr", "imgUrl"})
JD_SOURCES = ("imgBase64", "imgArr", "imgUrl")


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

    def rejects_empty(self) -> bool:
        return self.kind == "string" and not conforms(self.schema, "")


def _object_fields(spec: Spec, schema_name: str, prefix: JsonPath) -> list[Field]:
    schema = spec.schemas[schema_name]
    required = set(schema.get("required", ()))
    out = []
    for name in schema.get("properties", {}):
        prop = property_schema(spec, schema_name, name)
        out.append(Field((*prefix, name), prop, name in required, declared_type(spec, prop)))
    return out


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
    return [f for name, prefix in layout for f in _object_fields(spec, name, prefix)]


def jd_business_codes(codes: Codes, field: Field) -> tuple[str, ...]:
    """100 (参数不合法) for any schema violation; a 固定值 field may get 1162 and an enum 43011."""
    out = [codes.jd_invalid]
    if "const" in field.schema:
        out.append(codes.jd_fixed)
    if "enum" in field.schema:
        out.append(codes.jd_range)
    return tuple(out)


def image_targets(operation: str, body: dict[str, Any]) -> list[JsonPath]:
    """Where an image sits in this body: match image/faceData, JD compare/collection items."""
    if operation == "match":
        return [("image",), ("faceData",)]
    if operation == "matchIdno":
        return [("faceData",)]
    if operation == "faceCompareNew":
        return [
            ("compareImageItem",),
            *[("collectionImageItems", i) for i in range(len(body["collectionImageItems"]))],
        ]
    return []
