"""Every command's --help as a user reads it: every word there, every option described, exit codes.

The whole typer app is walked, so a command or option added later is held to the same rules.
"""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
import typer.main
from fixtures.cli import run_cli
from typer.testing import CliRunner

from harness.cli import app

ROOT = typer.main.get_command(app)


def _walk(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


COMMANDS = list(_walk(ROOT))
LEAVES = [(path, cmd) for path, cmd in COMMANDS if not hasattr(cmd, "commands")]


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(
        app, [*path, "--help"], prog_name="faceharness", env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def _flat(text: str) -> str:
    """One line; a word click wrapped at its hyphen ("--allow-⏎costly-load") joined again."""
    return re.sub(r"(\w)- (?=\w)", r"\1-", " ".join(text.split()))


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in LEAVES}
    assert {
        "conform",
        "fuzz",
        "gate",
        "replay",
        "report",
        "accuracy",
        "emulate",
        "codes",
        "specs validate",
        "call idno",
        "load run",
        "load find-limit",
    } <= names


@pytest.mark.parametrize(
    "path, command", COMMANDS, ids=[" ".join(p) or "faceharness" for p, _ in COMMANDS]
)
def test_help_renders_every_word_and_the_exit_codes(path, command):
    shown = _flat(_help(path))
    for param in command.params:
        text = getattr(param, "help", None)
        if text and not getattr(param, "hidden", False):
            assert _flat(text) in shown, f"{' '.join(path)} {param.opts}: help text lost words"
    for line in ("Exit codes:", "0 pass", "1 findings", "2 could not run", "130 interrupted"):
        assert line in shown, f"{' '.join(path)} --help: no {line!r}"


def test_bracketed_words_survive_in_every_config_option():
    """The regression: console markup swallowed "[credentials]" ("TOML with  (never put
    secrets")."""
    seen = 0
    for path, command in LEAVES:
        for param in command.params:
            if "--config" in param.opts and "[credentials]" in (param.help or ""):
                seen += 1
                shown = _flat(_help(path))
                assert "[credentials]" in shown and "with  (" not in shown, " ".join(path)
    assert seen >= 8


def _entries(help_text: str) -> dict[str, str]:
    """Each option's entry in the Options list (its lines up to the next option), flattened."""
    entries: dict[str, str] = {}
    current: str | None = None
    for line in help_text.splitlines():
        start = re.match(r"^  (--[\w-]+)", line)
        if start:
            current = start.group(1)
            entries[current] = ""
        elif not line.startswith("   "):
            current = None
        if current is not None:
            entries[current] = _flat(entries[current] + " " + line)
    return entries


@pytest.mark.parametrize("path, command", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_option_is_described_and_shows_its_default(path, command):
    entries = _entries(_help(path))
    for param in command.params:
        if getattr(param, "hidden", False):  # a deprecated alias is deliberately not listed
            continue
        name = f"{' '.join(path)} {'/'.join(param.opts)}"
        assert (getattr(param, "help", None) or "").strip(), f"{name}: no help text"
        if param.param_type_name == "argument":
            continue
        entry = entries[param.opts[0]]
        assert _flat(param.help) in entry, f"{name}: {entry!r}"
        if (
            param.required or param.default is None or param.default is False
        ):  # 0 is a default to show
            continue
        assert "[default: " in entry, f"{name}: default not shown: {entry!r}"


@pytest.mark.parametrize(
    "path, option",
    [
        (("emulate",), "--engine"),
        (("emulate",), "--qps"),
        (("conform",), "--examples"),
        (("fuzz",), "--max-examples"),
        (("gate",), "--engine"),
        (("gate",), "--policy"),
        (("gate",), "--faces"),
        (("accuracy",), "--max-pairs"),
        (("load", "run"), "--qps"),
        (("load", "run"), "--weights"),
    ],
)
def test_options_without_a_fixed_default_say_what_happens_when_omitted(path, option):
    command = dict(LEAVES)[path]
    param = next(p for p in command.params if option in p.opts)
    assert param.default is None
    assert "default" in param.help, (
        f"{' '.join(path)} {option}: {param.help!r} does not say its default"
    )


def test_stated_defaults_are_the_library_defaults():
    from harness.conformance import DEFAULT_EXAMPLES
    from harness.fuzz import DEFAULT_MAX_EXAMPLES
    from harness.loadgen.scenarios import DEFAULT_WEIGHTS

    assert f"(default {DEFAULT_EXAMPLES})" in _flat(_help(("conform",)))
    assert f"(default {DEFAULT_MAX_EXAMPLES})" in _flat(_help(("fuzz",)))
    assert f"(default: {DEFAULT_WEIGHTS})" in _flat(_help(("load", "run")))


def test_replay_help_names_both_suites_it_replays():
    shown = _flat(_help(("replay",)))
    assert "conformance or fuzz" in shown


def test_version_in_a_real_process():
    r = run_cli("--version", timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"faceharness {version('faceharness')}"
    assert r.stderr == ""


@pytest.mark.parametrize("args", [[], ["load"], ["call"]], ids=["faceharness", "load", "call"])
def test_a_group_without_a_command_prints_its_help_as_laid_out(args):
    r = run_cli(*args, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert (
        lines[0].startswith("Usage: faceharness")
        and "Commands:" in lines
        and "Exit codes:" in r.stderr
    ), r.stderr
