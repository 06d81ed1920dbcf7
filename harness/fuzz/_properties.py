"""The stateless properties: each builds one hypothesis test over a :class:`Run`.

- valid requests: every answer matches the spec, and a valid request is never refused as invalid;
- invalid requests: refused with a documented code (never 5xx, never success), the rule's own
  code where the contract says which;
- metamorphic: the same request twice gives the same score; A-vs-B agrees with B-vs-A (a warning
  when not); an image matches itself; a re-encoded face still matches (not on the fast engine).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.clients import Request
from harness.contract import Answer
from harness.faces import PoolImage, limits_for
from harness.imaging import sniff_format

from ._checks import Problem
from ._context import Run
from ._invalid import MATCH_OPS, invalid_cases, mutators_for
from ._pool import render
from ._request import InvalidCase
from ._valid import (
    idno_requests,
    jd_pair,
    jd_requests,
    live_code_requests,
    match_pair,
    match_requests,
    pool_image,
)

# Metamorphic tolerances (the documents give none; decided here, see the run's report):
SWAP_TOLERANCE = {"match": 1.0, "jd": 0.01}  # score points (0..100) / similarity (0..1)


# The verdicts of the pair and self properties, shared by the run and its replay (a replay must
# judge a finding exactly as the run that found it).
def disagree(a: Answer | None, b: Answer | None) -> bool:
    """Two answers that both ran and differ in score or decision (the same request twice, an
    async result and its synchronous twin)."""
    return bool(a and b and a.ran and b.ran and (a.score, a.decision) != (b.score, b.decision))


def swap_disagrees(api: str, x: Answer | None, y: Answer | None) -> bool:
    """A vs B and B vs A scored further apart than ``SWAP_TOLERANCE``."""
    return bool(
        x
        and y
        and x.ran
        and y.ran
        and x.score is not None
        and y.score is not None
        and abs(x.score - y.score) > SWAP_TOLERANCE[api]
    )


def self_match_fails(api: str, found: Answer | None, threshold: float) -> bool:
    """An image compared with itself did not pass (the internal API: nor reach ``threshold``)."""
    return bool(
        found
        and found.ran
        and (found.decision is not True or (api == "match" and (found.score or 0) < threshold))
    )


REENCODINGS = ("as:png", "as:jpeg", "scale:90", "scale:110")


@dataclass(frozen=True)
class Property:
    """A named property of one api; ``build`` returns the hypothesis test (no arguments)."""

    name: str
    api: str
    title: str
    build: Callable[[Run, str], Any]  # a test, a state machine class, or {part: test}
    skip: Callable[[Run], str | None] = lambda run: None
    stateful: bool = False
    share: float = 1.0  # fraction of --max-examples this property gets

    @property
    def id(self) -> str:
        return f"{self.api}:{self.name}"


def _refused_as_invalid(run: Run, found: Answer | None, what: str) -> list[Problem]:
    if found is not None and found.category == "input":
        meaning = found.meaning.en if found.meaning else "?"
        message = f"{what} was refused as invalid: {found.where} code {found.code} ({meaning})"
        return [Problem("valid_request_accepted", "high", message)]
    return []


# --- valid and invalid requests -------------------------------------------------------------
def valid_strategy(run: Run, api: str) -> st.SearchStrategy[Request]:
    gen = run.gen
    if api == "jd":
        return jd_requests(gen)
    return st.one_of(match_requests(gen), idno_requests(gen), live_code_requests(gen))


def build_valid(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]

    @given(valid_strategy(run, api))
    def valid_requests_answer_per_spec(request: Request) -> None:
        exchange, found = run.answer(prop, request)
        run.fail(prop, _refused_as_invalid(run, found, "a valid request"), request, exchange)

    return valid_requests_answer_per_spec


def build_invalid(run: Run, prop: str) -> dict[str, Callable[[], None]]:
    """One test per rule, so every rule gets its share of the budget (not 1/25 of it on average)."""
    api = prop.split(":")[0]
    ops = MATCH_OPS if api == "match" else ("faceCompareNew",)
    pairs = tuple(mutators_for(api, ops, None))

    def for_rule(rule: str) -> Callable[[], None]:
        @given(invalid_cases(run.gen, run.codes, tuple(p for p in pairs if p[1].rule == rule)))
        def invalid_requests_get_their_code(case: InvalidCase) -> None:
            run.refused(prop, case, strict=case.exact or run.is_emulator)

        return invalid_requests_get_their_code

    return {rule: for_rule(rule) for rule in dict.fromkeys(m.rule for _, m in pairs)}


# --- metamorphic ------------------------------------------------------------------------------
def _fresh_serial(request: Request) -> Request:
    """JD's serialNo is 随机唯一: the repeat gets its own."""
    if request.api != "jd" or not isinstance(request.json, dict):
        return request
    body = dict(request.json)
    body["serialNo"] = (str(body.get("serialNo", "")) + "r")[-64:]
    return dataclasses.replace(request, json=body)


def build_repeat(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    strategy = (
        jd_requests(run.gen) if api == "jd" else match_requests(run.gen, lip=False, async_=False)
    )

    @given(strategy)
    def same_request_same_score(request: Request) -> None:
        _, a = run.answer(prop, request)
        again = _fresh_serial(request)
        second, b = run.answer(prop, again)
        if disagree(a, b):
            assert a and b
            message = (
                f"the same request scored {a.score} ({a.decision}) then {b.score} ({b.decision})"
            )
            run.violated(prop, "same_request_same_score", "high", message, again, second)

    return same_request_same_score


def _pair(run: Run, api: str, a: PoolImage, b: PoolImage) -> Request:
    return jd_pair(run.gen, a, b) if api == "jd" else match_pair(run.gen, a, b)


def build_swap(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    images = pool_image(run.gen.pool)

    @given(st.tuples(images, images).filter(lambda p: p[0].sha256 != p[1].sha256))
    def swapped_pair_agrees(pair: tuple[PoolImage, PoolImage]) -> None:
        ab, ba = _pair(run, api, *pair), _pair(run, api, pair[1], pair[0])
        _, x = run.answer(prop, ab)
        second, y = run.answer(prop, ba)
        if swap_disagrees(api, x, y):
            assert x and y
            message = (
                f"A vs B scored {x.score:g}, B vs A {y.score:g} (tolerance {SWAP_TOLERANCE[api]:g})"
            )
            run.violated(prop, "swap_symmetry", "medium", message, ba, second)

    return swapped_pair_agrees


def build_self_match(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    threshold = run.contract.success_threshold("match")

    @given(pool_image(run.gen.pool))
    def image_matches_itself(image: PoolImage) -> None:
        request = _pair(run, api, image, image)
        exchange, found = run.answer(prop, request)
        refused = _refused_as_invalid(run, found, "an image compared with itself")
        run.fail(prop, refused, request, exchange)
        if self_match_fails(api, found, threshold):
            assert found
            message = (
                f"an image compared with itself did not pass: score {found.score}, result "
                f"{found.decision}"
            )
            run.violated(prop, "self_match_passes", "high", message, request, exchange)

    return image_matches_itself


def build_reencoding(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    faces_dir = run.gen.pool.faces_dir

    @given(pool_image(run.gen.pool, faces_only=True), st.sampled_from(REENCODINGS))
    def reencoded_face_still_matches(image: PoolImage, op: str) -> None:
        recipe = f"{image.name}|{op}"
        data = render(recipe, faces_dir)
        if not _fits(run, api, data):  # a big face as PNG can outgrow the limit: a smaller copy
            smaller = f"{image.name}|fit:320"
            image = PoolImage(smaller, render(smaller, faces_dir), image.identity)
            recipe = f"{image.name}|{op}"
            data = render(recipe, faces_dir)
        other = PoolImage(recipe, data, image.identity)
        request = _pair(run, api, image, other)
        exchange, found = run.answer(prop, request)
        refused = _refused_as_invalid(run, found, "a face and its re-encoding")
        run.fail(prop, refused, request, exchange)
        if found and found.ran and found.decision is not True:
            message = f"a face and its {op} re-encoding did not match: score {found.score}"
            run.violated(prop, "reencoding_matches", "medium", message, request, exchange)

    return reencoded_face_still_matches


def _fits(run: Run, api: str, data: bytes) -> bool:
    """Within the documented size limit of the api (400 KiB of base64 / under 5 MiB)."""
    return limits_for(api, run.contract, safe=True).fits(data, sniff_format(data))


def skip_fast_engine(run: Run) -> str | None:
    if run.engine == "fast":
        return (
            "the fast engine compares byte hashes, not faces: a re-encoded image is a stranger to "
            "it (run with --engine dlib or against a live target)"
        )
    return None


def stateless_properties() -> list[Property]:
    out = []
    for api in ("match", "jd"):
        out += [
            Property(
                "valid-requests",
                api,
                "every answer to a valid request matches the spec",
                build_valid,
            ),
            Property(
                "invalid-requests",
                api,
                "an invalid request gets its documented error code",
                build_invalid,
            ),
            Property(
                "same-request-same-score",
                api,
                "the same request twice gives the same score",
                build_repeat,
                share=0.5,
            ),
            Property(
                "swap-symmetry",
                api,
                "A vs B and B vs A agree within tolerance",
                build_swap,
                share=0.5,
            ),
            Property(
                "self-match",
                api,
                "an image compared with itself passes the documented threshold",
                build_self_match,
                share=0.5,
            ),
            Property(
                "reencoding-matches",
                api,
                "a re-encoded face (jpg<->png, mild resize) still matches",
                build_reencoding,
                skip=skip_fast_engine,
                share=0.5,
            ),
        ]
    return out
