"""Emulator bugs conformance runs found (each was an HTTP 500); the documented answer is an
envelope."""

from __future__ import annotations

import httpx

from harness.clients import DEMO, jd_auth_params
from harness.imaging import builtin_faces


def test_found_inputs_get_envelopes_not_server_errors(conformance_emulator, contract):
    url = conformance_emulator()
    face = builtin_faces()[0].data
    with httpx.Client(base_url=url, timeout=30) as client:
        # image.origin of an unhashable type (a list) used to crash the code lookup
        r = client.post(
            "/tech/ai/face/match",
            headers={"Authorization": DEMO.token},
            json={
                "image": {"origin": ["self"], "data": "AAAA"},
                "faceData": {"type": "image", "data": "AAAA"},
            },
        )
        assert r.status_code == 200 and r.json()["errcode"] == 40004
        # imgArr integers written as JSON floats (38.0 is an integer to JSON Schema)
        body = {
            **contract.jd_fixed_fields,
            "serialNo": "s1",
            "compareImageItem": {"imgType": "IDP", "imgArr": [float(b) for b in face]},
            "collectionImageItems": [{"imgType": "SFF", "imgArr": list(face)}],
        }
        r = client.post(
            "/jdai/faceCompareNew",
            params=jd_auth_params(DEMO.jd_appkey, DEMO.jd_secretkey),
            json=body,
        )
        assert r.status_code == 200 and r.json()["result"]["code"] == 0
        # a sign with non-ASCII characters used to crash the constant-time comparison
        params = {**jd_auth_params(DEMO.jd_appkey, DEMO.jd_secretkey), "sign": "签名" * 16}
        r = client.post("/jdai/faceCompareNew", params=params, json=body)
        assert r.status_code == 200 and r.json()["code"] == "10047"
