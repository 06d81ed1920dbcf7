"""The emulator never wedges: bounded state under floods, every route answering, SIGTERM obeyed,
and start errors (busy or impossible port) as one line and exit 2."""

from __future__ import annotations

import asyncio
import itertools
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from fixtures.cli import cli_env
from fixtures.servers import free_port, start_emulate

from harness.clients import DEMO
from harness.emulator import DEMO_ID_NUM, DEMO_NAME
from harness.emulator._state import (
    MAX_BUCKETS,
    MAX_RETIRED_CODES,
    TRACE_WRAP,
    State,
    live_code_widths,
)

from ._helpers import FACES, b64, jd_body, jd_params

MATCH, IDNO, LIVE, RESULT = (
    "/tech/ai/face/match",
    "/tech/ai/face/match/idno",
    "/tech/ai/face/match/validateData",
    "/tech/ai/face/match/result",
)
SMALL_A, SMALL_B = FACES["eileen_collins_crop"], FACES["grace_hopper_crop"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- state bounds, called directly -------------------------------------------------------------
def test_live_codes_widen_to_six_digits_then_answer_busy(contract):
    """The 4-digit space that once made the lock holder spin for ever: 12,000 codes at once."""
    clock = Clock()
    widths = live_code_widths(contract.livecode_pattern)
    assert widths == (4, 6)
    state = State(clock=clock, live_code_widths=widths, max_live_codes=20_000)
    started = time.monotonic()
    codes = [state.issue_live_code(120) for _ in range(12_000)]
    assert time.monotonic() - started < 5
    assert None not in codes and len(set(codes)) == 12_000
    lengths = Counter(len(c) for c in codes if c)
    assert lengths[4] == 5_000 and lengths[6] == 7_000, lengths  # 4 digits until half are live
    assert all(c and c.isdigit() for c in codes)

    more = [state.issue_live_code(120) for _ in range(8_000)]
    assert None not in more and state.sizes()["live_codes"] == 20_000
    assert state.issue_live_code(120) is None  # full: busy, at once
    assert state.redeem_live_code(codes[0]) == "ok" and state.redeem_live_code(codes[0]) == "used"

    clock.now += 121  # every code expires
    fresh = state.issue_live_code(120)
    assert fresh is not None and len(fresh) == 4  # back to 4 digits
    sizes = state.sizes()
    assert sizes["live_codes"] == 1 and sizes["retired_live_codes"] <= MAX_RETIRED_CODES
    assert state.redeem_live_code(codes[-1]) == "expired"  # recently retired: still known
    assert state.redeem_live_code(codes[1]) == "unknown"  # retired beyond the cap: forgotten
    clock.now += 3800
    state.issue_live_code(120)
    assert state.sizes()["retired_live_codes"] == 0  # retired codes age out too


def test_live_code_pattern_must_be_a_digit_run():
    assert live_code_widths("^[0-9]{4}$") == (4,)
    assert live_code_widths(r"^\d{5,8}$") == (5, 8)
    from harness.errors import SpecError

    with pytest.raises(SpecError):
        live_code_widths("^[a-z]{4}$")


def test_async_jobs_are_bounded_and_expire():
    clock = Clock()
    state = State(clock=clock, max_jobs=50, max_pending_jobs=5)
    pending = [state.add_job(f"t{i}", 600) for i in range(5)]
    assert all(pending) and state.add_job("t5", 600) is None  # five computing: busy
    for job in pending:
        assert job is not None
        state.finish_job(job, {"errcode": 0})
    for i in range(200):
        job = state.add_job(f"u{i}", 600)
        assert job is not None
        state.finish_job(job, {"errcode": 0})
    assert (
        len(state.jobs) == 50 and "u199" in state.jobs and "u0" not in state.jobs
    )  # oldest dropped
    clock.now += 601
    job = state.add_job("late", 600)
    assert job is not None and list(state.jobs) == ["late"]  # expired results dropped


def test_rate_buckets_trace_numbers_and_quota_books_stay_bounded():
    state = State()
    for i in range(MAX_BUCKETS + 500):
        state.allow(f"token:{i}", 10)
    assert len(state.buckets) == MAX_BUCKETS and "token:0" not in state.buckets
    state._trace = itertools.count(TRACE_WRAP - 2)
    lengths = {len(state.trace_no()) for _ in range(5)}
    assert lengths == {21}  # 13-digit ms clock + 8 digits, wraps


# --- real HTTP floods ----------------------------------------------------------------------------
def _requests() -> dict[str, Any]:
    face = {"type": "image", "data": b64(SMALL_B)}
    return {
        "match": (MATCH, {"image": {"data": b64(SMALL_A)}, "faceData": face}),
        "matchAsync": (MATCH, {"async": True, "image": {"data": b64(SMALL_A)}, "faceData": face}),
        "matchIdno": (IDNO, {"idNum": DEMO_ID_NUM, "name": DEMO_NAME, "faceData": face}),
        "liveCode": (LIVE, {}),
        "asyncResult": (RESULT, {"traceNo": "0"}),
        "faceCompareNew": ("/jdai/faceCompareNew", jd_body(compare=SMALL_A, collection=(SMALL_B,))),
    }


async def _send(client: httpx.AsyncClient, name: str, path: str, body: Any) -> dict[str, Any]:
    if name == "faceCompareNew":
        r = await client.post(path, params=jd_params(), json=body)
    else:
        r = await client.post(path, json=body, headers={"Authorization": DEMO.token})
    assert r.status_code == 200, (name, r.status_code, r.text[:200])
    return r.json()  # type: ignore[no-any-return]


async def _flood(
    url: str, seconds: float, workers: int, only: str | None = None
) -> dict[str, Counter[str]]:
    """Every route (or `only` one) at once, `workers` concurrent clients, for `seconds`; every
    answer recorded."""
    requests = _requests()
    names = [only] if only else list(requests)
    answers: dict[str, Counter[str]] = {n: Counter() for n in names}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=workers)
    async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:

        async def worker(i: int) -> None:
            for n in itertools.count(i):
                if time.monotonic() > deadline:
                    return
                name = names[n % len(names)]
                body = await _send(client, name, *requests[name])
                code = body.get("errcode", body.get("code"))
                if name == "liveCode" and code == 0:
                    code = f"0:{len(body['data']['result']['code'])}digits"
                answers[name][str(code)] += 1

        await asyncio.gather(*(worker(i) for i in range(workers)))
    return answers


def test_flood_of_every_route_past_ten_thousand_live_codes_keeps_every_route_answering(emulator):
    url = emulator()
    state = emulator.app.state.emulator.state  # type: ignore[attr-defined]
    for _ in range(10_500):  # the flood that used to wedge it, issued directly
        assert state.issue_live_code(120) is not None
    answers = asyncio.run(_flood(url, seconds=4, workers=12))
    for name, counts in answers.items():
        assert sum(counts.values()) >= 10, (name, counts)
    assert set(answers["liveCode"]) == {"0:6digits"}, answers["liveCode"]  # 4-digit space crowded
    assert set(answers["match"]) == {"0"} and set(answers["matchIdno"]) == {"0"}
    assert set(answers["asyncResult"]) == {"40041"}
    assert set(answers["faceCompareNew"]) == {"10000"}
    sizes = state.sizes()
    assert sizes["live_codes"] <= state.max_live_codes and sizes["async_jobs"] <= state.max_jobs
    assert sizes["pending_async_jobs"] <= state.max_pending_jobs

    state.max_live_codes = sizes["live_codes"]  # a full code space: busy answers, every route alive
    answers = asyncio.run(_flood(url, seconds=1.5, workers=8))
    busy = emulator.app.state.emulator.match_busy  # type: ignore[attr-defined]
    assert set(answers["liveCode"]) == {str(busy)}, answers["liveCode"]
    assert (
        busy == 42900
        and set(answers["match"]) == {"0"}
        and set(answers["faceCompareNew"]) == {"10000"}
    )
    r = httpx.post(url + LIVE, json={}, headers={"Authorization": DEMO.token}, timeout=5).json()
    assert r["errcode"] == busy and "liveCodes are live" in r["errmsg"]
    stats = httpx.get(url + "/_emulator/stats", timeout=5).json()
    assert stats["live_codes"] == sizes["live_codes"] and "retired_live_codes" in stats


@pytest.mark.parametrize("route", list(_requests()))
def test_a_flood_of_one_route_leaves_every_other_route_answering(emulator, route):
    url = emulator()
    state = emulator.app.state.emulator.state  # type: ignore[attr-defined]
    for _ in range(10_000):  # the 4-digit space's worth, as a long flood leaves it
        state.issue_live_code(120)
    requests = _requests()

    async def flood_and_probe() -> tuple[dict[str, Counter[str]], dict[str, float]]:
        flood = asyncio.ensure_future(_flood(url, seconds=1.5, workers=10, only=route))
        await asyncio.sleep(0.5)
        waited: dict[str, float] = {}
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            for name, (path, body) in requests.items():
                started = time.monotonic()
                assert (
                    "errcode" in await _send(client, name, path, body) or name == "faceCompareNew"
                )
                waited[name] = time.monotonic() - started
        return await flood, waited

    answers, waited = asyncio.run(flood_and_probe())
    assert sum(answers[route].values()) >= 20, answers
    assert max(waited.values()) < 3, waited


def test_async_requests_answer_busy_beyond_the_pending_bound(emulator):
    url = emulator()
    state = emulator.app.state.emulator.state  # type: ignore[attr-defined]
    path, body = _requests()["matchAsync"]
    state.max_pending_jobs = 0
    r = httpx.post(url + path, json=body, headers={"Authorization": DEMO.token}, timeout=5).json()
    assert r["errcode"] == 42900 and "async requests are processing" in r["errmsg"]

    state.max_pending_jobs, state.max_jobs = 4, 20

    async def burst() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            return await asyncio.gather(
                *(_send(client, "matchAsync", path, body) for _ in range(60))
            )

    answers = asyncio.run(burst())
    codes = Counter(a["errcode"] for a in answers)
    assert set(codes) <= {0, 42900} and codes[0] >= 4, codes
    assert len(state.jobs) <= 20 and state.pending_jobs <= 4
    last = next(a for a in reversed(answers) if a["errcode"] == 0)["data"]["traceNo"]
    deadline = time.monotonic() + 5
    while (
        result := httpx.post(
            url + RESULT, json={"traceNo": last}, headers={"Authorization": DEMO.token}, timeout=5
        ).json()
    )["data"]["status"] == "PROCESSING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert result["errcode"] == 0 and result["data"]["status"] == "SUCCESS"


# --- the `faceharness emulate` process ----------------------------------------------------------
def _hammer(url: str, stop: threading.Event, answered: Counter[str]) -> None:
    requests = _requests()
    with httpx.Client(base_url=url, timeout=3) as client:
        for name in itertools.cycle(requests):
            if stop.is_set():
                return
            path, body = requests[name]
            try:
                if name == "faceCompareNew":
                    client.post(path, params=jd_params(), json=body)
                else:
                    client.post(path, json=body, headers={"Authorization": DEMO.token})
                answered["ok"] += 1
            except httpx.HTTPError:
                answered["error"] += 1


def test_sigterm_under_flood_stops_emulate_within_seconds():
    proc, url = start_emulate("--port", "0", "--fault", "hang:0.1", "--fault", "slow:0.1")
    stop, answered = threading.Event(), Counter[str]()
    threads = [threading.Thread(target=_hammer, args=(url, stop, answered)) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        time.sleep(2.5)  # hung requests among the flood (a tenth hang, up to 3 s each) ...
        deadline = time.monotonic() + 30  # ... and over 20 answered, however slow the machine
        while answered["ok"] <= 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert answered["ok"] > 20, answered  # a real flood is running, hung requests among it
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=15)
        took = time.monotonic() - sent
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    proc.__exit__(None, None, None)  # closes the pipes (warnings are errors)
    assert took < 7, took
    assert rc == 130, (rc, err)
    assert err.strip().splitlines()[-1] == "faceharness: emulator stopped (SIGTERM)", err[-3000:]
    assert "Traceback" not in err and "Exception in ASGI" not in err and "Cancel" not in err, err[
        -3000:
    ]


WEDGED_APP = textwrap.dedent("""
    import sys, time
    from harness.emulator import serve_forever

    async def app(scope, receive, send):
        if scope["type"] == "http":
            time.sleep(60)          # holds the event loop, as the spinning live-code loop did

    print("stopped", serve_forever(lambda: app, host="127.0.0.1", port=0,
                                   announce=lambda url: print(url, file=sys.stderr, flush=True)))
""")


def test_sigterm_ends_even_a_wedged_event_loop():
    proc = subprocess.Popen(
        [sys.executable, "-c", WEDGED_APP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stderr is not None
        url = proc.stderr.readline().strip()
        with pytest.raises(httpx.TimeoutException):
            httpx.get(url, timeout=1)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=15)
        assert time.monotonic() - sent < 8
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 130
    with proc:
        assert "forced after" in proc.stderr.read()


def test_emulate_on_a_busy_port_is_one_line_and_exit_2_before_announcing(cli):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        r = cli("emulate", "--engine", "fast", "--port", str(port))
    assert r.returncode == 2, r
    assert r.stderr.count("\n") == 1 and "already in use" in r.stderr and str(port) in r.stderr, (
        r.stderr
    )
    assert "emulator on" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_emulate_on_an_impossible_port_is_one_line_and_exit_2(port, cli):
    r = cli("emulate", "--engine", "fast", "--port", port)
    assert r.returncode == 2, r
    assert (
        r.stderr.count("\n") == 1
        and f"--port {port}" in r.stderr
        and "0 (any free port) to 65535" in r.stderr
    )
    assert "internal error" not in r.stderr and "emulator on" not in r.stderr and r.stdout == ""


def test_emulate_announces_the_port_it_bound_and_ctrl_c_stops_it():
    port = free_port()
    proc, url = start_emulate("--port", str(port))
    try:
        assert url == f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/_emulator/health", timeout=5).json()["status"] == "ok"
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 130
    with proc:
        assert (
            proc.stderr is not None
            and proc.stderr.read().strip() == "faceharness: emulator stopped (SIGINT)"
        )


@pytest.mark.parametrize("build_s", [0.0, 1.5])
def test_serve_forever_serves_without_an_announce_as_the_benchmark_baseline_calls_it(build_s):
    """benchmarks/_servers.py serves its baseline app with ``serve_forever(make_app, host=...,
    port=...)``: no ``announce``, the port named in advance. A SIGTERM as soon as the port is
    open (here while the app is still being built) is the same clean stop."""
    port = free_port()
    code = textwrap.dedent(f"""
        import time
        from harness.emulator._server import serve_forever

        async def app(scope, receive, send):
            pass

        def build():
            time.sleep({build_s})
            return app

        print("stopped", serve_forever(build, host="127.0.0.1", port={port}))
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert out.strip() == "stopped SIGTERM", (out, err[-3000:])


@pytest.mark.parametrize("settings", [{}, {"latency": {"match": "fixed:1ms"}}])
def test_a_client_that_leaves_mid_body_gets_no_traceback_logged(settings: dict[str, Any]) -> None:
    """A client interrupted while sending (Ctrl-C of `fuzz` against the embedded emulator) made
    uvicorn log "Exception in ASGI application" with a ClientDisconnect traceback on the user's
    terminal: the emulator stops quietly instead, on its fast path and through its middleware."""
    from harness.emulator import build_settings, create_app

    app = create_app(build_settings(**settings))
    messages = iter([{"type": "http.request", "body": b'{"ima', "more_body": True}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    token = (DEMO.token or "").encode()
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/tech/ai/face/match", "raw_path": b"/tech/ai/face/match", "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 9), "client": ("127.0.0.1", 1),
        "headers": [(b"authorization", token), (b"content-type", b"application/json")],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))  # raised ClientDisconnect before, which uvicorn logs
    assert not [m for m in sent if m.get("status") == 200]  # nothing was compared
