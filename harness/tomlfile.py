"""Reading the harness's TOML files: one-line errors, and no key ignored silently.

Every reader of a config table (``[credentials]``, ``[conformance]``, the emulator's keys,
``gate.toml``) refuses an unknown key with one line and the closest known one, so a typo
("tokn") never quietly turns into "no token configured".
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.errors import ConfigError


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def read_toml(path: Path, what: str = "config") -> dict[str, Any]:
    """The parsed file; missing, unreadable or invalid TOML is a one-line :class:`ConfigError`
    naming ``what`` the file is (a config, a policy)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None


def config_table(
    data: Mapping[str, Any], name: str, known: Iterable[str], source: object
) -> dict[str, Any]:
    """The ``[name]`` table of ``data`` (empty when absent), every key in it one of ``known``.

    A top-level table whose name is a near miss of ``name`` ("[credential]") is refused too:
    otherwise the table the user meant is silently absent.
    """
    if name not in data:
        for key, value in data.items():
            if isinstance(value, dict) and difflib.get_close_matches(key, [name], n=1, cutoff=0.8):
                raise ConfigError(f"config {source}: unknown table [{key}]; did you mean {name!r}?")
        return {}
    section = data[name]
    if not isinstance(section, dict):
        raise ConfigError(f"config {source}: [{name}] must be a table")
    choices = sorted(known)
    for key in section:
        if key not in choices:
            hint = did_you_mean(key, choices) or f"; expected one of {', '.join(choices)}"
            raise ConfigError(f"config {source}: {name}.{key} is not a known key{hint}")
    return dict(section)
