"""Gate profiles: which suites run and with what budgets (``quick`` for CI, ``full`` nightly).

A profile is data, not code: the gate's stages read every number from it, and a policy
file's ``[run]`` table may override any field (e.g. a smaller budget for a slow CI box).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import ConfigError, UsageError
from harness.results import SUITE_NAMES, SuiteName

Engine = Literal["fast", "dlib"]


class Profile(BaseModel):
    """Budgets of one gate run. Every loop a stage runs is bounded by these numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    suites: tuple[SuiteName, ...] = SUITE_NAMES
    seed: int = 0
    engine: Engine = Field(default="fast", description="emulator engine: conformance, fuzz, load")
    accuracy_engine: Engine = Field(default="dlib", description="emulator engine for accuracy")
    request_timeout_s: float = Field(default=10.0, gt=0, le=120, description="client timeout")
    stage_timeout_s: float = Field(default=240.0, gt=0, description="wall time per stage")
    # conformance and fuzz
    conformance_examples: int = Field(default=10, ge=1)
    fuzz_examples: int = Field(default=20, ge=1)
    max_requests: int | None = Field(
        default=None, ge=10, description="per suite, emulator; None: no cap"
    )
    url_max_requests: int | None = Field(
        default=None, ge=10, description="per suite, live target; None: each suite's live default"
    )
    max_rps: float | None = Field(
        default=None, gt=0, description="pacing; None: emulator unpaced, live target suite defaults"
    )
    # load: one open-model run, then (optionally) a limit search
    load_scenario: str = "mixed"
    load_rate_rps: float = Field(default=20.0, gt=0)
    load_duration_s: float = Field(default=4.0, gt=0, le=3600)
    load_slo_p99_ms: float = Field(default=1000.0, gt=0)
    load_max_error_rate: float = Field(default=0.01, ge=0, lt=1)
    limit_search: Literal["auto", "always", "never"] = Field(
        default="auto", description="auto: against the emulator, or when the policy needs a limit"
    )
    limit_scenario: str = "match"
    limit_emulator_qps: float | None = Field(
        default=50.0, ge=0, description="emulator throttle during the search, so it ends fast"
    )
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
        """This profile with a policy's ``[run]`` values; bad values raise one-line ConfigError."""
        if not overrides:
            return self
        unknown = sorted(set(overrides) - set(Profile.model_fields) - {"name"})
        if unknown:
            from harness.config import did_you_mean

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


QUICK = Profile(
    name="quick",
    conformance_examples=10,
    fuzz_examples=40,
    max_requests=2000,
    request_timeout_s=10.0,
    stage_timeout_s=120.0,
    load_rate_rps=20.0,
    load_duration_s=4.0,
    limit_start_rps=20.0,
    limit_max_rps=400.0,
    limit_step_s=2.0,
    limit_warmup_s=0.5,
    limit_max_steps=8,
    limit_time_budget_s=60.0,
    accuracy_engine="dlib",
)
"""CI gate, about three minutes on two cores: small budgets, built-in faces."""

FULL = Profile(
    name="full",
    engine="dlib",
    accuracy_engine="dlib",
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
    """The named profile, or a one-line UsageError listing the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"--profile {name!r}: expected one of {', '.join(PROFILES)}") from None
