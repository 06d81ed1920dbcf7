"""Before a suite judges a service, the run proves it can (exit 2 otherwise): one cheap request
per API (JD's signed with an empty body: no billable comparison); only refused credentials fail.
JD's is refused as a bad sign by a service dropping the digest's leading zero (FH-A21) one time
in 16: then it is signed once more with a timestamp whose sign has none, and the run goes on when
that one passes (the run's FH-A21 names the defect), exit 2 when it is refused too."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace

import httpx

from harness.clients import (
    Auth,
    Credentials,
    Exchange,
    Given,
    Request,
    Sender,
    check_reachable,
    not_zero_led,
    redacted_line,
    redirect_why,
    sign_zero_led,
    unreachable_why,
)
from harness.contract import Answer, Contract, load_contract
from harness.errors import TargetError
from harness.pacing import Budget

DEFAULT_TIMEOUT_S = 10.0  # at most, per attempt: validateData and an empty JD body are cheap
ATTEMPTS = 4  # a reset is tried again (a faulty target may drop one request)
# the pauses before a reset request's next attempt, and before the base URL is asked once more:
# a target resetting while it starts (a balancer before its backend is up) is waited for, a few
# seconds in all (session 26: four attempts and one check in 0.8 s called it unreachable)
PAUSES_S = (0.5, 1.0, 1.5, 1.5)  # before attempts 2-4, before the second check: 4.5 s
# after a timeout, how long the base URL gets to answer at all: a service still clearing a
# backlog answers within it; a hang (nothing answered) could not run, as for conform's check
REACH_S = 5.0
_REJECTED_HTTP = (401, 403)  # HTTP convention: the request's credentials were refused
_FIX = {
    "match": "check FACEHARNESS_TOKEN or token under [credentials]",
    "jd": "check FACEHARNESS_JD_APPKEY/FACEHARNESS_JD_SECRETKEY or jd_appkey/jd_secretkey "
          "under [credentials]",
}  # fmt: skip


class PreflightError(TargetError):
    """The target is unreachable or refused the run's credentials: nothing can be judged."""


def now_s() -> float:
    """The pre-check's clock (its JD timestamps): a test sets one whose sign begins with 0."""
    return time.time()


def pause(seconds: float) -> None:
    """The pre-check's wait between attempts (a test counts them instead)."""
    time.sleep(seconds)


def apis_with_credentials(credentials: Credentials) -> tuple[str, ...]:
    """The APIs a run can call with these credentials (the gate tests only those)."""
    usable = {"match": credentials.token, "jd": credentials.jd_appkey and credentials.jd_secretkey}
    return tuple(api for api, ok in usable.items() if ok)


def apis_of(operations: Iterable[str]) -> tuple[str, ...]:
    """The APIs serving these contract operations (a load scenario's), in order."""
    return tuple(dict.fromkeys(load_contract().operation(op).api for op in operations))


def preflight(
    url: str,
    *,
    apis: Iterable[str],
    credentials: Credentials,
    contract: Contract | None = None,
    timeout_s: float | None = None,
    budget: Budget | None = None,
) -> list[str]:
    """One authenticated request per API, each spent from ``budget``; what each proved."""
    contract = contract or load_contract()
    seconds = min(timeout_s or DEFAULT_TIMEOUT_S, DEFAULT_TIMEOUT_S)
    secrets = credentials.secrets()
    proved = []
    sender = Sender(
        url,
        credentials=credentials,
        contract=contract,
        timeout_s=seconds,
        budget=budget,
        clock=now_s,
    )
    with sender:
        for api in dict.fromkeys(apis):
            if api not in _FIX:
                raise ValueError(f"unknown api {api!r}")
            proved.append(_prove(sender, api, secrets))
    return proved


def _prove(sender: Sender, api: str, secrets: list[str]) -> str:
    op = sender.contract.operation("liveCode" if api == "match" else "faceCompareNew")
    stamp = str(int(sender.clock() * 1000))  # JD's: known, so is whether its sign begins with 0
    auth = Auth() if api == "match" else Auth(timestamp=Given(stamp))
    request = Request(api, op.operation_id, "POST", op.path, json={}, auth=auth)
    exchange = _send(sender, request, secrets)
    if isinstance(exchange, str):
        return f"{api}: {exchange}; credentials not proven, the suites judge the answers"
    answer = exchange.answer
    assert answer is not None
    where = f"POST {op.path}" + ("" if api == "match" else " (signed, empty body)")
    _refuse_redirect(sender.base_url, op.path, where, exchange, secrets)
    saw = ""
    if api == "jd" and _zero_led_refused(sender, answer, stamp):
        again = not_zero_led(sender.credentials, int(sender.clock() * 1000))
        retry = _send(sender, replace(request, auth=Auth(timestamp=Given(again))), secrets)
        if isinstance(retry, str):  # the one refusal cannot tell the credentials wrong
            return f"{api}: {retry}; credentials not proven, the suites judge the answers"
        assert retry.answer is not None
        _refuse_redirect(sender.base_url, op.path, where, retry, secrets)
        exchange, answer = retry, retry.answer
        saw = (
            "; a right sign whose MD5 begins with 0 refused before it as invalid (FH-A21: "
            "the expected sign drops the digest's leading zero)"
        )
    _judge(sender.base_url, api, where, exchange.status, answer, secrets)
    if api == "match":
        return f"match: {where} answered HTTP {exchange.status}, errcode {answer.code_text}"
    if answer.where == "gateway" and answer.refused:
        return f"jd: {where} answered gateway code {answer.code_text}{saw}"
    return f"jd: {where} passed the gateway, business code {answer.code_text}{saw}"


def _zero_led_refused(sender: Sender, answer: Answer, stamp: str) -> bool:
    """The signed request was refused as a bad sign (the code's meaning, not its number) and its
    sign's MD5 hex begins with 0: a service dropping the leading zero (FH-A21) refuses it with the
    right credentials, so one sign cannot tell the credentials wrong (one run in 16 stopped)."""
    meaning = answer.meaning
    bad_sign = meaning is not None and meaning.name == "bad_sign"
    return bad_sign and sign_zero_led(sender.credentials, stamp)


def _send(sender: Sender, request: Request, secrets: list[str]) -> Exchange | str:
    """The answer to ``request``, or why there was none. No connection is final; a reset is
    tried again (one transient fault must not stop a run); a timeout is the suites' to judge when
    the target answers anything at all (an operation that hangs is measured), else nothing can be
    (a hang from the first request): could not run, exit 2, for every command alike."""
    for attempt in range(ATTEMPTS):
        exchange = sender.send(request, paced=False)
        if (exc := exchange.cause) is None:
            return exchange
        text = redacted_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, secrets)
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            raise PreflightError(f"target {sender.base_url} {unreachable_why(exc, text)}") from None
        if isinstance(exc, httpx.TimeoutException):
            try:  # conform's and fuzz's own check: does the base URL answer at all?
                check_reachable(sender.base_url, REACH_S, secrets)
            except TargetError as why:
                raise PreflightError(str(why)) from None
            return f"no answer to POST {request.path} within the timeout"
        if isinstance(exc, httpx.NetworkError) and attempt < ATTEMPTS - 1:
            pause(PAUSES_S[attempt])  # reset: the target may be starting
    # not HTTP each time, or reset each time (hostile session 26, rst_on_accept: the gate went
    # on to four stages that each could not run): is the base URL HTTP at all?
    if isinstance(exc, httpx.RemoteProtocolError | httpx.NetworkError):
        try:  # conform's and fuzz's own check (hostile session 22: accuracy judged no answer
            check_reachable(sender.base_url, REACH_S, secrets)  # as "inconclusive", exit 0)
        except TargetError as why:
            if not isinstance(exc, httpx.NetworkError):
                raise PreflightError(str(why)) from None
            pause(PAUSES_S[ATTEMPTS - 1])  # reset each time: once more, after a moment
            try:
                check_reachable(sender.base_url, REACH_S, secrets)
            except TargetError as again:
                raise PreflightError(str(again)) from None
    return f"POST {request.path}: {text} ({ATTEMPTS} attempts)"


def _refuse_redirect(
    url: str, path: str, where: str, exchange: Exchange, secrets: list[str]
) -> None:
    """A documented path redirected to a moved base (the place ends with the path asked, on this
    host or another): could not run (exit 2), naming the --target to use. The documents give the
    paths, not that a service answers there at once (legit round 11 redirect-308), but no suite
    follows a redirect (the credentials go to the target only, a redirect may name any host), so
    every answer would be judged a redirect: dozens of high findings of no defect. Any other
    redirect (one operation to a login page) is the suites' to judge: one answer, not the run."""
    moved = redirect_why(url, path, exchange.status, exchange.headers, secrets)
    if moved is not None and "--target" in moved:
        raise PreflightError(f"{url} answers {where} {moved}")


def _judge(url: str, api: str, where: str, status: int, answer: Answer, secrets: list[str]) -> None:
    """Raise when the answer says the run's credentials (or account) cannot be used."""
    # masked whole, then cut: a cut image or secret is no longer one the redaction recognises
    meaning, said = answer.meaning, redacted_line(answer.message or "", secrets)[:120]
    code = None if answer.code is None else answer.label
    quoted = f"; service said: {said!r}" if said else ""
    if meaning is not None and meaning.category == "quota" and not meaning.retryable:
        # the credentials were taken: the account is out of calls (JD 10040), no key to fix
        why = f"{api} {code} ({meaning.en}) on {where}{quoted}"
        raise PreflightError(f"the account cannot make calls now at {url}: {why}")
    if meaning is not None and meaning.category == "auth":
        why = f"{api} {code} ({meaning.en})"
    elif status in _REJECTED_HTTP:
        why = f"HTTP {status}" + (f" with {api} {code}" if code else "")
    else:
        return
    raise PreflightError(f"credentials rejected by {url}: {why} on {where}{quoted}; {_FIX[api]}")
