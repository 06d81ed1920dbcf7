"""Clients of both APIs over the one sender: typed answers, typed errors, one-line failures.

``FaceMatchClient`` (seed 000, raw token, ERRATA E-016) and ``JdFaceCompareClient`` (seed 004,
every request freshly signed); `transport=` lets tests aim them at an in-process app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Self

import httpx

from harness.config import Credentials
from harness.contract import (
    CompareResponse,
    Contract,
    LiveCodeResponse,
    MatchResponse,
    load_contract,
)
from harness.pacing import Budget

from ._build import Source, compare_body, idno_body, match_body
from ._deadline import DEFAULT_TIMEOUT_S
from ._errors import TransportFailure, raise_for_code
from ._http import Sender, describe_transport_error
from ._request import Exchange, Request


class _Client:
    """What both clients share: the sender, the contract, whether a refusal raises."""

    api = ""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        contract: Contract | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        raise_for_code: bool = True,
        clock: Callable[[], float] = time.time,
        budget: Budget | None = None,
    ) -> None:
        self.contract = contract or load_contract()
        self.raise_for_code = raise_for_code
        self.sender = Sender(
            base_url,
            credentials=credentials,
            contract=self.contract,
            timeout_s=timeout,
            clock=clock,
            transport=transport,
            budget=budget,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.sender.base_url})"

    def post(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """The envelope ``operation`` answers ``body`` with (a TransportFailure when none)."""
        op = self.contract.operation(operation)
        exchange = self.sender.send(
            Request(self.api, operation, op.method.upper(), op.path, json=body)
        )
        return self._envelope(exchange, f"{op.method.upper()} {op.path}")

    def _envelope(self, exchange: Exchange, where: str) -> dict[str, Any]:
        if exchange.cause is not None:
            raise describe_transport_error(
                exchange.cause, self.sender.base_url, self.sender.timeout_s
            )
        if exchange.status >= 500:
            raise TransportFailure(f"{where}: HTTP {exchange.status} from the service")
        if exchange.body is None:
            snippet = exchange.content[:60].decode("utf-8", "replace")
            raise TransportFailure(
                f"{where}: HTTP {exchange.status} with a body that is not JSON ({snippet!r})"
            )
        if not isinstance(exchange.body, dict):
            raise TransportFailure(
                f"{where}: HTTP {exchange.status} with JSON that is not an object"
            )
        if self.raise_for_code and exchange.answer is not None:
            raise_for_code(exchange.answer)
        return exchange.body

    def close(self) -> None:
        self.sender.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FaceMatchClient(_Client):
    """The internal face-match API."""

    api = "match"

    def __init__(self, base_url: str, *, token: str, **options: Any) -> None:
        super().__init__(base_url, Credentials(token=token), **options)

    def match(self, image: Source, face: Source, **kw: Any) -> MatchResponse:
        body = self.post("match", match_body(self.contract, image, face, **kw))
        return MatchResponse.model_validate(body)

    def idno(self, id_num: str, name: str, face: Source, **kw: Any) -> MatchResponse:
        body = self.post("matchIdno", idno_body(self.contract, id_num, name, face, **kw))
        return MatchResponse.model_validate(body)

    def live_code(self) -> str:
        parsed = LiveCodeResponse.model_validate(self.post("liveCode", {}))
        if parsed.data is None or parsed.data.result is None:
            raise TransportFailure("validateData answered success without data.result.code")
        return parsed.data.result.code


class JdFaceCompareClient(_Client):
    """JD faceCompareNew. A "not the same person" answer (1155) is a result, not an error."""

    api = "jd"

    def __init__(self, base_url: str, *, appkey: str, secretkey: str, **options: Any) -> None:
        super().__init__(base_url, Credentials(jd_appkey=appkey, jd_secretkey=secretkey), **options)

    def compare(
        self, compare_image: Source, collection: Sequence[Source], **kw: Any
    ) -> CompareResponse:
        body = compare_body(self.contract, compare_image, collection, **kw)
        return CompareResponse.model_validate(self.post("faceCompareNew", body))


def client_for(
    api: str, base_url: str, credentials: Credentials, **kw: Any
) -> FaceMatchClient | JdFaceCompareClient:
    """The client of ``api`` ("match" or "jd") with the credentials it needs from ``credentials``
    (one missing: a one-line UsageError before anything is sent)."""
    if api == "match":
        return FaceMatchClient(base_url, token=credentials.require_token(), **kw)
    appkey, secret = credentials.require_jd()
    return JdFaceCompareClient(base_url, appkey=appkey, secretkey=secret, **kw)
