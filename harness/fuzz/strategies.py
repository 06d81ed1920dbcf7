"""Hypothesis strategies for both APIs, built from the contract, for the fuzzer and for QA.

Valid requests draw real images from a pool and use valid and edge-of-valid values (limits,
enums, optional fields absent or present) read from ``specs/``. Invalid requests break
exactly one documented rule and say which, with the code(s) the contract assigns.
Arguments are checked when a strategy is built, not when it is drawn from.

Example::

    from hypothesis import given
    from harness.fuzz import strategies

    @given(strategies.valid_match_request())
    def test_match_answers_200(faceharness_target, request_):
        assert faceharness_target.send(request_).status == 200

    @given(strategies.invalid_requests("jd", rules=["bad-sign"]))
    def test_bad_sign_is_refused(faceharness_target, case):
        answer = faceharness_target.send(case.request)
        assert answer.body["code"] in case.codes
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.clients import Request
from harness.contract import Contract, load_contract
from harness.faces import PoolImage

from . import _valid
from ._invalid import OPERATIONS, InvalidCase, invalid_cases, mutators_for
from ._pool import ImagePool, image_pool
from ._rules import RULES as RULES  # the rule ids, for QA properties
from ._rules import Codes, check_rules

APIS = ("match", "jd", "all")


def _gen(
    contract: object, pool: object, identities: object = None, edge_sizes: object = True
) -> _valid.Gen:
    """Generation settings from the arguments, checked when the strategy is built."""
    if not isinstance(edge_sizes, bool):
        raise InvalidArgument(f"edge_sizes must be True or False, got {edge_sizes!r}")
    if contract is not None and not isinstance(contract, Contract):
        what = "a harness.contract.Contract (from load_contract())"
        raise InvalidArgument(f"contract must be {what}, got {type(contract).__name__}")
    images = _pool(pool)
    if identities is None:
        from harness.emulator import DEMO_ID_NUM, DEMO_NAME

        identities = ((DEMO_ID_NUM, DEMO_NAME),)  # the emulator's registry holds it by default
    pairs = (
        tuple(identities)
        if isinstance(identities, Iterable) and not isinstance(identities, str)
        else None
    )
    if pairs is None or not all(
        isinstance(i, tuple) and len(i) == 2 and all(isinstance(x, str) for x in i) for i in pairs
    ):
        raise InvalidArgument(
            "identities must be (idNum, name) string pairs, e.g. [('11010519491231002X', '张三')], "
            f"got {identities!r}"
        )
    return _valid.Gen(contract or load_contract(), images, pairs, edge_sizes)


def _pool(pool: object) -> ImagePool:
    if pool is not None and not isinstance(pool, ImagePool):
        what = "an ImagePool, such as strategies.image_pool(faces_dir)"
        raise InvalidArgument(f"pool must be {what}, got {type(pool).__name__}")
    return pool or image_pool()


def _api(api: object) -> str:
    if api not in APIS:
        raise InvalidArgument(f"api must be one of {', '.join(APIS)}, got api={api!r}")
    return str(api)


def images(
    *, pool: ImagePool | None = None, faces_only: bool = False
) -> st.SearchStrategy[PoolImage]:
    """Images of the pool (faces and synthetic ones, or faces only)."""
    return _valid.pool_image(_pool(pool), faces_only=bool(faces_only))


def image_pairs(
    *, pool: ImagePool | None = None, faces_only: bool = False, distinct: bool = False
) -> st.SearchStrategy[tuple[PoolImage, PoolImage]]:
    """Two pool images (``distinct``: different bytes)."""
    chosen = images(pool=pool, faces_only=faces_only)
    pairs = st.tuples(chosen, chosen)
    return pairs.filter(lambda p: p[0].sha256 != p[1].sha256) if distinct else pairs


def valid_match_request(
    *,
    contract: Contract | None = None,
    pool: ImagePool | None = None,
    video: bool = True,
    lip: bool = True,
    async_: bool = True,
    edge_sizes: bool = True,
) -> st.SearchStrategy[Request]:
    """POST /tech/ai/face/match: image + faceData (image or mp4, SILENT/LIP), optional fields."""
    gen = _gen(contract, pool, edge_sizes=edge_sizes)
    return _valid.match_requests(gen, video=bool(video), lip=bool(lip), async_=bool(async_))


def valid_idno_request(
    *,
    contract: Contract | None = None,
    pool: ImagePool | None = None,
    identities: Iterable[tuple[str, str]] | None = None,
    video: bool = True,
    lip: bool = True,
    async_: bool = True,
) -> st.SearchStrategy[Request]:
    """POST /tech/ai/face/match/idno: known identities (default: the emulator's) or valid
    random ID numbers."""
    return _valid.idno_requests(
        _gen(contract, pool, identities), video=bool(video), lip=bool(lip), async_=bool(async_)
    )


def valid_live_code_request(*, contract: Contract | None = None) -> st.SearchStrategy[Request]:
    """POST /tech/ai/face/match/validateData with ``{}`` or an empty body (E-032)."""
    return _valid.live_code_requests(_gen(contract, None))


def valid_jd_request(
    *, contract: Contract | None = None, pool: ImagePool | None = None, edge_sizes: bool = True
) -> st.SearchStrategy[Request]:
    """POST /jdai/faceCompareNew: 1..5 collection items, base64 or byte arrays, fresh or edge
    timestamps."""
    return _valid.jd_requests(_gen(contract, pool, edge_sizes=edge_sizes))


def valid_requests(
    api: str = "all",
    *,
    contract: Contract | None = None,
    pool: ImagePool | None = None,
    identities: Iterable[tuple[str, str]] | None = None,
) -> st.SearchStrategy[Request]:
    """A valid request for any operation of the api (asyncResult needs a traceNo: see the state
    machines)."""
    return _valid.valid_requests(_gen(contract, pool, identities), _api(api))


def invalid_requests(
    api: str = "all",
    *,
    rules: Iterable[str] | None = None,
    operations: Iterable[str] | None = None,
    contract: Contract | None = None,
    pool: ImagePool | None = None,
    identities: Iterable[tuple[str, str]] | None = None,
) -> st.SearchStrategy[InvalidCase]:
    """Requests that break exactly one rule (see ``RULES``), each an :class:`InvalidCase`.

    Args:
        api: ``match``, ``jd`` or ``all``.
        rules: rule ids to draw from (default: every rule of the api).
        operations: operation ids to draw from (default: every operation of the api).
    """
    api = _api(api)
    chosen_rules = check_rules(rules, api)
    known = OPERATIONS["match"] + OPERATIONS["jd"] if api == "all" else OPERATIONS[api]
    ops = tuple(operations) if operations is not None else known
    unknown = [o for o in ops if o not in known]
    if unknown or not ops:
        raise InvalidArgument(
            f"operations must be among {', '.join(known)} for api {api!r}, got {list(ops)!r}"
        )
    pairs = tuple(mutators_for(api, ops, chosen_rules))
    if not pairs:
        raise InvalidArgument(
            f"no rule among {list(chosen_rules or ())} applies to operations {list(ops)}"
        )
    gen = _gen(contract, pool, identities)
    return invalid_cases(gen, Codes(gen.contract), pairs)


def invalid_match_request(
    *, rules: Iterable[str] | None = None, **kw: Any
) -> st.SearchStrategy[InvalidCase]:
    """Invalid POST /tech/ai/face/match requests."""
    return invalid_requests("match", rules=rules, operations=("match",), **kw)


def invalid_jd_request(
    *, rules: Iterable[str] | None = None, **kw: Any
) -> st.SearchStrategy[InvalidCase]:
    """Invalid POST /jdai/faceCompareNew requests (body rules and gateway auth rules)."""
    return invalid_requests("jd", rules=rules, **kw)
