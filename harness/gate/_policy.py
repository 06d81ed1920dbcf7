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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.errors import ConfigError
from harness.results import SuiteName
from harness.tomlfile import did_you_mean, read_toml

Unlimited = Literal["unlimited"]
Count = Annotated[int, Field(ge=0)] | Unlimited


class _Strict(BaseModel):
    """TOML has types: a string where a number or boolean belongs is a mistake, not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FindingAllowance(_Strict):
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


class LoadPolicy(_Strict):
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


class AccuracyLimit(_Strict):
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


class SuitesPolicy(_Strict):
    required: list[SuiteName] | None = Field(
        default=None, description="suites that must run and pass; None: those the profile runs"
    )


class BaselinePolicy(_Strict):
    max_qps_drop_pct: float = Field(default=10.0, ge=0)
    max_p99_increase_pct: float = Field(default=20.0, ge=0)
    min_p99_increase_ms: float = Field(
        default=10.0, ge=0, description="a p99 rise smaller than this is noise, whatever its %"
    )
    new_findings: bool = Field(
        default=True, description="a finding absent from the baseline regresses"
    )
    fail_on_regression: bool = True


class VerdictPolicy(_Strict):
    inconclusive_blocks: bool = Field(
        default=False,
        description="an inconclusive suite or criterion fails the gate (verdict inconclusive, exit 1)",
    )


class Policy(_Strict):
    """The parsed ``gate.toml``."""

    findings: FindingAllowance = FindingAllowance()
    load: LoadPolicy = LoadPolicy()
    accuracy: list[AccuracyLimit] = Field(default_factory=list)
    suites: SuitesPolicy = SuitesPolicy()
    baseline: BaselinePolicy = BaselinePolicy()
    verdict: VerdictPolicy = VerdictPolicy()
    readings: dict[str, str] = Field(
        default_factory=dict,
        description="erratum id -> 'default' | 'alternative' (or a reading's name, specs/readings.yaml): a "
        "service you own must follow that reading; an answer following another is a finding",
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

_TABLES: dict[str, type[BaseModel]] = {
    "findings": FindingAllowance,
    "load": LoadPolicy,
    "accuracy": AccuracyLimit,
    "suites": SuitesPolicy,
    "baseline": BaselinePolicy,
    "verdict": VerdictPolicy,
}


def load_policy(path: Path | None) -> Policy:
    """Read and validate ``path``; ``None`` gives the default policy.

    Raises:
        ConfigError: one line naming the file, the key and the fix.
    """
    if path is None:
        return DEFAULT_POLICY
    return parse_policy(read_toml(path, "policy"), str(path))


def parse_policy(data: dict[str, Any], source: str = "policy") -> Policy:
    """Validate parsed TOML into a :class:`Policy` (see :func:`load_policy`)."""
    known = {*_TABLES, "run", "readings"}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown table [{key}]{did_you_mean(key, known)}")
        if key == "accuracy":
            if not isinstance(value, list):
                raise ConfigError(f"{source}: accuracy must be an array of tables: [[accuracy]]")
        elif not isinstance(value, dict):
            raise ConfigError(f"{source}: {key} must be a table: [{key}]")
        rows = value if isinstance(value, list) else [value]
        model: type[BaseModel] | None = _TABLES.get(key)
        for row in rows:
            if not isinstance(row, dict):
                raise ConfigError(f"{source}: each [[{key}]] entry must be a table")
            if model is not None:
                for field in row:
                    if field not in model.model_fields:
                        raise ConfigError(
                            f"{source}: {key}.{field} is not a setting"
                            f"{did_you_mean(field, model.model_fields)}"
                        )
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, source)) from None
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


def _one_line(exc: ValidationError, source: str) -> str:
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"] if not _pydantic_tag(str(p))]
    where = ".".join(p if not p.isdigit() else f"[{p}]" for p in loc).replace(".[", "[")
    value = first.get("input")
    msg = str(first["msg"]).removeprefix("Value error, ")
    if where.startswith("findings."):
        msg = 'expected a count >= 0 or "unlimited"'
    elif first["type"] in ("float_parsing", "float_type", "int_type"):
        msg = "expected a number"
    shown = "" if isinstance(value, dict) or value is None else f" ({value!r})"
    return f"{source}: {where or '(top level)'}{shown}: {msg}"


def _pydantic_tag(part: str) -> bool:
    """Union branch names pydantic puts in a location (``constrained-int``, ``literal[...]``)."""
    return "-" in part or "[" in part or part in ("int", "float", "str", "bool")
