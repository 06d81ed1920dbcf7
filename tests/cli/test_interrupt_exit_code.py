"""Ctrl-C is exit 130, as every --help says; never exit 2 ("could not run") or a traceback."""

from __future__ import annotations

import signal
import socket

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
