"""fuzz's bad-token case with a token of one character: cut, it is no token at all."""

from __future__ import annotations

from typing import Any

from harness.faces import PoolImage
from harness.fuzz._body import Body
from harness.fuzz._invalid import Codes, Ctx, bad_token
from harness.fuzz._valid import Gen, ImagePool
from harness.imaging import builtin_faces


def test_a_one_character_token_cut_expects_the_missing_token_code(contract: Any) -> None:
    """``FACEHARNESS_TOKEN=t``: ``bad_token:truncated`` sent an empty token and filed a high seed
    finding (rule_code) for 40001 缺少授权token, "the contract assigns 40002": the code the same
    run demands for an empty Authorization header (``no_token:empty``)."""
    face = builtin_faces()[0]
    pool = ImagePool((PoolImage(f"builtin:{face.name}", face.data),), (), ())
    codes = Codes(contract)
    for short, code in ((True, codes.match_no_token), (False, codes.match_bad_token)):
        gen = Gen(contract, pool, cut_token_empty=short)
        body = Body(gen.request("liveCode", {}))
        expect = bad_token(lambda _s: "bad_token:truncated", Ctx(gen, codes), body)
        assert expect.codes == (code,), short
