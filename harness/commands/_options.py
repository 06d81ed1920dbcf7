"""What the commands share: option checks, the Typer apps' settings and the exit-code epilog."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from harness.errors import UsageError


def given_path(value: str, flag: str, expected: str = "a file or folder") -> Path:
    """A file or folder option's path: the empty one (``--faces "$UNSET"``, ``--out "$UNSET"``)
    is refused, where ``Path("")`` is ``.`` and a command took the working directory for its
    faces or config, or wrote its reports, findings/ and caches there."""
    if not value.strip():
        raise typer.BadParameter(f"empty path; expected {expected}", param_hint=f"'{flag}'")
    return Path(value)


def path_option(flag: str, help: str, expected: str = "a file or folder", **more: Any) -> Any:
    """Every file or folder option (``--config``, ``--faces``, ``--out``): never the empty path."""
    parse = lambda v: given_path(v, flag, expected)  # noqa: E731
    return typer.Option(flag, help=help, parser=parse, metavar="<path>", **more)


def path_argument(metavar: str, help: str, **more: Any) -> Any:
    """A file or folder argument (``replay FINDING``, ``report RUN``): never the empty path."""
    parse = lambda v: given_path(v, metavar)  # noqa: E731
    return typer.Argument(metavar=metavar, help=help, parser=parse, **more)


# Options that mean the same in every command that has them, declared once.
Target = Annotated[str, typer.Option("--target", help="'emulator' or the service's base URL")]
Api = Annotated[str, typer.Option("--api", help="match, jd or all")]
Config = Annotated[
    Path | None,
    path_option("--config", "TOML with [credentials] (never put secrets on the command line)"),
]
FastEngine = Annotated[
    str | None,
    typer.Option("--engine", help="emulator face engine: fast (default, not biometric) or dlib"),
]
Seed = Annotated[
    int | None, typer.Option("--seed", help="generation seed (default: random, reported)")
]
MaxRps = Annotated[  # conform and fuzz (load's live ceiling is 20, accuracy's 2: their own)
    float | None,
    typer.Option(
        "--max-rps", help="requests per second; 0: unlimited (URL default 5, emulator unlimited)"
    ),
]
RequestTimeout = Annotated[
    float,
    typer.Option("--timeout", help="seconds a request may take before it is reported unanswered"),
]
Breaks = Annotated[
    list[str] | None,
    typer.Option(
        "--break",
        help="emulator only: violate one documented rule (faceharness emulate --list-breaks)",
    ),
]
Codes = Annotated[
    Path | None,
    path_option(
        "--codes",
        "YAML table of your service's own codes, merged over specs/codes.yaml (docs/readings.md)",
    ),
]
Readings = Annotated[
    list[str] | None,
    typer.Option(
        "--reading",
        help="emulator only: serve another reading, e.g. E-011=alternative (specs/readings.yaml)",
    ),
]


def _worded(flag: str) -> Callable[[str], Any]:
    """An option every suite command has, in its own words: what it does there and its default."""
    return lambda help: typer.Option(flag, help=help)


MaxRequests, MaxSeconds = map(_worded, ("--max-requests", "--max-seconds"))
Faces, ConfigFile = partial(path_option, "--faces"), partial(path_option, "--config")
OutDir = partial(path_option, "--out", expected="a directory for the run's reports")

# Shown under every command's --help (cli.py adds it to each command, once, in one place).
# "\b" keeps click from re-flowing the lines.
EXIT_CODES = """\b
Exit codes:
  0    pass
  1    findings, or a failed gate or criterion (call: a non-success code; replay: still failing)
  2    could not run: bad option, config, spec or input; unreachable target; rejected credentials
  130  interrupted (Ctrl-C or SIGTERM)"""


def typer_app(**settings: Any) -> typer.Typer:
    """A Typer app or group as every command needs it; help is plain text, not rich markup,
    which made "[credentials]" (any bracketed word) vanish from the help."""
    return typer.Typer(
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        epilog=EXIT_CODES,
        **settings,
    )


F = TypeVar("F", bound=Callable[..., Any])  # a decorated command (load's option lists)


def add_exit_codes(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its groups) the exit-code epilog."""
    for command in app.registered_commands:
        if command.epilog is None:
            command.epilog = EXIT_CODES
    for group in app.registered_groups:
        if group.typer_instance is not None:
            add_exit_codes(group.typer_instance)


def use_codes(codes: Path | None, config: Path | None = None) -> None:
    """``--codes FILE`` (or ``[codes] file``) over codes.yaml for this process and its children."""
    import os

    from harness.config import read_config
    from harness.contract import load_contract
    from harness.contract._contract import ENV_CODES

    codes = codes or read_config(config).codes
    if codes is None:
        return
    if not codes.is_file():
        raise UsageError(f"--codes {codes}: {'a directory' if codes.is_dir() else 'no such file'}")
    os.environ[ENV_CODES] = str(codes.resolve())
    load_contract()  # a malformed table is one line now, before any traffic


def emulator_only(target: str, **options: object) -> None:
    """Options that shape the embedded emulator (``break_=...``, ``engine=...``) are refused with
    a URL target: a live service cannot be broken, switched or told how to read its documents."""
    given = [name.rstrip("_") for name, value in options.items() if value]
    if target != "emulator" and given:
        raise UsageError(
            f"--{given[0]} applies to --target emulator only (a live service cannot be broken, "
            "switched or told how to read its documents)"
        )


def check_breaks(breaks: tuple[str, ...]) -> None:
    """``--break`` names, before any work: each a break mode, or the one meant."""
    from harness.config import did_you_mean
    from harness.emulator import BREAKS

    for name in breaks:
        if name not in BREAKS:
            raise UsageError(
                f"--break {name!r} is not a break mode"
                + (did_you_mean(name, BREAKS) or "; see faceharness emulate --list-breaks")
            )


def positive_seconds(value: float, option: str = "--timeout") -> float:
    """A duration in seconds that can bound a request: finite, above zero, at most a week (1e300
    overflowed the lock and timer waits underneath: "internal error: OverflowError")."""
    from harness.pacing import MAX_SECONDS

    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise UsageError(
            f"{option} {value:g}: expected a positive number of seconds, at most {MAX_SECONDS}"
        )
    return value


def max_rps(value: float | None) -> float | None:
    """Every command's pacing: requests per second, 0 unlimited, else at least one request a week
    (:func:`harness.pacing.check_max_rps`; None: default)."""
    from harness.pacing import check_max_rps

    return None if value is None else check_max_rps(value)


def check_live_target(
    target: str, config: Path | None, apis: tuple[str, ...], credentials: Any = None
) -> None:
    """A URL target's form and the credentials of every API the run sends to, checked before
    ``--out`` is made: a missing credential is a config mistake (one line, exit 2, nothing
    written), as in ``gate``, not a run that could not reach its target."""
    if target == "emulator":
        return
    from harness.config import load_credentials
    from harness.target import check_url

    check_url(target)
    credentials = credentials or load_credentials(config)
    for api in apis:
        credentials.require_token() if api == "match" else credentials.require_jd()
