"""The outcome cache survives restarts and interrupted writes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from harness.accuracy._data import Outcome, OutcomeCache
from harness.errors import InputError

OK = Outcome(score=71.5, decision=True, code="0000")
FTA = Outcome(score=None, decision=None, code="NO_FACE", category="fta")


def test_outcomes_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "run" / "cache.jsonl"
    with OutcomeCache(path) as cache:
        cache.put("emulator", "match", "k1", OK)
        cache.put("emulator", "match", "k2", FTA)
    reopened = OutcomeCache(path)
    assert reopened.get("emulator", "match", "k1") == OK
    assert reopened.get("emulator", "match", "k2") == FTA
    assert len(reopened) == 2


def test_key_includes_target_and_api(tmp_path: Path) -> None:
    with OutcomeCache(tmp_path / "c.jsonl") as cache:
        cache.put("emulator", "match", "k1", OK)
        assert cache.get("http://127.0.0.1:9", "match", "k1") is None
        assert cache.get("emulator", "jd", "k1") is None


def test_each_put_is_on_disk_before_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    cache = OutcomeCache(path)
    cache.put("t", "match", "k1", OK)
    # no close(): another reader already sees the line
    (line,) = path.read_text().splitlines()
    assert json.loads(line) == {
        "target": "t",
        "api": "match",
        "pair": "k1",
        **dataclasses.asdict(OK),
    }
    cache.close()


def test_truncated_last_line_is_dropped_and_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with OutcomeCache(path) as cache:
        cache.put("t", "match", "k1", OK)
    good = path.read_bytes()
    path.write_bytes(good + b'{"target": "t", "api": "match", "pair": "k2", "sc')
    with OutcomeCache(path) as cache:
        assert cache.get("t", "match", "k1") == OK
        assert cache.get("t", "match", "k2") is None
        assert path.read_bytes() == good
        cache.put("t", "match", "k2", FTA)
    assert OutcomeCache(path).get("t", "match", "k2") == FTA


def test_complete_last_record_without_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with OutcomeCache(path) as cache:
        cache.put("t", "match", "k1", OK)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    with OutcomeCache(path) as cache:
        assert cache.get("t", "match", "k1") == OK
        cache.put("t", "match", "k2", FTA)
    assert len(path.read_text().splitlines()) == 2
    assert len(OutcomeCache(path)) == 2


@pytest.mark.parametrize(
    "bad",
    [
        b"not json",
        b"[1, 2]",
        b'{"target": "t", "api": "match"}',
        (
            b'{"target": "t", "api": "match", "pair": "k", "score": "70", "decision": null, '
            b'"code": "0", "category": "ok"}'
        ),
        (
            b'{"target": "t", "api": "match", "pair": "k", "score": 1, "decision": null, '
            b'"code": "0", "category": "maybe"}'
        ),
    ],
    ids=["not-json", "not-object", "no-pair", "string-score", "bad-category"],
)
def test_a_corrupt_line_before_the_end_is_an_input_error(tmp_path: Path, bad: bytes) -> None:
    path = tmp_path / "c.jsonl"
    with OutcomeCache(path) as cache:
        cache.put("t", "match", "k1", OK)
    path.write_bytes(bad + b"\n" + path.read_bytes())
    with pytest.raises(InputError, match=r"line 1: not an outcome record .*delete the file") as err:
        OutcomeCache(path)
    assert "\n" not in str(err.value)


def test_latest_outcome_for_a_key_wins(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    with OutcomeCache(path) as cache:
        cache.put("t", "match", "k1", FTA)
        cache.put("t", "match", "k1", OK)
    assert OutcomeCache(path).get("t", "match", "k1") == OK


def test_outcome_rejects_unknown_category_and_non_finite_score() -> None:
    with pytest.raises(ValueError):
        Outcome(score=1.0, decision=None, code="0", category="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Outcome(score=float("nan"), decision=None, code="0")
