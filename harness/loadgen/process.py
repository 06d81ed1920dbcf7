"""One load-generating Locust process: bounds, sends, classifies and records requests.

Both load models share the request path here; the process stops sending by itself
(duration, quota, error spike, harness failures), waits for in-flight requests, writes
its part files and then ends the run (local runner) or reports to the master (worker).
Runs only inside Locust (gevent-patched).
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import time
from collections.abc import Callable
from typing import Any

import gevent
from locust import FastHttpUser
from locust.env import Environment
from locust.exception import CatchResponseError, StopUser
from locust.runners import WorkerRunner

from harness.loadgen.classify import (
    SUCCESS,
    Classifier,
    default_classifier,
)
from harness.loadgen.config import RunConfig
from harness.loadgen.control import STOP_LOCUST, ErrorSpike, RunControl
from harness.loadgen.coordinate import MSG_DONE, MasterWriter, end_run
from harness.loadgen.openloop import OpenLoop
from harness.loadgen.parts import PartWriter
from harness.loadgen.recorder import Recorder
from harness.loadgen.result import PreparedRequest
from harness.loadgen.scenarios import request_source
from harness.loadgen.transport import Transport

TICK_S = 0.1
STARTUP_ALLOWANCE_S = 120.0  # ticker bound beyond duration+drain: covers slow user spawning
HARNESS_ERROR_ABORT = 20  # factory/classifier failures before the run is aborted
WARM_S = 0.02  # open model: connections opened up front for answers this slow at full rate


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
        spike = None
        if cfg.abort_error_rate is not None:
            spike = ErrorSpike(
                threshold=cfg.abort_error_rate,
                window_s=cfg.abort_window_s,
                min_samples=cfg.abort_min_samples,
            )
        self.recorder = Recorder(proc=self.proc, late_s=cfg.late_ms / 1000.0, spike=spike)
        self.control = RunControl(duration_s=cfg.duration_s, quota=cfg.quota(index))
        self.writer: PartWriter | MasterWriter | None = None
        if isinstance(environment.runner, WorkerRunner):  # perhaps on another machine
            self.writer = MasterWriter(environment.runner, self.proc)
        elif cfg.out_dir:
            self.writer = PartWriter(cfg.out_dir, self.proc)
        self.started_wall = time.time()
        self.finished = False
        self.open_claimed = False
        self._stopping_since: float | None = None
        self.ticker = gevent.spawn(self._tick_loop)

    def _warm_up(self) -> tuple[Callable[[], PreparedRequest], Classifier]:
        """Build the request source and call it once before the clock starts: a scenario
        builds its image pool and bodies up front, or the first sends would be late.

        Runs in gevent's native thread pool so this process keeps answering the master's
        heartbeats (a worker busy for seconds is declared missing and the run stops).
        """

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

    # -- the two load models -------------------------------------------------------------

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
        rate = self.cfg.rate / self.cfg.processes
        self.transport.warm(user, min(self.cfg.max_inflight, math.ceil(rate * WARM_S)))
        gc.freeze()  # what the warm-up built lives all run: out of the collector's way
        loop = OpenLoop(
            rate=rate,
            phase_s=(self.index % self.cfg.processes) / self.cfg.rate,
            duration_s=self.cfg.duration_s,
            quota=self.cfg.quota(self.index),
            max_inflight=self.cfg.max_inflight,
            control=self.control,
            recorder=self.recorder,
            send=lambda intended: self.execute(user, intended),
        )
        loop.run(drain_s=self.cfg.drain_s)
        raise StopUser()

    # -- one request -----------------------------------------------------------------------

    def execute(self, user: FastHttpUser, intended: float) -> None:
        """Build, send, classify and record one request (its slot is already counted)."""
        try:
            try:
                req = self.make_request()
            except Exception as exc:  # noqa: BLE001 - any factory failure is a harness error
                self.recorder.harness_error(f"request factory failed: {exc!r}")
                return
            sent = time.perf_counter()
            self.recorder.sent(intended, sent)
            self._send(user, req, intended, sent)
        finally:
            self.control.release()

    def _send(self, user: FastHttpUser, req: PreparedRequest, intended: float, sent: float) -> None:
        status, body, error = 0, b"", None
        try:
            status, body = self.transport.send(user, req)
        except Exception as exc:  # noqa: BLE001 - refused, reset, timed out, unparsable URL ...
            error = exc
        done = time.perf_counter()
        try:
            klass, code = self.classify(status, body, error)
        except Exception as exc:  # noqa: BLE001 - any classifier failure is a harness error
            self.recorder.harness_error(f"classifier failed: {exc!r}")
            klass, code = "", "harness classifier failed"
        else:
            self.recorder.done(intended, sent, done, klass, code)
        self._tell_locust(req, sent, done, len(body), klass, code)

    def _tell_locust(
        self, req: PreparedRequest, sent: float, done: float, length: int, klass: str, code: str
    ) -> None:
        """Feed Locust's own statistics (and any listener) through its request event.

        ``url`` is the path without the query string: a signed API carries credentials there.
        """
        self.env.events.request.fire(
            request_type=req.method,
            name=req.name,
            response_time=(done - sent) * 1000.0,
            response_length=length,
            exception=None
            if klass == SUCCESS
            else CatchResponseError(f"{klass}: {code}" if klass else code),
            context={},
            url=req.path,
            start_time=self.recorder.wall(sent),
            response=None,
        )

    # -- lifecycle -------------------------------------------------------------------------

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
            if ctl.inflight == 0 or now - self._stopping_since > self.cfg.drain_s:
                self.finish()

    def finish(self) -> None:
        """Write results, then end the run (local) or report to the master (worker)."""
        if self.finished:
            return
        self.finished = True
        self.write_final()
        runner = self.env.runner
        if isinstance(runner, WorkerRunner):
            runner.send_message(
                MSG_DONE,
                {
                    "proc": self.proc,
                    "stop_reason": self.control.stop_reason,
                    "abort_reason": self.control.abort_reason,
                },
            )
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
