"""Load engine: closed- and open-model runs on Locust (in subprocesses), and a limit search.
The entry points load on first use: a Locust process needs neither (with them, the report and
its plotting libraries: about 0.6 s of CPU per Locust process).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.loadgen.runner import run_load as run_load
    from harness.loadgen.suite import LoadSuite as LoadSuite
    from harness.loadgen.suite import run_load_suite as run_load_suite
else:
    _LAZY = {"run_load": "runner", "LoadSuite": "suite", "run_load_suite": "suite"}

    def __getattr__(name: str) -> object:
        if name not in _LAZY:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
