"""Invalid requests: a valid request with exactly one documented rule broken, labelled.

Each mutator takes a freshly drawn valid request, breaks one rule and says which code(s)
the contract assigns (read from the code table by meaning, see ``_rules.Codes``). Schema
rules pick their field from the spec; image rules replace one image; auth rules change
only how the request authenticates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from harness.clients import Auth, ImagePart, Request
from harness.imaging import encode_image

from ._body import WRONG_VALUES, Body, conforms, label
from ._fields import JD_SOURCES, Field, fields, image_targets, jd_business_codes
from ._invalid_media import MEDIA_RULES, put_image
from ._request import Ctx, Expect, InvalidCase, Mutate, Mutator
from ._rules import Codes
from ._valid import Gen, idno_requests, jd_requests, live_codes, match_requests, serial_numbers

MATCH_OPS = ("match", "matchIdno", "liveCode", "asyncResult")
OPERATIONS = {"match": MATCH_OPS, "jd": ("faceCompareNew",)}  # what each api's bodies are


def _schema_fields(ctx: Ctx, body: Body, keep: Callable[[Field], bool]) -> list[Field]:
    spec = ctx.gen.contract.spec(body.request.api)
    return [
        f
        for f in fields(spec, body.request.operation, body.json)
        if body.has(f.path[:-1]) and isinstance(body.get(f.path[:-1]), dict) and keep(f)
    ]


def _expect_for(ctx: Ctx, body: Body, f: Field, detail: str) -> Expect:
    if body.request.api == "jd":
        return ctx.jd(detail, jd_business_codes(ctx.codes, f))
    return ctx.match(detail)


def missing_field(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    f = draw(st.sampled_from(_schema_fields(ctx, body, lambda f: f.required and body.has(f.path))))
    body.delete(f.path)
    return _expect_for(ctx, body, f, f"{label(f.path)} removed")


def _touchable(body: Body, f: Field) -> bool:
    """Image sources are only changed where present (adding one would break a second rule)."""
    return not f.is_image or body.has(f.path)


def wrong_type(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    choices = _schema_fields(ctx, body, lambda f: f.kind in WRONG_VALUES and _touchable(body, f))
    f = draw(st.sampled_from(choices))
    value = draw(st.sampled_from(WRONG_VALUES[f.kind]))
    body.set(f.path, value)
    return _expect_for(ctx, body, f, f"{label(f.path)} = {value!r} (a {f.kind} is documented)")


def _outside(values: list[Any]) -> list[str]:
    out = []
    for v in map(str, values):
        out += [v.upper(), v.lower(), v + "X", v[:-1], "ftp"]
    return sorted({o for o in out if o and o not in values})


def enum_outside(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    f = draw(st.sampled_from(_schema_fields(ctx, body, lambda f: "enum" in f.schema)))
    value = draw(st.sampled_from(_outside(f.schema["enum"])))
    body.set(f.path, value)
    return _expect_for(ctx, body, f, f"{label(f.path)} = {value!r}, not one of {f.schema['enum']}")


def empty_string(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    f = draw(st.sampled_from(_schema_fields(ctx, body, _nonempty_text)))
    body.set(f.path, "")
    return _expect_for(ctx, body, f, f"{label(f.path)} = ''")


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
    pick = draw(st.integers(0, len(choices) + (1 if targets else 0) - 1))
    if pick == len(choices):  # an image over its limit
        target = draw(st.sampled_from(targets))
        image = gen.pool.faces[0]
        if req.api == "jd":  # "小于5M": exactly 5 MiB is already too big (E-020)
            total = gen.contract.jd_image_max_bytes
            put_image(body, gen, target, f"{image.name}|pad:{total}", encoding="b64")
            return ctx.jd(f"{label(target)} image of {total} bytes", exact=False)
        # over 409,600: over every reading
        total = gen.contract.match_base64_max_chars // 4 * 3 + draw(st.integers(1, 3))
        put_image(body, gen, target, f"{image.name}|pad:{total}")
        return ctx.match(
            f"{label(target)}.data of {total} bytes: base64 over "
            f"{gen.contract.match_base64_max_chars} chars",
            ctx.codes.match_oversize,
        )
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
    return _expect_for(ctx, body, f, f"{label(f.path)}: {what}, over its limit")


def _copy_item_images(body: Body, path: tuple[str | int, ...], have: int, n: int) -> None:
    """Items repeated to make a list too long carry their images' recipes along."""
    by_index = {p.path[len(path)]: p for p in body.request.images if p.path[: len(path)] == path}
    for i in range(n):
        src = by_index.get(i % have)
        if src is not None:
            body.images.append(
                dataclasses.replace(src, path=(*path, i, *src.path[len(path) + 1 :]))
            )


_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
_INSERTS = ("\u200b", "\u0000", "\u202e", "\n", "\u00a0")


def _unicode_variants(value: str) -> list[str]:
    mid = max(1, len(value) // 2)
    return [
        "".join(_FULLWIDTH.get(c, c) for c in value),
        *[value[:mid] + ch + value[mid:] for ch in _INSERTS],
    ]


def _nonempty_text(f: Field) -> bool:
    return f.kind == "string" and not f.is_image and f.rejects_empty()


def unicode_control(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    def base(f: Field) -> str:
        if body.has(f.path) and isinstance(body.get(f.path), str):
            return str(body.get(f.path))
        if "enum" in f.schema:
            return str(f.schema["enum"][0])
        return draw(live_codes(ctx.gen)) if f.name == "liveCode" else "abc123"

    candidates = []
    for f in _schema_fields(ctx, body, _nonempty_text):
        variants = [v for v in _unicode_variants(base(f)) if not conforms(f.schema, v)]
        if variants:
            candidates.append((f, variants))
    f, variants = draw(st.sampled_from(candidates))
    value = draw(st.sampled_from(variants))
    body.set(f.path, value)
    return _expect_for(ctx, body, f, f"{label(f.path)} = {value!r}")


DEEP = "__fuzz_deep__"


def deep_json(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    """Nesting no real parser accepts (Jackson 1000, Go 10000, CPython ~1000 levels)."""
    depth = draw(st.sampled_from([20_000, 50_000, 100_000]))
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
        if draw(st.booleans()):
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
    raw = draw(st.sampled_from(_NOT_JSON))
    body.raw_body, body.images, body.splice = raw, [], None
    if body.request.api == "jd":
        return ctx.jd(f"body {raw!r}")
    return ctx.match(f"body {raw!r}", ctx.codes.match_not_json)


def extra_field(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    values = st.integers() | st.text(max_size=8)
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=8), values, min_size=1, max_size=3))
    body.json = dict(extra)
    return ctx.match(f"validateData body {extra!r} (it takes no parameters)")


def bad_token(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    absent = draw(st.sampled_from(["no_token", "bad_token"])) == "no_token"
    body.auth = Auth.from_mode("match", "no_token" if absent else "bad_token")
    code = ctx.codes.match_no_token if absent else ctx.codes.match_bad_token
    return ctx.match(f"Authorization: {'absent' if absent else 'an unknown token'}", code)


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


def image_sources(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = draw(st.sampled_from(image_targets("faceCompareNew", body.json)))
    item = body.get(target)
    present = [s for s in JD_SOURCES if s in item]
    extra = [s for s in JD_SOURCES if s not in item]
    choice = draw(st.sampled_from(["none", *extra, "all"]))
    if choice == "none":
        for s in present:
            body.delete((*target, s))
        return ctx.jd(f"{label(target)} without imgBase64/imgArr/imgUrl")
    image = ctx.gen.pool.images[0]
    adds = extra if choice == "all" else [choice]
    for s in adds:
        if s == "imgUrl":  # a reserved name (RFC 2606): it can never be fetched
            body.set((*target, s), "https://faceharness.invalid/face.jpg")
        else:
            body.set_image(
                (*target, s), image.name, image.data, "b64" if s == "imgBase64" else "bytes"
            )
    return ctx.jd(f"{label(target)} with {' + '.join(present + adds)}")


def fixed_field(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    fixed = ctx.gen.contract.jd_fixed_fields
    name = draw(st.sampled_from(sorted(fixed)))
    right = fixed[name]
    wrong = sorted({right.lower(), right + "X", "X" + right[1:], "other"} - {right})
    value = draw(st.sampled_from(wrong))
    body.set((name,), value)
    return ctx.jd(f"{name} is not its 固定值", (ctx.codes.jd_fixed,))


def out_of_range(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = draw(st.sampled_from(image_targets("faceCompareNew", body.json)))
    image = draw(st.sampled_from(ctx.gen.pool.images))
    put_image(body, ctx.gen, target, image.name, encoding="bytes")
    index = draw(st.integers(0, len(image.data) - 1))
    value = draw(st.integers(256, 100_000) | st.integers(-100_000, -129))
    body.get((*target, "imgArr"))[index] = value
    return ctx.jd(f"{label(target)}.imgArr[{index}] = {value} (outside -128..255, E-021)")


_GATEWAY_MODES = {
    "bad-appkey": ["no_appkey", "wrong_appkey"],
    "bad-timestamp": [
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
    ],
    "bad-sign": [
        "no_sign",
        "no_sign:empty",
        "bad_sign:other",
        "bad_sign:swapped",
        "bad_sign:tsonly",
    ],
    # the right MD5 in uppercase: invalid under the default reading only (E-018)
    "sign-case": ["bad_sign:upper"],
}


def _gateway(rule: str) -> Mutate:
    def mutate(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
        mode = draw(st.sampled_from(_GATEWAY_MODES[rule]))
        if mode in ("expired_timestamp", "future_timestamp"):
            window = ctx.gen.contract.jd_timestamp_window_ms
            offset = draw(st.integers(window + 60_000, 30 * 86_400_000))
            mode = f"{mode}:{offset}"
        body.auth = Auth.from_mode("jd", mode)
        base = mode.partition(":")[0]
        return Expect(f"auth {mode}", "gateway", (ctx.codes.jd_gateway[base],), exact=True)

    return mutate


_ALL_BODIES = ("match", "matchIdno", "asyncResult", "faceCompareNew")
IMAGE_OPS = ("match", "matchIdno", "faceCompareNew")  # the operations whose bodies carry images
MUTATORS: tuple[Mutator, ...] = (
    Mutator("missing-field", _ALL_BODIES, missing_field),
    Mutator("wrong-type", _ALL_BODIES, wrong_type),
    Mutator("enum-outside", IMAGE_OPS, enum_outside),
    Mutator("empty-string", _ALL_BODIES, empty_string),
    Mutator("oversize", _ALL_BODIES, oversize),
    Mutator("unicode-control", IMAGE_OPS, unicode_control),
    Mutator("deep-json", IMAGE_OPS, deep_json),
    Mutator("huge-json", IMAGE_OPS, huge_json),
    Mutator("not-json", (*MATCH_OPS, "faceCompareNew"), not_json),
    Mutator("extra-field", ("liveCode",), extra_field),
    Mutator("bad-token", MATCH_OPS, bad_token),
    Mutator("bad-check-digit", ("matchIdno",), bad_check_digit),
    Mutator("lip-without-livecode", ("match", "matchIdno"), lip_without_livecode),
    Mutator("image-sources", ("faceCompareNew",), image_sources),
    Mutator("fixed-field", ("faceCompareNew",), fixed_field),
    Mutator("out-of-range", ("faceCompareNew",), out_of_range),
    *(Mutator(rule, ("faceCompareNew",), _gateway(rule)) for rule in _GATEWAY_MODES),
    *(Mutator(rule, IMAGE_OPS, fn) for rule, fn in MEDIA_RULES.items()),
)


def base_request(gen: Gen, operation: str) -> st.SearchStrategy[Request]:
    """A valid request that reaches every check: no async (errors would hide in the queue),
    no LIP (its liveCode cannot be known), an identity the target knows, no edge sizes."""
    gen = dataclasses.replace(gen, edge_sizes=False)
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
    draw: st.DrawFn, gen: Gen, codes: Codes, pairs: tuple[tuple[str, Mutator], ...]
) -> InvalidCase:
    # each rule equally likely, whatever its operations
    rules = list(dict.fromkeys(m.rule for _, m in pairs))
    rule = draw(st.sampled_from(rules))
    operation, mutator = draw(st.sampled_from([p for p in pairs if p[1].rule == rule]))
    base = draw(base_request(gen, operation))
    body = Body(base)
    expect = mutator.fn(draw, Ctx(gen, codes), body)
    return InvalidCase(body.build(), mutator.rule, **vars(expect), field=body.field())
