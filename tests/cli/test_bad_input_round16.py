"""Session 27's bad-input audit (round 16): each input below ended in an "internal error", a
stray stderr line or a row read as something else; now one line, exit 2 (or read as meant).

The commands run in-process (the `cli` fixture) against a URL nothing listens on (127.0.0.1:9,
never contacted: each input is refused before any request), but the one line only a process
shows (FFmpeg's own stderr)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.cli import InProcess, one_line_error, run_cli

from harness.errors import ConfigError, SpecError

NOWHERE = "http://127.0.0.1:9"
CREDENTIALS = {
    "FACEHARNESS_TOKEN": "t",
    "FACEHARNESS_JD_APPKEY": "k",
    "FACEHARNESS_JD_SECRETKEY": "s",
}
REPLAY = Path(__file__).parents[1] / "conformance" / "replay_files" / "rule-FH-M01.json"


@pytest.mark.parametrize(
    "args",
    [
        ["conform", "--api", "match", "--timeout", "1e300"],
        ["conform", "--api", "match", "--max-seconds", "1e300"],
        ["fuzz", "--api", "match", "--timeout", "1e300"],
        ["accuracy", "--api", "match", "--timeout", "1e300"],
        ["load", "run", "--users", "1", "--timeout", "1e300"],
    ],
)
def test_a_time_no_timer_can_hold_is_refused_before_traffic(
    cli: InProcess, tmp_path: Path, args: list[str]
) -> None:
    """``--timeout 1e300`` (finite, positive) reached the lock and timer waits underneath:
    conform, fuzz and accuracy ended in "internal error: OverflowError: timestamp out of range
    for platform time_t" (a thread's traceback first), load in "produced no results"."""
    done = cli(*args, "--target", NOWHERE, "--out", str(tmp_path / "run"), env=CREDENTIALS)
    one_line_error(done, "1e+300: expected a positive number of seconds, at most 604800")
    assert not (tmp_path / "run").exists()


def test_a_gate_stage_limit_past_a_week_is_a_policy_error(tmp_path: Path) -> None:
    """``[gate.run] stage_timeout_s = 1e300`` crashed each stage alike; with the options bounded
    it became a stage error naming a ``--max-seconds 8e+299`` nobody gave."""
    from harness.config import read_config

    path = tmp_path / "policy.toml"
    path.write_text("[gate.run]\nstage_timeout_s = 1e300\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="run.stage_timeout_s: Input should be less than or eq"):
        read_config(path, "policy")


def test_a_config_nested_past_the_parser_is_not_toml(tmp_path: Path) -> None:
    """Arrays or inline tables 500 deep: "internal error: RecursionError" (tomllib recurses)."""
    from harness.config import read_config

    arrays, tables = "x = " + "[" * 500 + "]" * 500, "t = " + "{a=" * 400 + "1" + "}" * 400
    for text in (arrays, "[credentials]\n" + tables):
        path = tmp_path / "c.toml"
        path.write_text(text + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="c.toml is not valid TOML: nested too deeply"):
            read_config(path)


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("api: {x: 1}", "api/where {'x': 1}/None is not a known place"),  # TypeError
        ("errata: [E-014]", "errata ['E-014'] is not a string"),  # TypeError: unhashable
        ("variants: 7", "variants 7 is not a list of strings"),  # TypeError: not iterable
        ("code: null", "code None is not an integer or a string"),  # was the code "None"
        ("code: [1, 2]", "code [1, 2] is not an integer or a string"),  # was "[1, 2]"
        ("code: 10x1", "code '10x1' is not an integer (match errcode codes are numbers)"),
        ("retryable: maybe", "retryable 'maybe' is not true or false"),  # was true
        ("zh: [a]", "zh ['a'] is not a string"),  # was the text "['a']"
        # session 28: errcode 0 made an error (every success a refusal, every verdict turned)
        (
            "code: 0",
            "match errcode 0 is documented as success (success); a team's table may "
            "word it, not make it input",
        ),
        (
            "code: '10000', api: jd, where: gateway",
            "jd gateway 10000 is documented as success "
            "(success); a team's table may word it, not make it input",
        ),
    ],
)
def test_a_code_row_of_the_wrong_types_is_named(tmp_path: Path, row: str, said: str) -> None:
    """A team's ``--codes`` row: a mapping, list or null where a value is expected ended the
    command in "internal error: TypeError", or was read as its Python text (a code "None",
    which `Code.value` could not turn into the errcode it is)."""
    from harness.contract import load_contract

    path = tmp_path / "codes.yaml"
    fields = {"code": "1001", "category": "input", "en": "x"}
    key = row.split(":")[0]
    text = ", ".join(f"{k}: {v}" for k, v in fields.items() if k != key)
    path.write_text(f"codes:\n  - {{{text}, {row}}}\n", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_contract(codes=path)
    assert (
        str(err.value) == f"--codes {path}: " + ("" if "documented" in said else "entry 1: ") + said
    )


def test_a_code_twice_in_a_teams_table_names_that_table(cli: InProcess, tmp_path: Path) -> None:
    """ "codes.yaml: code 1001 appears twice": the user's file had it twice, codes.yaml never."""
    path = tmp_path / "mine.yaml"
    path.write_text("codes:\n" + "  - {code: 1001, category: input, en: x}\n" * 2, "utf-8")
    done = cli("conform", "--target", NOWHERE, "--codes", str(path), "--out", str(tmp_path / "r"),
               env={**CREDENTIALS, "FACEHARNESS_CODES": ""})  # fmt: skip
    one_line_error(done, f"--codes {path}: code 1001 appears twice for match errcode")


def test_a_replay_timeout_no_timer_holds_is_read_as_none_recorded(tmp_path: Path) -> None:
    """A replay file's ``timeout_s: 1e308`` ended ``replay`` in "internal error: OverflowError"."""
    from harness.findings import read_replay

    data = json.loads(REPLAY.read_text(encoding="utf-8"))
    for timeout, read in ((1e308, None), (float("inf"), None), (-1, None), (7.5, 7.5)):
        data["check"]["timeout_s"] = timeout
        path = tmp_path / "F-001.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        assert read_replay(path).timeout_s == read, timeout


def test_a_corrupt_mp4_leaves_the_commands_lines_alone(tmp_path: Path) -> None:
    """The embedded emulator refused a corrupt mp4 (40005), and FFmpeg under OpenCV wrote its own
    "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x...] moov atom not found" on stderr first."""
    from harness.faces import builtin_images

    image = tmp_path / "a.jpg"
    image.write_bytes(builtin_images()[0].data)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 5000)
    done = run_cli("call", "match", "--image", str(image), "--face", str(video), "--video",
                   "--engine", "fast", clean=True)  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("40005: "), done.stderr


def test_a_replay_of_a_rule_this_faceharness_lacks_names_the_rule(
    cli: InProcess, tmp_path: Path
) -> None:
    """A finding of a rule since renamed was judged as a schemathesis check of its name: "replay
    file names check 'envelope-consistent', which this schemathesis does not have", after the
    target was started and reached; the rule id never said."""
    data = json.loads(REPLAY.read_text(encoding="utf-8"))
    data["check"]["rule_id"] = "FH-Z99"
    path = tmp_path / "F-002.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = cli("replay", str(path), "--target", NOWHERE, env=CREDENTIALS)
    one_line_error(done, "F-002: replay file names rule FH-Z99 (envelope-consistent), which this")
