"""One load-generating Locust process, the master's side of a distributed run, and the Locust
glue (user class, event hooks). A worker may be on another machine, so it sends its parts as
Locust messages and the master writes them. Imported only inside Locust (gevent-patched).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import gevent
import locust.runners
from gevent.event import Event
from greenlet import getcurrent, greenlet
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import CatchResponseError, StopUser
from locust.runners import STATE_MISSING, STATE_STOPPING, MasterRunner, WorkerRunner

from harness.loadgen.classify import SUCCESS, Classifier, default_classifier
from harness.loadgen.recorder import (
    FINISH_DRAIN_S,
    REPORT_WAIT_MAX_S,
    REPORT_WAIT_S,
    STOP_ABORT,
    STOP_DURATION,
    STOP_HEARTBEATS,
    STOP_LOCUST,
    STOP_MAX_REQUESTS,
    STOP_RUN_TIME,
    ErrorSpike,
    Recorder,
    RunControl,
    planned_sends,
)
from harness.loadgen.result import (
    LOCUST_STATS,
    PARTS_DIR,
    RUN_STARTED,
    PartWriter,
    PreparedRequest,
    RunConfig,
    read_config,
    write_json_atomic,
)
from harness.loadgen.scenarios import after_first, request_source, sends_per_request
from harness.loadgen.transport import Transport, loop_time_now

START_LEAD_S = 0.02  # first slot slightly in the future so slot 0 is not born late
YIELD_EVERY = 32  # when catching up (and dropping at the cap), still let answers be read
# A schedule this far past the run's end sends no more (a rate past what the process sends:
# it caught up until Locust's run-time backstop); the slots left are offered and dropped.
SCHEDULE_END_GRACE_S = 1.0
TIMER_PRIORITY = 2  # libev's highest (EV_MAXPRI)
TICK_S = 0.1
STARTUP_ALLOWANCE_S = 120.0  # ticker bound beyond duration+drain: covers slow user spawning
HARNESS_ERROR_ABORT = 20  # factory/classifier failures before the run is aborted
WARM_S = 0.02  # open model: connections opened up front for answers this slow at full rate


log = logging.getLogger("faceharness.loadgen")

MSG_DONE = "faceharness_load_done"
MSG_ROWS = "faceharness_load_rows"
MSG_FINAL = "faceharness_load_final"
MSG_READY = "faceharness_load_ready"  # worker -> master: pool built, connections open
MSG_GO = "faceharness_load_go"  # master -> workers, once all are ready: start the schedule
MSG_FINISH = "faceharness_load_finish"  # master -> workers: the run is ending, report now
GO_LEAD_S = 0.2  # the schedules start this long after the word to go arrives
GO_WAIT_S = 30.0  # a worker whose peers are not ready by then starts alone
STATS_WAIT_TICKS = 40  # tenths of a second


class MasterWriter:
    """A worker's :class:`PartWriter`: the same calls, sent to the master."""

    def __init__(self, runner: WorkerRunner, proc: str) -> None:
        self.runner = runner
        self.proc = proc

    def append_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        self.runner.send_message(MSG_ROWS, {"proc": self.proc, "rows": list(rows)})

    def write_final(self, data: dict[str, Any]) -> None:
        self.runner.send_message(MSG_FINAL, {"proc": self.proc, "final": data})


class MasterCoordinator:
    """Quits the distributed run once every worker reported done (or one aborted)."""

    def __init__(self, cfg: RunConfig, environment: Environment) -> None:
        self.cfg = cfg
        self.done: set[str] = set()  # workers that reported done
        self.ended = False
        self.writers: dict[str, PartWriter] = {}
        self.completed: dict[str, int] = {}  # answers per worker, from its final part
        self.ready: set[str] = set()
        assert environment.runner is not None
        handlers = {MSG_READY: self._on_ready, MSG_DONE: self._on_done, MSG_ROWS: self._on_rows,
                    MSG_FINAL: self._on_final}  # fmt: skip
        for msg, handler in handlers.items():
            environment.runner.register_message(msg, handler)
        environment.events.test_stopping.add_listener(self._on_stopping)

    def _writer(self, msg: Any) -> PartWriter | None:
        proc = str(msg.data.get("proc", ""))
        if (writer := self.writers.get(proc)) is not None:
            return writer
        if not self.cfg.out_dir or not proc.replace("-", "").isalnum():
            return None  # a name unfit for a file name never comes from our workers
        writer = self.writers[proc] = PartWriter(self.cfg.out_dir, proc)
        return writer

    def _on_rows(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        if (writer := self._writer(msg)) is not None:
            writer.append_rows(msg.data.get("rows") or [])

    def _on_final(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        final = dict(msg.data.get("final") or {})
        self.completed[str(msg.data.get("proc"))] = int(final.get("totals", {}).get("completed", 0))
        if (writer := self._writer(msg)) is not None:
            writer.write_final(final)

    def _expected(self, environment: Environment) -> int:
        return max(self.cfg.processes, getattr(environment.runner, "worker_count", 0) or 0)

    def _on_ready(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        """The open schedules start together once the slowest worker is ready."""
        self.ready.add(str((msg.data or {}).get("proc")))
        if len(self.ready) >= self._expected(environment):
            self.ready.clear()  # a next run (web UI) gathers its own
            assert environment.runner is not None
            environment.runner.send_message(MSG_GO, {"in_s": GO_LEAD_S})

    def _on_done(self, environment: Environment, msg: Any, **_kw: Any) -> None:
        data = dict(msg.data or {})
        self.done.add(str(data.get("proc")))
        expected = self._expected(environment)
        if data.get("abort_reason"):
            log.warning("worker %s aborted: %s", data.get("proc"), data["abort_reason"])
        if not self.ended and (data.get("abort_reason") or len(self.done) >= expected):
            self.ended = True
            gevent.spawn(self._end_when_counted, environment)

    def _on_stopping(self, environment: Environment, **_kw: Any) -> None:
        """The run ends before every worker reported: tell them to report, and wait, bounded
        (inside Locust's ``stop``, before its quit message): up to ``REPORT_WAIT_MAX_S`` while
        a worker that has not reported is still heard from (its heartbeats: on a busy machine
        its drain and report come late), and ``REPORT_WAIT_S`` past the last time one was."""
        expected = self._expected(environment)
        runner = environment.runner
        if len(self.completed) >= expected or not isinstance(runner, MasterRunner):
            return
        for client in runner.clients.all:  # why, in its report: an abort, its silence, the time
            silent = client.state == STATE_MISSING
            reason = STOP_ABORT if self.ended else STOP_HEARTBEATS if silent else STOP_RUN_TIME
            runner.send_message(MSG_FINISH, {"reason": reason}, client_id=client.id)
        if not runner.worker_count:
            return
        runner.update_state(STATE_STOPPING)  # a worker healing meanwhile is not sent users again
        started = heard = time.monotonic()
        for _ in range(int(REPORT_WAIT_MAX_S / TICK_S)):
            if len(self.completed) >= expected:
                return
            now = time.monotonic()
            # more workers heard from than reported: one that has not is alive (which one is
            # unknown: a report names its process, a heartbeat Locust's node)
            if sum(c.state != STATE_MISSING for c in runner.clients.all) > len(self.completed):
                heard = now
            if now - heard >= REPORT_WAIT_S or now - started >= REPORT_WAIT_MAX_S:
                break
            gevent.sleep(TICK_S)
        log.warning(
            "%d of %d load process(es) did not report within %.0fs; reported: %s",
            expected - len(self.completed), expected, time.monotonic() - started,
            sorted(self.completed),
        )  # fmt: skip

    def _end_when_counted(self, environment: Environment) -> None:
        """Give Locust's own statistics (workers report every 3 s) a bounded moment to count
        every answer."""
        assert environment.runner is not None
        for _ in range(STATS_WAIT_TICKS):
            if environment.runner.stats.total.num_requests >= sum(self.completed.values()):
                break
            gevent.sleep(0.1)
        end_run(environment)


def end_run(environment: Environment) -> None:
    if (runner := environment.runner) is not None:
        headless = getattr(environment.parsed_options, "headless", False)
        gevent.spawn(runner.quit if headless else runner.stop)


_LOCUST_PCTS = (("90", 0.9), ("99", 0.99), ("999", 0.999))


def locust_stats(environment: Environment) -> dict[str, Any]:
    runner = environment.runner
    assert runner is not None
    stats = runner.stats

    def entry(e: Any) -> dict[str, Any]:
        fields = {k: getattr(e, k) for k in ("method", "name", "num_requests", "num_failures")}
        times = {f"{k}_ms": getattr(e, f"{k}_response_time") for k in ("median", "min", "max")}
        pcts = {f"p{k}_ms": e.get_response_time_percentile(q) for k, q in _LOCUST_PCTS}
        rounded = {"avg_ms": round(e.avg_response_time, 3), "rps": round(e.total_rps, 3)}
        return fields | times | pcts | rounded

    failures = [
        {k: getattr(e, k) for k in ("method", "name", "occurrences")} | {"error": str(e.error)}
        for e in stats.errors.values()
    ]
    entries = [entry(e) for e in stats.entries.values()]
    return {"total": entry(stats.total), "entries": entries, "failures": failures}


class LoadProcess:
    """Bounds, records and reports the requests of one load-generating process."""

    def __init__(self, cfg: RunConfig, environment: Environment, index: int, run_no: int) -> None:
        self.cfg = cfg
        self.env = environment
        self.index = index
        self.role = "worker" if isinstance(environment.runner, WorkerRunner) else "local"
        self.proc = f"{self.role}{index}-p{os.getpid()}" + (f"-r{run_no}" if run_no > 1 else "")
        self.transport = Transport()
        self.make_request, self.classify = self._warm_up()
        try:  # a request sent first (matchIdno's liveCode) is one of the rate's requests too
            self.per_request = sends_per_request(cfg.requests)
        except Exception:  # noqa: BLE001 - a bad spec: every request fails as a harness error
            self.per_request = 1.0
        spike = None
        if cfg.abort_error_rate is not None:
            window, samples = cfg.abort_window_s, cfg.abort_min_samples
            spike = ErrorSpike(threshold=cfg.abort_error_rate, window_s=window, min_samples=samples)
        self.recorder = Recorder(proc=self.proc, late_s=cfg.late_ms / 1000.0, spike=spike)
        self.control = RunControl(duration_s=cfg.duration_s, quota=cfg.quota(index))
        self.transport.may_resend = self.control.more  # a re-send is one of the budget's requests
        self.writer: PartWriter | MasterWriter | None = None
        if isinstance(environment.runner, WorkerRunner):  # perhaps on another machine
            self.writer = MasterWriter(environment.runner, self.proc)
        elif cfg.out_dir:
            self.writer = PartWriter(cfg.out_dir, self.proc)
        self.started_wall = time.time()
        self.finished = False
        self.open_claimed = False
        self._stopping_since: float | None = None
        self.drain_s = cfg.drain_s
        self._go = Event()
        self._start: float | None = None  # the common schedule start (perf_counter), if told
        self.running: set[object] = set()  # open model: the send greenlets not yet ended
        self.scheduled = False
        self.idle = Event()  # set when the schedule is over and no send is running
        self.ticker = gevent.spawn(self._tick_loop)

    def _warm_up(self) -> tuple[Callable[[], PreparedRequest], Classifier]:
        """Build the request source and call it once before the clock starts, in a native thread
        (a worker busy for seconds misses its heartbeats)."""

        def warm() -> tuple[Callable[[], PreparedRequest], Classifier]:
            try:
                make, classify = request_source(self.cfg.requests, self.index)
            except Exception as exc:  # noqa: BLE001 - e.g. no credentials on this worker
                error = exc

                def make() -> PreparedRequest:
                    raise error  # recorded per request as a harness error, aborting the run

                return make, default_classifier
            with contextlib.suppress(Exception):  # a failure recurs in the run and is recorded
                make()
                classify(0, b"", None)
            return make, classify

        return gevent.get_hub().threadpool.apply(warm)  # type: ignore[no-any-return]

    def closed_step(self, user: FastHttpUser) -> None:
        now = time.perf_counter()
        if not self.control.try_acquire(now):
            raise StopUser()
        self.recorder.offered(now)
        self.execute(user, now)

    def open_run(self, user: FastHttpUser) -> None:
        if self.open_claimed:  # only one scheduler per process; extra users idle out
            raise StopUser()
        self.open_claimed = True
        assert self.cfg.rate is not None
        rate = self.cfg.rate / self.cfg.processes / self.per_request
        self.transport.warm(user, min(self.cfg.max_inflight, math.ceil(rate * WARM_S)))
        gc.freeze()  # what the warm-up built lives all run: out of the collector's way
        if isinstance(self.env.runner, WorkerRunner):
            self.env.runner.send_message(MSG_READY, {"proc": self.proc})
            self._go.wait(timeout=GO_WAIT_S)
        phase_s = (self.index % self.cfg.processes) * self.per_request / self.cfg.rate
        try:
            self._schedule(user, rate, phase_s)
        finally:
            self.scheduled = True
            if not self.running:
                self.idle.set()
        try:
            self.idle.wait(timeout=self.cfg.drain_s)
        finally:
            if self.running:
                gevent.killall(list(self.running), block=False)
        raise StopUser()

    def _schedule(self, user: FastHttpUser, rate: float, phase_s: float) -> None:
        """Open model: one greenlet per intended send time, so a stalled service cannot slow the
        arrivals; switched into straight from a top-priority timer (a spawned greenlet starts a
        loop pass later: half of a busy process's lateness). Slots over ``max_inflight`` drop."""
        cfg, control = self.cfg, self.control
        count = planned_sends(rate, phase_s, cfg.duration_s, control.quota)
        quota_limited = count < planned_sends(rate, phase_s, cfg.duration_s, None)
        hub = gevent.get_hub()
        loop = hub.loop
        resume = getcurrent().switch  # the hub switches back here once a send has blocked
        t0 = max(time.perf_counter() + START_LEAD_S, self._start or 0.0)
        control.start(t0)
        interval = 1.0 / rate
        end = t0 + cfg.duration_s + SCHEDULE_END_GRACE_S
        for i in range(count):
            if control.stopping:
                return
            if control.used_up:
                control.stop(STOP_MAX_REQUESTS)  # requests sent first used up the budget
                return
            intended = t0 + phase_s + i * interval
            now = time.perf_counter()
            delay = intended - now
            if delay > 0:
                with loop.timer(delay, 0.0, True, TIMER_PRIORITY) as timer:
                    loop.update_now()  # the timer counts from now, not the loop's last pass
                    hub.wait(timer)
            elif now > end:  # still catching up past the run's end: the rest is dropped, counted
                self.recorder.dropped_slots(intended, interval, count - i)
                break
            elif i % YIELD_EVERY == 0:
                gevent.sleep(0)
            self.recorder.offered(intended)
            if control.inflight >= cfg.max_inflight:
                self.recorder.dropped(intended)
                continue
            control.begin()
            send = greenlet(self._send_one, hub)
            self.running.add(send)
            loop.run_callback(resume)
            send.switch(user, intended)  # back here by ``resume``, after the other ready callbacks
        control.stop(STOP_MAX_REQUESTS if quota_limited else STOP_DURATION)

    def _send_one(self, user: FastHttpUser, intended: float) -> None:
        try:
            self.execute(user, intended)
        finally:
            self.running.discard(getcurrent())
            if self.scheduled and not self.running:
                self.idle.set()

    def finish_soon(self, reason: str) -> None:
        self.control.stop(reason)
        self.drain_s = min(self.drain_s, FINISH_DRAIN_S)

    def on_stopping(self) -> None:
        """Report now, before the worker's quit message, or the master may be gone."""
        if not self.finished:
            self.control.stop(STOP_LOCUST)
            self.finish()

    def go(self, data: dict[str, Any]) -> None:
        self._start = time.perf_counter() + float(data.get("in_s", 0.0))
        self._go.set()

    def execute(self, user: FastHttpUser, intended: float) -> None:
        try:
            try:
                req = self.make_request()
            except Exception as exc:  # noqa: BLE001 - any factory failure is a harness error
                self.recorder.harness_error(f"request factory failed: {exc!r}")
                return
            if req.first is not None:
                ready = self._first(user, req, intended)
                if ready is None:
                    return
                req, intended = ready, time.perf_counter()  # due once its first was answered
                self.recorder.offered(intended)
            sent = time.perf_counter()
            self.recorder.sent(intended, sent)
            self._send(user, req, intended, sent)
        finally:
            self.control.release()

    def _first(
        self, user: FastHttpUser, req: PreparedRequest, intended: float
    ) -> PreparedRequest | None:
        """Send ``req.first`` in ``req``'s slot as a request of its own; ``req`` ready to go, or
        None: no budget for both, the answer gave no liveCode (``req`` counted unsent), or the
        run aborted."""
        control = self.control
        if not control.more():
            return None
        first = req.first
        assert first is not None
        sent = time.perf_counter()
        self.recorder.sent(intended, sent)
        ready = self._send(user, first, intended, sent, then=req)
        if ready is None or control.stop_reason not in (None, STOP_DURATION, STOP_MAX_REQUESTS):
            control.unclaim()
            if ready is None:
                self.recorder.unsent()
            return None
        return ready

    def _send(
        self, user: FastHttpUser, req: PreparedRequest, intended: float, sent: float,
        then: PreparedRequest | None = None,
    ) -> PreparedRequest | None:  # fmt: skip
        """Send, classify and record ``req``; ``then`` (waiting for this answer) ready, or None."""
        ready = None
        status, body, error, charset = 0, b"", None, None
        try:
            status, body, charset = self.transport.send(user, req)
        except Exception as exc:  # noqa: BLE001 - refused, reset, timed out, unparsable URL ...
            error = exc
        done = time.perf_counter()
        try:
            klass, code = self.classify(status, body, error, charset)
            if then is not None:
                (klass, code), ready = after_first(then, status, body, (klass, code), charset)
        except Exception as exc:  # noqa: BLE001 - any classifier failure is a harness error
            self.recorder.harness_error(f"classifier failed: {exc!r}")
            klass, code = "", "harness classifier failed"
        else:
            self.recorder.done(intended, sent, done, klass, code, req.name)
        # ``url`` is the path without the query string: a signed API carries credentials there
        failed = (
            None if klass == SUCCESS else CatchResponseError(f"{klass}: {code}" if klass else code)
        )
        self.env.events.request.fire(
            request_type=req.method, name=req.name, response_time=(done - sent) * 1000.0,
            response_length=len(body), exception=failed,
            context={}, url=req.path, start_time=self.recorder.wall(sent), response=None,
        )  # fmt: skip
        return ready

    def _tick_loop(self) -> None:
        limit = int((self.cfg.duration_s + self.cfg.drain_s + STARTUP_ALLOWANCE_S) / TICK_S) + 1
        for _ in range(limit):
            gevent.sleep(TICK_S)
            if self.finished:
                return
            self._tick(time.perf_counter())
            if self.finished:
                return
        self.control.stop("tick limit reached")
        self.finish()

    def _tick(self, now: float) -> None:
        self._write_rows(self.recorder.due_rows(now))
        ctl = self.control
        if self.cfg.mode == "closed" and ctl.started_at is not None:
            ctl.check(now)  # the open schedule enforces its own end
        spike = self.recorder.spike
        if spike is not None and (reason := spike.check(now)) is not None:
            ctl.abort(reason)
        failures = self.recorder.totals["harness_errors"]
        if failures >= HARNESS_ERROR_ABORT:
            ctl.abort(f"{failures} harness errors; first: {self.recorder.harness_error_sample}")
        if ctl.stopping:
            if self._stopping_since is None:
                self._stopping_since = now
            if ctl.inflight == 0 or now - self._stopping_since > self.drain_s:
                self.finish()

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.write_final()
        runner = self.env.runner
        if isinstance(runner, WorkerRunner):
            ctl = self.control
            reasons = {"stop_reason": ctl.stop_reason, "abort_reason": ctl.abort_reason}
            # Locust's statistics now, ahead of the word done, not at its next 3 s report:
            # the master ends the run once they count every answer (``_end_when_counted``)
            with contextlib.suppress(Exception):  # else that report, as before
                runner._send_stats()
            runner.send_message(MSG_DONE, {"proc": self.proc} | reasons)
        else:
            end_run(self.env)

    def on_quitting(self) -> None:
        if not self.finished:
            self.control.stop(STOP_LOCUST)
            self.finished = True
        self.write_final()

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        if self.writer is not None and rows:
            self.writer.append_rows(rows)

    def write_final(self) -> None:
        self._write_rows(self.recorder.all_rows())
        if self.writer is None:
            return
        started = self.control.started_at
        self.writer.write_final(
            {
                **self.recorder.summary(),
                "retry_after_s": self.transport.retry_after_s,
                "rate_limit_stated": self.transport.stated,
                "heads_too_large": self.transport.heads_too_large,
                "head_refused": self.transport.head_refused,
                "reconnects": self.transport.reconnects,
                "role": self.role,
                "index": self.index,
                "pid": os.getpid(),
                "mode": self.cfg.label,
                "quota": self.control.quota,
                "process_started_wall": self.started_wall,
                "run_started_wall": None if started is None else self.recorder.wall(started),
                "finished_wall": time.time(),
                "stop_reason": self.control.stop_reason or STOP_LOCUST,
                "abort_reason": self.control.abort_reason,
            }
        )


OPTION = "faceharness_run"  # the config in Locust's parsed options (sent to workers)
MASTER_GONE_S = 10  # a worker quits after this long without its master's heartbeat

_config: RunConfig | None = read_config()
_process: LoadProcess | None = None
_runs = 0

if wait := os.environ.get("FACEHARNESS_LOAD_WORKER_WAIT_S"):  # `faceharness load worker`
    tries = math.ceil(float(wait) / locust.runners.CONNECT_TIMEOUT)  # 5 s each
    locust.runners.CONNECT_RETRY_COUNT = max(tries - 1, 0)
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_GONE_S


class FaceharnessUser(FastHttpUser):
    """Closed model: each user sends, waits, sends again; open model: one user per process runs
    its arrival schedule."""

    max_retries = 0
    wait_time = constant(0)

    @task
    def one_request(self) -> None:
        if _process is None:
            raise StopUser()
        if _process.cfg.mode == "open":
            _process.open_run(self)
        else:
            _process.closed_step(self)


def _on_go(environment: Environment, msg: Any, **_kw: Any) -> None:
    if _process is not None:
        _process.go(dict(msg.data or {}))


def _on_finish(environment: Environment, msg: Any, **_kw: Any) -> None:
    if _process is not None:
        _process.finish_soon(str((msg.data or {}).get("reason") or STOP_RUN_TIME))


def _on_stopping(environment: Environment, **_kw: Any) -> None:
    if _process is not None and isinstance(environment.runner, WorkerRunner):
        _process.on_stopping()


def _on_init(environment: Environment, **_kw: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(MSG_GO, _on_go)
        environment.runner.register_message(MSG_FINISH, _on_finish)
    if _config is not None and isinstance(environment.runner, MasterRunner):
        MasterCoordinator(_config, environment)  # lives on in the listeners it registers
        assert environment.parsed_options is not None
        setattr(environment.parsed_options, OPTION, _config.to_dict())


def _on_test_start(environment: Environment, **_kw: Any) -> None:
    global _process, _runs, _config
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        return
    if isinstance(runner, WorkerRunner):  # a master that is not faceharness's sends none
        data = getattr(environment.parsed_options, OPTION, None)
        _config = RunConfig.from_dict(data) if data else None
    if _config is None or (_process is not None and not _process.finished):
        return
    user, cfg = FaceharnessUser, _config
    user.network_timeout = user.connection_timeout = cfg.timeout_s
    user.concurrency = cfg.max_inflight if cfg.mode == "open" else 1
    user.wait_time = constant(cfg.think_time_s if cfg.mode == "closed" else 0)
    _runs += 1
    index = max(int(getattr(runner, "worker_index", 0)), 0)  # a local runner's is 0
    _process = LoadProcess(_config, environment, index, _runs)
    logging.getLogger("faceharness.loadgen").info("%s: %s", RUN_STARTED, _process.proc)


def _on_quitting(environment: Environment, **_kw: Any) -> None:
    if _process is not None:
        _process.on_quitting()
    if _config is not None and _config.out_dir and not isinstance(environment.runner, WorkerRunner):
        path = Path(_config.out_dir) / PARTS_DIR / LOCUST_STATS
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, locust_stats(environment))


# Registered by call, not as decorators: locust's EventHook is untyped and would untype them.
events.init.add_listener(loop_time_now)
events.init.add_listener(_on_init)
events.test_start.add_listener(_on_test_start)
events.test_stopping.add_listener(_on_stopping)
events.quitting.add_listener(_on_quitting)
