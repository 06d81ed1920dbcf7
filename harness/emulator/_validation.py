"""Request validation against the spec schemas, and the documented code for each failure.

The schema says what is valid; this module only decides which code a violation earns, reading
every limit from the contract.
"""

from __future__ import annotations

from typing import Any

from harness.contract import Contract

from ._envelope import Answer

_KIND_TEXT = {
    "Required": None,  # the validator's own text names the property
    "Enum": "not one of the allowed values",
    "Constant": "not the documented fixed value",
    "Type": "wrong type",
    "MaxLength": "too long",
    "MinLength": "too short or empty",
    "Pattern": "malformed",
    "OneOfNotValid": "must be exactly one of the documented shapes",
    "OneOfMultipleValid": "matches more than one documented shape",
    "MaxItems": "too many items",
    "MinItems": "too few items",
    "Minimum": "below the minimum",
    "Maximum": "above the maximum",
    "MaxProperties": "too many properties",
    "AdditionalProperties": "unexpected property",
}


def describe(error: Any) -> str:
    """A short text that never echoes the instance (it may be a megabyte of base64)."""
    kind = type(error.kind).__name__
    path = ".".join(str(p) for p in error.instance_path) or "body"
    text = _KIND_TEXT.get(kind, "invalid")
    return f"{path}: {error.message[:120] if text is None else text}"


def check_match(
    contract: Contract, schema: str, body: Any, lenient: frozenset[str] = frozenset()
) -> None:
    """Raise Answer(invalid_parameter | media_unusable | too_large | livecode_missing) for the most
    telling violation (``lenient``: the
    errata whose alternative reading the emulator serves, their limits not enforced)."""
    validator = contract.match.validator(schema, decode_base64=True, lenient=lenient)
    if validator.is_valid(body):
        return
    ranked: list[tuple[int, str]] = []
    for err in validator.iter_errors(body):
        ranked.append(_match_code(contract, err, body))
    order = {
        contract.code_named("match", "invalid_parameter"): 0,
        contract.code_named("match", "too_large"): 1,
        contract.code_named("match", "media_unusable"): 2,
        contract.code_named("match", "livecode_missing"): 3,
    }
    code, detail = min(ranked, key=lambda x: order[x[0]])
    raise Answer(code, detail)


def _match_code(contract: Contract, err: Any, body: Any) -> tuple[int, str]:
    kind = type(err.kind).__name__
    path = list(err.instance_path)
    if "LipNeedsLiveCode" in [str(p) for p in err.schema_path]:
        return contract.code_named(
            "match", "livecode_missing"
        ), "liveCode is required when faceData.videoType is LIP"
    if kind == "OneOfNotValid" and path == ["image"]:
        return _image_code(contract, body.get("image") if isinstance(body, dict) else None)
    if path and path[-1] == "data":
        if kind == "MaxLength":
            return contract.code_named(
                "match", "too_large"
            ), f"{'.'.join(map(str, path))}: over {contract.match_base64_max_chars} characters"
        if kind in ("Pattern", "MinLength"):
            return contract.code_named("match", "media_unusable"), describe(err)
    return contract.code_named("match", "invalid_parameter"), describe(err)


def _image_code(contract: Contract, image: Any) -> tuple[int, str]:
    """Re-judge `image` against the one shape its origin selects, so the code is specific."""
    if not isinstance(image, dict):
        return contract.code_named("match", "invalid_parameter"), "image: must be an object"
    if image.get("origin") not in (
        None,
        "self",
        "fds",
        "uri",
    ):  # before the lookup: may be unhashable
        return contract.code_named(
            "match", "invalid_parameter"
        ), "image.origin: not one of the allowed values"
    shape = {"fds": "FdsImage", "uri": "UriImage"}.get(image.get("origin") or "self", "SelfImage")
    for err in contract.match.validator(shape, decode_base64=True).iter_errors(image):
        kind = type(err.kind).__name__
        if list(err.instance_path) == ["data"] and kind == "MaxLength":
            return contract.code_named(
                "match", "too_large"
            ), f"image.data: over {contract.match_base64_max_chars} characters"
        if list(err.instance_path) == ["data"] and kind in ("Pattern", "MinLength"):
            return contract.code_named("match", "media_unusable"), "image.data: malformed"
        return contract.code_named("match", "invalid_parameter"), "image." + describe(err)
    return contract.code_named("match", "invalid_parameter"), "image: invalid"


def check_jd(contract: Contract, body: Any, lenient: frozenset[str] = frozenset()) -> None:
    """Raise Answer(fixed_fields_wrong | invalid_parameter | out_of_range) for the most telling
    violation."""
    validator = contract.jd.validator("CompareRequest", decode_base64=True, lenient=lenient)
    if validator.is_valid(body):
        return
    picked: list[tuple[int, str]] = []
    fixed = set(contract.jd_fixed_fields)
    for err in validator.iter_errors(body):
        kind = type(err.kind).__name__
        path = list(err.instance_path)
        if kind == "Constant" and len(path) == 1 and path[0] in fixed:
            picked.append((contract.code_named("jd", "fixed_fields_wrong"), describe(err)))
        elif kind == "Enum" and path and path[-1] in ("imgType", "encryptionType"):
            picked.append((contract.code_named("jd", "out_of_range"), describe(err)))
        else:
            picked.append((contract.code_named("jd", "invalid_parameter"), describe(err)))
    order = {
        contract.code_named("jd", "fixed_fields_wrong"): 0,
        contract.code_named("jd", "invalid_parameter"): 1,
        contract.code_named("jd", "out_of_range"): 2,
    }
    code, detail = min(picked, key=lambda x: order[x[0]])
    raise Answer(code, detail)
