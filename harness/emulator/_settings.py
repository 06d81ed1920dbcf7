"""Everything the emulator can be told: CLI options, environment and a TOML file, validated once."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from harness.config import DEMO_ID_NUM as DEMO_ID_NUM  # re-exported by harness.emulator
from harness.config import (
    DEMO_JD_APPKEY,
    DEMO_JD_SECRETKEY,
    DEMO_TOKEN,
    load_credentials,
    not_an_id_number,
    read_config,
    validate,
)
from harness.config import DEMO_NAME as DEMO_NAME
from harness.errors import ConfigError, UsageError

from ._misbehaviour import (
    Fault,
    Sampler,
    check_operation,
    no_latency,
    parse_fault,
    parse_latency,
)


# Break modes (`emulate --break RULE`): each violates one documented rule, to prove the checks
class Break(NamedTuple):
    name: str
    api: str
    rule: str


# name, api, then the rule it violates
_TABLE = """
score-out-of-range match score must be a decimal string in 0..100 (E-007)
score-as-number match score is documented as a String (E-007)
success-inconsistent match success must agree with score and the operation's threshold (E-011)
missing-traceno match data.traceNo is required on success
duplicate-traceno match traceNo is unique per request (当前业务的唯一id)
errcode-status-mismatch match errcode 0 <=> data.status SUCCESS <=> result present
wrong-code-bad-token match an invalid token gets errcode 40002, not another code (E-014)
livecode-reusable match a liveCode is single-use (E-014)
lip-without-livecode match LIP mode needs liveCode (E-008)
oversize-500 match over-size data gets errcode 40006, never HTTP 500 (E-012)
wrong-content-type match responses are application/json
accept-expired-timestamp jd a timestamp older than 5 minutes gets gateway 10045 (E-019)
accept-bad-sign jd a wrong sign gets gateway 10047 (E-018)
unknown-code jd every business code is in the code table
msg-mismatch jd a business msg begins with its code's document text (E-027)
thresholds-out-of-order jd e4..e7 run one way: a stricter FAR, a stricter threshold (E-004)
similarity-out-of-range jd similarity is an integer 0..100 (E-005)
jd-score-out-of-range jd score is a similarity in [0, 1] (E-004)
result-inconsistent jd result is true exactly when score reaches the operating threshold (E-004)
serialno-not-echoed jd result.serialNo echoes the request's serialNo
remaintimes-stuck jd remainTimes falls by one per counted call (E-028)
ignore-qps jd above the configured QPS the gateway answers 10043
two-image-sources jd an ImageItem has exactly one of imgBase64/imgArr/imgUrl (E-023)
"""
BREAKS: dict[str, Break] = {
    b.name: b for b in (Break(*line.split(None, 2)) for line in _TABLE.strip().splitlines())
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppKey(_Strict):
    appkey: str = Field(min_length=1)
    secretkey: str = Field(min_length=1, repr=False)
    plan: Literal["free", "paid"] = "free"
    daily_quota: int = Field(default=-1, ge=-1)  # -1: unlimited
    remain_seconds: int = Field(default=-1, ge=-1)
    disabled: bool = False


class Identity(_Strict):
    idNum: str
    name: str
    photo: str | None = None  # path; None: the built-in demo face

    @field_validator("idNum")
    @classmethod
    def _check_id_number(cls, v: str) -> str:
        """/idno refuses a bad check digit before the registry: such an entry could never match."""
        if why := not_an_id_number(v):
            raise ValueError(why)
        return v


class Origins(_Strict):
    fds_base_url: str | None = None  # fds paths are fetched below it (its host must be allowed)
    allow_hosts: tuple[str, ...] = ()  # the only hosts fds/uri may be fetched from
    max_bytes: int = 5 * 1024 * 1024


class Throttle(_Strict):
    qps: float = Field(default=0, ge=0)  # per token / per appkey; 0: off
    cluster_qps: float = Field(default=0, ge=0)  # JD, all appkeys together (10044)
    max_concurrency: int = Field(default=0, ge=0)  # JD business 43010; internal 42900


class EmulatorSettings(_Strict):
    engine: Literal["dlib", "fast"] = "dlib"
    seed: int = 0
    tokens: tuple[Annotated[str, Field(min_length=1)], ...] = (DEMO_TOKEN,)
    appkeys: tuple[AppKey, ...] = (AppKey(appkey=DEMO_JD_APPKEY, secretkey=DEMO_JD_SECRETKEY),)
    registry: tuple[Identity, ...] = (Identity(idNum=DEMO_ID_NUM, name=DEMO_NAME),)
    origins: Origins = Origins()
    throttle: Throttle = Throttle()
    livecode_ttl_s: float = Field(default=120, gt=0)
    async_ttl_s: float = Field(default=600, gt=0)
    max_pixels: int = Field(default=40_000_000, gt=0)
    video_frames: int = Field(default=5, ge=1, le=50)
    latency: dict[str, str] = Field(default_factory=dict)  # operationId or "default" -> spec
    faults: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    readings: dict[str, Literal["default", "alternative"]] = Field(default_factory=dict)

    @field_validator("latency", "faults")
    @classmethod
    def _check_specs(cls, v: Any, info: ValidationInfo) -> Any:
        parse = parse_latency if info.field_name == "latency" else parse_fault
        for key in v if isinstance(v, dict) else ():  # [latency] OPERATION = SPEC
            try:
                check_operation(key, "", "default")
            except UsageError as exc:
                raise ValueError(str(exc)) from None
        for spec in v.values() if isinstance(v, dict) else v:
            try:
                parse(spec)
            except UsageError as exc:
                if not (info.context or {}).get("by_key"):
                    raise  # an option's value: the message names the option
                option = "--latency" if info.field_name == "latency" else "--fault"
                raise ValueError(str(exc).removeprefix(f"{option} {spec!r}: ")) from None
        return v

    @field_validator("breaks")
    @classmethod
    def _check_breaks(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [b for b in v if b not in BREAKS]
        if unknown:
            raise ValueError(
                f"unknown break mode {unknown[0]!r}; see `faceharness emulate --list-breaks`"
            )
        return v

    @field_validator("readings", mode="before")
    @classmethod
    def _check_readings(cls, v: object) -> object:
        """Only readings the emulator can serve (``emulator: true`` in specs/readings.yaml)."""
        from harness.contract import load_contract

        if not isinstance(v, dict):
            return v
        served = {rid: r for rid, r in load_contract().readings.items() if r.emulator}
        out = {}
        for rid, which in v.items():
            if rid not in served:
                raise ValueError(
                    f"reading {rid!r}: the emulator serves {', '.join(sorted(served))}"
                )
            if which == served[rid].default.name:
                which = "default"
            elif any(which == a.name for a in served[rid].alternatives):
                which = "alternative"
            out[rid] = which
        return out

    @functools.cached_property
    def alternatives(self) -> frozenset[str]:
        """The errata whose alternative reading the emulator serves (asked per request)."""
        return frozenset(e for e, which in self.readings.items() if which == "alternative")

    def alternative(self, erratum: str) -> bool:
        return erratum in self.alternatives

    @functools.cached_property
    def lenient(self) -> frozenset[str]:
        """Errata whose limits and formats (``x-reading`` in the specs) it does not enforce."""
        return self.alternatives & {"E-032", "E-043"}

    @functools.cached_property
    def latencies(self) -> dict[str, Sampler]:
        return {op: parse_latency(spec)[1] for op, spec in self.latency.items()}

    def latency_for(self, operation_id: str) -> Sampler:
        return self.latencies.get(operation_id) or self.latencies.get("default") or no_latency

    @functools.cached_property
    def fault_list(self) -> tuple[Fault, ...]:
        """Parsed once (asked per request): settings are frozen, a change replaces them whole."""
        return tuple(parse_fault(s) for s in self.faults)

    @functools.cached_property
    def appkey(self) -> dict[str, AppKey]:
        """The first entry of each appkey (as a walk of ``appkeys`` finds it), by key."""
        return {a.appkey: a for a in reversed(self.appkeys)}


def parse_readings_option(values: list[str] | tuple[str, ...] | None) -> dict[str, str] | None:
    """``--reading E-011=alternative`` (repeatable) as a readings table; None when not given."""
    if not values:
        return None
    out: dict[str, str] = {}
    for value in values:
        erratum, sep, which = value.partition("=")
        if not sep or not erratum.strip() or not which.strip():
            raise ConfigError(
                f"--reading {value!r}: expected ERRATUM=default|alternative, e.g. E-011=alternative"
            )
        out[erratum.strip()] = which.strip()
        try:  # an erratum the emulator cannot serve, or a reading it does not have: refused
            # now, before a suite command writes its --out, not when the emulator starts
            EmulatorSettings.model_validate({"readings": {erratum.strip(): which.strip()}})
        except ValidationError as exc:
            first = exc.errors()[0]
            message = str(first["msg"]).removeprefix("Value error, ")
            if first["type"] == "literal_error":
                message = "expected default, alternative or a reading's name (specs/readings.yaml)"
            message = message.removeprefix(f"reading {erratum.strip()!r}: ")
            raise ConfigError(f"--reading {value!r}: {message}") from None
    return out


def build_settings(config: Path | None = None, **overrides: object) -> EmulatorSettings:
    """The config's emulator keys, then environment credentials, then overrides (None: unset)."""
    base = read_config(config).emulator
    data: dict[str, Any] = base.model_dump(exclude_unset=True) if base is not None else {}
    # the variables that configure the clients configure the emulator too, ahead of the file's
    env = load_credentials()  # no file: the environment's only
    if env.token:
        data["tokens"] = [
            env.token,
            *[t for t in data.get("tokens", [DEMO_TOKEN]) if t != env.token],
        ]
    if env.jd_appkey and env.jd_secretkey:
        keys = data.get("appkeys", [{"appkey": DEMO_JD_APPKEY, "secretkey": DEMO_JD_SECRETKEY}])
        data["appkeys"] = [
            {"appkey": env.jd_appkey, "secretkey": env.jd_secretkey},
            *[k for k in keys if k["appkey"] != env.jd_appkey],
        ]
    for key, value in overrides.items():
        if value is not None and value != ():
            data[key] = value
    return validate(EmulatorSettings, data, str(config) if config else "emulator settings")
