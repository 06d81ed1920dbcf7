"""Reading an answer: the one place that knows where each API puts its code, score and verdict
(ERRATA E-015: both answer HTTP 200; E-013, E-039: ``errcode`` 0 and ``data.status``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import sys
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import orjson

if TYPE_CHECKING:
    from ._contract import Code, Contract

_RUNNING = ("SUCCESS", "PROCESSING")
_LABELS = {"gateway": "gateway code", "business": "result.code"}


def parse_score(value: Any) -> float | None:
    """A JSON number (not a bool) or a decimal string (ASCII, as Java's ``parseDouble`` reads one),
    as float; else None. Non-finite values are kept (``1e400`` is ``inf``): the range rules report
    them."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and (not value.isascii() or "_" in value):
        return None  # "9_9", fullwidth "９９": no number to JSON or Java, though float reads 99
    try:
        return float(value)
    except ValueError:  # a string that is no number
        return None


def score_step(value: Any) -> float:
    """Half a unit in the last decimal place ``value`` was written with (``"80"``: 0.5, ``0.82``:
    0.005; a JSON integer, exact: 0.0). A score shown rounded stands for an unrounded one this far
    off, on which the service may have decided: a decision is judged only beyond it. Finite for
    any exponent (``"1e999"``: the largest step a float holds; ``"1e-999"``: 0.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    if isinstance(value, int):
        return 0.0
    text = (value if isinstance(value, str) else repr(value)).removeprefix("-")
    if DECIMAL.fullmatch(text):
        return 0.5 * 10.0 ** -len(text.partition(".")[2])
    if exponent := EXPONENT.fullmatch(text):  # "7.06e-05": half a unit of the mantissa's last
        fraction, power = exponent.group(1) or "", _power(exponent.group(2))  # digit
        return 0.5 * 10.0 ** min(power - len(fraction), _MAX_POWER)
    return 0.0


def _power(written: str) -> int:
    """An exponent as written, clamped to what a float can mean: ``1e`` and 5,000 zeros is 1.0,
    yet ``int`` refuses a 5,000-digit text (ValueError past 4,300 digits: hostile round 18 ended
    conform in "internal error" and broke fuzz's runs off)."""
    digits = written.lstrip("+-").lstrip("0") or "0"
    power = int(digits) if len(digits) <= 6 else 10**6
    return -power if written.startswith("-") else power


# A number as written (a score, a threshold; E-072's exponent form too, as a language writes a
# double: "3.0E-4", "5e-07"), unsigned: the one owner of this spelling. DECIMAL and EXPONENT are
# for fullmatch ("$" would take "85\n"); NUMBER is the pattern to put inside a larger one.
NUMBER = r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
DECIMAL = re.compile(r"[0-9]+(?:\.([0-9]+))?")
EXPONENT = re.compile(r"[0-9]+(?:\.([0-9]+))?[eE]([+-]?[0-9]+)")
_MAX_POWER = sys.float_info.max_10_exp  # 10.0 ** 309 overflows


# Milliseconds since 1970 below year 5138: anything larger is no clock reading.
MAX_EPOCH_MS = 10**14


def num_code(value: Any) -> int | None:
    """The internal API's errcode (`errcode | Num`) as an integer: a JSON integer, or a number
    with no fraction (``0.0``, ``4.0004e4``: one number type in JSON, and OpenAPI 3.1's integer);
    None for anything else (``0.5``, ``"0"``, ``false``). E-054; JD's int and long fields are read
    so too (E-058's other reading; FH-J04, FH-J12, FH-J13 observe which one an answer follows)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if type(value) is int else None


class Answer(NamedTuple):
    """One answer in API-neutral terms (a named tuple: load builds one per request, and a frozen
    dataclass costs six times as much). ``where`` ``status``: errcode 0 with a failed
    ``data.status`` (E-039), ``code`` the status; ``typed``: the code has its documented JSON type.
    """

    api: str
    status: int
    body: Any = None
    where: str | None = None
    code: str | None = None
    meaning: Code | None = None
    typed: bool = False
    refused: bool = False  # an error code (or, E-039, errcode 0 with a failed status)
    ran: bool = False
    processing: bool = False
    score: float | None = None  # a usable score (finite, on the API's scale), else None
    decision: bool | None = None
    trace_no: str | None = None
    serial_no: str | None = None
    remain_times: int | None = None
    message: str | None = None  # the service's text: errmsg, msg, or result.msg for a business code

    @property
    def category(self) -> str | None:
        return self.meaning.category if self.meaning is not None else None

    @property
    def retryable(self) -> bool:
        return self.meaning is not None and self.meaning.retryable

    @property
    def calls_input_invalid(self) -> bool:
        """An input-category code that is not transient: the service calls the request invalid
        (a code saying a referenced thing does not exist is the envelope's 404, not that)."""
        m = self.meaning
        if m is None or m.category != "input" or m.retryable:
            return False
        return not m.en.lower().startswith(("unknown ", "no such "))

    @property
    def code_text(self) -> str:
        """:attr:`code` as text every file and console can hold (:func:`_writable`)."""
        return _writable(self.code)

    @property
    def code_key(self) -> str:
        """The deciding code as every suite counts it: ``match:errcode:42900``,
        ``jd:business:1155``; ``http:503`` for a body that is not the API's envelope."""
        if self.where is None:
            return f"http:{self.status}"
        code = self.code_text
        return "match:errcode:0" if self.where == "status" else f"{self.api}:{self.where}:{code}"

    @property
    def code_keys(self) -> tuple[str, ...]:
        """:attr:`code_key`, after JD's gateway success for a business code."""
        key = self.code_key
        if self.where != "business":
            return (key,)
        return f"jd:gateway:{_writable(self.body['code'])}", key

    @property
    def score_sent(self) -> bool:
        """Whether the comparison's result carries a score at all, usable or not (/match's
        ``score`` is `否`, E-011: absent is not malformed)."""
        return self.sent_score is not None

    @property
    def score_off_scale(self) -> bool:
        """A score was sent as a number (``"1e308"``, ``1e400``), but not on the API's documented
        scale (``Contract.score_ranges``), so :attr:`score` is None: not an unreadable one."""
        sent = parse_score(self.sent_score)
        return self.score is None and sent is not None and not math.isnan(sent)

    @property
    def sent_score(self) -> Any:
        """result.score as the body has it (usable or not): where each API puts it, once."""
        body = self.body if isinstance(self.body, dict) else {}
        holder = body.get("data") if self.api == "match" else body
        result = holder.get("result") if isinstance(holder, dict) else None
        score = result.get("score") if isinstance(result, dict) else None
        return None if score == "" and self.api == "match" else score  # "": not returned, E-070

    @property
    def service_time_ms(self) -> int | None:
        """JD's ``result.timestamp`` (milliseconds, the service's clock) in an answer past the
        gateway; None elsewhere. The one reading of it the harness uses to estimate the service's
        clock (E-019: the 5 min 45 s cases are sent on that clock). Only a plausible epoch
        millisecond count (under :data:`MAX_EPOCH_MS`): a hostile ``10**400`` overflowed the
        clock's float arithmetic and ended every command (review of session 22)."""
        if self.api != "jd" or self.where != "business" or not isinstance(self.body, dict):
            return None
        result = self.body.get("result")
        stamp = num_code(result.get("timestamp")) if isinstance(result, dict) else None
        return stamp if isinstance(stamp, int) and 0 < stamp < MAX_EPOCH_MS else None

    @property
    def throttled(self) -> bool:
        """The service asked the caller to slow down: a retryable quota code (a QPS limit, JD's
        `免费试用服务具有调用量、QPS限制`), or HTTP 429 (E-015's other reading). Such an answer says
        nothing about the request it refused (E-045)."""
        return self.status == 429 or (self.category == "quota" and self.retryable)

    @property
    def judged(self) -> bool:
        """The API's envelope, which the rules judge: any JSON object at HTTP 200; under 500 one
        that carries the API's code field (E-015: the documents give no status, so errors as 4xx
        are a reading; another 4xx body is the HTTP rules', as every 5xx is)."""
        if not isinstance(self.body, dict):
            return False
        return self.status == 200 or (self.status < 500 and self.where is not None)

    @property
    def label(self) -> str:
        """``errcode 40004``, ``errcode 0 with status FAIL``, ``gateway code 10047``, ..."""
        if self.where == "status":
            return f"errcode 0 with status {self.code_text}"
        return f"{_LABELS.get(self.where or '', 'errcode')} {self.code_text}"


CODE_SHOWN: Final = 64  # characters of a code kept whole; no documented code comes near


def _writable(code: Any) -> str:
    """A code as text every file and console can hold: a lone surrogate, which JSON's
    ``"\\udfff"`` lets through (Python's parser takes it), as its escape (hostile session 24:
    load counted ``\\udfff`` by that code and ended writing its CSV in UnicodeEncodeError); a
    code over ``CODE_SHOWN`` characters as its head, length and digest, one key per code still
    (hostile session 29: a different 1 MB code in every answer made every count a megabyte, and
    redacting summary.json's code table took minutes)."""
    text = str(code).encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= CODE_SHOWN:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{text[:32]}... ({len(text)} characters, sha256 {digest})"


def read_answer(contract: Contract, api: str | None, status: int, body: Any) -> Answer:
    """``body`` raw or parsed; ``api`` None tells the API from the envelope's code field."""
    if isinstance(body, bytes | bytearray):
        body = parse_json(body)
    if not isinstance(body, dict):
        return Answer(api or "", status, body)
    if api is None:
        api = "match" if "errcode" in body else "jd" if "code" in body else ""
    if api == "match" and "errcode" in body:
        return _read_match(contract, status, body)
    if api == "jd" and "code" in body:
        return _read_jd(contract, status, body)
    return Answer(api, status, body)


def parse_json(raw: bytes | bytearray | str, charset: str | None = None) -> Any:
    """An answer's JSON value, or None when it is not JSON (:func:`strict_json`)."""
    try:
        return strict_json(raw, charset)
    except (ValueError, RecursionError):  # nested past the stack: not read
        return None


def strict_json(raw: bytes | bytearray | str, charset: str | None = None) -> Any:
    """orjson first (load reads every answer), then the standard library (integers past 64 bits,
    UTF-16, a number past a double's range as ``inf``), then, for bytes that are none of these,
    the ``charset`` the answer's Content-Type declares (:func:`declared_charset`, E-071).
    ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259), though Python's parser takes
    them: a body with them is not read, so every suite sees it alike and records the text sent.
    Raises ``ValueError`` (a ``UnicodeDecodeError`` too) or ``RecursionError``."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw, parse_constant=_not_json)
    except UnicodeDecodeError:
        if charset is None or isinstance(raw, str):
            raise
    return json.loads(bytes(raw).decode(charset), parse_constant=_not_json)


_COMPACT_DEPTH = 200  # orjson refuses a value nested past 255 levels


def compact_json(value: Any) -> bytes:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` in UTF-8, byte for byte:
    orjson where it writes exactly that (plain dicts with text keys, lists, tuples, text, ints
    within 64 bits, booleans, null: no float, whose spelling differs), the standard library
    otherwise. A request body carrying a megabyte of base64 took the standard library about
    30 ms (its non-ASCII writer goes character by character), orjson 1 ms; every suite sends
    such bodies. A lone surrogate still raises ``UnicodeEncodeError``, as before."""
    if _plain_json(value):
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:  # a lone surrogate, an int past 64 bits
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_PLAIN_LEAVES: Final = frozenset({str, int, bool, type(None)})
_TEXT: Final = frozenset({str})


def _plain_json(value: Any) -> bool:
    """Whether ``value`` holds only what orjson and the standard library write alike (a JD byte
    array of a megabyte is a million ints: their types are read at C speed, ``set(map(type))``)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind in _PLAIN_LEAVES:
            continue
        if depth >= _COMPACT_DEPTH:
            return False
        if kind is dict:
            if not set(map(type, node)) <= _TEXT:
                return False
            items: Any = node.values()
        elif kind is list or kind is tuple:
            items = node
        else:
            return False
        if not set(map(type, items)) <= _PLAIN_LEAVES:
            stack.extend((item, depth + 1) for item in items if type(item) not in _PLAIN_LEAVES)
    return True


_SCALARS: Final = frozenset({str, int, bool, float, type(None)})


def json_copy(value: Any) -> Any:
    """``copy.deepcopy`` of a JSON value, faster: a list of scalars (a JD byte array of a
    megabyte, a million ints) is copied in C, not item by item (deepcopy: 16 s of a profiled
    E-002 run, every bound body's); values of other types are deep-copied."""
    kind = type(value)
    if kind is dict:
        return {k: json_copy(v) for k, v in value.items()}
    if kind is list:
        if set(map(type, value)) <= _SCALARS:
            return value.copy()
        return [json_copy(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_CHARSET = re.compile(r""";\s*charset\s*=\s*"?([A-Za-z0-9._:-]+)"?""", re.IGNORECASE)


def declared_charset(content_type: str) -> str | None:
    """The charset an answer's Content-Type declares (RFC 9110 8.3.2), when it is one Python
    decodes other than UTF-8: neither document names the answer's encoding, and RFC 8259 8.1 asks
    for UTF-8 only outside a closed ecosystem, so an internal service answering GBK as it declares
    is read so (E-071; FH-H09 lists it)."""
    import codecs

    found = _CHARSET.search(content_type or "")
    try:
        name = codecs.lookup(found.group(1)).name if found else None
    except LookupError:
        return None
    return None if name in (None, "utf-8") else name


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _usable(contract: Contract, api: str, value: Any) -> float | None:
    """A score a decision can be read from: a number on the API's documented scale."""
    score = finite(parse_score(value))
    low, high = contract.score_ranges[api]
    return score if score is not None and low <= score <= high else None


def _read_match(contract: Contract, status: int, body: dict[str, Any]) -> Answer:
    raw = body["errcode"]
    typed = num_code(raw) is not None
    raw = num_code(raw) if typed else raw
    data = _of(dict, body.get("data"), {})
    state = data.get("status")
    ok = typed and raw == 0
    result = _of(dict, data.get("result"), {})
    success = result.get("success")
    seen: dict[str, Any] = {
        "score": _usable(contract, "match", result.get("score")),
        "decision": {"true": True, "false": False}.get(success) if type(success) is str else None,
        "trace_no": _of(str, data.get("traceNo")),
        "message": _of(str, body.get("errmsg")),
    }
    if ok and isinstance(state, str) and state not in _RUNNING:
        return Answer("match", status, body, "status", state, None, True, True, **seen)
    code = None if raw is None else str(raw)
    meaning = contract.codes.get("match", "errcode", code)
    ran, processing = ok and state == "SUCCESS", ok and state == "PROCESSING"
    return Answer(
        "match", status, body, "errcode", code, meaning, typed, code != "0", ran, processing, **seen
    )


NOT_PASSED: Final = "score_too_low"  # JD 1115 采集照对比分值过低,未通过!: compared, below it
# a 1155 msg giving the comparison's result, as seed 004's example (分数:.. 阈值:.. 结果:false)
_SAYS_FALSE: Final = re.compile(r"结果\s*[:：]\s*false", re.IGNORECASE)


def compares(contract: Contract, api: str, code: str) -> bool:
    """Whether a JD business code (or the internal API's errcode) answers a comparison that
    ran: success, the contract's not-the-same-person code (1155 比对失败), or 1115 (compared,
    the score below the threshold: a non-match, never a refusal, E-044). The one rule every
    suite reads through ``Answer.ran`` and accuracy through the codes it counted."""
    if code == "0":
        return True
    if api != "jd":
        return False
    meaning = contract.codes.get("jd", "business", code)
    named = meaning is not None and meaning.name == NOT_PASSED
    return code == str(contract.jd_not_same_person_code) or named


def _read_jd(contract: Contract, status: int, body: dict[str, Any]) -> Answer:
    gateway = body["code"]
    remain = num_code(body.get("remainTimes"))  # 4998.0 is 4998 under E-058's other reading
    result = body.get("result")
    text = None if gateway is None else str(gateway)
    if text not in contract.jd_success_codes or not isinstance(result, dict):
        refused = text not in contract.jd_success_codes
        meaning = contract.codes.get("jd", "gateway", text)
        typed = isinstance(gateway, str) and refused
        at_gateway = ("jd", status, body, "gateway", text, meaning, typed, refused)
        return Answer(*at_gateway, remain_times=remain, message=_of(str, body.get("msg")))
    raw = result.get("code")
    whole = num_code(raw)  # code int: 1155.0 is 1155 under E-058's other reading (FH-J04's)
    code = None if raw is None else str(raw if whole is None else whole)
    meaning = contract.codes.get("jd", "business", code)
    typed = whole is not None and isinstance(gateway, str)
    ran = whole is not None and compares(contract, "jd", str(whole))
    # 1115 says "not passed" with or without ``result`` (E-023: a business error may hold only
    # code and msg): a decision, as 1155's result false is, and the code's `未通过` wins over a
    # ``result`` true (only `算法结果`; review of session 27: it read as a match, E-044)
    below = meaning is not None and meaning.name == NOT_PASSED
    # 1155 (比对失败, not the same person) without ``result`` is a non-match too: the result row's
    # 必填 is empty (E-023), and the code says it (E-088; session 28, jd-result-only-true: its
    # impostor pairs read "no decision", a gate's max_fmr failed "FMR not measured", and its
    # genuine rejections left FNMR, 0 in 13), when it shows a comparison that ran: a score sent,
    # or a msg giving the comparison's result (the example's `分数:0.7060586 阈值:0.8179
    # 结果:false`). A bare 1155 (code and msg alone) is no decision: `比对失败` may say the
    # comparison failed to run (session 29: a 1155 of a comparison that never ran read as a
    # false non-match; the gate's FNMR limit holds only with such pairs as errors)
    below |= (
        code == str(contract.jd_not_same_person_code)
        and "result" not in result
        and (
            result.get("score") is not None
            or bool(_SAYS_FALSE.search(_of(str, result.get("msg"), "")))
        )
    )
    head = ("jd", status, body, "business", code, meaning, typed)
    return Answer(
        *head,
        refused=not ran,
        ran=ran,
        score=_usable(contract, "jd", result.get("score")),
        decision=False if below else _of(bool, result.get("result")),
        serial_no=_of(str, result.get("serialNo")),
        remain_times=remain,
        message=_of(str, result.get("msg")),
    )


def _of(kind: type, value: Any, default: Any = None) -> Any:
    """``value`` if it has the JSON type ``kind``, else ``default`` (a body is never trusted)."""
    return value if isinstance(value, kind) else default


def no_answer_kind(exc: BaseException, *, begun: bool = False) -> str:
    """Why a request got no answer, whichever HTTP stack raised ``exc`` (httpx, requests, gevent):
    a key of ``harness.clients.NO_ANSWER``. A stack never imported raised nothing, so none is
    imported here."""
    from harness.clients._deadline import (
        AnswerTooLarge,
        CutOffBody,
        DeadlineExceeded,
        UndecodableBody,
    )

    if isinstance(exc, DeadlineExceeded):
        return "deadline"
    if isinstance(exc, AnswerTooLarge):
        return "oversized body"
    if isinstance(exc, UndecodableBody):
        return "undecodable body"
    if isinstance(exc, CutOffBody):
        return "cut-off body"
    httpx, requests = sys.modules.get("httpx"), sys.modules.get("requests")
    if httpx is not None and isinstance(exc, httpx.HTTPError):
        if isinstance(exc, httpx.TimeoutException):
            return "timeout"
        if isinstance(exc, httpx.DecodingError):
            return "undecodable body"
        if begun:
            return "cut-off body"
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return "reset"
        return "connection"
    if requests is not None and isinstance(exc, requests.Timeout):
        return "timeout"
    if requests is not None and isinstance(exc, requests.exceptions.ContentDecodingError):
        return "undecodable body"
    # load's geventhttpclient: socket errors as they are, or in RetriesExceeded's ``original``
    root = getattr(exc, "original", None) or exc
    gevent, parser = sys.modules.get("gevent"), sys.modules.get("geventhttpclient.response")
    if isinstance(root, TimeoutError) or gevent is not None and isinstance(root, gevent.Timeout):
        return "timeout"
    if begun or requests is not None and isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "cut-off body"
    if isinstance(root, ConnectionResetError | BrokenPipeError) or (
        parser is not None and isinstance(root, parser.HTTPParseError)
    ):
        return "reset"
    text = _chain_text(exc)
    if any(mark in text for mark in ("reset", "aborted", "RemoteDisconnected", "Errno 104")):
        return "reset"
    return "connection"


def no_answer_key(kind: str) -> str:
    """A request without an answer as every suite counts it (``no answer:timeout``)."""
    return f"no answer:{kind}"


def _chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 5:
        parts.append(f"{type(seen).__name__}: {seen!r}")
        seen = seen.__cause__ or seen.__context__
    return " ".join(parts)


def finite(value: float | None) -> float | None:
    """``value`` when it is a usable number (not ``inf`` or ``nan``)."""
    return value if value is not None and math.isfinite(value) else None
