"""faceharness: contract tests, fuzzing, load and accuracy for two face-comparison APIs.

Run as the ``faceharness`` program, a stop (Ctrl-C, SIGTERM) from the first statement of the
package on is one line and exit 130, nothing sent or written (README "Verdicts and exit codes"):
the package's first imports (``harness.cli``'s, before ``harness.interrupt.on_startup``) once
took a few hundred ms on a busy machine, and a Ctrl-C in them was a KeyboardInterrupt traceback
and exit 1 or a death by SIGINT (hostile session 27). Only modules already loaded by the
interpreter's start are used here: this runs before anything else is imported.
"""

import _signal
import os as _os
import sys as _sys


def _stopped_while_starting(signum: int, frame: object) -> None:
    try:
        _os.write(2, b"faceharness: interrupted after 0 s, while starting\n")
    except OSError:  # stderr closed (`2>&-`): the exit code is what is left to tell
        pass
    raise SystemExit(130)  # unwinds the imports in progress without a traceback


if _os.path.basename(_sys.argv[0] if _sys.argv else "").removesuffix(".exe") == "faceharness":
    try:
        for _sig in (_signal.SIGINT, _signal.SIGTERM):
            _signal.signal(_sig, _stopped_while_starting)
    except ValueError:  # imported by a thread other than the main one: not the program's start
        pass
