"""Fixtures shared by every test folder: the contract, the shared face set, emulator servers."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FACES = SHARED / "data" / "faces"
SEEDS = SHARED / "seeds"

# pytest-xdist's workers set COLUMNS=80/LINES=24; commands started by the tests are then laid
# out for an 80-column terminal instead of the piped output a CI log gets. Tests that want a
# width set COLUMNS themselves.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def contract() -> Any:
    from harness.contract import load_contract

    return load_contract()


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    if not (FACES / "labels.csv").is_file():
        pytest.skip(f"the shared face set is absent ({FACES}); it is read at test time, never copied")
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
    """One dlib engine per session: loading the models takes seconds, the cache makes repeats cheap."""
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
