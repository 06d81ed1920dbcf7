"""The JD sign formula is the contract's, pinned by a known answer (ERRATA E-018)."""

from __future__ import annotations

import harness.clients
import harness.emulator._jd_routes as emulator_jd
from harness.contract import jd_auth_params, jd_sign


def test_jd_sign_known_answer() -> None:
    # MD5("sk-test" + "1541491668060") by the seed's rule MD5(sectetkey+timestamp), computed
    # independently: printf '%s' sk-test1541491668060 | md5sum
    assert jd_sign("sk-test", 1541491668060) == "3ddc4c29f9d7249fd090c282ead3d0b0"
    assert jd_sign("sk-test", "1541491668060") == "3ddc4c29f9d7249fd090c282ead3d0b0"
    # the timestamp follows the key (not the other way round), lowercase hex
    assert jd_sign("1541491668060", "sk-test") != "3ddc4c29f9d7249fd090c282ead3d0b0"


def test_auth_params_sign_the_timestamp_they_send() -> None:
    params = jd_auth_params("ak", "sk-test", clock=lambda: 1541491668.060)
    assert params == {
        "appkey": "ak",
        "timestamp": "1541491668060",
        "sign": "3ddc4c29f9d7249fd090c282ead3d0b0",
    }


def test_client_and_emulator_both_cite_the_contracts_formula() -> None:
    # the emulator checking with the client's own function could never catch a wrong formula
    assert harness.clients.jd_sign is jd_sign
    assert emulator_jd.jd_sign is jd_sign
    assert not any(
        str(getattr(v, "__module__", "")).startswith("harness.clients")
        for v in vars(emulator_jd).values()
    )
