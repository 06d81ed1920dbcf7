"""Fixtures shared by every test folder: the contract, the shared face set, emulator servers, the
CLI.

Helpers that are not fixtures (subprocess runners, servers, ports) live in tests/fixtures/.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.cli import InProcess, in_process_cli

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FACES = SHARED / "data" / "faces"
SEEDS = SHARED / "seeds"

# pytest-xdist's workers set COLUMNS=80/LINES=24; commands started by the tests are then laid
# out for an 80-column terminal instead of the piped output a CI log gets. Tests that want a
# width set COLUMNS themselves.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


# --- scheduling `make test` over xdist workers (`-n 4 --dist loadfile --no-loadscope-reorder`)
# ----------
DURATIONS = Path(__file__).with_name("durations.json")
"""Seconds each test took in a measured run: the order in which groups are handed out, nothing else.
`FACEHARNESS_TEST_DURATIONS=update make test` (or pytest) rewrites it."""
UNKNOWN_S = 1.0

SPLIT = {
    "tests/cli/test_verdicts.py",
    "tests/conformance/test_readings.py",
    "tests/conformance/test_runs.py",
    "tests/fuzz/test_fuzz_runs.py",
    "tests/load/test_load_suite.py",
    "tests/load/test_load_runs.py",
    "tests/emulator/test_flood_and_bounds.py",
    "tests/cli/test_deadlines.py",
    "tests/conformance/test_faults.py",
    "tests/conformance/test_mutants_match.py",
    "tests/conformance/test_mutants_jd.py",
}
"""Under `--dist loadgroup`: files of independent slow tests, each test that uses no module-scoped
fixture a group of its own. `--dist loadfile` hands out whole files, so a file is its group."""


def _group(item: pytest.Item, loadgroup: bool) -> str:
    path = item.nodeid.split("::", 1)[0]
    if loadgroup and path in SPLIT:
        defs = getattr(item, "_fixtureinfo", None)
        scopes = {d.scope for ds in (defs.name2fixturedefs.values() if defs else ()) for d in ds}
        if not scopes & {"module", "class", "package"}:
            return item.nodeid
    return path


@pytest.hookimpl(tryfirst=True)  # before xdist appends the group to each test id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each file is one xdist group (its module fixtures are computed once), except the files named
    in SPLIT under `--dist loadgroup`; groups are handed out longest first (durations.json), so
    that no worker starts a long run while the others are about to finish."""
    known = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.is_file() else {}
    cost: dict[str, float] = {}
    groups: dict[int, str] = {}
    loadgroup = bool(config.getvalue("loadgroup")) if hasattr(config.option, "loadgroup") else False
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        group = (mark.args[0] if mark.args else "default") if mark else _group(item, loadgroup)
        groups[id(item)] = group
        cost[group] = cost.get(group, 0.0) + float(known.get(item.nodeid, UNKNOWN_S))
        if loadgroup and mark is None and "@" not in item.nodeid.rsplit("::", 1)[-1]:
            # what xdist does for an `xdist_group` mark (its hook may run before this one)
            item._nodeid = f"{item.nodeid}@{group}"
    position = {id(item): index for index, item in enumerate(items)}
    items.sort(key=lambda item: (-cost[groups[id(item)]], position[id(item)]))


_measured: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if os.environ.get("FACEHARNESS_TEST_DURATIONS") == "update" and not os.environ.get(
        "PYTEST_XDIST_WORKER"
    ):
        nodeid = (
            report.nodeid.rsplit("@", 1)[0]
            if "@" in report.nodeid.rsplit("::", 1)[-1]
            else report.nodeid
        )
        _measured[nodeid] = _measured.get(nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _measured:
        known = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.is_file() else {}
        known.update({k: round(v, 1) for k, v in _measured.items()})
        DURATIONS.write_text(
            json.dumps(dict(sorted(known.items())), indent=0) + "\n", encoding="utf-8"
        )


@pytest.fixture(scope="session")
def contract() -> Any:
    from harness.contract import load_contract

    return load_contract()


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    if not (FACES / "labels.csv").is_file():
        pytest.skip(
            f"the shared face set is absent ({FACES}); it is read at test time, never copied"
        )
    return FACES


@pytest.fixture(scope="session")
def face_labels(faces_dir: Path) -> list[dict[str, str]]:
    with (faces_dir / "labels.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def seed_text() -> Callable[[str], str]:
    def read(prefix: str) -> str:
        hits = sorted(SEEDS.glob(prefix + "_*.txt"))
        if not hits:
            pytest.skip(f"seed {prefix} is absent from {SEEDS}")
        return hits[0].read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def dlib_engine() -> Any:
    """One dlib engine per session: loading the models takes seconds, the cache makes repeats
    cheap."""
    from harness.emulator import make_engine

    return make_engine("dlib")


@pytest.fixture
def emulator(contract: Any) -> Iterator[Callable[..., str]]:
    """`url = emulator(engine="fast", breaks=(...), ...)`: a real uvicorn server on 127.0.0.1:0."""
    from harness.emulator import EmulatorServer, build_settings, create_app

    servers: list[Any] = []

    def start(*, engine_obj: Any = None, **settings: Any) -> str:
        settings.setdefault("engine", "fast")
        app = create_app(build_settings(**settings), contract=contract, engine=engine_obj)
        server = EmulatorServer(app)
        servers.append(server)
        url = server.start()
        start.app = app  # type: ignore[attr-defined]
        return url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[InProcess]:
    """`cli("gate", "--out", ...)`: `faceharness` in-process through its real entry point, output
    captured as a pipe would take it, no credentials in the environment unless a test sets them."""
    yield from in_process_cli(monkeypatch, capsys)
