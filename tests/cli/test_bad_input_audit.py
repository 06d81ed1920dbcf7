"""Session 26's bad-input audit: each input below ended in an "internal error", a secret on
stderr, a false red or a false "ok"; now one line, exit 2 (or read as meant), nothing sent.

Every command runs in-process (the `cli` fixture) against a URL nothing listens on
(127.0.0.1:9, never contacted: each input is refused before any request)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fixtures.cli import InProcess, one_line_error

from harness.errors import ConfigError, InputError, SpecError, UsageError

NOWHERE = "http://127.0.0.1:9"
SECRET = "tok-S3cret-26"
REPLAY = Path(__file__).parents[1] / "conformance" / "replay_files" / "rule-FH-M01.json"


@pytest.mark.parametrize(
    "token", [f"{SECRET}\n", f"{SECRET}\r\nX-Other: 1", f"{SECRET}é", f" {SECRET}"]
)
def test_a_token_no_header_can_carry_is_refused_by_its_variable_without_its_value(
    cli: InProcess, token: str
) -> None:
    """A token from a file kept its line break (or had a non-ASCII character): httpx refused the
    header with ``LocalProtocolError: Illegal header value b'tok-...\\n'``, the secret on stderr
    (or "internal error: UnicodeEncodeError")."""
    done = cli("call", "livecode", "--target", NOWHERE, env={"FACEHARNESS_TOKEN": token})
    line = one_line_error(done, "FACEHARNESS_TOKEN: ")
    assert SECRET not in done.stderr + done.stdout and "internal error" not in line, line


def test_a_config_token_with_a_line_break_is_named_by_its_key_only(tmp_path: Path) -> None:
    from harness.config import read_config

    path = tmp_path / "c.toml"
    path.write_text(f'[credentials]\ntoken = "{SECRET}\\n"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="credentials.token: expected printable ASCII") as err:
        read_config(path)
    assert SECRET not in str(err.value)


def test_a_conformance_identity_failing_gb11643_is_a_config_error(
    cli: InProcess, tmp_path: Path
) -> None:
    """``[conformance] id_num = "123"`` ran: every probe expecting the identity accepted got
    40004, and the run failed with seed findings (FH-L16, FH-L20, FH-L22...) against a good
    service. The number is refused under every reading (E-009). Session 26 review: refused for
    the runs that send it (the match API's /idno) alone, not a JD-only one; and a 15-digit
    first-generation number (GB 11643-1989) is taken."""
    from harness.config import read_config

    path = tmp_path / "c.toml"
    path.write_text('[conformance]\nid_num = "110105194912310021"\nname = "x"\n', "utf-8")
    env = {"FACEHARNESS_TOKEN": "t", "FACEHARNESS_JD_APPKEY": "k", "FACEHARNESS_JD_SECRETKEY": "s"}
    for api, said in (("match", "conformance.id_num: not a GB 11643-1999 ID number"),
                      ("jd", f"target {NOWHERE}")):  # fmt: skip
        done = cli("conform", "--target", NOWHERE, "--api", api, "--config", str(path),
                   "--out", str(tmp_path / api), env=env)  # fmt: skip
        one_line_error(done, said)
    with pytest.raises(ConfigError, match="conformance.id_num: not a GB 11643-1999 ID number"):
        read_config(path).conformance.check_identity()
    for good in ("11010519491231002X", "110105491231002"):
        path.write_text(f'[conformance]\nid_num = "{good}"\nname = "x"\n', "utf-8")
        settings = read_config(path).conformance
        settings.check_identity()
        assert settings.identity == (good, "x")


@pytest.mark.parametrize(("secret", "refused"), [
    ("密钥-ÄÖ-2024", None),  # never sent: it feeds the MD5 as UTF-8
    ("s3cr3t key", None),
    ("s3cr3t\n", "expected no line break, tab or other control character"),
    (" s3cr3t", "begins or ends with a space"),
])  # fmt: skip
def test_a_jd_secretkey_is_refused_only_for_what_cannot_be_right(
    tmp_path: Path, secret: str, refused: str | None
) -> None:
    """Session 26 review: the secretkey was held to printable ASCII like the values that travel
    in a header or the query; it is never sent (MD5(secretkey+timestamp))."""
    import json

    from harness.config import read_config

    path = tmp_path / "c.toml"
    path.write_text(f"[credentials]\njd_secretkey = {json.dumps(secret)}\n", "utf-8")
    if refused is None:
        assert read_config(path).credentials.jd_secretkey == secret
        return
    with pytest.raises(ConfigError, match=f"credentials.jd_secretkey: {refused}") as err:
        read_config(path)
    assert secret.strip() not in str(err.value)


@pytest.mark.parametrize(("ref", "points"), [
    ("#/paths/~1x/post/parameters/0", True),  # an array's element by its index (RFC 6901)
    ("#/paths/%7E1x/post/parameters/0", True),  # percent-encoded in the URI fragment
    ("#/components/schemas/A%20B", True),
    ("#/paths/~1x/post/parameters/1", False),
    ("#/paths/~1x/post/parameters/00", False),
])  # fmt: skip
def test_a_spec_ref_into_an_array_or_percent_encoded_is_taken(ref: str, points: bool) -> None:
    """Session 26 review: ``_check_refs`` refused JSON pointers every OpenAPI resolver takes."""
    from harness.contract._contract import _check_refs

    raw = {
        "paths": {"/x": {"post": {"parameters": [{"name": "p", "in": "query"}]}}},
        "components": {"schemas": {"A B": {"type": "string"}, "R": {"$ref": ref}}},
    }
    if points:
        _check_refs(raw, "t.yaml")
        return
    with pytest.raises(SpecError, match="points at nothing in the spec"):
        _check_refs(raw, "t.yaml")


def test_a_load_identity_failing_gb11643_is_refused_before_traffic(
    cli: InProcess, tmp_path: Path
) -> None:
    """``FACEHARNESS_ID_NUM=123`` ran: every matchIdno request was counted as the service's
    error (exit 0 with errors, or a failed error-rate criterion)."""
    env = {"FACEHARNESS_TOKEN": "t", "FACEHARNESS_ID_NUM": "123", "FACEHARNESS_ID_NAME": "x"}
    done = cli("load", "run", "--target", NOWHERE, "--scenario", "matchIdno", "--rate", "1",
               "--duration", "1s", "--out", str(tmp_path / "run"), env=env)  # fmt: skip
    line = one_line_error(done, "FACEHARNESS_ID_NUM: not a GB 11643-1999 ID number")
    assert "123" not in line, line


def test_a_load_identity_of_15_digits_is_one_a_registry_may_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Session 26's review: a first-generation (15-digit, GB 11643-1989) number is taken as
    conformance's id_num is; a 17-digit one is neither form."""
    from harness.loadgen.scenarios import ENV_ID_NUM
    from harness.loadgen.suite import _check_identity

    monkeypatch.setenv(ENV_ID_NUM, "110105491231002")
    _check_identity()
    monkeypatch.setenv(ENV_ID_NUM, "11010549123100212")
    with pytest.raises(UsageError, match="nor a 15-digit one"):
        _check_identity()


def test_an_out_name_the_system_refuses_is_one_line(cli: InProcess, tmp_path: Path) -> None:
    """A 300-character folder name: "internal error: OSError: [Errno 36] File name too long"."""
    out = str(tmp_path / ("x" * 300))
    done = cli("conform", "--target", NOWHERE, "--api", "match", "--out", out,
               env={"FACEHARNESS_TOKEN": "t"})  # fmt: skip
    one_line_error(done, "cannot create the directory (File name too long)")


@pytest.mark.parametrize("host", ["a..b", "a" * 64 + ".example", "127.0.0.1 "])
def test_a_host_the_resolver_cannot_look_up_is_a_usage_error(cli: InProcess, host: str) -> None:
    """An empty or 64-character label: "internal error: UnicodeError: encoding with 'idna' codec
    failed"; a blank in it went to DNS as it was."""
    done = cli("call", "livecode", "--target", f"http://{host}:80", env={"FACEHARNESS_TOKEN": "t"})
    line = one_line_error(done, "is not a host name")
    assert "internal error" not in line, line


def test_a_labelled_file_that_is_a_symlink_loop_is_an_input_error(tmp_path: Path) -> None:
    """labels.csv naming a link in a loop: "internal error: RuntimeError: Symlink loop"."""
    from harness.faces import load_images

    (tmp_path / "labels.csv").write_text("file,identity\nloop.jpg,bob\n", encoding="utf-8")
    (tmp_path / "loop.jpg").symlink_to("other.jpg")
    (tmp_path / "other.jpg").symlink_to("loop.jpg")
    with pytest.raises(InputError, match=r"line 2: 'loop.jpg' is a symbolic link loop"):
        load_images(tmp_path)


def test_a_replay_file_nested_past_the_parser_is_not_json_and_a_bom_is_read(
    tmp_path: Path,
) -> None:
    """``[[[...]]]`` 100,000 deep: "internal error: RecursionError"; a file an editor saved
    with a BOM was "not JSON" (RFC 8259 lets a parser ignore it)."""
    from harness.findings import read_replay

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match="is not JSON; expected a faceharness replay file"):
        read_replay(deep)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + REPLAY.read_bytes())
    assert read_replay(bom).rule_id == "FH-M01"


def test_a_summary_nested_past_the_parser_is_an_input_error(cli: InProcess, tmp_path: Path) -> None:
    """`report` and the gate's ``--baseline`` read it: "internal error: RecursionError"."""
    deep = tmp_path / "summary.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    one_line_error(cli("report", str(deep)), "is not a summary: nested too deep to read")


@pytest.mark.parametrize(
    "ref, said",
    [
        ("#/components/schemas/Nope", "points at nothing in the spec"),
        ("other.yaml#/X", "is not a reference inside the spec"),
        ("#/components/schemas/MatchRequest", None),
    ],
)
def test_a_spec_ref_that_resolves_to_nothing_is_a_spec_error(
    tmp_path: Path, ref: str, said: str | None
) -> None:
    """A dangling $ref passed `specs validate` ("ok"), then `specs show` ended in "internal
    error: KeyError" and conform in "no schema named"."""
    from harness.contract import load_contract

    specs = Path(__file__).parents[2] / "specs"
    shutil.copytree(specs, tmp_path / "specs")
    spec = tmp_path / "specs" / "face-match.openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("#/components/schemas/MatchRequest", ref, 1), encoding="utf-8")
    if said is None:
        assert load_contract(tmp_path / "specs").operations
        return
    with pytest.raises(SpecError, match=f"spec face-match.openapi.yaml: \\$ref {ref!r} {said}"):
        load_contract(tmp_path / "specs")


def test_a_spec_ref_cycle_is_named_not_a_recursion_error(tmp_path: Path) -> None:
    from harness.contract import load_contract

    shutil.copytree(Path(__file__).parents[2] / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "face-match.openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    looped = '  schemas:\n    Loop: {$ref: "#/components/schemas/Loop"}\n'
    spec.write_text(text.replace("  schemas:\n", looped, 1), encoding="utf-8")
    with pytest.raises(SpecError, match="refers to itself through \\$refs alone"):
        load_contract(tmp_path / "specs")


@pytest.mark.parametrize("sigma", ["nan", "inf"])
def test_a_lognormal_latency_without_a_finite_sigma_is_refused(sigma: str) -> None:
    """``lognormal:40ms,nan`` started an emulator whose every delay was NaN (``inf``: endless)."""
    from harness.emulator import parse_latency

    with pytest.raises(UsageError, match="malformed"):
        parse_latency(f"lognormal:40ms,{sigma}")


def test_a_config_with_a_bom_is_read_and_codes_naming_a_folder_say_so(
    cli: InProcess, tmp_path: Path
) -> None:
    """A BOM (Notepad's UTF-8) was "not valid TOML: Invalid statement (at line 1, column 1)";
    ``--codes DIR`` said "no such file"."""
    from harness.config import read_config

    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf[conformance]\njd_qps = 5\n")
    assert read_config(path).conformance.jd_qps == 5
    done = cli("conform", "--target", NOWHERE, "--api", "match", "--codes", str(tmp_path),
               "--out", str(tmp_path / "run"), env={"FACEHARNESS_TOKEN": "t"})  # fmt: skip
    one_line_error(done, f"--codes {tmp_path}: a directory")


@pytest.mark.parametrize(
    "args, said",
    [
        (["run", "--rate", "1e300", "--duration", "1s"], "--rate 1e+300/s is above 250,000/s"),
        (["run", "--rate", "nan"], "--rate must be a positive number, got nan"),
        (["run", "--rate", "inf"], "--rate must be a positive number, got inf"),
        (["run", "--rate", "-5"], "--rate must be a positive number, got -5"),
        (["find-limit", "--max-rate", "1e300"], "--max-rate 1e+300/s is above 250,000/s"),
    ],
)
def test_a_rate_no_run_can_send_is_refused_before_traffic(
    cli: InProcess, tmp_path: Path, args: list[str], said: str
) -> None:
    """``--rate 1e300 --duration 1s`` ran 75 s (the schedule catching up on its slots until
    Locust's backstop), then exited 2 as a partial run "after offering 4383282 of 1000...0
    request(s)", a 301-digit number."""
    done = cli("load", *args, "--target", "emulator", "--out", str(tmp_path / "run"))
    one_line_error(done, said)


@pytest.mark.parametrize(
    "name, auth, said",
    [
        ("rule-FH-M01.json", "Fresh", "unknown auth directive 'Fresh'"),
        ("rule-FH-M01.json", {"value": "t"}, "unknown auth directive {'value': 't'}"),
        ("probe-FH-A10.json", {"sign": "signed-by-hsm"}, "unknown auth directive 'signed-by-hsm'"),
        ("probe-FH-A10.json", {"sign": "invalid", "nonce": "x"}, "unknown auth directive key"),
        ("probe-FH-A10.json", "absent", "auth directive 'absent': expected an object"),
    ],
)
def test_a_replay_file_auth_directive_this_release_cannot_read_is_an_input_error(
    cli: InProcess, tmp_path: Path, name: str, auth: object, said: str
) -> None:
    """An unknown directive was read as "no credentials" (a JD one as valid credentials): a
    file edited by hand, or written by a newer release, replayed another request than its
    finding's and could report "fixed". Every release wrote `How` spellings and literals only
    (the kept files below, and ``test_replay_files.py``'s, still replay)."""
    data = json.loads((REPLAY.parent / name).read_text(encoding="utf-8"))
    data["exchange"]["auth"] = auth
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    done = cli("replay", str(path), "--target", NOWHERE, env={"FACEHARNESS_TOKEN": "t"})
    line = one_line_error(done, said)
    assert "no connection" not in line, line


@pytest.mark.parametrize("command", ["accuracy", "conform"])
@pytest.mark.parametrize("kind", ["is a directory", "is a symbolic link loop"])
def test_a_labels_csv_that_is_no_file_says_what_it_is(
    cli: InProcess, tmp_path: Path, command: str, kind: str
) -> None:
    """A folder or a link loop named labels.csv: "labels file not found" (accuracy); the
    suites sampling ``--faces`` read the folder as unlabelled, every image "unknown"."""
    faces = tmp_path / "faces"
    faces.mkdir()
    labels = faces / "labels.csv"
    if kind == "is a directory":
        labels.mkdir()
    else:
        labels.symlink_to("other.csv")
        (faces / "other.csv").symlink_to("labels.csv")
    api = ["--api", "match"] if command == "conform" else []
    done = cli(command, *api, "--faces", str(faces), "--target", NOWHERE,
               "--out", str(tmp_path / "run"), env={"FACEHARNESS_TOKEN": "t"})  # fmt: skip
    one_line_error(done, f"labels file {kind}: {labels}")


@pytest.mark.parametrize(
    "name, value, said",
    [
        ("X-Trace", "a\nb", "its header 'X-Trace' has a line break"),
        ("X-Trace", "a\r\nX-Other: 1", "its header 'X-Trace' has a line break"),
        ("X-Trace", "\u00e9", "its header 'X-Trace' is not ASCII"),
        ("X Trace", "a", "its header 'X Trace' has a name that is not an HTTP token"),
        ("X-Trace", "a\x00", "its header 'X-Trace' has a control character or a space at an end"),
    ],
)
def test_a_replay_file_header_no_client_sends_is_a_malformed_file(
    cli: InProcess, tmp_path: Path, name: str, value: str, said: str
) -> None:
    """A recorded header with a line break was replayed as "the target gave no answer
    (connection, no connection to the target)" (httpx refused to send it); a non-ASCII one
    ended in "internal error: UnicodeEncodeError"."""
    data = json.loads(REPLAY.read_text(encoding="utf-8"))
    data["exchange"]["headers"] = {name: value}
    path = tmp_path / "F-001.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = cli("replay", str(path), "--target", NOWHERE, env={"FACEHARNESS_TOKEN": "t"})
    one_line_error(done, f"malformed replay file: {said}")


_LIVE = '      pattern: "^[0-9]{4,6}$"\n'
_PERSON = "        personType: {type: string, enum: [normal, vip, inner]}\n      allOf:\n"


@pytest.mark.parametrize(
    ("edits", "said"),
    [
        ({_LIVE: _LIVE + "      minLength: 7\n      maxLength: 6\n"}, "minLength 7 > maxLength 6"),
        ({_LIVE: _LIVE + "      maxLength: 3\n"}, "no string under 4 characters, maxLength 3"),
        ({"enum: [normal, vip, inner]": "enum: [1, 2]"}, "no value of its enum [1, 2] fits"),
        ({_LIVE: _LIVE + "      enum: ['12']\n"}, "no value of its enum ['12'] fits"),
        ({"required: [idNum, name, faceData]": "required: [idNum, name, faceData, nick]",
          _PERSON: _PERSON.replace("  allOf:", "  additionalProperties: false\n      allOf:")
          + "        - {properties: {nick: {type: string}}}\n"},
         "required property 'nick' is not among its properties and additionalProperties is"),
        ({"async: {type: boolean, default: false}":
          "async: {type: integer, minimum: 2, exclusiveMaximum: 2}"},
         "minimum 2 and exclusiveMaximum 2 leave no number"),
    ],
    ids=["lengths", "pattern-longer", "enum-type", "enum-pattern", "required-forbidden", "range"],
)  # fmt: skip
def test_a_spec_schema_no_value_satisfies_is_a_spec_error(edits: dict[str, str], said: str) -> None:
    """`specs validate` said "ok" to a request schema no value fits (the OpenAPI validator passes
    it); every suite then read every request as invalid: none could be sent expecting it
    accepted. The check load_spec runs after the validator, on the spec as read (the command's
    one line: the test below)."""
    import yaml

    from harness.contract._contract import _check_satisfiable

    text = (Path(__file__).parents[2] / "specs" / "face-match.openapi.yaml").read_text("utf-8")
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new, 1)
    with pytest.raises(SpecError) as raised:
        _check_satisfiable(yaml.safe_load(text), "face-match.openapi.yaml")
    line = str(raised.value)
    assert line.startswith("spec face-match.openapi.yaml: the schema at #/components/schemas/")
    assert "admits no value: " in line and said in line, line


def test_specs_validate_names_an_unsatisfiable_schema_in_one_line(
    cli: InProcess, tmp_path: Path
) -> None:
    shutil.copytree(Path(__file__).parents[2] / "specs", tmp_path / "specs")
    spec = tmp_path / "specs" / "face-match.openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace(_LIVE, _LIVE + "      maxLength: 3\n", 1), encoding="utf-8")
    done = cli("specs", "validate", "--specs", str(tmp_path / "specs"))
    one_line_error(
        done,
        "spec face-match.openapi.yaml: the schema at #/components/schemas/LiveCo"
        "de admits no value: pattern '^[0-9]{4,6}$' matches no string under 4 charac",
    )


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (("conform",), "junit.xml"),
        (("fuzz",), "summary.json"),
        (("gate",), "report.html"),
        (("accuracy",), "summary.json"),
        (("conform",), "findings.json"),
        (("load", "run", "--rate", "2"), "summary.json"),
    ],
    ids=["conform", "fuzz", "gate", "accuracy", "conform-findings", "load-run"],
)
def test_a_report_name_taken_by_a_folder_is_refused_before_any_request(
    cli: InProcess, tmp_path: Path, command: tuple[str, ...], name: str
) -> None:
    """A folder named junit.xml in --out: the run spent its budget, wrote summary.json (its
    verdict, looking complete), then ended "cannot write .../junit.xml: Is a directory";
    summary.json a folder lost the whole run's results."""
    (tmp_path / "run" / name).mkdir(parents=True)
    env = {"FACEHARNESS_TOKEN": "t", "FACEHARNESS_JD_APPKEY": "k", "FACEHARNESS_JD_SECRETKEY": "s"}
    done = cli(*command, "--target", NOWHERE, "--out", str(tmp_path / "run"), env=env)
    one_line_error(done, f"--out {tmp_path / 'run'}: {name} exists and is not a file")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [name], "nothing written"


def test_reports_are_not_half_written_when_one_name_is_a_folder(tmp_path: Path) -> None:
    """The check at the end too (a folder made during the run): no summary.json beside it."""
    from datetime import UTC, datetime

    from harness.report import write_reports
    from harness.results import build_summary

    (tmp_path / "report.html").mkdir()
    now = datetime.now(UTC)
    summary = build_summary(target="t", started_at=now, finished_at=now, suites=[])
    with pytest.raises(InputError, match="report.html: it is not a file"):
        write_reports(summary, tmp_path)
    assert not (tmp_path / "summary.json").exists()
