"""Clients of JD faceCompareNew (seed 004), sync and async; every request is freshly signed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from harness.contract import (
    CompareRequest,
    CompareResponse,
    Contract,
    ImageItem,
    jd_auth_params,
    load_contract,
    read_answer,
)

from ._deadline import async_http_client, http_client
from ._errors import raise_for_code
from ._http import DEFAULT_TIMEOUT, describe_transport_error, json_body
from ._images import Payload, check_bytes, load_payload

Source = str | Path | bytes | Payload


class _JdCalls:
    def __init__(
        self,
        *,
        appkey: str,
        secretkey: str,
        contract: Contract | None,
        clock: Callable[[], float],
        raise_for_code: bool,
    ) -> None:
        self.contract = contract or load_contract()
        self._appkey, self._secretkey = appkey, secretkey
        self.clock = clock
        self.raise_for_code = raise_for_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(appkey=***, secretkey=***)"

    def auth_params(self) -> dict[str, str]:
        return jd_auth_params(self._appkey, self._secretkey, clock=self.clock)

    def item(self, source: Source, img_type: str, *, as_array: bool = False) -> ImageItem:
        c = self.contract
        payload = (
            source
            if isinstance(source, Payload)
            else load_payload(source, allowed=c.jd_image_formats)
        )
        check_bytes(payload, c.jd_image_max_bytes, "ERRATA E-020: under 5 MiB")
        if as_array:
            return ImageItem(encryptionType="NON", imgType=img_type, imgArr=payload.byte_array())  # type: ignore[arg-type]
        return ImageItem(encryptionType="NON", imgType=img_type, imgBase64=payload.base64())  # type: ignore[arg-type]

    def build_compare(
        self,
        compare_image: Source,
        collection: Sequence[Source],
        *,
        compare_type: str = "IDP",
        collection_type: str = "SFF",
        as_array: bool = False,
        serial_no: str | None = None,
    ) -> dict[str, Any]:
        req = CompareRequest(
            **self.contract.jd_fixed_fields,
            collectionImageItems=[
                self.item(s, collection_type, as_array=as_array) for s in collection
            ],
            compareImageItem=self.item(compare_image, compare_type, as_array=as_array),
            serialNo=serial_no or f"fh-{uuid.uuid4().hex}",
        )
        return req.to_json()

    def _interpret(self, body: dict[str, Any]) -> CompareResponse:
        parsed = CompareResponse.model_validate(body)
        if self.raise_for_code:
            raise_for_code(read_answer(self.contract, "jd", 200, body))
        return parsed


class JdFaceCompareClient(_JdCalls):
    """Synchronous client. A "not the same person" answer (1155) is a result, not an error."""

    def __init__(
        self,
        base_url: str,
        *,
        appkey: str,
        secretkey: str,
        contract: Contract | None = None,
        clock: Callable[[], float] = time.time,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        raise_for_code: bool = True,
    ) -> None:
        super().__init__(
            appkey=appkey,
            secretkey=secretkey,
            contract=contract,
            clock=clock,
            raise_for_code=raise_for_code,
        )
        self.http = http_client(base_url=base_url, timeout=timeout, transport=transport)

    def post(self, body: dict[str, Any], params: dict[str, str] | None = None) -> dict[str, Any]:
        path = self.contract.operation("faceCompareNew").path
        try:
            response = self.http.post(
                path, json=body, params=params if params is not None else self.auth_params()
            )
        except httpx.HTTPError as exc:
            raise describe_transport_error(
                exc, str(self.http.base_url), self.http.timeout
            ) from None
        return json_body(response)

    def compare(
        self, compare_image: Source, collection: Sequence[Source], **kw: Any
    ) -> CompareResponse:
        return self._interpret(self.post(self.build_compare(compare_image, collection, **kw)))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> JdFaceCompareClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncJdFaceCompareClient(_JdCalls):
    def __init__(
        self,
        base_url: str,
        *,
        appkey: str,
        secretkey: str,
        contract: Contract | None = None,
        clock: Callable[[], float] = time.time,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        raise_for_code: bool = True,
    ) -> None:
        super().__init__(
            appkey=appkey,
            secretkey=secretkey,
            contract=contract,
            clock=clock,
            raise_for_code=raise_for_code,
        )
        self.http = async_http_client(base_url=base_url, timeout=timeout, transport=transport)

    async def post(
        self, body: dict[str, Any], params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        path = self.contract.operation("faceCompareNew").path
        try:
            response = await self.http.post(
                path, json=body, params=params if params is not None else self.auth_params()
            )
        except httpx.HTTPError as exc:
            raise describe_transport_error(
                exc, str(self.http.base_url), self.http.timeout
            ) from None
        return json_body(response)

    async def compare(
        self, compare_image: Source, collection: Sequence[Source], **kw: Any
    ) -> CompareResponse:
        return self._interpret(await self.post(self.build_compare(compare_image, collection, **kw)))

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncJdFaceCompareClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
