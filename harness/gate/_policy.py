"""What a gate run does (a :class:`Profile`: suites and budgets) and what it must show to pass
(``gate.toml``, validated once into a :class:`Policy`; every table optional, docs/gate.md)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from harness.config import Section, did_you_mean, read_config, validate
from harness.errors import ConfigError, SpecError, UsageError
from harness.pacing import MAX_SECONDS
from harness.results import SUITE_NAMES, Finding, SuiteName


def _count(value: object) -> int | str:
    if value == "unlimited":
        return "unlimited"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError('expected a count >= 0 or "unlimited"')


Count = Annotated[int | Literal["unlimited"], PlainValidator(_count)]


class FindingAllowance(Section):
    """Most unique findings allowed per severity; ``info`` ones are not counted, nor (unless
    ``conventions``) a convention's (an HTTP, JSON or security norm): the documents promise no
    HTTP status (E-015), media type parameter or error-message hygiene."""

    critical: Count = 0
    high: Count = 0
    medium: Count = 0
    low: Count = 0
    conventions: bool = False

    def counts(self, finding: Finding) -> bool:
        return finding.severity != "info" and (self.conventions or finding.basis != "convention")

    def limit(self, severity: str) -> float:
        value = getattr(self, severity)
        return math.inf if value == "unlimited" else float(value)


class LoadPolicy(Section):
    min_qps_limit: float | None = Field(default=None, gt=0)  # requests/s
    max_p99_ms: float | None = Field(default=None, gt=0)
    p99_at_rps: float | None = Field(default=None, gt=0)  # the rate of the run whose p99 is judged
    max_error_rate: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _rate_needs_p99(self) -> LoadPolicy:
        if self.p99_at_rps is not None and self.max_p99_ms is None:
            raise ValueError("p99_at_rps needs max_p99_ms (the p99 allowed at that rate)")
        return self


class AccuracyLimit(Section):
    """Highest FMR / FNMR allowed at one operating point (a claim id of the accuracy report)."""

    claim: str = Field(min_length=1)  # e.g. 'match.score>=80' or 'jd.result'
    max_fmr: float | None = Field(default=None, ge=0, le=1)
    max_fnmr: float | None = Field(default=None, ge=0, le=1)
    # ISO/IEC 19795-1 FRR (FTA + FNMR (1 - FTA)): a service declining genuine pairs as "no face
    # found" keeps its FNMR low while it rejects its users; this limit counts those refusals
    max_frr: float | None = Field(default=None, ge=0, le=1)
    # None: the estimate, where the sample can decide the limit (else inconclusive, as the
    # accuracy suite's untestable); "estimate" alone; or the 95% interval's upper bound
    bound: Literal["estimate", "upper95"] | None = None

    @model_validator(mode="after")
    def _something(self) -> AccuracyLimit:
        if self.max_fmr is None and self.max_fnmr is None and self.max_frr is None:
            raise ValueError("give max_fmr, max_fnmr, max_frr or several")
        return self


class SuitesPolicy(Section):
    required: list[SuiteName] | None = None  # must run and pass; None: those the profile runs


class BaselinePolicy(Section):
    max_qps_drop_pct: float = Field(default=10.0, ge=0)
    max_p99_increase_pct: float = Field(default=20.0, ge=0)
    min_p99_increase_ms: float = Field(default=10.0, ge=0)  # a smaller rise is noise, whatever %
    new_findings: bool = True  # a finding absent from the baseline regresses
    fail_on_regression: bool = True


class VerdictPolicy(Section):
    inconclusive_blocks: bool = False  # fails the gate: verdict inconclusive, exit 1


class Policy(Section):
    """The parsed ``gate.toml``."""

    findings: FindingAllowance = FindingAllowance()
    load: LoadPolicy = LoadPolicy()
    accuracy: list[AccuracyLimit] = Field(default_factory=list)
    suites: SuitesPolicy = SuitesPolicy()
    baseline: BaselinePolicy = BaselinePolicy()
    verdict: VerdictPolicy = VerdictPolicy()
    # erratum id -> the reading (specs/readings.yaml) a service you own must follow
    readings: dict[str, str] = Field(default_factory=dict)
    run: dict[str, Any] = Field(default_factory=dict)  # profile overrides
    source: str = Field(default="default policy", exclude=True)

    def required_suites(self, profile_suites: Iterable[SuiteName]) -> tuple[SuiteName, ...]:
        required = self.suites.required
        return tuple(required if required is not None else profile_suites)


DEFAULT_POLICY = Policy()


def load_policy(path: Path | None, config: Path | None = None) -> Policy:
    """``--policy`` (its tables or ``[gate]``), else ``--config``'s ``[gate]``, else the default."""
    found = read_config(path, "policy") if path is not None else read_config(config)
    return found.gate or DEFAULT_POLICY


def parse_policy(data: dict[str, Any], source: str = "policy", prefix: str = "") -> Policy:
    if "source" in data:  # the file's own name, not a key: a "source" was silently replaced
        known = ", ".join(sorted(k for k, f in Policy.model_fields.items() if not f.exclude))
        raise ConfigError(f"{source}: {prefix}source is not a known key; expected one of {known}")
    policy = validate(Policy, {**data, "source": source}, source, prefix)
    if "readings" in data:
        from harness.contract import check_required, load_contract

        try:
            readings = check_required(policy.readings, load_contract().readings, source)
        except SpecError as exc:
            raise ConfigError(str(exc)) from None
        policy = policy.model_copy(update={"readings": readings})
    if "run" in data:
        QUICK.with_overrides(policy.run, source)  # validates names and values now, not mid-run
    if policy.accuracy:
        _check_claims(policy.accuracy, source, prefix)
    return policy


def _check_claims(limits: list[AccuracyLimit], source: str, prefix: str) -> None:
    """Each ``[[accuracy]] claim`` names an operating point the accuracy report has; a typo was
    read after a whole gate run as a failed criterion, "no operating point ... was measured"."""
    from harness.accuracy._stats import documented_claims
    from harness.contract import load_contract

    contract = load_contract()
    known: list[str] = []
    for api in ("match", "jd"):
        claims, untestable = documented_claims(api, contract)
        known += [c.name for c in claims] + [str(row["claim"]) for row in untestable]
    for i, limit in enumerate(limits):
        if limit.claim not in known:
            raise ConfigError(
                f"{source}: {prefix}accuracy[{i}].claim {limit.claim!r} is not an operating point "
                "of the accuracy report"
                + (did_you_mean(limit.claim, known) or f"; expected one of {', '.join(known)}")
            )


Engine = Literal["fast", "dlib"]


class Profile(BaseModel):
    """Budgets of one gate run. Every loop a stage runs is bounded by these numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    suites: tuple[SuiteName, ...] = SUITE_NAMES
    seed: int = 0
    engine: Engine = "fast"  # the emulator's, for conformance, fuzz and load
    accuracy_engine: Engine = "dlib"
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)
    stage_timeout_s: float = Field(default=240.0, gt=0, le=MAX_SECONDS)  # wall time
    # conformance and fuzz; None: no cap on the emulator, each suite's own default on a URL
    conformance_examples: int = Field(default=10, ge=1)
    fuzz_examples: int = Field(default=20, ge=1)
    max_requests: int | None = Field(default=None, ge=10)  # per suite, emulator
    url_max_requests: int | None = Field(default=None, ge=10)  # per suite, live target
    max_rps: float | None = Field(default=None, gt=0)  # None: emulator unpaced
    # load: one open-model run, then (optionally) a limit search
    load_scenario: str = "mixed"
    load_rate_rps: float = Field(default=20.0, gt=0)
    load_duration_s: float = Field(default=4.0, gt=0, le=3600)
    load_slo_p99_ms: float = Field(default=1000.0, gt=0)
    load_max_error_rate: float = Field(default=0.01, ge=0, lt=1)
    # auto: against the emulator, or when the policy needs a limit
    limit_search: Literal["auto", "always", "never"] = "auto"
    limit_scenario: str = "match"
    limit_emulator_qps: float | None = Field(default=50.0, ge=0)  # throttled: the search ends fast
    limit_start_rps: float | None = Field(default=None, gt=0)
    limit_max_rps: float | None = Field(default=None, gt=0)
    limit_step_s: float = Field(default=2.0, gt=0)
    limit_warmup_s: float = Field(default=0.5, ge=0)
    limit_max_steps: int = Field(default=8, ge=1, le=40)
    limit_time_budget_s: float = Field(default=60.0, gt=0)
    # accuracy
    accuracy_max_pairs: int | None = Field(default=None, ge=1)
    accuracy_apis: tuple[Literal["match", "jd"], ...] = ("match", "jd")

    @field_validator("suites", "accuracy_apis")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one")
        if len(set(value)) != len(value):
            raise ValueError("a name is given twice")
        return value

    def with_overrides(self, overrides: dict[str, Any], source: str) -> Profile:
        if not overrides:
            return self
        unknown = sorted(set(overrides) - set(Profile.model_fields) - {"name"})
        if unknown:
            raise ConfigError(
                f"{source}: [run] has no setting {unknown[0]!r}"
                f"{did_you_mean(unknown[0], Profile.model_fields)}"
            )
        try:
            return Profile.model_validate({**self.model_dump(), **overrides})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            msg = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigError(f"{source}: run.{where}: {msg}") from None


QUICK = Profile(  # the class defaults, plus:
    name="quick",
    fuzz_examples=40,
    max_requests=2000,
    stage_timeout_s=125.0,  # 100 s of conformance: a URL's engines keep 45 answers (round 18)
    limit_start_rps=20.0,
    limit_max_rps=400.0,
)
"""CI gate, about three minutes on two cores: small budgets, built-in faces."""

FULL = Profile(
    name="full",
    engine="dlib",
    conformance_examples=50,
    fuzz_examples=200,
    max_requests=5000,
    request_timeout_s=30.0,
    stage_timeout_s=1800.0,
    load_rate_rps=50.0,
    load_duration_s=30.0,
    limit_search="always",
    limit_start_rps=10.0,
    limit_max_rps=2000.0,
    limit_step_s=5.0,
    limit_warmup_s=1.0,
    limit_max_steps=16,
    limit_time_budget_s=600.0,
)
"""Nightly / pre-release: bigger budgets, the dlib engine, accuracy on ``--faces``."""

PROFILES: dict[str, Profile] = {"quick": QUICK, "full": FULL}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"--profile {name!r}: expected one of {', '.join(PROFILES)}") from None
