"""Emulator throughput and memory, measured with wrk against servers in their own processes.

1. Fast engine, JD request with an 82 KB base64 image: emulator requests/s >= 0.8 x a bare
   Starlette/uvicorn echo of the same body, both measured in this run. The echo is the plain
   Starlette echo of a JSON body (``JSONResponse(await request.json())``): the brief's measured
   "about 2,000 requests/s" for an 82 KB JSON body is that echo's figure here. A bytes-only
   echo (no parse, about twice as fast) is measured and printed too, as the raw HTTP ceiling.
2. Memory stays flat under a soak of mixed valid and invalid requests (FACEHARNESS_SOAK_S,
   default 600 s): RSS growth after warm-up under 25 MB.
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
from _servers import echo_server, emulator_server, rss_mb  # noqa: E402

from harness.clients import DEMO, jd_auth_params  # noqa: E402
from harness.contract import load_contract  # noqa: E402
from harness.imaging import builtin_faces  # noqa: E402

TARGET_RATIO = 0.8
MAX_GROWTH_MB = 25.0


def _body() -> bytes:
    import base64

    faces = {f.name: f.data for f in builtin_faces()}
    big = base64.b64encode(faces["grace_hopper_orig"]).decode()
    small = base64.b64encode(faces["eileen_collins_crop"]).decode()
    body = {**load_contract().jd_fixed_fields, "serialNo": "bench-1",
            "compareImageItem": {"imgType": "IDP", "imgBase64": big},
            "collectionImageItems": [{"imgType": "SFF", "imgBase64": small}]}
    print(f"image base64: {len(big) / 1000:.0f} KB, body {len(json.dumps(body)) / 1000:.0f} KB")
    return json.dumps(body).encode()


def _lua(bodies: list[bytes], tmp: Path) -> Path:
    files = []
    for i, b in enumerate(bodies):
        p = tmp / f"body{i}.json"
        p.write_bytes(b)
        files.append(str(p))
    script = tmp / "post.lua"
    script.write_text(
        "local bodies = {}\n"
        + "".join(f'do local f = io.open("{f}", "rb"); bodies[{i + 1}] = f:read("*a"); f:close() end\n'
                  for i, f in enumerate(files))
        + 'local n = 0\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        + "request = function()\n  n = n + 1\n  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])\nend\n"
    )
    return script


def _wrk(url: str, script: Path, seconds: int, connections: int = 16) -> float:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError("wrk printed no rate:\n" + out)
    return float(m.group(1))


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); `make bench` installs it")
        return 1
    body = _body()
    ok = True
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        script = _lua([body], tmp)
        with echo_server() as (echo, _):
            _wrk(echo + "/echo-json", script, 3)
            echo_rps = _wrk(echo + "/echo-json", script, 10)
            bytes_rps = _wrk(echo + "/echo", script, 10)
        with emulator_server("--engine", "fast") as (emu, proc):
            query = "&".join(f"{k}={v}" for k, v in jd_auth_params(DEMO.jd_appkey, DEMO.jd_secretkey).items())
            url = f"{emu}/jdai/faceCompareNew?{query}"
            check = httpx.post(url, content=body, headers={"content-type": "application/json"}).json()
            assert check["code"] == "10000" and check["result"]["code"] in (0, 1155), check
            _wrk(url, script, 3)
            emu_rps = _wrk(url, script, 10)
            ratio = emu_rps / echo_rps
            print(f"JSON echo {echo_rps:.0f} req/s, emulator {emu_rps:.0f} req/s: ratio {ratio:.2f} "
                  f"(target >= {TARGET_RATIO}); bytes-only echo {bytes_rps:.0f} req/s "
                  f"(ratio {emu_rps / bytes_rps:.2f}, not a target)")
            ok &= ratio >= TARGET_RATIO

            soak_s = int(os.environ.get("FACEHARNESS_SOAK_S", "600"))
            invalid = [b"{not json", body.replace(b'"IDP"', b'"XX"'), body.replace(b"bench-1", b"")[:4000],
                       json.dumps({"businessId": "nope"}).encode()]
            mixed = _lua([body, *invalid, body], tmp)
            _wrk(url, mixed, 10)
            before = rss_mb(proc.pid)
            started = time.monotonic()
            while time.monotonic() - started < soak_s:   # refresh the signature within its 5-minute window
                query = "&".join(f"{k}={v}" for k, v in jd_auth_params(DEMO.jd_appkey, DEMO.jd_secretkey).items())
                _wrk(f"{emu}/jdai/faceCompareNew?{query}", mixed, min(120, max(1, soak_s - int(time.monotonic() - started))))
            after = rss_mb(proc.pid)
            growth = after - before
            print(f"soak {soak_s} s mixed valid/invalid: RSS {before:.1f} -> {after:.1f} MB "
                  f"(growth {growth:+.1f} MB, target < {MAX_GROWTH_MB})")
            ok &= growth < MAX_GROWTH_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
