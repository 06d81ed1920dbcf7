"""A request as a finding keeps it: complete (images included) but free of secrets.

Credentials are replaced by an auth directive (see ``_auth``) and the JD fixed ``appAuthorityKey``
by a marker; a replay turns both back into real values from the environment, config and contract.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from harness.clients import VALID, Auth, Credentials, Request
from harness.clients._auth import JD_AUTH_PARAMS, TOKEN_HEADER
from harness.contract import Contract
from harness.findings import AUTHORITY_KEY, MARK_INVALID, MARK_VALID

from . import _auth

INVALID_AUTHORITY = "faceharness-invalid-authority-key"


@dataclass
class Exchange:
    api: str
    operation: str
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = True
    media_type: str | None = "application/json"
    auth: Auth = VALID
    mode: str = "unknown"

    def to_dict(self) -> dict[str, Any]:
        """The replay file's form: credentials as a directive (``"fresh"``, ``{"sign": ...}``)."""
        return {**asdict(replace(self, auth=VALID)), "auth": self.auth.directive(self.api)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["auth"] = Auth.from_directive(str(known.get("api", "")), known.get("auth", "fresh"))
        return cls(**known)

    def redacted_view(self) -> dict[str, Any]:
        """The request for a Finding (``Finding`` itself masks images and credential keys)."""
        view: dict[str, Any] = {
            "method": self.method.upper(),
            "path": self.path,
            "credentials": self.auth.describe(self.api),
        }
        if self.query:
            view["query"] = self.query
        if self.headers:
            view["headers"] = self.headers
        if self.has_body:
            view["body"] = self.body
        return view


def from_case(
    case: Any, *, api: str, operation: str, creds: Credentials, contract: Contract, mode: str
) -> Exchange:
    """Describe a schemathesis case that was (or is about to be) sent."""
    from schemathesis.core import NOT_SET

    query = {str(k): v for k, v in dict(case.query or {}).items()}
    headers = {str(k): str(v) for k, v in dict(case.headers or {}).items()}
    if api == "jd":
        auth = _auth.jd_auth_of(query, creds, contract.jd_timestamp_window_ms)
        for name in JD_AUTH_PARAMS:
            query.pop(name, None)
    else:
        auth = _auth.token_auth_of(headers, creds)
        headers = {k: v for k, v in headers.items() if k.lower() != TOKEN_HEADER.lower()}
    body = case.body
    has_body = body is not NOT_SET
    return Exchange(
        api=api,
        operation=operation,
        method=str(case.method).upper(),
        path=str(case.formatted_path if hasattr(case, "formatted_path") else case.path),
        query=query,
        headers=headers,
        body=_scrub_body(body, contract) if has_body else None,
        has_body=has_body,
        media_type=case.media_type,
        auth=auth,
        mode=mode,
    )


def _scrub_body(body: Any, contract: Contract) -> Any:
    if isinstance(body, bytes):
        return {"$bytes": base64.b64encode(body).decode("ascii")}
    body = copy.deepcopy(body)
    if isinstance(body, dict) and AUTHORITY_KEY in body:
        fixed = contract.jd_fixed_fields.get(AUTHORITY_KEY)
        body[AUTHORITY_KEY] = MARK_VALID if body[AUTHORITY_KEY] == fixed else MARK_INVALID
    try:
        json.dumps(body)
    except (TypeError, ValueError):
        return repr(body)
    return body


def resolve_body(body: Any, contract: Contract) -> Any:
    """The body to send: markers replaced by the contract's fixed value (or an invalid one)."""
    if isinstance(body, dict) and set(body) == {"$bytes"}:
        return base64.b64decode(body["$bytes"])
    body = copy.deepcopy(body)
    if isinstance(body, dict) and body.get(AUTHORITY_KEY) in (MARK_VALID, MARK_INVALID):
        valid = body[AUTHORITY_KEY] == MARK_VALID
        body[AUTHORITY_KEY] = (
            contract.jd_fixed_fields[AUTHORITY_KEY] if valid else INVALID_AUTHORITY
        )
    return body


def to_request(exchange: Exchange, contract: Contract) -> Request:
    """The request the one HTTP layer sends for ``exchange`` (credentials made when it is sent)."""
    body = resolve_body(exchange.body, contract) if exchange.has_body else None
    return Request(
        api=exchange.api,
        operation=exchange.operation,
        method=exchange.method,
        path=exchange.path,
        json=None if isinstance(body, bytes) else body,
        raw_body=body if isinstance(body, bytes) else None if exchange.has_body else b"",
        auth=exchange.auth,
        query={k: str(v) for k, v in exchange.query.items()},
        headers=exchange.headers,
    )


def to_case(exchange: Exchange, operation: Any, *, creds: Credentials, contract: Contract) -> Any:
    """A schemathesis case for ``operation`` that sends ``exchange`` with freshly made
    credentials."""
    from schemathesis.core import NOT_SET

    query = dict(exchange.query)
    headers = dict(exchange.headers)
    exchange.auth.put(
        exchange.api, headers, query, creds, window_ms=contract.jd_timestamp_window_ms
    )
    body = resolve_body(exchange.body, contract) if exchange.has_body else NOT_SET
    return operation.Case(
        method=exchange.method,
        query=query,
        headers=headers,
        body=body,
        media_type=exchange.media_type,
    )
