"""Every `faceharness` command in README.md and docs/*.md parses against the real CLI.

Each command line of a fenced shell block is parsed by the click command it names (the
same parser `faceharness` runs): an unknown subcommand, an unknown or renamed option, a
missing required option or a value of the wrong type fails here, so the documents cannot
drift from the CLI. Options and commands quoted inline (`--rate`, `faceharness load`) must
exist too. The cheap, side-effect-free documented commands are also run for real.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from harness.cli import app

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_LANGS = {"sh", "bash", "shell", "console"}
ROOT = typer.main.get_command(app)
FENCE = re.compile(r"^```(\S*)\s*$")


def _shell_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, command) of each shell line in fenced sh/bash blocks, continuations joined."""
    found: list[tuple[int, str]] = []
    lang: str | None = None
    pending, start = "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fence = FENCE.match(line.strip())
        if fence:
            lang = None if lang is not None else fence.group(1)
            continue
        if lang not in SHELL_LANGS:
            continue
        if not pending:
            start = number
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        found.append((start, (pending + stripped).strip()))
        pending = ""
    return found


def _faceharness_args(command: str) -> list[str] | None:
    """The arguments after `faceharness` (leading VAR=value assignments skipped), else None."""
    words = shlex.split(command, comments=True)
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        words.pop(0)
    if not words or words[0] != "faceharness":
        return None
    return words[1:]


DOC_COMMANDS = [
    pytest.param(args, id=f"{path.name}:{number}")
    for path in DOCS
    for number, command in _shell_lines(path)
    if (args := _faceharness_args(command)) is not None
]


def _resolve(args: list[str]) -> tuple[Any, list[str], list[str]]:
    """The command an argument list names, its path, and the arguments it gets."""
    command: Any = ROOT
    path: list[str] = []
    rest = list(args)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        sub = command.commands.get(name)  # type: ignore[attr-defined]
        assert sub is not None, (
            f"`faceharness {' '.join([*path, name])}`: no such command "
            f"(have: {', '.join(command.commands)})"
        )  # type: ignore[attr-defined]
        command, path = sub, [*path, name]
    return command, path, rest


def _options(command: Any) -> set[str]:
    return {
        opt
        for param in command.params
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    }


def _all_commands(command: Any = ROOT):
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _all_commands(sub)


def test_the_documents_have_commands_to_check():
    assert len(DOC_COMMANDS) >= 30
    named = {" ".join(_resolve(p.values[0])[1]) for p in DOC_COMMANDS}
    assert {
        "conform",
        "fuzz",
        "load run",
        "load find-limit",
        "accuracy",
        "gate",
        "report",
        "replay",
        "emulate",
        "codes",
        "specs validate",
        "call match",
    } <= named


@pytest.mark.parametrize("args", DOC_COMMANDS)
def test_documented_command_parses(args):
    """The parse `faceharness` itself does: command, options, required ones, value types."""
    command, path, rest = _resolve(args)
    assert not hasattr(command, "commands"), f"`faceharness {' '.join(path)}` needs a subcommand"
    known = _options(command)
    for word in rest:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert option in known, (
                f"`faceharness {' '.join(path)}`: no option {option} (have: {sorted(known)})"
            )
    try:
        command.make_context(" ".join(["faceharness", *path]), list(rest))
    except Exception as exc:  # typer's click: UsageError, BadParameter, MissingParameter, Exit
        if type(exc).__name__ == "Exit" and getattr(exc, "exit_code", 1) == 0:
            return  # an eager option such as --help did its job
        message = exc.format_message() if hasattr(exc, "format_message") else repr(exc)
        pytest.fail(f"`faceharness {' '.join(args)}`: {message}")


def test_every_option_quoted_in_the_documents_exists():
    """An inline `--option` in prose names an option some command has (catches renames); a span
    running another program (`python -m load.capacity_sweep ...`) quotes that program's options."""
    every = set().union(*(_options(c) for c in _all_commands()))
    missing = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for span in re.findall(r"`([^`\n]+)`", text):
            if span.startswith(("python -m load.", "locust ")):
                continue
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", span):
                if option not in every and option not in ("--help",):
                    missing.append(f"{path.name}: {option} (in `{span}`)")
    assert not missing, "options the CLI does not have: " + "; ".join(missing)


def test_every_command_quoted_in_the_documents_exists():
    for path in DOCS:
        for span in re.findall(r"`(faceharness [^`\n]+)`", path.read_text(encoding="utf-8")):
            words = [w for w in span.split()[1:] if not w.isupper()]  # COMMAND is a placeholder
            _resolve(words)


@pytest.mark.parametrize(
    "args",
    [
        ["specs", "validate"],
        ["specs", "show"],
        ["codes", "10047"],
        ["emulate", "--list-breaks"],
    ],
    ids=" ".join,
)
def test_side_effect_free_documented_commands_run(args, cli):
    assert any(p.values[0] == args for p in DOC_COMMANDS), (
        f"`faceharness {' '.join(args)}` is no longer documented"
    )
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() and "Traceback" not in r.stderr


def test_documented_break_mode_count_is_the_real_one():
    from harness.emulator import BREAKS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"the (\d+) break modes", readme)
    assert match, "README no longer counts the break modes"
    assert int(match.group(1)) == len(BREAKS)


def test_documented_code_explanations_are_what_the_command_prints(cli):
    """`faceharness codes N   # what a code means: "..."`: the quoted answer is the real one."""
    checked = 0
    for path in DOCS:
        for _, command in _shell_lines(path):
            found = re.match(r'^faceharness codes (\S+)\s+#.*"([^"]+)"', command)
            if found:
                r = cli("codes", found.group(1))
                assert r.returncode == 0 and found.group(2) in r.stdout, (
                    f"{path.name}: {found.group(2)!r} vs {r.stdout!r}"
                )
                checked += 1
    assert checked


def _toml_blocks() -> list[Any]:
    found = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if line.strip() == "```toml"]
        for start in starts:
            end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "```")
            found.append(pytest.param("\n".join(lines[start + 1 : end]), id=f"{path.name}:{start}"))
    return found


@pytest.mark.parametrize("text", _toml_blocks())
def test_every_documented_toml_block_is_read_as_a_config_or_a_policy(text, tmp_path, monkeypatch):
    """A key renamed or dropped in harness/config.py (or the gate's policy) fails its example."""
    from harness.config import read_config
    from harness.errors import ConfigError

    monkeypatch.chdir(tmp_path)  # the examples' relative photo paths, made to exist
    for photo in re.findall(r'^photo = "([^"]+)"', text, re.M):
        (tmp_path / photo).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / photo).write_bytes(b"")
    path = tmp_path / "example.toml"
    path.write_text(text, encoding="utf-8")
    errors = []
    for what in ("config", "policy"):
        try:
            read_config(path, what)
            return
        except ConfigError as exc:
            errors.append(str(exc))
    pytest.fail(" / ".join(errors))
