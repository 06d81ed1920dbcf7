"""Load engine and suite benchmarks; every target is measured in this one run.

1. Limit search: the emulator throttled at 200 requests/s (fast engine; liveCode, the
   cheapest operation, so the throttle and not this machine is the limit) ->
   ``find-limit`` reports 200 +/- 5 % in under 2 minutes.
2. Latency accuracy: the emulator with a fixed 50 ms added latency at 20 requests/s ->
   the measured p50 is within 1 ms + 2 % of the true service time: this run's p50 without
   added latency plus the added time as the server itself measured it (50 ms and its
   timer's overshoot), both measured here.
3. Coordinated omission: the emulator stalling 1 s every 10 s -> open-model p99 >= 0.9 s;
   the closed-model p99 of the same service is printed beside it (what it hides).
4. Generator cost: against a zero-work loopback server, requests/s per CPU-second of our
   generator process >= plain Locust FastHttpUser's, same machine, same users.
5. Schedule: plain Locust FastHttpUser (32 users, closed model, one process) sends the scenario's
   medium /match requests to a sink that is not the bottleneck; our open model, offered 90 % and
   100 % of that rate against the same sink, completes >= 97 % of it with <= 1 % of sends late or
   dropped (issue 16: 90 % is the goal, 100 % the aim); and a master with 2 workers, each at the
   same rate as a master with 1 worker, spends no more CPU per request (near-linear scaling with
   processes: the second process adds what the first does).

Run alone: ``python -m benchmarks bench_load`` (about 7 minutes).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _table  # noqa: E402

from harness.errors import HarnessError  # noqa: E402
from harness.loadgen import run_load  # noqa: E402
from harness.loadgen.suite import EmulatorOptions, LimitOptions, run_load_suite  # noqa: E402

TARGET_QPS = 200.0

ZERO_SERVER = r"""
import asyncio, socket, sys
COUNT = 0
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
class Zero(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def data_received(self, data):
        global COUNT
        self.buffer += data
        out = []
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            if head.startswith(b"GET /_count "):
                n = str(COUNT).encode()
                out.append(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(n), n))
            else:
                COUNT += 1
                out.append(OK)
        self.transport.write(b"".join(out))
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Zero, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    await server.serve_forever()
asyncio.run(main())
"""

SINK_SERVER = r"""
import asyncio, socket, sys
COUNT = 0
def answer(n):
    body = (b'{"errcode":0,"data":{"status":"SUCCESS","traceNo":"%020d","result":{"success":"true",'
            b'"score":"100"}},"errmsg":"SUCCESS"}' % n)
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/json\r\n\r\n"
    return head % len(body) + body
class Sink(asyncio.BufferedProtocol):
    def connection_made(self, transport):
        self.transport, self.head, self.need = transport, bytearray(), 0
        self.buf = bytearray(256 * 1024)
        self.view = memoryview(self.buf)
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def get_buffer(self, hint):
        return self.view
    def buffer_updated(self, n):
        global COUNT
        pos, out, buf = 0, [], self.buf
        while pos < n:
            if self.need:  # body bytes: counted, never copied
                take = min(self.need, n - pos)
                self.need -= take
                pos += take
                if not self.need:
                    COUNT += 1
                    out.append(answer(COUNT))
                continue
            if self.head:
                self.head += buf[pos:n]
                end = self.head.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = bytes(self.head[:end])
                pos = n - (len(self.head) - end - 4)
                self.head.clear()
            else:
                end = buf.find(b"\r\n\r\n", pos, n)
                if end < 0:
                    self.head += buf[pos:n]
                    break
                head, pos = bytes(buf[pos:end]), end + 4
            head = head.lower()
            if head.startswith(b"get /_count "):
                c = str(COUNT).encode()
                out.append(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(c), c))
                continue
            at = head.find(b"\r\ncontent-length:")
            self.need = int(head[at + 17:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if not self.need:
                COUNT += 1
                out.append(answer(COUNT))
        if out:
            self.transport.write(b"".join(out))
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    await server.serve_forever()
asyncio.run(main())
"""
"""Reads each request's body and answers a fixed /match success envelope (the emulator's answer
for a same-image match, with a fresh traceNo): a server that is not the bottleneck, so the
schedule bench measures the load generators, not the service."""

PLAIN_LOCUSTFILE = """
from locust import FastHttpUser, constant, task
class PlainUser(FastHttpUser):
    wait_time = constant(0)
    max_retries = 0
    @task
    def echo(self):
        self.client.get("/echo")
"""


@dataclass
class Row:
    name: str
    measured: str
    target: str
    ok: bool
    seconds: float


def _timed(fn: Callable[[], tuple[str, str, bool]], name: str) -> Row:
    """Run one bench; one whose load run could not run (a partial run on a busy machine, say)
    is a missed row with the reason, not a lost table."""
    started = time.monotonic()
    try:
        measured, target, ok = fn()
    except HarnessError as exc:
        measured, target, ok = str(exc), "a complete run", False
        _table.record(name, 0.0, "runs", goal="a complete run", ok=False, note=str(exc)[:300])
    row = Row(name, measured, target, ok, time.monotonic() - started)
    print(
        f"  {name}: {measured} (target {target}) {'ok' if ok else 'MISSED'} [{row.seconds:.0f} s]",
        flush=True,
    )
    return row


# -- 1. limit search --------------------------------------------------------------------------


def bench_limit(out: Path) -> tuple[str, str, bool]:
    started = time.monotonic()
    suite = run_load_suite(
        "emulator", out_dir=out / "limit", scenario="liveCode",
        emulator=EmulatorOptions(engine="fast", qps=TARGET_QPS),
        search=LimitOptions(start_rate=50, max_rate=2000, slo_p99_ms=1000, max_error_rate=0.01,
                            time_budget_s=110),
    )  # fmt: skip
    elapsed = time.monotonic() - started
    exact = suite.metrics is not None and suite.metrics.qps_limit_bound == "exact"
    limit = suite.metrics.qps_limit if suite.metrics and exact else None  # not a bound
    for step in suite.metrics.limit_search if suite.metrics else []:
        extra = step.model_extra or {}
        verdict = "good" if step.ok else "bad: " + "; ".join(extra.get("reasons", []))
        print(f"    offered {step.offered:7.1f}/s ok {extra.get('ok_rps', 0):7.1f}/s "
              f"p99 {step.p99} ms {verdict}")  # fmt: skip
    off = None if limit is None else abs(limit - TARGET_QPS) / TARGET_QPS
    ok = off is not None and off <= 0.05 and elapsed < 120
    shown = "none" if limit is None else f"{limit:.1f}/s ({off:+.1%}) in {elapsed:.0f} s"
    _table.record(
        "find-limit on an emulator throttled at 200/s",
        limit or 0.0,
        "req/s",
        baseline=TARGET_QPS,
        goal="200/s +/- 5 % in < 120 s",
        ok=ok,
        note=f"search took {elapsed:.0f} s",
    )
    return shown, f"{TARGET_QPS:.0f}/s +/- 5 % in < 120 s", ok


# -- 2. latency accuracy -----------------------------------------------------------------------


class ServerTiming:
    """ASGI wrapper timing each request inside the server: first call to last body byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.ms: list[float] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path", "").startswith("/_emulator"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: dict[str, Any]) -> None:
            await send(message)
            done = message["type"] == "http.response.body" and not message.get("more_body")
            if done and len(self.ms) < 100_000:
                self.ms.append((time.perf_counter() - started) * 1000.0)

        await self.app(scope, receive, timed_send)


def _p50_run(out: Path, latency: dict[str, str]) -> tuple[float, float]:
    """(our open-model p50, the server's own p50), both in ms, for liveCode at 20/s."""
    from harness.emulator import EmulatorServer, build_settings, create_app
    from harness.loadgen.scenarios import ScenarioOptions

    timing = ServerTiming(create_app(build_settings(engine="fast", latency=latency or None)))
    with EmulatorServer(timing) as url:
        result = run_load(
            url, ScenarioOptions(scenario="liveCode", demo_credentials=True), rate=20,
            duration_s=10, out_dir=out,
        )  # fmt: skip
    assert result.summary["by_class"]["success"] == result.summary["totals"]["completed"], (
        result.summary["errors_by_code"]
    )
    ours = result.summary["latency_ms"]["p50"]
    server = sorted(timing.ms)[len(timing.ms) // 2]
    return float(ours), server


def bench_fixed_latency(out: Path) -> tuple[str, str, bool]:
    base, server_base = _p50_run(out / "latency-none", {})
    measured, server_slow = _p50_run(out / "latency-50ms", {"default": "fixed:50ms"})
    added = server_slow - server_base  # 50 ms plus the server's own timer overshoot
    true = base + added
    bound = 1.0 + 0.02 * true
    print(f"    without added latency: our p50 {base:.2f} ms (server's own {server_base:.2f} ms)")
    print(f"    with fixed:50ms:       our p50 {measured:.2f} ms (server's own "
          f"{server_slow:.2f} ms); added as the server saw it {added:.2f} ms")  # fmt: skip
    ok = abs(measured - true) <= bound
    _table.record(
        "open-model p50 with a fixed 50 ms added",
        measured,
        "ms",
        baseline=true,
        goal=f"|off| <= {bound:.2f} ms",
        ok=ok,
        note="baseline: true service time measured in this run",
    )
    return (f"p50 {measured:.2f} ms vs true {true:.2f} ms, off {measured - true:+.2f} ms",
            f"|off| <= {bound:.2f} ms", ok)  # fmt: skip


# -- 3. stall: open vs closed model ------------------------------------------------------------


def bench_stall(out: Path) -> tuple[str, str, bool]:
    stall = EmulatorOptions(engine="fast", latency=("stall:1s/10s",))
    open_suite = run_load_suite("emulator", out_dir=out / "stall-open", scenario="match",
                                rate=100, duration_s=20, emulator=stall)  # fmt: skip
    closed_suite = run_load_suite("emulator", out_dir=out / "stall-closed", scenario="match",
                                  users=5, duration_s=20, emulator=stall)  # fmt: skip
    op99 = _p99_s(open_suite)
    cp99 = _p99_s(closed_suite)
    cp999 = _pct_s(closed_suite, "p999")
    print(f"    open-model  (latency from intended start): p99 {op99:.3f} s")
    print(f"    closed-model (latency from actual send):   p99 {cp99:.3f} s, p99.9 {cp999:.3f} s "
          f"-> the closed model shows {op99 / max(cp99, 1e-6):.0f}x less at p99")  # fmt: skip
    _table.record(
        "open-model p99, 1 s stall every 10 s",
        op99,
        "s",
        baseline=cp99,
        goal=">= 0.9 s",
        ok=op99 >= 0.9,
        note="baseline: the closed model's p99 of the same service",
    )
    return f"open p99 {op99:.3f} s; closed p99 {cp99:.3f} s", "open p99 >= 0.9 s", op99 >= 0.9


def _pct_s(suite: Any, key: str) -> float:
    assert suite.metrics is not None and suite.metrics.latency_ms is not None, suite.error
    value = getattr(suite.metrics.latency_ms, key)
    assert value is not None
    return float(value) / 1000.0


def _p99_s(suite: Any) -> float:
    return _pct_s(suite, "p99")


# -- 4. generator cost -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _window(
    url: str, find_pid: Callable[[], int], warm_s: float, span_s: float
) -> tuple[float, float]:
    """(requests/s served, generator CPU cores used) between warm_s and warm_s + span_s."""
    pid = find_pid()
    time.sleep(warm_s)
    proc = psutil.Process(pid)
    with httpx.Client() as client:
        c0, n0, t0 = proc.cpu_times(), int(client.get(url + "/_count").text), time.monotonic()
        time.sleep(span_s)
        c1, n1, t1 = proc.cpu_times(), int(client.get(url + "/_count").text), time.monotonic()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    return (n1 - n0) / (t1 - t0), cpu / (t1 - t0)


def _locust_child(exclude: int) -> Callable[[], int]:
    def find() -> int:
        me = psutil.Process()
        for _ in range(300):
            for child in me.children(recursive=True):
                if child.pid != exclude and "locust" in " ".join(child.cmdline()):
                    return int(child.pid)
            time.sleep(0.05)
        raise RuntimeError("the load generator process did not start")

    return find


def _start_server(source: str, *, poll_timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    """One of this file's servers in its own process on a free loopback port, polled on /_count
    until it answers (at most 100 tries); the caller stops it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", source, str(port)])
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/_count", timeout=poll_timeout)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
    except BaseException:
        server.kill()
        raise
    return server, url


def bench_overhead(out: Path, users: int = 20, run_s: int = 12) -> tuple[str, str, bool]:
    server, url = _start_server(ZERO_SERVER, poll_timeout=1)
    try:
        locustfile = out / "plain_locustfile.py"
        locustfile.write_text(PLAIN_LOCUSTFILE)
        plain = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--host", url, "--headless",
             "-u", str(users), "-r", str(users), "-t", f"{run_s}s", "--only-summary"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=out,
        )  # fmt: skip
        try:
            plain_rps, plain_cores = _window(url, lambda: plain.pid, 3.0, run_s - 5.0)
        finally:
            plain.wait(timeout=run_s + 30)
        errors: list[BaseException] = []

        def ours_run() -> None:
            try:
                run_load(url, ["/echo"], users=users,
                         duration_s=run_s - 2, out_dir=out / "overhead")  # fmt: skip
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        thread = threading.Thread(target=ours_run)
        thread.start()
        ours_rps, ours_cores = _window(url, _locust_child(server.pid), 3.0, run_s - 5.0)
        thread.join(timeout=run_s + 60)
        if errors:
            raise errors[0]
    finally:
        server.terminate()
        server.wait(timeout=10)
    plain_pc = plain_rps / max(plain_cores, 1e-6)
    ours_pc = ours_rps / max(ours_cores, 1e-6)
    print(
        f"    plain Locust FastHttpUser: {plain_rps:7.0f} req/s on {plain_cores:.2f} cores"
        f" = {plain_pc:7.0f} req/s per core"
    )
    print(
        f"    faceharness generator:     {ours_rps:7.0f} req/s on {ours_cores:.2f} cores"
        f" = {ours_pc:7.0f} req/s per core"
    )
    ratio = ours_pc / plain_pc
    _table.record(
        "generator req/s per CPU core, zero-work server",
        ours_pc,
        "req/s/core",
        baseline=plain_pc,
        goal=">= 1.00x plain Locust FastHttpUser",
        ok=ratio >= 1.0,
    )
    return f"{ratio:.2f}x plain Locust per core", ">= 1.00x", ratio >= 1.0


# -- 5. open-model schedule at 90 % of plain Locust's rate; workers 1 vs 2 ----------------------

SCHEDULE_SHARES = (0.9, 1.0)  # of plain Locust's rate: the goal, and the aim (issue 16)
SCHEDULE_USERS = 32
SCHEDULE_SCENARIO: dict[str, Any] = {
    "scenario": "match",
    "sizes": "medium=1",
    "demo_credentials": True,
}
SCHEDULE_RUN_S = 15
SCALING_GOAL = 0.9  # 2 workers' requests per generator CPU-second, against 1 worker's

PLAIN_SCENARIO_LOCUSTFILE = """
from locust import FastHttpUser, constant, task
from harness.loadgen.scenarios import scenario_request
OPTIONS = {options!r}
class PlainUser(FastHttpUser):
    wait_time = constant(0)
    max_retries = 0
    @task
    def send(self):
        r = scenario_request(**OPTIONS)
        self.client.request(r.method, r.url_path(), data=r.body, headers=dict(r.headers),
                            name=r.name)
"""


def _sink_count(url: str) -> int:
    return int(httpx.get(url + "/_count", timeout=10).text)


def _run_queue_s(procs: list[psutil.Process]) -> float:
    """Seconds these processes spent runnable but waiting for a CPU (Linux schedstat; 0
    elsewhere)."""
    total = 0
    for proc in procs:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{proc.pid}/schedstat").read_text().split()[1])
    return total / 1e9


def _traffic_window(
    url: str,
    procs: Callable[[], list[psutil.Process]],
    span_s: float,
    started: Callable[[], bool] | None = None,
) -> tuple[float, float, float, float]:
    """(requests/s the sink answered, CPU seconds the generator processes used per request, the
    share of wall time they waited for a CPU, the share of that CPU used by a Locust master)
    over ``span_s``, in the steady state: start-up (imports, pools, spawning) excluded. The
    window opens one second after the first request arrived, and not before ``started()``
    says every generator process is sending (a second worker still building its pool while
    the first sends would be start-up charged to the run's requests). A generator that waits
    for a CPU sends late whatever its code does: the wait says how busy the machine was."""
    base = _sink_count(url)
    for _ in range(1200):
        if _sink_count(url) > base:
            break
        time.sleep(0.05)
    time.sleep(1.0)
    for _ in range(600):
        if started is None or started():
            break
        time.sleep(0.05)
    watched = procs()
    masters = {p.pid for p in watched if "--master" in p.cmdline()}

    def cpu() -> tuple[float, float]:
        total = master = 0.0
        for proc in watched:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
                if proc.pid in masters:
                    master += times.user + times.system
        return total, master

    q0, (c0, m0), n0, t0 = _run_queue_s(watched), cpu(), _sink_count(url), time.monotonic()
    time.sleep(span_s)
    q1, (c1, m1), n1, t1 = _run_queue_s(watched), cpu(), _sink_count(url), time.monotonic()
    return (
        (n1 - n0) / (t1 - t0),
        (c1 - c0) / max(n1 - n0, 1),
        (q1 - q0) / (t1 - t0) / max(len(watched), 1),
        (m1 - m0) / max(c1 - c0, 1e-9),
    )


def _all_sending(out: Path, processes: int) -> Callable[[], bool]:
    """True once each of ``processes`` load processes has written the row of its first second
    of sending (a process writes it one to two seconds into its schedule)."""
    return lambda: len(list((out / "parts").glob("*.series.jsonl"))) >= processes


def _locust_children(exclude: int) -> list[psutil.Process]:
    me = psutil.Process()
    return [
        c
        for c in me.children(recursive=True)
        if c.pid != exclude and "locust" in " ".join(c.cmdline())
    ]


@dataclass
class OpenRun:
    rate: float
    workers: int
    achieved: float  # completed / elapsed, the whole run
    late: int
    dropped: int
    offered: int
    window_rps: float
    cpu_per_request_s: float
    cpu_wait: float  # share of wall time the generator processes waited for a CPU
    master_share: float  # of the generator CPU in the window
    success: int
    completed: int
    load: float  # the machine's 1-minute load average at the end of the window

    @property
    def kept_share(self) -> float:
        return self.achieved / self.rate

    @property
    def off(self) -> float:
        return (self.late + self.dropped) / max(self.offered, 1)

    @property
    def kept(self) -> bool:
        return self.kept_share >= 0.97 and self.off <= 0.01

    def line(self) -> str:
        return (
            f"offered {self.rate:7.0f}/s with {max(self.workers, 1)} process(es): "
            f"completed {self.achieved:7.0f}/s ({self.kept_share:.1%}), {self.late} late + "
            f"{self.dropped} dropped of {self.offered} ({self.off:.2%}); "
            f"{self.cpu_per_request_s * 1e6:.0f} us generator CPU per request "
            f"({self.master_share:.1%} of it the master's), waited for a CPU "
            f"{self.cpu_wait:.0%} of the time; machine load {self.load:.1f}"
        )


def _open_run(url: str, server_pid: int, rate: float, workers: int, out: Path) -> OpenRun:
    from harness.loadgen.scenarios import ScenarioOptions

    results: list[Any] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            results.append(
                run_load(
                    url,
                    ScenarioOptions(**SCHEDULE_SCENARIO),
                    rate=rate,
                    duration_s=SCHEDULE_RUN_S,
                    workers=workers,
                    out_dir=out,
                )
            )
        except BaseException as exc:  # noqa: BLE001 - raised below
            errors.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    try:
        rps, cpu, wait, master = _traffic_window(
            url,
            lambda: _locust_children(server_pid),
            SCHEDULE_RUN_S - 6.0,
            _all_sending(out, max(workers, 1)),
        )
        load, window_end = os.getloadavg()[0], time.time()
    finally:
        thread.join(timeout=SCHEDULE_RUN_S + 120)
    if errors:
        raise errors[0]
    result = results[0]
    finals = [json.loads(f.read_text()) for f in (out / "parts").glob("*.final.json")]
    ends = [f["run_started_wall"] + SCHEDULE_RUN_S for f in finals if f.get("run_started_wall")]
    if len(ends) < max(workers, 1) or window_end > min(ends):
        print("    (the CPU window was not inside every process's schedule: not steady state)")
    totals = result.summary["totals"]
    return OpenRun(
        rate,
        workers,
        totals["completed"] / max(result.summary["elapsed_s"], 1e-6),
        totals["late"],
        totals["dropped"],
        totals["offered"],
        rps,
        cpu,
        wait,
        master,
        result.summary["by_class"]["success"],
        totals["completed"],
        load,
    )


def bench_schedule(out: Path) -> tuple[str, str, bool]:
    """Plain Locust FastHttpUser (closed model, 32 users, the same medium-image /match requests
    built by the same scenario code) against a sink that is not the bottleneck (it reads each
    body and answers the emulator's /match envelope; the emulator's own speed is
    bench_emulator's subject), in its own process; then our open model offered 90 % and 100 %
    of that rate against the same sink. It keeps its schedule when >= 97 % of the offered rate
    completes and <= 1 % of the sends are late or dropped (issue 16; latency and lateness from
    the intended start, as in every open-model run). Then a master with 1 worker at half the
    goal rate and a master with 2 workers at the goal rate (so each worker carries the same
    rate): near-linear scaling means the second process costs no more CPU per request than the
    first (on 2 cores shared with the sink, requests/s cannot double; requests per generator
    CPU-second is what carries to a machine with more cores). An open-model process's CPU per
    request grows as its own rate falls (fewer answers share each wake-up of its event loop),
    so 1 worker at the goal rate, against the same 2 workers, is reported beside it."""
    server, url = _start_server(SINK_SERVER, poll_timeout=10)
    try:
        locustfile = out / "plain_scenario_locustfile.py"
        locustfile.write_text(PLAIN_SCENARIO_LOCUSTFILE.format(options=SCHEDULE_SCENARIO))
        plain = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--host", url, "--headless",
             "-u", str(SCHEDULE_USERS), "-r", str(SCHEDULE_USERS), "-t", f"{SCHEDULE_RUN_S + 60}s",
             "--only-summary"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=out,
        )  # fmt: skip
        try:
            plain_rps, plain_cpu, plain_wait, _ = _traffic_window(
                url, lambda: [psutil.Process(plain.pid)], SCHEDULE_RUN_S - 6.0
            )
        finally:
            plain.terminate()
            plain.wait(timeout=30)
        print(
            f"    plain Locust FastHttpUser ({SCHEDULE_USERS} users, closed, 1 process): "
            f"{plain_rps:7.0f} req/s, {plain_cpu * 1e6:.0f} us CPU per request, "
            f"waited for a CPU {plain_wait:.0%} of the time; "
            f"machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        runs = []
        for share in SCHEDULE_SHARES:
            run = _open_run(url, server.pid, share * plain_rps, 0, out / f"schedule-{share:.2f}")
            print(f"    open model at {share:.2f} x: {run.line()}")
            runs.append((share, run))
        scale_rate = SCHEDULE_SHARES[0] * plain_rps
        half = _open_run(url, server.pid, scale_rate / 2, 1, out / "workers-1-half")
        print(f"    master + 1 worker at half: {half.line()}")
        one = _open_run(url, server.pid, scale_rate, 1, out / "workers-1")
        print(f"    master + 1 worker:         {one.line()}")
        two = _open_run(url, server.pid, scale_rate, 2, out / "workers-2")
        print(f"    master + 2 workers:        {two.line()}")
    finally:
        server.terminate()
        server.wait(timeout=10)

    _table.record(
        "plain Locust FastHttpUser, 32 users, 1 process (medium /match)",
        plain_rps,
        "req/s",
        goal="baseline of the rows below",
        ok=plain_rps > 0,
        note=f"{plain_cpu * 1e6:.0f} us CPU/request; waited for a CPU {plain_wait:.0%} of the time",
    )
    for share, run in runs:
        aim = "" if share == SCHEDULE_SHARES[0] else "aim: "
        _table.record(
            f"open model offered {share:.2f} x plain Locust: completed/scheduled",
            run.achieved,
            "req/s",
            baseline=run.rate,
            goal=f"{aim}>= 0.97x",
            ok=run.kept_share >= 0.97,
            note=f"{run.cpu_per_request_s * 1e6:.0f} us CPU per request",
        )
        _table.record(
            f"open model offered {share:.2f} x plain Locust: late or dropped",
            100.0 * run.off,
            "%",
            goal=f"{aim}<= 1 %",
            ok=run.off <= 0.01,
            note=f"{run.late} late, {run.dropped} dropped of {run.offered}; "
            f"waited for a CPU {run.cpu_wait:.0%} of the time",
        )
    for run in (half, one, two):
        _table.record(
            f"open model, master + {run.workers} worker(s) at {run.rate:.0f}/s: "
            "completed/scheduled",
            run.achieved,
            "req/s",
            baseline=run.rate,
            goal="report",
            ok=run.success == run.completed,
            note=f"late or dropped {run.off:.2%}; {run.cpu_per_request_s * 1e6:.0f} us CPU/request",
        )

    def per_cpu_s(run: OpenRun) -> float:
        return 1.0 / max(run.cpu_per_request_s, 1e-9)

    scaling = per_cpu_s(two) / per_cpu_s(half)
    _table.record(
        "--workers 2 vs 1, same rate per worker: requests per generator CPU-second",
        per_cpu_s(two),
        "req/cpu-s",
        baseline=per_cpu_s(half),
        goal=f">= {SCALING_GOAL:.2f}x (near-linear)",
        ok=scaling >= SCALING_GOAL,
        note=f"{scale_rate / 2:.0f}/s per worker; master included; waited for a CPU "
        f"{half.cpu_wait:.0%} (1) and {two.cpu_wait:.0%} (2) of the time, load {half.load:.1f} "
        f"and {two.load:.1f}: a busy machine makes this ratio noise",
    )
    _table.record(
        "--workers 2 vs 1, same total rate: requests per generator CPU-second",
        per_cpu_s(two),
        "req/cpu-s",
        baseline=per_cpu_s(one),
        goal="report",
        ok=True,
        note=f"{scale_rate:.0f}/s in all: each of 2 workers at half the rate of 1",
    )
    goal_run = runs[0][1]
    ok = (
        goal_run.kept and scaling >= SCALING_GOAL and all(r.success == r.completed for _, r in runs)
    )
    return (
        (
            f"Locust {plain_rps:.0f}/s; at 0.9 x completed {goal_run.kept_share:.1%}, "
            f"{goal_run.off:.2%} late/dropped; "
            f"workers 2 vs 1 per CPU {scaling:.2f}x (same rate per worker), "
            f"{per_cpu_s(two) / per_cpu_s(one):.2f}x (same total)"
        ),
        ">= 97 % completed, <= 1 % late/dropped; >= 0.9x",
        ok,
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        out = Path(tmp)
        rows = [
            _timed(lambda: bench_limit(out), "1 find-limit, throttle 200/s"),
            _timed(lambda: bench_fixed_latency(out), "2 p50 with fixed 50 ms"),
            _timed(lambda: bench_stall(out), "3 stall 1 s every 10 s"),
            _timed(lambda: bench_overhead(out), "4 generator cost per core"),
            _timed(
                lambda: bench_schedule(out), "5 open-model schedule at 0.9 x Locust; workers 1 vs 2"
            ),
        ]
    print(
        f"(cores: {os.cpu_count()}, total {sum(r.seconds for r in rows):.0f} s; "
        "the rows are in the table at the end)"
    )
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
