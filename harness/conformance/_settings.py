"""Conformance options a config file may add (``[conformance]``), validated once.

```toml
[conformance]
id_num = "11010519491231002X"   # an identity the target's registry knows, for /idno successes
name = "张三"
max_response_time_ms = 5000     # enables schemathesis' max_response_time check
jd_qps = 5                      # the appkey's contracted QPS: enables the throttling probe (needs --max-rps 0)
match_qps = 5
include_extensions = false      # also test asyncResult (an extension, E-013) on URL targets
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.tomlfile import config_table, read_toml

_KEYS = {"id_num", "name", "max_response_time_ms", "jd_qps", "match_qps", "include_extensions"}


@dataclass(frozen=True)
class ConformanceSettings:
    identity: tuple[str, str] | None = None
    max_response_time_ms: float | None = None
    qps: tuple[tuple[str, float], ...] = ()
    include_extensions: bool = False


def read_settings(config: Path | None) -> ConformanceSettings:
    if config is None:
        return ConformanceSettings()
    section = config_table(read_toml(config), "conformance", _KEYS, config)
    identity = None
    if "id_num" in section or "name" in section:
        id_num, name = section.get("id_num"), section.get("name")
        if not isinstance(id_num, str) or not isinstance(name, str) or not id_num or not name:
            raise ConfigError(
                f"config {config}: conformance.id_num and conformance.name go together, as strings"
            )
        identity = (id_num, name)
    qps = tuple(
        (api, _positive(config, f"{api}_qps", section[f"{api}_qps"]))
        for api in ("jd", "match")
        if f"{api}_qps" in section
    )
    limit = section.get("max_response_time_ms")
    include = section.get("include_extensions", False)
    if not isinstance(include, bool):
        raise ConfigError(f"config {config}: conformance.include_extensions must be true or false")
    return ConformanceSettings(
        identity=identity,
        max_response_time_ms=None
        if limit is None
        else _positive(config, "max_response_time_ms", limit),
        qps=qps,
        include_extensions=include,
    )


def _positive(config: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(
            f"config {config}: conformance.{key} -> {value!r} is not a positive number"
        )
    return float(value)
