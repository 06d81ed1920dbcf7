"""A typo in a config file is refused with one line and the key that was meant, in every reader.

Before, an unknown key under [credentials] was ignored: "tokn = ..." ran as "no token".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.clients import load_credentials
from harness.config import read_config
from harness.emulator import build_settings
from harness.errors import ConfigError
from harness.gate import load_policy


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "reader, text, expected",
    [
        (
            load_credentials,
            '[credentials]\ntokn = "t"\n',
            "credentials.tokn is not a known key; did you mean 'token'?",
        ),
        (
            load_credentials,
            '[credentials]\njd_secret = "s"\n',
            "credentials.jd_secret is not a known key; did you mean 'jd_secretkey'?",
        ),
        (
            load_credentials,
            '[credential]\ntoken = "t"\n',
            "unknown table [credential]; did you mean 'credentials'?",
        ),
        (
            load_credentials,
            "[credentials]\nwhatever = 1\n",
            "expected one of jd_appkey, jd_secretkey, token",
        ),
        (
            read_config,
            "[conformance]\nmax_response_ms = 5\n",
            "did you mean 'max_response_time_ms'?",
        ),
        (
            read_config,
            "[conformence]\njd_qps = 5\n",
            "unknown table [conformence]; did you mean 'conformance'?",
        ),
        (build_settings, 'enigne = "fast"\n', "enigne is not a known key; did you mean 'engine'?"),
        (
            build_settings,
            "[throttle]\nqsp = 3\n",
            "throttle.qsp is not a known key; did you mean 'qps'?",
        ),
        (
            build_settings,
            '[[appkeys]]\nappkey = "a"\nsecretkey = "b"\nplna = "free"\n',
            "did you mean 'plan'?",
        ),
        (build_settings, '[credential]\ntoken = "t"\n', "did you mean 'credentials'?"),
        (
            load_policy,
            "[findings]\nhihg = 1\n",
            "findings.hihg is not a known key; did you mean 'high'?",
        ),
        (  # before: accepted and replaced by the file's name; "source" was listed as a key
            load_policy,
            "source = 'mine'\n",
            "source is not a known key; expected one of accuracy, baseline, findings, load, "
            "readings, run, suites, verdict",
        ),
    ],
    ids=[
        "token",
        "jd-secret",
        "table-name",
        "no-close-key",
        "conformance-key",
        "conformance-table",
        "emulator-top",
        "emulator-nested",
        "emulator-array",
        "emulator-credentials-table",
        "policy",
        "policy-source",
    ],
)
def test_an_unknown_key_is_one_line_with_the_key_meant(tmp_path, reader, text, expected):
    with pytest.raises(ConfigError) as caught:
        reader(_write(tmp_path, text))
    message = str(caught.value)
    assert expected in message and "\n" not in message, message


def test_known_keys_still_read(tmp_path):
    path = _write(
        tmp_path,
        '[credentials]\ntoken = "tok"\njd_appkey = "ak"\njd_secretkey = "sk"\n'
        "[conformance]\njd_qps = 5\n",
    )
    creds = load_credentials(path)
    assert (creds.token, creds.jd_appkey, creds.jd_secretkey) == ("tok", "ak", "sk")
    assert read_config(path).conformance.qps == (("jd", 5.0),)
    # one file serves both sides: the emulator leaves [credentials] and [conformance] to the harness
    both = _write(
        tmp_path, '[credentials]\ntoken = "tok"\n[conformance]\njd_qps = 5\n[throttle]\nqps = 3\n'
    )
    assert build_settings(both).throttle.qps == 3
    assert (
        read_config(both).conformance.qps == (("jd", 5.0),)
        and load_credentials(both).token == "tok"
    )


def test_a_typo_in_a_real_command_is_one_line_and_exit_2(tmp_path, cli):
    path = _write(tmp_path, '[credentials]\ntokn = "not-a-secret-value"\n')
    r = cli("call", "livecode", "--target", "http://127.0.0.1:9", "--config", str(path))
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "did you mean 'token'?" in lines[0], r.stderr
    assert "not-a-secret-value" not in r.stderr + r.stdout


ALL_SECTIONS = """
[credentials]
token = "tok"
[conformance]
jd_qps = 5
[codes]
file = "my-codes.yaml"
[emulator]
engine = "fast"
[emulator.throttle]
qps = 3
[gate.findings]
low = "unlimited"
[gate.load]
max_p99_ms = 300
"""


def test_one_file_holds_every_section(tmp_path, monkeypatch):
    for name in ("FACEHARNESS_TOKEN", "FACEHARNESS_JD_APPKEY", "FACEHARNESS_JD_SECRETKEY"):
        monkeypatch.delenv(name, raising=False)
    path = _write(tmp_path, ALL_SECTIONS)
    config = read_config(path)
    assert load_credentials(path).token == "tok" and config.conformance.qps == (("jd", 5.0),)
    assert config.codes == (tmp_path / "my-codes.yaml").resolve()
    settings = build_settings(path)
    assert settings.engine == "fast" and settings.throttle.qps == 3
    # the gate reads [gate] of --config, or of a --policy file that has one
    for policy in (load_policy(None, path), load_policy(path)):
        assert policy.findings.limit("low") == float("inf") and policy.load.max_p99_ms == 300
    assert load_policy(None, None).load.max_p99_ms is None  # no file: the default policy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[gate.findings]\nhihg = 1\n",
            "gate.findings.hihg is not a known key; did you mean 'high'?",
        ),
        (
            "[emulator]\nenigne = 'fast'\n",
            "emulator.enigne is not a known key; did you mean 'engine'?",
        ),
        ("engine = 'fast'\n[emulator]\nseed = 1\n", "keep one"),
        ("[gate.lod]\nmax_p99_ms = 1\n", "unknown table [gate.lod]; did you mean 'load'?"),
        (
            "[[emulator.registry]]\nidNum = '11010519491231002X'\nname = 'x'\nphoto = 'no.jpg'\n",
            "emulator.registry[0].photo: no.jpg: no such file",
        ),
        (  # before: accepted, then /idno refused every request for it (bad_idnum) as E-009 says
            "[[emulator.registry]]\nidNum = '110105194912310021'\nname = 'x'\n",
            "emulator.registry[0].idNum ('110105194912310021'): not a GB 11643-1999 ID number",
        ),
        (  # before: "--fault 'http500:2': ...", an option the user never gave
            "[emulator]\nfaults = ['http500:2']\n",
            "emulator.faults (['http500:2']): rate must be between 0 and 1",
        ),
        (  # before: accepted, and the latency (or fault) matched no request, silently
            "[emulator.latency]\nmach = 'fixed:5ms'\n",
            "emulator.latency: unknown operation 'mach'; did you mean 'match'?",
        ),
        (
            "[emulator]\nfaults = ['faceCompare=http500:0.1']\n",
            "unknown operation 'faceCompare'; did you mean 'faceCompareNew'?",
        ),
    ],
    ids=[
        "gate-key",
        "emulator-key",
        "emulator-twice",
        "gate-table",
        "registry-photo",
        "registry-check-digit",
        "fault",
        "latency-operation",
        "fault-operation",
    ],  # fmt: skip
)
def test_every_section_of_one_file_is_checked_by_every_reader(tmp_path, text, expected):
    path = _write(tmp_path, text)
    for reader in (read_config, load_credentials, build_settings):
        with pytest.raises(ConfigError) as caught:
            reader(path)
        assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_mistyped_secret_is_named_never_shown(tmp_path):
    path = _write(tmp_path, "[credentials]\ntoken = 123456789\n[emulator]\ntokens = [987654321]\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert "credentials.token" in str(caught.value) and "123456789" not in str(caught.value)
    path = _write(tmp_path, "tokens = [987654321]\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert "tokens" in str(caught.value) and "987654321" not in str(caught.value)


def test_the_gate_takes_its_policy_from_gate_of_the_config(tmp_path):
    from harness.gate import plan_gate

    path = _write(tmp_path, ALL_SECTIONS)
    plan = plan_gate(out_dir=tmp_path / "out", target="emulator", config=path)
    assert plan.policy.load.max_p99_ms == 300 and plan.config == path
    policy = tmp_path / "gate.toml"  # --policy wins
    policy.write_text("[load]\nmax_p99_ms = 900\n", encoding="utf-8")
    assert (
        plan_gate(
            out_dir=tmp_path / "out", target="emulator", policy=policy, config=path
        ).policy.load.max_p99_ms
        == 900
    )
