"""Everything the run remembers across calls (the frozen :class:`Facts` history rules read), and
what it spends of its budget."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from harness import interrupt
from harness.clients import Exchange
from harness.contract import Answer, no_answer_key, parse_score
from harness.pacing import Budget, BudgetExhausted

from ._registry import Facts
from ._rules_jd import SERIAL, operating_threshold

_MAX_FACTS = 20_000
_MAX_KEPT = 128  # characters of an id a history keeps as it is; a longer one by its digest


def _kept(text: str) -> str:
    """An id as a history holds it: a target's ids are a few dozen characters, but a hostile one
    answering a unique 2 MB traceNo each time grew conform's memory by 2 MB a request (round
    18: +390 MB in 150 requests; fuzz's 2,000 would need 4 GB). Equal ids keep equal keys."""
    if len(text) <= _MAX_KEPT:
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class RunTracker:
    """Observes the run's requests; ``on_budget`` stops the engine when the phase's share of
    ``budget`` is spent or the run interrupted."""

    def __init__(
        self, *, budget: Budget | None = None, on_budget: Callable[[], None] | None = None
    ) -> None:
        self.budget = budget or Budget()
        self.on_budget = on_budget
        self.by_operation: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.throttled = 0  # answers that were throttling (harness.results.nothing_judged)
        self.budget_hit = False
        self.time_hit = False
        self._lock = threading.Lock()
        self._facts: dict[str, Facts] = {}
        self._traces = TraceHistory()
        self._serials: dict[str, str] = {}  # FH-J16's history (serial_named)
        self._sent_serials: set[str] = set()  # every JD serialNo sent (_repeated)
        self._remain: dict[str, int] = {}
        self._seconds: dict[str, int] = {}  # the least remainSeconds (>= 0) seen, by appkey
        # by appkey: the last remainTimes any answer gave, and the budget's count then (FH-J24)
        self._quota: dict[str, tuple[int, int]] = {}
        self._unordered = 0
        self._points: list[tuple[float, int]] = []
        self._threshold: float | None = None

    def ensure_budget(self, needed: int = 1) -> None:
        """Raise BudgetExhausted when ``needed`` more requests do not fit (noting which budget)."""
        try:
            self.budget.check(needed)
        except BudgetExhausted:
            if not interrupt.requested():
                left = self.budget.seconds_left()
                self.time_hit |= left is not None and left <= 0
                self.budget_hit |= not self.time_hit
            raise

    @contextmanager
    def unordered(self) -> Iterator[None]:
        """For requests sent together: their answers give no call-to-call history (remainTimes)."""
        with self._lock:
            self._unordered += 1
        try:
            yield
        finally:
            with self._lock:
                self._unordered -= 1

    def observe(
        self,
        answer: Exchange,
        *,
        api: str,
        operation: str,
        case_id: str,
        query: dict[str, Any],
        spent: bool = False,
        serial: Any = None,
        live_code: tuple[Any, bool] = (None, False),
    ) -> Facts:
        """Record one answered request; its facts as of now, kept by case id (``spent``: the sender
        spent the budget already; ``serial``, ``live_code``: the serialNo the request sent, and
        its liveCode with whether it is a LIP comparison, :func:`lip_of`)."""
        self.budget.answered(answer.elapsed_s)
        read = answer.answer if answer.answer and answer.answer.judged else None
        read = read or Answer(api, answer.status)
        with self._lock:
            self.codes.update(read.code_keys)
            self.throttled += read.throttled
            repeat = api == "jd" and self._repeated(serial)
            facts = (
                self._facts_jd(query, read, serial, repeat)
                if api == "jd"
                else self._traces.facts(operation, read, *live_code)
            )
            if len(self._facts) >= _MAX_FACTS:
                self._facts.pop(next(iter(self._facts)))
            self._facts[case_id] = facts
        self._sent(operation, spent)
        # the count of a call the gateway passed (E-028), or of a throttled one; a gateway refusal
        # of another kind may carry any default (the document ties none to it)
        counted = (read.where == "business" or read.throttled) and not repeat
        if api == "jd" and read.remain_times is not None and counted:
            with self._lock:
                if not self._unordered:  # answers in flight together come in any order
                    self._quota[_appkey(query)] = (read.remain_times, self.budget.used)
        return facts

    def calls_left(self, query: dict[str, Any]) -> float | None:
        """The calls the appkey's quota still holds, by the service's own word: its last
        remainTimes less every request counted since (each may have taken one, whatever E-028
        reading the service follows; the answer's own request too, in case it was not counted).
        ``inf``: unlimited (-1); None: never said (or a count below -1, which says nothing)."""
        with self._lock:
            seen = self._quota.get(_appkey(query))
        if seen is None or seen[0] < -1:
            return None
        remain, at = seen
        return math.inf if remain == -1 else remain - (self.budget.used - at)

    def unanswered(self, operation: str, kind: str, spent: bool = False) -> None:
        """Record one request without an answer (``kind``: timeout, reset...); it counts as sent."""
        with self._lock:
            self.codes[no_answer_key(kind)] += 1
        self._sent(operation, spent)

    def _sent(self, operation: str, spent: bool) -> None:
        """Count one request of ``operation``; at the share's end, stop the engine."""
        with self._lock:
            self.by_operation[operation] += 1
        if not spent:
            self.budget.spend()
        if self.on_budget is None:
            return
        if interrupt.requested():
            self.on_budget()  # interrupted: stop the engine as a spent budget would
        elif self.budget.requests_left() == 0:
            self.budget_hit = True
            self.on_budget()
        elif (left := self.budget.seconds_left()) is not None and left <= 0:
            self.time_hit = True  # the phase's time share, or what it keeps for the next, ended
            self.on_budget()

    def facts_for(self, case_id: str) -> Facts:
        with self._lock:
            return self._facts.get(case_id, Facts())

    def _repeated(self, serial: Any) -> bool:
        """Whether a JD request's serialNo may have been sent before (recording it): 随机唯一
        (seed 004) puts uniqueness on the caller and says nothing of what a repeat gets, and a
        service may answer it with its first answer, verbatim (legit jd-serial-idempotent), whose
        remainTimes is no count of this call (FH-J12, FH-J24's quota). Sent earlier in the run,
        or one the spec does not take (E-043): a run sends those as they were drawn (they may be
        the case's point, `findings.fresh_serial_no`), so another run may have sent it too."""
        if not isinstance(serial, str):
            return False
        if not SERIAL.fullmatch(serial):
            return True
        kept = _kept(serial)
        if kept in self._sent_serials:
            return True
        if len(self._sent_serials) < _MAX_FACTS:
            self._sent_serials.add(kept)
        return False

    def _facts_jd(
        self, query: dict[str, Any], answer: Answer, serial: Any, repeat: bool = False
    ) -> Facts:
        if answer.where != "business":
            return Facts(operating_threshold=self._threshold)
        before = None
        remain = None if repeat else answer.remain_times
        key = _appkey(query)
        if repeat:  # counted or not, unknown: the next count has no call before it to go by
            self._remain.pop(key, None)
        if remain is not None:
            before = self._remain.get(key)
            if self._unordered:  # answers of requests in flight together come in any order
                before, remain = None, min(remain, before) if before is not None else remain
            self._remain[key] = remain
        result: dict[str, Any] = answer.body["result"]
        learnt = operating_threshold(answer.message)
        if learnt is not None:
            self._threshold = learnt
        least = self._seconds.get(key)
        seconds = answer.body.get("remainSeconds")
        if type(seconds) is int and seconds >= 0:
            self._seconds[key] = seconds if least is None else min(least, seconds)
        return Facts(
            remain_before=before,
            similarity_conflict=self._similarity(result),
            operating_threshold=self._threshold,
            remain_seconds_least=least,
            serial_of_other=serial_named(self._serials, serial, result.get("serialNo")),
        )

    def _similarity(self, result: dict[str, Any]) -> tuple[float, int] | None:
        score, sim = parse_score(result.get("score")), result.get("similarity")
        if score is None or not isinstance(sim, int) or isinstance(sim, bool):
            return None
        conflict = next(
            ((s, m) for s, m in self._points if (s < score and m > sim) or (s > score and m < sim)),
            None,
        )
        if len(self._points) < _MAX_FACTS:
            self._points.append((score, sim))
        return conflict


def _appkey(query: dict[str, Any]) -> str:
    """The appkey a JD request sent, as the history keeps it (remainTimes count per appkey)."""
    return hashlib.sha256(str(query.get("appkey", "")).encode()).hexdigest()[:16]


class TraceHistory:
    """FH-M05's history: each errcode-0 traceNo of the run, and the traceNo each liveCode was
    issued under (validateData's answer)."""

    def __init__(self) -> None:
        self.traces: set[str] = set()
        self.issued: dict[str, str] = {}

    def facts(
        self, operation: str, answer: Answer, live_code: Any = None, lip: bool = True
    ) -> Facts:
        """``trace_seen`` when the answer's traceNo was given earlier; for a comparison that sent
        an issued ``live_code``, ``trace_of_livecode``: whether it got the traceNo validateData
        gave with the code (True: one business, E-068's other reading). An async result repeats
        the traceNo it was queued under (E-013)."""
        trace = answer.trace_no
        ok = answer.where == "status" or answer.where == "errcode" and answer.code == "0"
        if operation == "asyncResult" or not ok or not trace:
            return Facts()
        trace = _kept(trace)
        before = trace in self.traces
        self.traces.add(trace)
        code = _issued_code(answer) if operation == "liveCode" else None
        if code is not None and len(self.issued) < _MAX_FACTS:
            self.issued[_kept(code)] = trace
        issued = self.issued.get(_kept(live_code)) if isinstance(live_code, str) else None
        if operation == "liveCode" or issued is None:
            return Facts(trace_seen=before)
        if trace == issued:
            return Facts(trace_of_livecode=True)
        # only a LIP video's code ties it to the business (E-008): a photo's tells nothing
        return Facts(trace_seen=before, trace_of_livecode=False if lip else None)


def lip_of(body: Any) -> tuple[Any, bool]:
    """The liveCode a comparison sent, and whether its faceData is a LIP video (E-068: a LIP
    comparison that answers its own traceNo follows the default; a photo ignores a code, E-008)."""
    if not isinstance(body, dict):
        return None, False
    face = body.get("faceData")
    lip = isinstance(face, dict) and face.get("type") == "video" and face.get("videoType") == "LIP"
    return body.get("liveCode"), lip


def _issued_code(answer: Answer) -> str | None:
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    result = data.get("result") if isinstance(data, dict) else None
    code = result.get("code") if isinstance(result, dict) else None
    return code if isinstance(code, str) else None


def serial_named(seen: dict[str, str], sent: Any, answered: Any) -> str | None:
    """FH-J16's history: the serialNo of another request of the run that a result names, as
    ``answered`` (another request sent it, or was answered it before), else None; records this
    one in ``seen`` (answered or sent serialNo -> the serialNo of the request it belongs to).
    Echoed (E-041's default) or the service's own request id (its alternative), a result's
    serialNo names one request. Only a sent serialNo of the documented shape is judged, without
    regard to case (a service may normalise others)."""
    if not (isinstance(sent, str) and SERIAL.match(sent) and isinstance(answered, str)):
        return None
    mine, named = _kept(sent.casefold()), _kept(answered.casefold())
    if not named:
        return None
    other = seen.get(named)
    if len(seen) < 2 * _MAX_FACTS:
        seen.setdefault(mine, mine)
        seen.setdefault(named, mine)
    return other if named != mine and other not in (None, mine) else None
