"""The accuracy suite against real emulators on loopback: calibration, resume, budgets, stops.

The shared face set runs once per module through the dlib engine (28 images, 378 pairs,
both APIs), interrupted and resumed; the rest use the fast engine or the built-in faces.
"""

from __future__ import annotations

import base64
import csv
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness.accuracy._run import (
    APIS,
    CACHE_FILE,
    RESULT_FILE,
    ServiceCompare,
    run_accuracy_suite,
)
from harness.clients import DEMO, DEMO_JD_APPKEY, DEMO_JD_SECRETKEY, DEMO_TOKEN, Credentials
from harness.contract import load_contract
from harness.errors import TargetError
from harness.imaging import builtin_non_faces
from harness.results import build_summary

from .conftest import builtin_folder

INTERRUPT_AT = 100
SECRETS = (DEMO_TOKEN, DEMO_JD_APPKEY, DEMO_JD_SECRETKEY)


def _requests(url: str) -> dict[str, int]:
    stats = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
    return {op: stats["requests"].get(op, 0) for op in ("match", "faceCompareNew")}


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {op: after[op] - before[op] for op in after}


def _run(url: str, out: Path, **kwargs: Any) -> Any:
    kwargs.setdefault("max_rps", 0)  # a URL target is paced by default; this is loopback
    kwargs.setdefault("max_requests", 0)
    kwargs.setdefault("bootstrap_replicates", 200)
    kwargs.setdefault("credentials", DEMO)  # what the emulator accepts; a URL has no default
    return run_accuracy_suite(out=out, target=url, **kwargs)


def _rows(suite: Any) -> dict[str, Any]:
    return {row.claim: row for row in suite.metrics.thresholds}


def _stable(suite: Any) -> dict[str, Any]:
    """Metrics without what differs between a fresh and a resumed run."""
    data = suite.metrics.model_dump(mode="json")
    data.pop("run")
    for api in data["apis"].values():
        api.pop("run")
    return data


# --------------------------------------------------------------------------- shared set


@pytest.fixture(scope="module")
def dlib_server(contract: Any, dlib_engine: Any) -> Iterator[str]:
    from harness.emulator import EmulatorServer, build_settings, create_app

    app = create_app(build_settings(engine="dlib"), contract=contract, engine=dlib_engine)
    with EmulatorServer(app) as url:
        yield url


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, faces_dir: Path, dlib_server: str) -> Any:
    """Interrupted at pair 100 of the internal API, resumed, then run once more."""
    out = tmp_path_factory.mktemp("shared-run")

    def interrupt(api: str, done: int, total: int) -> None:
        if api == "match" and done == INTERRUPT_AT:
            raise KeyboardInterrupt

    before = _requests(dlib_server)
    with pytest.raises(KeyboardInterrupt):
        _run(dlib_server, out, faces=faces_dir, on_progress=interrupt)
    interrupted = _requests(dlib_server)
    cached_lines = (out / CACHE_FILE).read_text().count("\n")
    resumed = _run(dlib_server, out, faces=faces_dir)
    after_resume = _requests(dlib_server)
    again = _run(dlib_server, out, faces=faces_dir)
    after_again = _requests(dlib_server)
    return SimpleNamespace(
        out=out,
        cached_lines=cached_lines,
        interrupted_calls=_delta(interrupted, before),
        resumed=resumed,
        resumed_calls=_delta(after_resume, interrupted),
        again=again,
        again_calls=_delta(after_again, after_resume),
    )


def test_fmr_at_70_is_consistent_with_the_emulator_calibration(shared: Any) -> None:
    suite = shared.resumed
    rows = _rows(suite)
    assert {row.verdict for row in rows.values()} == {"untestable"}
    # 355 impostor pairs test none of the claims: the suite says so instead of passing
    assert suite.status == "inconclusive" and suite.findings == []
    assert "355 impostor pairs" in suite.reason and "29956" in suite.testable_when
    assert suite.metrics.pairs.planned == {"genuine": 23, "impostor": 355}  # docs/calibration.md

    at70 = rows["match.score>=70"]
    # calibration: at score 70 (d <= 0.6164) 0/23 genuine refused, 0/355 impostors accepted
    assert (at70.genuine, at70.false_non_matches) == (23, 0)
    assert at70.impostor == 355 and at70.false_matches == 0
    assert at70.fmr_ci95[0] <= at70.claimed_fmr <= at70.fmr_ci95[1]
    assert at70.verdict == "untestable" and at70.impostor_pairs_needed == 2995

    # the internal score 80 and JD's result both sit at FMR 1e-4 (e4): same decisions
    at80, result = rows["match.score>=80"], rows["jd.result"]
    assert at80.false_non_matches == result.false_non_matches
    assert at80.false_matches == result.false_matches == 0
    assert [rows[f"jd.e{k}"].verdict for k in (5, 6, 7)] == ["untestable"] * 3

    for api in ("match", "jd"):
        metrics = suite.metrics.apis[api]
        assert metrics["outcomes"]["genuine"] == {"ok": 23, "fta": 0, "error": 0}
        assert metrics["eer"]["value"] < 0.05
    assert any("re-encoded as JPEG" in note for note in suite.metrics.notes)


def test_an_interrupted_run_resumes_from_the_cache(shared: Any) -> None:
    total = 23 + 355
    assert shared.interrupted_calls == {"match": INTERRUPT_AT, "faceCompareNew": 0}
    assert shared.cached_lines == INTERRUPT_AT
    # + 1: JD's preflight, a signed request with an empty body, before its first pair; + 8: four
    # pairs asked again and swapped (E-075), + 21: the other genuine pairs swapped (E-098),
    # once, then kept in the cache like the pairs
    assert shared.resumed_calls == {
        "match": total - INTERRUPT_AT + 8 + 21,
        "faceCompareNew": total + 1 + 8 + 21,
    }
    run = shared.resumed.metrics.run
    assert run == {"calls": 2 * total - INTERRUPT_AT + 58, "from_cache": INTERRUPT_AT,
                   "budget_exhausted": False, "final_errors": 0, "repeat_calls": 58}  # fmt: skip
    for api in ("match", "jd"):  # the real engine: the same answer again and swapped
        repeats = shared.again.metrics.apis[api]["repeats"]
        assert repeats["pairs"] == 4 and shared.again.metrics.apis[api]["run"]["repeat_calls"] == 0
        assert shared.resumed.metrics.apis[api]["run"]["repeat_calls"] == 8 + 21
        assert [repeats[k]["compared"] for k in ("again", "swapped")] == [4, 25], repeats
        assert repeats["again"]["differ"] == repeats["swapped"]["differ"] == 0, repeats
    assert shared.again.findings == [] and shared.resumed.findings == []
    assert any("asked again (4 pairs) and with its images swapped (25 pairs)" in note
               for note in shared.again.metrics.notes)  # fmt: skip

    assert shared.again_calls == {"match": 0, "faceCompareNew": 0}  # zero HTTP calls
    assert shared.again.metrics.run["calls"] == 0
    assert shared.again.metrics.run["from_cache"] == 2 * total
    assert _stable(shared.again) == _stable(shared.resumed)
    stored = json.loads((shared.out / RESULT_FILE).read_text())
    assert set(stored["apis"]) == {"match", "jd"}
    assert stored["apis"]["match"]["thresholds"] == shared.again.metrics.apis["match"]["thresholds"]


def test_outputs_hold_no_image_bytes_paths_or_secrets(shared: Any, faces_dir: Path) -> None:
    texts = {
        "accuracy.json": (shared.out / RESULT_FILE).read_text(),
        "cache": (shared.out / CACHE_FILE).read_text(),
        "suite": shared.again.model_dump_json(),
    }
    labels = (faces_dir / "labels.csv").read_text(encoding="utf-8").splitlines()
    names = [row["file"] for row in csv.DictReader(labels)]
    prefixes = [base64.b64encode((faces_dir / n).read_bytes()[:300]).decode()[:80] for n in names]
    for where, text in texts.items():
        for needle in (*SECRETS, str(faces_dir), *names, *prefixes, "/9j/", "iVBORw0KGgo"):
            assert needle not in text, f"{needle[:20]!r} found in {where}"


# --------------------------------------------------------------------------- fast engine


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return builtin_folder(tmp_path / "faces")


@pytest.fixture(scope="module")
def contradicted(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, Path, str, Any]]:
    """(faces, run folder, url, suite): a service that accepts every pair with a score on the
    documented scales, run once (a score off the scale is no decision: test_services.py)."""
    from fixtures.accuracy_variants import serve_accuracy_variant

    root = tmp_path_factory.mktemp("contradicted")
    folder = builtin_folder(root / "faces")
    with serve_accuracy_variant("accept-all") as url:
        yield folder, root / "run", url, _run(url, root / "run", faces=folder)


def test_a_contradicted_claim_is_an_observed_reading_not_a_failure(
    contradicted: tuple[Path, Path, str, Any],
) -> None:
    """Every claim rests on a reading (/match by /idno's sentence, E-044; JD's result at e4,
    E-036): contradicted, the target is seen to follow the other reading, never failed for it
    unless a gate policy requires faceharness' one (BRIEF: only seed rules fail outright)."""
    *_, suite = contradicted
    rows = _rows(suite)
    for name in ("match.score>=70", "match.score>=80", "jd.result"):
        assert (rows[name].verdict, rows[name].verdict_direction) == ("contradicted", "worse")
    assert suite.status == "pass" and suite.findings == []
    readings = suite.metrics.readings
    assert readings["E-044"]["observed"] == "alternative"
    assert readings["E-044"]["counts"]["alternative"] == 2
    assert readings["E-036"]["observed"] == "alternative"
    assert readings["E-036"]["example"].startswith("jd.result: ")
    # what was measured stays visible, with the reading it is judged under
    reason = rows["match.score>=70"].verdict_reason
    assert reason.startswith("contradicted (worse) under reading E-044 (observed, not required): ")
    assert "false matches" in reason and "lies above the claimed 0.001" in reason
    assert rows["jd.result"].verdict_reason.startswith("contradicted (worse) under reading E-036")
    statuses = {c.check: c.status for c in suite.checks}
    assert statuses["match.score>=70"] == "pass" and statuses["jd.e5"] == "inconclusive"
    messages = {c.check: c.message or "" for c in suite.checks}
    assert messages["match.score>=70"].startswith("contradicted (worse) under reading E-044")
    summary, errata = _summary(suite)
    assert summary.verdict == "pass"
    assert (errata["E-044"].observed, errata["E-036"].observed) == ("alternative", "alternative")


def _summary(suite: Any, required: dict[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    """The run's summary.json model (under the policy's ``required`` readings), and its errata."""
    summary = build_summary(
        target="t",
        started_at=suite.started_at,
        finished_at=suite.finished_at,
        suites=[suite],
        contract=load_contract(),
        required_readings=required,
    )
    return summary, {e.id: e for e in summary.errata}


def test_a_contradicted_claim_fails_when_the_policy_requires_the_reading(
    contradicted: tuple[Path, Path, str, Any],
) -> None:
    """The same measurement (from the cache) with the gate policy's ``[readings] E-044 =
    "default"``, ``E-036 = "result-at-e4"`` (its name): high findings with basis reading."""
    folder, run, url, _ = contradicted
    required = {"E-044": "default", "E-036": "result-at-e4"}
    suite = _run(url, run, faces=folder, from_cache=True,
                 required_readings=required)  # fmt: skip
    assert suite.metrics.run["calls"] == 0
    assert suite.status == "fail"
    assert sorted((f.api, f.operation, f.severity, f.basis) for f in suite.findings) == [
        ("jd", "faceCompareNew", "high", "reading"),
        ("match", "match", "high", "reading"),
        ("match", "match", "high", "reading"),
    ]
    assert all(f.fails for f in suite.findings)
    finding = next(f for f in suite.findings if f.api == "jd")
    assert "jd.result" in finding.message and finding.erratum == "E-036"
    assert (
        "contradicted (worse) under reading E-036 (required by the gate policy)" in finding.message
    )
    # the claims stand in /idno's row: a /match finding names the reading it rests on
    assert {f.erratum for f in suite.findings if f.api == "match"} == {"E-044"}
    assert finding.reproduce.startswith("faceharness accuracy --target http://127.0.0.1:")
    assert str(folder) not in finding.reproduce
    statuses = {c.check: c.status for c in suite.checks}
    assert statuses["match.score>=70"] == "fail" and statuses["jd.e5"] == "inconclusive"
    assert "(required by the gate policy)" in _rows(suite)["jd.result"].verdict_reason
    summary, errata = _summary(suite, required)
    assert summary.verdict == "fail" and summary.exit_code == 1
    assert (errata["E-044"].observed, errata["E-044"].required) == ("alternative", "default")


def test_the_builtin_set_never_carries_a_verdict(tmp_path: Path) -> None:
    from fixtures.accuracy_variants import serve_accuracy_variant

    emulated = run_accuracy_suite(out=tmp_path / "emulated", target="emulator", engine="fast",
                                  apis=("match",), bootstrap_replicates=10)  # fmt: skip
    assert emulated.metrics.target == "emulator:fast"
    assert emulated.status == "inconclusive" and emulated.findings == []
    assert "engine fast is not biometric" in " ".join(emulated.metrics.notes)
    # every pair accepted, on the documented scale: measured contradicted, and still no verdict
    with serve_accuracy_variant("accept-all") as url:
        suite = _run(url, tmp_path / "run", apis=("match",), bootstrap_replicates=10)
    assert suite.metrics.model_extra["supports_claims"] is False
    assert suite.metrics.dataset.startswith("builtin: 14 single-face images of 2 identities")
    assert suite.status == "inconclusive" and suite.findings == []  # never a pass on no evidence
    assert "untestable" in suite.reason and "cannot support" in suite.reason
    assert "--faces" in suite.testable_when
    for row in suite.metrics.thresholds:
        assert row.verdict == "untestable"
        assert "cannot support" in row.verdict_reason
        assert "measured: contradicted" in row.verdict_reason  # what was seen stays visible
    assert "cannot support" in suite.metrics.notes[0]
    # the claims stand in /idno's score row; testing them on /match is a reading, and it says so
    # (E-044)
    assert any("/idno's score row" in note and "E-044" in note for note in suite.metrics.notes)


def test_the_budget_is_shared_by_the_apis_and_the_next_run_finishes(
    emulator: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    url = emulator()
    before = _requests(url)
    partial = _run(url, tmp_path / "run", faces=folder, max_pairs=10, max_requests=15)
    # + 1: JD's preflight (a signed request with an empty body) before its first pair; each
    # API's preflight is charged to the 15 (match's, a liveCode, too): 15 in all, not 17
    assert _delta(_requests(url), before) == {"match": 10, "faceCompareNew": 3 + 1}
    assert partial.metrics.complete is False and partial.metrics.run["budget_exhausted"]
    assert any("jd: 7 pair(s) pending" in note for note in partial.metrics.notes)

    middle = _requests(url)
    final = _run(url, tmp_path / "run", faces=folder, max_pairs=10)
    # + 2 each: one pair of the ten asked again and swapped (E-075), + 5: the other genuine
    # pairs swapped (E-098), once the budget no longer needs the calls for pairs (the first
    # run's match left none beyond JD's 10 pairs)
    assert _delta(_requests(url), middle) == {"match": 2 + 5, "faceCompareNew": 7 + 1 + 2 + 5}
    assert final.metrics.complete is True


def test_url_targets_are_paced_by_default(
    emulator: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    url = emulator()
    started = time.monotonic()
    run_accuracy_suite(out=tmp_path / "run", target=url, faces=folder, apis=("match",),
                       max_pairs=4, bootstrap_replicates=10, credentials=DEMO)  # fmt: skip
    assert time.monotonic() - started >= 3 / 2.0  # 4 calls at the URL default of 2/s


def test_transport_failures_are_errors_and_retried_next_time(
    emulator: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    url = emulator(faults=("match=http500:0.3",))
    first = _run(url, tmp_path / "run", faces=folder, apis=("match",))
    outcomes = first.metrics.outcomes
    errors = outcomes["genuine"]["error"] + outcomes["impostor"]["error"]
    assert errors > 0 and first.metrics.codes["transport"] == errors
    pairs = [line for line in (tmp_path / "run" / CACHE_FILE).read_text().splitlines()
             if "~" not in line]  # fmt: skip
    assert len(pairs) == 91 - errors  # the lines with ~: pairs asked again or swapped (E-075)
    assert any("retried by the next run" in note for note in first.metrics.notes)

    httpx.patch(f"{url}/_emulator/config", json={"faults": []}, timeout=10).raise_for_status()
    before = _requests(url)
    second = _run(url, tmp_path / "run", faces=folder, apis=("match",))
    assert _delta(_requests(url), before)["match"] == errors + second.metrics.run["repeat_calls"]
    assert sum(c["error"] for c in second.metrics.outcomes.values()) == 0


def test_wrong_credentials_stop_the_run_at_once(
    emulator: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    url = emulator()
    wrong = Credentials(token="not-the-token")
    with pytest.raises(TargetError, match="credentials rejected .* errcode 40002"):
        _run(url, tmp_path / "run", faces=folder, apis=("match",), credentials=wrong)
    assert _requests(url)["match"] == 0  # refused by the preflight: not one comparison sent
    assert not (tmp_path / "run" / CACHE_FILE).exists()


def test_declined_images_are_failures_to_acquire(dlib_server: str, tmp_path: Path) -> None:
    objects = {f"{img.name}.png": img.data for img in builtin_non_faces()[:2]}
    folder = builtin_folder(tmp_path / "faces", extra=objects)
    suite = _run(dlib_server, tmp_path / "run", faces=folder, max_pairs=60, seed=3)
    for api, no_face in (("match", "40031"), ("jd", "1152")):
        metrics = suite.metrics.apis[api]
        fta = metrics["outcomes"]["genuine"]["fta"] + metrics["outcomes"]["impostor"]["fta"]
        assert fta > 0 and metrics["codes"][no_face] == fta
        assert metrics["outcomes"]["genuine"]["error"] == 0
        row = metrics["thresholds"][0]
        assert row["genuine"] + row["impostor"] == 60 - fta  # FTA is not a non-match


def test_the_run_budget_in_seconds_stops_calling_and_says_so(
    emulator: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    url = emulator(latency={"default": "fixed:200ms"})  # 91 match pairs would take 18 s
    started = time.monotonic()
    suite = _run(url, tmp_path / "run", faces=folder, apis=("match",), max_seconds=1.5)
    took = time.monotonic() - started
    assert took < 1.5 + 0.2 + 5, took  # the budget, one comparison in flight, the statistics
    assert suite.metrics.complete is False and suite.metrics.run["budget_exhausted"]
    assert 0 < suite.metrics.run["calls"] < 91
    assert any("pending" in note for note in suite.metrics.notes)


def test_the_time_budget_is_shared_by_the_apis(
    emulator: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    """A gate stage's seconds are not all the internal API's: JD's result is a documented claim
    too (a run that spent them all on /match never tested it)."""
    url = emulator(latency={"default": "fixed:100ms"})  # 91 pairs would take 9 s per API
    # 4 s: a loaded machine (the engine's first embeddings) must still leave each API a pair
    suite = _run(url, tmp_path / "run", faces=folder, max_seconds=4, bootstrap_replicates=10)
    measured = {api: sum(suite.metrics.apis[api]["pairs"]["measured"].values()) for api in APIS}
    assert all(0 < n < 91 for n in measured.values()), measured


def _errors(suite: Any, api: str) -> int:
    return sum(c["error"] for c in suite.metrics.apis[api]["outcomes"].values())


def test_a_throttling_service_is_paced_and_its_refusals_are_no_errors(
    folder: Path, tmp_path: Path
) -> None:
    """E-045: a QPS limit is the documented refusal, here a bare 429 with Retry-After: the pair
    is sent again after the back-off, and no throttled answer becomes an engine error."""
    from tests.fixtures.throttle_variants import throttle_variant

    with throttle_variant("bare-429", 2) as url:  # a burst of 2 (the preflight's and one), 2/s
        suite = _run(url, tmp_path / "run", faces=folder, apis=("match",), max_pairs=4)
    assert suite.metrics.complete is True and _errors(suite, "match") == 0
    assert any("throttled (a QPS limit, E-045)" in note for note in suite.metrics.notes)


def test_a_service_that_keeps_throttling_leaves_the_run_inconclusive(
    emulator: Callable[..., str], folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls stop when one pair is throttled through every back-off; the reason says so, and the
    run judges what it measured (never a fail, never a crash)."""
    monkeypatch.setattr(ServiceCompare, "max_throttled", 2, raising=False)
    monkeypatch.setattr(ServiceCompare, "first_backoff_s", 0.01, raising=False)
    url = emulator(throttle={"qps": 1})  # the preflight spends the one token of the second
    suite = _run(url, tmp_path / "run", faces=folder, apis=("match",), max_pairs=6)
    assert suite.status == "inconclusive" and suite.findings == []
    assert suite.metrics.complete is False and _errors(suite, "match") == 0
    assert "calls stopped early: the service throttled one pair 2 times in a row" in suite.reason
