"""The documented code a violation of the spec schemas earns (every limit from the contract)."""

from __future__ import annotations

from typing import Any

from harness.contract import Contract

from ._envelope import Answer

# GB 11643-1999 resident ID numbers: 17 digits and an ISO 7064 MOD 11-2 check character
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

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


# each API's code names for a violation, the most telling first
_RANKS = {
    "match": ("invalid_parameter", "too_large", "media_unusable", "livecode_missing"),
    "jd": ("fixed_fields_wrong", "invalid_parameter", "out_of_range"),
}


def check(
    contract: Contract, api: str, schema: str, body: Any, lenient: frozenset[str] = frozenset()
) -> None:
    """Raise Answer for the most telling violation (``lenient``: the errata whose alternative
    reading the emulator serves, their limits not enforced)."""
    spec = contract.match if api == "match" else contract.jd
    validator = spec.validator(schema, decode_base64=True, lenient=lenient, masked=True)
    if validator.is_valid(body):
        return
    code, ranks = (_match_code if api == "match" else _jd_code), _RANKS[api]
    best: tuple[str, str] | None = None
    for err in validator.iter_errors(body):  # the first of the most telling: none comes before
        found = code(contract, err, body)
        if best is None or ranks.index(found[0]) < ranks.index(best[0]):
            best = found
        if ranks.index(best[0]) == 0:
            break
    assert best is not None  # not valid: at least one error
    raise Answer(contract.code_named(api, best[0]), best[1])


def _match_code(contract: Contract, err: Any, body: Any, prefix: str = "") -> tuple[str, str]:
    """``prefix``: "image." for a violation of ``image`` re-judged alone (:func:`_image_code`)."""
    kind = type(err.kind).__name__
    path = list(err.instance_path)
    if "LipNeedsLiveCode" in [str(p) for p in err.schema_path]:
        return "livecode_missing", "liveCode is required when faceData.videoType is LIP"
    if kind == "OneOfNotValid" and path == ["image"]:
        return _image_code(contract, body.get("image") if isinstance(body, dict) else None)
    if path and path[-1] == "data":
        where = prefix + ".".join(map(str, path))
        if kind == "MaxLength":
            return "too_large", f"{where}: over {contract.match_base64_max_chars} characters"
        if kind in ("Pattern", "MinLength"):
            return "media_unusable", f"{where}: malformed" if prefix else describe(err)
    return "invalid_parameter", prefix + describe(err)


def _image_code(contract: Contract, image: Any) -> tuple[str, str]:
    """Re-judge `image` against the one shape its origin selects, so the code is specific."""
    if not isinstance(image, dict):
        return "invalid_parameter", "image: must be an object"
    if image.get("origin") not in (None, "self", "fds", "uri"):  # before the lookup: unhashable?
        return "invalid_parameter", "image.origin: not one of the allowed values"
    shape = {"fds": "FdsImage", "uri": "UriImage"}.get(image.get("origin") or "self", "SelfImage")
    for err in contract.match.validator(shape, decode_base64=True, masked=True).iter_errors(image):
        return _match_code(contract, err, image, "image.")
    return "invalid_parameter", "image: invalid"


def _jd_code(contract: Contract, err: Any, body: Any) -> tuple[str, str]:
    kind = type(err.kind).__name__
    path = list(err.instance_path)
    if kind == "Constant" and len(path) == 1 and path[0] in contract.jd_fixed_fields:
        return "fixed_fields_wrong", describe(err)
    if kind == "Enum" and path and path[-1] in ("imgType", "encryptionType"):
        return "out_of_range", describe(err)
    return "invalid_parameter", describe(err)


def check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def first_generation(value: str) -> str | None:
    """The 15-digit first-generation form (GB 11643-1989) of a valid 18-digit number of someone
    born in the 1900s: the century (its 7th and 8th digits, "19") and the check character
    dropped; None for any other value."""
    if not valid_id_number(value) or value[6:8] != "19":
        return None
    return value[:6] + value[8:17]


def valid_id_number(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    return value[17].upper() == check_char(value[:17])
