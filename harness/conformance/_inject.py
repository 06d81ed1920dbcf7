"""A ``map_case`` hook: generated image fields get real pictures, so positive cases reach the
engine.

Only values already valid for their field are replaced, so a negative case stays negative; generated
URLs are never fetched; positive cases are made valid under every reading.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import uuid
from typing import Any

import jsonschema_rs

from harness.contract import Contract
from harness.emulator import check_char
from harness.faces import PoolImage
from harness.findings import fresh_serial_no

from ._payloads import PayloadPool

SAFE_URL = "http://127.0.0.1:9/faceharness-not-fetched.jpg"
_ID = re.compile(r"^[0-9]{17}[0-9Xx]$")
_SOURCES = ("imgBase64", "imgArr", "imgUrl")


_EVERY_READING_SERIAL = re.compile(r"[0-9A-Za-z]{1,32}")
_EVERY_READING_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def _resolved(root: dict[str, Any], node: Any) -> list[dict[str, Any]]:
    """``node`` and the branches it is made of (``$ref``, ``allOf``, ``oneOf``, ``anyOf``)."""
    if not isinstance(node, dict):
        return []
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _resolved(root, target)
    out = [node]
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(key) or ():
            out += _resolved(root, branch)
    return out


def _named_only(root: dict[str, Any], nodes: list[Any], value: Any) -> None:
    """Drop from ``value`` (in place) every property no schema of ``nodes`` names, at every
    depth; an object whose schemas name no properties (extData: any object) is left whole."""
    branches = [b for n in nodes for b in _resolved(root, n)]
    if isinstance(value, list):
        items = [b["items"] for b in branches if isinstance(b.get("items"), dict)]
        for item in value:
            _named_only(root, items, item)
        return
    named: dict[str, list[Any]] = {}
    for b in branches:
        for name, sub in (b.get("properties") or {}).items():
            named.setdefault(name, []).append(sub)
    if not isinstance(value, dict) or not named:
        return
    for key in [k for k in value if k not in named]:
        del value[key]
    for key, subs in named.items():
        if key in value:
            _named_only(root, subs, value[key])


class PayloadInjector:
    def __init__(
        self,
        contract: Contract,
        pool: PayloadPool,
        identity: tuple[str, str] | None,
        *,
        live: bool = True,
    ) -> None:
        self.pool = pool
        self._contract = contract
        self.identity = identity
        self.live = live  # a live target's positive cases carry no imgArr (E-078)
        # serialNo is 随机唯一: a positive case never repeats one, in this run or another
        self._serials = (f"fh{uuid.uuid4().hex[:12]}{n}" for n in itertools.count(1))
        self._match_b64 = contract.match.validator("Base64Data")
        self._jd_b64 = contract.jd.validator("Base64Image")
        self._name = jsonschema_rs.validator_for(
            contract.property_schema("match", "IdnoRequest", "name")
        )
        self._uri = _strict(contract.match.schema("Uri"))
        self._face_kinds = contract.jd_face_img_types
        self._requests = {
            op.operation_id: _strict(contract.spec(op.api).schema(op.request_schema))
            for op in contract.operations.values()
            if op.request_schema
        }
        self._request_schemas = {
            op.operation_id: contract.spec(op.api).schema(op.request_schema)
            for op in contract.operations.values()
            if op.request_schema
        }

    def inject(self, operation: str, body: Any, *, positive: bool) -> Any:
        """A copy of ``body`` with real media; ``body`` itself is never changed."""
        if not isinstance(body, dict):
            return body
        body = json.loads(json.dumps(body))
        key = hashlib.blake2b(
            json.dumps(body, sort_keys=True, default=str)[:8192].encode(),
            digest_size=16,
            person=operation.encode()[:16],
        ).digest()
        if operation not in ("match", "matchIdno", "faceCompareNew"):
            return body
        for convert in (False, True):  # convert sources only once the whole body is valid
            if convert and not (positive or self._requests[operation].is_valid(body)):
                break
            if operation == "faceCompareNew":
                self._jd(body, key, convert)
            else:
                self._match(operation, body, key, convert)
        serial = body.get("serialNo") if operation == "faceCompareNew" else None
        valid = isinstance(serial, str) and _EVERY_READING_SERIAL.fullmatch(serial)
        if serial is not None and (positive or valid):
            # short alphanumeric is valid under every reading (E-043), so a negative case is
            # invalid for something else: a repeat would be refused (随机唯一) before its defect
            body["serialNo"] = next(self._serials)
        elif (again := fresh_serial_no(serial, self._contract)) is not None:
            # any other the spec takes (the document's own example, which every generated case
            # began with) is sent once too, its shape kept (it may be what the case breaks under
            # another reading): an idempotent service answers a repeat with its first answer, and
            # a gateway success then (a business refusal) showed FH-J12 a count gone back up
            body["serialNo"] = again
        if positive:
            # no table says a field it does not name is ignored: a strict deserializer refuses
            # one, so a case expected accepted carries only named fields (legit round 9)
            schema = self._request_schemas[operation]
            _named_only(schema, [schema], body)
            identity = (body.get("idNum"), body.get("name"))
            if (
                operation == "matchIdno"
                and identity != self.identity
                and not _EVERY_READING_NAME.fullmatch(str(body.get("name")))
            ):
                # 验证人的姓名 is checked against the 公安库: a service may refuse a name that is
                # no Chinese name (legit names-chinese-only); 张三 is one under every reading
                body["name"] = "张三"
        if positive and operation == "faceCompareNew":
            # 必填 is empty (E-023): a service may require encryptionType, and "NON" is the value
            # the document gives it, so an item with it is valid under every reading
            for n, item in enumerate(_items(body)):
                item.setdefault("encryptionType", "NON")
                # E-094: a kind no face is on (IDN, the back of an ID card) may be refused; the
                # enum's draw becomes a kind a face is on, valid under every reading
                if "imgType" in item and item["imgType"] not in self._face_kinds:
                    kinds = self._face_kinds
                    item["imgType"] = kinds[(key[13] + n) % len(kinds)]
        return body

    def _match(self, operation: str, body: dict[str, Any], key: bytes, positive: bool) -> None:
        same = key[15] % 3 == 0
        images = self.pool.match_images
        reference = (
            self.pool.reference if operation == "matchIdno" else self.pool.pick(images, key, 0)
        )
        if operation == "match":
            self._source(body.get("image"), reference, positive)
        face = body.get("faceData")
        if isinstance(face, dict) and face.get("type") in ("image", "video"):
            media = (
                self.pool.video
                if face["type"] == "video"
                else (reference if same else self.pool.pick(images, key, 1))
            )
            self._source(face, media, positive)
        if operation == "matchIdno":
            self._idno(body, key)
            if positive and isinstance(face, dict) and "videoType" not in face:
                face["videoType"] = "SILENT"  # /idno marks videoType 是 (E-010): valid everywhere

    def _source(self, part: Any, media: PoolImage, positive: bool) -> None:
        if not isinstance(part, dict):
            return
        origin, data = part.get("origin"), part.get("data")
        if origin in (None, "self") and isinstance(data, str) and self._match_b64.is_valid(data):
            part["data"] = media.b64
        elif origin in ("fds", "uri") and positive:
            part["origin"], part["data"] = "self", media.b64
        elif origin == "uri" and isinstance(data, str) and self._uri.is_valid(data):
            part["data"] = SAFE_URL

    def _idno(self, body: dict[str, Any], key: bytes) -> None:
        number = body.get("idNum")
        if not isinstance(number, str) or not _ID.match(number):
            return
        if self.identity is not None and key[14] % 2 == 0 and self._name.is_valid(body.get("name")):
            body["idNum"], body["name"] = self.identity
        else:
            body["idNum"] = number[:17] + check_char(number[:17])

    def _jd(self, body: dict[str, Any], key: bytes, positive: bool) -> None:
        same = key[15] % 3 == 0
        images = self.pool.jd_images
        first = self.pool.pick(images, key, 0)
        collection = body.get("collectionImageItems")
        items = [
            body.get("compareImageItem"),
            *(collection if isinstance(collection, list) else []),
        ]
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            media = first if same or index == 0 else self.pool.pick(images, key, index % 6 + 1)
            self._item(item, media, positive)

    def _item(self, item: dict[str, Any], media: PoolImage, positive: bool) -> None:
        if isinstance(item.get("imgBase64"), str) and self._jd_b64.is_valid(item["imgBase64"]):
            item["imgBase64"] = media.b64
        array = item.get("imgArr")
        if (
            isinstance(array, list)
            and array
            and positive
            and self.live
            and all(_byte(v) for v in array)
        ):
            # `imgArr byte[]` names no range: a picture's bytes as 0..255 or as Java's -128..127
            # are refused by a reader of the other one (E-078); its base64 is valid under both.
            # The emulator takes both (its imgArr is held by the cases; a live one's by FH-A20)
            del item["imgArr"]
            item["imgBase64"] = media.b64
        elif isinstance(array, list) and array and all(_byte(v) for v in array):
            source = media if len(media.data) <= 100_000 else self.pool.small[0]
            item["imgArr"] = list(source.data)
        url = item.get("imgUrl")
        if isinstance(url, str) and self._uri.is_valid(url):
            if positive and not any(s in item for s in _SOURCES if s != "imgUrl"):
                del item["imgUrl"]
                item["imgBase64"] = media.b64
            else:
                item["imgUrl"] = SAFE_URL


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    collection = body.get("collectionImageItems")
    items = [body.get("compareImageItem"), *(collection if isinstance(collection, list) else [])]
    return [item for item in items if isinstance(item, dict)]


def _strict(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _byte(value: Any) -> bool:
    """An integer in -128..255; JSON Schema counts 38.0 as an integer too."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and float(value).is_integer()
        and -128 <= value <= 255
    )
