"""The strategies generate what they say: valid requests pass the spec validators, invalid ones
break exactly the rule they are labelled with, and bad arguments fail when a strategy is built."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.emulator import EmulatorSettings, valid_id_number
from harness.fuzz import RULES, InvalidCase, Request, image_pool, render, strategies
from harness.fuzz._body import Body, label
from harness.fuzz._client import FRESH_LIVE_CODE
from harness.fuzz._valid import jd_pair, jd_requests
from harness.imaging import ImageRejected, inspect_image

QUICK = settings(
    max_examples=40, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MAX_PIXELS = EmulatorSettings().max_pixels

AUTH_RULES = {"bad-token", "bad-appkey", "bad-timestamp", "bad-sign", "sign-case"}
BYTE_RULES = {
    "wrong-magic": {"not_image", "unsupported_format"},
    "truncated-image": {"truncated"},
    "decompression-bomb": {"too_many_pixels"},
    "huge-dimensions": {"too_many_pixels"},
}


def _label(path: Any) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "body"


def _related(a: str, b: str) -> bool:
    """One path lies inside the other (errors of oneOf/allOf are reported at an ancestor)."""
    if "body" in (a, b) or a == b:
        return True
    return any(x.startswith(y + sep) for x, y in ((a, b), (b, a)) for sep in (".", "["))


def _errors(contract: Any, request: Request, body: Any = None) -> list[Any]:
    """Spec errors of the body as sent: the fresh-liveCode placeholder becomes an issued code
    (FuzzClient)."""
    op = contract.operation(request.operation)
    body = request.json if body is None else body
    if isinstance(body, dict) and body.get("liveCode") == FRESH_LIVE_CODE:
        body = {**body, "liveCode": "2312"}
    return list(contract.spec(request.api).validator(op.request_schema).iter_errors(body))


def _image_bytes(case: InvalidCase) -> tuple[bytes, Any]:
    parts = [p for p in case.request.images if _related(_label(p.path), case.field)]
    assert parts, f"no image under {case.field}"
    return render(parts[-1].recipe), parts[-1]


def _reject_reason(data: bytes) -> str | None:
    try:
        inspect_image(data, max_pixels=MAX_PIXELS)
    except ImageRejected as exc:
        return exc.reason
    return None


def assert_breaks_exactly_its_rule(contract: Any, case: InvalidCase) -> None:
    request, rule = case.request, case.rule
    api = request.api
    assert rule in RULES and api in RULES[rule].apis
    assert case.codes and all(contract.codes.get(api, case.where, c) for c in case.codes), case
    if rule in AUTH_RULES:
        assert case.field == "auth" and request.auth_mode not in ("token", "signed")
        assert not _errors(contract, request), "an auth case must carry a valid body"
    elif rule == "not-json":
        assert request.raw_body is not None
        try:
            parsed = json.loads(request.raw_body)
        except ValueError:
            return
        assert not isinstance(parsed, dict)
    elif rule == "deep-json":
        placeholder, spec = request.splice or ("", "")
        body = json.loads(json.dumps(request.json).replace(json.dumps(placeholder), "{}"))
        assert not _errors(contract, request, body) and int(spec.split(":")[1]) >= 20_000
    elif rule == "bad-check-digit":
        assert not _errors(contract, request) and not valid_id_number(request.json["idNum"])
    elif rule in BYTE_RULES:
        assert not _errors(contract, request), [e.message[:80] for e in _errors(contract, request)]
        data, part = _image_bytes(case)
        face = request.json.get("faceData") if isinstance(request.json, dict) else None
        if (
            rule == "wrong-magic"
            and part.path == ("faceData", "data")
            and face.get("type") == "video"
        ):
            assert data[4:8] != b"ftyp", "an image must stand where the video is expected"
        else:
            assert _reject_reason(data) in BYTE_RULES[rule], (case, _reject_reason(data))
    elif rule == "oversize" and not _errors(contract, request):
        data, _ = _image_bytes(
            case
        )  # JD: schema-valid base64, decoded size not under 5 MiB (E-020)
        assert api == "jd" and len(data) >= contract.jd_image_max_bytes
    else:
        errors = _errors(contract, request)
        assert errors, f"{case!r} validates, but should break {rule}"
        for error in errors:
            assert _related(_label(error.instance_path), case.field), (
                case,
                _label(error.instance_path),
                error.message[:100],
            )
        if rule == "lip-without-livecode":
            assert all("LipNeedsLiveCode" in map(str, e.schema_path) for e in errors)


@QUICK
@given(strategies.valid_requests())
def test_valid_requests_pass_the_spec_validators(contract: Any, request_: Request) -> None:
    if request_.raw_body is not None:
        assert request_.operation == "liveCode" and request_.raw_body == b""  # E-032: empty body
        return
    if (
        request_.operation == "matchIdno"
    ):  # /idno marks liveCode and videoType 是 (E-008, E-010): always sent
        assert request_.json["liveCode"] == FRESH_LIVE_CODE and request_.json["faceData"].get(
            "videoType"
        )
    if request_.api == "jd":  # 必填 is empty (E-023): a service may require encryptionType
        items = [request_.json["compareImageItem"], *request_.json["collectionImageItems"]]
        assert all(item.get("encryptionType") == "NON" for item in items)
    errors = _errors(contract, request_)
    assert not errors, [e.message[:100] for e in errors]
    for part in request_.images:
        data = render(part.recipe)
        if data[4:8] == b"ftyp":
            continue  # an mp4 clip for faceData.type=video
        info = inspect_image(data, max_pixels=MAX_PIXELS, formats=contract.jd_image_formats)
        assert info.format in ("jpeg", "png")
    if request_.api == "jd":
        offset = request_.auth.offset_ms  # within 有效期5分钟 under every reading: never ahead
        assert abs(offset) < contract.jd_timestamp_window_ms and offset <= 0


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_breaks_exactly_itself(contract: Any, rule: str) -> None:
    @settings(
        max_examples=12, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(strategies.invalid_requests(rules=[rule]))
    def check(case: InvalidCase) -> None:
        assert case.rule == rule
        assert_breaks_exactly_its_rule(contract, case)

    check()


@QUICK
@given(strategies.invalid_requests())
def test_mixed_invalid_requests_are_labelled_right(contract: Any, case: InvalidCase) -> None:
    assert_breaks_exactly_its_rule(contract, case)


def test_metamorphic_pairs_and_pool() -> None:
    pool = image_pool()
    assert pool.faces and pool.synthetic and pool.videos
    assert all(render(i.name) == i.data for i in pool.images)
    assert "bytes" not in repr(pool) and len(repr(pool)) < 200

    @settings(max_examples=10, database=None)
    @given(strategies.image_pairs(distinct=True, faces_only=True))
    def check(pair: Any) -> None:
        assert pair[0].sha256 != pair[1].sha256 and set(pair) <= set(pool.faces)

    check()


def test_jd_pairs_carry_encryption_type(contract: Any) -> None:
    """必填 is empty (E-023): a service may require encryptionType, so the metamorphic pairs a
    service must accept send the documented "NON" too."""
    from harness.fuzz._valid import Gen, jd_pair

    pool = image_pool()
    pair = jd_pair(Gen(contract, pool), pool.faces[0], pool.faces[0])
    items = [pair.json["compareImageItem"], *pair.json["collectionImageItems"]]
    assert [item.get("encryptionType") for item in items] == ["NON", "NON"]


@pytest.mark.parametrize("code", [1162, 100, 43011])
def test_a_wrong_fixed_value_may_get_any_code_e044_names(contract: Any, code: int) -> None:
    """E-044: 1162 (业务参数配置错误) is the closest text for a wrong 固定值; a service
    answering 100 (参数不合法) or 43011 (请求参数不在接受范围) is held to nothing more, even
    where the rule's code is exact."""
    from harness.clients import Exchange
    from harness.fuzz._checks import check_answer

    answer = {"code": "10000", "msg": "查询成功", "result": {"code": code, "msg": "参数不合法!"}}
    exchange = Exchange.read(
        contract, "jd", 200, {"content-type": "application/json"}, json.dumps(answer).encode()
    )

    @settings(max_examples=3, database=None, deadline=None)
    @given(strategies.invalid_requests(rules=["fixed-field"]))
    def check(case: InvalidCase) -> None:
        problems = check_answer(contract, case.request, exchange, case=case, strict=True)
        assert not [p for p in problems if p.check in ("rule_code", "invalid_refused")], problems

    check()


def test_a_missing_image_source_may_get_43011_from_a_live_service(contract: Any) -> None:
    """Review of session 17: no code is tied to an ImageItem without imgBase64/imgArr/imgUrl
    (E-020: 43011 fits as well as 100), so fuzz holds only the emulator to its code, as probe
    FH-L25 fails only 0 and 50; FH-S04 filed a live 43011 as high."""
    from harness.clients import Exchange
    from harness.fuzz._checks import check_answer

    answer = {
        "code": "10000",
        "msg": "查询成功",
        "result": {"code": 43011, "msg": "请求参数不在接受范围"},
    }
    exchange = Exchange.read(
        contract, "jd", 200, {"content-type": "application/json"}, json.dumps(answer).encode()
    )
    seen = []

    @settings(max_examples=25, database=None, deadline=None)
    @given(strategies.invalid_requests("jd", rules=["image-sources"]))
    def check(case: InvalidCase) -> None:
        if "without imgBase64" in case.detail:
            seen.append(case.detail)
            problems = check_answer(contract, case.request, exchange, case=case, strict=case.exact)
            assert not problems, problems

    check()
    assert seen


def test_any_wrong_fixed_value_may_get_43011(contract: Any) -> None:
    """E-044 again, for the schema rules that put another value in a 固定值 field (an empty
    string, a number, look-alike characters): 43011 is among the codes due, beside 100 and 1162."""
    from harness.fuzz._body import fields
    from harness.fuzz._invalid import Ctx
    from harness.fuzz._rules import Codes
    from harness.fuzz._valid import jd_pair

    gen = strategies._gen(contract, None, ())
    face = gen.pool.faces[0]
    request = jd_pair(gen, face, face)
    body = Body(request)
    ctx = Ctx(gen, Codes(contract))
    fixed = [f for f in fields(contract.jd, "faceCompareNew", request.json) if "const" in f.schema]
    assert {str(f.path[-1]) for f in fixed} == set(contract.jd_fixed_fields)
    for f in fixed:
        assert {"100", "1162", "43011"} <= set(ctx.either(body, "x", f).codes), f.path


@settings(max_examples=10, database=None, deadline=None)
@given(strategies.valid_jd_request())
def test_request_repr_is_short(request_: Request) -> None:
    """Hypothesis prints examples; a repr must summarise megabytes of base64, not dump them."""
    text = repr(request_)
    assert len(text) < 2000 and re.search(r"[A-Za-z0-9+/]{200}", text) is None
    assert "sADsk3" not in text, "appAuthorityKey is masked like every credential"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: strategies.invalid_requests("both"), "api must be one of", id="unknown-api"
        ),
        pytest.param(
            lambda: strategies.invalid_requests(rules=["bad-sgin"]),
            "did you mean 'bad-sign'",
            id="misspelt-rule",
        ),
        pytest.param(
            lambda: strategies.invalid_requests("match", rules=["bad-sign"]),
            "does not apply to api 'match'",
            id="rule-of-other-api",
        ),
        pytest.param(
            lambda: strategies.invalid_requests(rules="bad-sign"),
            "list of rule ids",
            id="rules-as-string",
        ),
        pytest.param(
            lambda: strategies.invalid_requests(rules=[]), "selects nothing", id="no-rules"
        ),
        pytest.param(
            lambda: strategies.invalid_requests("jd", operations=["match"]),
            "operations must be among",
            id="operation-of-other-api",
        ),
        pytest.param(
            lambda: strategies.invalid_requests(
                "match", rules=["bad-check-digit"], operations=["liveCode"]
            ),
            "no rule among",
            id="rule-without-operation",
        ),
        pytest.param(
            lambda: strategies.valid_match_request(pool=[b"jpeg"]),
            "such as strategies.image_pool",
            id="pool-not-a-pool",
        ),
        pytest.param(
            lambda: strategies.valid_match_request(contract="specs/"),
            "load_contract()",
            id="contract-not-a-contract",
        ),
        pytest.param(
            lambda: strategies.valid_idno_request(identities=["110105"]),
            "(idNum, name) string pairs",
            id="bad-identities",
        ),
        pytest.param(
            lambda: strategies.valid_jd_request(edge_sizes="yes"),
            "True or False",
            id="edge-sizes-not-bool",
        ),
    ],
)
def test_bad_arguments_fail_when_the_strategy_is_built(build: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        build()


@settings(max_examples=10, database=None, deadline=None)
@given(st.data())
def test_codes_are_read_from_the_code_table(contract: Any, data: st.DataObject) -> None:
    """A rule's codes are looked up by meaning; each exists with the documented category."""
    case = data.draw(strategies.invalid_requests("jd", rules=["bad-sign"]))
    meaning = {"no_sign": "sign empty", "bad_sign": "invalid sign"}[case.request.auth_mode]
    assert [contract.codes.get("jd", "gateway", c).en for c in case.codes] == [meaning]
    case = data.draw(
        strategies.invalid_requests("match", rules=["oversize"], operations=["asyncResult"])
    )
    assert [contract.codes.get("match", "errcode", c).category for c in case.codes] == ["input"]


@pytest.mark.parametrize("api", ["jd", "match"])
def test_an_invalid_request_has_no_second_fault_in_its_other_images(api: str) -> None:
    """A real detector finds no face in a synthetic image, and a service may well judge that
    image before the broken one: its no-face code (1152) would then be a right answer, yet the
    case expects exactly 100. Only the broken image may be a non-face."""
    synthetic = {i.name for i in image_pool().synthetic}

    @settings(max_examples=60, database=None, deadline=None)
    @given(strategies.invalid_requests(api))
    def check(case: InvalidCase) -> None:
        others = [p for p in case.request.images if not label(p.path).startswith(case.field)]
        assert not [p.recipe for p in others if p.recipe.split("|")[0] in synthetic], case.detail

    check()


def test_a_live_service_never_gets_a_serial_number_twice(contract: Any) -> None:
    """serialNo is 随机唯一 (seed 004): a service may refuse a repeat, so the serialNo of every
    request fuzz makes for a live service is new, however often hypothesis repeats its draws."""
    seen: list[str] = []
    live = strategies._gen(contract, None, identities=())  # a URL target: no known identities
    requests = jd_requests(live)

    @QUICK
    @given(st.lists(requests, min_size=1, max_size=3))
    def draw(requests: list[Request]) -> None:
        seen.extend(r.json["serialNo"] for r in requests)

    draw()
    face = live.pool.images[0]
    seen += [jd_pair(live, face, face).json["serialNo"] for _ in range(2)]  # self-match pairs
    assert len(seen) > 40 and len(set(seen)) == len(seen)
    assert all(re.fullmatch(r"[0-9A-Za-z]{8,32}", s) for s in seen)  # valid under every reading


def test_a_valid_internal_request_to_a_live_service_is_valid_under_every_reading(
    contract: Any,
) -> None:
    """`extData ... 附加参数登记,详见接口调用附加信息登记` lets a service accept only the keys
    registered with it, and validateData's `请求示例 {}` lets one refuse an empty body (round-6
    legit variants extdata-registered, validate-needs-json: fuzz's valid-requests filed a high
    finding on each), and `验证人的身份证号` one to refuse a number no GB 11643 公民身份号码 can be
    (idnum-birthdate: a birth date that is no day). A live service gets none of them: extData
    ``{}`` at most, a body of ``{}``, an ID number with a real division code and birth date."""
    import datetime

    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    from harness.fuzz._valid import idno_requests, live_code_requests, match_requests

    def no_person(idnum: Any) -> bool:
        try:
            born = datetime.date(int(idnum[6:10]), int(idnum[10:12]), int(idnum[12:14]))
        except (TypeError, ValueError):
            return True
        return idnum[:2] not in {"11", "31", "44", "33", "51"} or born.year < 1900

    def outside_a_reading(r: Request) -> bool:
        body = r.json if isinstance(r.json, dict) else {}
        idno = r.operation == "matchIdno" and no_person(body.get("idNum"))
        return bool(body.get("extData")) or r.raw_body == b"" or idno

    live = strategies._gen(contract, None, identities=())
    requests = match_requests(live) | idno_requests(live) | live_code_requests(live)
    with pytest.raises(NoSuchExample):
        find(
            requests,
            outside_a_reading,
            settings=settings(max_examples=25, database=None, deadline=None),
        )


def test_a_photo_expected_accepted_is_never_sent_in_lip_mode(contract: Any) -> None:
    """E-081's other reading (`LIP:数字模式,视频需读出指定数字`: LIP needs a video) refuses a photo
    sent with videoType LIP; the benchmark's readings run caught fuzz filing the emulator serving
    that reading (its invalid cases' base carried a LIP photo, so the code was the reading's, not
    the broken rule's). A valid request's photo is SILENT or has no videoType."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    from harness.fuzz._valid import idno_requests, match_requests

    def lip_photo(r: Request) -> bool:
        face = (r.json if isinstance(r.json, dict) else {}).get("faceData") or {}
        return face.get("type") == "image" and face.get("videoType") == "LIP"

    gen = strategies._gen(contract, None)
    with pytest.raises(NoSuchExample):
        find(
            match_requests(gen) | idno_requests(gen),
            lip_photo,
            settings=settings(max_examples=80, database=None, deadline=None),
        )


def test_a_jd_request_expected_accepted_is_never_signed_ahead(contract: Any) -> None:
    """`timestamp有效期5分钟` may run forward from the timestamp only (legit_variants jd-past-only
    refuses a future one with 10045): fuzz's JD requests never carry a future timestamp, so no
    invalid case built on them is refused at the gateway for it."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    requests = jd_requests(strategies._gen(contract, None, identities=()))
    with pytest.raises(NoSuchExample):
        find(
            requests,
            lambda r: r.auth.offset_ms > 0,
            settings=settings(max_examples=60, database=None, deadline=None),
        )


def test_the_oversize_rule_has_an_idno_face_data_case_of_its_own() -> None:
    """`base64内容需在400k以内` stands in /idno's faceData row too (conformance's FH-L16): one of
    the oversize rule's cases always puts /idno's faceData over 400k under every reading (E-012:
    over 409,600 decoded bytes), so the rule's few examples in a run reach it (seed 1's ten
    once sent none, and a service accepting one passed)."""
    from harness.fuzz._invalid import invalid_cases, mutators_for
    from harness.fuzz._rules import Codes

    gen = strategies._gen(None, None)
    pairs = mutators_for("match", ("matchIdno",), ("oversize",))
    always: list[bool] = []
    for pair in pairs:
        seen: list[bool] = []

        @settings(QUICK, max_examples=5)  # each case renders a 400 KB image
        @given(invalid_cases(gen, Codes(gen.contract), (pair,)))
        def draw(case: InvalidCase) -> None:
            data = case.request.json["faceData"]["data"]
            decoded = len(data) * 3 // 4 - data.count("=")
            seen.append(case.field == "faceData" and decoded > 409_600)

        draw()
        always.append(all(seen))
    assert any(always), "no /idno case of the oversize rule always oversizes faceData"


def test_a_live_jd_service_may_compare_two_faces_only(contract: Any) -> None:
    """`计算两张脸的相似程度` lets a service take one collection image only (E-066; legit_variants
    jd-one-item answers a longer list 43011 请求参数不在接受范围): fuzz filed a high
    valid_request_accepted on a valid request of 2..5 items and high rule_code findings (43011
    where 100 was due) on invalid cases built on one. A live service's valid requests carry one
    item; an invalid case with more may be refused 43011 too; the emulator keeps E-024's 1 to 5."""
    from harness.fuzz._invalid import Expect, one_item
    from harness.fuzz._rules import Codes

    live, emulator = strategies._gen(contract, None, identities=()), strategies._gen(contract, None)
    drawn: list[Request] = []

    @settings(QUICK, max_examples=3)
    @given(jd_requests(live))
    def one(request: Request) -> None:
        assert len(request.json["collectionImageItems"]) == 1
        drawn.append(request)

    one()
    item = drawn[0].json["collectionImageItems"][0]
    many = drawn[0].with_json(("collectionImageItems",), [item, item])
    codes = Codes(contract)
    expect = Expect("x", "business", (codes.jd_invalid,), True)
    widened = one_item(live, codes, many, expect)
    assert widened.codes == (codes.jd_invalid, codes.jd_range) and widened.exact
    assert one_item(live, codes, drawn[0], expect) == expect
    assert one_item(emulator, codes, many, expect) == expect


def test_a_live_jd_service_gets_its_images_as_base64(contract: Any) -> None:
    """`imgArr byte[] 图像byte[]数组` names no range (E-078): a Go service reads a byte as 0..255
    and refuses Java's -128..127, a strict Java one the other way (legit_variants imgarr-unsigned,
    imgarr-signed: fuzz filed a high valid_request_accepted on each). A live service's valid
    requests carry imgBase64; the emulator still gets imgArr in both forms."""
    live, emulator = strategies._gen(contract, None, identities=()), strategies._gen(contract, None)
    sources: dict[str, set[str]] = {"live": set(), "emulator": set()}

    def items(request: Request) -> list[dict[str, Any]]:
        return [*request.json["collectionImageItems"], request.json["compareImageItem"]]

    @settings(QUICK, max_examples=30)
    @given(st.sampled_from(["live", "emulator"]).flatmap(
        lambda name: st.tuples(st.just(name), jd_requests(live if name == "live" else emulator))
    ))  # fmt: skip
    def draw(drawn: tuple[str, Request]) -> None:
        name, request = drawn
        sources[name] |= {s for item in items(request) for s in item if s.startswith("img")}

    draw()
    assert sources["live"] == {"imgBase64", "imgType"}
    assert "imgArr" in sources["emulator"]
