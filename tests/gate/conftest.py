"""One real gate run against the emulator, shared by the end-to-end tests of this folder.

The run uses a small profile (every suite, tiny budgets) and an emulator configured with
its own tokens and appkey, plus credentials in the environment, so the output scan has
known secrets to look for.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.gate._policy import QUICK, Profile
from harness.gate._run import GateOutcome

TOKEN_IN_CONFIG = "cfg-token-7Q2xv9Lr"
APPKEY_IN_CONFIG = "cfgappkeyZ81kWq"
SECRET_IN_CONFIG = "cfg-secret-V0c4aPq"
TOKEN_IN_ENV = "env-token-Hq93TfZ"
APPKEY_IN_ENV = "envappkeyP02xRk"
SECRET_IN_ENV = "env-secret-Lm55NbY"
SECRETS = [
    TOKEN_IN_CONFIG,
    APPKEY_IN_CONFIG,
    SECRET_IN_CONFIG,
    TOKEN_IN_ENV,
    APPKEY_IN_ENV,
    SECRET_IN_ENV,
]

SMALL = QUICK.model_copy(
    update={
        "name": "test-small",
        "conformance_examples": 2,
        "fuzz_examples": 3,
        "max_requests": 175,
        "load_rate_rps": 20.0,
        "load_duration_s": 2.0,
        "limit_search": "always",
        "limit_start_rps": 40.0,
        "limit_max_rps": 120.0,
        "limit_step_s": 2.0,
        "limit_warmup_s": 0.5,
        "limit_max_steps": 3,
        "limit_time_budget_s": 20.0,
        "accuracy_engine": "fast",
        "accuracy_max_pairs": 16,
        "stage_timeout_s": 60.0,
        "request_timeout_s": 5.0,
    }
)
"""Every suite once, small: about 40 s on two cores."""


def emulator_config(path: Path, extra: str = "") -> Path:
    path.write_text(
        f'tokens = ["{TOKEN_IN_CONFIG}"]\n{extra}\n'
        f'[[appkeys]]\nappkey = "{APPKEY_IN_CONFIG}"\nsecretkey = "{SECRET_IN_CONFIG}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="package")
def secret_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FACEHARNESS_TOKEN", TOKEN_IN_ENV)
        mp.setenv("FACEHARNESS_JD_APPKEY", APPKEY_IN_ENV)
        mp.setenv("FACEHARNESS_JD_SECRETKEY", SECRET_IN_ENV)
        yield


class Run:
    def __init__(
        self, outcome: GateOutcome, out_dir: Path, seconds: float, profile: Profile
    ) -> None:
        self.outcome, self.out_dir, self.seconds, self.profile = outcome, out_dir, seconds, profile


@pytest.fixture(scope="package")
def healthy_run(tmp_path_factory: pytest.TempPathFactory, secret_env: None) -> Run:
    from harness.gate import run_gate

    root = tmp_path_factory.mktemp("gate")
    config = emulator_config(root / "emulator.toml")
    policy = root / "gate.toml"
    policy.write_text(
        '[findings]\nlow = "unlimited"\n[load]\nmin_qps_limit = 20\nmax_p99_ms = 2000\n'
        "p99_at_rps = 20\n",
        encoding="utf-8",
    )
    t0 = time.monotonic()
    outcome = run_gate(out_dir=root / "run", profile=SMALL, policy=policy, config=config)
    return Run(outcome, root / "run", time.monotonic() - t0, SMALL)
