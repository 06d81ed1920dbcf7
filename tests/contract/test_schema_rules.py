"""Rules of the documents as the specs express them (each pinned by an erratum)."""

from __future__ import annotations

import pytest

B64 = "/9j/4AAQSkZJRg=="


def _valid(contract, api, schema, value) -> bool:
    return contract.spec(api).validator(schema).is_valid(value)


def _match(**over):
    body = {"image": {"data": B64}, "faceData": {"type": "image", "data": B64}}
    body.update(over)
    return body


def test_lip_without_livecode_is_invalid_and_silent_without_is_valid(contract):
    lip = {"type": "video", "videoType": "LIP", "data": B64}
    assert not _valid(contract, "match", "MatchRequest", _match(faceData=lip))
    assert _valid(contract, "match", "MatchRequest", _match(faceData=lip, liveCode="1234"))
    silent = {"type": "video", "videoType": "SILENT", "data": B64}
    assert _valid(contract, "match", "MatchRequest", _match(faceData=silent))
    idno = {"idNum": "11010519491231002X", "name": "张三", "faceData": lip}
    assert not _valid(contract, "match", "IdnoRequest", idno)
    assert _valid(contract, "match", "IdnoRequest", {**idno, "faceData": silent})


def test_videotype_optional_and_never_empty(contract):
    assert _valid(
        contract, "match", "MatchRequest", _match(faceData={"type": "video", "data": B64})
    )
    assert _valid(
        contract,
        "match",
        "MatchRequest",
        _match(faceData={"type": "image", "videoType": "SILENT", "data": B64}),
    )
    assert not _valid(
        contract,
        "match",
        "MatchRequest",
        _match(faceData={"type": "video", "videoType": "", "data": B64}),
    )
    assert not _valid(
        contract,
        "match",
        "MatchRequest",
        _match(faceData={"type": "image", "origin": "", "data": B64}),
    )
    assert not _valid(contract, "match", "MatchRequest", _match(image={"origin": "", "data": B64}))


@pytest.mark.parametrize("operation", ["match", "matchIdno"])
def test_a_photos_videotype_is_refused_only_by_a_reading(contract, operation):
    """E-080 (`videoType ... type为video时生效`): a service that never reads a photo's videoType
    takes "" or "NOT_A_MODE" there (legit_variants videotype-ignored-for-photos); a schemathesis
    negative case of it was judged invalid under every reading, a high finding when accepted.
    It is refused only by the default reading now (E-043's family, observed); a video's
    videoType outside the enum stays invalid under every reading (FH-L14, FH-L30 too)."""
    from harness.conformance._st_checks import invalid_only_by_reading

    base = {"idNum": "11010519491231002X", "name": "张三"} if operation == "matchIdno" else {}
    schema = contract.operation(operation).request_schema
    for mode in ("", "NOT_A_MODE"):
        photo = _match(faceData={"type": "image", "videoType": mode, "data": B64}, **base)
        video = _match(faceData={"type": "video", "videoType": mode, "data": B64}, **base)
        if operation == "matchIdno":
            del photo["image"], video["image"]
        assert not _valid(contract, "match", schema, photo)  # the emulator's default refuses it
        assert invalid_only_by_reading(contract, "match", operation, photo) == "E-043", mode
        assert invalid_only_by_reading(contract, "match", operation, video) is None, mode
    assert contract.enum("match", "FaceData", "videoType") == ("SILENT", "LIP")


def test_match_required_fields(contract):
    assert not _valid(
        contract, "match", "MatchRequest", {"faceData": {"type": "image", "data": B64}}
    )
    assert not _valid(contract, "match", "MatchRequest", {"image": {"data": B64}})
    assert not _valid(contract, "match", "MatchRequest", _match(faceData={"data": B64}))
    assert not _valid(
        contract,
        "match",
        "IdnoRequest",
        {"idNum": "11010519491231002X", "faceData": {"type": "image", "data": B64}},
    )


def test_fds_and_uri_shapes(contract):
    assert _valid(
        contract, "match", "MatchRequest", _match(image={"origin": "fds", "data": "bucket/a_1.jpg"})
    )
    assert not _valid(
        contract, "match", "MatchRequest", _match(image={"origin": "fds", "data": "a b.jpg"})
    )
    assert _valid(
        contract,
        "match",
        "MatchRequest",
        _match(image={"origin": "uri", "data": "https://example.test/a.jpg"}),
    )
    assert not _valid(
        contract, "match", "MatchRequest", _match(image={"origin": "uri", "data": "ftp://x/a.jpg"})
    )
    assert not _valid(
        contract, "match", "MatchRequest", _match(image={"origin": "self", "data": "not base64!"})
    )
    assert _valid(contract, "match", "MatchRequest", _match(extData={"channel": "app", "n": 1}))
    assert not _valid(contract, "match", "MatchRequest", _match(extData=[1]))


def test_livecode_request_is_empty_object(contract):
    assert _valid(contract, "match", "LiveCodeRequest", {})
    assert not _valid(contract, "match", "LiveCodeRequest", {"x": 1})
    assert not _valid(
        contract,
        "match",
        "LiveCodeResponse",
        {"errcode": 0, "data": {"status": "SUCCESS", "traceNo": "1", "result": {"code": "12"}}},
    )


def test_answers_other_services_may_send_fit_the_response_schemas(contract):
    """What the documents leave open (tests/fixtures/legit_variants.py serves each): a liveCode of
    more digits (数字验证码 gives no length), /idno's score and success as null when not returned
    (否), JD's optional fields as null (必填 is empty, E-023), on an error and on a success."""
    data = {"status": "SUCCESS", "traceNo": "1"}
    code = {"errcode": 0, "data": {**data, "result": {"code": "06633660"}}}
    assert _valid(contract, "match", "LiveCodeResponse", code)
    failed = {"errcode": 0, "data": {**data, "result": {"success": "false", "score": None}}}
    assert _valid(contract, "match", "MatchResponse", failed)
    assert _valid(
        contract,
        "match",
        "MatchResponse",
        {"errcode": 0, "data": {**data, "result": {"success": None}}},
    )
    nulls = dict.fromkeys(
        (
            "msg",
            "serialNo",
            "timestamp",
            "result",
            "score",
            "similarity",
            "threshold",
            "hacknessVo",
            "imgMap",
        )
    )
    refused = {
        "code": "10000",
        "charge": None,
        "remainTimes": None,
        "remainSeconds": None,
        "msg": None,
    }
    assert _valid(contract, "jd", "CompareResponse", {**refused, "result": {"code": 100, **nulls}})
    assert _valid(contract, "jd", "CompareResponse", {"code": "10047", "result": None})
    # a comparison that ran, what it did not compute null (legit_variants jd-success-nulls)
    ran = {**nulls, "code": 0, "msg": "success", "result": True, "score": 0.93}
    assert _valid(contract, "jd", "CompareResponse", {**refused, "result": ran})


def test_an_imgmap_keyed_otherwise_than_by_imgtype_fits_the_schema(contract):
    """E-092 (round 15): `imgMap Map {"SFF":{...},"IDP":{...}} 采集的图片` gives a Map and an
    example keyed by imgType, no rule for its keys: a service keying each image by where it was
    sent (legit_variants jd-imgmap-indexed) got a high FH-H05 on every comparison. A Map it must
    still be (mutant imgmap-as-list), each entry with its `valid`."""
    ran = {"code": 0, "msg": "success", "result": True, "score": 0.93}
    by_place = {"compare": {"valid": True}, "collection0": {"valid": True, "filename": "C_1"}}
    assert _valid(contract, "jd", "BusinessResult", {**ran, "imgMap": by_place})
    assert _valid(contract, "jd", "BusinessResult", {**ran, "imgMap": {"SFF": {"valid": False}}})
    assert not _valid(contract, "jd", "BusinessResult", {**ran, "imgMap": [{"valid": True}]})
    assert not _valid(contract, "jd", "BusinessResult", {**ran, "imgMap": {"compare": True}})
    assert not _valid(contract, "jd", "BusinessResult", {**ran, "imgMap": {"SFF": {}}})


def test_match_response_rejects_numeric_score(contract):
    ok = {
        "errcode": 0,
        "data": {"status": "SUCCESS", "traceNo": "1", "result": {"success": "true", "score": "99"}},
    }
    assert _valid(contract, "match", "MatchResponse", ok)
    for bad in (
        {"success": "true", "score": 99},
        {"success": True, "score": "99"},
        {"success": "true", "score": "101"},
    ):
        assert not _valid(
            contract, "match", "MatchResponse", {**ok, "data": {**ok["data"], "result": bad}}
        )


def test_success_thresholds_per_operation(contract):
    assert contract.success_threshold("match") == 80
    assert contract.success_threshold("matchIdno") == 70
    assert contract.operation("matchIdno").facts["score_returned"] == "when_success"
    assert contract.match_far_claims == [(70.0, 0.001), (80.0, 0.0001)]


def _jd(**over):
    item = {"imgType": "SFF", "imgBase64": B64}
    body = {
        **{
            k: v
            for k, v in [
                ("businessId", "JDT-NUEHUB-COM-FACE"),
                ("appName", "FACE_ALGORITHM"),
                ("appAuthorityKey", "sADsk3+58E9yf/fUN9DmBA=="),
            ]
        },
        "collectionImageItems": [item],
        "compareImageItem": {**item, "imgType": "IDP"},
        "serialNo": "s-1",
    }
    body.update(over)
    return body


@pytest.mark.parametrize(
    "field",
    [
        "businessId",
        "appName",
        "appAuthorityKey",
        "collectionImageItems",
        "compareImageItem",
        "serialNo",
    ],
)
def test_jd_required_fields(contract, field):
    assert _valid(contract, "jd", "CompareRequest", _jd())
    body = _jd()
    del body[field]
    assert not _valid(contract, "jd", "CompareRequest", body)


def test_jd_fixed_fields_are_the_documented_values(contract, seed_text):
    text = seed_text("004")
    for value in contract.jd_fixed_fields.values():
        assert f'"{value}" 固定值' in text


def test_jd_image_item_needs_exactly_one_source(contract):
    v = lambda item: _valid(contract, "jd", "ImageItem", item)  # noqa: E731
    assert v({"imgType": "SFF", "imgBase64": B64})
    assert v({"imgType": "SFF", "imgUrl": "https://example.test/a.jpg"})
    assert not v({"imgType": "SFF"})
    assert not v({"imgType": "SFF", "imgBase64": B64, "imgArr": [1]})


def test_encryption_type_only_non(contract):
    assert _valid(
        contract, "jd", "ImageItem", {"imgType": "SFF", "imgBase64": B64, "encryptionType": "NON"}
    )
    assert not _valid(
        contract, "jd", "ImageItem", {"imgType": "SFF", "imgBase64": B64, "encryptionType": "AES"}
    )


def test_jd_collection_items_bounds(contract):
    lo, hi = contract.jd_collection_bounds
    item = {"imgType": "SFF", "imgBase64": B64}
    assert (lo, hi) == (1, 5)
    assert _valid(contract, "jd", "CompareRequest", _jd(collectionImageItems=[item] * hi))
    assert not _valid(contract, "jd", "CompareRequest", _jd(collectionImageItems=[item] * (hi + 1)))
    assert not _valid(contract, "jd", "CompareRequest", _jd(collectionImageItems=[]))


def test_jd_thresholds_fall_as_far_gets_stricter(contract):
    [example] = [v for _, kind, _, v in contract.jd.examples() if kind == "response"]
    t = example["result"]["threshold"]
    assert t["e4"] > t["e5"] > t["e6"] > t["e7"]
    assert contract.jd.facts["threshold_kind"] == "distance"
    fmr = contract.jd_threshold_fmr
    assert fmr["e4"] > fmr["e5"] > fmr["e6"] > fmr["e7"]
