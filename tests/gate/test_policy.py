"""gate.toml parsing: every table, its defaults, and one clear line for each kind of mistake."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.gate import load_policy, parse_policy
from harness.gate._policy import DEFAULT_POLICY, QUICK

REPO = Path(__file__).resolve().parents[2]


def test_no_policy_is_the_strict_default():
    policy = load_policy(None)
    assert policy is DEFAULT_POLICY
    assert [policy.findings.limit(s) for s in ("critical", "high", "medium", "low")] == [0, 0, 0, 0]
    assert policy.required_suites(("conformance", "load")) == ("conformance", "load")
    assert policy.baseline.fail_on_regression and policy.baseline.max_qps_drop_pct == 10
    assert policy.baseline.max_p99_increase_pct == 20


def test_the_shipped_example_parses_and_says_what_the_docs_say():
    policy = load_policy(REPO / "examples" / "gate.toml")
    assert policy.findings.limit("low") == math.inf and policy.findings.limit("medium") == 0
    assert policy.suites.required == ["conformance", "fuzz", "load", "accuracy"]
    assert policy.load.min_qps_limit == 40 and policy.load.p99_at_rps == 20
    assert {a.claim for a in policy.accuracy} == {"match.score>=80", "jd.result"}
    # sanity bounds on the built-in faces: the estimate, chosen explicitly (unset: inconclusive)
    assert {a.bound for a in policy.accuracy} == {"estimate"}
    docs = (REPO / "docs" / "gate.md").read_text(encoding="utf-8")
    assert 'bound = "estimate"' in docs and "unset (the default)" in docs
    assert (
        parse_policy({"accuracy": [{"claim": "jd.result", "max_fmr": 0.1}]}).accuracy[0].bound
        is None
    )
    assert "examples/gate.toml" in (REPO / "docs" / "gate.md").read_text(encoding="utf-8")


def test_every_table_and_run_overrides(tmp_path):
    path = tmp_path / "gate.toml"
    path.write_text(
        """
[findings]
medium = 3
low = "unlimited"
[suites]
required = ["load"]
[load]
min_qps_limit = 12.5
max_p99_ms = 800
p99_at_rps = 5
max_error_rate = 0.02
[[accuracy]]
claim = "match.score>=80"
max_fmr = 0.001
bound = "upper95"
[baseline]
max_qps_drop_pct = 5
fail_on_regression = false
[run]
suites = ["load"]
load_duration_s = 2
limit_search = "never"
""",
        encoding="utf-8",
    )
    policy = load_policy(path)
    assert policy.findings.limit("medium") == 3 and policy.findings.limit("high") == 0
    assert policy.required_suites(("conformance",)) == ("load",)
    assert policy.load.max_error_rate == 0.02 and policy.accuracy[0].bound == "upper95"
    assert policy.accuracy[0].max_fnmr is None
    assert not policy.baseline.fail_on_regression and policy.baseline.max_qps_drop_pct == 5
    profile = QUICK.with_overrides(policy.run, policy.source)
    assert profile.suites == ("load",) and profile.load_duration_s == 2
    assert profile.limit_search == "never" and profile.fuzz_examples == QUICK.fuzz_examples


BAD = [
    ("unknown-table", "[lod]\nmin_qps_limit = 1", "unknown table [lod]; did you mean 'load'?"),
    (
        "unknown-key",
        "[findings]\nmeduim = 1",
        "findings.meduim is not a known key; did you mean 'medium'?",
    ),
    (
        "negative-count",
        "[findings]\nhigh = -1",
        'findings.high (-1): expected a count >= 0 or "unlimited"',
    ),
    ("word-count", "[findings]\nhigh = 'some'", "findings.high ('some')"),
    ("not-a-number", "[load]\nmax_p99_ms = 'fast'", "load.max_p99_ms ('fast'): expected a number"),
    ("zero-qps", "[load]\nmin_qps_limit = 0", "load.min_qps_limit (0)"),
    ("rate-without-p99", "[load]\np99_at_rps = 5", "p99_at_rps needs max_p99_ms"),
    ("rate-above-one", "[load]\nmax_error_rate = 2", "load.max_error_rate (2)"),
    (
        "accuracy-table",
        "[accuracy]\nclaim = 'x'",
        "accuracy must be an array of tables: [[accuracy]]",
    ),
    ("accuracy-empty", "[[accuracy]]\nclaim = 'x'", "accuracy[0]: give max_fmr, max_fnmr, max_frr"),
    ("accuracy-fmr", "[[accuracy]]\nclaim = 'x'\nmax_fmr = 1.5", "accuracy[0].max_fmr (1.5)"),
    (
        "accuracy-bound",
        "[[accuracy]]\nclaim = 'x'\nmax_fmr = 0.1\nbound = 'p50'",
        "accuracy[0].bound",
    ),
    # before: read, and after a whole gate run a failed criterion "no operating point ... measured"
    (
        "accuracy-claim",
        "[[accuracy]]\nclaim = 'match.score>=81'\nmax_fmr = 0.1",
        "accuracy[0].claim 'match.score>=81' is not an operating point of the accuracy report; "
        "did you mean 'match.score>=80'?",
    ),
    ("suite-name", "[suites]\nrequired = ['conf']", "suites.required[0] ('conf')"),
    ("findings-not-table", "findings = 3", "findings must be a table: [findings]"),
    (
        "run-unknown",
        "[run]\nfuz_examples = 3",
        "[run] has no setting 'fuz_examples'; did you mean 'fuzz_examples'?",
    ),
    ("run-value", "[run]\nfuzz_examples = 0", "run.fuzz_examples"),
    ("run-suites", "[run]\nsuites = []", "run.suites"),
    ("baseline-bool", "[baseline]\nnew_findings = 'yes'", "baseline.new_findings ('yes')"),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_policies_fail_with_one_line_naming_the_key(tmp_path, text, expected):
    path = tmp_path / "gate.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path)), message
    assert expected in message


def test_unreadable_or_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="policy file not found"):
        load_policy(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[findings\nhigh = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_policy(broken)


def test_parse_policy_from_data():
    policy = parse_policy({"findings": {"low": 2}}, "inline")
    assert policy.findings.limit("low") == 2 and policy.source == "inline"
