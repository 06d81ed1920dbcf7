"""Plain-Locust user classes for ``load/locustfile.py`` (its docstring says how to run them):
an answer fails unless its JSON code is a success. Imported only inside Locust (gevent-patched).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from typing import Any

import gevent
from locust import FastHttpUser, constant_throughput, events, task

from harness.clients import AnswerTooLarge, CutOffBody, UndecodableBody
from harness.loadgen.classify import SUCCESS, api_classifier
from harness.loadgen.result import PreparedRequest
from harness.loadgen.scenarios import (
    MIXED,
    OPERATIONS,
    ScenarioOptions,
    after_first,
    scenario_request,
)
from harness.loadgen.transport import (
    answer_charset,
    loop_time_now,
    read_body,
    request_deadline,
)

_ENV = "FACEHARNESS_LOAD_"
_OPTIONS = ("weights", "sizes", "pairing", "faces_dir", "seed")  # FACEHARNESS_LOAD_<KEY>


def scenario_kwargs(scenario: str) -> dict[str, Any]:
    env = os.environ
    options: dict[str, Any] = {"scenario": scenario}
    for key in _OPTIONS:
        if value := env.get(_ENV + key.upper()):
            options[key] = int(value) if key == "seed" else value
    options["demo_credentials"] = env.get(_ENV + "DEMO_CREDENTIALS", "") in ("1", "true", "yes")
    return asdict(ScenarioOptions(**options))


def _per_user_rps() -> float:
    raw = os.environ.get(_ENV + "USER_RPS", "1")
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{_ENV}USER_RPS={raw!r} is not a number") from None
    return value if value > 0 else 1.0


class ScenarioUser(FastHttpUser):
    """One scenario request per task (a matchIdno: its validateData call first)."""

    abstract = True
    scenario = "mixed"
    max_retries = 0
    wait_time = constant_throughput(_per_user_rps())

    def on_start(self) -> None:
        self._kwargs = scenario_kwargs(self.scenario)
        # pool and bodies built before any request is timed, in a native thread (heartbeats)
        gevent.get_hub().threadpool.apply(scenario_request, kwds=self._kwargs)

    @task
    def send(self) -> None:
        req = scenario_request(**self._kwargs)
        ready = req if req.first is None else self._send(req.first, then=req)
        if ready is not None:
            self._send(ready)

    def _send(
        self, req: PreparedRequest, then: PreparedRequest | None = None
    ) -> PreparedRequest | None:
        ready, started = None, time.perf_counter()
        with (
            request_deadline(self.network_timeout),
            self.client.request(
                req.method,
                req.url_path(),
                name=req.name,
                data=req.body or None,  # type: ignore[arg-type]
                headers=dict(req.headers),
                catch_response=True,
                stream=True,  # the body is read by _read, as the harness's users read it
                allow_redirects=False,  # a redirect is the answer: it may name any host
            ) as resp,
        ):
            status, body, error, charset = _read(resp)
            # with stream=True Locust timed the head and took Content-Length for the size: the
            # answer's time is until its body is read, its size the body read (as without stream)
            resp.request_meta["response_time"] = (time.perf_counter() - started) * 1000
            resp.request_meta["response_length"] = len(body)
            klass, code = api_classifier(status, body, error, charset)
            if then is not None:
                (klass, code), ready = after_first(then, status, body, (klass, code), charset)
            if klass == SUCCESS:
                resp.success()
            else:
                resp.failure(f"{klass}: {code}")
        return ready


def _read(resp: Any) -> tuple[int, bytes, BaseException | None, str | None]:
    """``(status, body, error, charset)`` as the harness's own users read an answer: the body is
    read here (Locust's ``stream=True``), by load's transport and the sender's one decoder, with
    the charset it declares (E-071). Locust's own read of ``content`` knew no ``x-gzip`` and no
    stacked ``gzip, br`` (a ValueError out of the task) and inflated a bomb whole."""
    if not resp.status_code:
        return 0, b"", getattr(resp, "error", None), None
    failed = getattr(resp, "request_meta", {}).get("exception")
    try:
        if failed is not None:
            raise failed
        body = read_body(resp._response)
        return int(resp.status_code), body, None, answer_charset(resp._response)
    except (AnswerTooLarge, CutOffBody, UndecodableBody) as exc:
        return 0, b"", exc, None
    except BaseException as exc:  # noqa: BLE001 - a timeout, ...: a non-answer of its own kind
        if exc is not failed:
            raise
        return 0, b"", exc, None
    finally:
        resp._response.release()


def _user(scenario: str) -> type[ScenarioUser]:
    attrs = {"abstract": False, "scenario": scenario, "__module__": __name__}
    return type(f"{scenario[0].upper()}{scenario[1:]}User", (ScenarioUser,), attrs)


# one per operation (JD's freshly signed per request), and all four by FACEHARNESS_LOAD_WEIGHTS
MatchUser, MatchIdnoUser, LiveCodeUser, FaceCompareNewUser, MixedUser = map(
    _user, (*OPERATIONS, MIXED)
)

events.init.add_listener(loop_time_now)  # plain ``-t`` counts from the run's start (transport)
