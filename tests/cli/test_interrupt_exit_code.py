"""Ctrl-C is exit 130, as every --help says; never exit 2 ("could not run") or a traceback."""

from __future__ import annotations

import os
import signal
import socket
import sys

import pytest
from fixtures.cli import start_cli


def test_sigint_while_waiting_for_an_answer_exits_130_with_one_line():
    with socket.socket() as server:  # accepts the connection and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.settimeout(60)
        port = server.getsockname()[1]
        proc = start_cli(
            "call",
            "livecode",
            "--target",
            f"http://127.0.0.1:{port}",
            env={"FACEHARNESS_TOKEN": "interrupt-test-token"},
            clean=True,
        )
        try:
            conn, _ = server.accept()  # the request is on its way: the command is waiting
            conn.recv(65536)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            conn.close()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130, out + err
    # what the run wrote and the one line saying so belong to the verdict (INTERRUPTED); here: no
    # traceback, no second "could not run" line
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    assert "interrupt-test-token" not in out + err


def test_an_interrupt_landing_in_a_gc_callback_still_stops_the_run_without_a_traceback():
    """hypothesis times garbage collection with a gc callback; Python cannot raise out of one.

    Without re-delivery the Ctrl-C was printed as "Exception ignored ... gc_callback" with a
    traceback and lost (the intermittent 8-line stderr of `fuzz` stopped by SIGINT)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import gc, os, signal, time
        from harness import interrupt
        sent = []
        def callback(phase, info):
            if phase == "start" and not sent:
                sent.append(1)
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.01)  # the handler runs here, inside the callback
        gc.callbacks.append(callback)
        with interrupt.signals():
            try:
                for _ in range(2000):
                    gc.collect()
                    time.sleep(0.001)
                print("not interrupted")
            except KeyboardInterrupt:
                print("interrupted:", interrupt.requested())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("interrupted: SIGINT after"), done.stdout + done.stderr
    assert done.stderr == "", done.stderr


def test_a_signal_the_kernel_hands_to_another_thread_still_stops_a_gate_stage_at_once():
    """Linux may deliver a process's SIGINT to any of its threads; Python runs the handler only
    when the main thread wakes. A gate waiting on its stage in one long join kept the Ctrl-C
    until the stage ended (a CI run stopped 18 s late): here the signal lands on the stage's
    own thread, and the stage would otherwise run 30 s."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import signal, threading, time
        from harness import interrupt
        from harness.clients import DEMO
        from harness.gate._run import StageObserver, run_stage
        from harness.suite import RunContext

        class Stage:
            name = "conformance"
            def run(self, ctx):
                time.sleep(0.5)  # the main thread waits on this stage by now
                signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # to this thread only
                end = time.monotonic() + 30
                while time.monotonic() < end and not interrupt.requested():
                    time.sleep(0.01)
                raise SystemExit("the stage never saw the interrupt")

        ctx = RunContext(target="emulator", url="http://127.0.0.1:9", is_emulator=True,
                         credentials=DEMO, out_dir=".")
        with interrupt.signals():
            started = time.monotonic()
            result = run_stage(Stage(), ctx, observer=StageObserver(), timeout_s=60, grace_s=5)
            print(result.status, round(time.monotonic() - started, 1))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    status, seconds = done.stdout.split()
    assert status == "interrupted", done.stdout + done.stderr
    assert float(seconds) < 5, done.stdout


def test_a_second_signal_landing_while_the_first_is_recorded_stops_the_run():
    """`timeout` forwarding SIGTERM and a kill of the process group hand a run two signals in a
    row: the second handler ran while the first held the state's lock and waited on it for ever
    (a gate hung in a futex wait, deaf to every later signal; found in hostile round 7). Here
    the second signal lands inside the first one's record of the stop."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import os, signal, time
        from harness import interrupt
        real = time.monotonic
        class Clock:
            sent = False
            def monotonic(self):
                if not Clock.sent:
                    Clock.sent = True
                    os.kill(os.getpid(), signal.SIGTERM)  # handled at the next bytecode
                return real()
        interrupt.time = Clock()
        with interrupt.signals():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
                print("not interrupted")
            except KeyboardInterrupt:  # what a command turns into its interrupted run, exit 130
                print("interrupted:", interrupt.requested())
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=10
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("two signals in a row hung the process") from None
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("interrupted: SIGTERM after"), done.stdout


def _refused(entry, tmp_path):
    """``entry``'s library call with an option it refuses as it starts (a UsageError)."""
    from harness.clients import DEMO
    from harness.suite import RunContext

    url = "http://127.0.0.1:9"
    if entry == "conformance":
        from harness.conformance import run_conformance

        run_conformance(url, is_emulator=True, credentials=DEMO, out_dir=tmp_path, examples=0)
    elif entry == "fuzz":
        from harness.fuzz import run_fuzz

        run_fuzz(url, is_emulator=True, out_dir=tmp_path, max_examples=0)
    elif entry == "load":
        from harness.loadgen.scenarios import ScenarioOptions
        from harness.loadgen.suite import LoadSuite

        ctx = RunContext(target="emulator", url=url, is_emulator=True, out_dir=tmp_path)
        LoadSuite(scenario=ScenarioOptions("match"), rate=-1.0).run(ctx)
    else:
        from harness.accuracy import run_accuracy_suite

        run_accuracy_suite(out=tmp_path, max_pairs=1)


@pytest.mark.parametrize("entry", ["conformance", "fuzz", "load", "accuracy"])
def test_every_suite_entry_forgets_an_earlier_runs_caught_ctrl_c(entry, tmp_path):
    """Review s21: only the gate reset the interrupt state, so a library caller's second run
    after a caught KeyboardInterrupt started stopped (it sent nothing and said "interrupted").
    Each suite's entry forgets it as it starts (here, just before refusing an option)."""
    from harness import interrupt
    from harness.errors import UsageError

    interrupt.request()  # the first run's Ctrl-C, caught by the caller
    try:
        with pytest.raises(UsageError):
            _refused(entry, tmp_path)
        assert interrupt.requested() is None
    finally:
        interrupt.reset()


def test_a_second_library_run_after_a_caught_ctrl_c_runs_in_full(tmp_path):
    """The same, end to end: the accuracy suite (fast engine, two pairs) after a caught Ctrl-C
    measures both pairs instead of stopping before the first."""
    from harness import interrupt
    from harness.accuracy import run_accuracy_suite

    interrupt.request()
    try:
        result = run_accuracy_suite(out=tmp_path, apis=("match",), max_pairs=2, engine="fast")
    finally:
        interrupt.reset()
    assert result.status != "interrupted" and result.metrics is not None, result
    assert result.metrics.run["calls"] >= 2, result.metrics.run  # both pairs (and repeats)


def test_a_command_run_in_process_after_a_caught_ctrl_c_is_not_interrupted(tmp_path, monkeypatch):
    """Via the CLI in-process (typer's CliRunner, no signal handler of ours): a stale stop made
    `conform` against a closed port say "interrupted" (exit 130) instead of "could not run"."""
    from typer.testing import CliRunner

    from harness import interrupt
    from harness.cli import app
    from harness.errors import HarnessError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # released: nothing listens there
    monkeypatch.setenv("FACEHARNESS_TOKEN", "second-run-token")
    interrupt.request()
    try:
        target = f"http://127.0.0.1:{port}"
        argv = ["conform", "--api", "match", "--target", target, "--out", str(tmp_path)]
        result = CliRunner().invoke(app, argv)
    finally:
        interrupt.reset()
    assert isinstance(result.exception, HarnessError), result.output  # main(): one line, exit 2
    assert "is unreachable" in str(result.exception)


def test_a_stop_during_the_programs_first_imports_is_one_line_and_exit_130():
    """Hostile session 27: a Ctrl-C in `harness.cli`'s first imports (before its startup handler,
    a few hundred ms on a busy machine) was a KeyboardInterrupt traceback and exit 1, or a death
    by SIGINT. The package installs the startup handler first: here the signal lands right after
    ``import harness``, where those imports run, deterministically."""
    import subprocess
    import sys

    from fixtures.cli import REPO

    code = (
        "import os, signal, sys; sys.argv[0] = 'faceharness'; import harness; "
        "os.kill(os.getpid(), signal.SIGINT); import harness.cli"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 130, done.stderr
    assert done.stderr == "faceharness: interrupted after 0 s, while starting\n", done.stderr
    # stderr closed (`2>&-`): the line's write failed (EBADF) inside the handler: exit 1
    closed = subprocess.run(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=60, cwd=REPO, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        preexec_fn=lambda: os.close(2),
    )  # fmt: skip
    assert closed.returncode == 130


def test_the_interrupted_line_with_no_stderr_at_all_is_skipped_not_an_error(monkeypatch):
    """A stop while `harness.cli` still imports (its startup handler) with `2>&-`: the line's
    ``sys.stderr.write`` on None raised AttributeError from the handler, exit 1."""
    from harness import interrupt

    monkeypatch.setattr(sys, "stderr", None)
    try:
        interrupt.report("faceharness: interrupted after 0 s, while starting")
        assert interrupt.reported()
    finally:
        interrupt.reset()


@pytest.mark.parametrize("stderr", ["closed", "reader-gone"])
def test_ctrl_c_with_stderr_closed_or_its_reader_gone_is_still_exit_130(stderr: str) -> None:
    """Round 18: `faceharness ... 2>&-` left Python's ``sys.stderr`` None; the Ctrl-C line (and
    every error line) ended in AttributeError, exit 1 for a documented 130 (or 2). A reader that
    left (`2>&1 | head`) had no test. A forked child (no new interpreter's imports)."""
    from harness.cli import main

    with socket.socket() as server:  # accepts the connection and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.settimeout(60)
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child ends here whatever happens
            code = 1
            try:
                os.close(read)
                os.dup2(write, 2) if stderr == "reader-gone" else os.close(2)
                sys.stderr = os.fdopen(2, "w", buffering=1) if stderr == "reader-gone" else None
                url = f"http://127.0.0.1:{server.getsockname()[1]}"
                sys.argv = ["faceharness", "call", "livecode", "--target", url, "--timeout", "60"]
                os.environ["FACEHARNESS_TOKEN"] = "interrupt-test-token"
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
            finally:
                os._exit(code)
        os.close(write)
        os.close(read)  # the reader left before the line is written
        status = None
        try:
            conn, _ = server.accept()  # the request is on its way: the command is waiting
            conn.recv(65536)
            os.kill(child, signal.SIGINT)
            status = os.waitpid(child, 0)[1]
            conn.close()
        finally:
            if status is None:  # never left running
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 130
