"""Readings of the documents (`specs/readings.yaml`) and what a run observed of them.

Where a seed allows more than one meaning, the harness does not enforce its own choice: rules
with basis ``reading`` report which reading each answer follows into a :class:`ReadingLog`, and the
log becomes the ``errata[].observed`` / ``evidence`` of ``summary.json``. Only a reading a policy
*requires* turns a mismatch into a finding.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, get_args

from harness.errors import SpecError

if TYPE_CHECKING:
    from harness.results import Erratum as Entry

    from ._contract import Contract

Which = Literal["default", "alternative"]
Observed = Literal["default", "alternative", "mixed", "not-exercised"]
WHICH: tuple[str, ...] = get_args(Which)


def is_which(value: object) -> TypeGuard[Which]:
    return value in WHICH


@dataclass(frozen=True, slots=True)
class Alternative:
    name: str
    says: str
    quote: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One ambiguous erratum: the default reading and the plausible alternatives."""

    id: str
    title: str
    seed: str
    default: Alternative
    alternatives: tuple[Alternative, ...]
    observed_by: tuple[str, ...] = ()
    emulator: bool = False
    safe_limit: int | None = None  # a limit's largest value within every reading
    emulator_serves: str = ""  # the concrete member of the alternative the emulator serves
    suites: tuple[str, ...] = ("conformance", "fuzz")  # whose requests tell the readings apart
    family: bool = False  # independent limits: a lenient target may be seen "mixed"

    def names(self) -> tuple[str, ...]:
        return (self.default.name, *(a.name for a in self.alternatives))


def parse_readings(raw: Any, source: str, errata_ids: set[str]) -> dict[str, Reading]:
    if not isinstance(raw, dict) or not isinstance(raw.get("readings"), dict):
        raise SpecError(f"{source}: expected a mapping with 'readings'")
    out: dict[str, Reading] = {}
    for rid, entry in raw["readings"].items():
        if rid not in errata_ids:
            raise SpecError(f"{source}: {rid} is not an erratum of ERRATA.md")
        try:
            default = Alternative(**entry["default"])
            alternatives = tuple(Alternative(**a) for a in entry["alternatives"])
            out[rid] = Reading(
                id=rid,
                title=str(entry["title"]),
                seed=str(entry["seed"]),
                default=default,
                alternatives=alternatives,
                observed_by=tuple(entry.get("observed_by", ())),
                emulator=bool(entry.get("emulator", False)),
                emulator_serves=str(entry.get("emulator_serves", "")),
                suites=tuple(entry.get("suites", ("conformance", "fuzz"))),
                family=bool(entry.get("family", False)),
                safe_limit=None if entry.get("safe_limit") is None else int(entry["safe_limit"]),
            )
        except (KeyError, TypeError) as exc:
            raise SpecError(f"{source}: {rid}: malformed entry ({exc})") from None
        if not alternatives:
            raise SpecError(f"{source}: {rid} lists no alternative reading")
    return out


def check_required(
    required: Mapping[str, str], readings: Mapping[str, Reading], source: str
) -> dict[str, str]:
    """A ``[readings]`` table: erratum id -> "default" | "alternative" (or a reading's name)."""
    out: dict[str, str] = {}
    for rid, value in required.items():
        if rid not in readings:
            raise SpecError(
                f"{source}: [readings] {rid}: not an ambiguous erratum; known: "
                f"{', '.join(sorted(readings))}"
            )
        reading = readings[rid]
        if value == reading.default.name:
            value = "default"
        elif any(value == a.name for a in reading.alternatives):
            value = "alternative"
        if value not in WHICH:
            raise SpecError(
                f"{source}: [readings] {rid} = {value!r}: expected 'default', 'alternative' "
                f"or one of {', '.join(reading.names())}"
            )
        out[rid] = value
    return out


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: {"default": 0, "alternative": 0})
    example: dict[str, str] = field(default_factory=dict)


class ReadingLog:
    """What one run saw of each reading: counts per side and the first example of each.

    Thread-safe (schemathesis may call rules from worker threads); cheap enough for every answer.
    """

    def __init__(self, required: Mapping[str, str] | None = None) -> None:
        self.required: dict[str, str] = dict(required or {})
        self._tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()

    def observe(self, erratum: str, which: Which, example: str = "") -> None:
        """Count one answer; ``example`` quotes it (the answer and the reading it followed). No
        replay file is written for an observation: `conform --reading ID=alternative` reproduces
        one."""
        with self._lock:
            tally = self._tallies.setdefault(erratum, _Tally())
            tally.counts[which] += 1
            if example and which not in tally.example:
                tally.example[which] = example[:300]

    def merge(self, other: ReadingLog) -> None:
        for rid, tally in other.snapshot().items():
            self._add(rid, tally.counts, tally.example)

    def _add(self, rid: str, counts: Mapping[str, Any], examples: Mapping[str, str]) -> None:
        with self._lock:
            mine = self._tallies.setdefault(rid, _Tally())
            for which in WHICH:
                mine.counts[which] += int(counts.get(which, 0))
            for which, text in examples.items():
                mine.example.setdefault(which, text)

    def snapshot(self) -> dict[str, _Tally]:
        with self._lock:
            return {k: _Tally(dict(v.counts), dict(v.example)) for k, v in self._tallies.items()}

    def mismatch(self, erratum: str, which: Which) -> bool:
        """Whether ``which`` contradicts a reading the policy requires."""
        wanted = self.required.get(erratum)
        return wanted is not None and wanted != which

    def observed(self, erratum: str) -> Observed:
        tally = self.snapshot().get(erratum)
        if tally is None or not any(tally.counts.values()):
            return "not-exercised"
        if tally.counts["default"] and tally.counts["alternative"]:
            return "mixed"
        return "default" if tally.counts["default"] else "alternative"

    def evidence(self, erratum: str) -> dict[str, Any]:
        tally = self.snapshot().get(erratum)
        if tally is None:
            return {}
        out: dict[str, Any] = {"counts": dict(tally.counts)}
        if tally.example:
            out["example"] = tally.example.get("alternative") or tally.example.get("default")
        return out

    def errata(self, contract: Contract) -> list[Entry]:
        """``summary.json`` errata: every erratum, the ambiguous ones with what this run
        observed."""
        from harness.results import Erratum as Entry

        out = []
        for e in contract.errata:
            seen: dict[str, Any] = {}
            if e.id in contract.readings:
                wanted = self.required.get(e.id)
                seen = {"observed": self.observed(e.id), "evidence": self.evidence(e.id)}
                seen["required"] = wanted if is_which(wanted) else None
            out.append(Entry(id=e.id, title=e.title, **seen))
        return out

    def lines(self, contract: Contract) -> list[str]:
        """One console line per reading this run exercised."""
        out = []
        for rid, reading in contract.readings.items():
            seen = self.observed(rid)
            if seen == "not-exercised":
                continue
            counts = self.evidence(rid).get("counts", {})
            name = {
                "default": reading.default.name,
                "alternative": reading.alternatives[0].name,
            }.get(seen, seen)
            out.append(
                f"reading {rid}: {seen} ({name}), default x{counts.get('default', 0)} "
                f"alternative x{counts.get('alternative', 0)}: {reading.title}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            rid: {"observed": self.observed(rid), **self.evidence(rid)}
            for rid in sorted(self.snapshot())
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ReadingLog:
        """Back from ``to_dict`` (suite metrics), so the gate can merge suites' logs."""
        log = cls()
        for rid, entry in (data or {}).items():
            counts = entry.get("counts", {}) if isinstance(entry, dict) else {}
            example = entry.get("example") if isinstance(entry, dict) else None
            which = "alternative" if int(counts.get("alternative", 0)) else "default"
            log._add(rid, counts, {which: str(example)} if example else {})
        return log


def reading_lines(readings: Mapping[str, Any] | None) -> list[str]:
    """Console lines, one per reading a run exercised, from suite metrics ``readings``."""
    if not readings:
        return []
    from ._contract import load_contract

    return ReadingLog.from_dict(readings).lines(load_contract())
