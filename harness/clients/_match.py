"""Clients of the internal face-match API (seed 000), sync and async.

Both share request building and answer interpretation (`_MatchCalls`); only sending differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel

from harness.contract import (
    AsyncResultRequest,
    Contract,
    FaceData,
    IdnoRequest,
    ImageRef,
    LiveCodeResponse,
    MatchRequest,
    MatchResponse,
    load_contract,
    read_answer,
)

from ._deadline import async_http_client, http_client
from ._errors import raise_for_code as _raise_for_code
from ._http import DEFAULT_TIMEOUT, describe_transport_error, json_body
from ._images import Payload, check_base64_chars, load_payload

M = TypeVar("M", bound=BaseModel)

Source = str | Path | bytes | Payload


class _MatchCalls:
    def __init__(self, *, token: str, contract: Contract | None, raise_for_code: bool) -> None:
        self.contract = contract or load_contract()
        self._token = token
        self.raise_for_code = raise_for_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token=***)"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self._token}  # raw token (ERRATA E-016)

    def _payload(self, source: Source, kind: str) -> Payload:
        allowed = ("mp4",) if kind == "video" else ("jpeg", "png")
        payload = source if isinstance(source, Payload) else load_payload(source, allowed=allowed)
        check_base64_chars(
            payload, self.contract.match_base64_max_chars, "ERRATA E-012: 400k of base64"
        )
        return payload

    def _face_data(self, face: Source, face_type: str, video_type: str | None) -> FaceData:
        payload = self._payload(face, face_type)
        return FaceData(type=face_type, videoType=video_type, data=payload.base64())  # type: ignore[arg-type]

    def build_match(
        self,
        image: Source,
        face: Source,
        *,
        face_type: str = "image",
        video_type: str | None = None,
        live_code: str | None = None,
        async_: bool | None = None,
        ext_data: dict[str, Any] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        req = MatchRequest(
            image=ImageRef(data=self._payload(image, "image").base64()),
            faceData=self._face_data(face, face_type, video_type),
            liveCode=live_code,
            extData=ext_data,
            **{"async": async_},
        )
        return self.contract.operation("match").path, req.to_json()

    def build_idno(
        self,
        id_num: str,
        name: str,
        face: Source,
        *,
        face_type: str = "image",
        video_type: str | None = None,
        live_code: str | None = None,
        person_type: Literal["normal", "vip", "inner"] | None = None,
        async_: bool | None = None,
    ) -> tuple[str, dict[str, Any]]:
        req = IdnoRequest(
            idNum=id_num,
            name=name,
            faceData=self._face_data(face, face_type, video_type),
            liveCode=live_code,
            personType=person_type,
            **{"async": async_},  # type: ignore[arg-type]
        )
        return self.contract.operation("matchIdno").path, req.to_json()

    def _interpret(self, body: dict[str, Any], model: type[M]) -> M:
        parsed = model.model_validate(body)
        if self.raise_for_code:
            _raise_for_code(read_answer(self.contract, "match", 200, body))
        return parsed


class FaceMatchClient(_MatchCalls):
    """Synchronous client; `transport=` lets tests aim it at an in-process app."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        contract: Contract | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        raise_for_code: bool = True,
    ) -> None:
        super().__init__(token=token, contract=contract, raise_for_code=raise_for_code)
        self.http = http_client(base_url=base_url, timeout=timeout, transport=transport)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.http.post(path, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            raise describe_transport_error(
                exc, str(self.http.base_url), self.http.timeout
            ) from None
        return json_body(response)

    def match(self, image: Source, face: Source, **kw: Any) -> MatchResponse:
        return self._interpret(self.post(*self.build_match(image, face, **kw)), MatchResponse)

    def idno(self, id_num: str, name: str, face: Source, **kw: Any) -> MatchResponse:
        return self._interpret(self.post(*self.build_idno(id_num, name, face, **kw)), MatchResponse)

    def live_code(self) -> str:
        body = self.post(self.contract.operation("liveCode").path, {})
        parsed: LiveCodeResponse = self._interpret(body, LiveCodeResponse)
        if parsed.data is None or parsed.data.result is None:
            from ._errors import TransportFailure

            raise TransportFailure("validateData answered success without data.result.code")
        return parsed.data.result.code

    def async_result(self, trace_no: str) -> MatchResponse:
        path = self.contract.operation("asyncResult").path
        return self._interpret(
            self.post(path, AsyncResultRequest(traceNo=trace_no).to_json()), MatchResponse
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> FaceMatchClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncFaceMatchClient(_MatchCalls):
    """The same calls over `httpx.AsyncClient`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        contract: Contract | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        raise_for_code: bool = True,
    ) -> None:
        super().__init__(token=token, contract=contract, raise_for_code=raise_for_code)
        self.http = async_http_client(base_url=base_url, timeout=timeout, transport=transport)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self.http.post(path, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            raise describe_transport_error(
                exc, str(self.http.base_url), self.http.timeout
            ) from None
        return json_body(response)

    async def match(self, image: Source, face: Source, **kw: Any) -> MatchResponse:
        return self._interpret(await self.post(*self.build_match(image, face, **kw)), MatchResponse)

    async def idno(self, id_num: str, name: str, face: Source, **kw: Any) -> MatchResponse:
        return self._interpret(
            await self.post(*self.build_idno(id_num, name, face, **kw)), MatchResponse
        )

    async def live_code(self) -> str:
        body = await self.post(self.contract.operation("liveCode").path, {})
        parsed: LiveCodeResponse = self._interpret(body, LiveCodeResponse)
        if parsed.data is None or parsed.data.result is None:
            from ._errors import TransportFailure

            raise TransportFailure("validateData answered success without data.result.code")
        return parsed.data.result.code

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncFaceMatchClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
