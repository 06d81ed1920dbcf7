"""What a load run is given (:class:`RunConfig`), sends (:class:`PreparedRequest`) and returns
(:class:`LoadResult`), merged from the processes' part files (files: they survive however the
master shuts down). HDR histograms are added, never averaged: merged percentiles are exact.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogWriter

from harness.errors import ConfigError, HarnessError, UsageError
from harness.loadgen import hdr
from harness.loadgen.classify import KLASSES, SUCCESS
from harness.loadgen.recorder import (
    REPORT_WAIT_S,
    STOP_ABORT,
    STOP_HEARTBEATS,
    STOP_LOCUST,
    STOP_RUN_TIME,
    planned_sends,
)
from harness.loadgen.safety import check_load

CONFIG_ENV = "FACEHARNESS_LOAD_CONFIG"
RUN_STARTED = "faceharness run started"  # a worker's log line: it served a run (serve_worker)
# Upper bound on any run when no duration is given (plain locust use): keeps loops bounded.
MAX_DURATION_S = 24 * 3600.0

Mode = Literal["closed", "open"]
MODE_LABELS: dict[str, str] = {"closed": "closed-model", "open": "open-model"}


@dataclass(frozen=True)
class RunConfig:
    """Everything a load process needs; ``users``, ``rate`` and ``max_requests`` are totals over
    the ``processes`` (1 locally, W with workers)."""

    mode: Mode
    target_url: str
    requests: Mapping[str, Any]  # ScenarioOptions fields, or {"paths": [...]} (plain GETs)
    users: int | None = None
    rate: float | None = None
    duration_s: float = MAX_DURATION_S
    max_requests: int | None = None
    processes: int = 1
    out_dir: str | None = None
    timeout_s: float = 10.0
    late_ms: float = 10.0
    max_inflight: int = 512
    think_time_s: float = 0.0
    abort_error_rate: float | None = None
    abort_window_s: float = 5.0
    abort_min_samples: int = 10

    def __post_init__(self) -> None:
        cfg, url = self, urlsplit(self.target_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise UsageError(
                f"target URL {cfg.target_url!r} must look like http://host:port[/base]"
            )
        if cfg.mode not in MODE_LABELS:
            raise UsageError(f"mode must be 'closed' or 'open', got {cfg.mode!r}")
        if (cfg.users is None, cfg.rate is None) != (cfg.mode == "open", cfg.mode == "closed"):
            raise UsageError("give exactly one of users=N (closed model) or rate=R (open model)")
        check_load(cfg.users, cfg.rate, cfg.max_requests, cfg.abort_error_rate)
        if cfg.processes < 1:
            raise UsageError(f"processes must be >= 1, got {cfg.processes}")
        if cfg.users is not None and cfg.users < cfg.processes:
            raise UsageError(f"users ({cfg.users}) must be >= load processes ({cfg.processes})")
        if not (0 < cfg.duration_s <= MAX_DURATION_S):
            raise UsageError(
                f"duration_s must be in (0, {MAX_DURATION_S:.0f}], got {cfg.duration_s}"
            )
        if cfg.timeout_s <= 0 or cfg.late_ms < 0 or cfg.max_inflight < 1 or cfg.think_time_s < 0:
            raise UsageError("timeout_s > 0, late_ms >= 0, max_inflight >= 1 and think_time_s >= 0")
        if cfg.abort_window_s <= 0 or cfg.abort_min_samples < 1:
            raise UsageError("abort_window_s must be > 0 and abort_min_samples >= 1")

    @property
    def label(self) -> str:
        return MODE_LABELS[self.mode]

    @property
    def drain_s(self) -> float:  # waiting for in-flight requests after the sends stop
        return self.timeout_s + 1.0

    def quota(self, index: int) -> int | None:
        if self.max_requests is None:
            return None
        base, extra = divmod(self.max_requests, self.processes)
        return base + (1 if index < extra else 0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"requests": dict(self.requests)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"unknown load config keys: {', '.join(unknown)}")
        return cls(**dict(data))


def read_config(environ: Mapping[str, str] | None = None) -> RunConfig | None:
    """The config file named by ``FACEHARNESS_LOAD_CONFIG`` (a worker's comes from its master)."""
    path = (os.environ if environ is None else environ).get(CONFIG_ENV)
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read load config {path}: {exc}") from exc
    return RunConfig.from_dict(data)


SCHEMA = "faceharness.load/1"
LOAD_JSON = "load.json"
LOAD_CSV = "load.csv"
LOAD_HLOG = "load.hlog"
LOCUST_CSV_PREFIX = "locust"
COUNTS = ("offered", "sent", "completed", "late", "dropped")  # a second's counts
TOTALS = ("offered", "sent", "completed", "late", "dropped", "unsent", "harness_errors", "clamped")
CSV_COLUMNS = ("t", "epoch_s", "offered_rps", "achieved_rps", "ok_rps", "p50_ms", "p99_ms",
               "late", "dropped")  # fmt: skip
MAX_SERIES_S = int(MAX_DURATION_S) + 3600  # bounds the per-second loop
LIVE_CODE_FIRST = "liveCode for matchIdno"  # the validateData call before each matchIdno

MODE_NOTES = {
    "open-model": "Open model: requests start on a fixed arrival schedule independent of "
    "responses; latency_ms is measured from each request's intended start (coordinated-omission "
    "corrected); service_ms from the actual send.",
    "closed-model": "Closed model: each user waits for its answer before sending again, so a "
    "slow service lowers the offered rate and latency_ms (from the actual send) hides queueing.",
}
LOCUST_LABELS = {
    "closed-model": "closed-model: Locust's own statistics; response-time percentiles are "
    "bucketed to ~2 significant digits",
    "open-model": "open-model: Locust measures from the actual send (service time), not "
    "from the intended start; use latency_ms. Percentiles bucketed to ~2 significant digits",
}


PARTS_DIR = "parts"
SERIES_SUFFIX = ".series.jsonl"
FINAL_SUFFIX = ".final.json"
LOCUST_STATS = "locust_stats.json"


class PartWriter:
    """One process's files; every write is flushed so a crash loses at most a second."""

    def __init__(self, out_dir: str | Path, proc: str) -> None:
        parts = Path(out_dir) / PARTS_DIR
        parts.mkdir(parents=True, exist_ok=True)
        self.series_path = parts / f"{proc}{SERIES_SUFFIX}"
        self.final_path = parts / f"{proc}{FINAL_SUFFIX}"

    def append_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        lines = [json.dumps(row, separators=(",", ":")) + "\n" for row in rows]
        if lines:
            with self.series_path.open("a", encoding="utf-8") as fh:
                fh.writelines(lines)

    def write_final(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.final_path, data)


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


class SeriesTail:
    """New complete lines of all series files (for progress)."""

    def __init__(self, out_dir: str | Path) -> None:
        self.dir = Path(out_dir) / PARTS_DIR
        self._offsets: dict[Path, int] = {}

    def poll(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for path in sorted(self.dir.glob(f"*{SERIES_SUFFIX}")):
            start = self._offsets.get(path, 0)
            with path.open("rb") as fh:
                fh.seek(start)
                chunk = fh.read()
            end = chunk.rfind(b"\n") + 1
            if end:
                self._offsets[path] = start + end
                rows.extend(_complete_lines(chunk[:end].decode("utf-8")))
        return rows


def _complete_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):  # a torn last line from a killed process
            out.append(json.loads(line))
    return out


def collect(out_dir: Path, cfg: RunConfig, *, workers: int, warnings: list[str]) -> LoadResult:
    parts = out_dir / PARTS_DIR
    finals = [json.loads(p.read_text("utf-8")) for p in sorted(parts.glob(f"*{FINAL_SUFFIX}"))]
    label = cfg.label

    def first(key: str) -> Any:  # the first process's that has one
        return next((f[key] for f in finals if f.get(key)), None)

    rows = [row for path in sorted(parts.glob(f"*{SERIES_SUFFIX}"))
            for row in _complete_lines(path.read_text("utf-8"))]  # fmt: skip
    reported = {f.get("proc") for f in finals}
    partial = _partial(cfg, workers, finals, [r for r in rows if r.get("proc") not in reported])
    if partial is not None:
        warnings.append(partial["reason"])
    if unsent := sum(int(f.get("totals", {}).get("unsent", 0)) for f in finals):
        warnings.append(
            f"{unsent} matchIdno request(s) not sent: the validateData call before each issued "
            f"no liveCode (its answers are counted as {LIVE_CODE_FIRST!r})"
        )
    summed = {key: Counter[str]() for key in ("totals", "by_class", "codes", "err_codes")}
    for final in finals:
        for key, counter in summed.items():
            counter.update(final.get(key, {}))
    totals, by_class, codes, err_codes = summed.values()
    names: dict[str, dict[str, Counter[str]]] = {}
    for final in finals:
        for name, counts in (final.get("names") or {}).items():
            named = names.setdefault(name, {"by_class": Counter(), "err_codes": Counter()})
            for key, counter in named.items():
                counter.update(counts.get(key) or {})
    latency = hdr.merge(f.get("latency_hist") for f in finals)
    service = hdr.merge(f.get("service_hist") for f in finals)

    starts = [f["first_intended_wall"] for f in finals if f.get("first_intended_wall")]
    ends = [f["last_done_wall"] for f in finals if f.get("last_done_wall")]
    start_wall = min(starts) if starts else None
    elapsed = max(ends) - start_wall if (ends and start_wall is not None) else 0.0
    series = _series([r for r in rows if r.get("proc") in reported], start_wall)

    completed = totals["completed"]
    success = by_class[SUCCESS]
    per_s = (lambda n: round(n / elapsed, 3)) if elapsed > 0 else (lambda n: 0.0)
    summary: dict[str, Any] = {
        "schema": SCHEMA,
        "mode": label,
        "mode_note": MODE_NOTES[label],
        "target_url": cfg.target_url,
        "config": {k: v for k, v in cfg.to_dict().items() if k not in ("out_dir", "target_url")}
        | {"workers": workers},
        "started_at": _iso(start_wall),
        "started_at_epoch": start_wall,
        "elapsed_s": round(elapsed, 3),
        "stop_reason": _stop_reason(finals),
        "abort_reason": first("abort_reason"),
        "totals": {key: totals[key] for key in TOTALS} | {"success": success},
        "partial": partial,
        "offered_rps": cfg.rate if cfg.mode == "open" else per_s(totals["sent"]),
        "throughput_rps": per_s(completed),
        "goodput_rps": per_s(success),
        "error_rate": round((completed - success) / completed, 6) if completed else 0.0,
        "latency_ms": hdr.summarize_ms(latency)
        | {"measured_from": "intended start" if cfg.mode == "open" else "actual send"},
        "service_ms": hdr.summarize_ms(service) | {"measured_from": "actual send"},
        "by_class": {k: by_class.get(k, 0) for k in KLASSES},
        "errors_by_class": {k: n for k, n in by_class.items() if k != SUCCESS and n},
        "errors_by_code": dict(err_codes.most_common()),
        "codes": dict(codes.most_common()),
        # by request name (operation): its answers by class and its errors by code
        "by_name": {
            name: {"by_class": dict(v["by_class"]), "errors_by_code": dict(v["err_codes"])}
            for name, v in sorted(names.items())
        },
        "late_sends": totals["late"],
        "late_threshold_ms": cfg.late_ms,
        "dropped_sends": totals["dropped"],
        "harness_error_sample": first("harness_error_sample"),
        # the longest Retry-After a refusal asked for (None: none did)
        "retry_after_s": max(
            (f["retry_after_s"] for f in finals if f.get("retry_after_s")), default=None
        ),
        # the limit the answers stated (RateLimit-* / X-RateLimit-* fields; None: none did)
        "rate_limit_stated": functools.reduce(
            merge_stated, (f.get("rate_limit_stated") for f in finals), None
        ),
        # answers refused for a head past the sender's size (``no answer:reset``, as it counts them)
        "heads_too_large": sum(f.get("heads_too_large") or 0 for f in finals),
        # why an answer head was refused as malformed (the last a worker saw; None: none was)
        "head_refused": first("head_refused"),
        # requests sent again on a new connection: a kept-alive one closed with no byte of answer
        "reconnects": sum(f.get("reconnects") or 0 for f in finals),
        "series": [row.to_dict() for row in series],
        "locust": {
            "label": LOCUST_LABELS[label],
            **json.loads(stats.read_text("utf-8")),
            "csv_prefix": LOCUST_CSV_PREFIX,
        }
        if (stats := parts / LOCUST_STATS).exists()
        else None,  # fmt: skip
        "processes": [_process_echo(f) for f in finals],
        "hdr": {"unit": "us", "latency": hdr.encode(latency), "service": hdr.encode(service)},
        "files": {"json": LOAD_JSON, "csv": LOAD_CSV, "hdr_log": LOAD_HLOG},
        "warnings": warnings,
    }
    return LoadResult(mode=label, summary=summary, series=series, out_dir=out_dir)


def write_outputs(result: LoadResult) -> None:
    out = result.out_dir
    write_json_atomic(out / LOAD_JSON, result.summary)
    _write_csv(out / LOAD_CSV, result.series)
    _write_hlog(out / LOAD_HLOG, result)


def _series(rows: list[dict[str, Any]], start_wall: float | None) -> list[SecondRow]:
    if not rows:
        return []
    by_sec: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_sec.setdefault(int(row["sec"]), []).append(row)
    first = min(math.floor(start_wall) if start_wall is not None else min(by_sec), min(by_sec))
    if max(by_sec) - first > MAX_SERIES_S:
        raise HarnessError(f"part files span {max(by_sec) - first} s; stale files in the output?")
    # gaps (a full stall) become empty seconds
    return [
        SecondRow.total(by_sec.get(sec, ()), sec - first, sec)
        for sec in range(first, max(by_sec) + 1)
    ]


def _partial(cfg: RunConfig, workers: int, finals: list[dict[str, Any]],
             orphan_rows: list[dict[str, Any]]) -> dict[str, Any] | None:  # fmt: skip
    """Which load processes did not send their share (None: all did): no report came, or one
    was stopped from outside rather than by its duration, budget or an abort."""
    aborted = any(f.get("stop_reason") == STOP_ABORT for f in finals)

    def name(index: int) -> str:
        return f"worker {index}" if workers else "the load process"

    reported = {f.get("index") for f in finals}
    missing = [i for i in range(cfg.processes) if i not in reported]
    cut = [
        f for f in finals
        if not aborted and f.get("stop_reason") in (STOP_LOCUST, STOP_RUN_TIME, STOP_HEARTBEATS)
        and f.get("quota") != 0
    ]  # fmt: skip
    if not missing and not cut:
        return None
    sent = sum(int(r.get("sent", 0)) for r in orphan_rows)
    done = sum(int(r.get("completed", 0)) for r in orphan_rows)
    why = [
        f"{', '.join(map(name, missing))} sent no report within {REPORT_WAIT_S:g}s of the run's "
        f"end ({sent} request(s) sent and {done} answered per its per-second rows are not counted)"
    ] if missing else []  # fmt: skip
    for final in cut:
        index = int(final.get("index") or 0)
        share = ""
        if cfg.rate is not None:  # open model: its planned slots
            rate, quota = cfg.rate / cfg.processes, final.get("quota")
            share = f" of {planned_sends(rate, index / cfg.rate, cfg.duration_s, quota)}"
        offered = int(final.get("totals", {}).get("offered", 0))
        why.append(f"{name(index)} was stopped ({final['stop_reason']}) after offering "
                   f"{offered}{share} request(s)")  # fmt: skip
    if any(f["stop_reason"] == STOP_HEARTBEATS for f in cut):
        why[-1] += " (the master drops a worker silent for 3 s: an overloaded machine?)"
    return {
        "expected_processes": cfg.processes,
        "reported_processes": len(finals),
        "unreported_sent": sent,
        "unreported_completed": done,
        "reason": f"partial run, {len(missing) + len(cut)} of {cfg.processes} load process(es) "
        f"did not send their share: {'; '.join(why)}",
    }


def _stop_reason(finals: list[dict[str, Any]]) -> str:
    reasons = {str(f.get("stop_reason")) for f in finals}
    if not reasons or STOP_ABORT in reasons:
        return STOP_ABORT if reasons else "no results"
    return ", ".join(sorted(reasons))


def _process_echo(final: dict[str, Any]) -> dict[str, Any]:
    totals = final.get("totals", {})
    p99 = hdr.percentile_ms(hdr.merge([final.get("latency_hist")]), 99.0)
    echo = {k: final.get(k) for k in ("proc", "role", "index", "stop_reason", "abort_reason")}
    return echo | {k: totals.get(k, 0) for k in ("sent", "completed")} | {"p99_ms": p99}


def _write_csv(path: Path, series: list[SecondRow]) -> None:
    errors = [k for k in KLASSES if k != SUCCESS]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)  # None is written as an empty field
        writer.writerow([*CSV_COLUMNS, *errors, "errors_by_code"])
        for row in series:
            d, counts = row.to_dict(), [row.by_class.get(k, 0) for k in errors]
            codes = ";".join(f"{code}={n}" for code, n in sorted(row.errors_by_code.items()))
            writer.writerow([*(d[h] for h in CSV_COLUMNS), *counts, codes])


def _write_hlog(path: Path, result: LoadResult) -> None:
    start = result.series[0].sec if result.series else 0
    with path.open("w", encoding="utf-8") as fh:
        writer = HistogramLogWriter(fh)
        writer.output_log_format_version()
        writer.output_comment(f"[StartTime: {start:.3f} (seconds since epoch), {_iso(start)}]")
        writer.output_comment(
            f"[faceharness {result.mode}: latency in microseconds from "
            f"{result.summary['latency_ms']['measured_from']}; one interval per second]"
        )
        writer.output_legend()
        for row in result.series:
            if row.hist:
                hist = HdrHistogram.decode(row.hist)
                hist.set_start_time_stamp(row.t * 1000)
                hist.set_end_time_stamp((row.t + 1) * 1000)
                writer.output_interval_histogram(hist, max_value_unit_ratio=1000.0)


RATE_LIMIT_FIELDS = ("ratelimit-policy", "ratelimit-limit", "x-ratelimit-limit", "ratelimit",
                     "ratelimit-remaining", "x-ratelimit-remaining", "ratelimit-reset",
                     "x-ratelimit-reset")  # fmt: skip
_NUMBER = r"([0-9]{1,12})(?![0-9.])"  # a whole count: 13 digits or a fraction state nothing
EPOCH_S = 1e9  # an X-RateLimit-Reset above this is an epoch time (GitHub's), else seconds left
_STATED_IN: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {  # fields, in order, and keys
    "limit": (("ratelimit-policy", ("q", "")), ("ratelimit-limit", ("",)),
              ("x-ratelimit-limit", ("",)), ("ratelimit", ("limit",))),
    "remaining": (("ratelimit", ("r", "remaining")), ("ratelimit-remaining", ("",)),
                  ("x-ratelimit-remaining", ("",))),
    "reset": (("ratelimit", ("t", "reset")), ("ratelimit-reset", ("",)),
              ("x-ratelimit-reset", ("",))),
}  # fmt: skip
MAX_STATED = 8  # distinct statements kept (per API, limit, window, fields): a hostile service's
# every answer stating another limit grows nothing past this


def stated_limit(field: Any, now: float | None = None) -> dict[str, Any] | None:
    """What an answer states of its rate limit, read from the IETF httpapi drafts' fields (old:
    ``RateLimit-Limit: 100``, ``RateLimit-Policy: 100;w=60``, ``RateLimit: limit=100,
    remaining=0, reset=36``; new: ``RateLimit-Policy: "p";q=100;w=60``, ``RateLimit: "p";r=0;t=36``)
    and the common ``X-RateLimit-Limit/-Remaining/-Reset`` (a reset over 1e9 is an epoch time):
    ``{"limit", "window_s", "remaining", "reset_s", "fields"}`` (``fields``: those a value was
    read from), None when it states nothing. ``field(name)`` gives one field's value (None:
    absent or given twice). Only whole numbers are read, from the first 256 characters: a
    hostile field states nothing. A limit and its window come from one field, and a window that
    is not a whole number of seconds past 0 (``w=0.5``, ``w=0``) leaves that field's limit
    unread: no window is not "per second"."""
    values = {n: v[:256] for n in RATE_LIMIT_FIELDS if isinstance(v := field(n), str)}
    if not values:
        return None

    def number(name: str, keys: tuple[str, ...]) -> int | None:
        text = values.get(name)
        if text is None:
            return None
        for key in keys:  # a parameter (q=, w=, r=, t=, limit= ...), else the leading number
            found = re.search(rf"(?:^|[;,\s]){key}={_NUMBER}", text) if key else None
            if key and found:
                return int(found[1])
        found = re.match(rf"\s*{_NUMBER}\s*(?:[;,]|$)", text) if "" in keys else None
        return int(found[1]) if found else None

    def counted(name: str, keys: tuple[str, ...]) -> tuple[int, int | None] | None:
        limit, window = number(name, keys), number(name, ("w",))
        said_window = re.search(r"(?:^|[;,\s])w=", values.get(name, "")) is not None
        if limit is None or window == 0 or (window is None and said_window):
            return None
        return limit, window

    sources: set[str] = set()

    def first(what: str, read: Callable[[str, tuple[str, ...]], Any]) -> Any:
        for name, keys in _STATED_IN[what]:  # the first field that states it
            if (value := read(name, keys)) is not None:
                sources.add(name)
                return value
        return None

    limit, window = first("limit", counted) or (None, None)
    remaining, reset = first("remaining", number), first("reset", number)
    reset_s: float | None = reset
    if reset_s is not None and reset_s > EPOCH_S:
        reset_s = max(0.0, reset_s - (time.time() if now is None else now))
    if limit is None and remaining is None and reset_s is None:
        return None
    return {"limit": limit, "window_s": window, "remaining": remaining, "reset_s": reset_s,
            "fields": sorted(sources)}  # fmt: skip


def _stated_key(said: dict[str, Any]) -> tuple[Any, ...]:
    return (said.get("api"), said.get("limit"), said.get("window_s"), tuple(said.get("fields", ())))


def _tighter(said: dict[str, Any]) -> tuple[float, float]:
    """The answer of one statement to keep: the fewest remaining, then the longest reset."""
    remaining, reset = said.get("remaining"), said.get("reset_s")
    return (float("inf") if remaining is None else remaining, -(reset or 0.0))


def merge_stated(
    old: list[dict[str, Any]] | None, new: list[dict[str, Any]] | dict[str, Any] | None
) -> list[dict[str, Any]] | None:
    """Stated limits of several answers (or load processes): one entry per API, limit, window
    and fields, each entry one answer's values as it gave them together (of those answers, the
    one with the fewest remaining, then the longest reset). Counts over different windows or of
    different credentials are not comparable, so none is dropped for another (a lowest of 50
    hid 100 per 60 s, and a remaining and a reset of two answers made a statement none gave)."""
    entries = {_stated_key(s): s for s in old or []}
    for said in [new] if isinstance(new, dict) else new or []:
        key = _stated_key(said)
        if key in entries:
            entries[key] = min(entries[key], said, key=_tighter)
        elif len(entries) < MAX_STATED:
            entries[key] = said
    return list(entries.values()) or None


def _field_name(name: str) -> str:
    return "-".join(w.capitalize() if w != "ratelimit" else "RateLimit"
                    for w in name.replace("x-", "X-").split("-"))  # fmt: skip


def describe_stated(stated: list[dict[str, Any]] | None) -> str:
    """``the answers of the match API state a limit of 600 per 60 s; one of them 0 remaining, reset
    in 36 s (RateLimit, RateLimit-Policy)``, one clause per entry, ``; `` between; "" when they
    state nothing. A limit stated without a window says so (it is not "per second")."""
    clauses = []
    for said in stated or []:
        api = f"the answers of the {said['api']} API" if said.get("api") else "the answers"
        told = [f"{said['remaining']} remaining"] if said.get("remaining") is not None else []
        told += [f"reset in {said['reset_s']:g} s"] if said.get("reset_s") is not None else []
        if said.get("limit") is not None:
            per = f" per {said['window_s']} s" if said.get("window_s") else ", no window stated"
            clause = f"{api} state a limit of {said['limit']}{per}"
            clause += f"; one of them {', '.join(told)}" if told else ""
        else:
            clause = f"one of {api} states {', '.join(told)}"
        names = ", ".join(_field_name(n) for n in said.get("fields", []))
        clauses.append(f"{clause} ({names})")
    return "; ".join(clauses)


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """One request; ``path`` follows the target URL's base path. ``first``: a request sent on its
    own just before, whose answer this one needs (matchIdno's liveCode, ``after_first``)."""

    name: str
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    first: PreparedRequest | None = None

    def url_path(self) -> str:
        if not self.query:
            return self.path
        sep = "&" if "?" in self.path else "?"
        return f"{self.path}{sep}{urlencode(dict(self.query))}"


@dataclass(frozen=True)
class SecondRow:
    """One wall-clock second of a run over all processes: ``offered`` counts the sends due in
    it, ``completed`` the answers or failures that arrived in it."""

    t: int
    sec: int
    offered: int = 0
    sent: int = 0
    completed: int = 0
    late: int = 0
    dropped: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    errors_by_code: dict[str, int] = field(default_factory=dict)
    p50_ms: float | None = None
    p99_ms: float | None = None
    hist: str | None = None
    # the latest send's lateness in seconds (0: none late): a slow start's clump of overdue sends
    # spans that much, where lateness spread over every send is no clump (``_clump_refused``)
    late_max_s: float = 0.0

    @classmethod
    def total(cls, rows: Iterable[Mapping[str, Any]], t: int = 0, sec: int = 0) -> SecondRow:
        """Part rows (or ``vars`` of merged ones) added, histograms by exact HDR sum."""
        rows = list(rows)
        by_class: Counter[str] = Counter()
        err: Counter[str] = Counter()
        for row in rows:
            by_class.update(row.get("by_class", {}))
            err.update(row.get("err_codes") or row.get("errors_by_code") or {})  # part or merged
        hist = hdr.merge(row.get("hist") for row in rows)
        return cls(
            t, sec, **{k: sum(row.get(k, 0) for row in rows) for k in COUNTS},
            by_class=dict(by_class), errors_by_code=dict(err),
            p50_ms=hdr.percentile_ms(hist, 50.0), p99_ms=hdr.percentile_ms(hist, 99.0),
            hist=hdr.encode(hist) if hist.get_total_count() else None,
            late_max_s=max((float(row.get("late_max_s") or 0.0) for row in rows), default=0.0),
        )  # fmt: skip

    @property
    def success(self) -> int:
        return self.by_class.get(SUCCESS, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "epoch_s": self.sec,
            "offered_rps": self.offered,
            "achieved_rps": self.completed,
            "ok_rps": self.success,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "errors_by_class": {k: v for k, v in self.by_class.items() if k != SUCCESS and v},
            "errors_by_code": dict(self.errors_by_code),
            "late": self.late,
            "dropped": self.dropped,
        }


@dataclass
class LoadResult:
    """Outcome of :func:`harness.loadgen.run_load`; ``summary`` is exactly ``load.json``."""

    mode: str
    summary: dict[str, Any]
    series: list[SecondRow]
    out_dir: Path
    # set by the load suite: a low-rate run after this one answered (saturated, not broken)
    settled: bool | None = None
    # set by the load suite: the requests a service still held that no low-rate run could wait
    # out within its time (its backlog at what it delivered): saturated or broken, untold
    undrained: int | None = None

    @property
    def stop_reason(self) -> str:
        return str(self.summary["stop_reason"])

    def window(self, start_s: int, end_s: int) -> tuple[list[SecondRow], int]:
        """Seconds ``start_s <= t < end_s``, and the end clamped to the recorded range."""
        last = max((r.t for r in self.series), default=start_s - 1)
        rows = [r for r in self.series if start_s <= r.t < end_s]
        return rows, max(start_s + 1, min(end_s, last + 1))
