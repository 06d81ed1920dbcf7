"""Invalid requests: a valid request with exactly one documented rule broken, labelled with the
code(s) the contract assigns. A service judges an image after decoding it, so the documents name
no code for the image rules (``exact=False``) except where the schema itself refuses the value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from harness.clients import Auth, Given, How, ImagePart, Request
from harness.clients._auth import OTHER_FORMULAS, example_timestamp_spellings
from harness.clients._request import JsonPath
from harness.conformance._probes import HOUR_OLD_MS, NEAR_OUTSIDE_MS, timestamp_refusals
from harness.contract import not_fixed, same_key_bytes
from harness.imaging import encode_image
from harness.redact import Pretty

from ._body import JD_SOURCES, WRONG_VALUES, Body, Field, conforms, fields, image_targets, label
from ._pool import render
from ._rules import Codes
from ._valid import Gen, idno_requests, jd_requests, live_codes, match_requests, serial_numbers

MATCH_OPS = ("match", "matchIdno", "liveCode", "asyncResult")
OPERATIONS = {"match": MATCH_OPS, "jd": ("faceCompareNew",)}  # what each api's bodies are


@dataclass(frozen=True)
class InvalidCase(Pretty):
    """A request that breaks exactly one documented rule, and the code(s) it must get.

    Args:
        rule: the rule id (see :data:`harness.fuzz.RULES`).
        detail: what exactly was broken, e.g. ``faceData.videoType = ''``.
        where: ``errcode`` (internal API), ``gateway`` or ``business`` (JD).
        codes: the acceptable codes, read from the contract's code table.
        exact: the documents name the code for this rule; otherwise only the emulator
            (which implements faceharness's decisions) is held to ``codes``.
        field: what was changed: a JSON path such as ``faceData.videoType``, ``auth`` or ``body``.
    """

    request: Request
    rule: str
    detail: str
    where: str
    codes: tuple[str, ...]
    exact: bool = False
    field: str = ""

    def __repr__(self) -> str:
        return (
            f"InvalidCase({self.rule}: {self.detail} -> {self.where} {'|'.join(self.codes)}, "
            f"{self.request!r})"
        )


@dataclass(frozen=True)
class Expect:
    detail: str
    where: str
    codes: tuple[str, ...]
    exact: bool = False


@dataclass(frozen=True)
class Ctx:
    """What a mutator needs; ``pin`` fixes some of its choices (see :class:`Pin`)."""

    gen: Gen
    codes: Codes
    pin: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def pick(self, draw: st.DrawFn, key: str, strategy: st.SearchStrategy[Any]) -> Any:
        """The pinned ``key`` if there is one, else a draw from ``strategy``."""
        return self.pin[key] if key in self.pin else draw(strategy)

    def match(self, detail: str, *codes: str) -> Expect:
        """Never exact: the internal API's codes are faceharness decisions (E-014)."""
        return Expect(detail, "errcode", codes or (self.codes.match_invalid,))

    def jd(self, detail: str, codes: tuple[str, ...] | None = None, exact: bool = True) -> Expect:
        return Expect(detail, "business", codes or (self.codes.jd_invalid,), exact)

    def either(self, body: Body, detail: str, f: Field) -> Expect:
        """The api's invalid-parameter answer; on JD a 固定值 field may get 1162 or 43011 (E-044),
        an enum 43011."""
        if body.request.api != "jd":
            return self.match(detail)
        fixed, in_range = self.codes.jd_fixed, self.codes.jd_range
        extra = ("const", (fixed, in_range)), ("enum", (in_range,))
        codes = dict.fromkeys(c for k, cs in extra if k in f.schema for c in cs)
        return self.jd(detail, (self.codes.jd_invalid, *codes))


Mutate = Callable[[st.DrawFn, Ctx, Body], Expect]
Modes = Callable[[Gen, str], list[dict[str, Any]]]  # (gen, operation) -> the pins to send


def _no_modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
    return []


@dataclass(frozen=True)
class Mutator:
    """``modes``: each of the mutator's discrete choices as a pin for :meth:`Ctx.pick`; every one
    is sent once per run, whatever the seed (a draw among 11 modes in 10 examples misses one a
    third of the time), before the random draws."""

    rule: str
    operations: tuple[str, ...]
    fn: Mutate
    modes: Modes = _no_modes


PIN_MARK = "#"  # an invalid-requests part RULE#N sends the Nth mode of RULE


@dataclass(frozen=True)
class Pin:
    """One mode of a mutator, on one of its operations."""

    operation: str
    mutator: Mutator
    choice: Mapping[str, Any]


def pins_for(gen: Gen, pairs: tuple[tuple[str, Mutator], ...]) -> list[Pin]:
    """Every mode of every mutator in ``pairs``, each once (on the first operation that has it)."""
    pins: dict[tuple[int, str], Pin] = {}
    for op, m in pairs:
        for choice in m.modes(gen, op):
            pins.setdefault((id(m), repr(sorted(choice.items()))), Pin(op, m, choice))
    return list(pins.values())


def _each(key: str, values: Any) -> list[dict[str, Any]]:
    return [{key: v} for v in values]


def _schema_fields(ctx: Ctx, body: Body, keep: Callable[[Field], bool]) -> list[Field]:
    spec = ctx.gen.contract.spec(body.request.api)
    return [
        f
        for f in fields(spec, body.request.operation, body.json)
        if body.has(f.path[:-1]) and isinstance(body.get(f.path[:-1]), dict) and keep(f)
    ]


def _nonempty_text(f: Field) -> bool:
    return f.kind == "string" and not f.is_image and not conforms(f.schema, "")


def _outside(values: list[Any]) -> list[str]:
    """Values outside an enum under every reading: not another letter case of one (the documents
    say nothing of case; a service may upper-case `silent`, as a 固定值, E-044)."""
    out = []
    for v in map(str, values):
        out += [v + "X", v[:-1], "ftp"]
    folded = {str(v).casefold() for v in values}
    return sorted({o for o in out if o and o.casefold() not in folded})


_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
_LOOK_ALIKE = "".join(_FULLWIDTH[c] for c in "abc123")
_INSERTS = ("\u200b", "\u0000", "\u202e", "\n", "\u00a0")


def _unicode_variants(draw: st.DrawFn, ctx: Ctx, body: Body, f: Field) -> list[str]:
    """Look-alikes and control characters in the field's value that its schema refuses."""
    if body.has(f.path) and isinstance(body.get(f.path), str):
        value = str(body.get(f.path))
    elif "enum" in f.schema:
        value = str(f.schema["enum"][0])
    else:
        value = draw(live_codes(ctx.gen)) if f.name == "liveCode" else "abc123"
    mid = max(1, len(value) // 2)
    variants = ["".join(_FULLWIDTH.get(c, c) for c in value)]
    variants += [value[:mid] + ch + value[mid:] for ch in _INSERTS]
    return [v for v in variants if not conforms(f.schema, v)]


def _unicode_modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
    """Each text field every valid body carries, with its first variant (the full-width
    look-alike, beyond ASCII wherever the value has a letter or digit): a draw among eight fields
    and six variants missed a service answering 50 系统错误! for a serialNo beyond ASCII on
    some seeds (a latin1 column)."""
    spec = gen.contract.spec("jd" if operation == "faceCompareNew" else "match")
    sample: dict[str, Any] = {"collectionImageItems": [{}]} if operation == "faceCompareNew" else {}
    always = {(), ("compareImageItem",), ("collectionImageItems", 0), ("faceData",)}
    return [
        {"field": label(f.path), "variant": 0, "on": operation}
        for f in fields(spec, operation, sample)
        if _nonempty_text(f)
        and f.required
        and f.path[:-1] in always
        and not conforms(f.schema, _LOOK_ALIKE)  # a name: any text but blanks is one
    ]


_REMOVED = object()
# rule -> (the fields it may break, their wrong values, what the detail says after the field);
# image sources are only changed where present (adding one would break a second rule)
_FIELD_RULES: dict[str, tuple[Callable[[Body, Field], bool], Any, str]] = {
    "missing-field": (
        lambda body, f: f.required and body.has(f.path),
        lambda *_: [_REMOVED],
        " removed",
    ),
    "wrong-type": (
        lambda body, f: f.kind in WRONG_VALUES and (not f.is_image or body.has(f.path)),
        lambda draw, ctx, body, f: WRONG_VALUES[f.kind],
        " = {v!r} (a {f.kind} is documented)",
    ),
    "enum-outside": (
        lambda body, f: "enum" in f.schema,
        lambda draw, ctx, body, f: _outside(f.schema["enum"]),
        " = {v!r}, not one of {f.schema[enum]}",
    ),
    "empty-string": (lambda body, f: _nonempty_text(f), lambda *_: [""], " = {v!r}"),
    "unicode-control": (lambda body, f: _nonempty_text(f), _unicode_variants, " = {v!r}"),
}


def _field_rule(rule: str) -> Mutate:
    keep, values, detail = _FIELD_RULES[rule]

    def mutate(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
        pinned = ctx.pin.get("field")
        eligible = _schema_fields(ctx, body, lambda f: keep(body, f))
        choices = [(f, wrong) for f in eligible if (wrong := values(draw, ctx, body, f))]
        # a pinned field this body leaves no wrong value (a name any text satisfies): a draw
        choices = [c for c in choices if label(c[0].path) == pinned] or choices
        f, wrong = draw(st.sampled_from(choices))
        value = wrong[0] if "variant" in ctx.pin else draw(st.sampled_from(wrong))
        body.set(f.path, value, delete=value is _REMOVED)
        return ctx.either(body, label(f.path) + detail.format(v=value, f=f), f)

    return mutate


def oversize(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    req, gen = body.request, ctx.gen

    def limited(f: Field) -> bool:  # images: their own branch below; no imgArr over 5 MiB
        return (
            ("maxLength" in f.schema and not f.is_image)
            or "maxProperties" in f.schema
            or ("maxItems" in f.schema and f.name != "imgArr")
        )

    choices = _schema_fields(ctx, body, limited)
    targets = image_targets(req.operation, body.json)
    variant = ctx.pin.get("oversize")
    if variant == "field" and not choices:
        variant = "image"
    if variant == "field":
        pick = draw(st.integers(0, len(choices) - 1))
    elif variant is None:
        pick = draw(st.integers(0, len(choices) + (1 if targets else 0) - 1))
    else:
        pick = len(choices)
    if pick == len(choices):  # an image over its limit
        if variant == "image-second":  # a service checking the first collection image only
            target = _second_item(body)
        else:
            target = draw(st.sampled_from(targets))
        image = gen.pool.faces[0]
        if req.api == "jd":  # "小于5M": exactly 5 MiB is already too big (E-020)
            total = gen.contract.jd_image_max_bytes
            put_image(body, gen, target, f"{image.name}|pad:{total}", encoding="b64")
            return ctx.jd(f"{label(target)} image of {total} bytes", exact=False)
        return _match_image_over(draw, ctx, body, target)
    f = choices[pick]
    if "maxProperties" in f.schema:
        n = int(f.schema["maxProperties"]) + 1
        body.set(f.path, {f"k{i}": i for i in range(n)})
        what = f"{n} properties"
    elif "maxItems" in f.schema:
        n = int(f.schema["maxItems"]) + 1
        items = body.get(f.path)
        body.set(f.path, [items[i % len(items)] for i in range(n)])
        _copy_item_images(body, f.path, len(items), n)
        what = f"{n} items"
    else:
        n = int(f.schema["maxLength"]) + draw(st.integers(1, 40))
        body.set(f.path, "7" * n)
        what = f"{n} characters"
    return ctx.either(body, f"{label(f.path)}: {what}, over its limit", f)


def _oversize_modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
    images = ["image"] if operation in IMAGE_OPS else []
    images += ["image-second"] if operation == "faceCompareNew" else []
    return _each("oversize", ["field", *images])


def _second_item(body: Body) -> JsonPath:
    """The second collection item (a copy of the first where there is one only): two items are
    within collectionImageItems' bounds under every reading."""
    path: JsonPath = ("collectionImageItems",)
    items = body.get(path)
    if len(items) < 2:  # in place: the field changed is the second item's image alone
        items.append(dict(items[0]))
        _copy_item_images(body, path, 1, 2)
    return (*path, 1)


def _copy_item_images(body: Body, path: tuple[str | int, ...], have: int, n: int) -> None:
    """Items repeated to make a list too long carry their images' recipes along."""
    by_index = {p.path[len(path)]: p for p in body.request.images if p.path[: len(path)] == path}
    for i in range(n):
        src = by_index.get(i % have)
        if src is not None:
            body.images.append(
                dataclasses.replace(src, path=(*path, i, *src.path[len(path) + 1 :]))
            )


DEEP = "__fuzz_deep__"
_DEPTHS = (20_000, 50_000, 100_000)


def deep_json(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    """Nesting no real parser accepts (Jackson 1000, Go 10000, CPython ~1000 levels)."""
    depth = ctx.pick(draw, "depth", st.sampled_from(_DEPTHS))
    # JD: not a documented field, the only thing wrong is the depth; the internal API: extData is
    # any JSON object (E-017), this one is absurdly deep
    body.set(("extData",), DEEP)
    if body.request.api == "jd":
        body.splice = (DEEP, f"arr:{depth}")
        return ctx.jd(f"extra property nested {depth} deep", exact=False)
    body.splice = (DEEP, f"obj:{depth}")
    return ctx.match(
        f"extData nested {depth} deep", ctx.codes.match_not_json, ctx.codes.match_invalid
    )


def huge_json(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    """Far beyond any limit: hundreds of (small) items, or a serialNo of a megabyte; for the
    internal API an extData with hundreds of properties."""
    gen = ctx.gen
    if body.request.api == "jd":
        props = gen.contract.jd.schemas["CompareRequest"]["properties"]
        if ctx.pick(draw, "items", st.booleans()):
            most = int(props["collectionImageItems"]["maxItems"])
            n = draw(st.integers(10 * most, 100 * most))
            small = min(gen.pool.images, key=lambda i: len(i.data))
            kind = gen.contract.enum("jd", "ImageItem", "imgType")[0]
            item = {"imgType": str(kind), "imgBase64": encode_image(small.data, "b64")}
            body.set(("collectionImageItems",), [dict(item) for _ in range(n)])
            body.images += [
                ImagePart(("collectionImageItems", i, "imgBase64"), small.name) for i in range(n)
            ]
            return ctx.jd(f"collectionImageItems with {n} items")
        longest = int(props["serialNo"]["maxLength"])
        n = draw(st.integers(1000 * longest, 16_000 * longest))
        body.set(("serialNo",), "9" * n)
        return ctx.jd(f"serialNo of {n} characters")
    limit = int(gen.contract.match.schemas["ExtData"].get("maxProperties", 32))
    n = draw(st.integers(10 * limit, 100 * limit))
    body.set(("extData",), {f"key{i}": "v" * 16 for i in range(n)})
    return ctx.match(f"extData with {n} properties")


_NOT_JSON = (
    b"{",
    b"[]",
    b'"face"',
    b"null",
    b"123",
    b"\xff\xfe{\x00}",
    b'{"image": }',
    b"{'image': 1}",
)


def not_json(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    raw = ctx.pick(draw, "body", st.sampled_from(_NOT_JSON))
    body.raw_body, body.images, body.splice = raw, [], None
    if body.request.api == "jd":
        return ctx.jd(f"body {raw!r}")
    return ctx.match(f"body {raw!r}", ctx.codes.match_not_json)


def extra_field(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    values = st.integers() | st.text(max_size=8)
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=8), values, min_size=1, max_size=3))
    body.json = dict(extra)
    return ctx.match(f"validateData body {extra!r} (it takes no parameters)")


# as conformance's FH-A17: the valid token extended or cut is another token (a service comparing
# prefixes one way or the other takes it); so is an unknown one spelt Bearer (E-016)
# no_token:empty (round 14): an Authorization header sent empty is no token either, and
# ``if token and token not in tokens`` let it through
_TOKENS = (
    "no_token",
    "no_token:empty",
    "bad_token",
    "bad_token:extended",
    "bad_token:truncated",
    "bad_token:bearer",
    "bad_token:lastdigit",  # round 16: the valid one's length (a check of length alone took it)
)


# round 15 (as FH-A17): a comparison sent with async true and no token is refused too (an async
# controller outside the token filter's mapping queued it); pinned alone, never drawn
_ASYNC_PIN = {"token": "no_token", "async": True}


def bad_token(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    mode = ctx.pick(draw, "token", st.sampled_from(_TOKENS))
    body.auth = Auth.from_mode("match", mode)
    # a one-character token cut is none: the empty header's code, as conformance's FH-A17 skips it
    absent = mode.startswith("no_token") or (
        mode == "bad_token:truncated" and ctx.gen.cut_token_empty
    )
    code = ctx.codes.match_no_token if absent else ctx.codes.match_bad_token
    said = f"Authorization: {body.auth.describe('match')}"
    if ctx.pick(draw, "async", st.just(False)) and body.request.operation in ("match", "matchIdno"):
        body.set(("async",), True)
        said += ", async true"
    return ctx.match(said, code)


def bad_check_digit(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    from harness.emulator import check_char

    first17 = str(body.json["idNum"])[:17]
    wrong = draw(st.sampled_from([c for c in "0123456789X" if c != check_char(first17)]))
    body.set(("idNum",), first17 + wrong)
    return ctx.match(
        f"idNum {first17}{wrong}: check digit should be {check_char(first17)}",
        ctx.codes.match_id_check,
    )


def lip_without_livecode(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    gen = ctx.gen
    clip = draw(st.sampled_from(gen.pool.videos))
    body.set(("faceData",), dict(gen.lip_condition))
    body.set_image(("faceData", "data"), clip.name, clip.data)
    if body.has(("liveCode",)):
        body.delete(("liveCode",))
    return ctx.match("faceData LIP video without liveCode", ctx.codes.match_lip)


_OTHER_SOURCE = {"imgBase64": "bytes", "imgArr": "b64", "imgUrl": "b64"}
_UNFETCHABLE = "https://faceharness.invalid/face.jpg"  # a reserved name (RFC 2606): never fetched
# _FETCHED_FIRST: an item with an imgUrl may be fetched before its sources are counted, and the
# fetch fails (1161 图片上传失败!, as conformance's FH-L05 allows): no one code is due for it


def image_sources(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = draw(st.sampled_from(image_targets("faceCompareNew", body.json)))
    image = ctx.gen.pool.images[0]
    choice = ctx.pin.get("sources")
    if choice in ("none-beside", "empty-beside"):  # a service skipping a sourceless (or empty:
        # conformance's FH-L34) item compares the others
        items = body.get(("collectionImageItems",))
        item = {k: v for k, v in items[0].items() if k not in JD_SOURCES}
        items.append(item if choice == "none-beside" else {**item, "imgBase64": ""})
        body.touched.append(("collectionImageItems", len(items) - 1))
        what = "without imgBase64/imgArr/imgUrl" if choice == "none-beside" else "imgBase64 ''"
        return ctx.jd(
            f"collectionImageItems[{len(items) - 1}] {what}, beside an image",
            exact=False,  # no code is tied to a missing source (FH-L25, E-020: 100 or 43011 fit)
        )
    if choice == "arr-url":  # imgArr and imgUrl, no imgBase64: a check that tests imgBase64
        # first (``imgBase64 != null && ...``) passes it (session 26; conformance's FH-L05)
        put_image(body, ctx.gen, target, image.name, encoding="bytes")
        body.set((*target, "imgUrl"), _UNFETCHABLE)
        return ctx.jd(f"{label(target)} with imgArr + imgUrl", exact=False)  # _FETCHED_FIRST
    if choice in [s for s in JD_SOURCES if s in body.get(target)]:  # add it to another source
        put_image(body, ctx.gen, target, image.name, encoding=_OTHER_SOURCE[choice])
    item = body.get(target)
    present = [s for s in JD_SOURCES if s in item]
    extra = [s for s in JD_SOURCES if s not in item]
    if choice is None:
        choice = draw(st.sampled_from(["none", *extra, "all"]))
    if choice == "none":
        for s in present:
            body.delete((*target, s))
        return ctx.jd(f"{label(target)} without imgBase64/imgArr/imgUrl", exact=False)
    adds = extra if choice == "all" else [choice]
    for s in adds:
        if s == "imgUrl":
            body.set((*target, s), _UNFETCHABLE)
        else:
            body.set_image(
                (*target, s), image.name, image.data, "b64" if s == "imgBase64" else "bytes"
            )
    sources = present + adds
    return ctx.jd(f"{label(target)} with {' + '.join(sources)}", exact="imgUrl" not in sources)


def _not_fixed(right: str) -> list[str]:
    """The contract's values conformance's FH-J23 sends too, but those of the same bytes
    (``same_key_bytes``: E-055's other reading takes them; no refusal is due under every one)."""
    return [v for v in not_fixed(right) if not same_key_bytes(right, v)]


def _fixed_modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
    fixed = gen.contract.jd_fixed_fields
    return [{"name": k, "value": v} for k in sorted(fixed) for v in _not_fixed(fixed[k])]


def fixed_field(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    fixed = ctx.gen.contract.jd_fixed_fields
    name = ctx.pick(draw, "name", st.sampled_from(sorted(fixed)))
    value = ctx.pick(draw, "value", st.sampled_from(_not_fixed(fixed[name])))
    body.set((name,), value)
    # 1162 业务参数配置错误 is the closest text; 100 参数不合法 and 43011 请求参数不在接受范围
    # fit as well (E-044)
    codes = (ctx.codes.jd_fixed, ctx.codes.jd_invalid, ctx.codes.jd_range)
    return ctx.jd(f"{name} is not its 固定值", codes)


def out_of_range(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = draw(st.sampled_from(image_targets("faceCompareNew", body.json)))
    image = draw(st.sampled_from(ctx.gen.pool.images))
    put_image(body, ctx.gen, target, image.name, encoding="bytes")
    index = draw(st.integers(0, len(image.data) - 1))
    high = ctx.pick(draw, "high", st.booleans())
    value = draw(st.integers(256, 100_000) if high else st.integers(-100_000, -129))
    body.get((*target, "imgArr"))[index] = value
    return ctx.jd(f"{label(target)}.imgArr[{index}] = {value} (outside -128..255, E-021)")


_BAD_TEXT = ("not base64!", "====", "YWJj*ZGVm", "YW Jj ZGVm", "\u00e9t\u00e9AAAA", "abc")
_BAD_ENCODINGS = ("datauri", "b64lines", "b64nopad")
_OTHER_FORMATS = ("gif", "bmp", "webp", "tiff")
_MAGIC_KINDS = ("format", "noise", "other-media")


def _match_image_over(draw: st.DrawFn, ctx: Ctx, body: Body, target: JsonPath) -> Expect:
    """Over 409,600 decoded bytes: over "400k" under every reading (E-012: 409,600 or 400,000
    characters of base64, 400 KiB or 400 kB of bytes)."""
    total = ctx.gen.contract.match_base64_max_chars + draw(st.integers(1, 3))
    put_image(body, ctx.gen, target, f"{ctx.gen.pool.faces[0].name}|pad:{total}")
    return ctx.match(
        f"{label(target)}.data of {total} bytes: over 400k under every reading (E-012)",
        ctx.codes.match_oversize,
    )


def oversize_face_data(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    """/idno's faceData over "400k": the sentence stands in its origin row too (conformance's
    FH-L16). Its own mutator, so the rule's few examples reach it and not only /idno's other
    fields (a service checking /match's image alone lets it through)."""
    return _match_image_over(draw, ctx, body, ("faceData",))


def put_image(
    body: Body,
    gen: Gen,
    target: JsonPath,
    recipe: str,
    *,
    encoding: str = "b64",
    typed: bool = True,
) -> None:
    """Replace the image at ``target`` (match ``image``/``faceData``, a JD item) with a recipe's
    bytes (``typed``: a faceData says it holds an image)."""
    data = render(recipe, gen.pool.faces_dir)
    if body.request.api == "jd":
        for source in JD_SOURCES:
            if source in body.get(target):
                body.delete((*target, source))
        source = "imgBase64" if encoding.startswith("b64") or encoding == "datauri" else "imgArr"
        body.set_image((*target, source), recipe, data, encoding)
        return
    if target == ("faceData",) and typed:
        body.set(("faceData", "type"), "image")
    body.set_image((*target, "data"), recipe, data, encoding)


def _target(draw: st.DrawFn, body: Body) -> JsonPath:
    return draw(st.sampled_from(image_targets(body.request.operation, body.json)))


def _encoding(draw: st.DrawFn, body: Body) -> str:
    return draw(st.sampled_from(["b64", "bytes", "sbytes"])) if body.request.api == "jd" else "b64"


def _expect(
    ctx: Ctx, body: Body, detail: str, *, exact_jd: bool = False, also: tuple[str, ...] = ()
) -> Expect:
    if body.request.api == "jd":
        return ctx.jd(detail, exact=exact_jd)
    return ctx.match(detail, ctx.codes.match_unusable, *also)


def bad_base64(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    field = (*target, "imgBase64") if body.request.api == "jd" else (*target, "data")
    if "text" in ctx.pin or ("encoding" not in ctx.pin and draw(st.booleans())):
        text = ctx.pick(draw, "text", st.sampled_from(_BAD_TEXT))
        if body.request.api == "jd":
            put_image(body, ctx.gen, target, ctx.gen.pool.images[0].name)
        body.set(field, text)
        return _expect(ctx, body, f"{label(field)} = {text!r}", exact_jd=True)
    encoding = ctx.pick(draw, "encoding", st.sampled_from(_BAD_ENCODINGS))
    image = draw(st.sampled_from(ctx.gen.pool.images))
    recipe = image.name
    if encoding == "b64nopad" and len(image.data) % 3 == 0:  # make sure there is padding to drop
        recipe += f"|pad:{len(image.data) + 1}"
    put_image(body, ctx.gen, target, recipe, encoding=encoding, typed=False)
    return _expect(ctx, body, f"{label(field)} as {encoding}", exact_jd=True)


def wrong_magic(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    video = target == ("faceData",) and body.get(("faceData", "type")) == "video"
    kind = ctx.pick(draw, "kind", st.sampled_from(_MAGIC_KINDS))
    if kind == "format-second":  # pinned: a service checking the first collection image only
        target, kind = _second_item(body), "format"
    if kind == "format":
        recipe = (
            f"synthetic:48x40:{draw(st.integers(0, 9))}:{draw(st.sampled_from(_OTHER_FORMATS))}"
        )
    elif kind == "noise":
        recipe = f"noise:{draw(st.integers(0, 99))}:{draw(st.integers(16, 600))}"
    else:  # an image where a video is expected, a video where an image is expected
        recipe = (ctx.gen.pool.images[0] if video else ctx.gen.pool.videos[0]).name
    put_image(body, ctx.gen, target, recipe, encoding=_encoding(draw, body), typed=False)
    shown = recipe if kind == "other-media" else recipe.split("|")[0]
    return _expect(ctx, body, f"{label(target)} holds {shown}")


def truncated_image(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    image = draw(st.sampled_from(ctx.gen.pool.images))
    keep = draw(st.integers(64, len(image.data) - 2))
    put_image(body, ctx.gen, target, f"{image.name}|cut:{keep}", encoding=_encoding(draw, body))
    detail = f"{label(target)}: first {keep} of {len(image.data)} bytes of {image.format}"
    return _expect(ctx, body, detail)


_EMPTY_SOURCES = ("imgBase64", "imgArr")


def zero_byte_image(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    if body.request.api == "jd":
        source = ctx.pick(draw, "source", st.sampled_from(_EMPTY_SOURCES))
        encoding = "b64" if source == "imgBase64" else "bytes"
        put_image(body, ctx.gen, target, ctx.gen.pool.images[0].name, encoding=encoding)
        body.set((*target, source), "" if source == "imgBase64" else [])
        return ctx.jd(f"{label((*target, source))} empty")
    if target == ("faceData",):
        body.set(("faceData", "type"), "image")
    body.set((*target, "data"), "")
    return _expect(ctx, body, f"{label(target)}.data = ''", also=(ctx.codes.match_invalid,))


def decompression_bomb(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    w, h = draw(st.integers(20_000, 100_000)), draw(st.integers(20_000, 100_000))
    put_image(body, ctx.gen, target, f"pngbomb:{w}x{h}", encoding=_encoding(draw, body))
    size = len(render(f"pngbomb:{w}x{h}"))
    return _expect(ctx, body, f"{label(target)}: {size}-byte PNG declaring {w}x{h} pixels")


def huge_dimensions(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    image = draw(st.sampled_from([i for i in ctx.gen.pool.images if i.format == "jpeg"]))
    w, h = draw(st.integers(40_000, 65_535)), draw(st.integers(40_000, 65_535))
    put_image(body, ctx.gen, target, f"{image.name}|dims:{w}x{h}", encoding=_encoding(draw, body))
    return _expect(ctx, body, f"{label(target)}: JPEG header declares {w}x{h} pixels")


_GATEWAY_MODES = {
    # as conformance's FH-A03, FH-A04: an empty appkey is as missing (参数不能为空); the valid
    # appkey extended is another (a service looking it up by prefix takes it); an unknown appkey
    # signed as by an empty secretkey, MD5(timestamp) (one looked up with "" for a default)
    "bad-appkey": [
        "no_appkey",
        "no_appkey:empty",
        "wrong_appkey",
        "wrong_appkey:extended",
        "wrong_appkey:tsonly",
        "wrong_appkey:nullts",  # MD5("null" + timestamp): Java's missing secretkey (session 27)
        "wrong_appkey:nonets",  # MD5("None" + timestamp): Python's
        "wrong_appkey:undefts",  # MD5("undefined" + timestamp): JavaScript's
    ],
    "bad-timestamp": [  # each future/expired mode with an offset drawn (_gateway_modes: pinned too)
        "no_timestamp",
        "no_timestamp:empty",
        "malformed_timestamp:abc",
        "malformed_timestamp:-1000",
        "malformed_timestamp:1.5e12",
        "malformed_timestamp:\uff11\uff12\uff13",
        "malformed_timestamp:\u00b2",
        "malformed_timestamp: 1",
        "expired_timestamp",
        "future_timestamp",
        "fraction_timestamp",  # FH-A13: now in milliseconds with ".5", signed as sent
        "malformed_timestamp:0",  # FH-A18: 0, signed as sent (a zero value taken for "not set")
        "negated_timestamp",  # FH-A18: now with a minus sign, signed as sent (its absolute value)
        # FH-A18: an old timestamp signed in uppercase hex (E-018's other path skipping the
        # window), and the document's example timestamp (2018) with a leading 0 (a '+', in
        # full-width digits, after a space: session 27), signed as sent
        "expired_upper",
        *(f"malformed_timestamp:{text}" for text, _ in example_timestamp_spellings()),
        # FH-A19: a signed timestamp 6 minutes old, a fresh one appended (parameter pollution)
        "doubled_timestamp",
    ],
    "bad-sign": [
        "no_sign",
        "no_sign:empty",
        "bad_sign:other",
        "bad_sign:swapped",
        "bad_sign:tsonly",
        "bad_sign:appkeyts",
        # FH-A15: the valid sign with a digit appended (a service comparing the first 32), the
        # sign of a request sent a moment before reused 1 ms later (``reused_sign``)
        "bad_sign:extended",
        "bad_sign:stale",
        # FH-A15: a wrong sign with the timestamp of a request accepted a moment before
        "bad_sign:samets",
        # FH-A15: MD5(secretkey + the timestamp in seconds) with the timestamp in milliseconds
        "bad_sign:secsign",
        # FH-A15: the valid sign with its last digit changed (a service comparing 31 characters)
        "bad_sign:lastdigit",
        # FH-A15: the document's example sign (a sandbox's hard-coded sign left in a gateway)
        "bad_sign:example",
        # FH-A15: the right MD5's first 16 hex digits (``expected.startsWith(sign)``, session 26);
        # it, extended and sha256 are not 32 hex digits: a business refusal (100) passes too
        # (``SIGN_NOT_32_HEX``, ``_rules.also_refused_at``), a gateway code is held to 10047
        "bad_sign:truncated",
        # FH-A15: a second formula over the secretkey kept beside the documented one (session 28)
        *(f"bad_sign:{how.value}" for how in OTHER_FORMULAS),
    ],
    # the right MD5 in uppercase: invalid under the default reading only (E-018)
    "sign-case": ["bad_sign:upper"],
}


# a client's Beijing time (UTC+8) written as UTC: 8 hours ahead, a real service's mistake
BEIJING_AHEAD_MS = 8 * 3_600_000
# as conformance's FH-A07/FH-A08: far outside the window where a mistake puts a timestamp back in
# it (UTC+8 taken for UTC either way; the difference cut to 32 bits, ``(int) (now - ts)``)
_FAR_OFFSETS = (
    ("future_timestamp", BEIJING_AHEAD_MS),
    ("expired_timestamp", BEIJING_AHEAD_MS),
    ("expired_timestamp", 2**32),
    ("future_timestamp", 2**32),
    # and just outside it (5 min 45 s): a window counted in whole minutes takes it for 5 minutes;
    # sent on the service's clock when two witnesses agree on it, and as 6 minutes when not
    # (E-019, ``ServiceClock.trusted_offset``)
    ("expired_timestamp", NEAR_OUTSIDE_MS),
    ("future_timestamp", NEAR_OUTSIDE_MS),
)


def _gateway_modes(rule: str) -> Modes:
    def modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
        far = [{"mode": m, "offset": o} for m, o in _FAR_OFFSETS]
        return _each("mode", _GATEWAY_MODES[rule]) + (far if rule == "bad-timestamp" else [])

    return modes


# timestamps any credential code may refuse (FH-A13's fraction, FH-A18's cases): outside the
# window, malformed, or (read as a number first) badly signed
_ANY_REFUSAL = (
    How.FRACTION,
    How.NEGATED,
    Given("0"),
    *(Given(text) for text, _ in example_timestamp_spellings()),
)


def _gateway(rule: str) -> Mutate:
    def mutate(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
        mode = ctx.pick(draw, "mode", st.sampled_from(_GATEWAY_MODES[rule]))
        if mode in ("expired_timestamp", "future_timestamp", "expired_upper"):
            window = ctx.gen.contract.jd_timestamp_window_ms
            # expired_upper is signed on our clock (no service_clock below): an hour old at
            # least, outside the window on any clock a service answering us may keep (E-019,
            # FH-A18's); the others on the service's clock from a minute outside it
            low = HOUR_OLD_MS if mode == "expired_upper" else window + 60_000
            offset = ctx.pick(draw, "offset", st.integers(low, 30 * 86_400_000))
            mode = f"{mode}:{offset}"
        body.auth = Auth.from_mode("jd", mode)
        if mode.startswith(("expired_timestamp", "future_timestamp")):
            # E-019: on the service's clock when trusted (a 5 min 45 s one is 6 minutes else)
            body.auth = dataclasses.replace(body.auth, service_clock=True)
        if body.auth.timestamp in _ANY_REFUSAL or body.auth.sign == How.UPPER:  # FH-A13's, A18's
            codes = tuple(c.code for c in timestamp_refusals(ctx.gen.contract, How.FRACTION))
        elif body.auth.timestamp == How.DOUBLED:  # FH-A19: any refusal (the emulator: auth codes)
            codes = tuple(c.code for c in timestamp_refusals(ctx.gen.contract, How.FRACTION))
            return Expect(f"auth {mode}", "gateway", codes, exact=False)
        else:
            codes = (ctx.codes.code(mode.partition(":")[0]),)
        # FH-A15's wrong sign over an accepted request's timestamp: any refusal (a service with
        # replay protection refuses the reused timestamp, 10045, before the sign)
        return Expect(f"auth {mode}", "gateway", codes, exact=body.auth.sign != How.SAME_TS)

    return mutate


def _enum_modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
    """faceData.type outside image/video on each comparison, whatever the seed: a service reading
    the type only for "video" compares anything else as a photo (conformance's FH-L14 on /match,
    FH-L30 on /idno); the other enums are drawn."""
    if operation not in ("match", "matchIdno"):
        return []
    return [{"field": "faceData.type", "on": operation}]


def _missing_modes(gen: Gen, operation: str) -> list[dict[str, Any]]:
    """faceData's type and data left out on each comparison, whatever the seed (round 16: a
    /match service taking a faceData without type as a photo, or without data as the image's,
    passed five examples of seed 1; conformance's FH-L14 sends both); /match's faceData itself
    too (round 18: a service comparing the image with itself passed fuzz and conform); the rest
    are drawn."""
    if operation not in ("match", "matchIdno"):
        return []
    whole = [{"field": "faceData", "on": operation}] if operation == "match" else []
    return [{"field": f"faceData.{name}", "on": operation} for name in ("type", "data")] + whole


_ALL_BODIES = ("match", "matchIdno", "asyncResult", "faceCompareNew")
IMAGE_OPS = ("match", "matchIdno", "faceCompareNew")  # the operations whose bodies carry images
MUTATORS: tuple[Mutator, ...] = (
    Mutator("missing-field", _ALL_BODIES, _field_rule("missing-field"), _missing_modes),
    Mutator("wrong-type", _ALL_BODIES, _field_rule("wrong-type")),
    Mutator("enum-outside", IMAGE_OPS, _field_rule("enum-outside"), _enum_modes),
    Mutator("empty-string", _ALL_BODIES, _field_rule("empty-string")),
    Mutator("oversize", _ALL_BODIES, oversize, _oversize_modes),
    Mutator("oversize", ("matchIdno",), oversize_face_data),
    Mutator("unicode-control", IMAGE_OPS, _field_rule("unicode-control"), _unicode_modes),
    Mutator("deep-json", IMAGE_OPS, deep_json, lambda gen, op: _each("depth", _DEPTHS)),
    Mutator(
        "huge-json",
        IMAGE_OPS,
        huge_json,
        lambda gen, op: _each("items", (True, False)) if op == "faceCompareNew" else [],
    ),
    Mutator(
        "not-json",
        (*MATCH_OPS, "faceCompareNew"),
        not_json,
        lambda gen, op: _each("body", _NOT_JSON),
    ),
    Mutator("extra-field", ("liveCode",), extra_field),
    Mutator(
        "bad-token",
        MATCH_OPS,
        bad_token,
        lambda gen, op: [*_each("token", _TOKENS), *([_ASYNC_PIN] if op == "match" else [])],
    ),
    Mutator("bad-check-digit", ("matchIdno",), bad_check_digit),
    Mutator("lip-without-livecode", ("match", "matchIdno"), lip_without_livecode),
    Mutator(
        "image-sources",
        ("faceCompareNew",),
        image_sources,
        lambda gen, op: _each(
            "sources", ("none", *JD_SOURCES, "all", "arr-url", "none-beside", "empty-beside")
        ),
    ),
    Mutator("fixed-field", ("faceCompareNew",), fixed_field, _fixed_modes),
    Mutator(
        "out-of-range",
        ("faceCompareNew",),
        out_of_range,
        lambda gen, op: _each("high", (True, False)),
    ),
    *(
        Mutator(rule, ("faceCompareNew",), _gateway(rule), _gateway_modes(rule))
        for rule in _GATEWAY_MODES
    ),
    Mutator(
        "bad-base64",
        IMAGE_OPS,
        bad_base64,
        lambda gen, op: _each("text", _BAD_TEXT) + _each("encoding", _BAD_ENCODINGS),
    ),
    Mutator(
        "wrong-magic",
        IMAGE_OPS,
        wrong_magic,
        lambda gen, op: (
            _each("kind", _MAGIC_KINDS)
            + (_each("kind", ["format-second"]) if op == "faceCompareNew" else [])
        ),
    ),
    Mutator("truncated-image", IMAGE_OPS, truncated_image),
    Mutator(
        "zero-byte-image",
        IMAGE_OPS,
        zero_byte_image,
        lambda gen, op: _each("source", _EMPTY_SOURCES) if op == "faceCompareNew" else [],
    ),
    Mutator("decompression-bomb", IMAGE_OPS, decompression_bomb),
    Mutator("huge-dimensions", IMAGE_OPS, huge_dimensions),
)


def base_request(gen: Gen, operation: str) -> st.SearchStrategy[Request]:
    """A valid request that reaches every check: no async (errors would hide in the queue),
    no LIP (its liveCode cannot be known), an identity the target knows, no edge sizes, faces
    only (a real detector refuses a synthetic image, perhaps before the broken part)."""
    pool = dataclasses.replace(gen.pool, synthetic=())
    gen = dataclasses.replace(gen, pool=pool, edge_sizes=False)
    if operation == "match":
        return match_requests(gen, lip=False, async_=False)
    if operation == "matchIdno":
        return idno_requests(gen, lip=False, async_=False, known=True)
    if operation == "liveCode":
        return st.just(gen.request("liveCode", {}))
    if operation == "asyncResult":
        return serial_numbers(gen).map(lambda t: gen.request("asyncResult", {"traceNo": t}))
    return jd_requests(gen)


def mutators_for(
    api: str, operations: tuple[str, ...], rules: tuple[str, ...] | None
) -> list[tuple[str, Mutator]]:
    return [
        (op, m)
        for m in MUTATORS
        for op in m.operations
        if op in operations
        and (rules is None or m.rule in rules)
        and (api == "all" or (api == "jd") == (op == "faceCompareNew"))
    ]


@st.composite
def invalid_cases(
    draw: st.DrawFn,
    gen: Gen,
    codes: Codes,
    pairs: tuple[tuple[str, Mutator], ...],
    pin: Pin | None = None,
) -> InvalidCase:
    """A case of one of ``pairs``' rules, or (``pin``) of that mode."""
    if pin is None:  # each rule equally likely, whatever its operations
        rules = list(dict.fromkeys(m.rule for _, m in pairs))
        rule = draw(st.sampled_from(rules))
        operation, mutator = draw(st.sampled_from([p for p in pairs if p[1].rule == rule]))
        choice: Mapping[str, Any] = {}
    else:
        operation, mutator, choice = pin.operation, pin.mutator, pin.choice
    base = draw(base_request(gen, operation))
    body = Body(base)
    expect = mutator.fn(draw, Ctx(gen, codes, choice), body)
    request = body.build()
    return InvalidCase(
        request, mutator.rule, **vars(one_item(gen, codes, request, expect)), field=body.field()
    )


def one_item(gen: Gen, codes: Codes, request: Request, expect: Expect) -> Expect:
    """A live JD service may compare two faces only (计算两张脸的相似程度, E-066): one with more
    than one collection image may refuse the list first, 请求参数不在接受范围 (43011) as well as
    参数不合法 (100); the emulator (1 to 5 items, E-024) is held to the case's own code."""
    body = request.json
    items = body.get("collectionImageItems") if isinstance(body, dict) else None
    if gen.identities or request.api != "jd" or not isinstance(items, list) or len(items) < 2:
        return expect
    if expect.where != "business" or codes.jd_range in expect.codes:
        return expect
    return dataclasses.replace(expect, codes=(*expect.codes, codes.jd_range))
