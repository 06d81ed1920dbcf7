"""Open-model arrivals: requests start on a fixed schedule, whatever the responses do.

One scheduler greenlet walks the intended send times ``t0 + phase + i / rate`` and starts
one greenlet per send, so a slow or stalled service cannot slow the arrival rate (the
"coordinated omission" a closed loop suffers). The schedule goes first in the process: the
scheduler's timer has the loop's highest priority (a burst of answers ready at the same
moment is read after the send that is due, not before it) and it switches straight into each
new send greenlet, which builds and writes its request before anything else runs (a greenlet
spawned the usual way starts only after every other event of the loop's pass: measured, that
wait was about half of the lateness of a busy process). The send greenlets are raw ones (no
links, no group bookkeeping); the loop keeps the running ones itself to wait for and, past the
drain, kill. Sends that leave more than ``late_s`` after their slot count as late; slots that
find ``max_inflight`` requests outstanding are dropped and counted. Runs inside a Locust
process (gevent-patched).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent
from gevent.event import Event
from greenlet import getcurrent, greenlet

from harness.loadgen.control import STOP_DURATION, STOP_MAX_REQUESTS, RunControl, planned_sends
from harness.loadgen.recorder import Recorder

START_LEAD_S = 0.02  # first slot slightly in the future so slot 0 is not born late
YIELD_EVERY = 32  # when catching up (and dropping at the cap), still let answers be read
TIMER_PRIORITY = 2  # libev's highest (EV_MAXPRI)


class OpenLoop:
    """Issues this process's share of an open-model run."""

    def __init__(
        self,
        *,
        rate: float,
        phase_s: float,
        duration_s: float,
        quota: int | None,
        max_inflight: int,
        control: RunControl,
        recorder: Recorder,
        send: Callable[[float], None],
        clock: Callable[[], float] = time.perf_counter,
        start: float | None = None,
    ) -> None:
        self.rate = rate
        self.phase_s = phase_s
        self.max_inflight = max_inflight
        self.control = control
        self.recorder = recorder
        self.send = send
        self.clock = clock
        self.start = start  # a start shared with other processes (``clock`` time), if any
        self.planned = planned_sends(rate, phase_s, duration_s, None)
        self.count = planned_sends(rate, phase_s, duration_s, quota)
        self.quota_limited = self.count < self.planned
        self.running: set[object] = set()  # the send greenlets not yet ended
        self.scheduled = False
        self.idle = Event()  # set when the schedule is over and no send is running

    def run(self, drain_s: float) -> None:
        """Walk the schedule, then wait up to ``drain_s`` for outstanding requests."""
        try:
            self._schedule()
        finally:
            self.scheduled = True
            if not self.running:
                self.idle.set()
        try:
            self.idle.wait(timeout=drain_s)
        finally:
            if self.running:
                gevent.killall(list(self.running), block=False)

    def _one(self, intended: float) -> None:
        try:
            self.send(intended)
        finally:
            self.running.discard(getcurrent())
            if self.scheduled and not self.running:
                self.idle.set()

    def _schedule(self) -> None:
        hub = gevent.get_hub()
        loop = hub.loop
        resume = getcurrent().switch  # the hub switches back here once a send has blocked
        t0 = max(self.clock() + START_LEAD_S, self.start or 0.0)
        self.control.start(t0)
        interval = 1.0 / self.rate
        for i in range(self.count):
            if self.control.stopping:
                return
            intended = t0 + self.phase_s + i * interval
            delay = intended - self.clock()
            if delay > 0:
                with loop.timer(delay, 0.0, True, TIMER_PRIORITY) as timer:
                    loop.update_now()  # the timer counts from now, not the loop's last pass
                    hub.wait(timer)
            elif i % YIELD_EVERY == 0:
                gevent.sleep(0)
            self.recorder.offered(intended)
            if self.control.inflight >= self.max_inflight:
                self.recorder.dropped(intended)
                continue
            self.control.begin()
            send = greenlet(self._one, hub)
            self.running.add(send)
            loop.run_callback(resume)
            send.switch(intended)  # back here by ``resume``, after the other ready callbacks
        self.control.stop(STOP_MAX_REQUESTS if self.quota_limited else STOP_DURATION)
