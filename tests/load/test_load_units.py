"""Unit tests of the load engine's pure parts: no Locust, no network."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.clients import AnswerTooLarge
from harness.errors import ConfigError, UsageError
from harness.loadgen.classify import api_classifier, default_classifier
from harness.loadgen.limit import StepResult, find_limit
from harness.loadgen.recorder import ErrorSpike, Recorder, RunControl, planned_sends
from harness.loadgen.result import (
    CONFIG_ENV,
    PartWriter,
    PreparedRequest,
    RunConfig,
    collect,
    read_config,
)
from harness.loadgen.runner import parse_address
from harness.loadgen.scenarios import request_source


def test_importing_the_engine_leaves_locust_and_gevent_out() -> None:
    """Locust monkey-patches on import; the caller's process must never import it."""
    code = (
        "import sys, harness.loadgen, harness.loadgen.runner, harness.loadgen.suite\n"
        "bad = [m for m in ('locust', 'gevent', 'geventhttpclient', 'requests') if m in "
        "sys.modules]\n"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_locust_process_imports_neither_the_runner_nor_the_report() -> None:
    """Every Locust process imports the locustfile's modules: the runner and the suite (with the
    report and its plotting libraries) would cost each one about 0.6 s of CPU for nothing."""
    code = (
        "import sys, harness.loadgen.process\n"
        "bad = [m for m in ('harness.loadgen.runner', 'harness.loadgen.suite', 'harness.report',"
        " 'matplotlib', 'scipy') if m in sys.modules]\n"
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _gevent_timeout() -> BaseException:
    import gevent

    return gevent.Timeout()


def _retries_exceeded(original: BaseException) -> BaseException:
    from geventhttpclient.useragent import RetriesExceeded

    return RetriesExceeded("http://127.0.0.1:1/", 0, original=original)


def _connection_closed() -> BaseException:
    from geventhttpclient.response import HTTPConnectionClosed

    return HTTPConnectionClosed("connection closed.")


@pytest.mark.parametrize(
    ("status", "exc", "expected"),
    [
        (200, None, ("success", "http:200")),
        (204, None, ("success", "http:204")),
        (429, None, ("throttled", "http:429")),
        (401, None, ("auth_error", "http:401")),
        (403, None, ("auth_error", "http:403")),
        (400, None, ("input_error", "http:400")),
        (413, None, ("input_error", "http:413")),
        (408, None, ("timeout", "http:408")),
        (500, None, ("server_error", "http:500")),
        (503, None, ("server_error", "http:503")),
        (0, None, ("connection_error", "no answer:connection")),
        (
            0,
            lambda: ConnectionRefusedError(111, "refused"),
            ("connection_error", "no answer:connection"),
        ),
        (0, lambda: TimeoutError("timed out"), ("timeout", "no answer:timeout")),
        (0, _gevent_timeout, ("timeout", "no answer:timeout")),
        (0, lambda: _retries_exceeded(TimeoutError()), ("timeout", "no answer:timeout")),
        (
            0,
            lambda: _retries_exceeded(ConnectionResetError()),
            ("connection_error", "no answer:reset"),
        ),
        (0, lambda: BrokenPipeError(32, "Broken pipe"), ("connection_error", "no answer:reset")),
        (0, _connection_closed, ("connection_error", "no answer:reset")),
        (
            0,
            lambda: AnswerTooLarge("the answer's body ran past 16 MiB"),
            ("connection_error", "no answer:oversized body"),
        ),
    ],
)
def test_default_classifier(
    status: int,
    exc: Callable[[], BaseException] | None,
    expected: tuple[str, str],
) -> None:
    """Every outcome is labelled as the other suites count it: ``http:STATUS`` for an answer,
    ``no answer:KIND`` (the kinds of ``harness.contract.no_answer_kind``) for none, whichever
    of Locust's stacks (geventhttpclient, gevent, the socket) raised."""
    assert default_classifier(status, b"", exc() if exc else None) == expected


def test_prepared_request_url_path() -> None:
    req = PreparedRequest("n", "GET", "/a", query={"x": "1 2", "y": "z"})
    assert req.url_path() == "/a?x=1+2&y=z"
    assert PreparedRequest("n", "GET", "/a?k=v", query={"x": "1"}).url_path() == "/a?k=v&x=1"


def test_request_sources_are_a_scenario_or_plain_paths() -> None:
    """No dotted paths: a run sends plain GETs (judged by status) or an API scenario (by code)."""
    make, classify = request_source({"paths": ["/a", "/b"]})
    assert [make().path for _ in range(3)] == ["/a", "/b", "/a"]
    assert classify is default_classifier
    make, classify = request_source({"scenario": "liveCode", "demo_credentials": True})
    assert make().name == "liveCode" and classify is api_classifier
    for bad in ([], ["a"], [1]):
        with pytest.raises(UsageError, match="starting with '/'"):
            request_source({"paths": bad})


def test_master_addresses() -> None:
    assert parse_address("10.0.0.5", "--master") == ("10.0.0.5", 5557)
    assert parse_address("build-7:6000", "--master") == ("build-7", 6000)
    for bad in ("", ":6000", "h:0", "h:70000", "h:x"):
        with pytest.raises(UsageError, match="HOST"):
            parse_address(bad, "--master")


def _cfg(**changes: object) -> RunConfig:
    base: dict[str, object] = {
        "mode": "open",
        "target_url": "http://127.0.0.1:1",
        "requests": {"paths": ["/echo"]},
        "rate": 10.0,
        "duration_s": 5.0,
    }
    base.update(changes)
    return RunConfig(**base)  # type: ignore[arg-type]


def test_config_validation_and_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(max_requests=10, processes=3)
    assert [cfg.quota(i) for i in range(3)] == [4, 3, 3]
    assert RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    for bad in [
        {"rate": 0.0},
        {"rate": None, "users": 2},
        {"mode": "closed"},
        {"mode": "closed", "rate": None, "users": 1, "processes": 2},
        {"target_url": "ftp://x"},
        {"duration_s": 0},
        {"max_requests": 0},
        {"abort_error_rate": 1.5},
    ]:
        with pytest.raises(UsageError):
            _cfg(**bad)
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg.to_dict()))
    assert read_config({CONFIG_ENV: str(path)}) == cfg
    assert read_config({}) is None  # a worker: its master sends the config
    path.write_text("{not json")
    with pytest.raises(ConfigError):
        read_config({CONFIG_ENV: str(path)})


def test_planned_sends_and_run_control() -> None:
    assert planned_sends(10.0, 0.0, 2.0, None) == 20
    assert planned_sends(10.0, 0.05, 2.0, None) == 20  # slots 0.05 .. 1.95
    assert planned_sends(10.0, 0.0, 2.0, 7) == 7
    assert planned_sends(3.0, 0.0, 0.01, None) == 1
    ctl = RunControl(duration_s=10.0, quota=2)
    assert ctl.try_acquire(0.0) and ctl.try_acquire(1.0) and not ctl.try_acquire(2.0)
    assert ctl.stop_reason == "max_requests" and ctl.stopping and ctl.inflight == 2
    ctl.release()
    ctl.release()
    assert ctl.stopping and ctl.inflight == 0  # the process may finish now
    timed = RunControl(duration_s=1.0, quota=None)
    assert timed.try_acquire(5.0) and not timed.try_acquire(6.0) and timed.stop_reason == "duration"
    # a request sent first (matchIdno's validateData) claims its own share of the budget
    chain = RunControl(duration_s=10.0, quota=3)
    assert chain.try_acquire(0.0) and chain.more() and chain.sent == 2
    chain.unclaim()  # its answer gave no code: the matchIdno was not sent
    assert chain.sent == 1 and chain.try_acquire(0.1) and chain.more() and chain.sent == 3
    assert not chain.more() and chain.stop_reason == "max_requests" and chain.sent == 3


_BEHIND = """
import json, time
from types import SimpleNamespace
import gevent
from gevent.monkey import get_original
from harness.loadgen import process
from harness.loadgen.process import LoadProcess
from harness.loadgen.recorder import Recorder, RunControl

process.SCHEDULE_END_GRACE_S = 0.2  # (1 s in a run) short here: the test's time

busy = get_original("time", "sleep")  # a send that holds the CPU: a rate past what one sends
proc = object.__new__(LoadProcess)
proc.cfg = SimpleNamespace(duration_s=0.2, max_inflight=512)
proc.control = RunControl(duration_s=0.2, quota=None)
proc.recorder = Recorder(proc="local0", late_s=0.01)
proc.running, proc.scheduled, proc._start = set(), False, None

def execute(user, intended):
    busy(0.01)
    proc.recorder.sent(intended, time.perf_counter())
    proc.control.release()

proc.execute = execute
gevent.spawn(proc._schedule, None, 2000.0, 0.0).join()
print(json.dumps([dict(proc.recorder.totals), proc.control.stop_reason]))
"""


def test_an_open_schedule_behind_at_the_run_end_drops_the_rest_and_ends() -> None:
    """``--rate 1e300 --duration 1s`` caught up on its slots (dropping them at the in-flight
    cap) until Locust's run-time backstop, 75 s later. Here 400 slots at 2000/s for 0.2 s, each
    send holding the CPU 10 ms (4 s of sends): the schedule stops its grace past the run's end,
    and the slots it never reached are offered and dropped, counted."""
    done = subprocess.run([sys.executable, "-c", _BEHIND], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    totals, reason = json.loads(done.stdout)
    assert reason == "duration", reason
    assert totals["offered"] == 400 and 0 < totals["sent"] < 300, totals
    assert totals["dropped"] == 400 - totals["sent"], totals


def test_slots_dropped_at_once_count_in_their_seconds() -> None:
    rec = Recorder(proc="local0", late_s=0.010, origin=(0.0, 1_800_000_000.0))
    rec.dropped_slots(0.5, 0.25, 7)  # 0.5, 0.75 | 1.0 .. 1.75 | 2.0
    rows = [(r["sec"] - 1_800_000_000, r["offered"], r["dropped"]) for r in rec.all_rows()]
    assert rows == [(0, 2, 2), (1, 4, 4), (2, 1, 1)]
    assert rec.totals["offered"] == rec.totals["dropped"] == 7 and rec.first_intended == 0.5


def test_error_spike_window() -> None:
    spike = ErrorSpike(threshold=0.5, window_s=1.0, min_samples=4)
    for i in range(3):
        spike.add(0.1 * i, True)
    assert spike.check(0.3) is None  # too few samples
    spike.add(0.35, True)
    assert spike.check(0.4) is not None and "4/4" in (spike.check(0.4) or "")
    # the window slid past the errors: at a low rate the last 4 answers are judged instead
    assert "4/4 non-success in the last 4 answers" in (spike.check(5.0) or "")
    for t in (5.0, 6.0, 7.0):
        spike.add(t, False)
    assert spike.check(7.1) is None  # 1 of the last 4 failed


def test_error_spike_fires_at_two_requests_per_second() -> None:
    """2/s never fills a 5 s window with 20 answers; the last 10 answers are judged instead."""
    spike = ErrorSpike(threshold=0.5, window_s=5.0, min_samples=10)
    fired: tuple[int, str] | None = None
    for i in range(40):
        now = i * 0.5
        spike.add(now, True)
        if (reason := spike.check(now)) is not None:
            fired = (i + 1, reason)
            break
    assert fired is not None and fired[0] == 10, fired  # after 5 s of failures
    busy = ErrorSpike(threshold=0.5, window_s=5.0, min_samples=10)
    for i in range(500):  # 100/s: judged on the last 5 s, so 6 failures in a row are a blip
        busy.add(i / 100, i % 100 < 6)
    assert busy.check(4.99) is None


def test_hdr_record_seconds_is_the_librarys_record_value() -> None:
    """The inlined recording puts every duration (sub-microsecond, every bucket edge, past the
    top: clamped) where ``HdrHistogram.record_value`` would, so merged percentiles are unchanged."""
    from harness.loadgen import hdr

    ours, library = hdr.new_histogram(), hdr.new_histogram()
    seconds = [-1.0, 0.0, 4e-7, 1e-6, 600.0, 600.0000004, 601.0, 1e4]
    seconds += [(2**k + d) / 1e6 for k in range(30) for d in (-1, 0, 1)]
    seconds += [i * 0.000731 for i in range(5000)] + [i * 0.1237 for i in range(5000)]
    clamped = 0
    for s in seconds:
        clamped += not hdr.record_seconds(ours, s)
        library.record_value(min(max(round(s * 1e6), hdr.LOWEST_US), hdr.HIGHEST_US))
    assert clamped == sum(round(s * 1e6) > hdr.HIGHEST_US for s in seconds) > 3
    assert list(ours.counts) == list(library.counts)
    assert (ours.total_count, ours.min_value, ours.max_value) == (
        library.total_count, library.min_value, library.max_value)  # fmt: skip
    assert hdr.summarize_ms(ours) == hdr.summarize_ms(library)


def test_recorder_run_histogram_is_the_sum_of_its_seconds() -> None:
    """Each latency is recorded once, in its second; the run's histogram (the final part) still
    counts every answer, those of seconds not yet emitted included."""
    from harness.loadgen import hdr

    rec = Recorder(proc="local0", late_s=0.010, origin=(0.0, 1_800_000_000.0))
    for i in range(300):
        t = 0.25 + i * 0.01
        rec.offered(t)
        rec.sent(t, t)
        rec.done(t, t, t + 0.001 * (1 + i % 7), "success", "http:200")
    first = rec.due_rows(now=3.5)  # seconds 0 and 1 are emitted, 2 and 3 stay open
    assert [r["sec"] for r in first] == [1_800_000_000, 1_800_000_001]
    summary = hdr.merge([rec.summary()["latency_hist"]])
    assert summary.get_total_count() == 300
    rows = first + rec.all_rows()
    assert sum(r["completed"] for r in rows) == 300
    assert hdr.summarize_ms(hdr.merge(r["hist"] for r in rows)) == hdr.summarize_ms(summary)
    assert hdr.merge([rec.summary()["latency_hist"]]).get_total_count() == 300  # all emitted now


def test_recorder_emits_rows_once_a_second_even_when_behind() -> None:
    """A process behind its schedule records into already emitted seconds at every send: those
    late events come out as one more row per second (merged by summing), not one per tick."""
    rec = Recorder(proc="local0", late_s=0.010, origin=(0.0, 1_800_000_000.0))
    rec.offered(0.5)
    assert [r["sec"] for r in rec.due_rows(now=2.05)] == [1_800_000_000]
    rec.offered(0.6)  # late slots of second 0, offered at every tick of second 2
    assert rec.due_rows(now=2.15) == []
    rec.offered(0.7)
    assert rec.due_rows(now=2.95) == []
    late = rec.due_rows(now=3.05)
    assert [(r["sec"], r["offered"]) for r in late] == [(1_800_000_000, 2)]
    assert rec.totals["offered"] == 3 and rec.all_rows() == []


def test_recorder_parts_merge_across_processes(tmp_path: Path) -> None:
    """Two processes' parts merge into exact totals, histograms and aligned seconds."""
    base = 1_800_000_000.0
    for index in range(2):
        rec = Recorder(proc=f"worker{index}", late_s=0.010, origin=(0.0, base))
        for i in range(100):
            intended = 0.5 + i * 0.02 + index * 0.01  # 50/s per process, interleaved
            rec.offered(intended)
            sent = intended + (0.02 if i == 0 else 0.001)  # the first send is late
            rec.sent(intended, sent)
            klass, code = ("success", "http:200") if i % 10 else ("throttled", "http:429")
            rec.done(intended, sent, sent + 0.005 * (index + 1), klass, code)
        writer = PartWriter(tmp_path, rec.proc)
        writer.append_rows(rec.due_rows(now=2.2))  # second 0 only (1 s grace)
        rec.dropped(0.9)  # an event for an already written second: a second row for it
        writer.append_rows(rec.all_rows())
        writer.write_final(
            rec.summary()
            | {"role": "worker", "index": index, "stop_reason": "duration", "abort_reason": None}
            | {"reconnects": index + 1}  # requests its transport sent again on a new connection
        )
    cfg = _cfg(rate=100.0, processes=2)
    result = collect(tmp_path, cfg, workers=2, warnings=[])
    s = result.summary
    assert (s["totals"]["completed"], s["totals"]["late"], s["totals"]["dropped"]) == (200, 2, 2)
    assert s["by_class"]["throttled"] == 20 and s["errors_by_code"] == {"http:429": 20}
    assert s["latency_ms"]["count"] == 200 and s["reconnects"] == 3
    # 99 sends at 1+5 ms, one late at 20+5 ms (process 0); 99 at 1+10 ms, one at 30 ms (1)
    assert s["latency_ms"]["min"] == pytest.approx(6.0, rel=0.01)
    assert s["latency_ms"]["p50"] == pytest.approx(11.0, rel=0.01)
    assert s["latency_ms"]["max"] == pytest.approx(30.0, rel=0.01)
    assert [row.t for row in result.series] == [0, 1, 2]
    assert sum(row.completed for row in result.series) == 200
    assert sum(row.offered for row in result.series) == 200
    assert result.series[1].offered == 100  # both processes' slots in second 1
    rows, end = result.window(1, 2)  # a limit step's window: exactly its seconds
    assert (rows, end) == ([result.series[1]], 2)
    assert rows[0].by_class["throttled"] / rows[0].completed == pytest.approx(0.1)
    assert result.series[0].dropped == 2
    # each process's first send 20 ms late: the latest lateness, not a sum (a clump's span: a
    # search forgives at most rate x that of the warm-up's refusals, session 27)
    assert [round(row.late_max_s, 3) for row in result.series] == [0.02, 0.0, 0.0]
    short = collect(tmp_path, _cfg(rate=100.0, processes=3), workers=3, warnings=[])
    assert short.summary["partial"] == {
        "expected_processes": 3,
        "reported_processes": 2,
        "unreported_sent": 0,
        "unreported_completed": 0,
        "reason": "partial run, 1 of 3 load process(es) did not send their share: worker 2 sent "
        "no report within 5s of the run's end (0 request(s) sent and 0 answered per its "
        "per-second rows are not counted)",
    }
    assert short.summary["warnings"] == [short.summary["partial"]["reason"]]
    assert result.summary["partial"] is None


def _part(out: Path, index: int, sends: int, *, final: dict[str, object] | None) -> None:
    """One worker's parts: ``sends`` answered requests, and its final report (None: lost)."""
    rec = Recorder(proc=f"worker{index}-p{100 + index}", late_s=0.01, origin=(0.0, 1.8e9))
    for i in range(sends):
        rec.offered(0.1 * i)
        rec.sent(0.1 * i, 0.1 * i)
        rec.done(0.1 * i, 0.1 * i, 0.1 * i + 0.01, "success", "HTTP 200")
    writer = PartWriter(out, rec.proc)
    writer.append_rows(rec.all_rows())
    if final is not None:
        writer.write_final(rec.summary() | {"role": "worker", "index": index} | final)


def test_a_run_short_of_a_process_share_is_partial_and_says_what(tmp_path: Path) -> None:
    """Reports lost, and schedules ended from outside, are named with what they lose; the lost
    worker's rows are counted there, not in the series (the totals have only the reports)."""
    cfg = _cfg(rate=20.0, duration_s=2.0, processes=3)
    _part(tmp_path, 0, 10, final={"stop_reason": "duration", "quota": None})
    _part(tmp_path, 1, 4, final=None)  # the master quit before its report came
    _part(tmp_path, 2, 0, final={"stop_reason": "missed heartbeats", "quota": None})
    s = collect(tmp_path, cfg, workers=3, warnings=[]).summary
    assert s["totals"]["completed"] == 10 == sum(r["achieved_rps"] for r in s["series"])
    assert (s["partial"]["unreported_sent"], s["partial"]["unreported_completed"]) == (4, 4)
    assert s["partial"]["reason"] == (
        "partial run, 2 of 3 load process(es) did not send their share: worker 1 sent no report "
        "within 5s of the run's end (4 request(s) sent and 4 answered per its per-second rows "
        "are not counted); worker 2 was stopped (missed heartbeats) after offering 0 of 13 "
        "request(s) (the master drops a worker silent for 3 s: an overloaded machine?)"
    )
    # An abort stops every process: that is the run's verdict, not a share left unsent.
    _part(tmp_path, 0, 10, final={"stop_reason": "aborted", "quota": None})
    _part(tmp_path, 1, 3, final={"stop_reason": "stopped by locust", "quota": None})
    assert collect(tmp_path, cfg, workers=3, warnings=[]).summary["partial"] is None
    # A process whose share of the request budget is nothing had nothing to send.
    cfg = _cfg(rate=20.0, duration_s=2.0, processes=3, max_requests=2)
    _part(tmp_path, 0, 1, final={"stop_reason": "max_requests", "quota": 1})
    _part(tmp_path, 1, 1, final={"stop_reason": "max_requests", "quota": 1})
    _part(tmp_path, 2, 0, final={"stop_reason": "run-time limit", "quota": 0})
    assert collect(tmp_path, cfg, workers=3, warnings=[]).summary["partial"] is None


# -- find_limit against fake services ------------------------------------------------------


def throttling_service(limit: float, *, burst_hides_up_to: float = 0.0, p99_ms: float = 5.0):
    """A token-bucket service: throttles the excess over ``limit``; a burst can hide small
    overloads."""

    calls: list[float] = []

    def measure(rate: float) -> StepResult:
        calls.append(rate)
        hidden = rate <= limit * (1 + burst_hides_up_to)
        ok = rate if hidden else limit
        throttled = 0.0 if hidden else (rate - limit) / rate
        return StepResult(rate, rate, ok, p99_ms, 0.0, throttled, completed=int(rate * 3))

    measure.calls = calls  # type: ignore[attr-defined]
    return measure


def test_find_limit_converges_on_a_throttle() -> None:
    for limit in (37.0, 200.0, 1234.0):
        result = find_limit(
            throttling_service(limit), start_rate=10, max_rate=10_000, slo_p99_ms=100,
            max_error_rate=0.01, use_plateau=False,
        )  # fmt: skip
        assert result.converged and result.stopped_by == "converged"
        # a throttled share up to max_error_rate (1%) is tolerated, hence the upper bound
        assert result.limit_rps is not None and limit * 0.96 <= result.limit_rps <= limit / 0.99
        assert result.first_bad_rps is not None and result.first_bad_rps > limit
        assert result.table()[0]["phase"] == "ramp"


def test_find_limit_plateau_shortcuts_and_defeats_a_hidden_burst() -> None:
    quick = find_limit(
        throttling_service(200.0), start_rate=50, max_rate=2000, slo_p99_ms=100, max_error_rate=0.01
    )
    assert quick.limit_rps == 200.0 and quick.converged and len(quick.steps) == 4  # 50,100,200,400
    assert quick.plateau_rps == 200.0 and quick.upper_rps == pytest.approx(208.0)
    # Short steps hide overload up to +25% (a token-bucket burst): bisection alone overshoots...
    naive = find_limit(
        throttling_service(200.0, burst_hides_up_to=0.25), start_rate=60, max_rate=2000,
        slo_p99_ms=100, max_error_rate=0.01, use_plateau=False,
    )  # fmt: skip
    assert naive.limit_rps is not None and naive.limit_rps > 240
    # ...while the throttle plateau caps it at what the throttled steps really delivered.
    capped = find_limit(
        throttling_service(200.0, burst_hides_up_to=0.25), start_rate=60, max_rate=2000,
        slo_p99_ms=100, max_error_rate=0.01,
    )  # fmt: skip
    assert capped.limit_rps == 200.0 and capped.notes and capped.knee_rps == 200.0


def test_find_limit_plateau_prefers_the_tail_rate() -> None:
    """Early in a failing step the bucket still drains its burst; the tail rate is the refill."""

    def draining(rate: float) -> StepResult:
        if rate <= 200:
            return StepResult(rate, rate, rate, 3.0, 0.0, 0.0, completed=300, tail_ok_rps=rate)
        whole = min(rate, 230.0)  # the burst inflates the whole-window success rate
        return StepResult(rate, rate, whole, 3.0, 0.0, 1 - whole / rate, 300, tail_ok_rps=200.0)

    result = find_limit(draining, start_rate=35, max_rate=2000, slo_p99_ms=100, max_error_rate=0.01)
    assert result.plateau_rps == 200.0 and result.upper_rps == pytest.approx(208.0)
    # steps up to 230/s look good (burst), so the answer sits within resolution of the plateau
    assert result.limit_rps is not None and 196.0 <= result.limit_rps <= 208.0
    assert result.table()[3]["tail_ok_rps"] == 200.0


def test_find_limit_on_latency_and_shortfall() -> None:
    capacity = 120.0

    def queueing(rate: float) -> StepResult:  # latency explodes near capacity; no throttling
        achieved = min(rate, capacity)
        p99 = 10.0 / max(1e-3, 1 - achieved / capacity) if rate < capacity else 10_000.0
        return StepResult(rate, achieved, achieved, p99, 0.0, 0.0, completed=100)

    result = find_limit(queueing, start_rate=10, max_rate=1000, slo_p99_ms=200, max_error_rate=0.01)
    # p99 <= 200 ms  <=>  rate <= 0.95 * capacity
    assert result.limit_rps is not None and 0.91 * capacity <= result.limit_rps <= 0.95 * capacity
    assert result.plateau_rps is None and result.knee_rps is not None
    assert result.knee_rps < result.limit_rps  # latency bends before the SLO is hit
    assert any("p99" in r for row in result.table() for r in row["reasons"])


def test_find_limit_judges_a_short_step_on_what_its_window_held() -> None:
    """A 3 s window holds whole requests: at 1.6/s its schedule holds 4 (1.33/s), and one
    answer can fall past its edge. Before, such a step of a service answering in 5 ms failed by
    "achieved 1.3/s < 95% of offered 1.6/s" (recorded: step 8 of a search, 4 offered, 4
    answered, p99 11.5 ms) and a healthy service's limit was reported at a low start rate."""

    def measured(rate: float, capacity: float) -> StepResult:
        offered = math.floor(rate * 3)  # the phase that holds the fewer sends
        answered = max(0, min(offered - 1, math.floor(capacity * 3)))  # one past its end
        return StepResult(offered / 3, answered / 3, answered / 3, 5.0, 0.0, 0.0,
                          completed=answered, window_s=3.0)  # fmt: skip

    healthy = find_limit(lambda r: measured(r, 1000.0), start_rate=1, max_rate=8, slo_p99_ms=500,
                         max_error_rate=0.01)  # fmt: skip
    assert healthy.bound == "lower" and healthy.limit_rps == 8, healthy.table()
    queue = find_limit(lambda r: measured(r, 5.0), start_rate=1, max_rate=64, slo_p99_ms=500,
                       max_error_rate=0.01)  # fmt: skip
    assert queue.bound == "exact" and queue.limit_rps is not None, queue.table()
    bad = [row["reasons"] for row in queue.table() if row["verdict"] == "bad"]
    assert 5.0 <= queue.limit_rps <= 6.0 and bad and all(r[0].startswith("achieved") for r in bad)


QUEUE_STEPS = {  # recorded: a queue of 2 slots x 100 ms (20/s), answered without errors
    5.0: (5.0, 108.0),
    10.0: (10.0, 110.3),
    20.0: (19.7, 164.5),
    40.0: (19.7, 2465.8),
    30.0: (19.3, 1460.2),
    25.0: (20.0, 928.3),
    22.5: (19.7, 710.1),
    21.25: (19.7, 442.9),
    20.625: (19.7, 288.0),
}


def test_find_limit_says_a_queue_limits_by_latency() -> None:
    """A queue serves its capacity when overloaded and refuses nothing; its short step a little
    above capacity passes (20.6/s). The note said "the service may degrade when overloaded"."""

    def queue(rate: float) -> StepResult:
        achieved, p99 = QUEUE_STEPS[rate]
        return StepResult(rate, achieved, achieved, p99, 0.0, 0.0, completed=int(achieved * 3))

    result = find_limit(queue, start_rate=5, max_rate=80, slo_p99_ms=1000, max_error_rate=0.01)
    assert result.limit_rps == 20.625 and result.plateau_rps is None, result.table()
    assert len(result.notes) == 1 and "queues" in result.notes[0], result.notes
    assert "degrade" not in result.notes[0] and "19.3 ok/s" in result.notes[0]
    shed = find_limit(  # the same shortfall with errors: it may degrade, as before
        lambda r: replace(queue(r), error_rate=0.0 if r <= 20.625 else 0.2), start_rate=5,
        max_rate=80, slo_p99_ms=1000, max_error_rate=0.01,
    )  # fmt: skip
    assert any("may degrade" in n for n in shed.notes), shed.notes


def test_find_limit_steps_down_when_the_start_rate_fails() -> None:
    result = find_limit(
        throttling_service(20.0), start_rate=100, max_rate=1000, slo_p99_ms=100, max_error_rate=0.01
    )
    phases = [row["phase"] for row in result.table()]
    assert phases[:3] == ["ramp", "ramp-down", "ramp-down"]
    assert result.limit_rps is not None and 19.0 <= result.limit_rps <= 20.0


def test_find_limit_budgets() -> None:
    service = throttling_service(1e9)
    result = find_limit(service, start_rate=1, max_rate=64, slo_p99_ms=100, max_error_rate=0.01)
    assert result.stopped_by == "max_rate reached without failing" and result.limit_rps == 64
    assert not result.converged
    ticks = iter(range(1000))
    timed = find_limit(
        throttling_service(1e9), start_rate=1, max_rate=1e6, slo_p99_ms=100, max_error_rate=0.01,
        time_budget_s=20, clock=lambda: float(next(ticks) * 5),
    )  # fmt: skip
    assert timed.stopped_by == "time budget" and len(timed.steps) < 5
    capped = find_limit(
        throttling_service(1e9), start_rate=1, max_rate=1e6, slo_p99_ms=100, max_error_rate=0.01,
        max_steps=3,
    )  # fmt: skip
    assert capped.stopped_by == "max_steps" and len(capped.steps) == 3
    with pytest.raises(ValueError):
        find_limit(service, start_rate=0, max_rate=1, slo_p99_ms=1, max_error_rate=0)


def test_find_limit_reports_errors_and_empty_steps() -> None:
    def broken(rate: float) -> StepResult:
        errors = 0.0 if rate < 30 else 0.2
        return StepResult(rate, rate, rate * (1 - errors), 3.0, errors, 0.0, completed=50)

    result = find_limit(broken, start_rate=10, max_rate=100, slo_p99_ms=50, max_error_rate=0.01)
    assert result.limit_rps is not None and 28.0 <= result.limit_rps < 30.0
    assert result.to_dict()["steps"][-1]["reasons"] in ([], ["errors 20.0% > 1.0%"])
    silent = find_limit(
        lambda r: StepResult(r, 0, 0, None, 0.0, 0.0), start_rate=5, max_rate=10, slo_p99_ms=50,
        max_error_rate=0.01, min_rate=1,
    )  # fmt: skip
    assert silent.limit_rps is None and silent.table()[0]["reasons"] == ["no responses"]
    assert math.isclose(json.loads(json.dumps(result.to_dict()))["limit_rps"], result.limit_rps)


def test_find_limit_says_how_its_limit_bounds_the_truth() -> None:
    """Issue 15: a search that never failed found a lower bound, not the limit."""
    from harness.loadgen.limit import describe_limit, search_higher

    ceiling = find_limit(throttling_service(150.0), start_rate=5, max_rate=20, slo_p99_ms=100,
                         max_error_rate=0.01)  # fmt: skip
    assert (ceiling.bound, ceiling.reported_rps) == ("lower", 20)
    assert describe_limit(ceiling.reported_rps, ceiling.bound, ceiling.stopped_by) == (
        "at least 20/s (search ceiling)"
    )
    assert "--allow-costly-load" in search_higher(ceiling.stopped_by)
    assert ceiling.to_dict()["bound"] == "lower"
    exact = find_limit(throttling_service(15.0), start_rate=5, max_rate=20, slo_p99_ms=100,
                       max_error_rate=0.01)  # fmt: skip
    assert exact.bound == "exact" and exact.reported_rps == exact.limit_rps == pytest.approx(
        15.0, rel=0.04
    )
    none = find_limit(throttling_service(0.001), start_rate=1, max_rate=20, slo_p99_ms=100,
                      max_error_rate=0.01)  # fmt: skip
    assert none.limit_rps is None and none.bound == "upper" and none.reported_rps == 1 / 16
    assert describe_limit(none.reported_rps, none.bound) == "below 0.0625/s (no rate passed)"

    def budget(rate: float) -> str | None:
        return "request budget: 0 of 3 used, next step needs 7"

    unrun = find_limit(throttling_service(10.0), start_rate=1, max_rate=20, slo_p99_ms=100,
                       max_error_rate=0.01, precheck=budget)  # fmt: skip
    assert unrun.bound is None and unrun.reported_rps is None


def test_per_second_rows_add_up_their_codes_whether_part_or_merged() -> None:
    """A limit step's window adds merged rows (``errors_by_code``), a run adds its parts' rows
    (``err_codes``): both keep the codes they counted."""
    from harness.loadgen.result import SecondRow

    part = {"by_class": {"success": 1, "error": 2}, "err_codes": {"http:503": 2}, "completed": 3}
    merged = SecondRow.total([part, part])
    assert merged.errors_by_code == {"http:503": 4} and merged.completed == 6
    window = SecondRow.total(map(vars, [merged, merged]))
    assert window.errors_by_code == {"http:503": 8}
    assert window.by_class == {"success": 4, "error": 8} and window.completed == 12


@pytest.mark.parametrize(
    ("by_class", "undrained", "judges_nothing"),
    [
        ({"success": 50, "throttled": 44, "timeout": 6}, None, True),  # queued past its limit
        ({"success": 50, "throttled": 44, "server_error": 6}, None, False),  # 5xx stay a defect
        ({"success": 94, "timeout": 6}, None, False),  # no throttling: the timeouts are the finding
        # session 27's review: a pool of one 1 s worker under a 0.5 s timeout (mixed 20/s,
        # aborted after 1.55 s): liveCode served, its 14 comparisons still queued, more than a
        # low-rate run could wait out; before, that run timed out behind them: a hang, exit 1
        ({"success": 6, "timeout": 14}, 14, True),
        ({"timeout": 20}, 20, False),  # nothing served at all: it may be down, and fails
    ],
)
def test_timeouts_beside_throttling_at_an_unheld_rate_judge_nothing(
    by_class: dict[str, int], undrained: int | None, judges_nothing: bool
) -> None:
    """E-045: at a rate the gate chose, a service past its QPS limit that throttles some requests
    and lets others wait past the timeout is slow there, not broken (a qps-2 service under the
    gate's load stage was red on 6 timeouts). A backlog no low-rate run could wait out
    (``undrained``, :func:`_drain_s`) tells neither saturated nor broken: inconclusive."""
    from types import SimpleNamespace

    from harness.loadgen.suite import _throttled_only

    plan = SimpleNamespace(contracted_rate=False, max_error_rate=0.01, rate=20.0, duration_s=2.0)
    completed = sum(by_class.values())
    summary = {"totals": {"completed": completed}, "by_class": by_class, "elapsed_s": 1.55}
    run = SimpleNamespace(summary=summary, settled=None, undrained=undrained, series=[])
    why = _throttled_only(plan, run)  # type: ignore[arg-type]
    assert (why is not None) == judges_nothing, why
    if judges_nothing and undrained:
        assert why is not None and "held 14 unanswered" in why and "(3.9/s)" in why, why
    elif judges_nothing:
        assert why is not None and "6 more timed out" in why and "E-045" in why


@pytest.mark.parametrize(
    ("max_error_rate", "by_class", "judges_nothing"),
    [
        (None, {"success": 6, "throttled": 7}, True),  # no error limit: a limit below the rate
        (None, {"throttled": 13}, True),  # every answer refused: the same
        (None, {"success": 6, "throttled": 6, "server_error": 1}, False),  # a 5xx is a defect
        (0.01, {"success": 6, "throttled": 7}, False),  # the user holds it to the rate
        # E-057: shedding (a bare 503, JD 10020 系统繁忙) while serving the rest is a limit too,
        # once a run at a quarter of what it served shed none (``settled``)
        (None, {"success": 6, "shed": 7, "settled": True}, True),
        (None, {"success": 6, "throttled": 3, "shed": 4, "settled": True}, True),
        # review of session 19: 503s that went on at the low rate are a backend failing at random
        (None, {"success": 6, "shed": 7, "settled": False}, False),
        (None, {"success": 6, "shed": 7}, False),  # no low-rate run (no budget): as before
        (None, {"shed": 13, "settled": True}, False),  # nothing served: it may be down, and fails
        (0.01, {"success": 6, "shed": 7, "settled": True}, False),
        # E-096: connections closed with no byte of answer while the rest were served are
        # errors, not shedding, even when a low-rate run is clean (a crash under concurrency
        # closes them alike)
        (None, {"success": 6, "reset": 7, "settled": True}, False),
    ],
)
def test_a_load_run_holds_the_service_to_its_rate_only_with_an_error_limit(
    max_error_rate: float | None, by_class: dict[str, Any], judges_nothing: bool
) -> None:
    """E-045, legit round 7: ``load run --rate 5`` without ``--max-error-rate`` against a
    service throttling at 2/s aborted on the error spike of its throttling answers alone, and the
    abort was a high ``error_rate`` finding (exit 1). Throttling is the documented answer past a
    limit the documents do not number; only the user's error limit makes it a failure. E-057,
    session 19: a service shedding what is over 20/s with a bare 503 and ``Retry-After: 1``
    (``throttle_variants`` ``shed-retry``) failed ``load run --rate 40`` the same way (exit 1)."""
    from types import SimpleNamespace

    from harness.loadgen.suite import _throttled_only

    plan = SimpleNamespace(contracted_rate=True, max_error_rate=max_error_rate, rate=5.0)
    settled = by_class.pop("settled", None)
    completed = sum(by_class.values())
    shed = by_class.pop("shed", 0)  # server errors that shed load: a bare 503, JD's busy
    codes = {"http:503": shed - 1, "jd:gateway:10020": 1} if shed else {}
    by_class = {**by_class, "server_error": shed} if shed else by_class
    if resets := by_class.pop("reset", 0):  # closed unanswered (E-096)
        codes, by_class = {"no answer:reset": resets}, {**by_class, "connection_error": resets}
    summary = {"totals": {"completed": completed}, "by_class": by_class, "errors_by_code": codes}
    run = SimpleNamespace(summary=summary, stop_reason="aborted", settled=settled)  # a spike stop
    finished = SimpleNamespace(summary=summary, stop_reason="duration", settled=settled)
    if by_class.get("success"):  # a run that was not stopped passes without an error limit
        assert _throttled_only(plan, finished) is None  # type: ignore[arg-type]
    why = _throttled_only(plan, run)  # type: ignore[arg-type]
    assert (why is not None) == judges_nothing, why
    if judges_nothing:
        assert why is not None and why.startswith("throttled") and "at 5/s" in why
        assert ("E-057" in why) == bool(shed), why


@pytest.mark.parametrize(
    ("asked", "elapsed", "waited", "steps", "budget", "expected"),
    [
        (1.0, 10.0, 0.0, 2, 60.0, 1.0),  # room for the wait and a 5 s step
        (30.0, 40.0, 0.0, 4, 60.0, 10.0),  # 20 s left, a 10 s step must still fit
        (30.0, 55.0, 5.0, 5, 60.0, 0.0),  # no room: no wait (the search stops on its own check)
        (2.0, 5.0, 0.0, 1, None, 2.0),  # no time budget: the whole wait
    ],
)
def test_a_retry_after_wait_leaves_room_for_the_next_step(
    asked: float, elapsed: float, waited: float, steps: int, budget: float | None, expected: float
) -> None:
    """Review of session 17: the wait was capped at the time left, and then a whole step ran past
    the budget the search had checked before it."""
    from harness.loadgen.suite import retry_wait

    assert retry_wait(asked, elapsed, waited, steps, budget) == pytest.approx(expected)


def test_a_run_that_ran_into_a_quota_says_what_it_served_before_it() -> None:
    """``minute-quota`` (600 a minute, Retry-After to the minute's end) under ``load run --rate
    20 --duration 60s``: 30 s served, then every request refused and the error-spike abort.
    Before, the reason said only "the service's QPS limit is below the rate this run chose", and
    20/s is under what the service serves in any one second."""
    from types import SimpleNamespace

    from harness.loadgen.result import SecondRow
    from harness.loadgen.suite import _throttled_only

    rows = [SecondRow(t, t, offered=20, sent=20, completed=20, by_class={"success": 20})
            for t in range(30)]  # fmt: skip
    rows += [SecondRow(t, t, offered=20, sent=20, completed=20, by_class={"throttled": 20})
             for t in range(30, 33)]  # fmt: skip
    rows.append(SecondRow(33, 33, offered=4, sent=4, completed=4, by_class={"throttled": 4}))
    summary = {"totals": {"completed": 664}, "by_class": {"success": 600, "throttled": 64},
               "retry_after_s": 27.0}  # fmt: skip
    plan = SimpleNamespace(contracted_rate=True, max_error_rate=None, rate=20.0)
    run = SimpleNamespace(summary=summary, stop_reason="aborted", settled=None, series=rows)
    why = _throttled_only(plan, run)  # type: ignore[arg-type]
    assert why is not None and why.startswith("throttled 9.6% of the answers at 20/s"), why
    assert "it served 600 request(s), then refused every request of the run's last 3 whole " in why
    assert "asking to come back in 27 s (Retry-After): a quota over a window longer" in why
    # session 21: started 40 s into a minute, the run crossed into the next one (400 served,
    # 40 s refused, 600 served, refused): it said "it served 1000 request(s)"
    served, refused = {"success": 20}, {"throttled": 20}
    rows = [SecondRow(t, t, offered=20, sent=20, completed=20,
                      by_class=served if t < 20 or 60 <= t < 90 else refused)
            for t in range(94)]  # fmt: skip
    crossed = SimpleNamespace(summary=summary, stop_reason="aborted", settled=None, series=rows)
    why = _throttled_only(plan, crossed)  # type: ignore[arg-type]
    assert why is not None and "it served 600 request(s) from the end of its previous whole " in why
    half = {"success": 10, "throttled": 10}  # a bucket serves its refill every second
    rows = [SecondRow(t, t, offered=20, sent=20, completed=20, by_class=half) for t in range(4)]
    bucket = SimpleNamespace(summary=summary, stop_reason="aborted", settled=None, series=rows)
    assert "quota" not in (_throttled_only(plan, bucket) or "")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"ratelimit-policy": "100;w=60", "ratelimit-remaining": "0", "ratelimit-reset": "36"},
         (100, 60, 0, 36)),
        ({"ratelimit-policy": '"default";q=600;w=60', "ratelimit": '"default";r=5;t=36'},
         (600, 60, 5, 36)),
        ({"ratelimit": "limit=10, remaining=5, reset=1"}, (10, None, 5, 1)),
        ({"ratelimit-limit": "10, 10;w=1, 1000;w=3600"}, (10, 1, None, None)),
        ({"x-ratelimit-limit": "600", "x-ratelimit-remaining": "12",
          "x-ratelimit-reset": "1700000036"}, (600, None, 12, 36)),  # an epoch: GitHub's
        ({"x-ratelimit-limit": "20", "x-ratelimit-reset": "3"}, (20, None, None, 3)),
        ({"x-ratelimit-limit": "abc" * 1000}, None),  # no number: states nothing
        ({"x-ratelimit-limit": "1" * 40}, None),  # past 12 digits: not a count
        ({"retry-after": "1"}, None),
        # session 21 review: a parameter had no end: q=1234567890123 read as 123456789012
        ({"ratelimit-policy": '"p";q=1234567890123;w=60'}, None),
        ({"ratelimit": '"p";r=1234567890123;t=36'}, (None, None, None, 36)),
        # a window of 0.5 s read as 0, dropped, and said "a limit of 100" (as if per second)
        ({"ratelimit-policy": "100;w=0.5"}, None),
        ({"ratelimit-policy": '"p";q=100;w=0'}, None),
        ({"ratelimit-policy": "100;w=0.5", "x-ratelimit-limit": "50"}, (50, None, None, None)),
        ({"ratelimit-policy": "100;w=1.5", "ratelimit-limit": "100;w=60"}, (100, 60, None, None)),
        # a structured List field sent over two field lines is one value (RFC 9110 5.3): dropped
        ({"ratelimit-policy": ['"burst";q=100;w=60', '"day";q=1000;w=86400'],
          "ratelimit": '"burst";r=0;t=36'}, (100, 60, 0, 36)),
    ],
)  # fmt: skip
def test_the_limit_an_answer_states_is_read_from_every_common_field(
    fields: dict[str, str | list[str]], expected: tuple[Any, ...] | None
) -> None:
    """Session 20 left "no RateLimit-* or X-RateLimit-* headers are read"; they are evidence now,
    in each form a service sends them (the IETF httpapi drafts, old and new, and X-RateLimit-*),
    read from the answer head as load's transport reads it (a list: one field line each)."""
    from geventhttpclient.header import Headers

    from harness.loadgen import transport
    from harness.loadgen.result import stated_limit

    head = Headers()
    for name, value in fields.items():
        for line in [value] if isinstance(value, str) else value:
            head.add(name, line)
    said = stated_limit(lambda name: transport._stated_field(head, name), now=1_700_000_000)
    got = None if said is None else tuple(said[k] for k in ("limit", "window_s", "remaining",
                                                            "reset_s"))  # fmt: skip
    assert got == expected, said


_BURST = {"ratelimit-policy": "100;w=60", "ratelimit-remaining": "7", "ratelimit-reset": "1"}
_LAST = {"ratelimit-policy": "100;w=60", "ratelimit-remaining": "0", "ratelimit-reset": "36"}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # a lowest limit of 50 hid 100 per 60 s and credited the 50 to RateLimit-Policy
        ([("match", {"ratelimit-policy": "100;w=60"}), ("match", {"x-ratelimit-limit": "50",
          "x-ratelimit-reset": "1"})],
         "the answers of the match API state a limit of 100 per 60 s (RateLimit-Policy); the "
         "answers of the match API state a limit of 50, no window stated; one of them reset in 1 s "
         "(X-RateLimit-Limit, X-RateLimit-Reset)"),
        # mixed: the internal API's and JD's headers (each credential's own limit) were one claim
        ([("match", {"x-ratelimit-limit": "20"}), ("jd", {"x-ratelimit-limit": "10"})],
         "the answers of the match API state a limit of 20, no window stated (X-RateLimit-Limit); "
         "the answers of the jd API state a limit of 10, no window stated (X-RateLimit-Limit)"),
        # remaining and reset were taken of two answers: "0 remaining, reset in 1 s" none gave
        ([("match", _BURST), ("match", _LAST), ("match", _BURST)],
         "the answers of the match API state a limit of 100 per 60 s; one of them 0 remaining, "
         "reset in 36 s (RateLimit-Policy, RateLimit-Remaining, RateLimit-Reset)"),
        ([("match", {"ratelimit": "remaining=0, reset=2"})],
         "one of the answers of the match API states 0 remaining, reset in 2 s (RateLimit)"),
    ],
)  # fmt: skip
def test_stated_limits_of_several_answers_say_only_what_one_answer_said(
    answers: list[tuple[str, dict[str, str]]], expected: str
) -> None:
    """Session 21 review: ``merge_stated`` kept the lowest limit of any answer (over any window,
    of any credential) and the lowest remaining and longest reset of any two answers, so the note
    claimed what no answer stated. One entry per API, limit, window and fields now, each one
    answer's values together; the entries survive a JSON round trip (load.json, processes)."""
    import functools

    from harness.loadgen.result import describe_stated, merge_stated, stated_limit

    said = [{**stated_limit(fields.get), "api": api} for api, fields in answers]  # type: ignore[dict-item]
    halves = [functools.reduce(merge_stated, part, None) for part in (said[:1], said[1:])]
    merged = functools.reduce(merge_stated, json.loads(json.dumps(halves)), None)
    assert describe_stated(merged) == expected, merged


@pytest.fixture
def cancelled() -> Iterator[Callable[[], None]]:
    """Sets the gate's stage-limit cancel on call; cleared after the test."""
    from harness import interrupt

    yield lambda: interrupt.cancel("stopped at its 1 s time limit")
    interrupt.cancel(None)


def test_a_cancelled_search_ends_its_rest_between_steps(
    monkeypatch: pytest.MonkeyPatch, cancelled: Callable[[], None]
) -> None:
    """Session 23's review: ``rest`` caught only KeyboardInterrupt, so a gate stage's time limit
    (a cancel, no signal) during a Retry-After or a recheck's rest slept it out, though
    ``StepCut`` said a rest ends there. The rest now sleeps in slices and asks between them: the
    cancel, heard at the second slice, ends an hour's rest with a StepCut."""
    import time

    from harness.loadgen.limit import StepCut
    from harness.loadgen.suite import rest_between_steps

    slices: list[float] = []

    def sleep(seconds: float) -> None:
        slices.append(seconds)
        if len(slices) == 2:
            cancelled()

    monkeypatch.setattr(time, "sleep", sleep)
    with pytest.raises(StepCut, match="time limit"):
        rest_between_steps(3600)
    assert len(slices) == 2 and max(slices) <= 0.1


def test_a_cancelled_run_stops_locust_at_its_next_poll(
    tmp_path: Path, cancelled: Callable[[], None]
) -> None:
    """Review s21: the runner never asked ``interrupt.requested()``, so a load stage past its
    time limit kept Locust sending at full rate until its progress raised, half the grace later.
    A stand-in process (no Locust) that would run 8 s is stopped at the poll after the cancel."""
    import signal

    from harness.loadgen.runner import _Launch

    launch = _Launch(_cfg(), 0, None, tmp_path, 5.0, {})
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(8)"])
    launch.procs.append(("master", sleeper, (tmp_path / "master.out").open("wb")))
    polls: list[int] = []

    def poll() -> None:
        polls.append(1)
        if len(polls) == 2:
            cancelled()

    try:
        launch.wait(poll, [])
    finally:
        launch.stop_all()
    assert launch.stopped == "stopped at its 1 s time limit"
    assert sleeper.returncode == -signal.SIGTERM  # terminated, not run to its end


def test_a_cancelled_suite_starts_no_further_load_run(
    tmp_path: Path, cancelled: Callable[[], None]
) -> None:
    """The next run of a stopped suite (a limit search's next step) starts no Locust."""
    from harness.errors import HarnessError
    from harness.loadgen.runner import run_load

    cancelled()
    with pytest.raises(HarnessError, match=r"stopped \(stopped at its 1 s time limit\) before"):
        run_load("http://127.0.0.1:1", ["/echo"], rate=1.0, duration_s=1.0, out_dir=tmp_path)
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())


def test_the_longest_retry_after_note_takes_two_steps_asked_alike_at_one_rate() -> None:
    """Session 25 (seen in a real bare-429 search): a step and its recheck at one rate, both
    answered Retry-After: 2, one waited for and one last: ``max`` over the tuples compared a float
    with None and ended the search with a TypeError instead of its limit."""
    from harness.loadgen.suite import longest_wait

    waits = [(2.0, 20.0, None), (2.0, 20.0, 2.0), (1.0, 40.0, None)]
    assert longest_wait(waits) == (2.0, 20.0, 2.0)
    assert longest_wait([(2.0, 20.0, 2.0), (2.0, 20.0, None)]) == (2.0, 20.0, 2.0)
    assert longest_wait([(3.0, 10.0, None), (2.0, 20.0, 2.0)]) == (3.0, 10.0, None)
