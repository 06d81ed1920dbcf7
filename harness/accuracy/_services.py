"""Compare callables over the real clients, and how each API's answers become outcomes.

Every answer becomes an :class:`Outcome`; only what makes further calls pointless (bad
credentials, a spent daily quota, a long run of failures) stops the run, with a
:class:`~harness.errors.TargetError` whose message says what to do. What was measured
before that is already in the cache.

Categories come from ``specs/codes.yaml``: ``image_quality`` codes (no face, several
faces, too small, blurred, pose, ...) are failures to acquire (``"fta"``); every other
non-success code, a transport failure or an answer that does not parse is ``"error"``.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field

from harness.clients import (
    FaceMatchClient,
    JdFaceCompareClient,
    TransportFailure,
    compare_body,
    match_body,
)
from harness.contract import Answer, Code, Contract, read_answer

from ..errors import TargetError
from ._outcome import Category, Outcome
from ._pairs import PairImages
from ._payloads import PayloadSource
from ._result import OPERATIONS

FTA_CATEGORIES = frozenset({"image_quality"})
"""Code categories that mean "the service declined to compare these images"."""

TRANSPORT = "transport"
MALFORMED = "malformed"


def outcome_of(answer: Answer) -> Outcome:
    """A comparison that ran (internal API: errcode 0, whatever ``data.status`` says, E-039; JD:
    business 0 or "not the same person") is ``ok`` with its score and decision; otherwise the
    code's category decides (``fta`` or ``error``).

    A comparison without a usable score is ``error`` (/match always returns one, ERRATA E-011),
    so a broken service is not mistaken for a rejecting one.
    """
    if answer.where is None or answer.code is None:
        return Outcome(None, None, MALFORMED, "error")
    compared = (
        answer.ran or answer.api == "match" and (answer.where == "status" or answer.code == "0")
    )
    if compared:
        code = "0" if answer.where == "status" else str(answer.code)
        if answer.score is None and answer.api == "match":
            return Outcome(None, None, code, "error")
        return Outcome(score=answer.score, decision=answer.decision, code=code)
    if answer.where == "gateway":
        return Outcome(
            None, None, f"gateway:{answer.code}" if answer.refused else MALFORMED, "error"
        )
    category: Category = "fta" if answer.category in FTA_CATEGORIES else "error"
    return Outcome(None, None, str(answer.code), category)


class ServiceCompare:
    """A compare callable over one client; ``last_error`` says why the last call failed.

    The first image goes as the internal API's ``image`` or JD's ``compareImageItem``, the second
    as ``faceData`` or the collection. Transport failures and unparsable answers become
    ``"error"`` outcomes (never exceptions), so one dropped connection costs one pair, not the
    run.
    """

    def __init__(self, client: FaceMatchClient | JdFaceCompareClient, payloads: PayloadSource):
        if client.raise_for_code:
            raise ValueError("ServiceCompare needs a client built with raise_for_code=False")
        self.client, self.payloads = client, payloads
        self.last_error: str | None = None

    def __call__(self, pair: PairImages) -> Outcome:
        first, second = self.payloads.payload(pair.first), self.payloads.payload(pair.second)
        contract, api = self.client.contract, self.client.api
        if api == "match":
            body = match_body(contract, first, second)
        else:
            body = compare_body(contract, first, [second])
        try:
            answer = self.client.post(OPERATIONS[api], body)
        except TransportFailure as exc:
            self.last_error = str(exc)
            return Outcome(None, None, TRANSPORT, "error")
        outcome = outcome_of(read_answer(contract, api, 200, answer))
        self.last_error = None if outcome.category != "error" else f"code {outcome.code}"
        return outcome


@dataclass
class StopWhenHopeless:
    """Wraps a compare callable and stops the run when more calls cannot succeed.

    - an ``auth`` code: credentials are wrong; every further call would be refused;
    - a non-retryable ``quota`` code (daily limit, payment): the service is closed for now;
    - ``max_errors_before_an_answer`` errors before any usable answer: the URL is wrong
      or the service is down;
    - ``max_consecutive_errors`` errors in a row: the target is down or misconfigured,
      and a metered service should not be billed for a run of failures.
    """

    compare: ServiceCompare
    _: KW_ONLY
    api: str
    contract: Contract
    target: str
    max_consecutive_errors: int = 10
    max_errors_before_an_answer: int = 3
    _streak: int = field(default=0, init=False)
    _answered: bool = field(default=False, init=False)

    def __call__(self, pair: PairImages) -> Outcome:
        outcome = self.compare(pair)
        if outcome.category != "error":
            self._streak = 0
            self._answered = True
            return outcome
        resume = "outcomes so far are cached; re-run the same command to resume"
        meaning = self._meaning(outcome.code)
        if meaning is not None and meaning.category == "auth":
            raise TargetError(
                f"{self.target}: {self.api} refused the credentials ({meaning.describe()}); "
                "check FACEHARNESS_TOKEN / FACEHARNESS_JD_APPKEY / FACEHARNESS_JD_SECRETKEY "
                "or --config"
            )
        if meaning is not None and meaning.category == "quota" and not meaning.retryable:
            raise TargetError(f"{self.target}: {self.api} quota spent ({meaning.en}); {resume}")
        self._streak += 1
        what = meaning.en if meaning is not None else self.compare.last_error or outcome.code
        if not self._answered and self._streak >= self.max_errors_before_an_answer:
            raise TargetError(
                f"{self.target}: no usable {self.api} answer in {self._streak} calls "
                f"(last: {what}); is the URL right and the service up?"
            )
        if self._streak >= self.max_consecutive_errors:
            raise TargetError(
                f"{self.target}: {self._streak} {self.api} errors in a row (last: {what}); {resume}"
            )
        return outcome

    def _meaning(self, code: str) -> Code | None:
        codes = self.contract.codes
        if self.api == "match":
            return codes.get("match", "errcode", code)
        if code.startswith("gateway:"):
            return codes.get("jd", "gateway", code.removeprefix("gateway:"))
        return codes.get("jd", "business", code)
