"""The specs load, validate as OpenAPI, and their examples validate against their own schemas."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from harness.contract import load_contract
from harness.errors import SpecError


def test_both_specs_load_with_every_documented_operation(contract):
    assert {op.label for op in contract.operations.values()} == {
        "POST /tech/ai/face/match",
        "POST /tech/ai/face/match/idno",
        "POST /tech/ai/face/match/validateData",
        "POST /tech/ai/face/match/result",
        "POST /jdai/faceCompareNew",
    }


def test_specs_servers_are_loopback_only(contract):
    for spec in (contract.match, contract.jd):
        for server in spec.raw["servers"]:
            assert urlsplit(server["url"]).hostname in ("127.0.0.1", "localhost", "::1")
    text = "".join(p.read_text() for p in contract.specs_dir.glob("*.yaml"))
    assert (
        "172.20." not in text and "aiapi.jd.com" not in text
    )  # documented hosts must never be targets


def test_specs_document_only_http_200(contract):
    for spec in (contract.match, contract.jd):
        for item in spec.raw["paths"].values():
            for op in item.values():
                assert set(op["responses"]) == {"200"}


def test_async_extension_operation_is_marked(contract):
    extensions = [op.operation_id for op in contract.operations.values() if op.extension]
    assert extensions == ["asyncResult"]


@pytest.mark.parametrize("api", ["match", "jd"])
def test_every_example_validates_against_its_schema(contract, api):
    spec = contract.spec(api)
    examples = spec.examples()
    assert examples
    for op_id, kind, schema, value in examples:
        errors = [e.message for e in spec.validator(schema).iter_errors(value)]
        assert errors == [], f"{op_id} {kind} example: {errors}"


def _copy_specs(tmp_path: Path, contract) -> Path:
    for p in contract.specs_dir.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    return tmp_path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["info"].pop("x-faceharness"), "lacks info.x-faceharness.api"),
        (
            lambda d: d["paths"]["/tech/ai/face/match"]["post"].__setitem__("requestBody", 5),
            "not valid OpenAPI",
        ),
        (
            lambda d: d["components"]["schemas"]["MatchRequest"].__setitem__("x-errata", ["E-999"]),
            "cites E-999",
        ),
        (  # before: `specs validate` said ok, and every command ended in "internal error: KeyError"
            lambda d: d["paths"]["/tech/ai/face/match"]["post"].__setitem__("operationId", "m2"),
            "operationId 'm2' is not one faceharness knows",
        ),
    ],
    ids=["no-facts", "bad-request-body", "unknown-erratum", "unknown-operation"],
)
def test_a_broken_spec_is_one_line_spec_error(tmp_path, contract, mutate, message):
    root = _copy_specs(tmp_path, contract)
    path = root / "face-match.openapi.yaml"
    doc = yaml.safe_load(path.read_text())
    mutate(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(SpecError, match=message) as info:
        load_contract(root)
    assert "\n" not in str(info.value)


def test_unparseable_yaml_names_the_line(tmp_path, contract):
    root = _copy_specs(tmp_path, contract)
    (root / "codes.yaml").write_text("codes: [\n  {api: match\n")
    with pytest.raises(SpecError, match="codes.yaml is not valid YAML"):
        load_contract(root)


def test_a_file_that_is_not_utf8_is_one_line_spec_error(tmp_path, contract):
    """A team's --codes table saved in GBK (or any binary) was an internal error."""
    team = tmp_path / "team-codes.yaml"
    team.write_bytes("codes: [{code: '1', zh: 成功}]".encode("gbk"))
    with pytest.raises(SpecError, match=f"--codes {team} is not UTF-8 text"):
        load_contract(codes=team)
    (tmp_path / "specs").mkdir()
    root = _copy_specs(tmp_path / "specs", contract)
    (root / "ERRATA.md").write_bytes(b"\xff\xfe# ERRATA")
    with pytest.raises(SpecError, match="ERRATA.md is not UTF-8 text"):
        load_contract(root)
    (root / "face-match.openapi.yaml").write_bytes(b"\xff\xfeopenapi: 3.1.0")
    with pytest.raises(SpecError, match="spec face-match.openapi.yaml is not UTF-8 text"):
        load_contract(root)


def test_a_load_process_skips_only_the_openapi_check_its_parent_already_made(
    tmp_path, contract, monkeypatch
):
    """A load run's Locust processes read the specs their parent validated: the parent passes the
    sha256 of those texts (FACEHARNESS_SPECS_VALIDATED) and a child skips the OpenAPI schema check
    (~0.2 CPU s a process) for exactly those texts; any other text is still checked."""
    import openapi_spec_validator

    from harness.contract import ENV_SPECS_VALIDATED, _contract, validated_specs
    from harness.loadgen.runner import _Launch

    real = contract.specs_dir / "face-match.openapi.yaml"
    parent = validated_specs()
    specs = [
        contract.specs_dir / n for n in ("face-match.openapi.yaml", "jd-face-compare.openapi.yaml")
    ]
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in specs}
    assert digests <= set(parent.split(","))  # both, checked by this process's load_contract
    launch = _Launch(None, 0, None, tmp_path, 1.0, {})
    assert launch._env(config=False)[ENV_SPECS_VALIDATED] == parent
    calls = []
    check = openapi_spec_validator.validate
    monkeypatch.setattr(
        openapi_spec_validator, "validate", lambda raw: calls.append(raw) or check(raw)
    )
    monkeypatch.setattr(_contract, "_validated", set())  # a fresh process
    monkeypatch.delenv(ENV_SPECS_VALIDATED, raising=False)
    _contract.load_spec(real)
    assert len(calls) == 1  # told nothing: checked
    monkeypatch.setattr(_contract, "_validated", set())
    monkeypatch.setenv(ENV_SPECS_VALIDATED, parent)
    assert _contract.load_spec(real).api == "match" and len(calls) == 1  # the parent's text
    (tmp_path / "specs").mkdir()
    broken = _copy_specs(tmp_path / "specs", contract) / real.name
    doc = yaml.safe_load(real.read_text())
    doc["paths"]["/tech/ai/face/match"]["post"]["requestBody"] = 5
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(SpecError, match="not valid OpenAPI"):
        _contract.load_spec(broken)  # another text: checked, whatever the parent said
    assert len(calls) == 2
