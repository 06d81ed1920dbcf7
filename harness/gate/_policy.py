"""``gate.toml``: what a run must show to pass the gate, validated once into a :class:`Policy`.

Every table is optional; an empty file (or no ``--policy``) is the default policy: no
finding above ``info`` is allowed, every suite the profile runs is required, a baseline (if
given) fails the gate on any regression, and what is inconclusive (a suite or criterion that
could not test what it claims) is reported but does not block. See ``docs/gate.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, field_validator, model_validator

from harness.config import Section, read_config, validate
from harness.errors import ConfigError
from harness.results import SuiteName


def _count(value: object) -> int | str:
    if value == "unlimited":
        return "unlimited"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError('expected a count >= 0 or "unlimited"')


Count = Annotated[int | Literal["unlimited"], PlainValidator(_count)]


class FindingAllowance(Section):
    """Most unique findings (after merging by ``unique_key``) allowed per severity.

    ``info`` findings never fail anything and are not counted.
    """

    critical: Count = 0
    high: Count = 0
    medium: Count = 0
    low: Count = 0

    def limit(self, severity: str) -> float:
        value = getattr(self, severity)
        return math.inf if value == "unlimited" else float(value)


class LoadPolicy(Section):
    min_qps_limit: float | None = Field(default=None, gt=0, description="requests/s")
    max_p99_ms: float | None = Field(default=None, gt=0)
    p99_at_rps: float | None = Field(
        default=None, gt=0, description="offered rate of the run whose p99 is judged"
    )
    max_error_rate: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _rate_needs_p99(self) -> LoadPolicy:
        if self.p99_at_rps is not None and self.max_p99_ms is None:
            raise ValueError("p99_at_rps needs max_p99_ms (the p99 allowed at that rate)")
        return self


class AccuracyLimit(Section):
    """Highest FMR / FNMR allowed at one operating point (a claim id of the accuracy report)."""

    claim: str = Field(min_length=1, description="e.g. 'match.score>=80' or 'jd.result'")
    max_fmr: float | None = Field(default=None, ge=0, le=1)
    max_fnmr: float | None = Field(default=None, ge=0, le=1)
    bound: Literal["estimate", "upper95"] = Field(
        default="estimate", description="judge the point estimate or the 95% upper bound"
    )

    @model_validator(mode="after")
    def _something(self) -> AccuracyLimit:
        if self.max_fmr is None and self.max_fnmr is None:
            raise ValueError("give max_fmr, max_fnmr or both")
        return self


class SuitesPolicy(Section):
    required: list[SuiteName] | None = Field(
        default=None, description="suites that must run and pass; None: those the profile runs"
    )


class BaselinePolicy(Section):
    max_qps_drop_pct: float = Field(default=10.0, ge=0)
    max_p99_increase_pct: float = Field(default=20.0, ge=0)
    min_p99_increase_ms: float = Field(
        default=10.0, ge=0, description="a p99 rise smaller than this is noise, whatever its %"
    )
    new_findings: bool = Field(
        default=True, description="a finding absent from the baseline regresses"
    )
    fail_on_regression: bool = True


class VerdictPolicy(Section):
    inconclusive_blocks: bool = Field(
        default=False,
        description="an inconclusive suite or criterion fails the gate "
        "(verdict inconclusive, exit 1)",
    )


class Policy(Section):
    """The parsed ``gate.toml``."""

    findings: FindingAllowance = FindingAllowance()
    load: LoadPolicy = LoadPolicy()
    accuracy: list[AccuracyLimit] = Field(default_factory=list)
    suites: SuitesPolicy = SuitesPolicy()
    baseline: BaselinePolicy = BaselinePolicy()
    verdict: VerdictPolicy = VerdictPolicy()
    readings: dict[str, str] = Field(
        default_factory=dict,
        description="erratum id -> 'default' | 'alternative' (or a reading's name, "
        "specs/readings.yaml): a service you own must follow that reading; an answer "
        "following another is a finding",
    )
    run: dict[str, Any] = Field(default_factory=dict, description="profile overrides")
    source: str = Field(default="default policy", exclude=True)

    @field_validator("run", mode="before")
    @classmethod
    def _run_table(cls, value: Any) -> Any:
        return dict(value) if isinstance(value, dict) else value

    def required_suites(self, profile_suites: Iterable[SuiteName]) -> tuple[SuiteName, ...]:
        chosen = self.suites.required if self.suites.required is not None else profile_suites
        return tuple(chosen)


DEFAULT_POLICY = Policy()


def load_policy(path: Path | None, config: Path | None = None) -> Policy:
    """``--policy path`` (its tables, or its ``[gate]``), else the ``[gate]`` of ``--config``,
    else the default policy.

    Raises:
        ConfigError: one line naming the file, the key and the fix.
    """
    if path is not None:
        return read_config(path, "policy").gate or DEFAULT_POLICY
    return read_config(config).gate or DEFAULT_POLICY


def parse_policy(data: dict[str, Any], source: str = "policy", prefix: str = "") -> Policy:
    """Validate parsed TOML into a :class:`Policy` (see :func:`load_policy`)."""
    policy = validate(Policy, {**data, "source": source}, source, prefix)
    if "readings" in data:
        from harness.contract import check_required, load_contract
        from harness.errors import SpecError

        try:
            policy = policy.model_copy(
                update={
                    "readings": check_required(policy.readings, load_contract().readings, source)
                }
            )
        except SpecError as exc:
            raise ConfigError(str(exc)) from None
    if "run" in data:
        from harness.gate._profiles import QUICK

        QUICK.with_overrides(policy.run, source)  # validates names and values now, not mid-run
    return policy
