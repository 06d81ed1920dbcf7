"""Everything the run remembers across calls, and the request budget.

Every request the run sends (engine cases, probes, replay steps) is observed here in the order it
was answered; the result is a frozen :class:`Facts` per call that history-dependent rules read.
The tracker also counts requests per operation and codes seen, and stops the run when the request
budget is spent.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from harness import interrupt
from harness.contract import Contract, parse_score
from harness.pacing import Budget, BudgetExhausted

from ._auth import appkey_key
from ._context import Facts, json_of
from ._rules_jd import operating_threshold

_MAX_FACTS = 20_000


class RunTracker:
    def __init__(
        self,
        contract: Contract,
        *,
        budget: int | None = None,
        on_budget: Callable[[], None] | None = None,
        max_seconds: float | None = None,
    ) -> None:
        self.contract = contract
        self.budget = budget
        self.max_seconds = max_seconds  # the whole run's wall-clock budget (None: none)
        self.time_budget = Budget(
            max_seconds=max_seconds or 0
        )  # its time runs from the tracker's start
        self.time_budget.started = time.monotonic()
        self.time_hit = False
        self.cap = budget  # the current phase's share; never above the budget
        self.on_budget = on_budget
        self.requests = 0
        self.by_operation: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.budget_hit = False
        self._lock = threading.Lock()
        self._facts: dict[str, Facts] = {}
        self._traces: set[str] = set()
        self._remain: dict[str, int] = {}
        self._unordered = 0
        self._points: list[tuple[float, int]] = []
        self._threshold: float | None = None

    # --- budget ------------------------------------------------------------------------
    def set_cap(self, share: int | None) -> None:
        """Let the next phase send at most ``share`` more requests (None: up to the budget)."""
        limits = [
            x
            for x in (self.budget, None if share is None else self.requests + share)
            if x is not None
        ]
        self.cap = min(limits) if limits else None

    def seconds_left(self) -> float | None:
        return self.time_budget.seconds_left()

    def ensure_budget(self, needed: int = 1) -> None:
        """Raise BudgetExhausted when ``needed`` more requests would exceed the current cap, the
        run's time is up, or the run was interrupted."""
        if interrupt.requested():  # Ctrl-C / SIGTERM: no new request, whichever thread asks
            raise BudgetExhausted("the run was interrupted")
        left = self.seconds_left()
        if left is not None and left <= 0:
            self.time_hit = True
            raise BudgetExhausted(f"time budget of {self.max_seconds:g} s spent")
        if self.cap is not None and self.requests + needed > self.cap:
            self.budget_hit = True
            raise BudgetExhausted(f"request budget of {self.budget} spent")

    # --- observation -------------------------------------------------------------------
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
        *,
        api: str,
        operation: str,
        case_id: str,
        query: dict[str, Any],
        status: int,
        content: bytes,
    ) -> Facts:
        """Record one answered request; returns (and keeps, by case id) the facts as of this call."""
        with self._lock:
            body = json_of(_Content(status, content)) if status == 200 else None
            self._count_codes(api, status, body)
            facts = (
                self._facts_jd(query, body) if api == "jd" else self._facts_match(operation, body)
            )
            if len(self._facts) >= _MAX_FACTS:
                self._facts.pop(next(iter(self._facts)))
            self._facts[case_id] = facts
        self._sent(operation)
        return facts

    def unanswered(self, operation: str, kind: str) -> None:
        """Record one request that got no answer (``kind``: timeout, reset, ...); it counts as sent."""
        with self._lock:
            self.codes[f"no answer:{kind}"] += 1
        self._sent(operation)

    def _sent(self, operation: str) -> None:
        """Count one request of ``operation``; at the cap, stop the engine (``on_budget``)."""
        with self._lock:
            self.requests += 1
            self.by_operation[operation] += 1
            exhausted = self.cap is not None and self.requests >= self.cap
        if interrupt.requested() and self.on_budget is not None:
            self.on_budget()  # interrupted: stop the engine as a spent budget would
        elif exhausted and self.on_budget is not None:
            self.budget_hit = True
            self.on_budget()

    def facts_for(self, case_id: str) -> Facts:
        with self._lock:
            return self._facts.get(case_id, Facts())

    def _count_codes(self, api: str, status: int, body: Any) -> None:
        if status != 200 or not isinstance(body, dict):
            self.codes[f"http:{status}"] += 1
        elif api == "match":
            self.codes[f"match:errcode:{body.get('errcode')}"] += 1
        else:
            self.codes[f"jd:gateway:{body.get('code')}"] += 1
            result = body.get("result")
            if isinstance(result, dict):
                self.codes[f"jd:business:{result.get('code')}"] += 1

    def _facts_match(self, operation: str, body: Any) -> Facts:
        data = body.get("data") if isinstance(body, dict) and body.get("errcode") == 0 else None
        trace = data.get("traceNo") if isinstance(data, dict) else None
        if operation == "asyncResult" or not isinstance(trace, str) or not trace:
            return Facts()  # an async result repeats the traceNo it was queued under (E-013)
        seen = trace in self._traces
        self._traces.add(trace)
        return Facts(trace_seen=seen)

    def _facts_jd(self, query: dict[str, Any], body: Any) -> Facts:
        if not isinstance(body, dict) or body.get("code") != self.contract.jd_success_code:
            return Facts(operating_threshold=self._threshold)
        before = None
        remain = body.get("remainTimes")
        if isinstance(remain, int) and not isinstance(remain, bool):
            key = appkey_key(query)
            before = self._remain.get(key)
            if self._unordered:  # answers of requests in flight together come in any order
                before, remain = None, min(remain, before) if before is not None else remain
            self._remain[key] = remain
        found = body.get("result")
        result: dict[str, Any] = found if isinstance(found, dict) else {}
        learnt = operating_threshold(result.get("msg"))
        if learnt is not None:
            self._threshold = learnt
        return Facts(
            remain_before=before,
            similarity_conflict=self._similarity(result),
            operating_threshold=self._threshold,
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

    def seed_similarity(self, point: tuple[float, int]) -> None:
        """Replay: start from the earlier observation a finding recorded."""
        self._points.append(point)


class _Content:
    def __init__(self, status: int, content: bytes) -> None:
        self.status_code, self.content = status, content
