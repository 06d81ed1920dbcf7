"""Valid and edge-of-valid requests for every operation, every limit read from the contract."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from harness.clients import VALID, Auth, ImagePart, Request
from harness.contract import Contract
from harness.faces import PoolImage
from harness.imaging import encode_image
from harness.redact import Pretty

from ._body import conforms
from ._client import FRESH_LIVE_CODE
from ._pool import ImagePool, render

# Characters that are legal in free-text fields and tend to break naive services.
_TRICKY = "\u0000\u0007\u200b\u200e\u202e\ufeff\U0001f600\u00e9\u5f20\u4e09\"\\/<>&'%"


@dataclass(frozen=True)
class Gen(Pretty):
    """What generation needs: the contract, the image pool, identities known to the target."""

    contract: Contract
    pool: ImagePool
    identities: tuple[tuple[str, str], ...] = ()
    edge_sizes: bool = True
    # a token of one character: "bad_token:truncated" sends it cut to nothing, an empty header
    cut_token_empty: bool = False

    def __repr__(self) -> str:
        return (
            f"Gen({self.pool!r}, identities={len(self.identities)}, edge_sizes={self.edge_sizes})"
        )

    def request(
        self,
        operation_id: str,
        body: Any,
        images: Sequence[ImagePart] = (),
        auth: Auth = VALID,
        raw_body: bytes | None = None,
    ) -> Request:
        op = self.contract.operation(operation_id)
        method = op.method.upper()
        return Request(
            op.api, operation_id, method, op.path, body, raw_body, auth, images=(*images,)
        )

    @property
    def lip_condition(self) -> dict[str, str]:
        """The faceData values that make liveCode required (the spec's LipNeedsLiveCode)."""
        lip = self.contract.match.schemas["LipNeedsLiveCode"]
        props = lip["if"]["properties"]["faceData"]["properties"]
        return {k: str(v["const"]) for k, v in props.items()}


@st.composite
def pool_image(draw: st.DrawFn, pool: ImagePool, *, faces_only: bool = False) -> PoolImage:
    choices = pool.faces if faces_only or not pool.synthetic else pool.images
    return draw(st.sampled_from(choices))


@st.composite
def _image_bytes(draw: st.DrawFn, gen: Gen, at_limit: int | None = None) -> tuple[str, bytes]:
    """A pool image; rarely (the last index, so shrinking moves away from it) one padded
    to exactly ``at_limit`` bytes: valid, but at the documented size limit."""
    rare = 3 * len(gen.pool.images)
    if at_limit is not None and gen.edge_sizes and draw(st.integers(0, rare)) == rare:
        recipe = f"{gen.pool.faces[0].name}|pad:{at_limit}"
        return recipe, render(recipe)
    image = draw(st.sampled_from(gen.pool.images))
    return image.name, image.data


def image_value(
    path: tuple[str | int, ...], recipe: str, data: bytes, encoding: str = "b64"
) -> tuple[Any, ImagePart]:
    return encode_image(data, encoding), ImagePart(path, recipe, encoding)


# --- internal API (seed 000) ---------------------------------------------------------------
def ext_data(gen: Gen) -> st.SearchStrategy[dict[str, Any]]:
    """Any object within the spec for the emulator; ``{}`` for a live service: `附加参数登记,
    详见接口调用附加信息登记` lets a service accept only the keys registered with it, which no
    document names (E-017), so an empty one is the only extData valid under every reading."""
    if not gen.identities:
        return st.just({})
    limit = int(gen.contract.match.schemas["ExtData"].get("maxProperties", 32))
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | st.text(_TRICKY, max_size=12)
        | st.text(max_size=12)
    )
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )
    keys = st.text(max_size=16) | st.text(_TRICKY, min_size=1, max_size=8)
    sized = st.dictionaries(keys, values, max_size=limit)
    full = st.dictionaries(
        st.text(min_size=1, max_size=8), st.integers(), min_size=limit, max_size=limit
    )
    return sized | full


def live_codes(gen: Gen) -> st.SearchStrategy[str]:
    schema = gen.contract.match.schemas["LiveCode"]
    return st.from_regex(gen.contract.livecode_pattern, fullmatch=True).filter(
        lambda s: conforms(schema, s)
    )


@st.composite
def face_data(
    draw: st.DrawFn, gen: Gen, *, video: bool = True, lip: bool = True
) -> tuple[dict[str, Any], list[ImagePart]]:
    """faceData: an image, or (``video``) an mp4 clip, SILENT or (``lip``) LIP mode."""
    kind = (
        draw(st.sampled_from(gen.contract.enum("match", "FaceData", "type"))) if video else "image"
    )
    video_types = gen.contract.enum("match", "FaceData", "videoType")
    part: dict[str, Any] = {"type": kind}
    if kind == "video":
        clip = draw(st.sampled_from(gen.pool.videos))
        recipe, data = clip.name, clip.data
        modes = [m for m in video_types if lip or m != gen.lip_condition["videoType"]]
        video_type = draw(st.none() | st.sampled_from(modes))
    else:
        recipe, data = draw(_image_bytes(gen))
        # ignored for images (E-010), but a photo in LIP mode is refused under E-081's other
        # reading (LIP needs a video): the default, SILENT, or none, valid under every reading
        modes = [m for m in video_types if m != gen.lip_condition["videoType"]]
        video_type = draw(st.none() | st.sampled_from(modes))
    if video_type is not None:
        part["videoType"] = video_type
    if draw(st.booleans()):
        part["origin"] = "self"
    part["data"], image = image_value(("faceData", "data"), recipe, data)
    return part, [image]


@st.composite
def _common(draw: st.DrawFn, gen: Gen, body: dict[str, Any], async_: bool) -> None:
    if async_ and draw(st.booleans()):
        body["async"] = draw(st.booleans())
    if draw(st.booleans()):
        body["extData"] = draw(ext_data(gen))
    face = body.get("faceData") or {}
    lip = all(face.get(k) == v for k, v in gen.lip_condition.items())
    if lip or draw(st.booleans()):  # LIP requires it (E-008), else ignored
        body["liveCode"] = draw(live_codes(gen))


@st.composite
def match_requests(
    draw: st.DrawFn, gen: Gen, *, video: bool = True, lip: bool = True, async_: bool = True
) -> Request:
    # at the limit: the most base64 within "400k" under every reading (E-012)
    recipe, data = draw(_image_bytes(gen, gen.contract.match_base64_safe_chars // 4 * 3))
    image: dict[str, Any] = {"origin": "self"} if draw(st.booleans()) else {}
    image["data"], ref = image_value(("image", "data"), recipe, data)
    face, parts = draw(face_data(gen, video=video, lip=lip))
    body: dict[str, Any] = {"image": image, "faceData": face}
    draw(_common(gen, body, async_))
    return gen.request("match", body, [ref, *parts])


# real administrative division codes (GB/T 2260): Beijing Chaoyang, Shanghai Xuhui, Shenzhen
# Nanshan, Hangzhou Xihu, Chengdu Wuhou
_REGIONS = ("110105", "310104", "440305", "330106", "510107")


def valid_id_numbers(lowercase_x: bool = True, lifelike: bool = False) -> st.SearchStrategy[str]:
    """GB 11643-valid numbers; ``lowercase_x`` also spells the check character x (the spec's pattern
    admits it, E-044), which only the emulator is held to: a live service gets X. ``lifelike``
    (a live service): a real division code and a birth date that is a day in 1900..2005, as
    GB 11643 builds a 公民身份号码: a service may hold `验证人的身份证号` to being one (E-009)."""
    from harness.emulator import check_char

    def finish(first17: str, lower: bool) -> str:
        check = check_char(first17)
        return first17 + (check.lower() if lower else check)

    digits = st.text("0123456789", min_size=17, max_size=17)
    if lifelike:
        born = st.dates(datetime.date(1900, 1, 1), datetime.date(2005, 12, 31))
        digits = st.builds(
            lambda region, day, order: f"{region}{day:%Y%m%d}{order}",
            st.sampled_from(_REGIONS),
            born,
            st.text("0123456789", min_size=3, max_size=3),
        )
    return st.builds(finish, digits, st.booleans() if lowercase_x else st.just(False))


def names(gen: Gen) -> st.SearchStrategy[str]:
    """Names within the spec; against a live service (no known identities) plain 2-4 character
    Chinese names only, since the spec's 64-character limit and alphabet are faceharness'
    (E-043)."""
    if not gen.identities:
        return st.text("张王李赵刘陈杨黄周吴三四明华伟芳", min_size=2, max_size=4)
    schema = gen.contract.property_schema("match", "IdnoRequest", "name")
    text = st.text(min_size=schema["minLength"], max_size=schema["maxLength"]) | st.text(
        _TRICKY, min_size=schema["minLength"], max_size=schema["maxLength"]
    )
    return text.filter(lambda s: conforms(schema, s))


@st.composite
def idno_requests(
    draw: st.DrawFn,
    gen: Gen,
    *,
    video: bool = True,
    lip: bool = True,
    async_: bool = True,
    known: bool = False,
) -> Request:
    """``known``: always an identity the target knows (so later checks are reached)."""
    if gen.identities and (known or draw(st.booleans())):
        # X as GB 11643 writes it: valid under every reading (E-044)
        id_num, name = draw(st.sampled_from(gen.identities))
    else:
        id_num, name = (
            draw(valid_id_numbers(bool(gen.identities), lifelike=not gen.identities)),
            draw(names(gen)),
        )
    face, parts = draw(face_data(gen, video=video, lip=lip))
    # /idno marks videoType 是 (E-010): sent always, the documented default
    face.setdefault("videoType", "SILENT")
    body: dict[str, Any] = {"idNum": id_num, "name": name, "faceData": face}
    if draw(st.booleans()):
        body["personType"] = draw(
            st.sampled_from(gen.contract.enum("match", "IdnoRequest", "personType"))
        )
    draw(_common(gen, body, async_))
    # /idno marks liveCode 是 (E-008): a freshly issued one, valid under every reading
    body["liveCode"] = FRESH_LIVE_CODE
    return gen.request("matchIdno", body, parts)


@st.composite
def live_code_requests(draw: st.DrawFn, gen: Gen) -> Request:
    """``{}`` or an empty body (ERRATA E-032) for the emulator; ``{}`` for a live service: the
    table's only row is `无`, but its `请求示例` is ``{}``, so a service may hold the body to
    being that JSON object, and only ``{}`` is valid under every reading."""
    empty = bool(gen.identities) and draw(st.booleans())
    return gen.request("liveCode", {}, raw_body=b"" if empty else None)


# --- JD faceCompareNew (seed 004) ----------------------------------------------------------
# a run's counter and a random part, digits alone: what a serialNo looks like to a service (a
# number to a JSON mapper's type inference, or not) is then what hypothesis drew after them, the
# same when it replays the example (hex made about 6 % of them all digits at random: a failure
# hypothesis could not repeat, whose state machine's replay drew on, FlakyStrategyDefinition)
_SERIALS = (f"{n:06d}{uuid.uuid4().int % 10**6:06d}" for n in itertools.count(1))


def serial_numbers(gen: Gen) -> st.SearchStrategy[str]:
    """serialNo is only 随机唯一: the spec's pattern is faceharness' (E-043), so a live service gets
    short alphanumeric ones (valid under every reading), each sent once (`fresh_serial`); the
    emulator the pattern's whole range."""
    schema = gen.contract.property_schema("jd", "CompareRequest", "serialNo")
    if not gen.identities:
        # 随机唯一: a service may refuse a repeat, so no two calls share one (hypothesis repeats
        # its simplest draws): a fixed-width counter and a random part come first
        alphanumeric = string.digits + string.ascii_uppercase + string.ascii_lowercase
        return st.text(alphanumeric, max_size=20).map(lambda s: f"{next(_SERIALS)}{s}")
    return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: conforms(schema, s))


@st.composite
def image_item(
    draw: st.DrawFn, gen: Gen, path: tuple[str | int, ...], at_limit: int | None = None
) -> tuple[dict[str, Any], ImagePart]:
    enum = gen.contract.enum
    # a kind of picture a face is on: a service may refuse IDN, the back of an ID card (E-094)
    item: dict[str, Any] = {"imgType": draw(st.sampled_from(gen.contract.jd_face_img_types))}
    # always sent: 必填 is empty (E-023), so a service may require it (valid under every reading)
    item["encryptionType"] = draw(st.sampled_from(enum("jd", "ImageItem", "encryptionType")))
    recipe, data = draw(_image_bytes(gen, at_limit))
    # `imgArr byte[]` names no range: a live service may read a byte as 0..255 (Go's []byte) or
    # as Java's -128..127 and refuse the other (E-078), so it gets the base64 (valid under both);
    # the emulator gets 0..255, which its default and its alternative (unsigned-only) both take
    # (Java's -128..127 reaches it through FH-A20, in fuzz's rule-probes)
    whole = len(data) > 200_000 or not gen.identities
    source = "imgBase64" if whole else draw(st.sampled_from(["imgBase64", "imgArr"]))
    encoding = "b64" if source == "imgBase64" else "bytes"
    item[source], part = image_value((*path, source), recipe, data, encoding)
    return item, part


@st.composite
def jd_requests(draw: st.DrawFn, gen: Gen) -> Request:
    lo, hi = gen.contract.jd_collection_bounds
    # a live service may compare two faces only (计算两张脸的相似程度, E-066): one item is valid
    # under every reading; the emulator takes E-024's 1 to 5
    count = draw(st.integers(lo, hi)) if gen.identities else 1
    drawn = [draw(image_item(gen, ("collectionImageItems", i))) for i in range(count)]
    items, parts = [item for item, _ in drawn], [part for _, part in drawn]
    # at the limit: the largest image "小于5M" under every reading (E-020)
    compare, part = draw(image_item(gen, ("compareImageItem",), gen.contract.jd_image_safe_bytes))
    body: dict[str, Any] = {
        **gen.contract.jd_fixed_fields,
        "collectionImageItems": items,
        "compareImageItem": compare,
        "serialNo": draw(serial_numbers(gen)),
    }
    # mostly now; sometimes near the old end of the window (E-019), with 30 s for clock skew.
    # Never in the future: `timestamp有效期5分钟` may run forward from the timestamp only, and a
    # service refusing a future one follows the document (legit_variants jd-past-only)
    edge = gen.contract.jd_timestamp_window_ms - 30_000
    offset = draw(st.sampled_from([0, 0, 0, -edge, -edge]))
    return gen.request("faceCompareNew", body, [*parts, part], auth=Auth(offset_ms=offset))


def valid_requests(gen: Gen, api: str) -> st.SearchStrategy[Request]:
    """A valid request for any operation of ``api`` (``all``: both) but asyncResult (it needs a
    traceNo: see the state machines)."""
    parts = []
    if api in ("match", "all"):
        parts += [match_requests(gen), idno_requests(gen), live_code_requests(gen)]
    if api in ("jd", "all"):
        parts.append(jd_requests(gen))
    return st.one_of(parts)


# --- plain pairs for the metamorphic properties --------------------------------------------
def match_pair(gen: Gen, a: PoolImage, b: PoolImage) -> Request:
    body = {
        "image": {"data": encode_image(a.data, "b64")},
        "faceData": {"type": "image", "data": encode_image(b.data, "b64")},
    }
    parts = [ImagePart(("image", "data"), a.name), ImagePart(("faceData", "data"), b.name)]
    return gen.request("match", body, parts)


def jd_pair(gen: Gen, a: PoolImage, b: PoolImage, serial: str | None = None) -> Request:
    """``a`` compared with ``b``; without ``serial``, a serialNo no other call had (随机唯一)."""
    kinds = gen.contract.enum("jd", "ImageItem", "imgType")
    non = gen.contract.enum("jd", "ImageItem", "encryptionType")[0]  # sent: E-023, as image_item
    body = {
        **gen.contract.jd_fixed_fields,
        "collectionImageItems": [
            {"imgType": kinds[0], "encryptionType": non, "imgBase64": encode_image(b.data, "b64")}
        ],
        "compareImageItem": {
            "imgType": kinds[-1],
            "encryptionType": non,
            "imgBase64": encode_image(a.data, "b64"),
        },
        "serialNo": serial or f"{next(_SERIALS)}pair",
    }
    collection = ImagePart(("collectionImageItems", 0, "imgBase64"), b.name)
    compare = ImagePart(("compareImageItem", "imgBase64"), a.name)
    return gen.request("faceCompareNew", body, [collection, compare])


def lip_request(gen: Gen, code: str | None) -> Request:
    """A LIP-mode video comparison carrying ``code`` (or, with None, no liveCode at all)."""
    plain = match_pair(gen, gen.pool.images[0], gen.pool.videos[0])
    body = {**plain.json, "faceData": {**gen.lip_condition, "data": plain.json["faceData"]["data"]}}
    return dataclasses.replace(plain, json=body | ({} if code is None else {"liveCode": code}))
