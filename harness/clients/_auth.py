"""How a request authenticates, as a typed value that never holds a secret (filled in by
:meth:`Auth.apply`); spelt as a replay file's directive or as a fuzz mode (``bad_sign:upper``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import string
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from harness.config import Credentials
from harness.contract import jd_sign
from harness.redact import remember_secret, remember_sign, remember_signer

TOKEN_HEADER = "Authorization"
JD_AUTH_PARAMS = ("appkey", "timestamp", "sign")
INVALID_TOKEN = "faceharness-invalid-token"
INVALID_APPKEY = "faceharnessnosuchappkey"
MALFORMED_TIMESTAMP = "not-a-number"
OUTSIDE_WINDOW_MS = 60_000  # expired/future without an offset: this far beyond the window
# JD timestamps sent lately (seconds of a probe run's traffic): ZERO_LED takes none of them again
_SENT: deque[str] = deque(maxlen=4096)
_SENT_LOCK = threading.Lock()


# the document's example sign (``sign String 2e148773a0337a8f2200ba90d445f083``): the MD5 of its
# own secretkey and 2018's timestamp, so with any secretkey and a timestamp of now it is a wrong
# sign under every reading (E-018 leaves only the digits' case open); a sandbox's hard-coded sign
# left in a gateway takes it
DOCUMENT_EXAMPLE_SIGN = "2e148773a0337a8f2200ba90d445f083"
# the document's example timestamp (``timestamp long 1541491668060``, 2018-11-06): outside the
# window under every reading, whatever is put in front of it
DOCUMENT_EXAMPLE_TIMESTAMP = 1541491668060


class How(StrEnum):
    VALID = "fresh"
    ABSENT = "absent"
    INVALID = "invalid"  # an unknown token or appkey; a sign made with another secret
    EXPIRED = "expired"  # timestamp: before the window
    FUTURE = "future"  # timestamp: beyond the window ahead
    MALFORMED = "malformed"  # timestamp: not a number
    UPPER = "upper"  # sign: the right MD5 in uppercase hex (E-018)
    SWAPPED = "swapped"  # sign: MD5(timestamp + secret)
    TS_ONLY = "tsonly"  # sign: MD5(timestamp)
    SECRET_ONLY = "secretonly"  # sign: MD5(secretkey), the timestamp left out
    APPKEY_TS = "appkeyts"  # sign: MD5(appkey + timestamp): the public appkey for the secret
    SECONDS = "seconds"  # timestamp: now in seconds (10 digits), not milliseconds
    MICROS = "micros"  # timestamp: now in microseconds (16 digits), not milliseconds
    NANOS = "nanos"  # timestamp: now in nanoseconds (19 digits, still a long), not milliseconds
    # sign: the right MD5's first 16 hex digits, not the whole MD5; token: its last character cut
    TRUNCATED = "truncated"
    EXTENDED = "extended"  # token, appkey, sign: the valid one with a character appended
    STALE = "stale"  # sign: the right MD5 of the timestamp one millisecond before the one sent
    # sign: MD5(secretkey + the timestamp in seconds), the query's timestamp in milliseconds (a
    # service keeping a seconds-era client's formula beside the documented one)
    SECONDS_SIGN = "secsign"
    # sign: made with another secret, sent with the timestamp of a request accepted a moment
    # before (``reused_timestamp``: a service keeping the check's verdict by timestamp takes it)
    SAME_TS = "samets"
    # sign: the right MD5 with its last hex digit changed (a service comparing 31 characters, an
    # off-by-one next to the document's 31-character appkey example); token: a character near its
    # middle changed, keeping its class (a service checking the token's length or format alone)
    LAST_DIGIT = "lastdigit"
    FRACTION = "fraction"  # timestamp: now in milliseconds with a fraction (".5"), signed as sent
    # timestamp: one outside the window, signed, then a second, fresh one appended (a captured URL
    # made to look fresh: a service checking the sign on one and the window on the other)
    DOUBLED = "doubled"
    # timestamp: now with a minus sign ("-1733..."), signed as sent (a service taking the
    # number's absolute value reads it as now)
    NEGATED = "negated"
    # token: an unknown token spelt ``Bearer <token>`` (E-016's other spelling: still another value)
    BEARER = "bearer"
    # timestamp: now, moved back (a second or two) to the first whose MD5(secretkey+timestamp)
    # begins with 0: a valid timestamp a service dropping the digest's leading zeros
    # (``BigInteger.toString(16)``) cannot check
    ZERO_LED = "zeroled"
    # sign: the right MD5 without its leading zero digits (sent with a ZERO_LED timestamp: 31
    # digits or fewer), and the right MD5 with a 0 put in front (33 digits): a service comparing
    # the sign as a number takes both
    UNPADDED = "unpadded"
    ZERO_PADDED = "zeropad"
    # timestamp: now as an ISO 8601 date in UTC with milliseconds ("2026-12-07T03:30:00.123Z"),
    # signed as sent: no long (a lenient date parser takes it for now)
    ISO_DATE = "isodate"
    # sign: the document's example sign itself (DOCUMENT_EXAMPLE_SIGN), whatever the timestamp
    EXAMPLE = "example"
    # sign: MD5("null" + timestamp), with an unknown appkey: Java's ``secrets.get(appkey) +
    # timestamp`` of a missing secretkey, which anyone can make (session 27)
    NULL_TS = "nullts"
    # the same made by Python's ``f"{None}{ts}"`` and JavaScript's ``undefined + ts`` (session 27)
    NONE_TS = "nonets"
    UNDEFINED_TS = "undefts"
    # sign: a second formula over the secretkey kept beside the documented one (session 28):
    # MD5(appkey + secretkey + timestamp), SHA-256(secretkey + timestamp) in hex, HMAC-MD5 keyed
    # by the secretkey over the timestamp, MD5(secretkey + "+" + timestamp) (the document's '+'
    # read as a character), MD5(MD5(secretkey) + timestamp) (a gateway storing the key's hash)
    APPKEY_SECRET_TS = "appkeysecret"
    SHA256 = "sha256"
    HMAC_MD5 = "hmacmd5"
    PLUS_TS = "plusts"
    DOUBLE_MD5 = "md5md5"
    # sign: SHA-1(secretkey + timestamp) in hex, 40 digits (session 29): the other digest a
    # signing helper offers; a verifier dispatching on the sign's length to a SHA-1 branch takes
    # it, a broken branch taking any 40 digits too
    SHA1 = "sha1"


# a sign made as by an unknown appkey's missing secretkey written out: Java's null, Python's
# None, JavaScript's undefined (wrong_appkey:nullts, :nonets, :undefts)
_MISSING_SECRET_SIGNS = (How.NULL_TS, How.NONE_TS, How.UNDEFINED_TS)


def example_timestamp_spellings() -> list[tuple[str, str]]:
    """The document's example timestamp (2018, outside the window on every clock) spelt as a
    lenient long parser still reads it and a 13-digit guard does not: each is refused under every
    reading (as malformed, or as expired). Conformance's FH-A18 and fuzz's bad-timestamp send
    them."""
    example = str(DOCUMENT_EXAMPLE_TIMESTAMP)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in example)
    return [
        (f"0{example}", "written with a leading 0"),
        (f"+{example}", "written with a '+'"),
        (wide, "in full-width digits"),
        (f" {example}", "after a space"),
        # Python's int() reads digits grouped by underscores (session 28)
        (f"{int(example):_}", "with underscores between digit groups"),
        # JavaScript's Number() and a lenient JSON long reader take it (session 29)
        (f"{example[0]}.{example[1:]}E12", "in scientific notation"),
    ]


@dataclass(frozen=True)
class Given:
    """A credential sent as this (non-secret) text."""

    value: str


Part = How | Given
# a token made so: its fuzz mode, and its words in a report (any other: "bad_token", generated)
_TOKEN_WORDS: dict[Part, tuple[str, str]] = {
    How.VALID: ("token", "valid token"),
    How.ABSENT: ("no_token", "no Authorization header"),
    How.INVALID: ("bad_token", "an unknown token"),
    How.EXTENDED: ("bad_token:extended", "the valid token with a character appended"),
    How.TRUNCATED: ("bad_token:truncated", "the valid token with its last character cut"),
    How.BEARER: ("bad_token:bearer", "an unknown token after Bearer"),
    How.LAST_DIGIT: (
        "bad_token:lastdigit",
        "the valid token with a character in its middle changed",
    ),
    Given(""): ("no_token:empty", "an empty Authorization header"),
}


@dataclass(frozen=True)
class Auth:
    """The internal API's ``token``; JD's ``appkey``, ``timestamp`` and ``sign``. ``offset_ms``
    moves the timestamp (``EXPIRED``/``FUTURE`` with 0: the window plus a minute)."""

    token: Part = How.VALID
    appkey: Part = How.VALID
    timestamp: Part = How.VALID
    sign: Part = How.VALID
    offset_ms: int = 0
    # E-019: the timestamp on the service's clock (the sender's ``ServiceClock.trusted_offset``:
    # two witnesses agree on it); an EXPIRED/FUTURE one with that clock not trusted is the window
    # plus a minute; a VALID one with it not trusted is on ours
    service_clock: bool = False

    def apply(
        self,
        api: str,
        creds: Credentials,
        *,
        now_ms: int,
        window_ms: int,
        service_offset_ms: int | None = None,
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """(headers, query) carrying the credentials this describes; secrets only here. A query
        value is text, or a list of texts for a parameter sent more than once (``DOUBLED``)."""
        for secret in creds.secrets():
            remember_secret(secret)
        if api != "jd":
            token = _value(
                self.token,
                {
                    How.VALID: creds.require_token,
                    How.INVALID: INVALID_TOKEN,
                    How.EXTENDED: lambda: creds.require_token() + "0",
                    How.TRUNCATED: lambda: _remembered(creds.require_token()[:-1]),
                    How.BEARER: f"Bearer {INVALID_TOKEN}",
                    How.LAST_DIGIT: lambda: _remembered(_last_changed(creds.require_token())),
                },
            )
            return ({} if token is None else {TOKEN_HEADER: token}), {}
        appkey, secret = creds.require_jd()
        remember_signer(secret, functools.partial(jd_sign, secret))  # a sign handed out for it
        beyond = self.offset_ms or window_ms + OUTSIDE_WINDOW_MS
        offset = service_offset_ms if self.service_clock else None
        if self.service_clock and self.timestamp in (How.EXPIRED, How.FUTURE):
            if offset is None:  # E-019: 6 minutes, not a guess
                beyond, offset = max(beyond, window_ms + OUTSIDE_WINDOW_MS), None
        elif self.timestamp != How.VALID:
            offset = None
        now_ms += offset or 0
        stamp = _value(
            self.timestamp,
            {
                How.VALID: lambda: str(now_ms + self.offset_ms),
                How.EXPIRED: lambda: str(now_ms - beyond),
                How.DOUBLED: lambda: str(now_ms - beyond),
                How.FUTURE: lambda: str(now_ms + beyond),
                How.SECONDS: lambda: str(now_ms // 1000),
                How.MICROS: lambda: str(now_ms * 1000),
                How.NANOS: lambda: str(now_ms * 1_000_000),
                How.FRACTION: lambda: f"{now_ms}.5",
                How.NEGATED: lambda: f"-{now_ms}",
                How.ZERO_LED: lambda: zero_led(secret, now_ms - 1000),
                How.ISO_DATE: lambda: _iso_date(now_ms),
                How.MALFORMED: MALFORMED_TIMESTAMP,
            },
        )
        text = stamp or ""
        if stamp is not None:
            with _SENT_LOCK:
                _SENT.append(stamp)
        values = {
            "appkey": _value(
                self.appkey,
                {
                    How.VALID: lambda: appkey,
                    How.INVALID: INVALID_APPKEY,
                    How.EXTENDED: lambda: appkey + "0",
                },
            ),
            "timestamp": stamp,
            "sign": _value(
                self.sign,
                {
                    How.VALID: lambda: jd_sign(secret, text),
                    How.INVALID: lambda: jd_sign(secret + "-wrong", text),
                    How.SAME_TS: lambda: jd_sign(secret + "-wrong", text),
                    How.UPPER: lambda: jd_sign(secret, text).upper(),
                    How.SWAPPED: lambda: hashlib.md5(f"{text}{secret}".encode()).hexdigest(),
                    How.TS_ONLY: lambda: hashlib.md5(text.encode()).hexdigest(),
                    How.NULL_TS: lambda: hashlib.md5(f"null{text}".encode()).hexdigest(),
                    How.NONE_TS: lambda: hashlib.md5(f"None{text}".encode()).hexdigest(),
                    How.UNDEFINED_TS: lambda: hashlib.md5(f"undefined{text}".encode()).hexdigest(),
                    How.SECRET_ONLY: lambda: hashlib.md5(secret.encode()).hexdigest(),
                    How.APPKEY_TS: lambda: hashlib.md5(f"{appkey}{text}".encode()).hexdigest(),
                    How.TRUNCATED: lambda: jd_sign(secret, text)[:16],
                    How.EXTENDED: lambda: jd_sign(secret, text) + "0",
                    How.STALE: lambda: jd_sign(secret, _before(text)),
                    How.SECONDS_SIGN: lambda: jd_sign(secret, text[:-3]),
                    How.LAST_DIGIT: lambda: _last_digit_changed(jd_sign(secret, text)),
                    How.UNPADDED: lambda: jd_sign(secret, text).lstrip("0"),
                    How.ZERO_PADDED: lambda: "0" + jd_sign(secret, text),
                    How.EXAMPLE: DOCUMENT_EXAMPLE_SIGN,
                    How.APPKEY_SECRET_TS: lambda: _md5(f"{appkey}{secret}{text}"),
                    How.SHA256: lambda: hashlib.sha256(f"{secret}{text}".encode()).hexdigest(),
                    How.SHA1: lambda: hashlib.sha1(f"{secret}{text}".encode()).hexdigest(),
                    How.HMAC_MD5: lambda: hmac.new(
                        secret.encode(), text.encode(), hashlib.md5
                    ).hexdigest(),
                    How.PLUS_TS: lambda: _md5(f"{secret}+{text}"),
                    How.DOUBLE_MD5: lambda: _md5(f"{_md5(secret)}{text}"),
                },
            ),
        }
        if values["sign"] is not None:
            remember_sign(values["sign"])
        if stamp is not None:  # the right sign for the timestamp sent, whatever sign went with
            remember_sign(jd_sign(secret, text))  # it: a refusal may disclose it (session 26)
        query: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        if self.timestamp == How.DOUBLED:
            query["timestamp"] = [text, str(now_ms)]
        return {}, query

    def put(
        self,
        api: str,
        headers: MutableMapping[str, Any],
        query: MutableMapping[str, Any],
        creds: Credentials,
        *,
        window_ms: int,
    ) -> None:
        """Replace the API's credentials in ``headers`` / ``query`` by the ones this describes."""
        if api == "jd":
            for name in JD_AUTH_PARAMS:
                query.pop(name, None)
        else:
            for name in [k for k in headers if str(k).lower() == TOKEN_HEADER.lower()]:
                del headers[name]
        more = self.apply(api, creds, now_ms=int(time.time() * 1000), window_ms=window_ms)
        headers.update(more[0])
        query.update(more[1])

    def directive(self, api: str) -> Any:
        if api != "jd":
            return _spelt(self.token)
        parts: dict[str, Any] = {
            n: _spelt(getattr(self, n)) for n in JD_AUTH_PARAMS if getattr(self, n) != How.VALID
        }
        return (
            parts
            | ({"offset_ms": self.offset_ms} if self.offset_ms else {})
            | ({"service_clock": True} if self.service_clock else {})
        )

    @classmethod
    def from_directive(cls, api: str, directive: Any) -> Auth:
        """What :meth:`directive` wrote, back; anything else is a ValueError, never "no
        credentials": an edited or newer file read so replayed another request and could
        report "fixed". Every writer's spellings are :class:`How` values or literals (the
        conformance directives before ``Auth`` too); a JD part left out is ``fresh``."""
        if api != "jd":
            return cls(token=_read(directive))
        if directive == How.VALID:  # an exchange without "auth"
            return cls()
        if not isinstance(directive, dict):
            raise ValueError(f"auth directive {directive!r}: expected an object for api 'jd'")
        if unknown := sorted(set(directive) - {*JD_AUTH_PARAMS, "offset_ms", "service_clock"}):
            raise ValueError(f"unknown auth directive key(s) {', '.join(map(repr, unknown))}")
        made: dict[str, Any] = {n: _read(directive.get(n, "fresh")) for n in JD_AUTH_PARAMS}
        offset, clock = directive.get("offset_ms", 0), directive.get("service_clock", False)
        if not isinstance(offset, int) or isinstance(offset, bool) or not isinstance(clock, bool):
            raise ValueError(f"auth directive offset_ms {offset!r} / service_clock {clock!r}: "
                             f"expected an integer and true or false")  # fmt: skip
        return cls(offset_ms=offset, service_clock=clock, **made)

    def describe(self, api: str) -> str:
        """Plain words for a report (no key=value pairs, so redaction leaves it readable)."""
        if api != "jd":
            return _TOKEN_WORDS.get(self.token, ("bad_token", "a generated token"))[1]
        words = [
            f"{how if isinstance(how, How) else 'generated'} {name}"
            for name in JD_AUTH_PARAMS
            if (how := getattr(self, name)) != How.VALID
        ]
        return ", ".join(words) or "valid appkey, timestamp and sign"

    def mode(self, api: str) -> str:
        """``token`` / ``signed`` for valid credentials, else the one broken part by name."""
        if api != "jd":
            return _TOKEN_WORDS.get(self.token, ("bad_token", "a generated token"))[0]
        for name in JD_AUTH_PARAMS:
            if (part := getattr(self, name)) in (How.VALID, How.ZERO_LED):
                continue
            if part == How.ABSENT:
                return f"no_{name}"
            if name == "appkey":
                if part == How.INVALID and self.sign == How.TS_ONLY:
                    return "wrong_appkey:tsonly"  # signed as by an empty secretkey
                if part == How.INVALID and self.sign in _MISSING_SECRET_SIGNS:
                    return f"wrong_appkey:{self.sign}"  # as by a missing secretkey's text
                named = {Given(""): "no_appkey:empty", How.EXTENDED: "wrong_appkey:extended"}
                return named.get(part, "wrong_appkey")
            if isinstance(part, Given):
                return f"no_{name}:empty" if part.value == "" else f"malformed_{name}:{part.value}"
            if name == "timestamp":
                # an old timestamp signed in uppercase hex (FH-A18: a path that skips the window)
                kind = "expired_upper" if self.sign == How.UPPER else f"{part}_timestamp"
                return kind + (f":{self.offset_ms}" if self.offset_ms else "")
            return f"bad_sign:{'other' if part == How.INVALID else part}"
        if self.timestamp == How.ZERO_LED:
            return "signed:zeroled"
        return f"signed:{self.offset_ms}" if self.offset_ms else "signed"

    @classmethod
    def from_mode(cls, api: str, mode: str) -> Auth:
        """The fuzz spelling back (ValueError for a mode the api does not have): :meth:`mode`'s
        words for one broken part, or a timestamp with its offset or text."""
        name, _, variant = mode.partition(":")
        spelt = f"{name}:{variant}" if variant else name
        if not mode:
            return VALID
        if api != "jd":
            if spelt in _TOKEN_MODES:
                return _TOKEN_MODES[spelt]
        elif spelt in _JD_MODES:
            return _JD_MODES[spelt]
        elif name == "signed":
            return cls(offset_ms=int(variant))
        elif name in ("expired_timestamp", "future_timestamp", "expired_upper"):
            sign = How.UPPER if name == "expired_upper" else How.VALID
            return cls(timestamp=How(name.split("_")[0]), offset_ms=int(variant or 0), sign=sign)
        elif name == "malformed_timestamp":
            return cls(timestamp=Given(variant))
        elif name in ("no_timestamp", "no_sign"):  # with another variant than "empty": absent
            return cls(timestamp=How.ABSENT) if name == "no_timestamp" else cls(sign=How.ABSENT)
        raise ValueError(f"auth {mode!r} is not one of the auth modes of api {api!r}")


VALID = Auth()


# the second formulas over the secretkey (FH-A15, fuzz's bad_sign modes of the same names)
OTHER_FORMULAS = (
    How.APPKEY_SECRET_TS,
    How.SHA256,
    How.SHA1,
    How.HMAC_MD5,
    How.PLUS_TS,
    How.DOUBLE_MD5,
)

# the bad signs that are not 32 hex digits (an MD5's): the document ties the sign's format to no
# code, so a service checking it with the business parameters refuses them 100 参数不合法; any
# refusal that runs no comparison passes (conformance's FH-A15 and FH-A21, fuzz's bad-sign; the
# emulator alone held to 10047)
SIGN_NOT_32_HEX = (
    How.TRUNCATED,
    How.EXTENDED,
    How.SHA256,
    How.SHA1,
    How.UNPADDED,
    How.ZERO_PADDED,
)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _parts(words: str) -> list[Part]:
    """:class:`How` values by their spelling; ``empty``: an empty value, ``Given("")``."""
    return [Given("") if word == "empty" else How(word) for word in words.split()]


# every fuzz mode without a number or a text in it, by the words Auth.mode gives it; the
# timestamps and signs a mode names alone: ``<how>_timestamp``, ``bad_sign:<how>``
_TOKEN_MODES = {mode: Auth(token=part) for part, (mode, _) in _TOKEN_WORDS.items()}
_JD_MODES = {
    auth.mode("jd"): auth
    for auth in (
        VALID,
        *(Auth(appkey=p) for p in _parts("absent invalid extended empty")),
        *(Auth(appkey=How.INVALID, sign=p) for p in _parts("tsonly nullts nonets undefts")),
        *(Auth(timestamp=p) for p in _parts("absent empty zeroled seconds micros fraction")),
        *(Auth(timestamp=p) for p in _parts("doubled negated isodate")),
        *(Auth(sign=p) for p in _parts("absent empty invalid upper swapped tsonly secretonly")),
        *(Auth(sign=p) for p in _parts("appkeyts truncated extended stale samets secsign")),
        *(Auth(sign=p) for p in _parts("lastdigit zeropad example")),
        *(Auth(sign=h) for h in OTHER_FORMULAS),
        Auth(timestamp=How.ZERO_LED, sign=How.UNPADDED),
    )
} | {"bad_sign": Auth(sign=How.INVALID)}


def _last_digit_changed(sign: str) -> str:
    """``sign`` with its last hex digit another one (still 32 lowercase hex digits)."""
    return sign[:-1] + ("1" if sign[-1] == "0" else "0")


def zero_led(secret: str, start_ms: int) -> str:
    """The latest timestamp at or before ``start_ms`` whose MD5(secretkey+timestamp) begins with
    0 and that no request sent lately carried (one in 16; 4,000 ms hold one but for a chance
    under 1e-100): a service with replay protection would refuse a reused one (10045) and the
    right sign it carries would go unjudged."""
    with _SENT_LOCK:
        sent = set(_SENT)
    return _latest(secret, start_ms, lambda stamp, sign: sign[0] == "0" and stamp not in sent)


def sign_zero_led(creds: Credentials, stamp: str) -> bool:
    """Whether the right sign of ``stamp`` (MD5(secretkey+timestamp)) begins with hex 0: one in 16,
    refused by a service dropping the digest's leading zeros (FH-A21)."""
    return jd_sign(creds.require_jd()[1], stamp).startswith("0")


def not_zero_led(creds: Credentials, start_ms: int) -> str:
    """The latest timestamp at or before ``start_ms`` whose right sign does not begin with 0 (15
    in 16: a millisecond or two back, fresh under every reading of the window), so a service
    dropping the digest's leading zeros checks it as the document says."""
    return _latest(creds.require_jd()[1], start_ms, lambda _, sign: sign[0] != "0")


def _latest(secret: str, start_ms: int, wanted: Callable[[str, str], bool]) -> str:
    """The latest timestamp of the 4,000 ms at or before ``start_ms`` that ``wanted`` takes with
    its right sign; ``start_ms`` itself when none does (under (15/16) ** 4000)."""
    for stamp in map(str, range(start_ms, start_ms - 4_000, -1)):
        if wanted(stamp, jd_sign(secret, stamp)):
            return stamp
    return str(start_ms)  # pragma: no cover


def _iso_date(now_ms: int) -> str:
    """``now_ms`` as an ISO 8601 instant in UTC with milliseconds, ``Z`` for the zone."""
    when = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now_ms % 1000:03d}Z"


def reused_sign(stamp_ms: int) -> tuple[Auth, Auth]:
    """A request signed at ``stamp_ms``, and one 1 ms later that reuses its sign (``STALE``): a
    service that skips the check for a sign it has seen lets a captured URL's sign outlive its
    timestamp (conformance's FH-A15 and fuzz's ``bad_sign:stale`` send both, in this order)."""
    return (
        Auth(timestamp=Given(str(stamp_ms))),
        Auth(timestamp=Given(str(stamp_ms + 1)), sign=How.STALE),
    )


def reused_timestamp(stamp_ms: int) -> tuple[Auth, Auth]:
    """A request signed at ``stamp_ms``, and one with the same timestamp and a sign made with
    another secret (``SAME_TS``): a service keeping a sign check's verdict by appkey and
    timestamp lets any sign ride on an accepted one (conformance's FH-A15 and fuzz's
    ``bad_sign:samets`` send both, in this order)."""
    return Auth(timestamp=Given(str(stamp_ms))), Auth(
        timestamp=Given(str(stamp_ms)), sign=How.SAME_TS
    )


def _value(part: Part, made: dict[Part, Any]) -> str | None:
    """The text sent for ``part`` (None: not sent); a way this credential has not is not sent."""
    if isinstance(part, Given):
        return part.value
    make = made.get(part)
    return make() if callable(make) else make


def cut_token_is_empty(creds: Credentials) -> bool:
    """Whether ``How.TRUNCATED`` (the valid token with its last character cut) sends an empty
    token: a one-character token's cut is the missing-token case, not a bad token (conformance's
    FH-A17 and fuzz's ``bad_token:truncated`` skip it or expect that code)."""
    return len(creds.token or "--") < 2


def _remembered(value: str) -> str:
    """A credential cut from a secret (most of it): every later redaction masks it too."""
    remember_secret(value)
    return value


_CLASSES = {"0": string.digits, "A": string.ascii_uppercase, "a": string.ascii_lowercase}


def _last_changed(token: str) -> str:
    """The token with one character near its middle changed to another of its class (a digit
    for a digit, a letter for a letter of the same case), as long as it and of the same shape:
    a service checking a token's length or format, not its value, takes it. Not the last
    character: a JWT's or any base64url token's last one carries unused bits a lenient decoder
    ignores ('...0' and '...1' are the same signature), so changing it changes no byte; nor one
    before a '.', nor a '.', '-' or '_'. Mostly the secret, so redacted too."""
    middle = len(token) // 2
    for i in sorted(range(len(token)), key=lambda i: (abs(i - middle), i)):
        if i == len(token) - 1 or token[i + 1] == ".":
            continue
        for first, second in ("01", "AB", "ab"):
            if token[i] in _CLASSES[first]:
                return token[:i] + (second if token[i] == first else first) + token[i + 1 :]
    last = token[-1:]  # no letter or digit to change: the last character, as before
    return token[:-1] + ("1" if last == "0" else "0")


def _before(stamp: str) -> str:
    """The timestamp one millisecond before ``stamp`` (a sign made for it is another's)."""
    return str(int(stamp) - 1) if stamp.isascii() and stamp.isdigit() else stamp + "0"


def _spelt(part: Part) -> Any:
    return {"literal": part.value} if isinstance(part, Given) else str(part)


def _read(spelt: Any) -> Part:
    if isinstance(spelt, dict) and set(spelt) == {"literal"} and isinstance(spelt["literal"], str):
        return Given(spelt["literal"])
    if isinstance(spelt, str) and spelt in _SPELLINGS:
        return How(spelt)
    raise ValueError(f"unknown auth directive {spelt!r}")


_SPELLINGS = frozenset(How)


def token_of(headers: Any, creds: Credentials) -> Part:
    """How a request's Authorization header was made (a value holding a secret: ``INVALID``)."""
    value = next(
        (str(v) for k, v in dict(headers or {}).items() if str(k).lower() == "authorization"), None
    )
    if value is None:
        return How.ABSENT
    if creds.token and value.removeprefix("Bearer ").strip() == creds.token:
        return How.VALID
    return given_or(value, How.INVALID, creds)


def given_or(value: str, fallback: How, creds: Credentials) -> Part:
    """A generated value is kept verbatim unless it contains a secret."""
    if any(secret and secret in value for secret in creds.secrets()):
        return fallback
    return Given(value)
