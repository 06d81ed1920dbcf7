"""Fixtures: the three canonical summaries, written once per module (plots take ~0.5 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report import write_reports
from harness.results import Summary

from .builders import SECRETS, empty_summary, error_summary, full_summary


@pytest.fixture(scope="module")
def full() -> Summary:
    return full_summary()


@pytest.fixture(scope="module")
def full_dir(full: Summary, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("full")
    write_reports(full, run, SECRETS)
    return run


@pytest.fixture(scope="module")
def empty_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("empty")
    write_reports(empty_summary(), run)
    return run


@pytest.fixture(scope="module")
def error_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("error")
    write_reports(error_summary(), run)
    return run
