"""Soak: flood every emulator route at once and show it stays bounded and answering.

wrk drives a mix of every documented operation (sync and async /match, /idno, validateData as
often as all the others together, so a minute passes the 10,000 codes that once wedged the
emulator, /result on traceNos the flood just got, faceCompareNew) for FACEHARNESS_FLOOD_S seconds
(default 60); a second wrk samples /match alone during the flood. Printed: the emulator's RSS
before and after, the p99 on /match before (quiet, the baseline of this run) and during the flood,
the answers per operation and the sizes of its bounded state.

Targets: no request timed out or lost its connection, every route answers within 2 s after the
flood, and RSS grows less than MAX_GROWTH_MB (the state's bounds, README "The emulator").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _table  # noqa: E402
from _servers import emulator_server, rss_mb  # noqa: E402

from harness.clients import DEMO, jd_auth_params  # noqa: E402
from harness.contract import load_contract  # noqa: E402
from harness.emulator import DEMO_ID_NUM, DEMO_NAME  # noqa: E402
from harness.imaging import builtin_faces  # noqa: E402

MAX_GROWTH_MB = 100.0
CHUNK_S = 120  # wrk runs at most this long, then re-signs the JD query (5-minute window)
WRK_TIMEOUT = "5s"


def _bodies() -> dict[str, bytes]:
    import base64

    faces = {f.name: f.data for f in builtin_faces()}
    a = base64.b64encode(faces["eileen_collins_crop"]).decode()
    b = base64.b64encode(faces["grace_hopper_crop"]).decode()
    face = {"type": "image", "data": b}
    c = load_contract()
    return {
        "match": json.dumps({"image": {"data": a}, "faceData": face}).encode(),
        "async": json.dumps({"async": True, "image": {"data": a}, "faceData": face}).encode(),
        "idno": json.dumps({"idNum": DEMO_ID_NUM, "name": DEMO_NAME, "faceData": face}).encode(),
        "jd": json.dumps(
            {
                **c.jd_fixed_fields,
                "serialNo": "soak-1",
                "compareImageItem": {"imgType": "IDP", "imgBase64": a},
                "collectionImageItems": [{"imgType": "SFF", "imgBase64": b}],
            }
        ).encode(),
    }


def _paths() -> dict[str, str]:
    ops = load_contract().operations
    return {op_id: op.path for op_id, op in ops.items()}


def _mix_script(tmp: Path, bodies: dict[str, bytes]) -> Path:
    files = {}
    for name, body in bodies.items():
        files[name] = tmp / f"{name}.json"
        files[name].write_bytes(body)
    paths = _paths()
    query = "&".join(f"{k}={v}" for k, v in jd_auth_params(*DEMO.require_jd()).items())
    script = tmp / "mix.lua"
    script.write_text(
        "local b = {}\n"
        + "".join(
            f'do local f = io.open("{f}", "rb"); b["{n}"] = f:read("*a"); f:close() end\n'
            for n, f in files.items()
        )
        + "local auth = "
        f'{{["Content-Type"] = "application/json", ["Authorization"] = "{DEMO.token}"}}\n'
        + 'local plain = {["Content-Type"] = "application/json"}\n'
        + f'local jd = "{paths["faceCompareNew"]}?{query}"\n'
        + 'local trace, n = "0", 0\n'
        + 'local plan = {"match", "live", "async", "live", "idno", "live", "result", "live", "jd", '
        '"live"}\n'
        + "request = function()\n"
        + "  n = n + 1\n"
        + "  local k = plan[(n % #plan) + 1]\n"
        + f'  if k == "match" then return wrk.format("POST", "{paths["match"]}", auth, b.match) '
        "end\n"
        + f'  if k == "async" then return wrk.format("POST", "{paths["match"]}", auth, b.async) '
        "end\n"
        + f'  if k == "idno" then return wrk.format("POST", "{paths["matchIdno"]}", auth, b.idno) '
        "end\n"
        + f'  if k == "live" then return wrk.format("POST", "{paths["liveCode"]}", auth, "{{}}") '
        "end\n"
        + f'  if k == "result" then return wrk.format("POST", "{paths["asyncResult"]}", auth, '
        + "'{\"traceNo\":\"' .. trace .. '\"}') end\n"
        + '  return wrk.format("POST", jd, plain, b.jd)\n'
        + "end\n"
        + "response = function(status, headers, body)\n"
        + '  local t = string.match(body, \'"traceNo":"(%d+)"\')\n'
        + '  if t and string.find(body, "PROCESSING", 1, true) then trace = t end\n'
        + "end\n"
    )
    return script


def _match_script(tmp: Path, bodies: dict[str, bytes]) -> Path:
    (tmp / "m.json").write_bytes(bodies["match"])
    script = tmp / "match.lua"
    script.write_text(
        f'local f = io.open("{tmp / "m.json"}", "rb"); local body = f:read("*a"); f:close()\n'
        + "local h = "
        f'{{["Content-Type"] = "application/json", ["Authorization"] = "{DEMO.token}"}}\n'
        + f'request = function() return wrk.format("POST", "{_paths()["match"]}", h, body) end\n'
    )
    return script


def _wrk(args: list[str], seconds: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["wrk", "-t1", f"-d{seconds}s", "--timeout", WRK_TIMEOUT, *args],
        stdout=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], seconds: int) -> str:
    out, _ = proc.communicate(timeout=seconds + 60)
    return out


def _p99_ms(out: str) -> float:
    m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not m:
        raise RuntimeError("wrk printed no p99:\n" + out)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


def _errors(out: str) -> int:
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return sum(int(x) for x in m.groups()) if m else 0


def _requests(out: str) -> int:
    m = re.search(r"(\d+) requests in", out)
    return int(m.group(1)) if m else 0


def _every_route_answers(url: str, bodies: dict[str, bytes]) -> list[str]:
    """The operations that did not answer an envelope within 2 s."""
    paths, auth = (
        _paths(),
        {"Authorization": DEMO.require_token(), "content-type": "application/json"},
    )
    sends: dict[str, tuple[str, bytes, dict[str, str], dict[str, str] | None]] = {
        "match": (paths["match"], bodies["match"], auth, None),
        "matchIdno": (paths["matchIdno"], bodies["idno"], auth, None),
        "liveCode": (paths["liveCode"], b"{}", auth, None),
        "asyncResult": (paths["asyncResult"], b'{"traceNo":"0"}', auth, None),
        "faceCompareNew": (
            paths["faceCompareNew"],
            bodies["jd"],
            {"content-type": "application/json"},
            jd_auth_params(*DEMO.require_jd()),
        ),
    }
    silent = []
    for op, (path, body, headers, params) in sends.items():
        try:
            r = httpx.post(url + path, content=body, headers=headers, params=params, timeout=2)
            r.json()
        except (httpx.HTTPError, ValueError):
            silent.append(op)
    return silent


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); `make bench` installs it")
        return 1
    flood_s = int(os.environ.get("FACEHARNESS_FLOOD_S", "60"))
    bodies = _bodies()
    ok = True
    with tempfile.TemporaryDirectory() as tmp_s, emulator_server("--engine", "fast") as (url, proc):
        tmp = Path(tmp_s)
        match_lua = _match_script(tmp, bodies)
        _finish(_wrk(["-c2", "-s", str(match_lua), url], 2), 2)  # warm-up
        quiet = _finish(_wrk(["-c2", "--latency", "-s", str(match_lua), url], 5), 5)
        quiet_p99 = _p99_ms(quiet)
        before = rss_mb(proc.pid)
        started, mix_out, errors, sampled = time.monotonic(), [], 0, []
        while (left := flood_s - int(time.monotonic() - started)) > 0:
            chunk = min(CHUNK_S, left)
            mix = _wrk(["-c32", "-s", str(_mix_script(tmp, bodies)), url], chunk)
            probe = _wrk(["-c2", "--latency", "-s", str(match_lua), url], chunk)
            mix_out.append(_finish(mix, chunk))
            sampled.append(_finish(probe, chunk))
        after = rss_mb(proc.pid)
        errors = sum(_errors(o) for o in mix_out + sampled)
        flood_p99 = max(_p99_ms(o) for o in sampled)
        silent = _every_route_answers(url, bodies)
        stats = httpx.get(url + "/_emulator/stats", timeout=5).json()
    total = sum(_requests(o) for o in mix_out)
    print(
        f"flood {flood_s} s: {total} requests over every route ({total / max(1, flood_s):.0f}/s), "
        f"{errors} timeouts or socket errors (target 0)"
    )
    print(
        f"validateData answered {stats['requests'].get('liveCode', 0)} times (the 4-digit space "
        "holds 10,000)"
    )
    print(
        "answers per operation: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats["requests"].items()))
    )
    codes = {
        k: v for k, v in stats["codes"].items() if not k.endswith(":0") and not k.endswith(":10000")
    }
    print(
        "non-success answers: "
        + (", ".join(f"{k} x{v}" for k, v in sorted(codes.items())) or "none")
    )
    print(
        "state sizes after: "
        + ", ".join(
            f"{k} {stats[k]}"
            for k in (
                "live_codes",
                "retired_live_codes",
                "async_jobs",
                "pending_async_jobs",
                "rate_buckets",
                "quota_books",
            )
        )
    )
    print(
        f"/match p99: {quiet_p99:.1f} ms quiet, {flood_p99:.1f} ms during the flood "
        f"(x{flood_p99 / max(quiet_p99, 1e-3):.1f}; reported, not a target)"
    )
    growth = after - before
    print(
        f"RSS {before:.1f} -> {after:.1f} MB (growth {growth:+.1f} MB, target < {MAX_GROWTH_MB:g})"
    )
    print(
        "every route answered after the flood"
        if not silent
        else "SILENT after the flood: " + ", ".join(silent)
    )
    _table.record(
        f"soak {flood_s} s flood: timeouts or socket errors",
        errors,
        "",
        goal="0",
        ok=errors == 0,
        note=f"{total} requests",
    )
    _table.record(
        "soak: routes silent after the flood",
        len(silent),
        "",
        goal="0",
        ok=not silent,
        note=", ".join(silent),
    )
    _table.record(
        "soak: emulator RSS growth",
        growth,
        "MB",
        goal=f"< {MAX_GROWTH_MB:g} MB",
        ok=growth < MAX_GROWTH_MB,
    )
    _table.record(
        "soak: /match p99 during the flood",
        flood_p99,
        "ms",
        baseline=quiet_p99,
        goal="reported",
        ok=True,
        note="baseline: quiet p99 in this run",
    )
    ok &= errors == 0 and not silent and growth < MAX_GROWTH_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
