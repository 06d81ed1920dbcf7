"""Ctrl-C and SIGTERM: a stopped run ends within seconds and says so (exit 130); a second signal
exits at once; an interrupt Python swallowed (a ``gc`` callback, a finaliser) is delivered again."""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a run stopped by Ctrl-C
SLICE_S = 0.1  # the longest the main thread sleeps in one wait (see join)
_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


@dataclass
class _State:
    signal: str | None = None
    at: float | None = None
    started: float = 0.0
    reported: bool = False  # the command printed its closing line
    redeliver: bool = False  # our KeyboardInterrupt was swallowed: the next SIGINT re-raises it
    cancelled: str | None = None  # the gate's stage limit: its suite stops as at a signal
    others: Collection[threading.Thread] = ()  # threads not of the cancelled stage
    heard: bool = False  # the stage asked (requested()) after it was cancelled


_state = _State(started=time.monotonic())
# Re-entrant: a second signal's handler may run inside the first one's `request` (same thread).
_lock = threading.RLock()


def requested() -> str | None:
    """``"SIGINT after 4.2 s"`` once a stop was asked for, the reason a stage is cancelled for,
    else None."""
    if _state.signal is None or _state.at is None:
        if _state.cancelled is not None and threading.current_thread() not in _state.others:
            _state.heard = True
        return _state.cancelled
    return f"{_state.signal} after {_state.at - _state.started:.1f} s"


def stopped_after_s() -> float:
    """Seconds from the command's start to the stop (or to now, if none was asked for)."""
    return (_state.at or time.monotonic()) - _state.started


def reported() -> bool:
    """Whether the command already printed the interrupted run's closing line."""
    return _state.reported


def report(line: str) -> None:
    """Print the interrupted run's one closing line (stderr), once."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except BrokenPipeError:  # its reader left: the exit code (130) is what is left to tell
        from harness.console import reader_left

        reader_left(sys.stderr)
    except (AttributeError, OSError, ValueError):  # no stderr at all (`2>&-`): None, or closed
        pass
    _state.reported = True


def request(name: str = "SIGINT") -> None:
    """Record a stop without a signal (a KeyboardInterrupt that arrived by other means)."""
    with _lock:
        if _state.signal is None:
            _state.signal, _state.at = name, time.monotonic()


def cancel(reason: str | None, others: Collection[threading.Thread] = ()) -> None:
    """Ask the running suite to stop as at Ctrl-C, for ``reason`` (None: no longer): what it found
    is kept, not lost with an exception (the gate's stage limit; no signal, no exit 130).
    ``others``: threads not of that suite (alive before it began: the gate's own, an abandoned
    stage's); their asking is not the suite hearing the cancel (:func:`heard`)."""
    if reason is not None:
        _state.heard = False
    _state.cancelled, _state.others = reason, (others if reason is not None else ())


def heard() -> bool:
    """Whether :func:`requested` told the cancelled suite (a thread not in ``others``) of the last
    cancel: a stage that finished without asking did not stop early, its result is complete."""
    return _state.heard


def reset() -> None:
    """Forget an earlier stop: a library caller's next run starts afresh (main thread only)."""
    with _lock:
        _state.signal, _state.at, _state.reported, _state.redeliver = None, None, False, False
        _state.cancelled, _state.others, _state.heard = None, (), False  # a caught cancel too


def begin() -> None:
    """A run's start (every suite's entry, the gate's, each CLI command's): forget a stop an earlier
    run in this process caught, so a library caller's second run runs in full. Not in a worker
    thread (a gate's stage keeps the gate's stop) nor inside :func:`signals`, which began clean:
    a stop since then is this run's own."""
    if threading.current_thread() is threading.main_thread() and not _installed():
        reset()


def _installed() -> bool:
    return signal.getsignal(signal.SIGINT) is _handler


def join(thread: threading.Thread | threading.Event, timeout_s: float | None = None) -> None:
    """``thread.join`` in slices: a signal handler runs only when the main thread next wakes. Or
    wait for an Event the thread's work sets as it ends: after a KeyboardInterrupt inside
    ``thread.join`` (Python 3.11), ``is_alive()`` says False while the thread runs on."""
    end = None if timeout_s is None else time.monotonic() + timeout_s
    done = thread.is_set if isinstance(thread, threading.Event) else lambda: not thread.is_alive()
    wait = thread.wait if isinstance(thread, threading.Event) else thread.join
    while not done():
        left = SLICE_S if end is None else min(SLICE_S, end - time.monotonic())
        if left <= 0:
            return
        wait(left)


def sleep(seconds: float, clock: Any = time) -> None:
    """``clock.sleep`` (the ``time`` module, or a test's virtual one: ``monotonic``, ``sleep``) in
    slices that ends early once a stop is asked for (:func:`requested`): a gate stage's time
    limit (:func:`cancel`) sends no signal, so a plain sleep outlasted it."""
    end = clock.monotonic() + seconds
    while requested() is None and (left := end - clock.monotonic()) > 0:
        clock.sleep(min(SLICE_S, left))


def wait(proc: subprocess.Popen[Any]) -> int:
    """``proc.wait()`` in slices, for the reason :func:`join` gives."""
    while True:
        try:
            return proc.wait(timeout=SLICE_S)
        except subprocess.TimeoutExpired:
            continue


def _handler(signum: int, frame: FrameType | None) -> None:
    if _state.redeliver:  # our own re-delivery of a swallowed interrupt (see _unraisable)
        _state.redeliver = False
        raise KeyboardInterrupt
    if _state.signal is not None:  # the second one: the user means it
        report(f"faceharness: {_NAMES.get(signum, signum)} again: exiting now")
        os._exit(EXIT_INTERRUPTED)
    request(_NAMES.get(signum, str(signum)))
    raise KeyboardInterrupt


def _redeliver() -> None:
    """Only while our handler is in and re-delivery pending (a late timer must not interrupt)."""
    if _state.redeliver and _installed():
        _thread.interrupt_main(signal.SIGINT)


def _starting(signum: int, frame: FrameType | None) -> None:
    request(_NAMES.get(signum, str(signum)))
    report(f"faceharness: interrupted after {stopped_after_s():.0f} s, while starting")
    raise SystemExit(EXIT_INTERRUPTED)  # unwinds the imports in progress without a traceback


def on_startup() -> None:
    """Until :func:`signals` takes over: a stop during the imports exits 130 with one line."""
    if threading.current_thread() is threading.main_thread():
        for sig in _NAMES:
            signal.signal(sig, _starting)


@contextmanager
def signals() -> Iterator[None]:
    """Handle SIGINT and SIGTERM as described above for the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reset()
    previous = {sig: signal.signal(sig, _handler) for sig in _NAMES}
    previous_hook = sys.unraisablehook

    def _unraisable(info: sys.UnraisableHookArgs) -> None:
        """Our interrupt, raised where Python could not propagate it: deliver it again."""
        if info.exc_type is KeyboardInterrupt and _state.signal is not None:
            _state.redeliver = True  # from another thread: raising here would be swallowed too
            timer = threading.Timer(0.005, _redeliver)
            timer.daemon = True  # never keeps a finished command alive
            timer.start()
            return
        previous_hook(info)

    sys.unraisablehook = _unraisable
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for sig, old in previous.items():
            signal.signal(sig, old)
