"""Findings and their replay files (one format, writer, reader): never a secret (credentials are
a directive) nor an image (a name and sha256, refused when rebuilt otherwise)."""

from __future__ import annotations

import base64
import json
import re
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h11
import jsonschema_rs

from harness.clients import Auth, ImagePart, Request
from harness.contract import Contract, not_fixed
from harness.errors import InputError
from harness.imaging import encode_image, sha256_hex
from harness.redact import redact
from harness.results import SEVERITIES, Finding, Severity
from harness.signatures import sniff_format

REPLAY_FORMAT = "faceharness-replay"
REPLAY_VERSION = 2
SUITES = ("conformance", "fuzz")
AUTHORITY_KEY = "appAuthorityKey"
MARK_VALID = "<faceharness:appAuthorityKey>"
MARK_INVALID = "<faceharness:appAuthorityKey:invalid>"
MARK_VARIANT = "<faceharness:appAuthorityKey:variant:"  # + the index in not_fixed + ">"
INVALID_AUTHORITY = "faceharness-invalid-authority-key"
IMAGE_KEY = "$image"
BYTES_KEY = "$bytes"
UNREPLAYABLE_KEY = "$unreplayable"  # an image no recipe rebuilds: its sha256, never its bytes
_REF_KEYS = {IMAGE_KEY, "as", "sha256", "size", "recipe"}
FINDINGS_JSON = "findings.json"
SERIAL_KEY = "serialNo"

JsonPath = tuple[str | int, ...]


def image_ref(
    name: str,
    data: bytes | None,
    form: str = "b64",
    size: int | None = None,
    recipe: str | None = None,
) -> dict[str, Any]:
    """How a replay file writes an image: by name and sha256 (``recipe``: derived from that
    media by it; ``size``: padded to it)."""
    ref: dict[str, Any] = {IMAGE_KEY: name, "as": form}
    if recipe is not None:
        ref["recipe"] = recipe
    if data is not None:
        ref["sha256"] = sha256_hex(data)
    if size is not None:
        ref["size"] = size
    return ref


_B64_RUN = re.compile(rb"[A-Za-z0-9+/]{64,}")


def image_like(data: bytes) -> bool:
    """Bytes a replay file must not hold: an image by its signature, or an mp4 (``ftyp``)."""
    return sniff_format(data) is not None or data[4:8] == b"ftyp"


def holds_image(data: bytes) -> bool:
    """Whether ``data`` is an image or holds one's base64 anywhere (after a data URI's or any
    other prefix: each of a run's four alignments is tried)."""
    if image_like(data):
        return True
    for run in _B64_RUN.findall(data):
        for at in range(4):
            chunk = run[at : at + 60]  # 45 bytes: every signature's
            if len(chunk) == 60 and image_like(base64.b64decode(chunk)):
                return True
    return False


def unreplayable(data: bytes) -> dict[str, Any]:
    """What a replay file writes for an image it cannot name: a request holding it is not
    replayed (:func:`resolve_images` says so) rather than the image written out."""
    return {UNREPLAYABLE_KEY: "image", "sha256": sha256_hex(data), "bytes": len(data)}


def is_image_ref(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get(IMAGE_KEY), str)
        and set(value) <= _REF_KEYS
    )


def image_refs(value: Any, path: JsonPath = ()) -> list[tuple[JsonPath, dict[str, Any]]]:
    if is_image_ref(value):
        return [(path, value)]
    items: Iterable[tuple[Any, Any]] = enumerate(value) if isinstance(value, list) else ()
    items = value.items() if isinstance(value, dict) else items
    return [found for key, item in items for found in image_refs(item, (*path, key))]


def resolve_images(
    value: Any,
    fetch: Callable[[str, int | None], bytes],
    derive: Callable[[bytes, str, int | None], bytes] | None = None,
) -> Any:
    """The body with every reference replaced by its bytes, encoded as written (``derive``: the
    bytes of a ``recipe`` reference from its media's, padded to ``size``)."""
    if isinstance(value, dict) and value.get(UNREPLAYABLE_KEY) == "image":
        raise InputError(
            f"this request carried an image that is not the pool's (sha256 "
            f"{str(value.get('sha256'))[:16]}...): the replay file holds a placeholder, so the "
            "request cannot be replayed"
        )
    if is_image_ref(value):
        recipe = value.get("recipe")
        if recipe is not None:
            if derive is None:
                raise InputError(f"image recipe {recipe!r} cannot be rebuilt by this replay")
            data = derive(fetch(value[IMAGE_KEY], None), str(recipe), value.get("size"))
        else:
            data = fetch(value[IMAGE_KEY], value.get("size"))
        if value.get("sha256") and sha256_hex(data) != value["sha256"]:
            raise InputError(
                f"image {value[IMAGE_KEY]} rebuilt with other bytes (sha256 differs); the image "
                "source changed since the run (a package or the --faces directory)"
            )
        return encode_image(data, str(value.get("as") or "b64"))
    if isinstance(value, dict):
        return {k: resolve_images(v, fetch, derive) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_images(v, fetch, derive) for v in value]
    return value


def exchange_of(
    request: Request, contract: Contract, refs: Callable[[Request], Any]
) -> dict[str, Any]:
    """A request as its replay file holds it (``refs``: the body, images as references)."""
    body: Any = None
    if request.raw_body and holds_image(request.raw_body):
        body = unreplayable(request.raw_body)  # an image in a raw body: never written out
    elif request.raw_body:
        body = {BYTES_KEY: base64.b64encode(request.raw_body).decode("ascii")}
    elif request.raw_body is None:
        body = refs(request)
    key, fixed = AUTHORITY_KEY, contract.jd_fixed_fields.get(AUTHORITY_KEY)
    value = body.get(key) if isinstance(body, dict) else None
    if fixed and isinstance(value, str) and value in not_fixed(fixed):
        # a probe's or fuzz case's near value (FH-J23, fixed-field) is named, never written
        body = {**body, key: f"{MARK_VARIANT}{not_fixed(fixed).index(value)}>"}
    elif fixed and isinstance(value, str) and fixed in value:
        body = {**body, key: MARK_VALID if value == fixed else MARK_INVALID}
    exchange = {
        "api": request.api,
        "operation": request.operation,
        "method": request.method.upper(),
        "path": request.path,
        "query": dict(request.query),
        "headers": dict(request.headers),
        "body": body,
        "has_body": request.raw_body != b"",
        "auth": request.auth.directive(request.api),
    }
    return exchange | ({"splice": list(request.splice)} if request.splice else {})


def request_of(
    exchange: dict[str, Any], contract: Contract, images: Callable[[Any], Any]
) -> Request:
    """The request of a replay file's ``exchange`` (``images``: :func:`resolve_images`)."""
    try:
        api, body, raw = str(exchange["api"]), exchange.get("body"), None
        if api not in ("match", "jd"):
            raise InputError(f"unknown api {api!r}")
        try:  # never read as "no credentials": the file would replay another request
            auth = Auth.from_directive(api, exchange.get("auth", "fresh"))
        except ValueError as exc:
            raise InputError(f"malformed replay file: {exc}") from None
        if exchange.get("has_body") is False:
            raw = b""
        elif isinstance(body, dict) and set(body) == {BYTES_KEY}:
            raw = base64.b64decode(body[BYTES_KEY], validate=True)
        parts = tuple(
            ImagePart(path, str(ref[IMAGE_KEY]), str(ref.get("as") or "b64"))
            for path, ref in (image_refs(body) if raw is None else ())
        )
        body = images(body) if raw is None else None
        marked = body.get(AUTHORITY_KEY) if isinstance(body, dict) else None
        if isinstance(body, dict) and isinstance(marked, str) and marked.startswith(MARK_VARIANT):
            variants = not_fixed(contract.jd_fixed_fields[AUTHORITY_KEY])
            index = marked[len(MARK_VARIANT) : -1]
            if not (index.isascii() and index.isdigit() and int(index) < len(variants)):
                raise InputError(f"unknown {AUTHORITY_KEY} mark {marked!r}")
            body = {**body, AUTHORITY_KEY: variants[int(index)]}
        elif isinstance(body, dict) and body.get(AUTHORITY_KEY) in (MARK_VALID, MARK_INVALID):
            valid = body[AUTHORITY_KEY] == MARK_VALID
            fixed = contract.jd_fixed_fields[AUTHORITY_KEY] if valid else INVALID_AUTHORITY
            body = {**body, AUTHORITY_KEY: fixed}
        return Request(
            api=api,
            operation=str(exchange["operation"]),
            method=_method(exchange["method"]),
            path=str(exchange["path"]),
            json=body,
            raw_body=raw,
            auth=auth,
            query={str(k): str(v) for k, v in (exchange.get("query") or {}).items()},
            headers=_sendable({str(k): str(v) for k, v in (exchange.get("headers") or {}).items()}),
            images=parts,
            splice=(str(exchange["splice"][0]), str(exchange["splice"][1]))
            if exchange.get("splice")
            else None,
        )
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"malformed replay file ({type(exc).__name__}: {exc})") from None


_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _method(value: Any) -> str:
    """A replay file's method, an HTTP token; else the file is malformed (review of session 27: a
    method holding CR LF was sent, and its refusal blamed on the target)."""
    method = str(value).upper()
    if not _TOKEN_RE.fullmatch(method):
        raise InputError(f"malformed replay file: its method {method[:40]!r} is not an HTTP token")
    return method


def _sendable(headers: dict[str, str]) -> dict[str, str]:
    """``headers``, each one h11 (the sender's HTTP/1.1 stack) sends; else the file is malformed:
    a line break in one was replayed as "no connection to the target"."""
    for name, value in headers.items():
        why = None
        if any(c in name + value for c in "\r\n"):
            why = "has a line break"
        elif not (name + value).isascii():
            why = "is not ASCII"
        else:
            try:
                h11.Request(method="GET", target="/", http_version="1.0", headers=[(name, value)])
            except h11.LocalProtocolError as exc:
                why = {
                    "Illegal header name": "has a name that is not an HTTP token",
                    "Illegal header value": "has a control character or a space at an end",
                }.get(str(exc).partition(" b")[0], f"is refused by h11 ({exc})")
        if why:
            raise InputError(f"malformed replay file: its header {name!r} {why}")
    return headers


def fresh_serial(request: Request, contract: Contract) -> Request:
    """``request`` with a never-sent serialNo (``随机唯一``, seed 004: a service may refuse a
    repeat); only one valid under every reading (E-043) is replaced, any other may be the bug."""
    body = request.json if request.api == "jd" else None
    new = fresh_serial_no(body.get(SERIAL_KEY) if isinstance(body, dict) else None, contract)
    return request if new is None else request.with_json((SERIAL_KEY,), new)


def fresh_serial_no(serial: Any, contract: Contract) -> str | None:
    """A never-sent serialNo shaped as ``serial`` (its head, its last characters' kinds), or
    None when ``serial`` is none the spec takes (E-043): that one may be the bug, and is kept."""
    if not isinstance(serial, str):
        return None
    schema = contract.property_schema("jd", "CompareRequest", SERIAL_KEY)
    if not jsonschema_rs.validator_for(schema).is_valid(serial):
        return None
    # its last 12 characters (all of a shorter one, repeated) anew, each of the kind it replaces:
    # a serialNo of digits alone stays one (a service may read it as a number: the finding)
    shape = (serial[-FRESH_CHARS:] * FRESH_CHARS)[:FRESH_CHARS]
    new = "".join(map(_like, shape if any(map(str.isalnum, shape)) else "0" * FRESH_CHARS))
    return (serial[:-FRESH_CHARS] or serial) + new


FRESH_CHARS = 12  # the random characters of a replayed serialNo


def _like(char: str) -> str:
    """A random character of ``char``'s kind (digit, lowercase or uppercase ASCII letter); any
    other is kept."""
    for kind in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
        if char in kind:
            return secrets.choice(kind)
    return char


@dataclass
class Replay:
    """One ``findings/F-NNN.json``: the finding, its check, the target and the request."""

    id: str
    suite: str
    check: str
    rule_id: str | None
    target: dict[str, Any]
    exchange: dict[str, Any]  # api, operation, method, path, query, headers, body, auth, ...
    finding: dict[str, Any] = field(default_factory=dict)
    timeout_s: float | None = None  # the run's client timeout: a replay waits as long
    faces: str | None = None  # the run's --faces directory, when the request used one of its images
    # the suite's own section (fuzz: property, steps...)
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # where it was read from (not written)

    @classmethod
    def of(
        cls,
        request: Request,
        contract: Contract,
        refs: Callable[[Request], Any],
        *,
        faces_dir: Path | None,
        **fields: Any,
    ) -> Replay:
        """The replay file of a finding's ``request`` (``faces``: when it uses their images)."""
        exchange = exchange_of(request, contract, refs)
        refs_used = image_refs(exchange.get("body"))
        used = any(str(ref[IMAGE_KEY]).startswith("faces:") for _, ref in refs_used)
        faces = str(faces_dir.resolve()) if faces_dir is not None and used else None
        return cls(exchange=exchange, faces=faces, **fields)

    def to_dict(self) -> dict[str, Any]:
        check = {"name": self.check, "rule_id": self.rule_id}
        timeout = {} if self.timeout_s is None else {"timeout_s": self.timeout_s}
        data: dict[str, Any] = {
            "format": REPLAY_FORMAT,
            "version": REPLAY_VERSION,
            "id": self.id,
            "suite": self.suite,
            "target": self.target,
            "check": check | timeout,
            "finding": self.finding,
            "exchange": self.exchange,
        }
        if self.faces:
            data["faces"] = self.faces
        if self.extra:
            data[self.suite] = self.extra
        return data


_FINDING_KEPT = ("severity", "suite", "check", "rule_id")  # a finding's words, never rewritten


def write_replay(path: Path, replay: Replay, secrets: list[str]) -> None:
    """Write a replay file; any configured secret value that slipped into it is masked, and its
    finding (the answer's excerpt, the message) is redacted as ``findings.json`` is: a secret
    echoed encoded (percent-encoded, hex, UTF-16, ...) was masked there and kept here."""
    data = replay.to_dict()
    data["finding"] = redact(data["finding"], secrets, keep_keys=_FINDING_KEPT)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def read_replay(path: Path | Replay) -> Replay:
    """Read a replay file of any suite (also version 1, before the suites shared one format)."""
    if isinstance(path, Replay):
        return path
    what = "a faceharness replay file (findings/F-NNN.json of a conformance or fuzz run)"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))  # a BOM an editor put
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError):  # nested past the parser's depth: RecursionError
        raise InputError(f"{path} is not JSON; expected {what}") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != REPLAY_FORMAT
        or not isinstance(data.get("exchange"), dict)
    ):
        raise InputError(f"{path} is not {what}")
    suite = str(data.get("suite") or "conformance")
    version = data.get("version")
    if suite not in SUITES or version not in (1, REPLAY_VERSION):
        raise InputError(
            f"{path}: a replay file of suite {suite!r}, version {version!r}; this faceharness "
            f"reads {', '.join(SUITES)} files of version 1 or {REPLAY_VERSION}"
        )
    for key in ("target", "finding"):  # objects or absent; the rest is read leniently
        if not isinstance(data.get(key) or {}, dict):
            raise InputError(f"{path}: its {key!r} is not an object; expected {what}")
    breaks = (data.get("target") or {}).get("breaks") or []
    if not isinstance(breaks, list) or not all(isinstance(b, str) for b in breaks):
        raise InputError(f"{path}: its target's 'breaks' is not a list of break-mode names")
    check: dict[str, Any] = data["check"] if isinstance(data.get("check"), dict) else {}
    if check.get("rule_id") is not None and not isinstance(check["rule_id"], str):
        raise InputError(f"{path}: its check's 'rule_id' is not a string; expected {what}")
    exchange = dict(data["exchange"])
    extra: dict[str, Any] = data[suite] if isinstance(data.get(suite), dict) else {}
    if version == 1:
        exchange["body"] = _upgrade_v1(exchange.get("body"))
    return Replay(
        id=str(data.get("id", "?")),
        suite=suite,
        check=str(check.get("name", "")),
        rule_id=str(check["rule_id"]) if check.get("rule_id") else None,
        target=dict(data.get("target") or {}),
        exchange=exchange,
        finding=dict(data.get("finding") or {}),
        timeout_s=_plausible_seconds(check.get("timeout_s")),
        faces=str(data["faces"]) if data.get("faces") else None,
        extra=dict(extra),
        path=Path(path),
    )


def _plausible_seconds(value: Any) -> float | None:
    """A recorded timeout a replay can wait: above zero, at most `MAX_SECONDS` (1e308 overflowed
    the timers: "internal error: OverflowError"); another value is read as none recorded."""
    from harness.pacing import MAX_SECONDS

    number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if number and 0 < value <= MAX_SECONDS else None


def _upgrade_v1(value: Any) -> Any:
    """Version 1 images: conformance ``{"$media": NAME}``, fuzz ``{"$image": {recipe...}}``."""
    if isinstance(value, dict) and "$media" in value and set(value) <= {"$media", "as", "size"}:
        form = "b64" if value.get("as", "base64") == "base64" else str(value["as"])
        return image_ref(str(value["$media"]), None, form, value.get("size"))
    if (
        isinstance(value, dict)
        and isinstance(value.get(IMAGE_KEY), dict)
        and set(value) == {IMAGE_KEY}
    ):
        old = value[IMAGE_KEY]
        return {
            IMAGE_KEY: str(old.get("recipe")),
            "as": str(old.get("encoding") or "b64"),
            **({"sha256": old["sha256"]} if old.get("sha256") else {}),
        }
    if isinstance(value, dict):
        return {k: _upgrade_v1(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_upgrade_v1(v) for v in value]
    return value


@dataclass
class Candidate:
    """One example of a bug as a suite saw it, before examples are merged into findings. Its
    ``Finding`` is made (and so redacted) only for the example kept: a run meets one bug up to a
    hundred times, and redacting each example's request (a JD image's base64 and byte list) took
    most of a short JD `conform` run's time."""

    key: str  # the bug's identity, the finding's ``unique_key``: examples sharing it are merged
    severity: Severity
    finding: Callable[[], Finding]  # the example's finding, made when it is the one kept
    replay: Callable[[str, Finding], Replay]  # the replay file, given its id and the merged finding
    size: int = 0  # the smallest example of a bug is the one kept


def build_findings(
    candidates: Iterable[Candidate], *, out_dir: Path, secrets: list[str]
) -> list[Finding]:
    """Merge examples by bug, order by severity, write the replay files and ``findings.json``."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.key, []).append(candidate)
    merged = []
    for members in groups.values():
        best = min(members, key=lambda c: c.size)
        severity = min((c.severity for c in members), key=SEVERITIES.index)
        update = {"severity": severity, "count": len(members)}
        merged.append((best.finding().model_copy(update=update), best))

    def rank(f: Finding) -> tuple[Any, ...]:
        return (SEVERITIES.index(f.severity), f.api, f.operation, f.rule_id or f.check)

    merged.sort(key=lambda fc: rank(fc[0]))
    findings = []
    for number, (finding, best) in enumerate(merged, start=1):
        fid = f"F-{number:03d}"
        path = out_dir / "findings" / f"{fid}.json"
        finding = finding.model_copy(update={"reproduce": f"faceharness replay {path}"})
        replay = best.replay(fid, finding)
        replay.finding = finding.model_dump(mode="json")
        write_replay(path, replay, secrets)
        findings.append(finding)
    write_findings_json(findings, out_dir / FINDINGS_JSON, secrets)
    return findings


def write_findings_json(findings: list[Finding], path: Path, secrets: list[str]) -> None:
    data = [redact(f.model_dump(mode="json"), secrets, keep_keys=_FINDING_KEPT) for f in findings]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
