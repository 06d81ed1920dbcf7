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

import math

from pydantic import ValidationError

from harness.clients import FaceMatchClient, JdFaceCompareClient, Payload, TransportFailure
from harness.contract import Code, CompareResponse, Contract, MatchResponse

from ..errors import TargetError
from ._outcome import Category, Outcome
from ._pairs import PairImages
from ._payloads import PayloadSource

FTA_CATEGORIES = frozenset({"image_quality"})
"""Code categories that mean "the service declined to compare these images"."""

TRANSPORT = "transport"
MALFORMED = "malformed"


def _category(meaning: Code | None) -> Category:
    return "fta" if meaning is not None and meaning.category in FTA_CATEGORIES else "error"


def _parse_score(raw: object) -> float | None:
    """The internal API's score is a decimal string (ERRATA E-007); anything else is None."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def classify_match(response: MatchResponse, contract: Contract) -> Outcome:
    """errcode 0: ``ok`` with the parsed score and ``success``; otherwise by code category.

    A success without a parsable score is ``error`` (/match always returns one, ERRATA
    E-011), so a broken service is not mistaken for a rejecting one.
    """
    code = str(response.errcode)
    if response.errcode != 0:
        return Outcome(None, None, code, _category(contract.codes.get("match", "errcode", code)))
    result = response.data.result if response.data is not None else None
    score = _parse_score(result.score if result is not None else None)
    if result is None or score is None:
        return Outcome(None, None, code, "error")
    decision = {"true": True, "false": False}.get(str(result.success))
    return Outcome(score=score, decision=decision, code=code)


def classify_jd(response: CompareResponse, contract: Contract) -> Outcome:
    """Gateway success and business 0 or "not the same person" (1155): ``ok``."""
    if response.code != contract.jd_success_code:
        return Outcome(None, None, f"gateway:{response.code}", "error")
    result = response.result
    if result is None:
        return Outcome(None, None, MALFORMED, "error")
    code = str(result.code)
    if result.code not in (0, contract.jd_not_same_person_code):
        return Outcome(None, None, code, _category(contract.codes.get("jd", "business", code)))
    score = result.score if result.score is not None and math.isfinite(result.score) else None
    return Outcome(score=score, decision=result.result, code=code)


class ServiceCompare:
    """A compare callable over one client; ``last_error`` says why the last call failed.

    Transport failures and unparsable answers become ``"error"`` outcomes (never
    exceptions), so one dropped connection costs one pair, not the run.
    """

    def __init__(self, payloads: PayloadSource) -> None:
        self.payloads = payloads
        self.last_error: str | None = None

    def __call__(self, pair: PairImages) -> Outcome:
        first, second = self.payloads.payload(pair.first), self.payloads.payload(pair.second)
        try:
            outcome = self._send(first, second)
        except TransportFailure as exc:
            self.last_error = str(exc)
            return Outcome(None, None, TRANSPORT, "error")
        except ValidationError as exc:
            self.last_error = (
                f"answer does not fit the response schema ({exc.error_count()} errors)"
            )
            return Outcome(None, None, MALFORMED, "error")
        self.last_error = None if outcome.category != "error" else f"code {outcome.code}"
        return outcome

    def _send(self, first: Payload, second: Payload) -> Outcome:
        raise NotImplementedError


class MatchCompare(ServiceCompare):
    """``POST /tech/ai/face/match``: the first image as ``image``, the second as ``faceData``."""

    def __init__(self, client: FaceMatchClient, payloads: PayloadSource) -> None:
        if client.raise_for_code:
            raise ValueError("MatchCompare needs a client built with raise_for_code=False")
        super().__init__(payloads)
        self.client = client

    def _send(self, first: Payload, second: Payload) -> Outcome:
        return classify_match(self.client.match(first, second), self.client.contract)


class JdCompare(ServiceCompare):
    """faceCompareNew: the first image as ``compareImageItem``, the second as the collection."""

    def __init__(self, client: JdFaceCompareClient, payloads: PayloadSource) -> None:
        if client.raise_for_code:
            raise ValueError("JdCompare needs a client built with raise_for_code=False")
        super().__init__(payloads)
        self.client = client

    def _send(self, first: Payload, second: Payload) -> Outcome:
        return classify_jd(self.client.compare(first, [second]), self.client.contract)


class StopWhenHopeless:
    """Wraps a compare callable and stops the run when more calls cannot succeed.

    - an ``auth`` code: credentials are wrong; every further call would be refused;
    - a non-retryable ``quota`` code (daily limit, payment): the service is closed for now;
    - ``max_errors_before_an_answer`` errors before any usable answer: the URL is wrong
      or the service is down;
    - ``max_consecutive_errors`` errors in a row: the target is down or misconfigured,
      and a metered service should not be billed for a run of failures.
    """

    def __init__(
        self,
        compare: ServiceCompare,
        *,
        api: str,
        contract: Contract,
        target: str,
        max_consecutive_errors: int = 10,
        max_errors_before_an_answer: int = 3,
    ) -> None:
        self._compare = compare
        self._api = api
        self._contract = contract
        self._target = target
        self._limit = max_consecutive_errors
        self._first_limit = max_errors_before_an_answer
        self._streak = 0
        self._answered = False

    def __call__(self, pair: PairImages) -> Outcome:
        outcome = self._compare(pair)
        if outcome.category != "error":
            self._streak = 0
            self._answered = True
            return outcome
        resume = "outcomes so far are cached; re-run the same command to resume"
        meaning = self._meaning(outcome.code)
        if meaning is not None and meaning.category == "auth":
            raise TargetError(
                f"{self._target}: {self._api} refused the credentials ({meaning.describe()}); "
                "check FACEHARNESS_TOKEN / FACEHARNESS_JD_APPKEY / FACEHARNESS_JD_SECRETKEY "
                "or --config"
            )
        if meaning is not None and meaning.category == "quota" and not meaning.retryable:
            raise TargetError(f"{self._target}: {self._api} quota spent ({meaning.en}); {resume}")
        self._streak += 1
        what = meaning.en if meaning is not None else self._compare.last_error or outcome.code
        if not self._answered and self._streak >= self._first_limit:
            raise TargetError(
                f"{self._target}: no usable {self._api} answer in {self._streak} calls "
                f"(last: {what}); is the URL right and the service up?"
            )
        if self._streak >= self._limit:
            raise TargetError(
                f"{self._target}: {self._limit} {self._api} errors in a row (last: {what}); {resume}"
            )
        return outcome

    def _meaning(self, code: str) -> Code | None:
        codes = self._contract.codes
        if self._api == "match":
            return codes.get("match", "errcode", code)
        if code.startswith("gateway:"):
            return codes.get("jd", "gateway", code.removeprefix("gateway:"))
        return codes.get("jd", "business", code)
