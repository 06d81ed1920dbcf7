"""The contract object: both specs, the code table and the errata, loaded once and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from harness.errors import SpecError

from ._codes import Code, CodeTable, merge_codes, parse_codes
from ._errata import Erratum, parse_errata
from ._readings import Reading, parse_readings
from ._spec import Operation, Spec, load_spec, mappings, read_yaml

SPEC_FILES = {"match": "face-match.openapi.yaml", "jd": "jd-face-compare.openapi.yaml"}


def default_specs_dir() -> Path:
    """`$FACEHARNESS_SPECS`, else the repository's `specs/` beside the `harness` package."""
    env = os.environ.get("FACEHARNESS_SPECS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "specs"


@dataclass(frozen=True)
class Contract:
    specs_dir: Path
    match: Spec
    jd: Spec
    codes: CodeTable
    errata: tuple[Erratum, ...]
    # specs/readings.yaml, by erratum id
    readings: dict[str, Reading] = field(default_factory=dict, hash=False, compare=False)

    # --- lookups -------------------------------------------------------------------------
    def spec(self, api: str) -> Spec:
        if api == "match":
            return self.match
        if api == "jd":
            return self.jd
        raise SpecError(f"unknown api {api!r}; expected 'match' or 'jd'")

    @cached_property
    def operations(self) -> dict[str, Operation]:
        return {**self.match.operations, **self.jd.operations}

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise SpecError(
                f"no operation {operation_id!r}; known: {', '.join(sorted(self.operations))}"
            ) from None

    def property_schema(self, api: str, schema: str, prop: str) -> dict[str, Any]:
        return dict(self.spec(api).schemas[schema]["properties"][prop])

    def enum(self, api: str, schema: str, prop: str) -> tuple[str, ...]:
        return tuple(self.property_schema(api, schema, prop)["enum"])

    # --- facts the rest of the code needs, each read from the specs ----------------------
    # (the immutable ones cached: the emulator reads several on every request)
    @cached_property
    def match_base64_max_chars(self) -> int:
        return int(self.match.facts["base64_max_chars"])

    @property
    def match_base64_safe_chars(self) -> int:
        """The most base64 text a request may carry and be within "400k" under every reading
        (E-012)."""
        safe = self.readings["E-012"].safe_limit if "E-012" in self.readings else None
        return min(self.match_base64_max_chars, safe or self.match_base64_max_chars)

    @property
    def jd_image_safe_bytes(self) -> int:
        """The largest decoded image "小于5M" under every reading (E-020)."""
        safe = self.readings["E-020"].safe_limit if "E-020" in self.readings else None
        return min(self.jd_image_max_bytes - 1, safe or self.jd_image_max_bytes)

    @property
    def match_far_claims(self) -> list[tuple[float, float]]:
        return [(float(c["score"]), float(c["fmr"])) for c in self.match.facts["far_claims"]]

    def success_threshold(self, operation_id: str) -> float:
        return float(self.operation(operation_id).facts["success_threshold"])

    @property
    def livecode_pattern(self) -> str:
        return str(self.match.schemas["LiveCode"]["pattern"])

    @property
    def jd_fixed_fields(self) -> dict[str, str]:
        props = self.jd.schemas["CompareRequest"]["properties"]
        return {k: v["const"] for k, v in props.items() if "const" in v}

    @cached_property
    def jd_image_max_bytes(self) -> int:
        return int(self.jd.facts["image_max_bytes"])

    @cached_property
    def jd_image_formats(self) -> tuple[str, ...]:
        return tuple(self.jd.facts["image_formats"])

    @cached_property
    def jd_timestamp_window_ms(self) -> int:
        return int(self.jd.facts["timestamp_window_s"]) * 1000

    @property
    def jd_threshold_fmr(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.jd.facts["threshold_keys"].items()}

    @cached_property
    def jd_success_code(self) -> str:
        return str(self.jd.facts["success_code"])

    @cached_property
    def jd_not_same_person_code(self) -> int:
        return int(self.jd.facts["not_same_person_code"])

    @cached_property
    def jd_collection_bounds(self) -> tuple[int, int]:
        s = self.jd.schemas["CompareRequest"]["properties"]["collectionImageItems"]
        return int(s["minItems"]), int(s["maxItems"])

    def code_named(self, api: str, name: str) -> Any:
        """The code of that symbolic name as the envelope carries it (``code_named("jd",
        "bad_sign")`` is ``"10047"``): code answers and looks codes up by name, never by a numeric
        literal."""
        return self.codes.named(api, name).value

    def code(self, api: str, where: str, code: object) -> Code:
        found = self.codes.get(api, where, code)
        if found is None:
            raise SpecError(f"code {code} is not in codes.yaml for {api} {where}")
        return found


ENV_CODES = "FACEHARNESS_CODES"


def load_contract(specs_dir: Path | None = None, codes: Path | None = None) -> Contract:
    """Load and cross-check everything under `specs_dir`; raises SpecError with one line.

    ``codes`` (else ``$FACEHARNESS_CODES``, set by ``--codes FILE``) is a team's table of its
    service's own codes, merged over codes.yaml: same rows, ``documented`` and ``retryable``
    default to false, and a row for a code codes.yaml has replaces it (E-014).
    """
    extra = codes or (Path(os.environ[ENV_CODES]) if os.environ.get(ENV_CODES) else None)
    return _load(
        str((specs_dir or default_specs_dir()).resolve()), str(extra.resolve()) if extra else None
    )


@lru_cache(maxsize=4)
def _load(specs_dir: str, codes_file: str | None = None) -> Contract:
    root = Path(specs_dir)
    if not root.is_dir():
        raise SpecError(f"specs directory {root} does not exist (set --specs or FACEHARNESS_SPECS)")
    match = load_spec(root / SPEC_FILES["match"])
    jd = load_spec(root / SPEC_FILES["jd"])
    for api, spec in (("match", match), ("jd", jd)):
        if spec.api != api:
            raise SpecError(f"{spec.path.name} declares api {spec.api!r}, expected {api!r}")
    codes = parse_codes(read_yaml(root / "codes.yaml", "codes.yaml"), "codes.yaml")
    if codes_file is not None:
        codes = merge_codes(codes, Path(codes_file))
    errata_path = root / "ERRATA.md"
    try:
        errata = parse_errata(errata_path.read_text(encoding="utf-8"), errata_path.name)
    except OSError as exc:
        raise SpecError(f"cannot read {errata_path}: {exc.strerror or exc}") from None
    path = root / "readings.yaml"
    ids = {e.id for e in errata}
    readings = parse_readings(read_yaml(path, path.name), path.name, ids) if path.is_file() else {}
    contract = Contract(
        specs_dir=root, match=match, jd=jd, codes=codes, errata=errata, readings=readings
    )
    _cross_check(contract)
    return contract


def _cross_check(c: Contract) -> None:
    """Facts that must agree between files: errata ids cited exist; success codes are in the
    table."""
    known = {e.id for e in c.errata}
    for spec in (c.match, c.jd):
        for cited in _cited_errata(spec.raw):
            if cited not in known:
                raise SpecError(f"{spec.path.name} cites {cited}, which ERRATA.md does not define")
        for cited in _cited_errata(spec.raw, "x-reading"):
            if cited not in c.readings:
                raise SpecError(
                    f"{spec.path.name} marks a limit as reading {cited}, which readings.yaml does "
                    "not list"
                )
    for code in c.codes.codes:
        if code.errata and code.errata not in known:
            raise SpecError(
                f"codes.yaml cites {code.errata} for code {code.code}, which ERRATA.md does not "
                "define"
            )
    if c.codes.get("jd", "gateway", c.jd_success_code) is None:
        raise SpecError(f"JD success code {c.jd_success_code} is missing from codes.yaml")
    if c.codes.get("match", "errcode", c.match.facts["success_code"]) is None:
        raise SpecError("the internal API's success code is missing from codes.yaml")


def _cited_errata(node: Any, key: str = "x-errata") -> set[str]:
    return {str(x) for n in mappings(node) if isinstance(n.get(key), list) for x in n[key]}
