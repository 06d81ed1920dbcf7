"""Redaction: secrets, credential fields and face images must never reach a shared report; an
image becomes ``<image sha256=HEX bytes=N>``, so two reports still tell whether the same one was
sent. :func:`redact` is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import collections
import datetime
import functools
import hashlib
import html
import itertools
import operator
import re
import struct
import threading
import unicodedata
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, NamedTuple, TypeVar, get_args, get_origin
from urllib.parse import quote, quote_plus, unquote, unquote_to_bytes

from pydantic import BaseModel

from harness.signatures import SIGNATURES, sniff_format

MASK = "***"
# Enumerated fields: a (silly) secret such as "pass" must not rewrite the verdict.
KEEP_KEYS = frozenset({"schema_version", "verdict", "status", "severity", "suite", "name"})
M = TypeVar("M", bound=BaseModel)
IMAGE_MIN_CHARS = 256
# What stands in for a value nested deeper than this: a report shows no more of it (a target's
# score nested 900 arrays deep ended conform and fuzz in RecursionError, hostile round 8).
MAX_DEPTH = 64
DEEP = f"<nested past {MAX_DEPTH} levels>"


class Pretty:
    """Printed by its ``repr`` in hypothesis' falsifying examples (its pretty printer walks a
    dataclass field by field): what holds an image or a request body says it short, never its
    bytes. The one owner for the pool images, requests and fuzz's generated values."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


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
    r"(?:[A-Za-z0-9+/_-]++|\r?\n|\\r|\\n|\\/)++={0,2}"
)
_DATA_URI_PREFIX = re.compile(r"^data:[\w.+/-]+;base64,")
# Decimal digits only: an image's base64 (6 bits a character) has letters in any 256 characters
# (a run of 256 digits has a chance of (10/64)**256), so digits alone are a number, kept as sent.
_NUMBER_RE = re.compile(r"-?[0-9]+")
_TIMESTAMP_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]+(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
# An image no run above catches, masked only when it decodes to an image signature: base64 broken
# into pieces by blanks or line breaks (a target's wrapped echo: MIME's 76 columns, PEM's 64, any
# width from 16, spaces, tabs, CRLF as it is or as JSON's escapes; session 28: pieces joined by
# ``,``, ``;`` or ``|``), ...
_BLANKS = r"(?:[ \t\r\n,;|]|\\[rnt])++"
_SPACED_RE = re.compile(
    r"(?<![A-Za-z0-9+/])(?:data:[\w.+/-]+;base64,)?"
    r"(?:[A-Za-z0-9+/]{16,}+" + _BLANKS + r"){3,}+[A-Za-z0-9+/]*+={0,2}"
)
# ... the bytes as numbers: a list (signed, as Java's byte[], or unsigned), bracketed or not ...
_BYTE_LIST_RE = re.compile(r"(?<![\d.-])(?:\[\s*)?-?\d{1,3}(?:\s*,\s*-?\d{1,3}){15,}+(?:\s*\])?")
# ... as hex pairs apart (a hexdump: "ff d8 ff", "ff:d8", "0xff, 0xd8"; unbroken hex is a run;
# each pair a whole word, so a run ends at its last one: session 28, a pair glued to the next
# after a MB of them failed the run at its end from every start, minutes a text) ...
_HEX_BYTES_RE = re.compile(
    r"(?i)(?<![0-9a-z])(?:0x)?[0-9a-f]{2}(?![0-9a-z])"
    r"(?:(?:[ :,]\s*|\s+)(?:0x)?[0-9a-f]{2}(?![0-9a-z])){15,}+"
)
# ... or escaped: Python's repr (b'\xff\xd8...' to its quote), or \x escapes another language
# quoted (to the end of the line: where they end cannot be told; backslashes doubled by each JSON
# text it was quoted in, JSON inside JSON too).
_ESCAPED_BYTES_RE = re.compile(
    r"""b'(?:\\\\.|\\.|[^\\'])*+'?|b"(?:\\\\.|\\.|[^\\"])*+"?"""
    r"""|(?:\\{1,16}(?:x[0-9a-fA-F]{2}|u00[0-9a-fA-F]{2}|[0-3][0-7]{2})){2}(?:\\.|[^\\\r\n])*+"""
)
# ... or as characters: the bytes read as Latin-1 (a target that decoded the body so and echoed
# it, raw or as JSON's \u00XX escapes, which :data:`_ESCAPED_BYTES_RE` takes), from a signature to
# the end of the text; percent-encoded (from three escaped bytes on); base85 or Ascii85.
_LATIN1_IMAGE_RE = re.compile("(?:" + SIGNATURES.pattern.decode("latin-1") + ")[\\s\\S]{48,}", re.S)
# a part of each signature, searched first: the expression tries every one at each character
_LATIN1_MARKS = (
    "\xff\xd8\xff",
    "\x89PNG",
    "GIF8",
    "WEBP",
    "ftyp",
    "II*",
    "MM\x00",
    "BM",
    "\x00\x01\x00",
)
_PERCENT_BYTES_RE = re.compile(r"(?:%[0-9A-Fa-f]{2}){3}(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~*+-])*+")
# ... base64 percent-encoded (session 23: a Location or a form echoing it, ``%2F9j%2F4AAQ``) ...
_PCT_B64_RE = re.compile(r"(?<![A-Za-z0-9%])(?:[A-Za-z0-9]++|%(?:2[BbFf]|3[Dd]|0[AaDd]))++")
# ... or quoted-printable bytes (``=FF=D8=FF``, from three escaped bytes on, soft line breaks in)
_QP_BYTES_RE = re.compile(r"(?:=[0-9A-Fa-f]{2}){3}(?:=[0-9A-Fa-f]{2}|=\r?\n|[!-<>-~])*+")
_B85_RE = re.compile(r"(?:<~)?[!-uz]{256,}+(?:~>)?|[0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]{256,}+")
# JD signatures this process made: an MD5 of the secretkey, fresh for every request, that a
# hostile target can echo into free text (an error message, a header) where no key names it.
# Capped: the oldest are forgotten first. Kept as they are and reversed (a target's echo may be).
SIGNS_CAP = 100_000
# Looked up by 31 characters (review of session 27: a sign with its first or last hex digit cut
# passed): each sign's first and last 31, and its reverse's.
SIGN_WINDOW = 31
_SIGNS: dict[str, str] = {}  # a key: the form (the sign or its reverse) it is cut from
# a sign's raw 16 bytes as base64 (its first 21 characters, URL-safe alphabet) and as base32 (its
# first 25, upper-case): all its bits but the last two or three (review of session 27)
_RAW_SIGNS: dict[str, None] = {}
_RAW_B64_CHARS, _RAW_B32_CHARS = 21, 25
# session 28: a 32-digit sign's two 16-digit halves (a target's "begins X ... ends Y"), each
# masked as a whole hex word only: 64 bits of the digest are half the sign
_SIGN_HALVES: dict[str, None] = {}
# session 29: a half glued to a word ("sigA<half>"): each 16 characters of a hex run looked up
# (C's 0x before it too); a run of digits alone only once a half of digits alone was remembered
_HEX_PART_RE = re.compile(r"(?:(?<![0-9A-Za-z])0[xX])?+([0-9A-Fa-f]{16,}+)")
_DIGIT_HALVES = False
# ... the sign and its halves as decimal numbers (unsigned, and Java's signed long or BigInteger
# of its bytes), from 15 digits: a digit run is one look-up
_SIGN_NUMBERS: dict[str, None] = {}
_NUMBER_RUN_RE = re.compile(r"[0-9]{15,}+")
_WORD_RUN_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{20,26}+(?![0-9A-Za-z])")  # base36, base58
# ... its raw halves' base64 (first 10 characters, URL-safe alphabet) and base32 (first 12): all
# but the last few bits of 8 bytes
_RAW_HALVES: dict[str, None] = {}
_HALF_B64_CHARS, _HALF_B32_CHARS = 10, 12
# ... and its raw 16 bytes in base85 or Ascii85 at each of the four alignments a longer encoded
# text may give them: 15 characters, three groups the sign's bytes alone decide. Ten keys a sign,
# so kept for the latest fifth of SIGNS_CAP signs
_RAW_B85: dict[str, None] = {}
_B85_CHARS = 15
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B85_ALPHABET = (
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
)
# whether a key of the raw stores is all digits or all lower-case letters (a chance of 1e-4 a
# half's base64): else a run of either (prose's words, traceNos) is looked up in none
_PLAIN_RAW = False
# the signs whose parts are still to be remembered (_settle_sign_parts): the latest fifth of the
# cap, what _RAW_B85 keeps
_PENDING_PARTS: collections.deque[tuple[str, bytes, tuple[str, str]]] = collections.deque(
    maxlen=SIGNS_CAP // 5
)
_DIGIT_SIGNS = False  # whether a sign of digits alone was ever remembered (_sign_windows)
_SIGNS_LOCK = threading.Lock()
# Credential values requests carried (a few per run): masked as a given secret is.
SECRETS_CAP = 64
SECRET_MIN_CHARS = 8
SHORT_SECRET_CHARS = 4  # a given secret shorter than this is masked only as a whole word
HALF_SECRET_CHARS = 10  # a secret's part masked as a whole word from this many characters on
_SECRETS: dict[str, None] = {}
# A run of hex characters that may hold a sign anywhere in it (a target may glue characters to
# it, "0<sign>"): searched for every remembered sign as a substring, not as a whole word.
_SIGN_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{31,}+")
# the same in UTF-16 or UTF-32 read as bytes (a NUL or three between its characters)
_WIDE_SIGN_RE = re.compile(r"\0{0,3}(?:[0-9A-Fa-f]\0{1,3}){30,}[0-9A-Fa-f]\0{0,3}")
# A sign echoed encoded (no key names it, and its variants cannot be listed for 100,000 signs):
# runs of hex, percent escapes (once or twice), character references and base64 are decoded and
# masked when they hold a sign this process made. Hex at both parities and base64 from each of
# its four start offsets: an echo may glue characters of the same alphabet before the encoding
# ("sign_" + base64, "0" + hex), which shifts where its groups start.
_HEX_RUN_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64,}+")
_PCT_RUN_RE = re.compile(r"(?:%(?:25)?[0-9A-Fa-f]{2}){32,}+")
_QP_RUN_RE = re.compile(r"(?:=[0-9A-Fa-f]{2}){32,}+")  # quoted-printable, every byte escaped
_REF_RUN_RE = re.compile(r"(?:&#(?:[xX][0-9A-Fa-f]{1,6}|[0-9]{1,7});){32,}+")
_B64_RUN_RE = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{43,}+={0,2}")
# base32 (RFC 4648), either case: a sign is 52 characters of it
_B32_RUN_RE = re.compile(r"(?<![A-Za-z0-9+/_-])(?:[A-Z2-7]{48,}+|[a-z2-7]{48,}+)={0,6}")


def remember_sign(sign: str) -> None:
    """A signature just put on a request: every later redaction masks it wherever it appears."""
    global _DIGIT_SIGNS
    sign = sign.lower()
    keys = _sign_keys(sign)
    with _SIGNS_LOCK:
        _DIGIT_SIGNS = _DIGIT_SIGNS or any(k.isdigit() for k in keys)
        # reversed too: one look-up a window finds either form
        _SIGNS.update(keys)
        _trim(_SIGNS, 4 * SIGNS_CAP)
        if len(sign) == 32 and not sign.strip("0123456789abcdef"):
            raw = bytes.fromhex(sign)
            _SIGN_HALVES.update(
                dict.fromkeys((sign[:16], sign[16:], sign[::-1][:16], sign[::-1][16:]))
            )
            _trim(_SIGN_HALVES, 4 * SIGNS_CAP)
            whole = (
                base64.urlsafe_b64encode(raw).decode()[:_RAW_B64_CHARS],
                base64.b32encode(raw).decode()[:_RAW_B32_CHARS],
            )
            _RAW_SIGNS.update(dict.fromkeys(whole))
            _trim(_RAW_SIGNS, 2 * SIGNS_CAP)
            _PENDING_PARTS.append((sign, raw, whole))


def _settle_sign_parts() -> None:
    """The parts of the signs remembered since the last redaction, computed now: a load run
    signs each request and redacts only its errors (60 us a sign, done at each, was 6 s of a
    100,000-request run)."""
    with _SIGNS_LOCK:
        while len(_PENDING_PARTS) > SIGNS_CAP // 5:  # what the stores would forget at once
            _PENDING_PARTS.popleft()
        while _PENDING_PARTS:
            _remember_sign_parts(*_PENDING_PARTS.popleft())


def _remember_sign_parts(sign: str, raw: bytes, whole: tuple[str, str]) -> None:
    """Session 29: what a target may echo of a 32-digit sign in parts or other notations (its
    halves as decimal, glued to a word, their raw bytes in base64 or base32; its raw bytes in
    base85). Computed from its numbers (base64's module encodes in Python: 10 encodings a sign
    cost a load run's process 0.8 ms a request); ``whole``: the raw sign's keys (_RAW_SIGNS)."""
    global _DIGIT_HALVES, _PLAIN_RAW
    _DIGIT_HALVES = _DIGIT_HALVES or sign[:16].isdigit() or sign[16:].isdigit()
    for part in (sign, sign[:16], sign[16:]):
        value, bits = int(part, 16), 4 * len(part)
        for number in (value, (1 << bits) - value if value >> (bits - 1) else 0):
            if number >= 10**14:
                _SIGN_NUMBERS[str(number)] = None
    # ... and, new spellings, as base36 (lower-case; looked up lower-cased) and base58
    _SIGN_NUMBERS.update(dict.fromkeys((_base36(int(sign, 16)), _base58(raw))))
    _trim(_SIGN_NUMBERS, 8 * SIGNS_CAP)
    keys: list[str] = []
    for half in (int(sign[:16], 16), int(sign[16:], 16)):  # its first 60 bits, 6 or 5 a character
        keys.append("".join(_B64URL[half >> (58 - 6 * i) & 63] for i in range(_HALF_B64_CHARS)))
        keys.append(
            "".join(_B32_ALPHABET[half >> (59 - 5 * i) & 31] for i in range(_HALF_B32_CHARS))
        )
    _RAW_HALVES.update(dict.fromkeys(keys))
    _trim(_RAW_HALVES, 4 * SIGNS_CAP)
    # base85's groups: each 32-bit word of the bytes (after 0 to 3 others) as five digits
    words = struct.unpack(">4I", raw)
    shifted = [words[:3], words[1:]] + [
        struct.unpack(">3I", raw[4 - shift : 16 - shift]) for shift in (1, 2, 3)
    ]
    for group in shifted:
        digits = [w // 85**k % 85 for w in group for k in (4, 3, 2, 1, 0)]
        keys += (
            "".join([_B85_ALPHABET[d] for d in digits]),
            "".join([chr(33 + d) for d in digits]),
        )
    _RAW_B85.update(dict.fromkeys(keys[4:]))
    _trim(_RAW_B85, 2 * SIGNS_CAP)
    _PLAIN_RAW = _PLAIN_RAW or any(map(_plain, keys + list(whole)))


def _trim(store: dict[str, Any], cap: int) -> None:
    """``store`` past ``cap``: its oldest quarter forgotten at once (session 28: one key deleted a
    sign from the front of a dict skips every slot deleted before it, so past the cap each new
    sign cost a scan: 150,000 signs, a long load run's, took 30 s, then minutes)."""
    if len(store) > cap:
        kept = list(store.items())[len(store) - cap * 3 // 4 :]
        store.clear()
        store.update(kept)


def _sign_keys(sign: str) -> dict[str, str]:
    """What :data:`_SIGNS` holds of ``sign``: its first and last SIGN_WINDOW characters, of it and
    of its reverse (a shorter sign, a truncated one sent on purpose, as it is), each to the form
    it is cut from."""
    forms = (sign, sign[::-1])
    return {cut: f for f in forms for cut in (f[:SIGN_WINDOW], f[-SIGN_WINDOW:])}


# How this process signs for a timestamp, one function per JD secretkey (the contract's jd_sign
# bound to it: the formula has one owner): a target may hand out the right sign for another
# timestamp (``server time T, expected sign MD5(secretkey+T)``, review of session 27), a sign no
# request carried, so none remembered; every text is searched for the sign of each number in it.
SIGNERS_CAP = 8
_SIGNERS: dict[str, Callable[[str], str]] = {}
# a timestamp a target may name: seconds to nanoseconds since the epoch
_STAMP_RE = re.compile(r"(?<![0-9])[0-9]{10,19}(?![0-9])")


# Texts already searched for handed signs, by (hash, length, the numbers beside them) while the
# signers stay the same: a finding's answer is redacted again by every report and replay, and a
# second search finds only what the first remembered (one search cost a JD mutant run 2x its time).
_HANDED_SEEN: dict[tuple[int, int, int], None] = {}
HANDED_SEEN_CAP = 4096
# A field searched beside the object's others for a number and its sign at most this long (an
# image's base64 is searched on its own: joined with every other field, each redaction of a JD
# request hashed and scanned its 300 KB again)
HANDED_ACROSS_MAX = 4096


def remember_signer(secretkey: str, sign: Callable[[str], str]) -> None:
    """``sign``: the JD sign for a timestamp under ``secretkey``; every later redaction masks the
    sign of any 10-to-19-digit number a text (or a redacted object) names, wherever it shows."""
    if secretkey in _SIGNERS:
        return
    with _SIGNS_LOCK:
        _HANDED_SEEN.clear()  # a new signer: every text is worth a new search
        _SIGNERS[secretkey] = sign
        if len(_SIGNERS) > SIGNERS_CAP:
            del _SIGNERS[next(iter(_SIGNERS))]


def _remember_handed(text: str, numbers: Iterable[str] = ()) -> None:
    """Each sign of a number ``text`` (or ``numbers``) names that ``text`` holds, in a hex run
    (either case, reversed, inside a longer run), remembered as a sign this process made: the
    text's redaction masks it in every form it masks a made one. One MD5 a distinct number and
    one look-up a hex window: linear in the text."""
    if not _SIGNERS or len(text) < 32:
        return
    numbers = tuple(numbers)
    key = (hash(text), len(text), hash(numbers))
    if key in _HANDED_SEEN:
        return
    if len(_HANDED_SEEN) >= HANDED_SEEN_CAP:
        _HANDED_SEEN.clear()
    _HANDED_SEEN[key] = None
    if not _SIGN_RE.search(text):
        return
    stamps = set(_STAMP_RE.findall(text)).union(numbers)
    if not stamps:
        return
    signers = list(_SIGNERS.values())
    candidates = {key: s for s in {sign(t) for t in stamps for sign in signers}
                  for key in _sign_keys(s)}  # fmt: skip
    for m in _SIGN_RE.finditer(text):
        for window in candidates.keys() & set(_sign_windows(m.group(0))):
            remember_sign(candidates[window])


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
        _REMEMBERED = _secret_variants(_SECRETS, echoes=False)


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
    if "\n" in payload or "\\" in payload:  # a 100 KB image's scan for none: 7 ms a call
        payload = re.sub(r"\r?\n|\\r|\\n", "", payload).replace("\\/", "/")
    try:
        if "-" in payload or "_" in payload:
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        data = text.encode("utf-8")
    return image_placeholder(data)


def _is_image(data: bytes) -> bool:
    return sniff_format(data) is not None


def _image_or_text(data: bytes, text: str) -> str:
    return image_placeholder(data) if _is_image(data) else text


_BLANKS_RE = re.compile(_BLANKS)


def _spaced_payload(text: str) -> str:
    return re.sub(r"[ \t\r\n,;|]|\\[rnt]", "", text)


def _spaced_image(text: str) -> str:
    """The pieces decoded whole; else from the first later piece that starts an image's bytes
    (review of session 28: with ``,;|`` blanks, a word of 16 characters before them, "id
    0123456789abcdef, ", began the run and put the image's base64 out of line). One retry:
    each piece costs its first 64 characters, the retry one decode."""
    payload = _spaced_payload(_DATA_URI_PREFIX.sub("", text))
    try:
        data = _b64_bytes(payload)
    except (binascii.Error, ValueError):
        data = b""
    if _is_image(data):
        return image_placeholder(data)
    for blank in _BLANKS_RE.finditer(text):
        start = blank.end()
        try:
            if not _is_image(_b64_bytes(_spaced_payload(text[start : start + 256])[:64])):
                continue
            data = _b64_bytes(_spaced_payload(text[start:]))
        except (binascii.Error, ValueError):
            continue
        return text[:start] + image_placeholder(data)
    return text


def _byte_list_image(text: str) -> str:
    values = [int(v) for v in re.findall(r"-?\d+", text)]
    if any(not -128 <= v <= 255 for v in values):
        return text
    return _image_or_text(bytes(v % 256 for v in values), text)


def _hex_bytes_image(text: str) -> str:
    return _image_or_text(bytes.fromhex(re.sub(r"(?i)0x|[^0-9a-f]", "", text)), text)


def _latin1_image(text: str) -> str:
    if text.isascii() and text.isprintable():  # prose naming a format ("GIF89a files ...")
        return text
    return _image_or_text(text.encode("latin-1", "replace"), text)


def _percent_bytes_image(text: str) -> str:
    return _image_or_text(unquote_to_bytes(text), text) if len(text) >= 64 else text


def _pct_b64_image(text: str) -> str:
    if len(text) < IMAGE_MIN_CHARS or "%" not in text:
        return text
    payload = unquote(text)
    return _image_for_match(payload) if _IMAGE_RE.fullmatch(payload) else text


def _qp_bytes_image(text: str) -> str:
    """From 64 characters on, as percent-encoded bytes (:func:`_percent_bytes_image`): a few
    escapes and a word in a long text (``=FF=D8=FFabc``) are no image."""
    import quopri

    if len(text) < 64:
        return text
    return _image_or_text(quopri.decodestring(text.encode("latin-1", "replace")), text)


def _b85_image(text: str) -> str:
    """Ascii85 (``<~``, ``z`` for four zero bytes) or base85 (Python's, git's), by its first
    bytes."""
    for decode, body in ((base64.a85decode, text.removeprefix("<~").removesuffix("~>")),
                         (base64.b85decode, text)):  # fmt: skip
        try:
            if _is_image(decode(body[:40])):
                return image_placeholder(decode(body))
        except ValueError:
            continue
    return text


def _escaped_bytes_image(text: str) -> str:
    """Masked when its first bytes are an image's; hashed as text if the rest will not decode
    (a run cut at a quote its JSON text escaped once more)."""
    body = text[2:].rstrip(text[1]) if text[:2] in ("b'", 'b"') else text

    def unescaped(part: str) -> bytes:
        data = re.sub(r"(\\+)u00([0-9a-fA-F]{2})", r"\1x\2", part).encode("latin-1", "replace")
        with warnings.catch_warnings():  # a \\u cut short is kept as it is, said a warning
            warnings.simplefilter("ignore", DeprecationWarning)
            for _ in range(4):  # the escapes escaped again by each JSON text it was quoted in
                data = codecs.escape_decode(data)[0]
                if data[:1] != b"\\":
                    break
        return data

    try:
        head = unescaped(body[:160].rstrip("\\"))
        if _is_image(head):
            return image_placeholder(unescaped(body))
        # session 24: an image's base64, every character escaped (``\\u002f\\u0039\\u006a``)
        if _b64_image_at(_b64_lead(head)) is None:
            return text
        return _b64_chars_image(_b64_lead(unescaped(body)))
    except (ValueError, UnicodeError):
        return image_placeholder(text.encode("utf-8", "replace"))


_B64_LEAD = re.compile(r"(?:[A-Za-z0-9+/_-]|\s)*+={0,2}")


def _b64_lead(data: bytes) -> str:
    """The base64 (with any blanks) an unescaped run starts with; empty when none."""
    found = _B64_LEAD.match(data.decode("latin-1"))
    return found.group(0) if found else ""


# ... or a character an item of a list printed as text (``['/', '9', 'j', ...]``, JSON's, a
# tuple, one a line or comma; session 24): lone base64 characters, 1 to 16 others between them.
# Without a minimum count (each run is taken whole, then its length is checked), so a failed
# try costs one word, not a rescan of the run from each of its characters.
_B64_CHAR = r"[A-Za-z0-9+/=](?![A-Za-z0-9+/=])"  # one, alone
_CHAR_LIST_RE = re.compile(
    rf"(?<![A-Za-z0-9+/=]){_B64_CHAR}(?:[^A-Za-z0-9+/=]{{1,16}}+{_B64_CHAR})++"
)


def _b64_image_at(chars: str) -> int | None:
    """The offset (0 to 3: a character or three glued before it) at which the base64 characters
    ``chars`` start an image's bytes, or None."""
    for k in range(4):
        try:
            if _is_image(_b64_bytes(chars[k : k + 64])):
                return k
        except (ValueError, binascii.Error):
            continue
    return None


def _b64_chars_image(chars: str, text: str | None = None) -> str:
    """The placeholder of the image the base64 characters ``chars`` decode to; ``text`` (or
    ``chars``) when they decode to none."""
    chars = re.sub(r"\s", "", chars)
    at = _b64_image_at(chars)
    if at is None:
        return chars if text is None else text
    try:
        return image_placeholder(_b64_bytes(chars[at:]))
    except (ValueError, binascii.Error):
        return image_placeholder(chars.encode())


def _char_list_image(text: str) -> str:
    if len(text) < 2 * IMAGE_MIN_CHARS:
        return text
    return _b64_chars_image(re.sub(r"[^A-Za-z0-9+/=]", "", text), text)


class _Secrets(NamedTuple):
    """The forms of the secrets to mask: ``exact`` as they are, ``folded`` lower-cased (matched
    whatever their case)."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]
    short: re.Pattern[str] | None = None  # secrets under SHORT_SECRET_CHARS, as whole words
    spread: tuple[str, ...] = ()  # their letters and digits, lower-cased (_mask_spread)
    cut: re.Pattern[str] | None = None  # a secret cut short at either end, as a whole word


_URLSAFE = str.maketrans("+/", "-_")
_B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_UU = str.maketrans(_B64_CHARS, "".join(map(chr, range(32, 96))))  # uuencode, a blank for 0
_UU_0 = str.maketrans(_B64_CHARS, "`" + "".join(map(chr, range(33, 96))))  # or a backtick
_B32HEX = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")
_ROT47 = str.maketrans("".join(map(chr, range(33, 127))),
                       "".join(chr(33 + (c + 14) % 94) for c in range(33, 127)))  # fmt: skip
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(data: bytes) -> str:
    """Bitcoin's base58 of ``data`` (a number: its leading zero bytes as "1")."""
    number, digits = int.from_bytes(data, "big"), []
    while number:
        number, digit = divmod(number, 58)
        digits.append(_B58[digit])
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + "".join(reversed(digits))


def _base36(number: int) -> str:
    digits = []
    while number:
        number, digit = divmod(number, 36)
        digits.append("0123456789abcdefghijklmnopqrstuvwxyz"[digit])
    return "".join(reversed(digits))


def _echoes(secret: str) -> tuple[set[str], set[str]]:
    """What a target may echo a credential as: (case matters, case does not): its base64
    (standard and URL-safe, at each of the three alignments inside a longer encoded text: only
    the characters the secret alone decides), and, whatever the case, itself, every byte
    percent-encoded (once or twice: ``%2541``), as HTML character references, as JSON's \\u
    escapes, as hex, as base32, quoted-printable, C escapes (hex, octal), ROT13, a list of its
    characters or their codes, or reversed, or in UTF-16 or UTF-32 read as bytes (a NUL between
    its characters: a text answer without its charset); and encoded twice (base64 of its hex or
    of its base64, ...); zlib or gzip inside base64 are inflated (_PACKED_B64_RE). Of a secret
    under ``SECRET_MIN_CHARS``, the caller keeps the forms of that length or more (session 23:
    a short token as base32 or quoted-printable)."""
    raw = secret.encode()
    folded = {
        secret,
        "".join(f"%{b:02x}" for b in raw),
        "".join(f"&#{b};" for b in raw),
        "".join(f"&#x{b:x};" for b in raw),
        "".join(f"\\u{b:04x}" for b in raw),
        "".join(f"%25{b:02x}" for b in raw),
        raw.hex(),
        secret[::-1],
        "\0".join(secret),
        "\0\0\0".join(secret),
        "".join(f"={b:02x}" for b in raw),  # quoted-printable (session 22)
        # session 23: C's and Python's byte escapes (hex, octal), ROT13, and its characters or
        # their codes as a list (a target's array of them, as JSON or a repr prints it)
        "".join(f"\\x{b:02x}" for b in raw),
        "".join(f"\\{b:03o}" for b in raw),
        codecs.encode(secret, "rot13"),
        # session 28: base85 (git's, Python's b85) and Ascii85 (Adobe's, ``<~...~>`` around it)
        base64.b85encode(raw).decode(),
        base64.a85encode(raw).decode(),
        ", ".join(str(b) for b in raw),
        ",".join(str(b) for b in raw),
        "', '".join(secret),
        '", "'.join(secret),
        '","'.join(secret),
    }
    # encoded twice (a longer secret's are found by decoding, _mask_encoded): its hex
    # percent-encoded, the hex of its base64, and below, the base64 of its hex
    folded |= {"".join(f"%{b:02x}" for b in raw.hex().encode()), base64.b64encode(raw).hex()}
    # reversed, then encoded, or encoded, then reversed (hostile session 26: a short secret's
    # hex of it reversed is under the 64-character run the decoders read)
    folded |= {raw[::-1].hex(), raw.hex()[::-1]}
    exact = set()
    # base32 (hostile session 22), at each of its five alignments inside a longer encoded text
    for shift in range(5):
        text = base64.b32encode(bytes(shift) + raw).decode()
        inner = text[-(-8 * shift // 5) : 8 * (shift + len(raw)) // 5]
        folded |= {inner, inner.translate(_B32HEX)}
    # session 29: base85 or Ascii85 inside a longer encoded text, at each of its four alignments:
    # the groups of five the secret's bytes alone decide
    for encode in (base64.b85encode, base64.a85encode):
        for shift in range(4):
            text = encode(bytes(shift) + raw).decode()
            exact.add(text[5 if shift else 0 : 5 * ((shift + len(raw)) // 4)])
    # new spellings: ROT47, base85 reversed, base58 (Bitcoin's: a number, so whole only), and
    # below, base32's extended-hex alphabet and uuencode's (base64's groups, another alphabet)
    exact |= {secret.translate(_ROT47), base64.b85encode(raw).decode()[::-1], _base58(raw)}
    # base64 of its base64 (a 20-character token's 40 characters are under the run scan's 43)
    hexed = raw.hex()
    for data in (raw, hexed.encode(), hexed.upper().encode(), base64.b64encode(raw),
                 raw[::-1], hexed[::-1].encode()):  # fmt: skip
        for inner in _b64_inners(data):
            exact |= {
                inner,
                inner.translate(_URLSAFE),
                inner.translate(_UU),
                inner.translate(_UU_0),
            }
            if data is raw:  # its base64 reversed
                exact |= {inner[::-1], inner[::-1].translate(_URLSAFE)}
    return exact, {f.lower() for f in folded}


def _b64_inners(data: bytes, ending: bool = False) -> list[str]:
    """``data``'s base64 at each of the three alignments it may have inside a longer encoded
    text (0, 1 or 2 bytes before it): only the characters ``data`` alone decides; ``ending``:
    also as it reads where it ends the encoded text (its last character's bits padded)."""
    inners = []
    for shift in range(3):
        text = base64.b64encode(bytes(shift) + data).decode()
        inners.append(text[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6])
        if ending:
            inners.append(text[-(-8 * shift // 6) :].rstrip("="))
    return inners


def _whole_encodings(secret: str) -> set[str]:
    """A 4-to-7-character secret's whole base64 (standard, URL-safe) and base32, padded or not:
    masked as whole words only (session 24: ``azlacQ==``, 6 to 12 characters, fell under the
    8-character floor of the forms matched inside longer runs)."""
    raw = secret.encode()
    forms = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    b32 = base64.b32encode(raw).decode()  # either case
    forms |= {b32, b32.lower()}
    return forms | {f.rstrip("=") for f in forms}


def _secret_variants(secrets: Iterable[str], *, echoes: bool = True) -> _Secrets:
    """The forms to mask of ``secrets``; ``echoes``: their encoded forms too (a run's own
    secrets, given to every writer; not the remembered ones, a scan each per string)."""
    usable = [s for s in secrets if isinstance(s, str) and s.strip()]
    exact = {v for s in usable for v in (s, quote(s, safe=""), quote_plus(s))}
    folded: set[str] = set()
    worded: set[str] = set()
    for secret in usable:
        if echoes and len(secret) >= SHORT_SECRET_CHARS:
            more_exact, more_folded = _echoes(secret)
            if len(secret) < SECRET_MIN_CHARS:  # a short secret's forms as long as a long one's
                more_exact = {f for f in more_exact if len(f) >= SECRET_MIN_CHARS}
                more_folded = {f for f in more_folded if len(f) >= SECRET_MIN_CHARS}
                worded |= _whole_encodings(secret)
            exact |= more_exact
            folded |= more_folded
    # A secret of a character or three is masked where it stands alone, not inside words: else
    # "x" turned every "not-exercised" of a summary into an invalid value (and the run into an
    # internal error) and garbled every message (hostile round 7).
    few = sorted((v for v in exact if len(v) < SHORT_SECRET_CHARS), key=len, reverse=True)
    few += sorted(worded - set(few), key=len, reverse=True)
    short = "|".join(re.escape(v) for v in few)
    spread = {_skeleton(s) for s in usable}
    if echoes:
        # a secret's base64 split too (hostile session 26: its halves in two JSON fields), at
        # each of its three alignments: the characters it alone decides (review of session 26:
        # after "Bearer " or '{"token":"' only alignment 0 was searched), and its hex
        spread |= {_skeleton(inner) for s in usable for inner in _b64_inners(s.encode(), True)}
        spread |= {s.encode().hex() for s in usable}
    # A secret with a character or four cut from its start or end (review of session 27: a token
    # minus its last character, which a refusal may quote), from SECRET_MIN_CHARS of it, as a
    # whole word only: prose holding a secret's first eight letters inside a word is kept.
    cuts = {
        part
        for s in usable
        for k in range(max(SECRET_MIN_CHARS, len(s) - 4), len(s))
        for part in (s[:k], s[-k:])
    }
    # Session 29: half of it (10 of 20 characters) or more, when that part reads as a key, not as
    # words: it has a digit, or upper and lower case letters ("faceharness", half of the demo
    # appkey "faceharnessdemoappkey", is the product's name in prose, kept)
    cuts |= {
        part
        for s in usable
        for k in range(max(HALF_SECRET_CHARS, -(-len(s) // 2)), len(s))
        for part in (s[:k], s[-k:])
        if any(c.isdigit() for c in part) or part.lower() != part != part.upper()
    }
    cut = "|".join(re.escape(c) for c in sorted(cuts, key=len, reverse=True))
    # Longest first, so a secret containing another one is masked whole.
    return _Secrets(
        tuple(sorted(exact - set(few), key=len, reverse=True)),
        tuple(sorted(folded, key=len, reverse=True)),
        re.compile(rf"(?<![A-Za-z0-9])(?:{short})(?![A-Za-z0-9])") if few else None,
        tuple(sorted((s for s in spread if len(s) >= SECRET_MIN_CHARS), key=len, reverse=True)),
        re.compile(rf"(?<![A-Za-z0-9])(?:{cut})(?![A-Za-z0-9])") if cuts else None,
    )


_REMEMBERED = _secret_variants(())


def _fits(forms: tuple[str, ...], n: int) -> tuple[str, ...]:
    """``forms`` (longest first), or none when even the shortest is longer than a text of ``n``
    characters (session 25: an answer of 100,000 short traceNos, each searched for every form,
    took a fuzz run three times past its --max-seconds)."""
    return forms if forms and len(forms[-1]) <= n else ()


def _mask_secrets(text: str, secrets: _Secrets, *, escapes: bool = True) -> str:
    """``text`` with ``secrets`` masked; ``escapes``: also as it reads with its escapes read
    (:func:`_escapes_read`)."""
    n = len(text)  # masking only shortens the text (MASK is shorter than any form)
    for secret in _fits(secrets.exact, n):
        text = text.replace(secret, MASK)
    if secrets.short is not None:
        text = secrets.short.sub(MASK, text)
    lowered = text.lower() if secrets.folded else text
    for secret in _fits(secrets.folded, n):
        if secret in lowered:
            text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
            lowered = text.lower()
    if ("\n" in text or "\\n" in text) and (secrets.exact or secrets.folded):
        text = _mask_wrapped(text, secrets)
    if secrets.spread and n >= len(secrets.spread[-1]):
        text = _mask_spread(text, secrets.spread)
    if not (secrets.exact or secrets.folded or _SIGNS):
        return text
    if escapes:
        text = _mask_byte_runs(text, secrets)
    if escapes and ("%" in text or "\\" in text or "&#" in text or "0x" in text or "0X" in text):
        # the signs it holds as they are masked first: a reading counts only for what it finds
        # anew (review of session 27: a plain sign beside a ``\\41`` both readings decode masked
        # the whole text)
        text = _mask_sign_runs(text)
        found = {
            r: m for r in _ESCAPE_READINGS if (m := _read_masked(r, text, secrets)) is not None
        }
        if len(found) == 1:
            return next(iter(found.values()))
        # C's octal and CSS's escapes read the same digits apart, each finding one: the reading
        # of each escape by its look (review of session 27: mixed in one secret) is shown when
        # no reading finds a secret in it; else no one reading shows the text without the
        # other's secret (session 27), and it is masked whole
        mixed = found.get(_mixed_read)
        if mixed is not None and all(
            _read_masked(r, mixed, secrets) is None for r in _ESCAPE_READINGS
        ):
            return mixed
        if found:
            return MASK
    if " " in text or "\t" in text:
        text = _LONE_CHARS_RE.sub(lambda m: _masked_spelling(m.group(0), secrets), text)
    if not text.isascii():
        shown = _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
        if shown != text and (
            (masked := _mask_secrets(shown, secrets)) != shown or _signs_in(shown)
        ):
            return masked  # as a reader sees it, the secret masked
    return text


# An escape a decoder reads as one printable ASCII character: percent-encoded (once or twice),
# ``%uXXXX``, JSON's or C's ``\\uXXXX`` and ``\\xXX`` (their backslashes doubled by each JSON
# text they were quoted in), a character reference. Hostile session 26: a secret with some of its
# characters so escaped (``h%6Fs%74i...``, ``h\\u006fst``) passed, only the wholly escaped
# forms being listed (_echoes). Read in one pass; where a secret is found so, the text is kept
# as it reads with the secret masked (the NUL-free ASCII an escape stood for, nothing else).
# Session 27: C's (and Python's) octal escapes, ``\\163`` (one to three digits), read too; a
# CSS escape (``\\73 ``, one to six hex digits and an optional blank) reads the same digits
# otherwise, so it is a second reading (:func:`_css_read`) of the text as it was; when both find
# a secret, neither shows the text without the other's: it is masked whole.
# Session 28: Python's ``\\U0000XXXX`` and JavaScript's or Rust's ``\\u{XX}`` too; session 29:
# Perl's ``\\x{XX}`` and the braces after ``\\U`` or ``\\X``.
_ESCAPE_RE = re.compile(
    r"%(?:25)?+([0-9A-Fa-f]{2})|%[uU]([0-9A-Fa-f]{4})"
    r"|\\{1,16}+U([0-9A-Fa-f]{8})|\\{1,16}+[uUxX]\{0*+([0-9A-Fa-f]{1,6})\}|\\{1,16}+[uU]([0-9A-Fa-f]{4})"
    r"|\\{1,16}+x([0-9A-Fa-f]{2})|&#(?:[xX]0*+([0-9A-Fa-f]{1,6})|0*+([0-9]{1,7}));?"
    r"|\\{1,16}+([0-7]{1,3}+)"
)
_ESCAPE_BASES = (16, 16, 16, 16, 16, 16, 16, 10, 8)
# Session 28: bytes written as ``0x74`` values (a list, blank- or comma-separated): a run read as
# the characters it spells, its separators dropped (a sign so written is one hex run again).
# Its review: a run of ``\xe4`` escapes too, and 0x words of up to 8 bytes (a digest's 32-bit
# words); a run whose bytes are not all printable is read as its hex digits joined (a sign's
# raw digest so written is the sign). Session 29: one rule for any notation of a list of byte
# values, not one expression a spelling: an item is ``0x`` (one to 16 digits: 16-bit units too;
# one glued to the next, ``0x740x6f``, ends at its ``0x``), ``0o``, ``0b``, ``\x``, or, in a run
# of their own, decimal (Java's signed too) or eight binary digits; items quoted or not, apart by
# up to 16 blanks, ``,;|:`` or JSON's escaped line breaks and quotes.
_BYTE_SEP = r"""(?:[\s,;|:'"]|\\{1,4}+[nrt"'])"""
# (session 29, new spellings: Unicode's ``U+0074``, ``#x74``, an assembler's ``74h``, decimal
# 16- or 32-bit words, "116.111.107", C's octal ``0164`` read as well as decimal)
_PREFIXED_ITEM = (
    r"(?:0[xX](?:(?!0[xX])[0-9A-Fa-f]){1,16}+|0[oO][0-7]{1,3}+|0[bB][01]{1,8}+"
    r"|\\{1,16}+x[0-9A-Fa-f]{2}|U\+[0-9A-Fa-f]{4,6}+|#[xX][0-9A-Fa-f]{1,6}+)"
    r"(?:(?![0-9A-Za-z])|(?=0[xX]))"
)
_DECIMAL_ITEM = r"(?:[0-9A-Fa-f]{2}[hH]|[01]{8}|-?[0-9]{1,10}+)(?![0-9A-Za-z])"
# a decimal run's separators also dots, and a program's characters by code: ``chr(116)+chr(111)``,
# ``(char)116 + (char)111``
_DECIMAL_SEP = rf"(?:{_BYTE_SEP}|[.()+]|[cC][hH][aA]?[rR])"
_BYTE_RUN_RES = (
    re.compile(rf"(?<![0-9A-Za-z]){_PREFIXED_ITEM}(?:{_BYTE_SEP}{{0,16}}+{_PREFIXED_ITEM}){{3,}}+"),
    re.compile(
        rf"(?<![\w.-])(?:\[\s*)?{_DECIMAL_ITEM}(?:{_DECIMAL_SEP}{{1,16}}+{_DECIMAL_ITEM}){{3,}}+"
        r"(?:\s*\])?"
    ),
)
_BYTE_ITEM_RE = re.compile(
    r"0[xX]((?:(?!0[xX])[0-9A-Fa-f])++)|\\+x([0-9A-Fa-f]{2})|(?:U\+|#[xX])([0-9A-Fa-f]+)"
    r"|([0-9A-Fa-f]{2})[hH]|0[oO]([0-7]+)|0[bB]([01]+)|([01]{8})|(-?[0-9]+)"
)
_BYTE_ITEM_BASES = (16, 16, 16, 16, 8, 2, 2, 10)
_C_OCTAL_RE = re.compile(r"(?<![0-9])0[0-7]")
_LETTER_RE = re.compile(r"[A-Za-z\\]")
_NOT_0X_MARKS = ("0o", "0O", "0b", "0B", "\\", "U", "#", "h", "H")
_0X_DIGITS_RE = re.compile(r"0[xX]((?:(?!0[xX])[0-9A-Fa-f])++)")
_DIGITS_ITEM_RE = re.compile(r"-?[0-9]+")
_CSS_ESCAPE_RE = re.compile(r"\\{1,16}+([0-9A-Fa-f]{1,6}+)([ \t]?)")


def _read_masked(reading: Any, text: str, secrets: _Secrets) -> str | None:
    """``text`` as ``reading`` reads it with the secrets and signs it then shows masked; None when
    it shows none."""
    read = reading(text)
    if read == text:
        return None
    masked = _mask_secrets(read, secrets, escapes=False)
    if masked == read and not _signs_in(read):
        return None
    return _mask_sign_runs(masked)


def _mixed_read(text: str) -> str:
    """``text`` with C's octal and CSS's escapes mixed (review of session 27: a secret's
    characters in either, alternately) read each by what it looks like: an escape a blank ends is
    CSS's; one without, of up to three octal digits reading a printable character, C's."""

    def read(m: re.Match[str]) -> str:
        digits, blank = m.group(1), m.group(2)
        octal = re.match(r"[0-7]{1,3}", digits)
        if not blank and octal and 32 <= (code := int(octal.group(0), 8)) < 127:
            return chr(code) + digits[octal.end() :]
        code = int(digits, 16)
        return chr(code) if 32 <= code < 127 else m.group(0)

    return _CSS_ESCAPE_RE.sub(read, text) if "\\" in text else text


def _css_read(text: str) -> str:
    """``text`` with each CSS escape of a printable ASCII character read as it."""

    def read(m: re.Match[str]) -> str:
        code = int(m.group(1), 16)
        return chr(code) if 32 <= code < 127 else m.group(0)

    return _CSS_ESCAPE_RE.sub(read, text) if "\\" in text else text


def _escape_read(m: re.Match[str]) -> str:
    for group, base in zip(m.groups(), _ESCAPE_BASES, strict=True):
        if group is not None:
            code = int(group, base)
            return chr(code) if 32 <= code < 127 else m.group(0)
    return m.group(0)


def _escapes_read(text: str) -> str:
    """``text`` with each escape of a printable ASCII character read as it (a text without an
    escape's first character is not scanned: an image's base64 with a "0x" in it was, 0.3 s)."""
    if "%" not in text and "\\" not in text and "&#" not in text:
        return text
    return _ESCAPE_RE.sub(_escape_read, text)


def _byte_run_read(run: str, octal: bool = False) -> str:
    """A run of byte values as the printable ASCII they are; else, hex values as their digits
    joined (a digest's words), other values as their bytes' hex (16- or 32-bit words, big-endian,
    when one is past a byte); else empty. ``octal``: a decimal item with a leading 0 read as C
    reads it."""
    values, digits, hexed = [], [], True
    if run.isascii() and not _LETTER_RE.search(run):  # decimal alone: a MB in C-speed passes
        digits = _DIGITS_ITEM_RE.findall(run)
        base = 8 if octal else 10
        values = [int(d, 2) if len(d) == 8 and not d.strip("01") else
                  int(d, base if d[:1] == "0" and max(d) < "8" else 10)
                  for d in digits]  # fmt: skip
        hexed = False
    elif not any(mark in run for mark in _NOT_0X_MARKS):  # 0x values alone: the same
        digits = _0X_DIGITS_RE.findall(run)
        values = [int(d, 16) for d in digits]
    else:
        for m in _BYTE_ITEM_RE.finditer(run):
            at = m.lastindex or 8
            item = m.group(at)
            c_octal = octal and at == 8 and item[:1] == "0" and max(item) < "8"
            base = 8 if c_octal else _BYTE_ITEM_BASES[at - 1]
            values.append(int(item, base))
            digits.append(item)
            hexed = hexed and at <= 4
    if not values:
        return ""
    low, high = min(values), max(values)
    if low >= 32 and high < 127:
        return "".join(map(chr, values))
    if hexed:
        return "".join(digits).lower()
    if low >= -128 and high < 256:
        data = bytes([v & 255 for v in values])
    elif low >= 0 and high < 1 << 32:
        size = 2 if high < 1 << 16 else 4
        data = b"".join([v.to_bytes(size, "big") for v in values])
    else:
        return ""
    return data.decode() if data.isascii() and data.decode().isprintable() else data.hex()


def _c_byte_run_read(run: str) -> str:
    """The run as C reads its leading-0 items of octal digits (``09`` as decimal); empty when
    it has none."""
    return _byte_run_read(run, octal=True) if _C_OCTAL_RE.search(run) else ""


def _mask_byte_runs(text: str, secrets: _Secrets) -> str:
    """Each run of byte values holding a secret or a sign masked as it reads; a run without one
    kept as sent (review of session 28: read as a fourth reading of the whole text, it rewrote
    register values beside a token, "0x41 0x42 ..." to "AB...", and with a token spelt otherwise
    too, two readings each finding one masked the whole text); the text as it reads where a
    secret spans runs. One search of the runs' readings joined when none holds one."""
    apart = any(c in text for c in _BYTE_RUN_APART)
    for pattern, readers in _BYTE_RUN_READS:
        # a text with no separator (an image's base64: scanned, 0.1 s a MB) holds a run only of
        # glued 0x values: a search for two, from its literal "0", costs a hundredth of that
        if not apart and (pattern is _BYTE_RUN_RES[1] or not _GLUED_0X_RE.search(text)):
            continue
        runs = pattern.findall(text)
        for read in readers if runs else ():
            joined = "\n".join(map(read, runs))
            if _mask_secrets(joined, secrets, escapes=False) != joined or _signs_in(joined):
                text = _byte_runs_masked(_mask_sign_runs(text), pattern, read, secrets)
                runs = pattern.findall(text)
    return text


def _byte_runs_masked(
    text: str, pattern: re.Pattern[str], reader: Callable[[str], str], secrets: _Secrets
) -> str:
    def masked(m: re.Match[str]) -> str:
        read = reader(m.group(0))
        shown = _mask_secrets(read, secrets, escapes=False)
        return _mask_sign_runs(shown) if shown != read or _signs_in(read) else m.group(0)

    text = pattern.sub(masked, text)
    # a secret across runs (a C array wrapped at 8 values a line): the text as it reads, where
    # it changed; every run before or after that part as sent (review of session 29: a secret
    # in three decimal runs rewrote a face box [12, 40, 200, 220] beside it as 0c28c8dc)
    pieces: list[str] = []
    runs: list[tuple[int, int, str]] = []  # each run's place in the read text, as sent
    at = size = 0
    for m in pattern.finditer(text):
        pieces.append(text[at : m.start()])
        size += m.start() - at
        read_run = reader(m.group(0)) or m.group(0)
        runs.append((size, size + len(read_run), m.group(0)))
        pieces.append(read_run)
        size, at = size + len(read_run), m.end()
    pieces.append(text[at:])
    read = "".join(pieces)
    shown = _mask_secrets(read, secrets, escapes=False)
    if shown == read and not _signs_in(read):
        return text
    shown = _mask_sign_runs(shown)
    head = _common_length(read, shown)
    tail = _common_length(read[head:][::-1], shown[head:][::-1])

    def as_sent(start: int, end: int) -> str:
        out: list[str] = []
        cursor = start
        for run_start, run_end, sent in runs:
            if run_start >= start and run_end <= end:
                out += (read[cursor:run_start], sent)
                cursor = run_end
        return "".join(out) + read[cursor:end]

    return as_sent(0, head) + shown[head : len(shown) - tail] + as_sent(len(read) - tail, len(read))


def _common_length(a: str, b: str) -> int:
    """How many first characters two texts share (halving, each test a C-speed comparison)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


_ESCAPE_READINGS = (_escapes_read, _css_read, _mixed_read)
_BYTE_RUN_READS = (
    (_BYTE_RUN_RES[0], (_byte_run_read,)),
    (_BYTE_RUN_RES[1], (_byte_run_read, _c_byte_run_read)),
)
_BYTE_RUN_APART = " \t\r\n,;|:'\".\\()"
_GLUED_0X_RE = re.compile(r"0(?<![0-9A-Za-z]0)[xX](?:(?!0[xX])[0-9A-Fa-f]){1,16}+0[xX]")


# A secret a reader still reads: its characters one a word ("t o k e n"), between invisible
# characters (zero-width, soft hyphens, bidi marks) or as their fullwidth forms (``ｔｏｋ``, which
# NFKC maps back; session 24). Searched in the text as it reads; where one is found, the text
# is kept as it reads (NFKC, no invisible characters) with the secret masked.
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# a lone character, then seven or more "blank, lone character" (possessive, so an ending run is
# kept as found, never rescanned from each of its characters)
_LONE_CHARS_RE = re.compile(r"(?<!\S)\S(?:[ \t]\S(?!\S)){7,}+")


def _masked_spelling(run: str, secrets: _Secrets) -> str:
    """A run of lone characters, masked whole when they spell a secret."""
    joined = re.sub(r"[ \t]", "", run)
    return MASK if _mask_secrets(joined, secrets) != joined or _signs_in(joined) else run


# A secret spread by what a reader skips (session 25): markup between its pieces
# (``ab<b>cd</b>ef``, a character a ``<span>``; a tag of any length up to _TAG_MAX, across lines,
# a comment), character references (``&shy;``, ``&#8203;``, ``&#45;``), dashes, dots or
# underscores between its characters or groups of them, Markdown's escapes (``\\_``), an
# inline-code mark. Looked for in the text's letters and digits alone (a C-speed pass or two,
# however long the text); where found, masked from its first character to its last, up to
# _SPREAD_GAP skipped items between two of them (a tag or a reference counts as one). Blanks join
# only a secret of SPREAD_BLANK_CHARS or more (review of session 25: "test token" in prose is no
# echo of the 9-character "testtoken"); one hyphen joins any (review of session 26: a secret
# written with a hyphen, "demo-token", is the secret; prose "test-token" is masked with it); the
# demo credentials' skeletons have 20 to 24. A character reference
# to a letter or digit (``f&#x61;ce``) is read as that character (session 26: the skeleton
# dropped it, and a secret partly written so passed); where a secret is found so, the text is
# kept with such references read.
_TAG_MAX = 1000
_TAG = rf"<[^<>]{{0,{_TAG_MAX}}}>"
_REF = r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_SKIPPED_RE = re.compile(f"{_TAG}|{_REF}")
_NOT_ALNUM = bytes(b for b in range(128) if not chr(b).isalnum())
_SPREAD_GAP = 64
SPREAD_BLANK_CHARS = 12


def _skeleton(text: str) -> str:
    """``text``'s ASCII letters and digits, lower-cased, without its markup's tags and character
    references (bytes' ``translate``: a few ms a MB, where a regex took 180)."""
    if "<" in text or "&" in text:
        text = _SKIPPED_RE.sub("", text)
    return text.encode("ascii", "ignore").translate(None, _NOT_ALNUM).lower().decode("ascii")


@functools.lru_cache(maxsize=256)
def _spread_re(skeleton: str) -> re.Pattern[str]:
    other = r"[^A-Za-z0-9]" if len(skeleton) >= SPREAD_BLANK_CHARS else r"[^A-Za-z0-9\s]"
    gap = rf"(?:{_TAG}|{_REF}|{other}){{0,{_SPREAD_GAP}}}+"
    return re.compile(gap.join(re.escape(c) for c in skeleton), re.IGNORECASE)


# a numeric character reference, ";" optional as a browser reads it (hex or decimal, any zeros)
# (its "&" escaped again too, "&amp;#x61;": a page quoting a page, review of session 26)
_NUM_REF_RE = re.compile(r"&(?:amp;){0,8}+#(?:[xX]0*+([0-9A-Fa-f]{1,6})|0*+([0-9]{1,7}));?")


def _alnum_ref(m: re.Match[str]) -> str:
    """The ASCII letter or digit a reference stands for, else the reference. Without its ";",
    a reference a digit or hex letter of the secret follows (``&#x61ce``) is read by a browser to
    its last digit, by a reader to the letter's: read so too when the browser's reading is no
    letter or digit (review of session 26)."""
    digits, base = (m.group(1), 16) if m.group(1) else (m.group(2) or "0", 10)
    code = int(digits, base)
    if code < 128 and chr(code).isalnum():
        return chr(code)
    if m.group(0).endswith(";") or len(digits) < 3:
        return m.group(0)
    size = 3 if base == 10 and digits[0] == "1" else 2  # an ASCII letter or digit's length
    code = int(digits[:size], base)
    return chr(code) + digits[size:] if chr(code).isalnum() else m.group(0)


def _refs_read(text: str) -> str:
    """``text`` with each character reference to an ASCII letter or digit read as it."""
    return _NUM_REF_RE.sub(_alnum_ref, text) if "&" in text and "#" in text else text


def _mask_spread(text: str, spread: tuple[str, ...]) -> str:
    """Each secret of ``spread`` (skeletons, :func:`_skeleton`) found in ``text``'s skeleton is
    masked where it is spread."""
    if len(text) < SECRET_MIN_CHARS:
        return text
    read = _refs_read(text)
    skeleton = _skeleton(read)
    for secret in spread:
        if secret in skeleton:
            text = _spread_re(secret).sub(MASK, read)
            read = text
    return text


def _mask_spread_signs(text: str) -> str:
    """Every sign this process made spread as a secret may be (:func:`_mask_spread`): the
    skeleton is built and searched once, each sign found in it masked by one pass of its own
    expression. A sign the skeleton holds that no expression masks (joined across a longer gap
    than a spread has) leaves the whole text masked: what cannot be told apart is not shown
    (review of session 25: the first such sign ended the search, and later ones passed)."""
    read = _refs_read(text)
    skeleton = _skeleton(read)
    found = set().union(*(_run_signs(m.group(0), len(text)) for m in _SIGN_RE.finditer(skeleton)))
    if not found:
        return text
    text = read
    # a sign whole where the skeleton holds it whole (a window is a digit short of it)
    found = {_SIGNS.get(w, w) if _SIGNS.get(w, w) in skeleton else w for w in found}
    for sign in sorted(found):
        text = _spread_re(sign).sub(MASK, text)
    skeleton = _skeleton(text)
    return MASK if any(sign in skeleton for sign in found) else text


# A line break a wrapped secret may hold: CRLF or LF, as they are or as JSON's escapes, and the
# indentation that follows it (session 24: an indented or JSON-escaped wrap passed)
_BREAK = r"(?:\r?\n|\\r\\n|\\n)[ \t]*+"
_BREAK_RE = re.compile(_BREAK)


def _mask_wrapped(text: str, secrets: _Secrets) -> str:
    """A secret broken across lines (a text answer wrapped at a width, session 23): searched in
    the text without its line breaks first, then masked with the breaks it has; its folded forms
    (itself in any case, its hex) whatever their case."""
    joined = _BREAK_RE.sub("", text)
    lowered = joined.lower() if secrets.folded else joined
    for forms, haystack, flags in (
        (secrets.exact, joined, 0),
        (secrets.folded, lowered, re.IGNORECASE),
    ):
        for secret in forms:
            if len(secret) >= SECRET_MIN_CHARS and secret in haystack:
                broken = f"(?:{_BREAK})?".join(re.escape(c) for c in secret)
                text = re.sub(broken, MASK, text, flags=flags)
    return text


# A lone surrogate (JSON's "\udc00", which Python's parser takes): no UTF-8 file, console or
# pydantic dump can hold it, so what is redacted holds its escape (hostile session 24: a finding
# quoting a body with one as a key ended conform in UnicodeEncodeError).
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _redact_str(text: str, secrets: _Secrets, budget: _Budget | None = None) -> str:
    _remember_handed(text)
    if _PENDING_PARTS:
        _settle_sign_parts()
    if not text.isascii():
        text = _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    text = _mask_secrets(text, secrets)
    if _REMEMBERED.exact:
        text = _mask_secrets(text, _REMEMBERED)
    for cut in (secrets.cut, _REMEMBERED.cut):  # after the forms above: a cut is part of them
        if cut is not None:
            text = cut.sub(MASK, text)
    if len(text) >= IMAGE_MIN_CHARS:
        text = _IMAGE_RE.sub(lambda m: _image_for_match(m.group(0)), text)
        text = _SPACED_RE.sub(lambda m: _spaced_image(m.group(0)), text)
        if "," in text:
            text = _BYTE_LIST_RE.sub(lambda m: _byte_list_image(m.group(0)), text)
        text = _HEX_BYTES_RE.sub(lambda m: _hex_bytes_image(m.group(0)), text)
        if "\\" in text:
            text = _ESCAPED_BYTES_RE.sub(lambda m: _escaped_bytes_image(m.group(0)), text)
        if any(mark in text for mark in _LATIN1_MARKS):
            text = _LATIN1_IMAGE_RE.sub(lambda m: _latin1_image(m.group(0)), text)
        if "%" in text:
            text = _PERCENT_BYTES_RE.sub(lambda m: _percent_bytes_image(m.group(0)), text)
            text = _PCT_B64_RE.sub(lambda m: _pct_b64_image(m.group(0)), text)
        if "=" in text:
            text = _QP_BYTES_RE.sub(lambda m: _qp_bytes_image(m.group(0)), text)
        text = _B85_RE.sub(lambda m: _b85_image(m.group(0)), text)
        text = _CHAR_LIST_RE.sub(lambda m: _char_list_image(m.group(0)), text)
    if _SIGN_HALVES and len(text) >= 16:
        text = _HEX_PART_RE.sub(_masked_half, text)
        text = _NUMBER_RUN_RE.sub(
            lambda m: MASK if m.group(0) in _SIGN_NUMBERS else m.group(0), text
        )
        text = _WORD_RUN_RE.sub(_masked_sign_word, text)
    if len(text) >= _RAW_B64_CHARS:  # after the images: a placeholder is short
        if _SIGNS:
            text = _mask_sign_runs(text)
            if "\0" in text:
                text = _WIDE_SIGN_RE.sub(
                    lambda m: MASK if _signs_in(m.group(0).replace("\0", "")) else m.group(0), text
                )
            text = _mask_spread_signs(text)
            text = _mask_raw_signs(text)
            if "," in text:  # review of session 28: a sign's raw bytes as a list of numbers
                text = _BYTE_LIST_RE.sub(_byte_list_sign, text)
        if _SIGNS or secrets.exact or _REMEMBERED.exact:
            text = _mask_encoded(text, secrets, budget or _Budget())
    if "=" in text:
        text = _QUERY_RE.sub(lambda m: m.group(1) + MASK, text)
    if ":" in text:
        for pattern in _JSON_TEXT_RES:
            text = pattern.sub(lambda m: m.group(1) + MASK + m.group(2), text)
        text = _HEADER_RE.sub(lambda m: m.group(1) + MASK, text)
    return text


_RAW_B64_RE = re.compile(r"[A-Za-z0-9+/_-]{%d,}+={0,2}" % _HALF_B64_CHARS)
_RAW_B32_RE = re.compile(r"(?:[A-Z2-7]{%d,}+|[a-z2-7]{%d,}+)={0,6}" % ((_HALF_B32_CHARS,) * 2))
_B85_RUN_RE = re.compile(r"[!-~]{%d,}+" % _B85_CHARS)


def _masked_sign_word(m: re.Match[str]) -> str:
    word = m.group(0)
    return MASK if word in _SIGN_NUMBERS or word.lower() in _SIGN_NUMBERS else word


def _masked_half(m: re.Match[str]) -> str:
    """A hex run holding a sign's half masked whole; a run of digits alone only at its ends (a MB
    of traceNos glued is two look-ups) and once a half of digits alone was remembered."""
    run = m.group(1).lower()
    if run.isdigit():
        cuts: Iterable[str] = (run[:16], run[-16:]) if _DIGIT_HALVES else ()
    else:
        cuts = _cuts(run, 16)
    return m.group(0) if _SIGN_HALVES.keys().isdisjoint(cuts) else MASK


def _cuts(run: str, w: int) -> Iterable[str]:
    """Every ``w`` characters of ``run`` in a row (sliced in C)."""
    n = len(run) - w + 1
    return map(run.__getitem__, map(slice, range(n), range(w, n + w)))


def _plain(run: str) -> bool:
    """All digits, or all lower-case letters: a run of prose or a number."""
    return run.isdigit() or (run.isalpha() and run.islower())


def _mask_raw_signs(text: str) -> str:
    """Each base64 or base32 run holding a sign's raw bytes so encoded (:data:`_RAW_SIGNS`), or
    either half of them (:data:`_RAW_HALVES`), either way round, and each run of printable
    characters holding them in base85 (:data:`_RAW_B85`), masked whole: a look-up a window."""
    if not _RAW_SIGNS:
        return text
    raw, halves = _RAW_SIGNS.keys(), _RAW_HALVES.keys()

    def held(run: str, back: str, full: int, half: int) -> bool:
        """``run`` holds a half, or it or ``back`` (its reverse: session 28, a target's echo of
        its encoding backwards, padding first) the whole raw sign."""
        return not halves.isdisjoint(_cuts(run, half)) or (
            len(run) >= full
            and not (raw.isdisjoint(_cuts(run, full)) and raw.isdisjoint(_cuts(back, full)))
        )

    def b64(m: re.Match[str]) -> str:
        word = m.group(0)
        if not _PLAIN_RAW and _plain(word):
            return word
        if "+" in word or "/" in word:
            word = word.translate(_URLSAFE)
        run = word.rstrip("=")
        back = word.lstrip("=")[::-1]
        return MASK if held(run, back, _RAW_B64_CHARS, _HALF_B64_CHARS) else m.group(0)

    def b32(m: re.Match[str]) -> str:
        word = m.group(0)
        if not _PLAIN_RAW and _plain(word):
            return word
        run, back = word.rstrip("=").upper(), word.lstrip("=").upper()[::-1]
        return MASK if held(run, back, _RAW_B32_CHARS, _HALF_B32_CHARS) else word

    def b85(m: re.Match[str]) -> str:
        """Masked from the first window found to the last: the whole 20 characters where both
        of a lone encoding's are, else a group of five more either side (an encoding inside a
        longer one: its edge groups hold a few of the sign's bytes); the run's other
        characters (a ";" after it) kept."""
        run = m.group(0)
        if (not _PLAIN_RAW and _plain(run)) or _RAW_B85.keys().isdisjoint(_cuts(run, _B85_CHARS)):
            return run
        hits = [i for i, cut in enumerate(_cuts(run, _B85_CHARS)) if cut in _RAW_B85]
        first, last = hits[0], hits[-1] + _B85_CHARS
        if last - first != 20:
            first, last = max(0, first - 5), last + 5
        return run[:first] + MASK + run[last:]

    text = _RAW_B32_RE.sub(b32, _RAW_B64_RE.sub(b64, text))
    return _B85_RUN_RE.sub(b85, text) if _RAW_B85 else text


def _byte_list_sign(m: re.Match[str]) -> str:
    """A list of byte values (Java's signed ``[-28, 21, ...]`` or unsigned) masked whole when its
    bytes, as hex, hold a sign."""
    values = [int(v) for v in re.findall(r"-?\d+", m.group(0))]
    if any(not -128 <= v <= 255 for v in values):
        return m.group(0)
    return MASK if _signs_in(bytes(v % 256 for v in values).hex()) else m.group(0)


def _mask_sign_runs(text: str) -> str:
    """``text`` with each hex run holding a sign this process made masked whole."""
    if not _SIGNS:
        return text
    reach = len(text)
    return _SIGN_RE.sub(lambda m: MASK if _run_holds_sign(m.group(0), reach) else m.group(0), text)


def _signs_in(text: str) -> bool:
    """Whether ``text`` holds a sign this process made (as it is, in either case, or reversed)
    anywhere: inside a longer run of hex characters too."""
    return any(_run_holds_sign(m.group(0), len(text)) for m in _SIGN_RE.finditer(text))


def _run_holds_sign(run: str, reach: int) -> bool:
    """Whether a hex run holds a key of :data:`_SIGNS` (``reach``: :func:`_sign_grams`)."""
    grams = _sign_grams(reach) if len(run) >= SIGN_GRAM_RUN else None
    if grams is None:
        return not _SIGNS.keys().isdisjoint(_sign_windows(run))
    return any(_gram_hits(run.lower(), grams, True))


def _run_signs(run: str, reach: int) -> set[str]:
    """The keys of :data:`_SIGNS` a hex run holds (lower-cased windows)."""
    grams = _sign_grams(reach) if len(run) >= SIGN_GRAM_RUN else None
    if grams is None:
        return set(filter(_SIGNS.__contains__, _sign_windows(run)))
    return set(_gram_hits(run.lower(), grams, False))


# Session 29 (redperf): a long run's every window hashed was 27 s of 92 in a JD conformance
# profile (a 5 MB image's base64 has 87,000-character runs of "A", and a run is looked up at
# each redaction of it). A key found in a run covers exactly one position that is a multiple of
# SIGN_STRIDE where its gram at that offset (SIGN_GRAM characters) stands: the run's grams at
# those positions alone are looked up in every key's, and only the SIGN_STRIDE windows around a
# position whose gram some key has. The same keys as every window's look-up, a sixteenth of the
# work (as much where a hostile text is made of the keys' grams: linear either way).
SIGN_STRIDE = 16
SIGN_GRAM = SIGN_WINDOW - SIGN_STRIDE + 1
SIGN_GRAM_RUN = 512  # a shorter run: every window (no index needed)
# the keys' grams are kept while the store holds the same keys (its size and newest key: it only
# grows at its end and forgets at its start, _trim); built only for up to this many keys (8,192
# signs, ~8.5 grams a key: 25 MB at most; past it every window is looked up, a stretch of one
# character once) and when the text is longer than the grams to build (else that costs less)
SIGN_GRAMS_KEYS = 1 << 15
_GRAMS: tuple[dict[str, str], int, str, frozenset[str]] | None = None


def _sign_grams(reach: int) -> frozenset[str] | None:
    """Every key's grams at each offset under SIGN_STRIDE (cached while the store's keys stay
    the same); None when the store is empty, too large, or the text (``reach`` characters) too
    short to pay for building them."""
    global _GRAMS
    store = _SIGNS
    with _SIGNS_LOCK:  # a Locust process remembers signs while another greenlet redacts
        size = len(store)
        if not size:
            return None
        last = next(reversed(store))
        cached = _GRAMS
        if cached is not None and cached[0] is store and cached[1:3] == (size, last):
            return cached[3]
        if size > SIGN_GRAMS_KEYS or SIGN_STRIDE * size > reach:
            return None
        keys = list(store)
    whole = [k for k in keys if len(k) == SIGN_WINDOW]
    cuts = (operator.itemgetter(slice(o, o + SIGN_GRAM)) for o in range(SIGN_STRIDE))
    grams = frozenset(itertools.chain.from_iterable(map(cut, whole) for cut in cuts))  # in C
    _GRAMS = (store, size, last, grams)
    return grams


def _gram_hits(run: str, grams: frozenset[str], first: bool) -> Iterable[str]:
    """The windows of ``run`` (lower-cased) that are keys of :data:`_SIGNS`, found from its grams
    at every SIGN_STRIDE-th position (sliced and looked up in C); ``first``: stop at one."""
    n, w, g, s = len(run), SIGN_WINDOW, SIGN_GRAM, SIGN_STRIDE
    if not run.strip(run[:1]):  # one character over and over (a zero-padded image's "AAAA")
        if n >= w and run[:w] in _SIGNS:
            yield run[:w]
        return
    starts = range(0, n - g + 1, s)
    at = map(run.__getitem__, map(slice, starts, range(g, n + 1, s)))
    if grams.isdisjoint(at):
        return
    store = _SIGNS
    at = map(run.__getitem__, map(slice, starts, range(g, n + 1, s)))
    for j in itertools.compress(starts, map(grams.__contains__, at)):
        for p in range(max(0, j - (w - g)), min(j, n - w) + 1):
            if (window := run[p : p + w]) in store:
                yield window
                if first:
                    return


_DIGITS_RUN_RE = re.compile(r"[0-9]{%d,}+" % SIGN_WINDOW)


def _sign_windows(run: str) -> Iterable[str]:
    """The windows of a hex run (lower-cased) that may be a remembered sign: those with a letter
    in them, unless a sign of digits alone was remembered (an MD5 is one by a chance of 3e-7).
    A text of a MB of glued digits (traceNos without their separators) costs no window; the
    windows inside a stretch of one character (a zero-padded image's "AAAA...") are one."""
    run = run.lower()
    if len(run) < 64:
        return _windows(run)
    w = SIGN_WINDOW
    # the first and last start of the windows wholly inside each stretch
    inside = (
        [] if _DIGIT_SIGNS else [(m.start(), m.end() - w) for m in _DIGITS_RUN_RE.finditer(run)]
    )
    same = [(m.start(), m.end() - w) for m in _SAME_RUN_RE.finditer(run)]
    if not (inside or same):
        return _windows(run)
    pieces, start = [run[first : first + w] for first, _ in same], 0  # a stretch's one window
    for first, last in sorted(inside + same):
        if first > start:
            pieces.append(run[start : first - 1 + w])  # the windows from start to first - 1
        start = max(start, last + 1)
    pieces.append(run[start:])
    return (window for piece in pieces for window in _windows(piece))


_SAME_RUN_RE = re.compile(r"(.)\1{%d,}+" % SIGN_WINDOW)  # a character SIGN_WINDOW + 1 times or more


def _windows(run: str) -> Iterable[str]:
    """Every SIGN_WINDOW characters of ``run`` in a row (sliced in C: a report holds many)."""
    w = SIGN_WINDOW
    n = len(run) - w + 1
    return map(run.__getitem__, map(slice, range(n), range(w, n + w)))


def _b64_bytes(text: str) -> bytes:
    text = text.rstrip("=").replace("-", "+").replace("_", "/")
    text = text[: len(text) - (len(text) % 4 == 1)]  # a lone last character decodes to no byte
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _b64_texts(run: str) -> list[str]:
    """``run`` decoded from each of its four start offsets (one is the sign's alignment)."""
    return [_b64_bytes(run[k:]).decode("latin-1") for k in range(4)]


def _b32_texts(run: str) -> list[str]:
    """``run`` decoded from each of its eight start offsets (one is an encoded sign's alignment)."""
    run = run.rstrip("=").upper()
    texts = []
    for k in range(8):
        part = run[k:]
        while len(part) % 8 in (1, 3, 6):  # a last group too short for a byte of its own
            part = part[:-1]
        texts.append(base64.b32decode(part + "=" * (-len(part) % 8)).decode("latin-1"))
    return texts


def _hex_texts(run: str) -> list[str]:
    """``run`` decoded at both parities (an odd-length run too)."""
    return [bytes.fromhex(run[k : len(run) - (len(run) - k) % 2]).decode("latin-1") for k in (0, 1)]


# A sign may be encoded twice (base64 of its hex, its hex percent-encoded, hex of its base64):
# a run is decoded, and what it decodes to is searched as a text once more.
_ENCODED_DEPTH = 2
# A hex run that decodes to 32 or more printable ASCII characters (an encoded text, which may be
# a sign encoded once more); an image's sha256 or a digest has such a stretch by a chance of 1e-14.
# (in UTF-16 or UTF-32 too, a NUL byte or three after or before each character: session 25)
_HEX_OF_TEXT_RE = re.compile(
    r"(?:[2-7][0-9A-Fa-f]){32}|(?:[2-7][0-9A-Fa-f]00){16}|(?:00[2-7][0-9A-Fa-f]){16}"
    r"|(?:[2-7][0-9A-Fa-f]000000){12}|(?:000000[2-7][0-9A-Fa-f]){12}"
)
# The same for base64: each group of four that encodes printable ASCII starts with one of I-Z,
# a-f (a byte's top six bits, 8..31); ten such groups in a row at some offset (a chance of about
# 1e-3 in a random run, 5e-5 in a hex digest).
_B64_TEXT = r"(?:[I-Za-f][A-Za-z0-9+/_-]{3}){10}"
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64_of_wide_text(width: int, little: bool) -> str:
    """What base64 of printable ASCII in UTF-16 or UTF-32 (``width`` bytes a character, either
    byte order; session 25) looks like: each character of a group of four takes its six bits of
    two bytes, one of them printable or NUL by its place. 24 bytes in a row, at each
    of the byte offsets a group may start at (a byte-order mark before it, or none)."""
    shown, nul = range(0x20, 0x7F), (0,)
    unit = [shown if (i == 0) == little else nul for i in range(width)]
    period = width * 3  # bytes: a whole number of characters and of base64 groups
    alternatives = []
    for start in range(width):
        kinds = [unit[(start + i) % width] for i in range(period)]
        classes = []
        for g in range(0, period, 3):
            a, b, c = kinds[g : g + 3]
            for values in (
                {x >> 2 for x in a},
                {(x & 3) << 4 | y >> 4 for x in a for y in b},
                {(y & 15) << 2 | z >> 6 for y in b for z in c},
                {z & 63 for z in c},
            ):
                chars = "".join(sorted(_B64_ALPHABET[v] for v in values)).replace("-", "")
                classes.append("[" + re.escape(chars + ("_" if "/" in chars else "")
                               + ("-" if "+" in chars else "")) + "]")  # fmt: skip
        alternatives.append("(?:" + "".join(classes) + "){%d}" % (24 // period))
    return "|".join(alternatives)


_B64_OF_TEXT_RE = re.compile(
    "|".join([_B64_TEXT] + [_b64_of_wide_text(w, le) for w in (2, 4) for le in (True, False)])
)
# And for base32: each group of eight that encodes printable ASCII starts with one of E-P (a
# byte's top five bits, 4..15); five such groups in a row (an encoded sign has six)
_B32_OF_TEXT_RE = re.compile(r"(?:[E-Pe-p][A-Za-z2-7]{7}){5}")

# A base64 run that opens as zlib or gzip data (``eJ``, ``eN``, ``eA``, ``eF``, ``H4sI``): a Flask
# session cookie, a compressed token (hostile session 22 echoed the credentials so in a cookie and
# a message). Inflated to at most _INFLATE_PER_CHAR bytes a character of the run (a text of many
# small bombs costs a bounded multiple of its size) and searched as a text; only runs of the text
# itself, never runs inside what a run inflated or decoded to (review of session 22: a 116-char
# run inflated to runs inflating to 17.5K characters each, a 66 KB body took 15 times as long).
_PACKED_B64_RE = re.compile(r"(?<![A-Za-z0-9+/_-])(?:eJ|eN|eA|eF|H4sI)[A-Za-z0-9+/_-]{14,}+={0,2}")
_INFLATE_PER_CHAR = 32
# Characters one redaction call (redact, redact_text, redacted_excerpt) may decode or inflate in
# all, over every run and offset: past it nothing more is decoded (a hostile body of many small
# bombs, review of session 22), and every run left that would have been decoded is masked whole
# (kept, a secret placed after the bombs passed unseen: review 3 of session 22).
DECODE_BUDGET = 1 << 20


class _Budget:
    """What is left of :data:`DECODE_BUDGET` for one redaction call; ``done``: its long strings
    already redacted (:func:`_redact_once`)."""

    __slots__ = ("done", "left")

    def __init__(self) -> None:
        self.left = DECODE_BUDGET
        self.done: dict[str, tuple[tuple[Any, ...], str, int]] = {}


# Session 29 (redperf): a JD request's two images are often one photo, the same 5 MB string
# redacted twice in each finding. One redaction call redacts a string of MEMO_CHARS or more once
# while what its redaction reads is the same (the signs' and secrets' stores, the signers, the
# decoding budget left): the same result, the budget left as the first left it.
MEMO_CHARS = 1 << 16


def _redact_once(text: str, secrets: _Secrets, budget: _Budget) -> str:
    if len(text) < MEMO_CHARS:
        return _redact_str(text, secrets, budget)
    signs = _SIGNS
    state = (
        signs,
        len(signs),
        next(reversed(signs), None),
        _REMEMBERED,
        tuple(_SIGNERS),
        budget.left,
    )
    done = budget.done.get(text)
    if done is not None and done[0] == state:
        budget.left = done[2]
        return done[1]
    out = _redact_str(text, secrets, budget)
    budget.done[text] = (state, out, budget.left)
    return out


def _inflated_texts(run: str, limit: int) -> list[str]:
    try:
        inflater = zlib.decompressobj(47)  # 32 + 15: a zlib or a gzip header, told by its bytes
        cap = min(_INFLATE_PER_CHAR * len(run), limit)
        return [inflater.decompress(_b64_bytes(run), cap).decode("latin-1")]
    except zlib.error:
        return []


# (the runs of an encoding, their decoder of (run, characters left), a pre-check a run must pass
# to be decoded); the decoders but inflation yield a few times their run's length at most
_DECODERS: tuple[tuple[re.Pattern[str], Any, re.Pattern[str] | None], ...] = (
    (_HEX_RUN_RE, lambda run, _: _hex_texts(run), _HEX_OF_TEXT_RE),
    (_PCT_RUN_RE, lambda run, _: [unquote(unquote(run))], None),
    (_QP_RUN_RE, lambda run, _: [bytes.fromhex(run.replace("=", "")).decode("latin-1")], None),
    (_REF_RUN_RE, lambda run, _: [html.unescape(run)], None),
    (_B64_RUN_RE, lambda run, _: _b64_texts(run), _B64_OF_TEXT_RE),
    (_PACKED_B64_RE, _inflated_texts, None),
    (_B32_RUN_RE, lambda run, _: _b32_texts(run), _B32_OF_TEXT_RE),
)
# the runs also read reversed for a sign (the credentials' reversed forms are listed, _echoes)
_REVERSIBLE = (_HEX_RUN_RE, _B64_RUN_RE)
# the decoders applied to a decoded or inflated text: all but inflation
_INNER_DECODERS = tuple(d for d in _DECODERS if d[0] is not _PACKED_B64_RE)


def _decoded(run: str, decode: Any, budget: _Budget) -> list[str] | None:
    """``run`` decoded, charged to ``budget``; None when the budget is spent before or by it (an
    inflation cut at what was left): the run cannot be told free of a secret, so it is masked."""
    left = budget.left
    if left <= 0:
        return None
    try:
        texts = list(decode(run, left))
    except (ValueError, binascii.Error):
        return []
    budget.left -= sum(map(len, texts))
    return None if budget.left <= 0 else texts


def _has_secret(text: str, secrets: _Secrets) -> bool:
    """Whether ``text`` holds a sign this process made or a credential, as it is or in one of
    the forms :func:`_echoes` lists."""
    if _signs_in(text) or any(e in text for e in secrets.exact + _REMEMBERED.exact):
        return True
    if "\0" in text and _has_secret(text.replace("\0", ""), secrets):  # UTF-16 or UTF-32
        return True
    lowered = text.lower()
    return any(f in lowered for f in secrets.folded)


def _holds_secret(text: str, secrets: _Secrets, depth: int, budget: _Budget) -> bool:
    """Whether ``text`` (a decoded run) holds a sign or a credential, as it is or in up to
    ``depth`` encodings (not inflated again)."""
    if _has_secret(text, secrets):
        return True
    if depth <= 0 or len(text) < 32:
        return False
    return any(
        _run_holds_secret(m.group(0), decode, check, secrets, depth - 1, budget)
        for pattern, decode, check in _INNER_DECODERS
        for m in pattern.finditer(text)
    )


def _run_holds_secret(
    run: str,
    decode: Any,
    check: re.Pattern[str] | None,
    secrets: _Secrets,
    depth: int,
    budget: _Budget,
) -> bool:
    """Whether a run of an encoding (one passing its pre-check ``check``) decodes to a text holding
    a secret in up to ``depth`` further encodings; past the budget it is held as one would be."""
    if check is not None and not check.search(run):
        return False
    texts = _decoded(run, decode, budget)
    return texts is None or any(_holds_secret(t, secrets, depth, budget) for t in texts)


def _mask_encoded(text: str, secrets: _Secrets, budget: _Budget) -> str:
    """Each run of an encoding that decodes to a text holding a sign or a credential (encoded
    once more, or not: base64 of its hex, its hex percent-encoded) is masked whole; so is each
    run past :data:`DECODE_BUDGET`."""
    for pattern, decode, check in _DECODERS:
        back = bool(_SIGNS) and pattern in _REVERSIBLE  # a sign's base64 or hex reversed
        text = pattern.sub(
            lambda m: _masked_run(m.group(0), decode, check, secrets, budget, back), text
        )
    return text


def _masked_run(
    run: str,
    decode: Any,
    check: re.Pattern[str] | None,
    secrets: _Secrets,
    budget: _Budget,
    back: bool = False,
) -> str:
    """``run`` masked whole when it decodes to a secret, or when it would be decoded and the
    budget is spent (a secret cannot pass by exhausting it); ``back``: reversed too (session 27:
    a sign's base64 or hex reversed passed; a credential's reversed forms are listed)."""
    depth = _ENCODED_DEPTH - 1
    held = _run_holds_secret(run, decode, check, secrets, depth, budget) or (
        back and _run_holds_secret(run[::-1], decode, check, secrets, 0, budget)
    )
    return MASK if held else run


def _redact_bytes(data: bytes, secrets: _Secrets, budget: _Budget) -> str:
    if len(data) >= IMAGE_MIN_CHARS // 2 or _is_image(data):
        return image_placeholder(data)
    try:
        return _redact_str(data.decode("utf-8"), secrets, budget)
    except UnicodeDecodeError:
        return image_placeholder(data)


def _byte(v: Any) -> bool:
    return type(v) is int and -128 <= v <= 255  # signed (Java's byte[]) or unsigned


def _image_bytes(items: list[Any] | tuple[Any, ...]) -> bool:
    head = items[:16]
    if not all(_byte(v) for v in head) or not _is_image(bytes(v % 256 for v in head)):
        return False
    return all(_byte(v) for v in items)


def _spelt_secret(items: list[Any] | tuple[Any, ...], secrets: _Secrets) -> bool:
    """``items`` spell a secret: its characters or their codes, one an item (a target's echo as
    an array, session 23; a report's indented JSON would print one a line)."""
    if len(items) < SHORT_SECRET_CHARS or not secrets.exact:
        return False
    # not a secret under SHORT_SECRET_CHARS: a whole word of the items' text ("1" in [0, 49, 0, 0],
    # "ab" in ["a", "b", "-", "c"]) masked the whole list (session 23's gap)
    secrets = secrets._replace(short=None)
    if all(_byte(v) for v in items):
        text = bytes(v % 256 for v in items).decode("latin-1")
    elif all(isinstance(v, str) and len(v) == 1 for v in items):
        text = "".join(items)
    else:
        return False
    return _mask_secrets(text, secrets) != text


Spans = dict[int, list[tuple[int, int]]]

# how far into a string's either end a part of a sign split across strings is looked for (a
# 32-digit sign in two, its digits apart by markup or escapes: well under a KB)
SIGN_EDGE = 1024


def _spread_across(strings: list[Any], secrets: _Secrets) -> Spans:
    """For each string of ``strings`` (a list's, or a mapping's keys and values in turn) a secret
    spread across two or more of them covers (review of session 25: ``["faceharness", "demo",
    "token"]``, ``{"faceharness": "demo-token"}``), the spans of it the secret covers, read
    joined by NUL: any secret of SECRET_MIN_CHARS or more joins across them (two values are no
    prose). Only what the secret covers (review of session 26: ``{"errmsg": "invalid test",
    "hint": "token expired"}`` for ``testtoken`` lost both messages whole)."""
    spread = secrets.spread + _REMEMBERED.spread
    texts = [t if isinstance(t, str) else "" for t in strings]
    if not (spread or _SIGNS) or sum(1 for t in texts if t) < 2:
        return {}
    # joined by NUL, which a spread of any length skips (session 26: blanks joined only a secret
    # of SPREAD_BLANK_CHARS or more, so a 9-character one in two strings passed)
    joined = "\0".join(texts)
    skeleton = _skeleton(joined)
    hits = [secret for secret in spread if secret in skeleton]
    if _SIGNS:  # and every sign this process made (review of session 26: a sign in two halves)
        # whose parts stand at the strings' ends: the windows of a whole image's base64 (runs
        # like "AAAA...") made a JD request's redaction take 4.7 s in a gate run
        ends = "\0".join(t if len(t) <= 2 * SIGN_EDGE else f"{t[:SIGN_EDGE]}\0{t[-SIGN_EDGE:]}"
                         for t in texts)  # fmt: skip
        runs = _SIGN_RE.finditer(_skeleton(ends))
        found = set().union(*(_run_signs(m.group(0), len(joined)) for m in runs))
        hits += sorted({_SIGNS.get(w, w) if _SIGNS.get(w, w) in skeleton else w for w in found})
    if not hits:
        return {}
    starts = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    covered: Spans = {}
    for secret in hits:
        for m in _spread_re(secret).finditer(joined):
            begin, end = m.span()
            first = bisect.bisect_right(starts, begin) - 1
            last = bisect.bisect_left(starts, end) - 1
            if last == first:  # within one string, that string's own redaction masks it
                continue
            covered.setdefault(first, []).append((begin - starts[first], len(texts[first])))
            for i in range(first + 1, last):
                if texts[i]:
                    covered.setdefault(i, []).append((0, len(texts[i])))
            covered.setdefault(last, []).append((0, end - starts[last]))
    return covered


def _masked_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each of ``spans`` (overlapping or not) masked, one MASK where they join."""
    if (0, len(text)) in spans:
        return MASK
    pieces: list[str] = []
    at = 0
    for begin, end in sorted(spans):
        if end <= at:
            continue
        if begin > at or not pieces:
            pieces += [text[at:begin], MASK]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


# Where a value stands in what is redacted: (its parent's path, its key or index), from ``()``;
# inside a set, from ``_UNLEAVED`` (no leaf's path starts there). A spread across the whole
# object marks leaves by path, not by identity (review of session 26: CPython shares one object
# for a one-character or interned string, so marking one "-" masked every "-" of the answer).
_Path = tuple[Any, ...]
_UNLEAVED: _Path = (None,)


_NUMBER_LIST_MAX = 4096  # numbers in a list read as a byte or word list (a JD image is longer)


def _walk(
    obj: Any,
    secrets: _Secrets,
    keep: frozenset[str],
    names: frozenset[str],
    budget: _Budget,
    depth: int = 0,
    times: frozenset[str] = frozenset(),
    marked: Mapping[Any, list[tuple[int, int]]] | None = None,
    path: _Path = (),
    spans: list[tuple[int, int]] | tuple[()] = (),
) -> Any:
    """``obj`` redacted; ``marked``: the spans a secret spread across the object's leaves covers,
    by path; ``spans``: those a spread across ``obj``'s siblings covers (a string's)."""
    if isinstance(obj, str):
        if marked and path in marked:
            spans = [*spans, *marked[path]]
        if spans and (obj := _masked_spans(obj, spans)) == MASK:
            return MASK  # covered whole
        return _redact_once(obj, secrets, budget)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _redact_bytes(bytes(obj), secrets, budget)
    if type(obj) is int and abs(obj) >= 10**14:  # a sign's half or whole as a JSON number
        if _PENDING_PARTS:
            _settle_sign_parts()
        return MASK if str(abs(obj)) in _SIGN_NUMBERS else obj
    if depth > MAX_DEPTH and isinstance(obj, Mapping | list | tuple | set | frozenset):
        return DEEP  # a hostile answer's nesting: walked, it ended the run (RecursionError)

    below = (secrets, keep, names, budget, depth + 1, times, marked)  # a child's arguments
    if isinstance(obj, Mapping):
        out: dict[Any, Any] = {}
        pairs = [(k, v) for k, v in obj.items() if isinstance(k, str) and k not in keep]
        key_spans: dict[str, list[tuple[int, int]]] = {}
        value_spans: dict[str, list[tuple[int, int]]] = {}
        for i, found in _spread_across([p for k, v in pairs for p in (k, v)], secrets).items():
            (value_spans if i % 2 else key_spans).setdefault(pairs[i // 2][0], []).extend(found)
        # and across the values alone (session 26: ``{"a": "s3cr3", "b": "tkey9"}``)
        for i, found in _spread_across([v for k, v in pairs], secrets).items():
            value_spans.setdefault(pairs[i][0], []).extend(found)
        for key, value in obj.items():
            if key in times and isinstance(value, str) and _TIMESTAMP_RE.fullmatch(value):
                out[key] = value  # the run's own clock (model_time_fields)
                continue
            if not isinstance(key, str) or key in keep:
                out[key] = value if key in keep else _walk(value, *below, (path, key))
                continue
            new_key = key
            if key not in names:
                shown = _masked_spans(key, key_spans[key]) if key in key_spans else key
                new_key = _redact_str(shown, secrets, budget)
            if new_key in out:  # two keys masked alike (or as a key sent): both values kept
                new_key = next(f"{new_key}{n}" for n in range(2, len(out) + 3)
                               if f"{new_key}{n}" not in out)  # fmt: skip
            covered = value_spans.get(key, ())
            out[new_key] = (
                MASK
                if (is_secret_key(key) and value is not None)
                or (covered and (0, len(value)) in covered)
                else _walk(value, *below, (path, key), covered)
            )
        return out
    if isinstance(obj, (list, tuple)):
        if obj and _byte(obj[0]) and _image_bytes(obj):
            return image_placeholder(bytes(v % 256 for v in obj))  # an image's byte values
        if _spelt_secret(obj, secrets):
            return MASK
        if 1 < len(obj) <= _NUMBER_LIST_MAX and all(type(v) is int for v in obj):
            # a sign's or a secret's bytes or words as JSON numbers (review of session 29: the
            # text's readers saw them only as text): read as the same list written out
            text = ", ".join(map(str, obj))
            if _redact_str(text, secrets, budget) != text:
                return MASK
        if len(obj) >= IMAGE_MIN_CHARS and all(isinstance(v, str) and len(v) == 1 for v in obj):
            joined = "".join(obj)  # an image's base64, a character an item (session 23)
            masked = _spaced_image(joined)  # when it decodes to an image's signature
            if masked != joined:
                return masked
        if len(obj) > 1 and all(isinstance(v, str) for v in obj):
            joined = " ".join(obj)  # an image's base64 in pieces, one a string
            if len(joined) >= IMAGE_MIN_CHARS and _SPACED_RE.fullmatch(joined):
                masked = _spaced_image(joined)
                if masked != joined:
                    return masked
        if len(obj) == 2 and isinstance(obj[0], str) and is_secret_key(obj[0]):
            items = [_redact_str(obj[0], secrets, budget), MASK]  # ("Authorization", "Bearer ...")
        else:
            strings = [i for i, item in enumerate(obj) if isinstance(item, str)]
            across = _spread_across([obj[i] for i in strings], secrets)
            spread = {strings[i]: covered for i, covered in across.items()}
            items = [
                MASK
                if i in spread and (0, len(item)) in spread[i]  # covered whole
                else _walk(item, *below, (path, i), spread.get(i, ()))
                for i, item in enumerate(obj)
            ]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, (set, frozenset)):
        return [_walk(item, *below, _UNLEAVED) for item in sorted(obj, key=repr)]
    return obj


def redact(
    obj: Any,
    secrets: Iterable[str] = (),
    *,
    keep_keys: Iterable[str] = (),
    field_names: Iterable[str] = (),
    time_keys: Iterable[str] = (),
) -> Any:
    """A copy of ``obj`` safe to put in a report. ``keep_keys``: keys whose values pass untouched,
    ``field_names``: keys never rewritten (the summary's own structure, which a short secret
    could collide with), ``time_keys``: keys whose values pass when they are ISO timestamps
    (digits and separators: a numeric secret's spread would make them invalid)."""
    variants, budget = _secret_variants(secrets), _Budget()
    keep, names, times = frozenset(keep_keys), frozenset(field_names), frozenset(time_keys)
    leaves: list[str] = []
    _leaves(obj, keep | times, leaves, None)
    if _SIGNERS:  # a number in one field, its sign in another (a JSON number too)
        short = (leaf for leaf in leaves if len(leaf) <= HANDED_ACROSS_MAX)  # each long one alone
        _remember_handed("\0".join(short), map(str, _integers(obj, keep | times)))
    marked: dict[_Path, list[tuple[int, int]]] = {}
    if found := _spread_across(leaves, variants):
        paths: list[_Path] = []  # only now (a path a leaf costs a tenth of a redaction)
        _leaves(obj, keep | times, [], paths)
        marked = {paths[i]: covered for i, covered in found.items()}
    return _walk(obj, variants, keep, names, budget, 0, times, marked)


def _integers(obj: Any, skip: frozenset[str], depth: int = 0) -> Iterable[int]:
    """The integers of 10 to 19 digits ``obj`` holds as values (a JSON number may be the timestamp
    a sign is for; a JD imgArr's 400,000 bytes are none: a str() of each cost more than a run)."""
    if isinstance(obj, int) and not isinstance(obj, bool):
        if 10**9 <= obj < 10**19:
            yield obj
    elif depth <= MAX_DEPTH and isinstance(obj, Mapping):
        for key, value in obj.items():
            if key not in skip:
                yield from _integers(value, skip, depth + 1)
    elif depth <= MAX_DEPTH and isinstance(obj, list | tuple):
        for item in obj:
            yield from _integers(item, skip, depth + 1)


def _leaves(
    obj: Any,
    skip: frozenset[str],
    out: list[str],
    paths: list[_Path] | None,
    path: _Path = (),
    depth: int = 0,
) -> None:
    """The strings ``obj`` holds as values, in order, but under the keys ``skip`` (and their
    paths, into ``paths`` if given): a secret spread across them is looked for in all at once
    (hostile session 26: a credential's base64 in halves, each in a list of its own field,
    passed the per-list and per-mapping looks)."""
    if isinstance(obj, str):
        out.append(obj)
        if paths is not None:
            paths.append(path)
    elif depth <= MAX_DEPTH and isinstance(obj, Mapping):
        for key, value in obj.items():
            if key not in skip:
                _leaves(
                    value, skip, out, paths, (path, key) if paths is not None else (), depth + 1
                )
    elif depth <= MAX_DEPTH and isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            _leaves(item, skip, out, paths, (path, i) if paths is not None else (), depth + 1)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    return _redact_str(text, _secret_variants(secrets))


def redacted_excerpt(text: str | bytes, limit: int) -> str:
    """``text`` (or a body's bytes) cut to ``limit`` characters, masked before it is cut: cut
    first, an image's base64 that began near the cut (an HTML error page's ``data:`` URI) was too
    short for the redactor to know it as one, and reached findings and reports. Bytes that are an
    image are its placeholder: decoded, a raw JPEG's first bytes lost their signature and reached
    the console (`call` against a target answering the request's image back)."""
    if isinstance(text, bytes):
        if _is_image(text):
            return image_placeholder(text)
        text = text[: limit + 65536].decode("utf-8", "replace")
    return redact_text(text[: limit + 65536])[:limit]


@functools.cache
def model_field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every field name in ``model`` and the models it nests (a report's own structure)."""
    return frozenset(name for m in _nested(model) for name in m.model_fields)


@functools.cache
def model_enum_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` (and the models it nests) whose values are enumerated
    (``Literal``): the report's own words, which no mask may turn into an invalid value."""
    return frozenset(
        name
        for m in _nested(model)
        for name, f in m.model_fields.items()
        if _is_literal(f.annotation)
    )


@functools.cache
def model_time_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` (and the models it nests) holding a date or a time: the run's own
    clock, no secret; a numeric secret spread over a date's digits (``20251123`` in
    ``2025-11-23T09:00:00Z``, review of session 25) made the summary invalid."""
    return frozenset(
        name for m in _nested(model) for name, f in m.model_fields.items() if _is_time(f.annotation)
    )


def _is_time(annotation: Any) -> bool:
    """``datetime``, ``date`` or ``time``, alone or in a union with None."""
    if isinstance(annotation, type):
        return issubclass(annotation, (datetime.date, datetime.time))
    args = get_args(annotation)
    return (
        bool(args)
        and any(_is_time(a) for a in args if a is not type(None))
        and all(a is type(None) or _is_time(a) for a in args)
    )


def _nested(model: type[BaseModel]) -> list[type[BaseModel]]:
    """``model`` and every model its fields nest, once each."""
    pending, seen = [model], []
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.append(current)
            pending += [m for f in current.model_fields.values() for m in _models_in(f.annotation)]
    return seen


def _is_literal(annotation: Any) -> bool:
    """``Literal[...]``, alone or in a union with None."""
    if get_origin(annotation) is Literal:
        return True
    args = get_args(annotation)
    return bool(args) and all(get_origin(a) is Literal or a is type(None) for a in args)


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
        keep_keys=KEEP_KEYS | model_enum_fields(type(summary)),
        time_keys=model_time_fields(type(summary)),
        field_names=model_field_names(type(summary)),
    )
    return type(summary).model_validate(data)
