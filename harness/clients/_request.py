"""The one request model and the one record of what came back, shared by every suite (a request
says *how* to authenticate: examples, findings and replay files never hold a credential)."""

from __future__ import annotations

import copy
import email.utils
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC
from typing import Any

from harness.contract import (
    Answer,
    Contract,
    compact_json,
    declared_charset,
    parse_json,
    read_answer,
)
from harness.redact import Pretty, redacted_excerpt

from ._auth import VALID, Auth

# An answer's text up to which a finding holds its parsed body (conformance's excerpt: 10 times
# its 2,000 characters)
EXCERPT_BODY_CHARS = 20_000

JsonPath = tuple[str | int, ...]
_DROP: Any = object()


@dataclass(frozen=True)
class ImagePart:
    """Where an image sits in the body, which recipe built it and how it was encoded."""

    path: JsonPath
    recipe: str
    encoding: str = "b64"


def splice_text(spec: str) -> str:
    """``obj:N`` -> ``{"a":{"a":...0...}}`` N deep; ``arr:N`` -> ``[[...]]`` N deep."""
    kind, n = _splice_spec(spec)
    return '{"a":' * n + "0" + "}" * n if kind == "obj" else "[" * n + "]" * n


def _splice_spec(spec: str) -> tuple[str, int]:
    kind, _, depth = str(spec).partition(":")
    if kind in ("obj", "arr") and depth.isascii() and depth.isdigit():
        if 1 <= int(depth) <= 1_000_000:
            return kind, int(depth)
    raise ValueError(f"splice spec {spec!r}: expected obj:N or arr:N with N in 1..1000000")


@dataclass(frozen=True)
class Request(Pretty):
    """One request to send. ``raw_body``: bytes sent as they are (``json`` then ignored);
    ``auth``: an :class:`Auth` or its fuzz spelling; ``images``: where the images in ``json`` came
    from; ``splice``: ``(placeholder, spec)``, the placeholder string's JSON text replaced by
    :func:`splice_text` (bodies no JSON library would write).
    """

    api: str
    operation: str
    method: str
    path: str
    json: Any = None
    raw_body: bytes | None = field(default=None, repr=False)
    auth: Auth = VALID
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    images: tuple[ImagePart, ...] = ()
    splice: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.auth, str):
            object.__setattr__(self, "auth", Auth.from_mode(self.api, self.auth))
        if self.splice is not None:  # checked when made (a replay file's), not when sent
            _splice_spec(self.splice[1])

    @property
    def auth_mode(self) -> str:
        """``auth``'s fuzz mode without its variant (``bad_sign:upper`` -> ``bad_sign``)."""
        return self.auth.mode(self.api).partition(":")[0]

    def with_json(self, path: JsonPath, value: Any = _DROP) -> Request:
        """A copy with ``value`` at ``path`` (none: without it), images under it forgotten."""
        body = copy.deepcopy(self.json)
        node = body
        for key in path[:-1]:
            node = node[key]
        if value is _DROP:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
        images = tuple(p for p in self.images if p.path[: len(path)] != path)
        return replace(self, json=body, images=images)

    def body_bytes(self) -> bytes:
        if self.raw_body is not None:
            return self.raw_body
        body = compact_json(self.json)
        if self.splice is None:
            return body
        placeholder, spec = self.splice
        text = body.decode("utf-8").replace(json.dumps(placeholder), splice_text(spec), 1)
        return text.encode("utf-8")

    def __repr__(self) -> str:
        """Short: hypothesis prints examples, and a body may hold megabytes of base64."""
        body = f"raw {self.raw_body[:40]!r}" if self.raw_body is not None else _shape(self.json)
        if self.splice is not None:
            body += f" with {self.splice[0]} = {self.splice[1]}"
        images = ", ".join(
            f"{'.'.join(map(str, p.path))}={p.recipe}"
            + ("" if p.encoding == "b64" else f" ({p.encoding})")
            for p in self.images
        )
        more = f", images=[{images}]" if images else ""
        return f"Request({self.operation}, auth={self.auth.mode(self.api)}, body={body}{more})"


def _shape(value: Any, depth: int = 0) -> str:
    """A compact picture of a JSON value: long strings and arrays summarised."""
    if depth > 4:
        return "…"
    if isinstance(value, dict):
        from harness.redact import is_secret_key

        items = [
            f"{k}: {'***' if is_secret_key(str(k)) else _shape(v, depth + 1)}"
            for k, v in list(value.items())[:12]
        ]
        return "{" + ", ".join(items) + (", …" if len(value) > 12 else "") + "}"
    if isinstance(value, list):
        if len(value) > 8:
            return f"[{len(value)} items]"
        return "[" + ", ".join(_shape(v, depth + 1) for v in value) + "]"
    if isinstance(value, str) and len(value) > 40:
        return f"<str {len(value)} chars>"
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Exchange:
    """What came back, its answer read once by the contract; or a transport error (``error``, one
    line, and its kind ``no_answer``)."""

    status: int
    content_type: str = ""
    body: Any = None
    text: str = ""
    elapsed_s: float = 0.0
    error: str | None = None
    no_answer: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    content: bytes = field(default=b"", repr=False)
    answer: Answer | None = field(default=None, repr=False)
    cause: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(
        cls,
        contract: Contract,
        api: str,
        status: int,
        headers: Mapping[str, str],
        content: bytes,
        elapsed_s: float = 0.0,
    ) -> Exchange:
        said = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        body = parse_json(content, declared_charset(said))
        return cls(
            status=status,
            content_type=headers.get("content-type", ""),
            body=body,
            text="" if body is not None else redacted_excerpt(content, 500),
            headers=headers,
            content=content,
            answer=read_answer(contract, api, status, body),
            elapsed_s=elapsed_s,
        )

    @property
    def status_code(self) -> int:
        """httpx's name, for code written against a response (the rules, their tests)."""
        return self.status

    def excerpt(self) -> dict[str, Any]:
        """What a finding shows of the answer: its parsed body while its text is under
        :data:`EXCERPT_BODY_CHARS` characters (conformance's bound), else the body shortened
        (:func:`shortened_body`: session 25, an answer of 100,000 traceNos, walked whole by every
        redaction of each finding, held a fuzz run past its --max-seconds for a minute and more;
        review of session 25: cut as text, an errcode or a score after a large image was lost)."""
        out: dict[str, Any] = {"status": self.status, "content_type": self.content_type}
        if self.error:
            out["error"] = self.error
        elif self.body is not None and _chars(self.content) <= EXCERPT_BODY_CHARS:
            out["body"] = self.body
        elif self.body is not None:
            out["body"] = shortened_body(self.body)
        else:
            out["text"] = self.text[:300]
        return out


def _chars(content: bytes) -> int:
    """The characters of a UTF-8 body (its bytes but continuation bytes), as conformance counts."""
    return (
        len(content) - sum(map(content.count, _CONTINUATION))
        if not content.isascii()
        else len(content)
    )


_CONTINUATION = [bytes([b]) for b in range(0x80, 0xC0)]
# What a shortened body keeps: a list's first items, a mapping's first keys, a string's first
# characters (masked before they are cut), and so many values in all, each level marked where cut.
EXCERPT_ITEMS = 20
EXCERPT_STRING_CHARS = 500
EXCERPT_VALUES = 2000


def shortened_body(body: Any) -> Any:
    """A large parsed body shortened: its structure kept, every list to its first
    :data:`EXCERPT_ITEMS` items, every long string to its first characters (an image to its
    placeholder), a marker saying what was left out; a field after a large one (errcode, score)
    survives, where text cut at 2,000 characters lost it."""
    left = [EXCERPT_VALUES]

    def short(value: Any, depth: int) -> Any:
        left[0] -= 1
        if left[0] < 0 or depth > 64:
            return "<cut>"
        if isinstance(value, str):
            if len(value) <= EXCERPT_STRING_CHARS:
                return value
            masked = redacted_excerpt(value, len(value))  # masked whole: an image's placeholder
            if len(masked) <= EXCERPT_STRING_CHARS:
                return masked
            return masked[:EXCERPT_STRING_CHARS] + f"<cut: {len(value)} characters>"
        if isinstance(value, list):
            items = [short(v, depth + 1) for v in value[:EXCERPT_ITEMS]]
            return items + [f"<cut: {len(value) - EXCERPT_ITEMS} more items>"] * (
                len(value) > EXCERPT_ITEMS
            )
        if isinstance(value, dict):
            keys = list(value)[: 5 * EXCERPT_ITEMS]
            out = {k: short(value[k], depth + 1) for k in keys}
            if len(value) > len(keys):
                out["<cut>"] = f"{len(value) - len(keys)} more keys"
            return out
        return value

    return short(body, 0)


def retry_after_s(
    value: str | None, date: str | None = None, *, under: float = 3600.0
) -> float | None:
    """``Retry-After`` in seconds (RFC 9110 10.2.3), None unless under ``under`` (an hour: load
    waits no longer than that between steps; accuracy passes ``inf``, since a longer wait is a
    lockout that stops its calls with the reason, where None read as "no Retry-After" got the
    ordinary back-off): a number of
    seconds (digits only: ``1*DIGIT``), or an HTTP-date, counted from the answer's ``Date`` (the
    server's clock, so a skewed clock here does not matter) or else from now: a rate limiter may
    announce the end of its penalty either way (a limit search that read only numbers did not
    wait out a lockout dated so, and its next step was refused whole). Accuracy's back-off and
    load's."""
    text = (value or "").strip()
    if re.fullmatch(r"[0-9]+", text):
        seconds = float(text)
    else:
        now = _date_s(date or "")
        seconds = _date_s(text) - (time.time() if math.isnan(now) else now)
    return seconds if 0 < seconds and (seconds < under or math.isinf(under)) else None


# RFC 9110 5.6.7's obsolete asctime-date, which a recipient MUST accept: no zone, read as UTC
_ASCTIME = re.compile(
    r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}"
)


def _date_s(text: str) -> float:
    """An HTTP-date as epoch seconds (NaN: not one). The three forms of RFC 9110 5.6.7; a date
    that ``email.utils`` reads without a zone is UTC only as asctime or with RFC 5322's ``-0000``
    (UTC, source zone unknown); any other zoneless date is none."""
    text = text.strip()
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return math.nan
    if when.tzinfo is None:
        if not (_ASCTIME.fullmatch(text) or text.endswith(" -0000")):
            return math.nan
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def live_code_of(answer: Exchange) -> str | None:
    """The liveCode a validateData answer issued (None: none; other rules report why). Any 2xx
    carries it: the documents give no status (E-015), another one is FH-H02's convention."""
    body = answer.body if 200 <= answer.status < 300 else None
    data = body.get("data") if isinstance(body, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    code = result.get("code") if isinstance(result, dict) else None
    return code if isinstance(code, str) else None
