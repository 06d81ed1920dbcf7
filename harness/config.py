"""One TOML config for every command, validated once; an unknown key (a typo) is refused."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from harness.errors import ConfigError

if TYPE_CHECKING:
    from harness.emulator import EmulatorSettings
    from harness.gate import Policy

ENV_TOKEN = "FACEHARNESS_TOKEN"
ENV_JD_APPKEY = "FACEHARNESS_JD_APPKEY"
ENV_JD_SECRETKEY = "FACEHARNESS_JD_SECRETKEY"

# Demo credentials shared by the emulator and the clients when nothing is configured (README).
DEMO_TOKEN = "faceharness-demo-token"
DEMO_JD_APPKEY = "faceharnessdemoappkey"
DEMO_JD_SECRETKEY = "faceharness-demo-secretkey"
# The emulator's demo identity (its /idno registry): here, not in harness.emulator, so a load
# process sends matchIdno without importing the emulator (cv2, uvicorn: ~0.3 CPU s each process).
DEMO_ID_NUM = "11010519491231002X"
DEMO_NAME = "张三"

SECTIONS = ("credentials", "conformance", "codes", "emulator", "gate")
# Where a value may be a secret: an error names the key, never the value.
_SECRET_KEYS = frozenset({"credentials", "tokens", "appkeys", "token", "secretkey", "jd_secretkey"})

M = TypeVar("M", bound=BaseModel)


class Section(BaseModel):
    """TOML has types: a string where a number belongs is a mistake, not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Credentials(Section):
    """``repr`` and ``str`` show no field (``repr=False``): secrets never reach a log."""

    token: str | None = Field(default=None, min_length=1, repr=False)
    jd_appkey: str | None = Field(default=None, min_length=1, repr=False)
    jd_secretkey: str | None = Field(default=None, min_length=1, repr=False)

    @field_validator("token", "jd_appkey", "jd_secretkey")
    @classmethod
    def _usable(cls, value: str | None, info: ValidationInfo) -> str | None:
        check = unhashable if info.field_name == "jd_secretkey" else uncarriable
        if value is not None and (why := check(value)):
            raise ValueError(why)
        return value

    def secrets(self) -> list[str]:
        """Values a report writer must redact."""
        return [s for s in (self.token, self.jd_appkey, self.jd_secretkey) if s]

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(f"no token: set {ENV_TOKEN} or 'token' in the config file")
        return self.token

    def require_jd(self) -> tuple[str, str]:
        if not self.jd_appkey or not self.jd_secretkey:
            raise ConfigError(
                f"no JD credentials: set {ENV_JD_APPKEY} and {ENV_JD_SECRETKEY} "
                "or jd_appkey/jd_secretkey under [credentials] in the config file"
            )
        return self.jd_appkey, self.jd_secretkey


def uncarriable(value: str) -> str | None:
    """Why a credential cannot be sent as it is (None: it can). A token travels in a header, an
    appkey in the query: a line break or a non-ASCII character there failed in the HTTP library,
    whose error quoted the value (the secret on stderr), and a space at an end is a copying slip
    no service's key has."""
    if not value.isascii() or not value.isprintable():
        return "expected printable ASCII (no line break, tab or other control character)"
    return unhashable(value)


def unhashable(value: str) -> str | None:
    """Why a secretkey cannot be right (None: it may be). Never sent (it feeds the MD5, as
    UTF-8): any character may be a secret's but a control character (a line break kept from a
    file) or a space at an end (a copying slip)."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        return "expected no line break, tab or other control character"
    if value != value.strip():
        return "begins or ends with a space"
    return None


def not_an_id_number(value: str) -> str | None:
    """Why ``value`` is no GB 11643-1999 ID number (None: it is one), the emulator's check."""
    from harness.emulator._validation import valid_id_number  # only when one is configured

    if valid_id_number(value):
        return None
    return (
        "not a GB 11643-1999 ID number (17 digits, then the ISO 7064 MOD 11-2 check character, "
        "0-9 or X)"
    )


def not_a_registered_id_number(value: str) -> str | None:
    """Why ``value`` cannot be an identity a live registry knows (None: it may be): neither a
    GB 11643-1999 number nor a 15-digit first-generation one (GB 11643-1989, no check
    character; a registry may still hold one: session 26 review)."""
    if len(value) == 15 and value.isascii() and value.isdigit():
        return None
    why = not_an_id_number(value)
    return f"{why} nor a 15-digit one" if why else None


DEMO = Credentials(token=DEMO_TOKEN, jd_appkey=DEMO_JD_APPKEY, jd_secretkey=DEMO_JD_SECRETKEY)


class ConformanceSettings(Section):
    id_num: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1)
    max_response_time_ms: PositiveFloat | None = None
    jd_qps: PositiveFloat | None = None
    match_qps: PositiveFloat | None = None
    include_extensions: bool = False

    @model_validator(mode="after")
    def _identity_whole(self) -> ConformanceSettings:
        if (self.id_num is None) != (self.name is None):
            raise ValueError("id_num and name go together")
        return self

    @property
    def identity(self) -> tuple[str, str] | None:
        return (self.id_num, self.name) if self.id_num and self.name else None

    def check_identity(self) -> None:
        """The probes of the match API's /idno send this identity as one the registry knows
        (accepted): a number failing GB 11643's check is refused under every reading (E-009),
        which filed seed findings. Checked by the runs that send it alone (a JD-only run's config
        may carry another API's settings)."""
        if self.id_num is not None and (why := not_a_registered_id_number(self.id_num)):
            raise ConfigError(f"conformance.id_num: {why}")

    @property
    def qps(self) -> tuple[tuple[str, float], ...]:
        """The contracted QPS per API, for the throttling probe."""
        pairs = (("jd", self.jd_qps), ("match", self.match_qps))
        return tuple((api, qps) for api, qps in pairs if qps is not None)


class _Codes(Section):
    file: str = Field(min_length=1)


class _Sections(Section):
    credentials: Credentials = Credentials()
    conformance: ConformanceSettings = ConformanceSettings()
    codes: _Codes | None = None


@dataclass(frozen=True)
class HarnessConfig:
    source: str = "no config file"
    credentials: Credentials = Credentials()
    conformance: ConformanceSettings = ConformanceSettings()
    codes: Path | None = None  # [codes] file, resolved beside the config file
    emulator: EmulatorSettings | None = None  # None: no emulator keys (the defaults)
    gate: Policy | None = None  # None: no [gate] (the default policy, or --policy)


def read_config(path: Path | str | None, what: str = "config") -> HarnessConfig:
    """``path`` read and validated, or a one-line ConfigError. ``what="policy"``: a ``--policy``
    file, whose tables are the gate section unless it has a ``[gate]`` table."""
    if path is None:
        return HarnessConfig()
    path = Path(path)
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM a Windows editor wrote
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None
    except RecursionError:  # arrays or inline tables nested hundreds deep: tomllib recurses
        raise ConfigError(f"{what} {path} is not valid TOML: nested too deeply") from None
    gate_prefix = "gate."
    if what == "policy" and "gate" not in data:
        data, gate_prefix = {"gate": data}, ""
    top = {k: v for k, v in data.items() if k not in SECTIONS}  # the emulator's keys, old style
    emulator: Any = data.get("emulator")
    prefix = "emulator."
    if top or emulator is not None:
        from harness.emulator import EmulatorSettings
    if top:
        known = [*SECTIONS, *EmulatorSettings.model_fields]
        for key, value in top.items():
            if key not in known:
                raise ConfigError(f"{source}: {_unknown(key, value)}{_hint(key, known)}")
        if emulator is not None:
            raise ConfigError(
                f"{source}: emulator keys at the top and an [emulator] table; keep one"
            )
        emulator, prefix = top, ""
    sections = validate(
        _Sections, {k: data[k] for k in _Sections.model_fields if k in data}, source
    )
    settings = None
    if emulator is not None:
        table = _table(emulator, "emulator", source)
        settings = validate(EmulatorSettings, table, source, prefix, from_file=True)
        for i, person in enumerate(settings.registry):
            # read when /idno first needs it: a missing one answered every request 50000
            if person.photo and not Path(person.photo).is_file():
                raise ConfigError(
                    f"{source}: {prefix}registry[{i}].photo: {person.photo}: no such file "
                    f"(a path from the working directory {Path.cwd()})"
                )
    gate = None
    if "gate" in data:
        from harness.gate import parse_policy

        gate = parse_policy(_table(data["gate"], "gate", source), source, gate_prefix)
    return HarnessConfig(
        source=source,
        credentials=sections.credentials,
        conformance=sections.conformance,
        codes=(path.parent / sections.codes.file).resolve() if sections.codes else None,
        emulator=settings,
        gate=gate,
    )


def load_credentials(config: Path | None = None, *, demo_defaults: bool = False) -> Credentials:
    """Environment first, then the config's ``[credentials]``, then (emulator) the demo ones."""
    given, fallback = read_config(config).credentials, DEMO if demo_defaults else Credentials()
    env = {"token": ENV_TOKEN, "jd_appkey": ENV_JD_APPKEY, "jd_secretkey": ENV_JD_SECRETKEY}
    for var in env.values():  # named by the variable, never by its value (a secret)
        if (value := os.environ.get(var)) and (why := uncarriable(value)):
            raise ConfigError(f"{var}: {why} (its value is not shown)")
    return Credentials(
        **{
            k: os.environ.get(v) or getattr(given, k) or getattr(fallback, k)
            for k, v in env.items()
        }
    )


def validate(
    model: type[M], data: Any, source: str, prefix: str = "", *, from_file: bool = False
) -> M:
    """``data`` as ``model``, or the first mistake as a one-line :class:`ConfigError`
    (``from_file``: every value is the file's, named by its key, never by an option's name)."""
    try:
        return model.model_validate(data, context={"by_key": from_file})
    except ValidationError as exc:
        raise ConfigError(one_line(exc, source, model, prefix)) from None


def one_line(exc: ValidationError, source: str, model: type[BaseModel], prefix: str = "") -> str:
    """The first error of ``exc`` as ``source: where (value): what``."""
    first = exc.errors()[0]
    kind = first["type"]  # an unknown key is the user's own spelling, tag-like or not
    loc = [p for p in first["loc"] if kind == "extra_forbidden" or not _pydantic_tag(p)]
    where = prefix + ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc)
    where = where.replace(".[", "[")
    value = first.get("input")
    if kind == "extra_forbidden":  # a typo must not read as "Extra inputs are not permitted"
        known = _known_keys(model, loc[:-1])
        return f"{source}: {_unknown(where, value)}{_hint(str(loc[-1]), known)}"
    if kind in ("model_type", "dict_type"):
        return f"{source}: {where} must be a table: [{where}]"
    if kind in ("list_type", "tuple_type") and _known_keys(model, loc):
        return f"{source}: {where} must be an array of tables: [[{where}]]"
    msg = str(first["msg"]).removeprefix("Value error, ")
    if kind in ("float_parsing", "float_type", "int_type", "int_parsing"):
        msg = "expected a number"
    secret = _SECRET_KEYS.intersection(str(p) for p in loc)
    shown = "" if isinstance(value, dict) or value is None or secret else f" ({value!r})"
    return f"{source}: {where or '(top level)'}{shown}: {msg}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown(where: str, value: Any) -> str:
    return f"unknown table [{where}]" if isinstance(value, dict) else f"{where} is not a known key"


def _hint(word: str, known: Iterable[str]) -> str:
    choices = sorted(known)
    return did_you_mean(word, choices) or f"; expected one of {', '.join(choices)}"


def _table(value: Any, name: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {name} must be a table: [{name}]")
    return value


def _known_keys(model: type[BaseModel], loc: Iterable[Any]) -> list[str]:
    """The keys allowed where ``loc`` points (nested tables and arrays of tables followed)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        annotation = field.annotation if field is not None else None
        args = (annotation, *get_args(annotation))
        current = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    return [name for name, field in current.model_fields.items() if not field.exclude]


def _pydantic_tag(part: object) -> bool:
    """Union branch names pydantic puts in a location; an erratum id (``E-011``) is a key."""
    return isinstance(part, str) and bool(
        re.fullmatch(r"[a-z]+(-[a-z]+)+|[\w-]+\[.*\]|int|float|str|bool", part)
    )
