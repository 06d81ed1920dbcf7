"""Invalid images: broken base64, wrong formats, cut streams, empty data, bombs, lying headers.

The JSON stays valid; only one image's bytes (or its base64 text) break the documented
rule "jpg/jpeg/png, base64, within the size limit". Byte-level rules are judged by the
service after decoding, so the documents name no code for them (``exact=False``) except
where the schema itself already refuses the value.
"""

from __future__ import annotations

from hypothesis import strategies as st

from harness.clients._request import JsonPath

from ._body import Body, label
from ._fields import JD_SOURCES, image_targets
from ._pool import render
from ._request import Ctx, Expect, Mutate
from ._valid import Gen

_BAD_TEXT = ("not base64!", "====", "YWJj*ZGVm", "YW Jj ZGVm", "\u00e9t\u00e9AAAA", "abc")
_BAD_ENCODINGS = ("datauri", "b64lines", "b64nopad")
_OTHER_FORMATS = ("gif", "bmp", "webp", "tiff")


def put_image(
    body: Body,
    gen: Gen,
    target: JsonPath,
    recipe: str,
    *,
    encoding: str = "b64",
    face_type: str | None = "image",
) -> None:
    """Replace the image at ``target`` (match ``image``/``faceData``, a JD item) with a recipe's
    bytes."""
    data = render(recipe, gen.pool.faces_dir)
    if body.request.api == "jd":
        for source in JD_SOURCES:
            if source in body.get(target):
                body.delete((*target, source))
        source = "imgBase64" if encoding.startswith("b64") or encoding == "datauri" else "imgArr"
        body.set_image((*target, source), recipe, data, encoding)
        return
    if target == ("faceData",) and face_type is not None:
        body.set(("faceData", "type"), face_type)
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
    if draw(st.booleans()):
        text = draw(st.sampled_from(_BAD_TEXT))
        if body.request.api == "jd":
            put_image(body, ctx.gen, target, ctx.gen.pool.images[0].name)
        body.set(field, text)
        return _expect(ctx, body, f"{label(field)} = {text!r}", exact_jd=True)
    encoding = draw(st.sampled_from(_BAD_ENCODINGS))
    image = draw(st.sampled_from(ctx.gen.pool.images))
    recipe = image.name
    if encoding == "b64nopad" and len(image.data) % 3 == 0:  # make sure there is padding to drop
        recipe += f"|pad:{len(image.data) + 1}"
    put_image(body, ctx.gen, target, recipe, encoding=encoding, face_type=None)
    return _expect(ctx, body, f"{label(field)} as {encoding}", exact_jd=True)


def wrong_magic(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    video = target == ("faceData",) and body.get(("faceData", "type")) == "video"
    kind = draw(st.sampled_from(["format", "noise", "other-media"]))
    if kind == "format":
        recipe = (
            f"synthetic:48x40:{draw(st.integers(0, 9))}:{draw(st.sampled_from(_OTHER_FORMATS))}"
        )
    elif kind == "noise":
        recipe = f"noise:{draw(st.integers(0, 99))}:{draw(st.integers(16, 600))}"
    else:  # an image where a video is expected, a video where an image is expected
        recipe = (ctx.gen.pool.images[0] if video else ctx.gen.pool.videos[0]).name
    put_image(body, ctx.gen, target, recipe, encoding=_encoding(draw, body), face_type=None)
    shown = recipe if kind == "other-media" else recipe.split("|")[0]
    return _expect(ctx, body, f"{label(target)} holds {shown}")


def truncated_image(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    image = draw(st.sampled_from(ctx.gen.pool.images))
    keep = draw(st.integers(64, len(image.data) - 2))
    put_image(body, ctx.gen, target, f"{image.name}|cut:{keep}", encoding=_encoding(draw, body))
    detail = f"{label(target)}: first {keep} of {len(image.data)} bytes of {image.format}"
    return _expect(ctx, body, detail)


def zero_byte_image(draw: st.DrawFn, ctx: Ctx, body: Body) -> Expect:
    target = _target(draw, body)
    if body.request.api == "jd":
        source = draw(st.sampled_from(["imgBase64", "imgArr"]))
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


# rule id -> the mutation that breaks it, in any operation whose body carries an image
MEDIA_RULES: dict[str, Mutate] = {
    "bad-base64": bad_base64,
    "wrong-magic": wrong_magic,
    "truncated-image": truncated_image,
    "zero-byte-image": zero_byte_image,
    "decompression-bomb": decompression_bomb,
    "huge-dimensions": huge_dimensions,
}
