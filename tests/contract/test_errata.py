"""Errata: each entry pinned by a test that exists, quoting text that is really in the seeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        names |= set(re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(), re.M))
    return names


def test_every_erratum_is_pinned(contract):
    existing = _test_names()
    for erratum in contract.errata:
        line = next((ln for ln in erratum.body.splitlines() if ln.startswith("Pinned by:")), "")
        pinned_by = re.findall(r"`(test_[A-Za-z0-9_]+)`", line)
        assert pinned_by, f"{erratum.id} names no test"
        missing = [t for t in pinned_by if t not in existing]
        assert not missing, f"{erratum.id} is pinned by tests that do not exist: {missing}"


def test_errata_entries_quote_the_seeds(contract, seed_text):
    seeds = seed_text("000") + seed_text("004")
    squash = lambda s: re.sub(r"[\s|]+", "", s)  # noqa: E731  (tables use | cells)
    checked, missing = 0, []
    for erratum in contract.errata:
        quote_line = next((ln for ln in erratum.body.splitlines() if ln.startswith("Quote:")), "")
        for quoted in re.findall(r"`([^`]+)`", quote_line):
            if re.search(r"[\u4e00-\u9fff]", quoted):  # Chinese text must appear in a seed verbatim
                missing += [
                    f"{erratum.id}: {p!r}"
                    for p in quoted.split("...")
                    if squash(p) not in squash(seeds)
                ]
                checked += 1
    assert not missing, f"quotes not in the seeds: {missing}"
    assert checked >= 15


def _seed_examples(text: str) -> list[str]:
    """The JSON-ish blocks after each 返回示例 heading, exactly as the document has them."""
    blocks = []
    for part in text.split("返回示例")[1:]:
        start = part.index("{")
        depth, end = 0, None
        for i, ch in enumerate(part[start:], start):
            depth += ch == "{"
            depth -= ch == "}"
            if depth == 0:
                end = i + 1
                break
        blocks.append(part[start:end])
    return blocks


def test_document_examples_are_invalid_json_and_match_spec_after_correction(contract, seed_text):
    raw = _seed_examples(seed_text("000"))
    assert len(raw) == 3
    for block in raw:
        with pytest.raises(json.JSONDecodeError):
            json.loads(block)
    fixed = [
        json.loads(re.sub(r",(\s*})", r"\1", b.replace('"code":"2312\n', '"code":"2312"\n')))
        for b in raw
    ]
    spec_examples = [v for _, kind, _, v in contract.match.examples() if kind == "response"]
    assert fixed == spec_examples
    assert isinstance(fixed[0]["data"]["result"], dict)  # E-030: typed String, really an object


def test_jd_example_is_valid_json_as_given_and_in_the_spec(contract, seed_text):
    text = seed_text("004")
    block = text[text.index("2.返回示例") :]
    block = block[block.index("{") : block.index("四、错误码信息")].strip()
    doc = json.loads(block)
    [spec_example] = [v for _, kind, _, v in contract.jd.examples() if kind == "response"]
    assert doc == spec_example


def test_readings_quote_the_seeds_and_name_an_alternative(contract, seed_text):
    """specs/readings.yaml: each ambiguous erratum has a default and at least one alternative, each
    allowed by a sentence that is really in the seeds (JD's published tables aside, E-040)."""
    seeds = seed_text("000") + seed_text("004")
    squash = lambda s: re.sub(r"[\s|]+", "", s)  # noqa: E731
    assert len(contract.readings) >= 10
    for rid, reading in contract.readings.items():
        assert reading.alternatives, rid
        names = reading.names()
        assert (
            len(set(names)) == len(names) and "default" not in names and "alternative" not in names
        ), rid
        for option in (reading.default, *reading.alternatives):
            assert option.says and option.quote, (rid, option.name)
            assert squash(option.quote) in squash(seeds), (
                f"{rid} {option.name}: quote not in the seeds: {option.quote!r}"
            )


def test_errata_with_readings_are_in_the_readings_file(contract):
    marked = {e.id for e in contract.errata if "Readings:" in e.body}
    assert marked <= set(contract.readings), sorted(marked - set(contract.readings))
