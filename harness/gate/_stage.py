"""Running one suite (a stage of the gate) so that nothing it does can crash or hang the gate.

A suite runs in a worker thread. Its progress callback doubles as a cancellation point:
after the stage's time limit the next progress report raises :class:`StageCancelled`
inside the stage, which unwinds it (closing its clients, servers and subprocesses). A
stage that reports nothing for a further grace period is abandoned (the thread is a
daemon) and recorded as an error. Any exception becomes status ``error`` with a one-line
message.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from harness import interrupt
from harness.errors import HarnessError
from harness.results import SuiteName, SuiteResult, interrupted_suite
from harness.suite import RunContext, Suite

INTERRUPT_GRACE_S = 5.0  # Ctrl-C: time a stage gets to unwind before it is abandoned


class StageCancelled(Exception):
    """Raised inside a stage, from its progress callback, once its time is up."""


class StageObserver(Protocol):
    """What the gate tells a display (see :mod:`harness.gate._display`)."""

    def stage_started(self, name: SuiteName) -> None: ...

    def stage_progress(
        self, name: SuiteName, done: float, total: float | None, text: str
    ) -> None: ...

    def stage_finished(self, name: SuiteName, result: SuiteResult) -> None: ...

    def note(self, text: str) -> None: ...


class QuietObserver:
    """An observer that shows nothing (library use, tests)."""

    def stage_started(self, name: SuiteName) -> None:
        pass

    def stage_progress(self, name: SuiteName, done: float, total: float | None, text: str) -> None:
        pass

    def stage_finished(self, name: SuiteName, result: SuiteResult) -> None:
        pass

    def note(self, text: str) -> None:
        pass


def one_line(exc: BaseException) -> str:
    """An exception as one line: the harness's own message, else its type and text."""
    text = " ".join(str(exc).split())
    if isinstance(exc, HarnessError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_stage(
    suite: Suite,
    ctx: RunContext,
    *,
    observer: StageObserver,
    timeout_s: float,
    grace_s: float,
) -> SuiteResult:
    """Run ``suite`` within ``timeout_s`` (+ ``grace_s`` to unwind); never raises."""
    name = suite.name
    cancel = threading.Event()

    def progress(done: float, total: float | None, text: str) -> None:
        if cancel.is_set():
            raise StageCancelled(f"stopped at its {timeout_s:g} s time limit")
        observer.stage_progress(name, done, total, text)

    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["result"] = suite.run(replace(ctx, progress=progress))
        except BaseException as exc:  # noqa: BLE001 - every failure becomes the stage's error
            box["error"] = exc

    started = datetime.now(UTC)
    t0 = time.monotonic()
    observer.stage_started(name)
    worker = threading.Thread(target=work, name=f"faceharness-gate-{name}", daemon=True)
    worker.start()
    try:
        worker.join(timeout_s)
    except KeyboardInterrupt:  # let the stage unwind (stop its subprocesses), keep what it had
        interrupt.request()
        cancel.set()
    if interrupt.requested():
        try:
            worker.join(min(grace_s, INTERRUPT_GRACE_S))
        except KeyboardInterrupt:
            pass
        got = box.get("result")
        partial = got if isinstance(got, SuiteResult) else None
        result = interrupted_suite(name, partial, interrupt.requested())
        result = result.model_copy(
            update={
                "started_at": result.started_at or started,
                "finished_at": result.finished_at or datetime.now(UTC),
                "duration_s": round(time.monotonic() - t0, 3),
            }
        )
        observer.stage_finished(name, result)
        return result
    if worker.is_alive():
        cancel.set()
        worker.join(grace_s)
    elapsed = round(time.monotonic() - t0, 3)
    if worker.is_alive():
        result = _error(name, f"did not finish within its {timeout_s:g} s time limit; abandoned")
    elif "error" in box:
        exc = box["error"]
        assert isinstance(exc, BaseException)
        message = str(exc) if isinstance(exc, StageCancelled) else one_line(exc)
        if cancel.is_set() and not isinstance(exc, StageCancelled):
            message = f"stopped at its {timeout_s:g} s time limit ({message})"
        result = _error(name, message)
    else:
        got = box.get("result")
        if not isinstance(got, SuiteResult):
            result = _error(name, f"the stage returned {type(got).__name__}, not a SuiteResult")
        else:
            result = got
    result = result.model_copy(
        update={
            "started_at": result.started_at or started,
            "finished_at": result.finished_at or datetime.now(UTC),
            "duration_s": result.duration_s if result.duration_s is not None else elapsed,
        }
    )
    observer.stage_finished(name, result)
    return result


def _error(name: SuiteName, message: str) -> SuiteResult:
    return SuiteResult(name=name, status="error", error=message)
