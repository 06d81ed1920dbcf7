"""What strategies generate and what the target answered: plain frozen data.

A :class:`FuzzRequest` is complete except for credentials: ``auth`` names *how* to
authenticate (a valid token or signature, or one deliberately broken way), and the client
fills in secrets at send time. So generated examples, shrunk examples, findings and replay
files never hold a credential.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Api = Literal["match", "jd"]
JsonPath = tuple[str | int, ...]

MATCH_AUTH = ("token", "no_token", "bad_token")
JD_AUTH = (
    "signed",
    "no_appkey",
    "wrong_appkey",
    "no_timestamp",
    "malformed_timestamp",
    "expired_timestamp",
    "future_timestamp",
    "no_sign",
    "bad_sign",
)
AUTH_MODES: dict[str, tuple[str, ...]] = {"match": MATCH_AUTH, "jd": JD_AUTH}
VALID_AUTH = {"match": "token", "jd": "signed"}


@dataclass(frozen=True)
class ImagePart:
    """Where an image sits in the body, which recipe built it and how it was encoded."""

    path: JsonPath
    recipe: str
    encoding: str = "b64"


def splice_text(spec: str) -> str:
    """``obj:N`` -> ``{"a":{"a":...0...}}`` N deep; ``arr:N`` -> ``[[...]]`` N deep."""
    kind, _, depth = spec.partition(":")
    n = int(depth)
    if not 1 <= n <= 1_000_000 or kind not in ("obj", "arr"):
        raise ValueError(f"splice spec {spec!r}: expected obj:N or arr:N with N in 1..1000000")
    return '{"a":' * n + "0" + "}" * n if kind == "obj" else "[" * n + "]" * n


@dataclass(frozen=True)
class FuzzRequest:
    """One request to send: operation, body (JSON value or raw bytes), how to authenticate.

    Args:
        api: ``match`` (internal API) or ``jd``.
        operation: the operation id in the spec (``match``, ``matchIdno``, ``liveCode``,
            ``asyncResult``, ``faceCompareNew``).
        json: the body as a JSON value; ignored when ``raw_body`` is set.
        raw_body: bytes sent as they are (malformed or very deeply nested JSON).
        auth: one of :data:`AUTH_MODES` for the api; the valid one is ``token``/``signed``.
        images: where the images in ``json`` came from (recipes, for replay files).
        splice: ``(placeholder, spec)``: the JSON text of the string ``placeholder`` is
            replaced by raw text built from ``spec`` (``obj:N``/``arr:N``: N levels of
            nesting), for bodies no JSON library would write (see :func:`splice_text`).
    """

    api: str
    operation: str
    method: str
    path: str
    json: Any = None
    raw_body: bytes | None = field(default=None, repr=False)
    auth: str = ""
    query: Mapping[str, str] = field(default_factory=dict)
    images: tuple[ImagePart, ...] = ()
    splice: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.auth:
            object.__setattr__(self, "auth", VALID_AUTH.get(self.api, ""))
        if self.auth_mode not in AUTH_MODES.get(self.api, ()):
            raise ValueError(
                f"auth {self.auth!r} is not one of {AUTH_MODES.get(self.api)} for api {self.api!r}"
            )

    @property
    def auth_mode(self) -> str:
        """``auth`` without its variant (``bad_sign:upper`` -> ``bad_sign``)."""
        return self.auth.partition(":")[0]

    def body_bytes(self) -> bytes:
        if self.raw_body is not None:
            return self.raw_body
        text = json.dumps(self.json, ensure_ascii=False, separators=(",", ":"))
        if self.splice is not None:
            placeholder, spec = self.splice
            text = text.replace(json.dumps(placeholder), splice_text(spec), 1)
        return text.encode("utf-8")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' printer
        printer.text(repr(self))

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
        return (
            f"FuzzRequest({self.operation}, auth={self.auth}, body={body}"
            + (f", images=[{images}]" if images else "")
            + ")"
        )


def _shape(value: Any, depth: int = 0) -> str:
    """A compact picture of a JSON value: long strings and arrays summarised."""
    if depth > 4:
        return "…"
    if isinstance(value, dict):
        from harness.redact import is_secret_key

        return (
            "{"
            + ", ".join(
                f"{k}: {'***' if is_secret_key(str(k)) else _shape(v, depth + 1)}"
                for k, v in list(value.items())[:12]
            )
            + (", …" if len(value) > 12 else "")
            + "}"
        )
    if isinstance(value, list):
        if len(value) > 8:
            return f"[{len(value)} items]"
        return "[" + ", ".join(_shape(v, depth + 1) for v in value) + "]"
    if isinstance(value, str) and len(value) > 40:
        return f"<str {len(value)} chars>"
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class InvalidCase:
    """A request that breaks exactly one documented rule, and the code(s) it must get.

    Args:
        rule: the rule id (see :data:`harness.fuzz.RULES`).
        detail: what exactly was broken, e.g. ``faceData.videoType = ''``.
        where: ``errcode`` (internal API), ``gateway`` or ``business`` (JD).
        codes: the acceptable codes, read from the contract's code table.
        exact: the documents name the code for this rule; otherwise only the emulator
            (which implements faceharness's decisions) is held to ``codes``.
        field: what was changed: a JSON path such as ``faceData.videoType``, ``auth`` or ``body``.
    """

    request: FuzzRequest
    rule: str
    detail: str
    where: str
    codes: tuple[str, ...]
    exact: bool = False
    field: str = ""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __repr__(self) -> str:
        return f"InvalidCase({self.rule}: {self.detail} -> {self.where} {'|'.join(self.codes)}, {self.request!r})"


@dataclass(frozen=True)
class Exchange:
    """What came back: HTTP status, parsed JSON (or None), a text excerpt, or a transport error
    (``error``, one line, and its kind ``no_answer``: timeout, reset, cut-off body, ...)."""

    status: int
    content_type: str = ""
    body: Any = None
    text: str = ""
    elapsed_s: float = 0.0
    error: str | None = None
    sent_at_ms: int = 0
    no_answer: str | None = None

    @property
    def answered(self) -> bool:
        return self.error is None

    def excerpt(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "content_type": self.content_type}
        if self.error:
            out["error"] = self.error
        elif self.body is not None:
            out["body"] = self.body
        else:
            out["text"] = self.text[:300]
        return out
