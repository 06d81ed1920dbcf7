"""Request factories for every operation of both APIs, and a weighted mix of them
(docs/load.md, "Scenarios"). Credentials come from the Locust process's environment only;
bodies are built once per image pair and reused (JD's sign and ``serialNo`` fresh per request).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import random
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config import DEMO, ENV_JD_APPKEY, ENV_JD_SECRETKEY, ENV_TOKEN, Credentials
from harness.contract import compact_json
from harness.errors import InputError, UsageError
from harness.faces import PoolImage, limits_for, pool_faces
from harness.imaging import encode, picture, times
from harness.loadgen.classify import (
    SERVER_ERROR,
    SUCCESS,
    Classification,
    Classifier,
    api_classifier,
    default_classifier,
)
from harness.loadgen.result import LIVE_CODE_FIRST, PreparedRequest

SIZE_CLASSES: tuple[str, ...] = ("small", "medium", "large")
SMALL_MAX_BYTES = 32 * 1024  # small < 32 KiB <= medium < 128 KiB <= large
MEDIUM_MAX_BYTES = 128 * 1024
DEFAULT_SIZES = "small=1,medium=3,large=1"


def parse_weights(text: str, allowed: Sequence[str], what: str) -> dict[str, float]:
    """``"a=3,b=1"`` -> ``{"a": 3.0, "b": 1.0}``; names must be in ``allowed``, sum > 0."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in allowed:
            raise UsageError(
                f"{what} {text!r}: expected NAME=WEIGHT pairs with NAME in {', '.join(allowed)}"
            )
        try:
            weight = float(value)
        except ValueError:
            raise UsageError(f"{what} {text!r}: weight {value.strip()!r} is not a number") from None
        if not weight >= 0 or weight == float("inf"):
            raise UsageError(f"{what} {text!r}: weights must be finite and >= 0")
        weights[name] = weight
    if sum(weights.values()) <= 0:
        raise UsageError(f"{what} {text!r}: give at least one positive weight")
    return weights


class ImagePool:
    def __init__(self, images: Sequence[PoolImage], *, skipped: int = 0) -> None:
        if not images:
            raise InputError("the image pool is empty")
        self.images = tuple(images)
        self.skipped = skipped  # --faces photos that are not JPEG/PNG or too large
        self.by_class: dict[str, tuple[PoolImage, ...]] = {
            c: tuple(i for i in self.images if i.size_class == c) for c in SIZE_CLASSES
        }

    def counts(self) -> dict[str, int]:
        return {c: len(v) for c, v in self.by_class.items()}

    def check_mix(self, sizes: Mapping[str, float]) -> None:
        empty = [c for c, w in sizes.items() if w > 0 and not self.by_class[c]]
        if empty:
            raise UsageError(
                f"size mix asks for {', '.join(empty)} images but the pool has none "
                f"(pool: {self.counts()})"
            )

    def pick(
        self, rng: random.Random, sizes: Mapping[str, float], among: Sequence[PoolImage] = ()
    ) -> PoolImage:
        by_class: Mapping[str, Sequence[PoolImage]] = self.by_class
        if among:
            by_class = {c: [i for i in among if i.size_class == c] for c in SIZE_CLASSES}
        present = [c for c in SIZE_CLASSES if sizes.get(c, 0) > 0 and by_class[c]]
        members = among or self.images
        if present:
            members = by_class[rng.choices(present, weights=[sizes[c] for c in present])[0]]
        return members[rng.randrange(len(members))]


def _sizes(face: PoolImage, max_bytes: int) -> list[PoolImage]:
    """A built-in JPEG, a smaller copy and the largest larger copy that fits ``max_bytes``.

    The face is decoded once and enlarged once for every quality tried (each Locust process
    builds the pool before its clock starts; it decoded and resized per copy)."""
    from PIL import Image

    name, data = face.name, face.data
    image, _ = picture(data)
    out = [_sized(name, data, face.identity)]
    # fewer bytes by JPEG quality, not pixels: a downscaled face is too small for a real engine
    out.append(_sized(name + "@small", encode(image, "jpeg", quality=40), face.identity))
    larger = image.resize(times(1.8)(*image.size), Image.Resampling.BILINEAR)
    for quality in (97, 92, 85):  # the largest re-encode that still fits every API
        large = encode(larger, "jpeg", quality=quality)
        if len(large) <= max_bytes:
            return [*out, _sized(name + "@large", large, face.identity)]
    return out


def _sized(name: str, data: bytes, identity: str) -> PoolImage:
    n = len(data)
    size = "small" if n < SMALL_MAX_BYTES else "medium" if n < MEDIUM_MAX_BYTES else "large"
    return PoolImage(name, data, identity, size_class=size)


@functools.lru_cache(maxsize=4)
def build_pool(faces_dir: str = "") -> ImagePool:
    """The built-in JPEGs in three sizes, then the ``--faces`` JPEGs and PNGs up to the largest
    upload every API accepts."""
    from harness.contract import load_contract

    shared = _shared_pool(faces_dir)
    if shared is not None:
        return shared
    max_bytes = min(limits_for(api, load_contract()).largest for api in ("match", "jd"))
    folder = Path(faces_dir) if faces_dir else None
    builtin: list[PoolImage] = []
    sample: list[PoolImage] = []
    skipped = 0
    for face in pool_faces(folder):
        if face.builtin:
            builtin += _sizes(face, max_bytes) if face.format == "jpeg" else []
        elif face.format in ("jpeg", "png") and len(face.data) <= max_bytes:
            sample.append(_sized(Path(face.name).name, face.data, face.identity))
        else:
            skipped += 1
    if folder is not None and not sample:
        raise InputError(f"--faces {folder}: no usable .jpg/.png face photos")
    return ImagePool(builtin + sample, skipped=skipped)


POOL_FILE_ENV = "FACEHARNESS_POOL_FILE"
"""A pool file :func:`share_pool` wrote: a run's Locust processes read the pool its launcher built
instead of building it again (about 0.5 CPU s each, JPEG re-encodes, before their clock starts)."""


def share_pool(faces_dir: str, path: Path) -> None:
    """Write ``build_pool(faces_dir)`` to ``path``: a JSON line naming each image, then their
    bytes in order."""
    pool = build_pool(faces_dir)
    head = {
        "faces_dir": faces_dir,
        "skipped": pool.skipped,
        "images": [[i.name, i.identity, i.sha256, i.size_class, len(i.data)] for i in pool.images],
    }
    with path.open("wb") as fh:
        fh.write(json.dumps(head).encode() + b"\n")
        for image in pool.images:
            fh.write(image.data)


def _shared_pool(faces_dir: str) -> ImagePool | None:
    """The pool :data:`POOL_FILE_ENV` names, when it was built for ``faces_dir``; else None (the
    caller builds it: a remote worker, a file gone or unreadable)."""
    path = os.environ.get(POOL_FILE_ENV)
    if not path:
        return None
    try:
        head_line, _, rest = Path(path).read_bytes().partition(b"\n")
        head = json.loads(head_line)
        if head["faces_dir"] != faces_dir:
            return None
        images, at = [], 0
        for name, identity, sha256, size_class, size in head["images"]:
            data = rest[at : at + size]
            images.append(PoolImage(name, data, identity, sha256, size_class=size_class))
            at += size
        if at != len(rest):
            return None
        return ImagePool(images, skipped=int(head["skipped"]))
    except (OSError, ValueError, TypeError, KeyError, InputError):
        return None


OPERATIONS: tuple[str, ...] = ("match", "matchIdno", "liveCode", "faceCompareNew")
MIXED = "mixed"
SCENARIOS: tuple[str, ...] = (*OPERATIONS, MIXED)
SCENARIO_ALIASES = {"jd": "faceCompareNew"}  # the JD API has one operation (as in --api jd)
PAIRINGS: tuple[str, ...] = ("same", "genuine", "impostor")
DEFAULT_WEIGHTS = "match=4,matchIdno=2,liveCode=1,faceCompareNew=3"
ENV_ID_NUM = "FACEHARNESS_ID_NUM"
ENV_ID_NAME = "FACEHARNESS_ID_NAME"
_SERIAL_SLOT = "fh-" + "0" * 31  # as long as the fresh serials spliced in (new_serial)
_SERIAL_SLOT_BYTES = _SERIAL_SLOT.encode()
_JSON = "application/json"
MAX_BODIES = 256  # built request bodies kept per scenario (each up to ~0.8 MB)
_LIVE_CODE_SLOT = "$fresh-liveCode"  # matchIdno's liveCode until after_first sets one
_LIVE_CODE_FIELD = f'"liveCode":"{_LIVE_CODE_SLOT}"'.encode()


@dataclass(frozen=True)
class ScenarioOptions:
    """What a scenario sends (written to the run's config file: no credentials)."""

    scenario: str = "match"
    weights: str = DEFAULT_WEIGHTS  # mixed only: OPERATION=WEIGHT,...
    sizes: str = DEFAULT_SIZES  # small=W,medium=W,large=W
    faces_dir: str = ""
    pairing: str = "same"
    idno_face: str = ""  # photo for matchIdno; default: the emulator's registry photo
    seed: int = 0
    demo_credentials: bool = False  # the emulator's demo credentials when none are set

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", SCENARIO_ALIASES.get(self.scenario, self.scenario))
        if self.scenario not in SCENARIOS:
            raise UsageError(
                f"--scenario {self.scenario!r}: expected one of {', '.join(SCENARIOS)}"
                f" (or jd for faceCompareNew)"
            )
        if self.pairing not in PAIRINGS:
            raise UsageError(f"--pairing {self.pairing!r}: expected one of {', '.join(PAIRINGS)}")
        parse_weights(self.sizes, SIZE_CLASSES, "--sizes")
        # every scenario's: a malformed --weights was ignored unless the scenario was mixed
        parse_weights(self.weights, OPERATIONS, "--weights")

    @property
    def operations(self) -> dict[str, float]:
        if self.scenario != MIXED:
            return {self.scenario: 1.0}
        return {k: v for k, v in parse_weights(self.weights, OPERATIONS, "--weights").items() if v}


def request_source(
    spec: Mapping[str, Any], index: int = 0, environ: Mapping[str, str] | None = None
) -> tuple[Callable[[], PreparedRequest], Classifier]:
    """The next-request function and the classifier of a run's ``requests`` in process ``index``."""
    if "paths" in spec:  # plain GETs in turn, judged by status: the engine's tests and bench
        paths = spec["paths"]
        if not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
            raise UsageError(f"paths must be a non-empty list of paths starting with '/': {paths}")
        cycle = itertools.cycle([PreparedRequest(p, "GET", p) for p in paths])
        return (lambda: next(cycle)), default_classifier
    return Scenario(ScenarioOptions(**spec), environ, index).next_request, api_classifier


def sends_per_request(spec: Mapping[str, Any]) -> float:
    """HTTP requests per request of the source, on average (a matchIdno is two): an open-model
    schedule divides its rate by this."""
    if "paths" in spec:
        return 1.0
    weights = ScenarioOptions(**spec).operations
    return 1.0 + weights.get("matchIdno", 0.0) / sum(weights.values())


def after_first(
    then: PreparedRequest, status: int, body: bytes, outcome: Classification,
    charset: str | None = None,
) -> tuple[Classification, PreparedRequest | None]:  # fmt: skip
    """The ``outcome`` of ``then.first``'s answer, and ``then`` with the liveCode it issued
    (None: not sent). A code issued a moment before and SILENT is valid under every reading
    (E-008); a success without ``result.code`` (是) is the service's error."""
    from harness.clients import Exchange, live_code_of
    from harness.contract import parse_json

    if outcome[0] != SUCCESS:
        return outcome, None
    code = live_code_of(Exchange(status, body=parse_json(body, charset)))
    if code is None:
        return (SERVER_ERROR, f"{outcome[1]} without data.result.code"), None
    fresh = b'"liveCode":' + json.dumps(code, ensure_ascii=False).encode()
    ready = PreparedRequest(then.name, then.method, then.path, then.query, then.headers,
                            then.body.replace(_LIVE_CODE_FIELD, fresh, 1))  # fmt: skip
    return outcome, ready


@functools.cache  # a handful of operation names; the contract is read once
def api_of(name: str) -> str:
    """The API (so the credential) a request is of, by its name: its operation's, else (a GET of
    a path) the internal API's token."""
    from harness.contract import load_contract

    operation = load_contract().operations.get(name)
    return operation.api if operation is not None else "match"


def scenario_request(**options: Any) -> PreparedRequest:
    return _scenario(tuple(sorted(options.items()))).next_request()


@functools.lru_cache(maxsize=32)  # one entry per distinct options; bodies live in the entry
def _scenario(items: tuple[tuple[str, Any], ...]) -> Scenario:
    return Scenario(ScenarioOptions(**dict(items)))


class Scenario:
    """One process's request source for a :class:`ScenarioOptions`."""

    def __init__(
        self, options: ScenarioOptions, environ: Mapping[str, str] | None = None, index: int = 0
    ) -> None:
        from harness.contract import load_contract

        env = os.environ if environ is None else environ
        self.options = options
        self.contract = load_contract()
        weights = options.operations
        self._ops = list(weights)
        self._weights = list(weights.values())
        self._total = sum(self._weights)
        self._credit = [0.0] * len(self._ops)
        self.sizes = parse_weights(options.sizes, SIZE_CLASSES, "--sizes")
        self.rng = random.Random(f"{options.seed}:{index}")
        self.pool: ImagePool = build_pool(options.faces_dir)
        self.pool.check_mix(self.sizes)
        creds = _credentials(env, demo=options.demo_credentials)
        self._token = creds.require_token() if set(self._ops) - {"faceCompareNew"} else ""
        self._jd = creds.require_jd() if "faceCompareNew" in self._ops else ("", "")
        _remember_credentials(creds, self._jd[1])
        self._id = (env.get(ENV_ID_NUM) or "", env.get(ENV_ID_NAME) or "")
        self._idno_face = (
            self._registry_face(options.idno_face) if "matchIdno" in self._ops else None
        )
        self._bodies: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._requests: dict[bytes, PreparedRequest] = {}  # by body (identical bodies: one key)
        self._paths = {op: self.contract.operation(op).path for op in OPERATIONS}
        self._first = PreparedRequest(
            LIVE_CODE_FIRST, "POST", self._paths["liveCode"], {},
            {"Authorization": self._token, "Content-Type": _JSON}, b"{}",
        )  # fmt: skip
        builders = (self._match, self._idno, self._live_code, self._jd_compare)
        self._builders = dict(zip(OPERATIONS, builders, strict=True))
        self._prebuild()

    def _prebuild(self) -> None:
        """With ``same`` pairing every body is known: build them before the clock runs."""
        if self.options.pairing != "same":
            return
        for image in self.pool.images[: MAX_BODIES // 2]:
            if "match" in self._ops:
                self._match_body(image, image)
            if "faceCompareNew" in self._ops:
                self._jd_body(image, image)
        if self._idno_face is not None:
            self._idno_body(self._idno_face)

    def __repr__(self) -> str:  # never the credentials
        return f"Scenario({self.options.scenario!r}, pool={self.pool.counts()})"

    def next_request(self) -> PreparedRequest:
        return self._builders[self._next_operation()]()

    def _next_operation(self) -> str:
        """Smooth weighted round robin: even a short run has the stated mix."""
        if len(self._ops) == 1:
            return self._ops[0]
        credit = self._credit
        for i, weight in enumerate(self._weights):
            credit[i] += weight
        best = max(range(len(credit)), key=credit.__getitem__)
        credit[best] -= self._total
        return self._ops[best]

    def _pair(self, first: PoolImage) -> PoolImage:
        pairing = self.options.pairing
        if pairing == "same":
            return first
        images = self.pool.images
        if pairing == "genuine":
            among = [i for i in images if i.identity == first.identity and i.data != first.data]
        else:
            among = [i for i in images if i.identity != first.identity]
        if not among:
            raise InputError(f"the image pool has no {pairing} partner for {first.name}")
        return self.pool.pick(self.rng, self.sizes, among)

    def _registry_face(self, path: str) -> PoolImage:
        if path:
            from harness.imaging import sniff_format

            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise InputError(
                    f"--idno-face {path}: cannot read ({exc.strerror or exc})"
                ) from None
            fmt = sniff_format(data)
            if fmt not in ("jpeg", "png"):
                raise InputError(f"--idno-face {path}: not a JPEG or PNG image")
            return PoolImage(Path(path).name, data, "registry")
        from harness.imaging import builtin_faces

        face = builtin_faces()[0]  # the emulator's registry photo of its demo identity
        return PoolImage(face.name, face.data, face.identity)

    def _body(self, key: tuple[str, str, str], build: Callable[[], dict[str, Any]]) -> bytes:
        body = self._bodies.get(key)
        if body is None:
            body = compact_json(build())
            self._bodies[key] = body
            if len(self._bodies) > MAX_BODIES:  # bounded memory: drop the oldest body
                self._bodies.popitem(last=False)
        return body

    def _match_body(self, image: PoolImage, face: PoolImage) -> bytes:
        from harness.clients import match_body

        return self._body(
            ("match", image.sha256, face.sha256),
            lambda: match_body(self.contract, _payload(image), _payload(face)),
        )

    def _idno_body(self, face: PoolImage) -> bytes:
        from harness.clients import idno_body
        from harness.config import DEMO_ID_NUM, DEMO_NAME

        id_num, name = self._id[0] or DEMO_ID_NUM, self._id[1] or DEMO_NAME
        # /idno marks liveCode and videoType 是 (E-008): SILENT, and a slot for a fresh code
        return self._body(
            ("matchIdno", face.sha256, ""),
            lambda: idno_body(
                self.contract,
                id_num,
                name,
                _payload(face),
                video_type="SILENT",
                live_code=_LIVE_CODE_SLOT,
            ),
        )

    def _jd_body(self, base: PoolImage, other: PoolImage) -> bytes:
        from harness.clients import compare_body

        return self._body(
            ("faceCompareNew", base.sha256, other.sha256),
            lambda: compare_body(
                self.contract, _payload(base), [_payload(other)], serial_no=_SERIAL_SLOT
            ),
        )

    def _unsigned(
        self, operation: str, body: bytes, first: PreparedRequest | None = None
    ) -> PreparedRequest:
        """The internal API's request for ``body``, built once per kept body."""
        req = self._requests.get(body)
        if req is None or req.name != operation:
            if len(self._requests) >= MAX_BODIES:
                self._requests.clear()
            headers = {"Authorization": self._token, "Content-Type": _JSON}
            path = self._paths[operation]
            req = PreparedRequest(operation, "POST", path, {}, headers, body, first)
            self._requests[body] = req
        return req

    def _match(self) -> PreparedRequest:
        image = self.pool.pick(self.rng, self.sizes)
        return self._unsigned("match", self._match_body(image, self._pair(image)))

    def _idno(self) -> PreparedRequest:
        assert self._idno_face is not None
        body = self._idno_body(self._pair(self._idno_face))
        return self._unsigned("matchIdno", body, self._first)

    def _live_code(self) -> PreparedRequest:
        return self._unsigned("liveCode", b"{}")

    def _jd_compare(self) -> PreparedRequest:
        from harness.clients import jd_auth_params, new_serial

        base = self.pool.pick(self.rng, self.sizes)
        template = self._jd_body(base, self._pair(base))
        body = template.replace(_SERIAL_SLOT_BYTES, new_serial().encode(), 1)
        from harness.redact import remember_sign

        appkey, secret = self._jd
        params = jd_auth_params(appkey, secret)
        remember_sign(params["sign"])  # a hostile head or body may echo it into an error's text
        return PreparedRequest(
            "faceCompareNew", "POST", self._paths["faceCompareNew"],
            params, {"Content-Type": _JSON}, body,
        )  # fmt: skip


def _remember_credentials(creds: Credentials, secretkey: str) -> None:
    """The redactor of this process (a Locust worker is one of its own) told the run's secrets
    and JD signer, as ``Auth.apply`` tells the sender's (session 28: load signed through
    ``jd_auth_params`` alone, so a sign a target echoed into an error was masked by nothing)."""

    from harness.contract import jd_sign
    from harness.redact import remember_secret, remember_signer

    for value in creds.secrets():
        remember_secret(value)
    if secretkey:
        remember_signer(secretkey, functools.partial(jd_sign, secretkey))


_CREDENTIAL_ENV = {"token": ENV_TOKEN, "jd_appkey": ENV_JD_APPKEY, "jd_secretkey": ENV_JD_SECRETKEY}


def credential_env(creds: Credentials) -> dict[str, str]:
    return {var: value for key, var in _CREDENTIAL_ENV.items() if (value := getattr(creds, key))}


def _credentials(env: Mapping[str, str], *, demo: bool) -> Credentials:
    fallback = DEMO if demo else Credentials()
    return Credentials(
        **{k: env.get(v) or getattr(fallback, k) for k, v in _CREDENTIAL_ENV.items()}
    )


def _payload(image: PoolImage) -> Any:
    from harness.clients import load_payload

    return load_payload(image.data, allowed=(image.format,), name=image.name)
