"""Console output as a CI log shows it: stdout is a pipe, no terminal, no COLUMNS.

Rich lays a pipe out at 80 columns, which folded long cells across lines and split numbers
("[0.011,0.⏎28]"); a cut detail column turned "gateway code 10047" into "gateway code 1004".
"""

from __future__ import annotations

import re
import textwrap

from fixtures.cli import Ran, run_python

from harness.console import shorten
from harness.contract import load_contract


def _piped(*args: str) -> Ran:
    """`python ARGS` with stdout a pipe and nothing telling Rich a width or a terminal."""
    return run_python(*args, drop=("COLUMNS", "LINES", "FORCE_COLOR", "TERM"))


def test_specs_show_piped_keeps_every_row_on_one_line():
    r = _piped("-m", "harness.cli", "specs", "show")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for code in load_contract().codes.codes:
        meaning = code.en + ("" if code.documented else " *")
        rows = [
            line
            for line in lines
            if f" {code.code} " in line and code.api in line and code.where in line
        ]
        assert rows, f"{code.api} {code.where} {code.code}: no row"
        assert any(meaning in row for row in rows), (
            f"{code.api} {code.code}: meaning folded or cut: {rows}"
        )
    for erratum in load_contract().errata:
        assert any(erratum.id in line and erratum.title in line for line in lines), erratum.id
    assert "\x1b[" not in r.stdout  # no colour codes in a log


def test_gate_table_never_cuts_a_number_and_keeps_brackets():
    """The detail column is shortened at a word with an ellipsis, and markup-like text is shown as
    is."""
    script = textwrap.dedent("""
        from datetime import UTC, datetime
        from harness.console import console
        from harness.gate._display import print_outcome
        from harness.results import ConformanceSuiteResult, Finding, build_summary

        head = "sign rejected, see [credentials]; answered "
        # "gateway-code: " + head + filler puts the code across column 120, where the old cut fell
        message = head + "x" * (116 - 28 - len(head)) + " gateway code 10047 (invalid sign)"
        assert ("gateway-code: " + message)[:120].endswith("1004")
        finding = Finding(suite="conformance", api="jd", operation="faceCompareNew",
                          check="gateway-code", severity="high", message=message)
        suite = ConformanceSuiteResult(name="conformance", status="fail", findings=[finding])
        now = datetime.now(UTC)
        summary = build_summary(target="http://127.0.0.1:9", started_at=now, finished_at=now,
                                suites=[suite])
        print_outcome(console(), summary, None)
    """)
    r = _piped("-c", script)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert re.search(r"1004(?!7)", out) is None, out  # never a cut number
    assert "…" in out  # shortened visibly, not silently
    assert "see [credentials];" in out  # text that looks like markup is printed, not swallowed


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    text = "gateway code 10047 invalid sign"
    assert shorten(text, 200) == text
    assert shorten(text, 17) == "gateway code…"
    assert shorten(text, 18) == "gateway code 10047…"[:18] or shorten(text, 18) == "gateway code…"
    assert len(shorten("x" * 50, 10)) == 10 and shorten("x" * 50, 10).endswith("…")
    assert shorten("a\nb   c", 20) == "a b c"


def test_accuracy_table_keeps_intervals_whole():
    """The issue's example: "[0.011,0.⏎28]" in a CI log."""
    script = textwrap.dedent("""
        from harness.commands.accuracy import _print_table
        from harness.results import AccuracyMetrics, ThresholdResult

        rows = [ThresholdResult(claim=f"match.score>={t}", rule="score>=", threshold=t,
                                claimed_fmr=c, fmr=0.0112, fmr_ci95=(0.011, 0.28), fnmr=0.0431,
                                fnmr_ci95=(0.0123, 0.0917), genuine=23, impostor=355,
                                verdict="consistent", impostor_pairs_needed=29956)
                for t, c in ((70, 0.001), (80, 0.0001))]
        _print_table(AccuracyMetrics(api="match", target="emulator",
                                     dataset="faces (12 identities)", thresholds=rows))
    """)
    r = _piped("-c", script)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for text in (
        "[0.011,0.28]",
        "[0.012,0.092]",
        "355/29956",
        "match: documented false-match claims",
    ):
        assert any(text in line for line in lines), f"{text!r} split across lines:\n{r.stdout}"


def test_a_reader_that_left_quiets_the_console_and_the_command_goes_on(monkeypatch, tmp_path):
    """Session 28 (`faceharness gate | head`): Rich's console exits 1 when its pipe's reader has
    gone, which reads as findings (a passing run red, an error's 2 hidden) and stops a run before
    it writes its reports. The console goes quiet; the command ends by its verdict's exit code."""
    import os

    from harness.console import console

    read, write = os.pipe()
    os.close(read)  # the reader left: every write is EPIPE
    with os.fdopen(write, "w") as gone:
        monkeypatch.setattr("sys.stdout", gone)
        shown = console()
        shown.print("Conformance by operation and check")  # Rich's own: SystemExit(1)
        shown.print("more rows")
        assert shown.quiet
        gone.write("flushed at exit\n")
        gone.flush()  # what Python's exit does: a sink now, no BrokenPipeError
    # review of session 28: the command's own error line and click's help went around the
    # console; each exited 1 with its reader gone. A forked child (no new interpreter's imports).
    for stream, args, code in (
        ("stderr", ("conform", "--target", "nope", "--out", str(tmp_path)), 2),
        ("stderr", ("conform", "--target", "http://127.0.0.1:9", "--out", str(tmp_path)), 2),
        ("stdout", ("--help",), 0),
    ):
        assert _exit_code_with_its_reader_gone(stream, args) == code, (stream, args)


def _exit_code_with_its_reader_gone(stream: str, args: tuple[str, ...]) -> int:
    """`faceharness ARGS`'s exit code, ``stream`` a pipe whose reader left, as the process's exit
    tells it (its streams flushed at the end, as Python's exit does)."""
    import os
    import sys

    from harness.cli import main

    read, write = os.pipe()
    os.close(read)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child ends here whatever happens
        code = 1  # an exception that escaped: what Python reports
        try:
            setattr(sys, stream, os.fdopen(write, "w", buffering=1))  # as Python opens them
            sys.argv = ["faceharness", *args]
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BrokenPipeError:
                code = 120  # what Python's exit reports when its last flush fails
        finally:
            os._exit(code)
    os.close(write)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
