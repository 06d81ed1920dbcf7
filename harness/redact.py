"""Redaction: secrets, credential fields and face images must never reach a shared report; an
image becomes ``<image sha256=HEX bytes=N>``, so two reports still tell whether the same one was
sent. :func:`redact` is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, get_args
from urllib.parse import quote, quote_plus

from pydantic import BaseModel

MASK = "***"
# Enumerated fields: a (silly) secret such as "pass" must not rewrite the verdict.
KEEP_KEYS = frozenset({"schema_version", "verdict", "status", "severity", "suite", "name"})
M = TypeVar("M", bound=BaseModel)
IMAGE_MIN_CHARS = 256

# Compared after lower-casing and dropping "-" and "_": "X-Api-Key" -> "xapikey".
_EXACT_KEYS = frozenset({"sign", "signature", "sig", "auth", "cookie", "setcookie"})
_KEY_SUFFIXES = tuple(
    "token secret secretkey appkey apikey accesskey privatekey authoritykey authorization "
    "password passwd".split()
)

# The same names as they appear in free text (query strings, header lines, JSON text).
_TEXT_KEY = (
    r"[A-Za-z0-9_-]*(?:token|secret|secret_?key|app_?key|api[_-]?key|access_?key"
    r"|private_?key|app_?authority_?key|authority_?key|authorization|password|passwd)"
    r"|sign|signature|sig|cookie"
)
_QUERY_RE = re.compile(rf"(?i)(?<![A-Za-z0-9_-])((?:{_TEXT_KEY})=)[^&\s'\"<>]+")
# "Name: value" only at a line start or after curl's -H/--header, so prose such as
# "field token: required" keeps its meaning.
_HEADER_RE = re.compile(
    rf"(?im)((?:^|-H\s*['\"]|--header\s*['\"])[ \t]*(?:{_TEXT_KEY}):[ \t]*)[^'\"\r\n\\]+"
)
_JSON_TEXT_RES = (
    re.compile(rf"(?i)(\"(?:{_TEXT_KEY})\"\s*:\s*\")(?:[^\"\\]|\\.)*(\")"),
    re.compile(rf"(?i)('(?:{_TEXT_KEY})'\s*:\s*')(?:[^'\\]|\\.)*(')"),
    re.compile(rf"(?i)(\\\"(?:{_TEXT_KEY})\\\"\s*:\s*\\\").*?(\\\")"),
)
# Starts only at the beginning of a run (the look-behind) and only where a long run follows
# (the look-ahead), so ordinary text costs one failed test per word, not per character.
_IMAGE_RE = re.compile(
    r"(?<![A-Za-z0-9+/_-])(?:data:[\w.+/-]+;base64,)?"
    r"(?=[A-Za-z0-9+/_\\\r\n-]{" + str(IMAGE_MIN_CHARS) + r"})"
    r"(?:[A-Za-z0-9+/_-]++|\r?\n|\\n|\\/)++={0,2}"
)
_DATA_URI_PREFIX = re.compile(r"^data:[\w.+/-]+;base64,")
# Decimal digits only: an image's base64 (6 bits a character) has letters in any 256 characters
# (a run of 256 digits has a chance of (10/64)**256), so digits alone are a number, kept as sent.
_NUMBER_RE = re.compile(r"-?[0-9]+")
# An image no run above catches: base64 broken into pieces by single spaces (a target's wrapped
# echo), or the bytes as a list of numbers; masked only when they decode to an image signature.
_SPACED_RE = re.compile(
    r"(?<![A-Za-z0-9+/])(?:data:[\w.+/-]+;base64,)?"
    r"(?:[A-Za-z0-9+/]{40,}+ ){3,}+[A-Za-z0-9+/]*+={0,2}"
)
# (as unsigned bytes, or as Java's signed ones: the JD imgArr the harness itself sends)
_BYTE_LIST_RE = re.compile(
    r"\[\s*(?:255\s*,\s*216\s*,\s*255|137\s*,\s*80\s*,\s*78\s*,\s*71|-1\s*,\s*-40\s*,\s*-1"
    r"|-119\s*,\s*80\s*,\s*78\s*,\s*71)(?:\s*,\s*-?\d{1,3})*+\s*\]?"
)
# JD signatures this process made: an MD5 of the secretkey, fresh for every request, that a
# hostile target can echo into free text (an error message, a header) where no key names it.
# Capped: the oldest are forgotten first.
SIGNS_CAP = 100_000
_SIGNS: dict[str, None] = {}
_SIGNS_LOCK = threading.Lock()
# Credential values requests carried (a few per run): masked as a given secret is.
SECRETS_CAP = 64
SECRET_MIN_CHARS = 8
_SECRETS: dict[str, None] = {}
_REMEMBERED: list[str] = []
_SIGN_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32}(?![0-9A-Fa-f])")


def remember_sign(sign: str) -> None:
    """A signature just put on a request: every later redaction masks it wherever it appears."""
    with _SIGNS_LOCK:
        _SIGNS[sign.lower()] = None
        if len(_SIGNS) > SIGNS_CAP:
            del _SIGNS[next(iter(_SIGNS))]


def remember_secret(value: str) -> None:
    """A credential value (token, appkey, secretkey) a request is about to carry: every later
    redaction masks it, as it masks a sign; a target may quote it in free text (a score, an
    errmsg) that a finding or a replay prints before the report writers, which know the run's
    secrets, see it. Values under ``SECRET_MIN_CHARS`` are left to those writers."""
    global _REMEMBERED
    if len(value) < SECRET_MIN_CHARS or value in _SECRETS:
        return  # a value this short would mask letters all over a message
    with _SIGNS_LOCK:
        _SECRETS[value] = None
        if len(_SECRETS) > SECRETS_CAP:
            del _SECRETS[next(iter(_SECRETS))]
        _REMEMBERED = _secret_variants(_SECRETS)


def is_secret_key(key: str) -> bool:
    norm = key.lower().replace("-", "").replace("_", "")
    return norm in _EXACT_KEYS or norm.endswith(_KEY_SUFFIXES)


def image_placeholder(data: bytes) -> str:
    """The text that stands in for an image: enough to compare, nothing to recover."""
    return f"<image sha256={hashlib.sha256(data).hexdigest()} bytes={len(data)}>"


def _image_for_match(text: str) -> str:
    payload = _DATA_URI_PREFIX.sub("", text)
    if len(payload) < IMAGE_MIN_CHARS or (payload is text and _NUMBER_RE.fullmatch(text)):
        return text  # a plain number (a score, a code a target sent) is no image's base64
    payload = re.sub(r"\r?\n|\\n", "", payload).replace("\\/", "/")
    try:
        if "-" in payload or "_" in payload:
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        data = text.encode("utf-8")
    return image_placeholder(data)


def _is_image(data: bytes) -> bool:
    """``harness.imaging.sniff_format`` decides; its import (PIL, numpy) is paid only for bytes
    that start as one of its signatures can."""
    if data[:1] not in _SIGNATURE_STARTS and data[4:8] != b"ftyp":
        return False
    from harness.imaging import sniff_format

    return sniff_format(data) is not None


_SIGNATURE_STARTS = frozenset(bytes([b]) for b in b"\xff\x89GRIMB\x00")


def _spaced_image(text: str) -> str:
    payload = _DATA_URI_PREFIX.sub("", text).replace(" ", "")
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return text
    return image_placeholder(data) if _is_image(data) else text


def _byte_list_image(text: str) -> str:
    values = [int(v) for v in re.findall(r"-?\d+", text)]
    if any(not -128 <= v <= 255 for v in values):
        return text
    return image_placeholder(bytes(v % 256 for v in values))


def _secret_variants(secrets: Iterable[str]) -> list[str]:
    usable = [s for s in secrets if isinstance(s, str) and s.strip()]
    found = {v for s in usable for v in (s, quote(s, safe=""), quote_plus(s))}
    # Longest first, so a secret containing another one is masked whole.
    return sorted(found, key=len, reverse=True)


def _redact_str(text: str, secrets: list[str]) -> str:
    for secret in (*secrets, *_REMEMBERED) if _REMEMBERED else secrets:
        text = text.replace(secret, MASK)
    if len(text) >= IMAGE_MIN_CHARS:
        text = _IMAGE_RE.sub(lambda m: _image_for_match(m.group(0)), text)
        if " " in text:
            text = _SPACED_RE.sub(lambda m: _spaced_image(m.group(0)), text)
        if "[" in text:
            text = _BYTE_LIST_RE.sub(lambda m: _byte_list_image(m.group(0)), text)
    if _SIGNS and len(text) >= 32:  # after the images: a placeholder is short
        text = _SIGN_RE.sub(lambda m: MASK if m.group(0).lower() in _SIGNS else m.group(0), text)
    if "=" in text:
        text = _QUERY_RE.sub(lambda m: m.group(1) + MASK, text)
    if ":" in text:
        for pattern in _JSON_TEXT_RES:
            text = pattern.sub(lambda m: m.group(1) + MASK + m.group(2), text)
        text = _HEADER_RE.sub(lambda m: m.group(1) + MASK, text)
    return text


def _redact_bytes(data: bytes, secrets: list[str]) -> str:
    if len(data) >= IMAGE_MIN_CHARS // 2 or data[:3] == b"\xff\xd8\xff" or data[:4] == b"\x89PNG":
        return image_placeholder(data)
    try:
        return _redact_str(data.decode("utf-8"), secrets)
    except UnicodeDecodeError:
        return image_placeholder(data)


def _byte(v: Any) -> bool:
    return type(v) is int and -128 <= v <= 255  # signed (Java's byte[]) or unsigned


def _image_bytes(items: list[Any] | tuple[Any, ...]) -> bool:
    head = items[:16]
    if not all(_byte(v) for v in head) or not _is_image(bytes(v % 256 for v in head)):
        return False
    return all(_byte(v) for v in items)


def _walk(obj: Any, secrets: list[str], keep: frozenset[str], names: frozenset[str]) -> Any:
    if isinstance(obj, str):
        return _redact_str(obj, secrets)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _redact_bytes(bytes(obj), secrets)
    if isinstance(obj, Mapping):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str) or key in keep:
                out[key] = value if key in keep else _walk(value, secrets, keep, names)
                continue
            secret = is_secret_key(key) and value is not None
            new_key = key if key in names else _redact_str(key, secrets)
            out[new_key] = MASK if secret else _walk(value, secrets, keep, names)
        return out
    if isinstance(obj, (list, tuple)):
        if obj and obj[0] in (255, 137, -1, -119) and _image_bytes(obj):
            return image_placeholder(bytes(v % 256 for v in obj))  # an image's byte values
        if len(obj) == 2 and isinstance(obj[0], str) and is_secret_key(obj[0]):
            items = [_redact_str(obj[0], secrets), MASK]  # ("Authorization", "Bearer ...")
        else:
            items = [_walk(item, secrets, keep, names) for item in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, (set, frozenset)):
        return [_walk(item, secrets, keep, names) for item in sorted(obj, key=repr)]
    return obj


def redact(
    obj: Any,
    secrets: Iterable[str] = (),
    *,
    keep_keys: Iterable[str] = (),
    field_names: Iterable[str] = (),
) -> Any:
    """A copy of ``obj`` safe to put in a report. ``keep_keys``: keys whose values pass untouched,
    ``field_names``: keys never rewritten (the summary's own structure, which a short secret
    could collide with)."""
    return _walk(obj, _secret_variants(secrets), frozenset(keep_keys), frozenset(field_names))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    return _redact_str(text, _secret_variants(secrets))


@functools.cache
def model_field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every field name in ``model`` and the models it nests (a report's own structure)."""
    names: set[str] = set()
    pending, seen = [model], set()
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            names.update(current.model_fields)
            pending += [m for f in current.model_fields.values() for m in _models_in(f.annotation)]
    return frozenset(names)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def redact_summary(summary: M, secrets: Iterable[str] = ()) -> M:
    """A copy of ``summary`` with secrets, credential fields and images masked everywhere;
    its field names and enumerated values (:data:`KEEP_KEYS`) are left as they are."""
    data = redact(
        summary.model_dump(mode="json"),
        secrets,
        keep_keys=KEEP_KEYS,
        field_names=model_field_names(type(summary)),
    )
    return type(summary).model_validate(data)
