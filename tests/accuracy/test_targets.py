"""`faceharness accuracy` and `gate` as a user runs them against services that read the documents
another way or break them (audit round 8): one uvicorn serves every variant under its own path
(``fixtures.accuracy_variants.ROUND8``), the fast engine, small samples of the shared photos."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.cli import DEMO_ENV, InProcess, Ran


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from fixtures.accuracy_variants import round8_app

    from harness.emulator import EmulatorServer

    with EmulatorServer(round8_app()) as url:
        yield url


def _accuracy(
    cli: InProcess, url: str, out: Path, faces: Path, *args: str
) -> tuple[Ran, dict[str, Any]]:
    done = cli(
        "accuracy", "--target", url, "--faces", str(faces), "--max-rps", "0", "--out", str(out),
        *args, env={"COLUMNS": "200", **DEMO_ENV},
    )  # fmt: skip
    assert "Traceback" not in done.stderr + done.stdout
    summary = out / "summary.json"
    return done, json.loads(summary.read_text()) if summary.is_file() else {}


def _rows(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["claim"]: row for row in summary["suites"]["accuracy"]["metrics"]["thresholds"]}


def test_a_service_own_no_face_code_is_a_failure_to_acquire_by_its_table(
    server: str, faces_dir: Path, tmp_path: Path, cli: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The internal API documents no "no face" code (E-014): a service refusing images with its
    own errcode gets them counted as errors (no usable answer) unless the team names the code,
    as `conform`, `fuzz`, `load` and `gate` let it (`--codes`, `[codes] file` of `--config`).
    `accuracy` read neither: no `--codes` option (exit 2), and the config's table ignored, so
    the refusals stayed errors (and ten in a row stopped the run, exit 2)."""
    from fixtures.accuracy_variants import OWN_NO_FACE

    from harness.contract._contract import ENV_CODES

    monkeypatch.setenv(ENV_CODES, "")  # --codes sets it for the process: undone after the test
    codes = tmp_path / "codes.yaml"
    codes.write_text(
        f"codes:\n  - {{code: {OWN_NO_FACE}, zh: 未检测到人脸, en: no face, "
        "category: image_quality}\n",
        encoding="utf-8",
    )
    url = f"{server}/own-no-face-code"
    done, summary = _accuracy(cli, url, tmp_path / "run", faces_dir, "--api", "match",
                              "--max-pairs", "16", "--codes", str(codes))  # fmt: skip
    assert done.returncode == 0, done.stderr
    metrics = summary["suites"]["accuracy"]["metrics"]
    outcomes = metrics["apis"]["match"]["outcomes"]
    assert outcomes["genuine"]["error"] + outcomes["impostor"]["error"] == 0, outcomes
    assert metrics["apis"]["match"]["codes"].get(str(OWN_NO_FACE), 0) > 0
    row = _rows(summary)["match.score>=70"]
    assert row["frr_errors"] >= row["fta"]["genuine"] > 0  # declined genuine users count

    # the config's [codes] file is read too: a malformed one stops the run before any traffic
    bad = tmp_path / "bad-codes.yaml"
    bad.write_text("codes: [{code: 1}, nonsense]\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[codes]\nfile = "{bad.as_posix()}"\n', encoding="utf-8")
    done, _ = _accuracy(cli, url, tmp_path / "run2", faces_dir,
                        "--config", str(config))  # fmt: skip
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "bad-codes.yaml" in done.stderr and not (tmp_path / "run2").exists()


def test_a_lockout_mid_run_stops_at_once_keeps_the_pairs_and_is_no_failure(
    server: str, faces_dir: Path, tmp_path: Path, cli: InProcess
) -> None:
    """Throttled with ``Retry-After: 7200`` after a few pairs: the calls stop at the first such
    answer with the reason (no back-off, no six retries), the pairs measured are kept in the
    cache and the results, and a run cut short is inconclusive, never a failure."""
    out = tmp_path / "run"
    done, summary = _accuracy(cli, f"{server}/lockout", out, faces_dir, "--max-pairs", "12")
    assert done.returncode == 0, done.stderr
    suite = summary["suites"]["accuracy"]
    assert summary["verdict"] == "inconclusive" and suite["status"] == "inconclusive"
    reason = " ".join(suite["reason"].split())
    assert "asked to wait 7200 s (Retry-After)" in reason and "not measured" in reason
    apis = suite["metrics"]["apis"]
    assert sum(apis["match"]["pairs"]["measured"].values()) > 0  # what it measured is kept
    assert apis["match"]["pairs"]["pending"] > 0 and apis["jd"]["pairs"]["pending"] > 0
    assert (out / "accuracy-cache.jsonl").read_text().count("\n") > 0
    assert suite["metrics"]["run"]["calls"] <= 4 + 2  # the lockout's first answer ended each API


def test_a_backlog_behind_a_slow_engine_is_waited_for_not_unreachable(
    server: str, faces_dir: Path, tmp_path: Path, cli: InProcess
) -> None:
    """A correct service behind a slow engine still clearing a backlog (a gate's load stage
    left one) times out its first calls: before, three timeouts without any answer stopped the
    run as "no usable match answer in 3 calls" (exit 2, could not run). The timeouts now get a
    bounded patience (pauses of at most 2 request timeouts, sending nothing) and the run
    measures once the backlog is cleared; the pair waited for is no error."""
    done, summary = _accuracy(cli, f"{server}/backlog", tmp_path / "run", faces_dir,
                              "--api", "match", "--max-pairs", "4", "--timeout", "0.5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    outcomes = summary["suites"]["accuracy"]["metrics"]["apis"]["match"]["outcomes"]
    assert outcomes["genuine"]["error"] + outcomes["impostor"]["error"] == 0, outcomes


def test_another_score_scale_is_no_failure_and_says_so(
    server: str, faces_dir: Path, tmp_path: Path, cli: InProcess
) -> None:
    """/match scores on 0..1 and JD on 0..100 (its `similarity`'s scale), decisions as the
    engine's: no claim at 70/80 can be tied to such scores (untestable, E-046), JD's result still
    counts (E-060); exit 0."""
    done, summary = _accuracy(cli, f"{server}/other-scale", tmp_path / "run", faces_dir,
                              "--max-pairs", "12")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = _rows(summary)
    for claim in ("match.score>=70", "match.score>=80"):
        assert rows[claim]["verdict"] == "untestable"
        assert "not one genuine pair accepted" in rows[claim]["verdict_reason"]
    assert rows["jd.result"]["impostor"] > 0 and rows["jd.result"]["verdict"] != "contradicted"
    notes = " ".join(summary["suites"]["accuracy"]["metrics"]["notes"])
    assert "outside the documented 0..1" in notes


GATE_POLICY = """[run]
suites = ["accuracy"]
accuracy_max_pairs = 20
max_rps = 200
[readings]
E-044 = "default"
E-036 = "default"
"""


@pytest.mark.parametrize(("variant", "code"), [("control", 0), ("far-worse", 1)])
def test_the_gate_fails_a_contradicted_claim_its_policy_requires_and_nothing_else(
    server: str, faces_dir: Path, tmp_path: Path, cli: InProcess, variant: str, code: int
) -> None:
    """`gate` on a URL, accuracy alone, the policy requiring the default readings (E-044,
    E-036): a correct service on a sample too small to test a claim is inconclusive, exit 0
    (never a failure); far more false matches than documented (half the impostor pairs, at
    /match's 70 and in JD's result) fail it, exit 1, each finding naming its reading and its
    exact interval, which summary.json's rows carry too."""
    policy = tmp_path / "gate.toml"
    policy.write_text(GATE_POLICY, encoding="utf-8")
    out = tmp_path / "gate"
    done = cli("gate", "--target", f"{server}/{variant}", "--faces", str(faces_dir),
               "--policy", str(policy), "--out", str(out), env=DEMO_ENV)  # fmt: skip
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == code, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    findings = summary["suites"]["accuracy"]["findings"]
    rows = _rows(summary)
    for row in rows.values():
        if row.get("fmr") is not None:
            assert row["fmr_ci95"][0] <= row["fmr"] <= row["fmr_ci95"][1]
    if not code:
        assert summary["verdict"] == "inconclusive" and findings == []
        assert {row["verdict"] for row in rows.values()} == {"untestable"}
        return
    assert summary["verdict"] == "fail"
    assert {f["message"].split(":")[0] for f in findings} == {"match.score>=70", "jd.result"}
    for finding in findings:
        assert finding["basis"] == "reading" and "95% CI [" in finding["message"]
        row = rows[finding["message"].split(":")[0]]
        assert row["verdict"] == "contradicted" and row["fmr_ci95"][0] > row["claimed_fmr"]


# ---------------------------------------------------------------- round 9 (library runs: the
# verdicts are the subject, not the console; a few replicates of the EER's bootstrap)


def _suite(server: str, variant: str, out: Path, faces: Path, **options: Any) -> Any:
    from harness.accuracy import run_accuracy_suite
    from harness.clients import DEMO

    options = {"max_pairs": 16, "max_rps": 0, "bootstrap_replicates": 10, **options}
    return run_accuracy_suite(
        out=out, target=f"{server}/{variant}", faces=faces, credentials=DEMO, **options
    )


@pytest.mark.parametrize(
    ("variant", "checks"),
    [("jitter", {"repeatable_score"}), ("asymmetric", {"order_free_score"})],
)
def test_a_score_that_changes_when_asked_again_or_swapped_is_reported(
    server: str, faces_dir: Path, tmp_path: Path, variant: str, checks: set[str]
) -> None:
    """Each pair was compared once, in one order (by sha256): a score drawn per call or one that
    depends on which image is the reference went unseen. One pair in ten per API (four at most)
    is now asked again and swapped, within the budget; a difference is a low-severity convention
    finding (no sentence requires either, ERRATA E-075), never a failure, and noise is not
    reported as an order dependence. Before: no finding for any variant."""
    suite = _suite(server, variant, tmp_path / "run", faces_dir, max_pairs=20)
    assert suite.status != "fail"
    assert {(f.api, f.check) for f in suite.findings} == {
        (api, check) for api in ("match", "jd") for check in checks
    }
    for finding in suite.findings:
        assert (finding.severity, finding.basis, finding.erratum) == ("low", "convention", "E-075")
        grown = suite.metrics.apis[finding.api]["repeats"]["genuine_swapped"]
        asked = 2 + grown * (finding.check == "order_free_score")
        assert f" of {asked} pairs answered otherwise when " in finding.message, finding.message
    for api in ("match", "jd"):
        repeats = suite.metrics.apis[api]["repeats"]
        grown = repeats["genuine_swapped"]  # every genuine pair asked swapped, jitter or not
        assert grown > 0
        assert [repeats[k]["compared"] for k in ("again", "swapped")] == [2, 2 + grown], repeats
        assert suite.metrics.apis[api]["run"]["repeat_calls"] == 4 + grown
    if variant != "jitter":
        return
    # a re-run judges the sample from the cache: the same findings, no call sent for it
    again = _suite(server, variant, tmp_path / "run", faces_dir, max_pairs=20)
    assert {(f.api, f.check) for f in again.findings} == {(f.api, f.check) for f in suite.findings}
    assert again.metrics.run["repeat_calls"] == again.metrics.run["calls"] == 0


BOTH = ("match", "jd")


@pytest.mark.parametrize(
    ("variant", "pairs", "apis", "contradicted"),
    [
        ("big-image-blind", 24, BOTH, {"match.score>=70", "jd.result"}),  # images over ~150 KB
        ("own-threshold", 60, BOTH, {"jd.result"}),  # result at 0.70; /match's success: no claim
        # 1 false match in 37: its exact interval holds 1e-3 (70), not JD's 1e-4 (far-8pct's 2
        # in 37 hold neither; far-2x's 2e-3 no sample of this size shows: manual runs)
        ("far-6pct", 60, BOTH, {"jd.result"}),
        ("refuses-some", 24, BOTH, set()),  # a fifth of the images declined: a note, no verdict
        # round 10: no face found in a PNG or an image under 300 px (both PNGs in the sample)
        ("format-blind", 24, ("match",), set()),
        # round 12: every impostor pair of the same sex matched (exif-bump alike: manual runs)
        ("same-sex", 24, BOTH, {"match.score>=70", "match.score>=80", "jd.result"}),
        # round 13: impostor pairs 20..78 with every score sent as text (/match's a JSON number)
        ("miscal-70-text", 24, ("match",), {"match.score>=70"}),
        # JD's 1159 risk control on each impostor pair it would match: declines, left out of
        # the claim (as FTA), so only the note tells them
        ("jd-1159-hides", 24, ("jd",), set()),
        # round 14: right in the run's order, every impostor pair accepted the other way round:
        # the swapped sample's false match counts (E-098), where it was a low finding alone
        ("order-accepts", 24, ("jd",), {"jd.result"}),
        # round 15: right in the run's order, every genuine pair rejected the other way round:
        # the swapped sample's false non-match counts in FNMR and FRR, no claim moves
        ("order-rejects", 24, ("jd",), set()),
        # a result cache keyed by the reference image alone: later pairs get its answer
        ("reference-cache", 24, ("jd",), {"jd.result"}),
        # a byte comparator (0 for any two images): no claim either way, the E-069 note
        ("identical-only", 24, ("jd",), set()),
        # round 16: every impostor pair exactly at the operating point (达到70: reached)
        ("impostor-at-threshold", 24, BOTH, {"match.score>=70", "jd.result"}),
        # JD's 1115 (compared, score too low, E-044) for a third of the genuine pairs
        ("jd-1115-genuine", 24, ("jd",), set()),
        # every genuine pair exactly 80 (JD exactly its operating score): reached, no rejection
        ("genuine-at-80", 24, BOTH, set()),
        # the images have roles: the other order 3 points (JD 0.03) lower, no decision moves
        ("roles-small-shift", 24, ("jd",), set()),
        # a tenth of the impostor pairs 75: false matches at 70, none at 80
        ("far-at-70-only", 60, ("match",), {"match.score>=70"}),
        # about half the genuine pairs at 40: no claim moves, a gate's max_fnmr = 0.3 fails
        ("half-goat", 24, ("match",), set()),
        # round 18: half-goat's rejections answered a bare 1155 (no decision, E-088) or JD's
        # 50 系统错误: out of FNMR, so a gate's max_fnmr holds only with them as rejections
        ("jd-hides-genuine-rejections", 40, ("jd",), set()),
    ],
)
def test_round_9_verdicts_tell_the_truth(
    server: str,
    faces_dir: Path,
    tmp_path: Path,
    variant: str,
    pairs: int,
    apis: tuple[str, ...],
    contradicted: set[str],
) -> None:
    """Services a real deployment might be: right only for small images, a looser decision of
    their own on an honest score, one false match in the sample, a detector that misses faces
    (at random, or in PNGs and small images: the note's breakdown by the bytes sent says which).
    A claim is contradicted exactly when the sample shows it (the exact lower bound over the
    claim), observed under its reading (exit 0, no finding), never for a service whose excess
    the sample cannot show."""
    suite = _suite(server, variant, tmp_path / "run", faces_dir, max_pairs=pairs, apis=apis)
    assert suite.status != "fail" and not [f for f in suite.findings if f.fails]
    rows = {row.claim: row for row in suite.metrics.thresholds}
    assert {c for c, row in rows.items() if row.verdict == "contradicted"} == contradicted
    if variant == "far-6pct":  # the same false match: red for 1e-4 only
        assert rows["match.score>=70"].false_matches == rows["jd.result"].false_matches == 1
    for claim, row in rows.items():
        if row.verdict == "contradicted":
            assert row.verdict_direction == "worse" and row.fmr_ci95[0] > row.claimed_fmr
            assert "observed, not required" in (row.verdict_reason or ""), claim
        elif row.fmr_ci95 and row.fmr_ci95[0] > row.claimed_fmr:  # shown by pairs, not people
            assert "pairs of people" in (row.verdict_reason or ""), row.verdict_reason
    notes = " ".join(suite.metrics.notes)
    assert "result disagrees with the score" not in notes  # one threshold gives every result
    if variant == "format-blind":  # the four small images declined throughout, and only them;
        # the 504 KB PNG was sent re-encoded as JPEG (/match's limit), and compared
        breakdown = suite.metrics.apis["match"]["fta_breakdown"]
        assert breakdown["not_following_an_image"] == 0
        assert [t["declined_in_every_pair"] for t in breakdown["by_shorter_side"].values()] == [
            4, 0, 0
        ]  # fmt: skip
        assert breakdown["by_shorter_side"]["under 300 px"]["images"] == 4
        assert breakdown["by_format"]["png"] == {"images": 1, "declined_in_every_pair": 1}
        assert "by shorter side: under 300 px 4 of 4, 300-599 px 0 of " in notes
    if variant == "jd-1159-hides":
        row = rows["jd.result"]
        declined = (row.model_extra or {})["declined"]["impostor"]
        assert declined and row.false_matches == 0
        assert f"documented decline(s) (code 1159: {declined} impostor, 0 genuine" in notes
    if variant == "order-accepts":
        row = rows["jd.result"]
        # every repeat answer deciding an impostor pair counts, the agreeing ones too (E-098)
        assert row.false_matches == 1 <= (row.model_extra or {})["retold_impostor"]
        assert "ERRATA E-098" in (row.verdict_reason or "")
    if variant == "order-rejects":  # FNMR was 0 of 12: a gate's max_fnmr passed it
        row = rows["jd.result"]
        # every genuine pair asked swapped once a sampled one was rejected so, each one more
        # comparison; the ones asked again the same (counted twice: review of session 26)
        assert (row.false_non_matches, row.genuine, row.frr_errors) == (12, 24, 12)
        assert "12 a false non-match: ERRATA E-098" in (row.verdict_reason or "")
    if variant == "jd-1115-genuine":  # not passed: compared, each a false non-match
        row, jd = rows["jd.result"], suite.metrics.apis["jd"]
        assert jd["codes"]["1115"] == row.false_non_matches == row.frr_errors > 0
        assert jd["outcomes"]["genuine"] == {"ok": row.genuine, "fta": 0, "error": 0}
        assert _fnmr_gate(suite, "jd.result", 0.05) == "fail"  # a third of genuine users
    if variant == "genuine-at-80":  # 达到 80: reached
        assert [row.false_non_matches for row in rows.values() if row.genuine] == [0, 0, 0]
        assert _fnmr_gate(suite, "match.score>=80", 0.3) == "pass"
        assert _fnmr_gate(suite, "jd.result", 0.3) == "pass"
    if variant == "roles-small-shift":  # the order moves the score, never the decision
        assert [(f.check, f.severity) for f in suite.findings] == [("order_free_score", "low")]
        extra = rows["jd.result"].model_extra or {}
        assert (extra["order_decides"], extra["retold_false_non_matches"]) == (False, 0)
        assert _fnmr_gate(suite, "jd.result", 0.3) == "pass"
    if variant == "half-goat":  # over the limit once the count decides: never a pass (review
        # of session 28: inconclusive, its interval holding 0.3, and the gate green)
        row = rows["match.score>=70"]
        assert row.false_non_matches / row.genuine > 0.3 and row.genuine >= 9, row
        assert _fnmr_gate(suite, "match.score>=70", 0.3) == "fail"
    if variant == "jd-hides-genuine-rejections":  # FNMR 0 in 13 (in all 23) passed max_fnmr
        row = rows["jd.result"]  # = 0.3 (session 29) where half-goat fails it
        extra = row.model_extra or {}
        assert (row.false_non_matches, row.genuine) == (0, 10), row
        assert extra["no_answer_genuine"] > 0 and extra["excluded"]["genuine"] > 0, extra
        assert _fnmr_gate(suite, "jd.result", 0.3) == "inconclusive"
        # its 7 bare 1155s are genuine users turned away under every reading (review of session
        # 29: failed max_frr = 0.3 on cac0323, inconclusive after it): FRR counts them; its 3
        # errors, too few to show they fall on genuine pairs, stay unknown (7 in 20 at best)
        assert row.frr_errors == extra["frr_undecided"] == extra["bare_genuine"] == 7, row
        assert _fnmr_gate(suite, "jd.result", 0.3, rate="max_frr") == "fail"
    if variant == "far-at-70-only":
        assert rows["match.score>=70"].false_matches > 0
        assert rows["match.score>=80"].false_matches == 0
    if variant == "identical-only":  # every result false: no "decisions differ" said of them
        assert "carried the same score 0" in notes and "its decisions differ" not in notes
    if variant == "refuses-some":
        for api in ("match", "jd"):
            assert f"{api}: " in notes and "declined as failures to acquire" in notes
            assert suite.metrics.apis[api]["fta_images"], api
            row = rows["jd.result" if api == "jd" else "match.score>=70"]
            assert row.frr_errors >= (row.model_extra or {})["fta"]["genuine"] > 0


def _fnmr_gate(suite: Any, claim: str, limit: float, rate: str = "max_fnmr") -> str:
    """The outcome of a gate's ``max_fnmr = limit`` (or ``rate``) at ``claim`` on ``suite``."""
    from harness.gate import parse_policy
    from harness.gate._judge import judge

    policy = parse_policy({"accuracy": [{"claim": claim, rate: limit}]})
    gate, _ = judge(policy, {"accuracy": suite}, ran=("accuracy",))
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    return str(crit.outcome)


def test_an_order_that_rejects_is_not_pooled_for_a_repeat_scored_higher(
    server: str, faces_dir: Path, tmp_path: Path
) -> None:
    """Audit round 16, repeat-aware-order-rejects: every genuine pair rejected sent the other
    way round (just under JD's operating score), and a pair asked again in the run's order
    scored higher, no decision changed. The rise "explained" the swapped fall as a draw, the
    repeats were pooled and a gate's max_fnmr = 0.3 passed; the order decides, so every genuine
    pair is asked swapped too and FNMR is over both orders (ERRATA E-098): 12 in 24 here fail
    it, the interval in the reason (review of session 28: read inconclusive, the gate green)."""
    from harness.gate import parse_policy
    from harness.gate._judge import judge

    suite = _suite(
        server, "repeat-aware-order-rejects", tmp_path / "run", faces_dir, max_pairs=24,
        apis=("jd",),
    )  # fmt: skip
    row = {r.claim: r for r in suite.metrics.thresholds}["jd.result"]
    extra = row.model_extra or {}
    assert extra["retold_drawn"] is False and extra["retold_genuine_every_pair"] is True, extra
    assert (row.false_non_matches, row.genuine) == (12, 24)
    policy = parse_policy({"accuracy": [{"claim": "jd.result", "max_fnmr": 0.3}]})
    gate, _ = judge(policy, {"accuracy": suite}, ran=("accuracy",))
    (crit,) = [c for c in gate.criteria if c.name.startswith("accuracy.")]
    assert crit.outcome == "fail" and crit.reason.startswith("FNMR 0.5 > 0.3 (95% CI"), crit


def test_a_stateful_variant_starts_afresh_on_each_server(server: str, faces_dir: Path) -> None:
    """repeat-aware-order-rejects scores a genuine pair higher when it has seen it: its memory
    was built at import, so a second server in the same process (another module's) answered
    every pair as a repeat and its verdict test ran against another service. Each served app
    now has its own: a pair's first call 0.01 over JD's operating score, a repeat 0.135."""
    import hashlib

    from fixtures.accuracy_variants import JD_OPERATING, round8_app

    from harness.clients import DEMO, client_for
    from harness.emulator import EmulatorServer

    first, second = [(faces_dir / f"angelina_jolie_{n}.jpg").read_bytes() for n in (1, 2)]
    if hashlib.sha256(first).digest() > hashlib.sha256(second).digest():  # the run's order
        first, second = second, first

    def score(url: str) -> float:
        with client_for("jd", f"{url}/repeat-aware-order-rejects", DEMO) as client:
            result = client.compare(first, [second]).result
        assert result is not None and result.score is not None
        return round(result.score - JD_OPERATING, 4)

    assert score(server) in (0.01, 0.135)  # the module's server has seen the pair, or now has
    with EmulatorServer(round8_app()) as other:
        assert (score(other), score(other)) == (0.01, 0.135)


def test_an_accurate_service_too_slow_for_the_budget_is_inconclusive(
    server: str, faces_dir: Path, tmp_path: Path
) -> None:
    """Right, and half a second a call (its preflight too): a time budget of 1.5 s measures a
    pair or two, and the run is inconclusive, its reason saying the budget ran out, never a
    failure, and the repeat sample is said not observed rather than asked past the budget."""
    suite = _suite(server, "sluggish", tmp_path / "run", faces_dir, max_seconds=1.5)
    assert suite.status == "inconclusive" and suite.findings == []
    # the budget, not the folder: "untestable at this data size" sent the user after photos
    assert "budget ran out" in (suite.reason or "") and "data size" not in (suite.reason or "")
    assert (suite.testable_when or "").startswith("the pending pairs measured (the same command")
    assert suite.metrics.run["budget_exhausted"] and suite.metrics.run["repeat_calls"] == 0
    assert {row.verdict for row in suite.metrics.thresholds} == {"untestable"}
