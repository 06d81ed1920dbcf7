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
from typing import Any, TypeVar

from hypothesis import given
from hypothesis import strategies as st

from harness.clients import Request
from harness.contract import Answer
from harness.faces import PoolImage, limits_for
from harness.imaging import sniff_format

from ._checks import Problem, Run, refused_as_invalid
from ._invalid import OPERATIONS, InvalidCase, invalid_cases, mutators_for
from ._pool import render
from ._valid import jd_pair, jd_requests, match_pair, match_requests, pool_image, valid_requests

Builder = TypeVar("Builder", bound=Callable[[Run, str], Any])

# Metamorphic tolerances (the documents give none; decided here, see the run's report):
SWAP_TOLERANCE = {"match": 1.0, "jd": 0.01}  # score points (0..100) / similarity (0..1)


# The verdicts of the pair and self properties, shared by the run and its replay (a replay must
# judge a finding exactly as the run that found it).
def same_score(a: Answer | None, b: Answer | None) -> list[Problem]:
    """Two answers that both ran and differ in score or decision (the same request twice, an
    async result and its synchronous twin)."""
    if not (a and b and a.ran and b.ran) or (a.score, a.decision) == (b.score, b.decision):
        return []
    message = f"the same request scored {a.score} ({a.decision}) then {b.score} ({b.decision})"
    return [Problem("same_request_same_score", "high", message)]


def swap_symmetry(api: str, x: Answer | None, y: Answer | None) -> list[Problem]:
    """A vs B and B vs A scored further apart than ``SWAP_TOLERANCE``."""
    if not (x and y and x.ran and y.ran and x.score is not None and y.score is not None):
        return []
    if abs(x.score - y.score) <= SWAP_TOLERANCE[api]:
        return []
    message = f"A vs B scored {x.score:g}, B vs A {y.score:g} (tolerance {SWAP_TOLERANCE[api]:g})"
    return [Problem("swap_symmetry", "medium", message)]


def self_match(api: str, found: Answer | None, threshold: float) -> list[Problem]:
    """An image compared with itself did not pass (the internal API: nor reach ``threshold``)."""
    if not (found and found.ran):
        return []
    if found.decision is True and (api != "match" or (found.score or 0) >= threshold):
        return []
    message = (
        f"an image compared with itself did not pass: score {found.score}, result {found.decision}"
    )
    return [Problem("self_match_passes", "high", message)]


def reencoding(found: Answer | None, op: str) -> list[Problem]:
    if not (found and found.ran and found.decision is not True):
        return []
    message = f"a face and its {op} re-encoding did not match: score {found.score}"
    return [Problem("reencoding_matches", "medium", message)]


REENCODINGS = ("as:png", "as:jpeg", "scale:90", "scale:110")


@dataclass(frozen=True)
class Property:
    """A named property of one api; ``build`` returns the hypothesis test (no arguments)."""

    name: str
    api: str
    title: str
    build: Callable[[Run, str], Any]  # a test, a state machine (a class), or {part: test}
    skip: Callable[[Run], str | None] = lambda run: None
    share: float = 1.0  # fraction of --max-examples this property gets

    @property
    def id(self) -> str:
        return f"{self.api}:{self.name}"


def register(
    into: list[Property], name: str, title: str, *apis: str, **kw: Any
) -> Callable[[Builder], Builder]:
    """Declare the decorated builder the property ``name`` of each of ``apis`` (default both)."""

    def add(build: Builder) -> Builder:
        into.extend(Property(name, api, title, build, **kw) for api in apis or ("match", "jd"))
        return build

    return add


STATELESS: list[Property] = []


# --- valid and invalid requests -------------------------------------------------------------
@register(STATELESS, "valid-requests", "every answer to a valid request matches the spec")
def build_valid(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]

    @given(valid_requests(run.gen, api))
    def valid_requests_answer_per_spec(request: Request) -> None:
        exchange, found = run.answer(prop, request)
        run.fail(prop, refused_as_invalid(found), request, exchange)

    return valid_requests_answer_per_spec


@register(STATELESS, "invalid-requests", "an invalid request gets its documented error code")
def build_invalid(run: Run, prop: str) -> dict[str, Callable[[], None]]:
    """One test per rule, so every rule gets its share of the budget (not 1/25 of it on average)."""
    api = prop.split(":")[0]
    pairs = tuple(mutators_for(api, OPERATIONS[api], None))

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


@register(
    STATELESS, "same-request-same-score", "the same request twice gives the same score", share=0.5
)
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
        run.fail(prop, same_score(a, b), again, second)

    return same_request_same_score


def pair(run: Run, api: str, a: PoolImage, b: PoolImage) -> Request:
    return jd_pair(run.gen, a, b) if api == "jd" else match_pair(run.gen, a, b)


@register(STATELESS, "swap-symmetry", "A vs B and B vs A agree within tolerance", share=0.5)
def build_swap(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    images = pool_image(run.gen.pool)

    @given(st.tuples(images, images).filter(lambda p: p[0].sha256 != p[1].sha256))
    def swapped_pair_agrees(images: tuple[PoolImage, PoolImage]) -> None:
        ab, ba = pair(run, api, *images), pair(run, api, images[1], images[0])
        _, x = run.answer(prop, ab)
        second, y = run.answer(prop, ba)
        run.fail(prop, swap_symmetry(api, x, y), ba, second)

    return swapped_pair_agrees


@register(
    STATELESS,
    "self-match",
    "an image compared with itself passes the documented threshold",
    share=0.5,
)
def build_self_match(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    threshold = run.contract.success_threshold("match")

    @given(pool_image(run.gen.pool))
    def image_matches_itself(image: PoolImage) -> None:
        request = pair(run, api, image, image)
        exchange, found = run.answer(prop, request)
        problems = refused_as_invalid(found, "self-match")
        run.fail(prop, problems + self_match(api, found, threshold), request, exchange)

    return image_matches_itself


def skip_fast_engine(run: Run) -> str | None:
    if run.engine == "fast":
        return (
            "the fast engine compares byte hashes, not faces: a re-encoded image is a stranger to "
            "it (run with --engine dlib or against a live target)"
        )
    return None


@register(
    STATELESS,
    "reencoding-matches",
    "a re-encoded face (jpg<->png, mild resize) still matches",
    skip=skip_fast_engine,
    share=0.5,
)
def build_reencoding(run: Run, prop: str) -> Callable[[], None]:
    api = prop.split(":")[0]
    faces_dir = run.gen.pool.faces_dir
    limits = limits_for(api, run.contract, safe=True)

    @given(pool_image(run.gen.pool, faces_only=True), st.sampled_from(REENCODINGS))
    def reencoded_face_still_matches(image: PoolImage, op: str) -> None:
        data = render(f"{image.name}|{op}", faces_dir)
        if not limits.fits(data, sniff_format(data)):  # a big face as PNG can outgrow the limit
            smaller = f"{image.name}|fit:320"
            image = PoolImage(smaller, render(smaller, faces_dir), image.identity)
            data = render(f"{image.name}|{op}", faces_dir)
        other = PoolImage(f"{image.name}|{op}", data, image.identity)
        request = pair(run, api, image, other)
        exchange, found = run.answer(prop, request)
        problems = refused_as_invalid(found, "reencoding-matches")
        run.fail(prop, problems + reencoding(found, op), request, exchange)

    return reencoded_face_still_matches


def stateless_properties() -> list[Property]:
    """Each api's in turn, cheap ones first."""
    return sorted(STATELESS, key=lambda p: p.api != "match")
