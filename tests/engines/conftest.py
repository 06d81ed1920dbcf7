"""Fixtures for the engine tests, on top of tests/conftest.py (faces_dir, face_labels,
dlib_engine)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.emulator.engines import DlibEngine
from harness.emulator.engines._measure import Measurement, measure


@pytest.fixture(scope="session")
def face_file(faces_dir: Path) -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (faces_dir / name).read_bytes()

    return read


@pytest.fixture(scope="session")
def face_set_measurement(dlib_engine: DlibEngine, faces_dir: Path) -> Measurement:
    """Templates of every single-face image in the developer set (computed once)."""
    return measure(dlib_engine, faces_dir)
