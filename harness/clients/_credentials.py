"""Credentials: from the environment or a TOML file, never from the command line, never printed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ConfigError
from harness.tomlfile import config_table, read_toml

ENV_TOKEN = "FACEHARNESS_TOKEN"
ENV_JD_APPKEY = "FACEHARNESS_JD_APPKEY"
ENV_JD_SECRETKEY = "FACEHARNESS_JD_SECRETKEY"

# Demo credentials shared by the emulator and the clients when nothing is configured (README).
DEMO_TOKEN = "faceharness-demo-token"
DEMO_JD_APPKEY = "faceharnessdemoappkey"
DEMO_JD_SECRETKEY = "faceharness-demo-secretkey"


@dataclass(frozen=True)
class Credentials:
    token: str | None = field(default=None, repr=False)
    jd_appkey: str | None = field(default=None, repr=False)
    jd_secretkey: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # secrets never reach a log through repr
        return "Credentials(token=***, jd_appkey=***, jd_secretkey=***)"

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


DEMO = Credentials(token=DEMO_TOKEN, jd_appkey=DEMO_JD_APPKEY, jd_secretkey=DEMO_JD_SECRETKEY)


def load_credentials(config: Path | None = None, *, demo_defaults: bool = False) -> Credentials:
    """Environment first, then `[credentials]` of a TOML file, then (emulator only) the demo ones."""
    from_file: dict[str, str] = {}
    if config is not None:
        from_file = _read_file(config)
    env = os.environ

    def pick(env_name: str, key: str, demo: str) -> str | None:
        value = env.get(env_name) or from_file.get(key)
        return value or (demo if demo_defaults else None)

    return Credentials(
        token=pick(ENV_TOKEN, "token", DEMO_TOKEN),
        jd_appkey=pick(ENV_JD_APPKEY, "jd_appkey", DEMO_JD_APPKEY),
        jd_secretkey=pick(ENV_JD_SECRETKEY, "jd_secretkey", DEMO_JD_SECRETKEY),
    )


_KEYS = ("token", "jd_appkey", "jd_secretkey")


def _read_file(path: Path) -> dict[str, str]:
    section = config_table(read_toml(path), "credentials", _KEYS, path)
    out: dict[str, str] = {}
    for key in _KEYS:
        if key in section:
            if not isinstance(section[key], str) or not section[key]:
                raise ConfigError(f"config {path}: credentials.{key} must be a non-empty string")
            out[key] = section[key]
    return out
